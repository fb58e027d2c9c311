"""The one garbage-collector pause (``python -m vsm_core`` start-up and the CLI commands)."""

from __future__ import annotations

import gc

import pytest

from vsm_core.gcpause import collection_paused


@pytest.fixture
def collector_restored():
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_in_the_block_and_back_as_it_was(collector_restored, enabled):
    gc.enable() if enabled else gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


def test_an_error_in_the_block_still_restores_the_collector(collector_restored):
    gc.enable()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_freeze_moves_what_is_alive_out_of_later_collections(collector_restored):
    gc.unfreeze()
    with collection_paused(freeze=True):
        kept = [object() for _ in range(100)]
    assert gc.get_freeze_count() > 0 and gc.isenabled()
    assert kept
