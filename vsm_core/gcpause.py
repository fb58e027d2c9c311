"""Pausing Python's cyclic garbage collector while long-lived objects are made.

Loading modules, or building a large table out of many small Python objects,
creates objects that all stay alive: a collection meanwhile walks them and
frees nothing. Reference counting still frees memory as usual while paused.
This module imports nothing heavy, so ``python -m vsm_core`` can pause the
collector before it loads anything else.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused(*, freeze: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, then back as it was.

    Only the search for cycles waits. With ``freeze``, every object alive at
    the end is moved out of the collector's sight (``gc.freeze``) before it
    resumes, so later collections do not walk them either.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
