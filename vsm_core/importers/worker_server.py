"""The import workers' fork server, and the messages it and its callers exchange.

:mod:`vsm_core.importers.isolated` starts ``python -m
vsm_core.importers.worker_server FD`` once per calling process. :func:`main`
prepares the process and imports the whole import pipeline (0.5 s, once),
then waits on the control socket ``FD``: each request carries one end of a
fresh socket pair; the server forks a worker for it and answers with the
worker's pid. The worker (:func:`_serve`) reads the import's arguments from
its socket, limits itself, imports and writes the outcome back. Forking a
prepared, single-threaded process costs milliseconds and is safe, where
forking the caller (a server with many threads) is not; the server exits
when its caller closes the control socket.

Before importing anything heavy the server makes its address space grow
about as its memory use does, so that a worker's ``RLIMIT_AS`` means what
it says: Arrow allocates from the system allocator
(``ARROW_DEFAULT_MEMORY_POOL=system``; mimalloc reserves about 1 GiB of
address space at once), glibc keeps at most two malloc arenas (each
reserves 64 MiB), and numpy's BLAS runs one thread.

Messages are pickles preceded by their length (8 bytes, big-endian); both
ends are Flowlab's own processes on a private socket pair.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import struct
import sys
import time
from typing import Any

_LENGTH = struct.Struct("!Q")
_PID = struct.Struct("!q")
#: Environment of the server (and so of every worker), set before numpy and Arrow load.
WORKER_ENVIRONMENT = {
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def send_message(channel: socket.socket, message: Any) -> None:
    """Write ``message`` pickled, after its length."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    channel.sendall(_LENGTH.pack(len(body)))
    channel.sendall(body)


def receive_message(channel: socket.socket, deadline: float | None = None) -> Any:
    """The next message; raises ``EOFError`` when the other end closes first and
    ``TimeoutError`` once ``time.monotonic()`` passes ``deadline``."""
    (length,) = _LENGTH.unpack(_receive(channel, _LENGTH.size, deadline))
    return pickle.loads(_receive(channel, length, deadline))


def _receive(channel: socket.socket, size: int, deadline: float | None) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            channel.settimeout(left)
        count = channel.recv_into(view[got:])  # raises TimeoutError past the deadline
        if count == 0:
            raise EOFError
        got += count
    return buffer


def request_worker(control: socket.socket, worker_end: socket.socket) -> int:
    """Ask the server on ``control`` for a worker talking on ``worker_end``; its pid."""
    socket.send_fds(control, [b"w"], [worker_end.fileno()])
    return _PID.unpack(_receive(control, _PID.size, None))[0]


def main(control_fd: int) -> None:
    """Serve worker requests on the inherited socket ``control_fd`` until it closes."""
    os.environ.update(WORKER_ENVIRONMENT)
    with contextlib.suppress(OSError, AttributeError):  # not glibc: it reserves less anyway
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_ARENA_MAX, 2)
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished workers are reaped at once
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except (ConnectionError, OSError):
            break
        if not fds:  # the caller is gone
            break
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            control.close()
            code = 1
            try:
                _serve(socket.socket(fileno=fds[0]))
                code = 0
            finally:
                os._exit(code)
        os.close(fds[0])
        control.sendall(_PID.pack(pid))


def _preload() -> None:
    """Import everything an import uses, once, so that every worker starts with it."""
    import vsm_core.importers.pipeline
    import vsm_core.quality  # noqa: F401
    from vsm_core.importers.formats import JSON_FORMAT_MODULES, TABLE_FORMAT_MODULES

    for module in (*TABLE_FORMAT_MODULES.values(), *JSON_FORMAT_MODULES.values()):
        __import__(f"vsm_core.importers.formats.{module}")
    from vsm_core.importers.isolated import PARSERS

    for module, _ in PARSERS.values():
        __import__(module)


def _serve(channel: socket.socket) -> None:
    """One worker: read the request, run it (:func:`vsm_core.importers.isolated.work`),
    write the outcome."""
    from vsm_core.importers.isolated import unsendable, work, work_call

    with channel:
        request = receive_message(channel)
        # ("call", ...) is another reader (isolated.parse_isolated); else an import.
        outcome = work_call(*request[1:]) if request[0] == "call" else work(*request)
        try:
            send_message(channel, outcome)
        except MemoryError:  # pickling the result needs memory too
            send_message(channel, ("memory", None))
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            send_message(channel, ("failed", unsendable(error)))


if __name__ == "__main__":
    main(int(sys.argv[1]))
