"""Small pieces every container reader shares: sizes and error text for messages."""

from __future__ import annotations

from vsm_core.importers.errors import clip
from vsm_core.importers.options import MIB


def describe_size(count: int) -> str:
    """A byte count for a message: ``"1,234 bytes"`` below 0.1 MiB, else ``"3.5 MiB"``
    (one decimal, so a file one byte over a limit never reads as the limit itself)."""
    if count < MIB // 10:
        return f"{count:,} bytes"
    return f"{count / MIB:,.1f} MiB"


def one_line(error: BaseException) -> str:
    """The first line of an error's text (its type name when it has none), clipped."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return clip(line) or type(error).__name__
