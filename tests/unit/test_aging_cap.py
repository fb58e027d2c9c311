"""The aging chart's cap on drawn items (issue #11, item 8): which items, how many, said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ui.flow_charts import aging_sample_note
from vsm_core.charts.aging import OLDEST_KEPT, aging_wip_chart, drawn_items

PACE_TRACES = {
    "Below the median",
    "Median to 70th percentile",
    "70th to 85th percentile",
    "85th percentile or older",
    "Age",
}


def _aging(n: int, seed: int = 3, stages=("Doing", "Review", "Testing")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "item_id": pd.Series([f"I-{i}" for i in range(n)], dtype="str"),
            "title": pd.Series([f"Item {i}" for i in range(n)], dtype="str"),
            "type": pd.Series(["Story"] * n, dtype="str"),
            "stage": pd.Series(rng.choice(list(stages), size=n), dtype="str"),
            "stage_index": np.zeros(n),
            "age_days": rng.uniform(0.0, 40.0, n),
        }
    )


def _drawn_points(fig) -> int:
    return sum(len(t.y) for t in fig.data if t.name in PACE_TRACES)


def test_every_item_under_the_cap():
    ages = np.array([1.0, 50.0, 3.0])
    assert drawn_items(ages, np.array(["A", "A", "B"]), sle_days=10.0, limit=3).all()


def test_hand_computed_even_spread_and_the_oldest():
    # Ages 0..9 in one stage, no SLE, 4 drawn with the 1 oldest kept: 9, then 3 of the other
    # 9 evenly by age: ranks r where floor((r + 1) * 3 / 9) steps up: r = 2, 5, 8.
    ages = np.arange(10, dtype="float64")
    keep = drawn_items(ages, np.array(["A"] * 10), sle_days=None, limit=4, oldest=1)
    assert ages[keep].tolist() == [2.0, 5.0, 8.0, 9.0]


def test_keeps_every_item_at_risk_and_fills_the_cap():
    aging = _aging(5_000)
    ages, stages = aging["age_days"].to_numpy(), aging["stage"].to_numpy()
    sle = 30.0  # at risk: 21 to 30 days (about 1,100 items); past it: about 1,250
    keep = drawn_items(ages, stages, sle_days=sle, limit=2_000)
    at_risk = (ages >= 0.7 * sle) & (ages <= sle)
    assert at_risk.sum() > 1_000
    assert keep[at_risk].all()
    assert keep.sum() == 2_000
    # Too many past the SLE to fit: the oldest of them are drawn.
    assert keep[np.argsort(ages)[-OLDEST_KEPT:]].all()


def test_keeps_every_item_at_risk_even_past_the_cap():
    aging = _aging(5_000)
    ages, stages = aging["age_days"].to_numpy(), aging["stage"].to_numpy()
    keep = drawn_items(ages, stages, sle_days=39.0, limit=500)  # at risk: 27.3 to 39 days
    at_risk = (ages >= 0.7 * 39.0) & (ages <= 39.0)
    assert at_risk.sum() > 500
    # Every item at risk, and the oldest (all past the SLE here); nothing is left for the
    # even spread, so no younger item is drawn.
    assert (keep == (at_risk | (ages > 39.0))).all()


def test_past_the_sle_all_drawn_when_they_fit():
    aging = _aging(3_000)
    ages, stages = aging["age_days"].to_numpy(), aging["stage"].to_numpy()
    keep = drawn_items(ages, stages, sle_days=39.5, limit=1_000)
    assert keep[ages > 39.5].all()
    assert keep.sum() == 1_000


def test_each_stage_keeps_its_share_and_its_oldest():
    aging = _aging(6_000, stages=("Doing", "Doing", "Doing", "Review"))  # about 3 : 1
    ages, stages = aging["age_days"].to_numpy(), aging["stage"].to_numpy()
    keep = drawn_items(ages, stages, sle_days=None, limit=1_000, oldest=0)
    assert keep.sum() == 1_000
    for stage in ("Doing", "Review"):
        mine = stages == stage
        assert abs(keep[mine].sum() - 1_000 * mine.sum() / 6_000) <= 1
        assert keep[mine][np.argmax(ages[mine])]
    # Evenly by age: the drawn ages' quartiles are those of all ages within a day.
    drawn, every = np.percentile(ages[keep], [25, 50, 75]), np.percentile(ages, [25, 50, 75])
    assert np.abs(drawn - every).max() < 1.0


def test_the_same_items_in_any_order():
    aging = _aging(4_000)
    keep = drawn_items(
        aging["age_days"].to_numpy(), aging["stage"].to_numpy(), sle_days=35.0, limit=900
    )
    shuffled = aging.sample(frac=1.0, random_state=7)
    again = drawn_items(
        shuffled["age_days"].to_numpy(), shuffled["stage"].to_numpy(), sle_days=35.0, limit=900
    )
    assert set(aging["item_id"][keep]) == set(shuffled["item_id"][again])
    assert (
        keep
        == drawn_items(
            aging["age_days"].to_numpy(), aging["stage"].to_numpy(), sle_days=35.0, limit=900
        )
    ).all()


def test_the_chart_draws_what_the_caption_says():
    aging = _aging(5_000)
    fig = aging_wip_chart(aging, stages=["Doing", "Review", "Testing"], sle_days=30.0)
    note = aging_sample_note(aging, 30.0)
    assert _drawn_points(fig) == 2_000
    assert "Drawn: 2,000 of the 5,000 items in progress" in note
    # The columns still count every item.
    counts = aging["stage"].value_counts()
    assert fig.layout.xaxis.ticktext[0].endswith(f"({counts['Doing']})")
    # The y axis still reaches the oldest item.
    assert fig.layout.yaxis.range[1] >= aging["age_days"].max()


def test_no_note_and_every_point_under_the_cap():
    aging = _aging(300)
    fig = aging_wip_chart(aging, stages=["Doing", "Review", "Testing"], sle_days=30.0)
    assert _drawn_points(fig) == 300
    assert aging_sample_note(aging, 30.0) == ""
    assert aging_sample_note(aging.iloc[:0], 30.0) == ""


def test_forecast_rings_follow_the_drawn_items():
    aging = _aging(5_000)
    forecasts = pd.DataFrame(
        {
            "item_id": aging["item_id"],
            "p50_done": pd.Timestamp("2027-01-10"),
            "p85_done": pd.Timestamp("2027-01-20"),
            "p50_cycle_days": aging["age_days"] + 5.0,
            "p85_cycle_days": aging["age_days"] + 10.0,
        }
    )
    fig = aging_wip_chart(
        aging, stages=["Doing", "Review", "Testing"], sle_days=30.0, forecasts=forecasts
    )
    by_name = {t.name: t for t in fig.data}
    segments = by_name["Expected age when done (50–85 %)"]
    assert len(segments.x) == 3 * 2_000  # one segment (and a gap) per drawn item
    assert len(by_name["85 % date past the SLE"].x) <= 2_000
