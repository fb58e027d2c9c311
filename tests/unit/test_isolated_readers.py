"""The Delivery and Measures pages read uploads in the import's worker process, under its
memory and time limits: the same results and failures as in process, and a file past the
limits refused in words."""

from __future__ import annotations

import pandas as pd
import pytest

from vsm_core.delivery import KindUnclear, read_delivery
from vsm_core.importers import isolated
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import MIB
from vsm_core.series import parse_series

SERIES = b"date,metric,value\n" + b"".join(
    f"2026-01-{day:02d},NPS,{30 + day % 5}\n".encode() for day in range(1, 29)
)
DEPLOYMENTS = b"deployed_at,service,status\n" + b"".join(
    f"2026-01-{day:02d}T10:00:00Z,api,{'failure' if day % 7 == 0 else 'success'}\n".encode()
    for day in range(1, 29)
)


def test_a_series_reads_the_same_in_the_worker():
    here = parse_series(SERIES, "nps.csv", team="A")
    there = isolated.parse_isolated("series", SERIES, "nps.csv", team="A")
    pd.testing.assert_frame_equal(there.points, here.points)


def test_deployments_read_the_same_in_the_worker():
    here = read_delivery(DEPLOYMENTS, "deployments.csv")
    there = isolated.parse_isolated("delivery", DEPLOYMENTS, "deployments.csv")
    pd.testing.assert_frame_equal(there.log.deployments, here.log.deployments)
    assert there.kind == here.kind == "deployments"


def test_failures_come_back_with_their_rows_columns_and_kind():
    with pytest.raises(ImportFailed) as caught:
        isolated.parse_isolated("series", b"date,metric,value\n2026-01-05,NPS,abc\n", "x.csv")
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "value", "abc")
    with pytest.raises(KindUnclear):
        isolated.parse_isolated("delivery", b"a,b\n1,2\n", "x.csv")


def test_a_file_past_the_memory_limit_is_refused_in_words(monkeypatch):
    monkeypatch.setattr(isolated, "MEMORY_PER_BYTE", 0)
    monkeypatch.setattr(isolated, "MEMORY_EXTRA", 4 * MIB)
    # Under 1 MiB: below any upload limit a test may have left the worker server with.
    big = b"date,metric,value\n" + b"2026-01-05,NPS,30\n" * 40_000
    with pytest.raises(ImportFailed) as caught:
        isolated.parse_isolated("series", big, "big.csv", team="A")
    assert str(caught.value).startswith("the file needs more memory")
    assert "Error" not in str(caught.value)


def test_only_the_listed_readers_run():
    with pytest.raises(ValueError, match="unknown parser"):
        isolated.parse_isolated("os.system", b"", "x")
