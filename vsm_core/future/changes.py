"""Changes a team can make to its value stream, written as short texts, parsed and checked.

The syntax (docs/future-state.md and docs/cli.md; stage names are matched
case-insensitively, surrounding spaces ignored):

``scale:STAGE=FACTOR``
    Every visit to STAGE takes FACTOR times as long (``scale:Review=0.5``
    halves the time in Review). FACTOR is a number > 0.
``remove:STAGE``
    STAGE disappears: its visits and their time are dropped, items go
    straight on to what came after it.
``merge:STAGE+STAGE``
    The two stages become one, named ``A+B``: an item's consecutive visits
    to either become one visit whose time is their sum (so moves back and
    forth between them disappear).
``wip:STAGE=N``
    At most N items (a whole number >= 1) in STAGE at once; an item that
    finds it full waits where it is (in the stage before, or before the
    commitment point for the first stage).
``wip:*=N``
    At most N items between the commitment point and done; the others wait
    before the commitment point.
``arrivals=FACTOR``
    Work starts FACTOR times as often as measured (``arrivals=1.2``: 20 %
    more). FACTOR is a number > 0.

Each change names stages of the current-state map (the committed active and
waiting stages the Bottlenecks page draws); :func:`parse_changes` refuses
anything else with a sentence that names the change and the known stages.
Changes apply in the order given, except that every structural change
(remove, merge) is applied before scale and wip, which may then name a
merged stage (``wip:Review+Testing=4``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

ChangeKind = Literal["scale", "remove", "merge", "wip", "arrivals"]

#: The stage name meaning "the whole span from the commitment point to done" in ``wip:``.
WHOLE_SPAN = "*"


class ChangeError(ValueError):
    """A change that cannot be read or does not fit the value stream; the text says why."""


@dataclass(frozen=True)
class Change:
    """One parsed change.

    ``text``: what the user wrote (trimmed); ``kind``; ``stages``: the
    stage names it acts on, spelled as in the workflow (``("*",)`` for the
    whole span; empty for ``arrivals``); ``value``: the factor (scale,
    arrivals) or the limit (wip), ``None`` for remove and merge.
    """

    text: str
    kind: ChangeKind
    stages: tuple[str, ...] = ()
    value: float | None = None

    def as_json(self) -> dict:
        """``{"change", "kind", "stages", "value"}`` (value ``None`` for remove/merge)."""
        value = self.value
        if self.kind == "wip" and value is not None:
            value = int(value)
        return {"change": self.text, "kind": self.kind, "stages": list(self.stages), "value": value}

    def describe(self) -> str:
        """The change in words: "Halving the time in Review", "A WIP limit of 3 on Ready"."""
        if self.kind == "scale":
            return _scale_words(self.value, self.stages[0])
        if self.kind == "remove":
            return f"Removing {self.stages[0]}"
        if self.kind == "merge":
            return f"Merging {self.stages[0]} and {self.stages[1]}"
        if self.kind == "wip":
            where = (
                "the work between commitment and done"
                if self.stages[0] == WHOLE_SPAN
                else self.stages[0]
            )
            return f"A WIP limit of {int(self.value)} on {where}"
        return f"{_arrival_words(self.value)} new work"


def _scale_words(factor: float, stage: str) -> str:
    named = {0.5: "Halving", 2.0: "Doubling"}
    if factor in named:
        return f"{named[factor]} the time in {stage}"
    percent = round((factor - 1.0) * 100)
    if percent <= -100 or percent == 0:
        return f"Multiplying the time in {stage} by {factor:g}"
    how = f"Cutting by {-percent} %" if percent < 0 else f"Raising by {percent} %"
    return f"{how} the time in {stage}"


def _arrival_words(factor: float) -> str:
    percent = round((factor - 1.0) * 100)
    if percent == 0:
        return "The same amount of"
    if percent <= -100:
        return f"{factor:g} times as much"
    return f"{abs(percent)} % {'more' if percent > 0 else 'less'}"


def parse_changes(texts: Iterable[str], stages: Sequence[str]) -> tuple[Change, ...]:
    """Parse and check ``texts`` against the map's ``stages`` (workflow order).

    Returns the changes in the order they apply (structural first, see the
    module docstring). Raises :class:`ChangeError` for a change that cannot
    be read, names an unknown stage, removes or merges a stage twice,
    leaves no stage, or limits the same place twice.
    """
    parsed = [parse_change(text) for text in texts]
    structural = [c for c in parsed if c.kind in ("remove", "merge")]
    rest = [c for c in parsed if c.kind not in ("remove", "merge")]
    names = list(stages)
    resolved: list[Change] = []
    for change in structural:
        change = _resolve(change, names)
        names = _after_structural(change, names)
        resolved.append(change)
    limited: set[str] = set()
    for change in rest:
        change = _resolve(change, names)
        if change.kind == "wip":
            if change.stages[0] in limited:
                raise ChangeError(f"{change.text!r}: {change.stages[0]} has two WIP limits")
            limited.add(change.stages[0])
        resolved.append(change)
    return tuple(resolved)


def parse_change(text: str) -> Change:
    """One change from its text (syntax only; stage names are checked by :func:`parse_changes`)."""
    raw = str(text).strip()
    if not raw:
        raise ChangeError("an empty change; write e.g. scale:Review=0.5")
    kind, sep, body = raw.partition(":")
    kind = kind.strip().casefold()
    if not sep and "=" in raw and raw.partition("=")[0].strip().casefold() == "arrivals":
        return Change(raw, "arrivals", (), _factor(raw, raw.partition("=")[2]))
    if kind == "scale":
        stage, value = _stage_and_value(raw, body)
        return Change(raw, "scale", (stage,), _factor(raw, value))
    if kind == "remove":
        return Change(raw, "remove", (_stage(raw, body),))
    if kind == "merge":
        first, plus, second = body.partition("+")
        if not plus:
            raise ChangeError(f"{raw!r}: merge two stages joined by +, e.g. merge:Review+Testing")
        return Change(raw, "merge", (_stage(raw, first), _stage(raw, second)))
    if kind == "wip":
        stage, value = _stage_and_value(raw, body)
        return Change(raw, "wip", (stage,), float(_limit(raw, value)))
    raise ChangeError(
        f"{raw!r} is not a change; write scale:STAGE=FACTOR, remove:STAGE, merge:STAGE+STAGE, "
        "wip:STAGE=N, wip:*=N or arrivals=FACTOR"
    )


def _stage(raw: str, text: str) -> str:
    name = text.strip()
    if not name:
        raise ChangeError(f"{raw!r} names no stage")
    return name


def _stage_and_value(raw: str, body: str) -> tuple[str, str]:
    stage, eq, value = body.rpartition("=")
    if not eq:
        raise ChangeError(f"{raw!r} needs a value after =, e.g. {raw.strip()}=0.5")
    return _stage(raw, stage), value


def _factor(raw: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ChangeError(f"{raw!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ChangeError(f"{raw!r}: the factor must be a number above 0")
    return value


def _limit(raw: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ChangeError(f"{raw!r}: a WIP limit is a whole number, not {text.strip()!r}") from None
    if value < 1:
        raise ChangeError(f"{raw!r}: a WIP limit must be at least 1")
    return value


def _resolve(change: Change, names: list[str]) -> Change:
    """``change`` with its stage names spelled as in ``names``, or a ChangeError."""
    lookup = {name.strip().casefold(): name for name in names}
    if change.kind == "merge":
        change = _split_merge(change, lookup)
    resolved = []
    for stage in change.stages:
        if change.kind == "wip" and stage == WHOLE_SPAN:
            resolved.append(WHOLE_SPAN)
            continue
        key = stage.strip().casefold()
        if key not in lookup:
            known = ", ".join(names) if names else "none"
            raise ChangeError(f"{change.text!r}: no stage {stage!r} in the map; known: {known}")
        resolved.append(lookup[key])
    if change.kind == "merge" and resolved[0] == resolved[1]:
        raise ChangeError(f"{change.text!r}: merge two different stages")
    return Change(change.text, change.kind, tuple(resolved), change.value)


def _split_merge(change: Change, lookup: dict[str, str]) -> Change:
    """``change`` split at the ``+`` that joins two known stages (a name may hold a ``+``)."""
    parts = "+".join(change.stages).split("+")
    for at in range(1, len(parts)):  # a loop over the few + signs
        first, second = "+".join(parts[:at]).strip(), "+".join(parts[at:]).strip()
        if first.casefold() in lookup and second.casefold() in lookup:
            return Change(change.text, change.kind, (first, second), change.value)
    return change


def _after_structural(change: Change, names: list[str]) -> list[str]:
    """The stage names once ``change`` (remove or merge) is applied; refuses an empty map."""
    if change.kind == "remove":
        left = [n for n in names if n != change.stages[0]]
        if not left:
            raise ChangeError(f"{change.text!r} would leave no stage")
        return left
    first, second = change.stages
    merged = merged_name(first, second)
    at = min(names.index(first), names.index(second))
    left = [n for n in names if n not in (first, second)]
    left.insert(at, merged)
    return left


def merged_name(first: str, second: str) -> str:
    """The name of the stage that ``merge:first+second`` makes."""
    return f"{first}+{second}"
