"""Discrete-event simulation of a value stream with SimPy (docs/future-state.md, *Method*).

One run (:func:`simulate_run`):

* Work arrives at the commitment point as a Poisson process at the model's
  arrival rate, from time 0 to ``warmup_days + horizon_days``; each arrival
  replays a journey drawn at random (with replacement) from the measured
  ones: the stages it visits in order, moves back included, and the
  measured days of each visit. Its created time is the arrival minus the
  journey's measured backlog days.
* A visit to a stage takes the journey's measured days there (scaled by the
  changes): the measured times already hold today's waiting, so a stage
  without a limit serves everyone at once (SimPy timeouts).
* A WIP limit on a stage is a :class:`simpy.Resource` of that capacity. An
  item moving forward into a full stage waits where it is, still holding its
  place upstream (or before the commitment point for the map's first stage,
  so that wait is lead time, not cycle time). A move back (rework) is never
  held by a limit and does not count against one, so the stream cannot
  deadlock.
* A WIP limit on the whole span (``wip:*``) is one Resource taken before
  the commitment point and given back when the item is done.
* A waiting stage under a limit (its own, or the span's) is a queue, not a
  delay: its items leave first in, first out, pulled by one puller whose
  pulls take exponential times with rate ``mu = lambda + 1 / W`` (``lambda``:
  the stage's visits per day, ``W``: its mean measured visit days after the
  changes). Without a limit such a queue keeps today's mean wait ``W`` (the
  M/M/1 sojourn ``1 / (mu - lambda)``); with one, the part of the queue
  beyond the limit waits upstream instead.

Runs are independent and seeded from one :class:`numpy.random.SeedSequence`.
Per run the simulator records each item's created, start and done times
(NaN when not reached by the end) and active days, and each visit's item,
stage, entry and exit (``exit`` includes time held waiting for the next
stage; visits grouped by item, in time order within an item). The Python
code here is the per-item SimPy process; everything around it is
vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from vsm_core.future.model import StreamModel, span_limit

#: Default number of runs and seed.
DEFAULT_RUNS = 20
DEFAULT_SEED = 20260601


@dataclass(frozen=True)
class RunRecord:
    """One run's items (created, start, done, active days) and visits (item, stage, enter, exit)."""

    created: np.ndarray
    start: np.ndarray
    done: np.ndarray
    active: np.ndarray
    visit_item: np.ndarray
    visit_stage: np.ndarray
    visit_enter: np.ndarray
    visit_exit: np.ndarray


@dataclass(frozen=True)
class Simulation:
    """All runs of one model; times are days from the start of the run."""

    model: StreamModel
    runs: tuple[RunRecord, ...]
    warmup_days: float
    horizon_days: float
    seed: int


def queue_stages(model: StreamModel) -> np.ndarray:
    """Stage positions simulated as pulled queues: waiting stages under a limit (module doc)."""
    waiting = np.asarray(model.categories) == "waiting"
    if span_limit(model) is not None:
        return np.flatnonzero(waiting)
    limited = np.array([name in model.limits for name in model.stages], dtype=bool)
    return np.flatnonzero(waiting & limited)


def pull_rates(model: StreamModel) -> dict[int, float]:
    """Pulls per day of each queue stage: ``lambda + 1 / W`` (module docstring)."""
    rates = {}
    visits = np.bincount(model.visit_stage, minlength=len(model.stages))
    days = np.bincount(model.visit_stage, weights=model.visit_days, minlength=len(model.stages))
    for stage in queue_stages(model):  # a loop over stages
        if visits[stage] == 0:
            continue
        lam = model.arrivals_per_day * visits[stage] / model.journeys
        mean_wait = days[stage] / visits[stage]
        rates[int(stage)] = lam + 1.0 / max(mean_wait, 1e-6)
    return rates


def simulate(
    model: StreamModel,
    *,
    horizon_days: float,
    warmup_days: float,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
) -> Simulation:
    """``runs`` independent runs of ``model`` (module docstring); the same seed, the same result."""
    if runs < 1:
        raise ValueError("at least one run")
    streams = np.random.SeedSequence(seed).spawn(runs)
    records = tuple(
        simulate_run(model, np.random.default_rng(s), horizon_days + warmup_days) for s in streams
    )
    return Simulation(model, records, float(warmup_days), float(horizon_days), int(seed))


def _arrivals(rng: np.random.Generator, rate: float, until: float) -> np.ndarray:
    """Poisson arrival times in [0, until), vectorised (one draw, topped up if short)."""
    expected = rate * until
    n = int(expected + 6.0 * np.sqrt(expected) + 16)
    times = np.cumsum(rng.exponential(1.0 / rate, size=n))
    while times[-1] < until:  # rare: the first draw fell short
        more = times[-1] + np.cumsum(rng.exponential(1.0 / rate, size=n))
        times = np.concatenate([times, more])
    return times[times < until]


