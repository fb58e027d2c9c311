"""Small pieces every container reader shares: sizes and error text for messages."""

from __future__ import annotations

from vsm_core.importers.errors import clip

MB = 1024 * 1024


def describe_size(count: int) -> str:
    """A byte count for a message: ``"1,234 bytes"`` below 0.1 MB, else ``"3.5 MB"``."""
    if count < MB // 10:
        return f"{count:,} bytes"
    megabytes = f"{count / MB:.1f}".removesuffix(".0")
    return f"{megabytes} MB"


def one_line(error: BaseException) -> str:
    """The first line of an error's text (its type name when it has none), clipped."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return clip(line) or type(error).__name__
