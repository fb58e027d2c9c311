"""How deeply JSON text nests arrays and objects, found before it is parsed.

Python's ``json`` module parses nested arrays and objects by recursion: text
nested a few thousand levels deep makes it raise ``RecursionError``, and a
parsed document nested nearly as deep would make every later walk over it
(``json.dumps`` for a message, ``pickle`` to the Import page's worker and
cache) recurse as deep. :func:`line_too_deep` finds, without recursion and
without parsing, where the text first nests deeper than
:data:`MAX_JSON_DEPTH`; the readers refuse such text before ``json.loads``
sees it, so no deeper document ever exists in Flowlab.

The text is scanned with numpy 1 MiB at a time (memory stays a few MiB
whatever the file), carrying three facts from one block to the next: the
depth, whether the block starts inside a string, and whether it starts
after an odd number of backslashes (an escaped character). Brackets inside
strings do not count; a quote preceded by an odd number of backslashes does
not end a string. Text that is not valid JSON is scanned all the same (the
parser then says what is wrong with it).
"""

from __future__ import annotations

import numpy as np

#: The deepest nesting of arrays and objects read (exports nest 5 to 20 levels).
MAX_JSON_DEPTH = 100
#: Bytes scanned at a time.
BLOCK_BYTES = 1 << 20

_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENS = np.zeros(256, dtype=bool)
_OPENS[[ord("["), ord("{")]] = True
_CLOSES = np.zeros(256, dtype=bool)
_CLOSES[[ord("]"), ord("}")]] = True


def line_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> int | None:
    """The line (1-based) where JSON ``text`` first nests more than ``limit`` arrays and
    objects; None when it never does.

    ``text`` is the JSON as ``str`` or as UTF-8 bytes. Text holding at most
    ``limit`` opening brackets is not scanned.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return None
    depth, in_string, escaping = 0, False, False
    for start in range(0, len(data), BLOCK_BYTES):
        size = min(BLOCK_BYTES, len(data) - start)
        block = np.frombuffer(data, dtype=np.uint8, count=size, offset=start)
        depth, in_string, escaping, over = _scan(block, depth, in_string, escaping, limit)
        if over is not None:
            return data.count(b"\n", 0, start + over) + 1
    return None


def _scan(
    block: np.ndarray, depth: int, in_string: bool, escaping: bool, limit: int
) -> tuple[int, bool, bool, int | None]:
    """(depth, inside a string, after an odd run of backslashes) at the end of ``block``,
    and the position in it where the depth first exceeds ``limit`` (None if it does not),
    given the same three facts at its start."""
    quotes = np.flatnonzero(block == _QUOTE)
    if len(quotes):
        quotes = quotes[~_escaped(block, quotes, escaping)]
    opens, closes = _OPENS[block], _CLOSES[block]
    brackets = np.flatnonzero(opens | closes)
    over = None
    if len(brackets):
        # A bracket is inside a string when an odd number of string quotes precede it.
        outside = (np.searchsorted(quotes, brackets) + in_string) % 2 == 0
        brackets = brackets[outside]
        levels = depth + np.cumsum(np.where(opens[brackets], 1, -1), dtype=np.int64)
        deep = np.flatnonzero(levels > limit)
        if len(deep):
            over = int(brackets[deep[0]])
        elif len(levels):
            depth = int(levels[-1])
    in_string = bool((in_string + len(quotes)) % 2)
    return depth, in_string, _ends_escaping(block, escaping), over


def _escaped(block: np.ndarray, quotes: np.ndarray, escaping: bool) -> np.ndarray:
    """For each quote position, whether an odd run of backslashes precedes it (the run
    may begin in the block before, which ``escaping`` says)."""
    escaped = np.zeros(len(quotes), dtype=bool)
    if quotes[0] == 0:
        escaped[0] = escaping
    after = quotes > 0
    after[after] = block[quotes[after] - 1] == _BACKSLASH
    if not after.any():
        return escaped
    slashes = np.flatnonzero(block == _BACKSLASH)
    first_of_run = np.ones(len(slashes), dtype=bool)
    first_of_run[1:] = np.diff(slashes) != 1
    run_starts = slashes[first_of_run]
    ends = quotes[after] - 1  # the last backslash of the run before each such quote
    starts = run_starts[np.searchsorted(run_starts, ends, side="right") - 1]
    lengths = ends - starts + 1 + ((starts == 0) & escaping)
    escaped[after] = lengths % 2 == 1
    return escaped


def _ends_escaping(block: np.ndarray, escaping: bool) -> bool:
    """Whether ``block`` ends with an odd run of backslashes (counting a run carried in)."""
    others = block[::-1] != _BACKSLASH
    if not others.any():  # the whole block is backslashes: the run goes on
        return escaping != bool(len(block) % 2)
    return bool(int(np.argmax(others)) % 2)
