"""The result of an experiment's before/after evidence, and its verdict rules.

:class:`EvidenceResult` is what :func:`vsm_core.experiments.evidence.evaluate`
returns (``to_dict()`` is the JSON of ``experiments show --json``);
:func:`decide_verdict` and :func:`decide_target_met` are the verdict rules of
the contract in :mod:`vsm_core.experiments.evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np

from vsm_core.experiments.wording import p_value_sentence

Verdict = Literal["improved", "worsened", "no clear change", "not enough data"]

IMPROVED: Verdict = "improved"
WORSENED: Verdict = "worsened"
NO_CLEAR_CHANGE: Verdict = "no clear change"
NOT_ENOUGH_DATA: Verdict = "not enough data"

MIN_RESAMPLES = 2000
#: Differences this close to zero are rounding, not change (any unit: days, ratios, counts).
_ROUNDING = 1e-9


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class EvidenceResult:
    """The before/after evidence of one experiment (see :mod:`vsm_core.experiments.evidence`).

    ``to_dict()`` gives the JSON-ready dict; its keys include exactly those of
    ``experiments show --json``: ``metric``, ``before``, ``after``,
    ``change_abs``, ``change_pct``, ``ci95``, ``p_value``, ``verdict``,
    ``target_met``, ``signals``.
    """

    metric: str
    before: dict[str, Any]
    after: dict[str, Any]
    change_abs: float | None
    change_pct: float | None
    ci95: tuple[float | None, float | None]
    p_value: float | None
    verdict: Verdict
    target_met: bool | None
    signals: list[dict[str, Any]]
    label: str = ""
    kind: str = ""
    unit: str = ""
    direction: str = ""
    target: float | None = None
    assign: str | None = None
    method_description: str = ""
    censored: dict[str, int] | None = None
    straddlers: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    p_value_method: str | None = None
    weekly: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)
    limits: dict[str, float | None] = field(default_factory=dict)
    distribution: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resamples: int = MIN_RESAMPLES
    seed: int = 0
    sensitivity: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None, numpy scalars become Python numbers, tuples lists."""
        return {
            "metric": self.metric,
            "before": _clean(self.before),
            "after": _clean(self.after),
            "change_abs": _clean(self.change_abs),
            "change_pct": _clean(self.change_pct),
            "ci95": _clean(list(self.ci95)),
            "p_value": _clean(self.p_value),
            "p_value_sentence": p_value_sentence(_clean(self.p_value)),
            "verdict": self.verdict,
            "target_met": self.target_met,
            "signals": _clean(self.signals),
            "label": self.label,
            "kind": self.kind,
            "unit": self.unit,
            "direction": self.direction,
            "target": _clean(self.target),
            "assign": self.assign,
            "method_description": self.method_description,
            "censored": _clean(self.censored),
            "straddlers": _clean(self.straddlers),
            "warnings": list(self.warnings),
            "p_value_method": self.p_value_method,
            "weekly": _clean(self.weekly),
            "points": _clean(self.points),
            "limits": _clean(self.limits),
            "distribution": _clean(self.distribution),
            "resamples": self.resamples,
            "seed": self.seed,
            "sensitivity": _clean(self.sensitivity),
        }


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- decisions


def decide_verdict(direction: str, ci95: tuple[float | None, float | None]) -> Verdict:
    """The verdict from the interval of ``after − before`` (:mod:`vsm_core.experiments.evidence`).

    A bound within 1e-9 of zero counts as zero: the bootstrap means of two windows of equal
    values differ by rounding only (~1e-17), and that must not read as a change."""
    low, high = ci95
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return NOT_ENOUGH_DATA
    low, high = (0.0 if abs(bound) <= _ROUNDING else bound for bound in (low, high))
    if high < 0:
        return IMPROVED if direction == "decrease" else WORSENED
    if low > 0:
        return IMPROVED if direction == "increase" else WORSENED
    return NO_CLEAR_CHANGE


def decide_target_met(direction: str, target: float | None, after: float | None) -> bool | None:
    """After value at or beyond the target in the wanted direction; None without either."""
    if target is None or after is None or not math.isfinite(after):
        return None
    return after <= target if direction == "decrease" else after >= target
