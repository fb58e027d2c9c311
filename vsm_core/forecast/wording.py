"""Plain-language pieces of the forecast sentences (dates, percentages, counts)."""

from __future__ import annotations

from datetime import date


def day_text(value: date) -> str:
    """``14 Jan 2027``."""
    return f"{value.day} {value:%b %Y}"


def pct(q: int | float) -> str:
    """``85 %`` (a percentile or a share already in percent, rounded to a whole number)."""
    return f"{round(q):d} %"


def share_text(share: float) -> str:
    """A share in [0, 1] as ``85 %``."""
    return pct(100 * share)


def items_text(n: int) -> str:
    """``1 item``, ``23 items``."""
    return f"{n:,} item" + ("" if n == 1 else "s")


def days_text(n: int) -> str:
    """``1 day``, ``14 days``."""
    return f"{n:,} day" + ("" if n == 1 else "s")
