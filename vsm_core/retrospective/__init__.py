"""The team retrospective: what changed since the last one, what is aging, what to try next.

* :mod:`.since`   – what finished since, against the period of the same length before;
* :mod:`.aging`   – work in progress past the SLE or past its stage's 85th percentile;
* :mod:`.signals` – process-behaviour signals since (weekly throughput, cycle time, WIP);
* :mod:`.due`     – experiments due for review, with today's verdict (reads the store);
* :mod:`.suggest` – what the "Try something" form is prefilled with;
* :mod:`.view`    – :func:`retrospective_view`, the one call the page makes for the data;
* :mod:`.report`  – the retrospective as one self-contained HTML page.

Never imports streamlit. Definitions: docs/retrospective.md.
"""

from vsm_core.retrospective.view import RetrospectiveView, default_since, retrospective_view

__all__ = ["RetrospectiveView", "default_since", "retrospective_view"]
