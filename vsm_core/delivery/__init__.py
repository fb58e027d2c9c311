"""Deployments and incidents -> the five DORA keys (issue #14, part 2).

* :mod:`.log` – :class:`DeliveryLog`, the two tables everything reads, and :func:`log_span`;
* :mod:`.columns` – header words of deployment and incident files, status and kind words;
* :mod:`.parse` – CSV/TSV/Excel deployments and incidents, detection and every check;
* :mod:`.github` – GitHub's deployments JSON with their statuses;
* :mod:`.keys` – which deployment failed or is rework, recoveries, the keys per week and
  over a window, the DORA bands;
* :mod:`.weekly` – :func:`weekly_values`, one key per week for experiments.

Definitions: docs/metrics.md, "Delivery: the DORA keys".
"""

from __future__ import annotations

from vsm_core.delivery.keys import KEY_NAMES, KEYS, band, window_summary
from vsm_core.delivery.log import DeliveryLog, log_span
from vsm_core.delivery.parse import DeliveryRead, KindUnclear, read_delivery
from vsm_core.delivery.weekly import weekly_values

__all__ = [
    "KEYS",
    "KEY_NAMES",
    "DeliveryLog",
    "DeliveryRead",
    "KindUnclear",
    "band",
    "log_span",
    "read_delivery",
    "weekly_values",
    "window_summary",
]
