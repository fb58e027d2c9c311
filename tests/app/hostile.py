"""A dataset and experiments whose every user-provided text is markup, for the inert-text tests.

Each text carries what a renderer could act on: Markdown images and links, HTML
tags, Streamlit's ``:red[…]``/``:material/…:`` extensions, LaTeX, typographic
arrows and a double quote. Every address points at ``host`` (a closed local
port, so nothing leaves the machine even if a fetch slipped through) and has a
path of its own, so a request names the place that leaked.

Below them, how a reader sees text back: :func:`shown` (escaped Markdown),
:func:`plotly_shows` (plotly text) and :func:`assert_inert` (a whole figure).
Used by ``tests/unit/test_inert_text.py``, the AppTests
(``tests/app/test_inert_text_pages.py``) and the browser test
(``tests/e2e/test_inert_text_browser.py``).
"""

from __future__ import annotations

import re
from datetime import date

import plotly.graph_objects as go
from sqlmodel import Session

from ui.plain import WORD_JOINER
from vsm_core import sample_data
from vsm_core.experiments import records
from vsm_core.model import CanonicalDataset, Stage, Workflow, make_dataset
from vsm_core.store import crud
from vsm_core.store.access import SYSTEM

#: Nothing listens on the discard port.
HOST = "127.0.0.1:9"


def texts(host: str = HOST) -> dict[str, str]:
    """Every hostile text by what it names (``type:Feature``, ``stage:Review``, …)."""
    url = f"http://{host}"
    return {
        "dataset": f'![x]({url}/img.png) <b>B</b> "quoted"',
        "team": f"[team]({url}/team) ![t]({url}/team.png) :red[red] -> here",
        "type:Feature": f"![f]({url}/type-feature.png) Feature",
        "type:Defect": f'<img src="{url}/type-defect.png"> "Defect"',
        "type:Risk": f"Risk :material/warning: $x^2$ <https://{host}/type-risk>",
        "type:Debt": f"[Debt]({url}/type-debt) & <i>co</i>",
        "stage:Ready": f":red[Ready] :material/home: ![r]({url}/stage-ready.png)",
        "stage:In Progress": f'![s]({url}/stage.png) In "Progress"',
        "stage:Review": f"[Review]({url}/review) <b>&</b> :streamlit:",
        "stage:Testing": f'Testing <a href="{url}/testing">x</a>',
        "status:In Review": f"![st]({url}/status.png) In Review",
        "status:QA": f"QA <b>x</b> {url}/status-autolink",
        "attribute": f"![p]({url}/attr.png) Priority",
        "value": "<b>{value}</b> :blue[v]",
        "title": f'![ti]({url}/title.png) "{{title}}" <b>x</b>',
        "item_id": "{item_id} <i>i</i>",
        "experiment": f"[click]({url}/) ![y]({url}/y.png)",
        "experiment2": f'<b>"Second"</b> [x]({url}/second) <img src="{url}/second.png">',
        "hypothesis": f'![h]({url}/hypothesis.png) We believe "this" <b>works</b> :red[r]',
        "action": f"[act]({url}/action) $a$",
        "owner": f":red[owner] ![o]({url}/owner.png)",
        "learnings": f"![l]({url}/learnings.png)",
    }


def hostile_dataset(host: str = HOST, *, n_items: int = 300) -> CanonicalDataset:
    """The demo team's data with every name, type, stage, status, attribute and title replaced."""
    t = texts(host)
    demo = sample_data.generate_demo_dataset(n_items=n_items)
    stages = {k.split(":", 1)[1]: v for k, v in t.items() if k.startswith("stage:")}
    statuses = {k.split(":", 1)[1]: v for k, v in t.items() if k.startswith("status:")}
    types = {k.split(":", 1)[1]: v for k, v in t.items() if k.startswith("type:")}
    workflow = Workflow(
        stages=tuple(
            Stage(
                name=stages.get(s.name, s.name),
                statuses=tuple(statuses.get(x, x) for x in s.statuses),
                category=s.category,
            )
            for s in demo.workflow.stages
        ),
        start=stages.get(demo.workflow.start, demo.workflow.start),
    )
    items = demo.items.copy()
    ids = {old: t["item_id"].format(item_id=old) for old in items["item_id"]}
    items["item_id"] = items["item_id"].map(ids)
    items["title"] = [t["title"].format(title=title) for title in items["title"]]
    items["type"] = items["type"].map(lambda v: types.get(v, v))
    items["team"] = t["team"]
    items["attributes"] = [
        {t["attribute"]: t["value"].format(value=a["Priority"]), "Component": a["Component"]}
        for a in items["attributes"]
    ]
    events = demo.events.copy()
    events["item_id"] = events["item_id"].map(ids)
    events["status"] = events["status"].map(lambda v: statuses.get(v, v))
    return make_dataset(items, events, workflow, timezone="UTC")


