"""An import run in a worker process with a memory and a time limit.

:func:`import_bytes_isolated` is :func:`vsm_core.importers.pipeline.import_bytes`
run in a worker process, for callers that serve several users from one
process (the Import page): whatever a file does to its reader, the calling
process neither grows nor waits past the limits, and its other threads keep
running (the caller only waits on a socket).

* **Process**: forked by a small fork server started once per calling
  process (:mod:`vsm_core.importers.worker_server`), which has the pipeline
  imported and allocators that reserve little address space. A worker runs
  at a lower priority (``nice`` +:data:`NICENESS`) than its caller.
* **Memory**: the worker's address space (``RLIMIT_AS``) may grow by
  :func:`memory_allowance` (:data:`MEMORY_PER_BYTE` times the file's size
  plus :data:`MEMORY_EXTRA`) past what it had when it was forked; beyond,
  allocations fail and the import is refused.
* **Time**: :data:`SECONDS` of wall-clock time, then the worker is killed;
  ``RLIMIT_CPU`` kills it too should the caller vanish.
* **Result**: the worker sends back the :class:`ImportResult` without the
  upload's bytes (the caller has them), or the :class:`ImportFailed`,
  pickled. A worker out of memory or time, or killed, becomes an
  ``ImportFailed`` saying so ("the file needs more memory than an import
  may use …").

:func:`parse_isolated` runs the other upload readers the same way (a team's
deployments and incidents, its own measures): one of :data:`PARSERS`, by name,
under the same limits.

The CLI imports in its own process: there the import is the user's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import MIB, ImportOptions, describe_limit
from vsm_core.importers.worker_server import (
    WORKER_ENVIRONMENT,
    receive_message,
    request_worker,
    send_message,
)

if TYPE_CHECKING:
    from vsm_core.importers.pipeline import ImportResult
    from vsm_core.model import Workflow

#: Address space a worker may add, per byte of the file and in all: a bounded import
#: peaks at 20 times the file's size plus 300 MB (docs/reliability.md), about 140 MB of
#: which the worker has when it starts; the rest is room for thread stacks and slack.
MEMORY_PER_BYTE = 20
MEMORY_EXTRA = 512 * MIB
#: Wall-clock seconds an import may take (a bounded import takes under 30 s on 2 cores).
SECONDS = 60.0
#: How much lower a worker's CPU priority is than its caller's.
NICENESS = 5


#: The other upload readers a worker may run, by name: (module, function). Each takes the
#: upload's bytes first and raises ImportFailed for a file it cannot read.
PARSERS = {
    "delivery": ("vsm_core.delivery.parse", "read_delivery"),
    "series": ("vsm_core.series.parse", "parse_series"),
}


def memory_allowance(size: int) -> int:
    """Bytes of address space a worker may add for a file of ``size`` bytes."""
    return MEMORY_PER_BYTE * size + MEMORY_EXTRA


def import_bytes_isolated(
    data: bytes,
    filename: str,
    options: ImportOptions | None = None,
    workflow: Workflow | None = None,
    *,
    quality: bool = True,
    seconds: float = SECONDS,
) -> ImportResult:
    """:func:`~vsm_core.importers.pipeline.import_bytes` of ``data`` (the bytes of
    ``filename``) run in a worker process: the same result, or the same
    :class:`ImportFailed` (subclasses included).

    Raises :class:`ImportFailed`, and nothing else, when the file cannot be
    imported, including when the worker needs more than
    :func:`memory_allowance` bytes or ``seconds``, or dies.
    """
    options = options or ImportOptions()
    memory = memory_allowance(len(data))
    request = (data, filename, options, workflow, quality, memory, seconds)
    value = _outcome(request, seconds, memory, "export fewer items or a shorter period")
    # The worker left the upload's bytes out: they are ours.
    return dataclasses.replace(value, upload=dataclasses.replace(value.upload, data=data))


def parse_isolated(
    parser: str, data: bytes, *args: Any, seconds: float = SECONDS, **kwargs: Any
) -> Any:
    """``PARSERS[parser](data, *args, **kwargs)`` run in a worker process under the import's
    limits (:func:`memory_allowance` of the file's size, ``seconds``): its result, or the
    :class:`ImportFailed` it raised, or one saying the worker ran out of memory or time."""
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r} (one of {', '.join(PARSERS)})")
    memory = memory_allowance(len(data))
    request = ("call", parser, data, args, kwargs, memory, seconds)
    return _outcome(request, seconds, memory, "upload a smaller file")


def _outcome(request: tuple[Any, ...], seconds: float, memory: int, advice: str) -> Any:
    """What the worker made of ``request``: its result, else its ImportFailed raised, else
    one saying it needed more than ``memory`` bytes (``advice``: what to do instead)."""
    try:
        kind, value = _SERVER.run(request, seconds, memory)
    except ImportFailed:
        raise
    except Exception as error:  # the worker could not be started or talked to
        raise ImportFailed(
            f"the import could not run in a worker process ({type(error).__name__}: {error})"
        ) from error
    if kind == "ok":
        return value
    if kind == "failed":
        raise value
    raise ImportFailed(
        f"the file needs more memory than an import may use ({describe_limit(memory)} "
        f"for this file); it was stopped — {advice}"
    )


class _Server:
    """The calling process's fork server: started on first use, again if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None

    def run(self, request: tuple[Any, ...], seconds: float, memory: int) -> tuple[str, Any]:
        """The outcome of ``request`` from a new worker, which is killed after
        ``seconds`` (``memory``: its address-space allowance, for the messages)."""
        ours, theirs = socket.socketpair()
        with ours:
            with theirs:
                pid = self._worker(theirs)
            deadline = time.monotonic() + seconds
            try:
                send_message(ours, request)
                return receive_message(ours, deadline)
            except TimeoutError:
                # Still working (it has not answered): stop it. Only here, since a worker
                # that answered or closed its socket has ended and its pid may be reused.
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                raise ImportFailed(
                    f"the file needs more time than an import may use ({seconds:g} s); "
                    "it was stopped — export fewer items or a shorter period (CSV reads "
                    "fastest)"
                ) from None
            except (EOFError, ConnectionError):
                raise ImportFailed(
                    "the file needs more memory or time than an import may use "
                    f"({describe_limit(memory)}, {seconds:g} s): its worker process "
                    "was ended — export fewer items or a shorter period"
                ) from None

    def _worker(self, theirs: socket.socket) -> int:
        """A new worker's pid; it talks on ``theirs``."""
        with self._lock:  # requests and their answers never interleave
            for attempt in (1, 2):
                if self._process is None or self._process.poll() is not None:
                    self._start()
                try:
                    return request_worker(self._control, theirs)
                except (OSError, EOFError):
                    self._stop()  # the server died: start it again, once
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _start(self) -> None:
        self._stop()
        control, child_end = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # where vsm_core can be imported
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        environment = {**os.environ, **WORKER_ENVIRONMENT, "PYTHONPATH": path}
        with child_end:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "vsm_core.importers.worker_server", str(child_end.fileno())],
                pass_fds=[child_end.fileno()],
                env=environment,
                stdin=subprocess.DEVNULL,
            )
        self._control = control

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()  # the server exits when it sees the end
            self._control = None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            self._process = None


