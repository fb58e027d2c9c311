"""A dataset and experiments whose every user-provided text is markup, for the inert-text tests.

Each text carries what a renderer could act on: Markdown images and links, HTML
tags, Streamlit's ``:red[…]``/``:material/…:`` extensions, LaTeX, typographic
arrows and a double quote. Every address points at ``host`` (a closed local
port, so nothing leaves the machine even if a fetch slipped through) and has a
path of its own, so a request names the place that leaked.

Used by the AppTests (``tests/app/test_inert_text_pages.py``) and the browser
test (``tests/e2e/test_inert_text_browser.py``).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from vsm_core import sample_data
from vsm_core.experiments import records
from vsm_core.model import CanonicalDataset, Stage, Workflow, make_dataset
from vsm_core.store import crud

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
    )
    for title, metric in (
        (t["experiment"], f"time_in_stage_p85:{t['stage:Review']}"),
        (f"{t['experiment']} (2)", f"share_of_type:{t['type:Defect']}"),
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
        )
    return version.dataset_id
