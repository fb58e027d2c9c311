"""What the experiment charts draw of large evidence (vsm_core.charts.experiments.drawn_evidence):
at most MAX_DRAWN values a window and behaviour-chart points plus every signal, the same to
the eye; the numbers and the CSV keep every value."""

from __future__ import annotations

import numpy as np

from vsm_core.charts.experiments import drawn_evidence


def test_large_evidence_is_drawn_thinned_but_the_same_to_the_eye():
    """At 100k items a window holds ~22,000 values: the charts draw at most 2,000 a window
    (evenly by value: same quartiles, same extremes) and every signal point."""
    rng = np.random.default_rng(3)
    windows = {
        w: [{"label": f"{w}-{i}", "value": float(v)} for i, v in enumerate(rng.lognormal(2, 1, n))]
        for w, n in (("before", 5_000), ("after", 1_500))
    }
    points = [{"label": f"p{i}", "value": float(i % 17), "window": "before"} for i in range(6_000)]
    signals = [{"label": f"p{i}", "rule": "beyond a limit"} for i in (1, 2, 3, 5_999)]
    evidence = {"distribution": windows, "points": points, "signals": signals, "verdict": "x"}

    drawn, note = drawn_evidence(evidence, most=2_000)

    before = [r["value"] for r in windows["before"]]
    shown = [r["value"] for r in drawn["distribution"]["before"]]
    assert len(shown) == 2_000
    assert min(shown) == min(before) and max(shown) == max(before)
    for q in (25, 50, 75):
        assert abs(np.percentile(shown, q) - np.percentile(before, q)) < 0.01 * np.std(before)
    assert drawn["distribution"]["after"] == windows["after"]  # under the limit: untouched
    kept = {p["label"] for p in drawn["points"]}
    assert {"p1", "p2", "p3", "p5999", "p0"} <= kept and len(kept) <= 2_004
    assert [p["label"] for p in drawn["points"]] == sorted(kept, key=lambda s: int(s[1:]))
    assert note.startswith("Drawn: the box plot draws 2,000 values a window")
    assert drawn["verdict"] == "x" and evidence["distribution"]["before"] is windows["before"]
    assert drawn_evidence({"distribution": windows, "points": points[:10]}, most=10_000)[1] == ""