def simulate_run(
    model: StreamModel, rng: np.random.Generator, until: float, *, engine: str = "auto"
) -> RunRecord:
    """One run of ``model`` up to ``until`` days (module docstring).

    A stream without any WIP limit is only delays: no item ever waits for
    another, so the run is computed directly with numpy (``engine="auto"``),
    giving exactly what the SimPy run of the same draws gives (a test checks
    it); ``engine="simpy"`` always runs the event engine.
    """
    arrival = _arrivals(rng, model.arrivals_per_day, until)
    pick = rng.integers(model.journeys, size=arrival.size)
    if engine == "auto" and not model.limits:
        return _delays_only(model, arrival, pick, until)
    return _simpy_run(model, rng, arrival, pick, until)


def _delays_only(model: StreamModel, arrival, pick, until: float) -> RunRecord:
    """The run of a stream without limits: each item's visits back to back from its arrival.

    Times are summed visit after visit in the order SimPy's clock adds them
    (a row-wise cumulative sum), so the floats are the same; what has not
    happened before ``until`` is NaN (exit, done) or absent (a visit not yet
    entered), as in an event run stopped there.
    """
    n = arrival.size
    lengths = np.diff(model.offsets)[pick]
    width = int(lengths.max()) if n else 0
    column = np.arange(width)
    real = column[None, :] < lengths[:, None]  # (items, visits) mask
    index = np.where(real, model.offsets[pick][:, None] + column[None, :], 0)
    days = np.where(real, model.visit_days[index], 0.0)
    clock = np.cumsum(np.concatenate([arrival[:, None], days], axis=1), axis=1)
    active = np.cumsum(
        np.concatenate([np.zeros((n, 1)), np.where(real, model.visit_active[index], 0.0)], axis=1),
        axis=1,
    )
    end = clock[np.arange(n), lengths]
    finished = end < until
    entered = real & (clock[:, :-1] < until)
    exits = np.where(clock[:, 1:] < until, clock[:, 1:], np.nan)
    done_visits = np.where(real & (clock[:, 1:] < until), 1, 0).sum(axis=1)
    item, slot = np.nonzero(entered)  # row-major: grouped by item, in time order
    return RunRecord(
        created=arrival - model.backlog_days[pick],
        start=arrival.copy(),
        done=np.where(finished, end, np.nan),
        active=active[np.arange(n), done_visits],
        visit_item=item.astype(np.int64),
        visit_stage=model.visit_stage[index[item, slot]].astype(np.int64),
        visit_enter=clock[item, slot],
        visit_exit=exits[item, slot],
    )


def _simpy_run(model: StreamModel, rng, arrival, pick, until: float) -> RunRecord:
    """The event run: one SimPy process per item (module docstring)."""
    env = simpy.Environment()
    n = arrival.size
    created = arrival - model.backlog_days[pick]
    start = [np.nan] * n
    done = [np.nan] * n
    active = [0.0] * n
    visits: tuple[list, list, list, list] = ([], [], [], [])
    slots = {
        model.stages.index(name): simpy.Resource(env, capacity=limit)
        for name, limit in model.limits.items()
        if name in model.stages
    }
    limit = span_limit(model)
    span = simpy.Resource(env, capacity=limit) if limit is not None else None
    rates = pull_rates(model)
    pullers = {stage: simpy.Resource(env, capacity=1) for stage in rates}
    # Python lists: the per-item process reads them one value at a time.
    offsets, stages = model.offsets.tolist(), model.visit_stage.tolist()
    days, act = model.visit_days.tolist(), model.visit_active.tolist()
    arrivals, picks = arrival.tolist(), pick.tolist()

    def item(i: int):
        yield env.timeout(arrivals[i])
        span_req = None
        if span is not None:
            span_req = span.request()
            yield span_req
        held = None
        current = -1
        last_visit = -1
        for v in range(offsets[picks[i]], offsets[picks[i] + 1]):
            stage = stages[v]
            wanted = None
            if stage in slots and stage > current:
                wanted = (slots[stage], slots[stage].request())
                yield wanted[1]
            if held is not None:
                held[0].release(held[1])
            held = wanted
            if last_visit < 0:
                start[i] = env.now
            else:
                visits[3][last_visit] = env.now
            visits[0].append(i)
            visits[1].append(stage)
            visits[2].append(env.now)
            visits[3].append(np.nan)
            last_visit = len(visits[3]) - 1
            current = stage
            if stage in pullers:
                with pullers[stage].request() as pull:
                    yield pull
                    yield env.timeout(rng.exponential(1.0 / rates[stage]))
            else:
                yield env.timeout(days[v])
                active[i] += act[v]
        if last_visit < 0:
            start[i] = env.now
        else:
            visits[3][last_visit] = env.now
        done[i] = env.now
        if held is not None:
            held[0].release(held[1])
        if span_req is not None:
            span.release(span_req)

    for i in range(n):  # SimPy needs one process per item
        env.process(item(i))
    env.run(until=until)
    visit_item = np.asarray(visits[0], dtype=np.int64)
    order = np.argsort(visit_item, kind="stable")  # grouped by item, in time order within one
    return RunRecord(
        created=created,
        start=np.asarray(start, dtype="float64"),
        done=np.asarray(done, dtype="float64"),
        active=np.asarray(active, dtype="float64"),
        visit_item=visit_item[order],
        visit_stage=np.asarray(visits[1], dtype=np.int64)[order],
        visit_enter=np.asarray(visits[2], dtype="float64")[order],
        visit_exit=np.asarray(visits[3], dtype="float64")[order],
    )
