"""The future-state designer (issue #14, part 1): what would our flow be if we changed the stream?

Pure functions over canonical datasets, one concern per module; no streamlit.
Definitions and method: docs/future-state.md.

* :mod:`.changes` — the change texts (``scale:Review=0.5``, ``remove:Ready``,
  ``merge:Review+Testing``, ``wip:In Progress=3``, ``wip:*=8``,
  ``arrivals=1.2``), parsed and checked against the map's stages.
* :mod:`.model` — the current-state model measured from a dataset (stages of
  the value stream map, journeys, arrival rate) and changes applied to it.
* :mod:`.simulate` — the discrete-event simulation (SimPy), repeated runs.
* :mod:`.predict` — outcomes (cycle/lead time p50/p85 with intervals,
  throughput, WIP, flow efficiency) and the stage tables of a map.
* :mod:`.wording` — the check of today and the prediction in sentences.
* :mod:`.service` — :func:`design`, the one call for the CLI and the page.
* :mod:`.track` — saved designs that became experiments: the experiment a
  design proposes and its prediction against what happened after the change
  (designs are stored by :mod:`vsm_core.store.designs`).

Public API::

    design(dataset, changes=("scale:Review=0.5",), options=FutureOptions(runs=20, seed=1))
        -> FutureDesign  (.as_json(), .sentences(), .method(), .record(), .comparison(),
                          .maps(), .current_map / .simulated_map / .future_map,
                          .validation, .rework)
    stages_of(dataset, options=None) -> the stage names a change may use
    parse_changes(texts, stages) -> tuple[Change, ...]   (ChangeError on bad input)
"""

from vsm_core.future.changes import WHOLE_SPAN, Change, ChangeError, parse_change, parse_changes
from vsm_core.future.model import FutureError, StreamModel
from vsm_core.future.predict import MAP_COLUMNS, MEASURES, Outcome
from vsm_core.future.service import FutureDesign, FutureOptions, design, stages_of
from vsm_core.future.simulate import DEFAULT_RUNS, DEFAULT_SEED
from vsm_core.future.wording import TOLERANCE

__all__ = [
    "DEFAULT_RUNS",
    "DEFAULT_SEED",
    "MAP_COLUMNS",
    "MEASURES",
    "TOLERANCE",
    "WHOLE_SPAN",
    "Change",
    "ChangeError",
    "FutureDesign",
    "FutureError",
    "FutureOptions",
    "Outcome",
    "StreamModel",
    "design",
    "parse_change",
    "parse_changes",
    "stages_of",
]