_SERVER = _Server()


# --------------------------------------------------------------------------- in the worker


def work(
    data: bytes,
    filename: str,
    options: ImportOptions,
    workflow: Workflow | None,
    quality: bool,
    memory: int,
    seconds: float,
) -> tuple[str, Any]:
    """Run in the worker: limit this process, import, and return the outcome to send:
    ("ok", result without the upload's bytes), ("failed", ImportFailed) or
    ("memory", None)."""
    ceiling = _limit_self(memory, seconds)
    from vsm_core.importers.pipeline import import_bytes  # preloaded by the server

    try:
        result = import_bytes(data, filename, options, workflow=workflow, quality=quality)
    except ImportFailed as failure:
        if _caused_by_memory(failure) or _unexpected_at_ceiling(failure, ceiling):
            return "memory", None
        return "failed", failure
    except MemoryError:
        return "memory", None
    upload = dataclasses.replace(result.upload, data=b"")  # the caller has the bytes
    return "ok", dataclasses.replace(result, upload=upload)


def work_call(
    parser: str,
    data: bytes,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory: int,
    seconds: float,
) -> tuple[str, Any]:
    """Run in the worker: limit this process, run one of :data:`PARSERS` and return the
    outcome to send, as :func:`work` does."""
    ceiling = _limit_self(memory, seconds)
    module, function = PARSERS[parser]
    reader = getattr(__import__(module, fromlist=[function]), function)
    try:
        return "ok", reader(data, *args, **kwargs)
    except ImportFailed as failure:
        if _caused_by_memory(failure) or _unexpected_at_ceiling(failure, ceiling):
            return "memory", None
        return "failed", failure
    except MemoryError:
        return "memory", None


def unsendable(error: BaseException) -> ImportFailed:
    """The failure for a result the worker could not pickle (a bug)."""
    return ImportFailed(
        "the import's result could not be returned from its worker process "
        f"({type(error).__name__}: {error}); please report this"
    )


def _limit_self(memory: int, seconds: float) -> int | None:
    """Lower this process's priority and cap its CPU time and its address space; the
    address space ceiling (bytes), None where /proc does not say the current size."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    cpu = int(seconds) + 10  # the caller kills on wall-clock time; this is the backstop
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    start = _address_space("VmSize")
    if start is None:
        return None
    ceiling = start + memory
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    return ceiling


def _address_space(field: str) -> int | None:
    """This process's ``VmSize`` or ``VmPeak`` in bytes, None where /proc has none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


#: Address space that, left under the ceiling, a new thread's stack or a malloc arena
#: cannot get.
_CEILING_MARGIN = 64 * MIB


def _unexpected_at_ceiling(failure: ImportFailed, ceiling: int | None) -> bool:
    """Whether ``failure`` reports an unexpected error (a library's, not a refusal) met
    when the address space had reached the ceiling: Arrow, for one, says it could not
    start a thread rather than that memory ran out."""
    cause = failure.__cause__
    if ceiling is None or cause is None or isinstance(cause, ImportFailed):
        return False
    peak = _address_space("VmPeak")
    return peak is not None and peak + _CEILING_MARGIN >= ceiling


def _caused_by_memory(failure: BaseException) -> bool:
    """Whether an allocation failure is anywhere in ``failure``'s chain of causes (the
    pipeline turns unexpected errors, MemoryError among them, into an ImportFailed)."""
    seen: set[int] = set()
    current: BaseException | None = failure
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