def store_hostile(session: Session, host: str = HOST, *, n_items: int = 300) -> int:
    """Store the hostile dataset (the newest, so the sidebar selects it) and two experiments.

    The first experiment's metric names a hostile stage, the second's a hostile work
    type, so their labels and warnings carry user text too. Returns the dataset id.
    """
    t = texts(host)
    version = crud.save_dataset_version(
        session,
        dataset=hostile_dataset(host, n_items=n_items),
        name=t["dataset"],
        team=t["team"],
        format="demo",
        source_filename=f"{t['dataset']}.csv",
        actor=SYSTEM,
    )
    for title, metric in (
        (t["experiment"], f"time_in_stage_p85:{t['stage:Review']}"),
        (t["experiment2"], f"share_of_type:{t['type:Defect']}"),
    ):
        records.create_experiment(
            session,
            data=records.ExperimentCreate(
                dataset_id=version.dataset_id,
                title=title,
                hypothesis=t["hypothesis"],
                action=t["action"],
                owner=t["owner"],
                metric=metric,
                direction="decrease",
                target=5.0,
                change_date=sample_data.PROCESS_CHANGE_DATE,
                review_date=date(2026, 7, 1),
                status="running",
            ),
            author="hostile <b>author</b>",
            actor=SYSTEM,
        )
    return version.dataset_id


# --------------------------------------------------------------------------- reading back

ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(source: str) -> str:
    """What a reader sees of escaped text: backslash escapes resolved, word joiners invisible."""
    return ESCAPED.sub(r"\1", source).replace(WORD_JOINER, "")


_PLOTLY_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "nbsp": "\xa0", "mu": "μ"}
_PLOTLY_ENTITIES |= {"times": "×", "plusmn": "±", "deg": "°"}


def plotly_shows(text: str) -> str:
    """What plotly draws of ``text``: tags are markup (``<br>`` a line break), then the
    entities plotly knows (``&quot;`` is not one of them) are decoded, in one pass."""
    text = re.sub(r"<br\s*/?>", "\n", str(text), flags=re.IGNORECASE)
    text = re.sub(r"<[^<>]*>", "", text)

    def decode(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _PLOTLY_ENTITIES.get(name, match.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", decode, text)


#: Tags that only user text could have put into a figure (the builders use b, br, span, sup).
USER_TAGS = re.compile(r"<(img|a|i|u)\b|<b>[B&x]</b>", re.IGNORECASE)


def figure_texts(figure) -> list[str]:
    """Every string plotly draws from ``figure`` (a Figure or its JSON dict)."""
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    found: list[str] = []

    def strings(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                strings(item)
        elif isinstance(value, list | tuple) or hasattr(value, "tolist"):
            for item in value.tolist() if hasattr(value, "tolist") else value:
                strings(item)

    for trace in spec.get("data", []):
        for key in ("name", "text", "hovertext", "customdata", "x", "y"):
            strings(trace.get(key))
        strings((trace.get("colorbar") or {}).get("title"))
    layout = spec.get("layout", {})
    for key, value in layout.items():
        if key == "title" or key.startswith(("xaxis", "yaxis")):
            strings((value or {}).get("title") if key != "title" else value)
            strings((value or {}).get("ticktext") if key != "title" else None)
    for annotation in layout.get("annotations", []) or []:
        strings(annotation.get("text"))
    return found


def assert_inert(figure, where: str) -> list[str]:
    """No tag from user text and no ``&quot;`` in what plotly draws; returns what it shows."""
    drawn = figure_texts(figure)
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    for trace in spec.get("data", []):  # templates are the builders': user text goes in data
        assert "127.0.0.1" not in str(trace.get("hovertemplate") or ""), where
    for text in drawn:
        assert not USER_TAGS.search(text), f"{where}: user markup in {text!r}"
        assert "&quot;" not in text and "&#x27;" not in text, f"{where}: {text!r}"
    return [plotly_shows(t) for t in drawn]
