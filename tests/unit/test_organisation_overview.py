"""The Organisation table's core: the SLE hit rate by hand, one row's numbers, the exports."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from tests.unit.builders import dataset_from_events
from vsm_core.model import Category, Stage, Workflow
from vsm_core.organisation.overview import (
    overview_csv,
    overview_html,
    overview_row,
    sle_hit_rate,
)
from vsm_core.organisation.summary import TeamDataset

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
    ),
    start="Doing",
)


def _item(item_id: str, start: str, days: int) -> list[tuple[str, str, str]]:
    """An item started at noon on ``start`` and done ``days`` later."""
    begun = datetime.fromisoformat(f"{start}T12:00:00+00:00")
    done = begun.timestamp() + days * 86400
    return [
        (item_id, "Doing", begun.isoformat()),
        (item_id, "Done", datetime.fromtimestamp(done, UTC).isoformat()),
    ]


# Before the period (ends before 1 Mar): cycle times 2, 4, 6, 8, 10 days -> p85 = 8.8 days.
# In the period 1-28 Mar: 3, 9, 12 days -> one of three within 8.8 days.
EVENTS = [
    *_item("A", "2024-02-01", 2),
    *_item("B", "2024-02-02", 4),
    *_item("C", "2024-02-03", 6),
    *_item("D", "2024-02-04", 8),
    *_item("E", "2024-02-05", 10),
    *_item("F", "2024-03-02", 3),
    *_item("G", "2024-03-03", 9),
    *_item("H", "2024-03-04", 12),
]
PERIOD = (date(2024, 3, 1), date(2024, 3, 28))
CHOSEN = TeamDataset(
    team='Team "<A>"', dataset="=HYPERLINK(x)", dataset_id=1, version=1, version_id=1
)


def test_the_sle_is_the_85th_percentile_before_the_period_and_the_rate_the_share_within():
    sle, rate = sle_hit_rate(dataset_from_events(EVENTS, WORKFLOW), PERIOD)
    assert sle == pytest.approx(8.8)  # 8 + 0.4 * (10 - 8), numpy's linear percentile
    assert rate == pytest.approx(100 / 3)


def test_without_items_before_the_period_there_is_no_sle():
    later_only = dataset_from_events(EVENTS[10:], WORKFLOW)
    assert sle_hit_rate(later_only, PERIOD) == (None, None)
    assert sle_hit_rate(dataset_from_events(EVENTS[:10], WORKFLOW), PERIOD)[1] is None


def test_a_row_reads_the_flow_summary_of_the_last_days_of_data():
    dataset = dataset_from_events(EVENTS, WORKFLOW)
    row = overview_row(CHOSEN, dataset, Counter(running=2, improved=1), days=28)
    record = row.record()
    assert row.flow.period == (date(2024, 2, 18), date(2024, 3, 16))  # H is done 16 Mar
    assert record["team"] == 'Team "<A>"' and record["running"] == 2
    assert record["improved"] == 1 and record["worsened"] == 0
    assert record["cycle_time_p85"] == pytest.approx(11.1)  # F, G, H: 9 + 0.7 * (12 - 9)


def test_the_csv_rounds_labels_and_keeps_cells_formula_safe():
    row = overview_row(CHOSEN, dataset_from_events(EVENTS, WORKFLOW), days=28)
    text = overview_csv([row]).decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert header.startswith("Team,Dataset,Throughput (items per week)")
    assert "'=HYPERLINK(x)" in line  # a formula is never a formula in a spreadsheet
    assert ",33," in line  # the SLE hit rate, a whole percentage


def test_the_html_escapes_user_text_exactly_once():
    row = overview_row(CHOSEN, dataset_from_events(EVENTS, WORKFLOW), days=28)
    page = overview_html([row], generated_at=datetime(2024, 3, 20, tzinfo=UTC))
    assert "Team &quot;&lt;A&gt;&quot;" in page
    assert "&amp;quot;" not in page and "<A>" not in page
    assert "<script" not in page


def test_an_empty_dataset_gives_a_row_without_numbers():
    empty = dataset_from_events([], WORKFLOW)
    record = overview_row(CHOSEN, empty).record()
    assert record["throughput_per_week"] is None and record["period"] is None
    assert not any(isinstance(value, float) and math.isnan(value) for value in record.values())
