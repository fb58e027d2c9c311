"""The "adds value" flag of a workflow stage: its default from the category, the TOML key
(read, refused with the stage and line, written only when it differs from the default, round
trip), the editable table's column, old stored workflows, and ``workflow export|apply``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow
from vsm_core.workflow import (
    WorkflowFileError,
    parse_workflow_toml,
    same_workflow,
    workflow_to_toml,
)
from vsm_core.workflow_table import workflow_from_table, workflow_table

FLAGGED = """\
[[stage]]
name = "Backlog"
category = "backlog"
[[stage]]
name = "Doing"
category = "active"
adds_value = false
[[stage]]
name = "Review"
category = "waiting"
adds_value = true
[[stage]]
name = "Testing"
category = "active"
[[stage]]
name = "Done"
category = "done"
"""


def _flags(workflow: Workflow) -> dict[str, bool]:
    return {stage.name: stage.value_adding for stage in workflow.stages}


def test_the_default_is_the_category_active():
    workflow = parse_workflow_toml(
        FLAGGED.replace("adds_value = false\n", "").replace("adds_value = true\n", "")
    )
    assert _flags(workflow) == {
        "Backlog": False,
        "Doing": True,
        "Review": False,
        "Testing": True,
        "Done": False,
    }
    assert all(stage.adds_value is None for stage in workflow.stages)


def test_the_key_overrides_the_default_both_ways():
    workflow = parse_workflow_toml(FLAGGED)
    assert _flags(workflow) == {
        "Backlog": False,
        "Doing": False,
        "Review": True,
        "Testing": True,
        "Done": False,
    }


def test_a_flag_equal_to_the_default_means_the_same_stage():
    explicit = Stage(name="Doing", category=Category.ACTIVE, adds_value=True)
    assert explicit == Stage(name="Doing", category=Category.ACTIVE)
    assert explicit.adds_value is None
    assert Stage(name="Done", category=Category.DONE, adds_value=False).adds_value is None


def test_an_old_stored_workflow_without_the_flag_reads_with_the_default():
    stored = {  # as crud stored it before the flag existed (workflow.model_dump(mode="json"))
        "stages": [
            {"name": "Ready", "statuses": [], "category": "waiting"},
            {"name": "Doing", "statuses": ["In Progress"], "category": "active"},
            {"name": "Done", "statuses": [], "category": "done"},
        ],
        "start": None,
    }
    workflow = Workflow.model_validate(stored)
    assert _flags(workflow) == {"Ready": False, "Doing": True, "Done": False}
    # Dumped again it is the same document: no new key, so digests and stored rows agree.
    assert workflow.model_dump(mode="json") == stored


def test_a_non_default_flag_is_stored_and_read_back():
    workflow = parse_workflow_toml(FLAGGED)
    dumped = workflow.model_dump(mode="json")
    assert [s.get("adds_value") for s in dumped["stages"]] == [None, False, True, None, None]
    assert "adds_value" not in dumped["stages"][0]
    assert Workflow.model_validate(dumped) == workflow


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        (
            'name = "Review"\ncategory = "waiting"\nadds_value = "yes"\n',
            "stage 2 ('Review'), line 8: 'adds_value' must be true or false, not text",
        ),
        (
            'name = "Review"\ncategory = "waiting"\nadds_value = 1\n',
            "stage 2 ('Review'), line 8: 'adds_value' must be true or false, not an integer",
        ),
        (
            'name = "Shipped"\nadds_value = true\ncategory = "done"\n',
            "stage 2 ('Shipped'), line 7: only active or waiting stages can add value (this "
            "stage is done; time is measured between commitment and done)",
        ),
    ],
)
def test_a_bad_flag_is_refused_naming_the_stage_and_line(stage, message):
    text = '[[stage]]\nname = "Doing"\ncategory = "active"\n\n[[stage]]\n' + stage
    with pytest.raises(WorkflowFileError) as caught:
        parse_workflow_toml(text)
    assert str(caught.value) == message


def test_a_flag_on_an_inline_stage_is_refused_without_a_line():
    text = 'stage = [{name = "Doing", category = "active", adds_value = "no"}]\n'
    with pytest.raises(WorkflowFileError) as caught:
        parse_workflow_toml(text)
    assert str(caught.value) == "stage 1 ('Doing'): 'adds_value' must be true or false, not text"


def test_a_backlog_stage_cannot_add_value_in_the_model_either():
    with pytest.raises(ValidationError, match="only active or waiting stages can add value"):
        Stage(name="Ideas", category=Category.BACKLOG, adds_value=True)


def test_written_only_when_it_differs_from_the_default():
    text = workflow_to_toml(parse_workflow_toml(FLAGGED))
    stages = tomllib.loads(text)["stage"]
    assert [s.get("adds_value") for s in stages] == [None, False, True, None, None]
    assert "adds_value" not in stages[3]  # Testing: active, default
    assert "`adds_value` (optional, true or false)" in text  # the comment explains the key
    assert same_workflow(parse_workflow_toml(text), parse_workflow_toml(FLAGGED))
    assert _flags(parse_workflow_toml(text)) == _flags(parse_workflow_toml(FLAGGED))


_TEXT = st.text(min_size=1, max_size=10).filter(lambda s: s.strip() != "")


@st.composite
def flagged_workflows(draw) -> Workflow:
    n = draw(st.integers(1, 6))
    names = draw(st.lists(_TEXT, min_size=n, max_size=n, unique_by=lambda s: s.strip().casefold()))
    categories = draw(st.lists(st.sampled_from(list(Category)), min_size=n, max_size=n))
    categories[draw(st.integers(0, n - 1))] = draw(
        st.sampled_from([Category.ACTIVE, Category.WAITING])
    )
    stages = []
    for name, category in zip(names, categories, strict=True):
        work = category in (Category.ACTIVE, Category.WAITING)
        flag = draw(
            st.sampled_from([None, True, False]) if work else st.sampled_from([None, False])
        )
        stages.append(Stage(name=name, statuses=(name,), category=category, adds_value=flag))
    try:
        return Workflow(stages=tuple(stages))
    except ValidationError:
        assume(False)
        raise  # pragma: no cover


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(workflow=flagged_workflows())
def test_toml_round_trip_keeps_every_flag(workflow):
    text = workflow_to_toml(workflow)
    parsed = parse_workflow_toml(text)
    assert parsed == workflow
    assert _flags(parsed) == _flags(workflow)
    written = tomllib.loads(text)["stage"]
    for stage, table in zip(workflow.stages, written, strict=True):
        default = stage.category == Category.ACTIVE
        assert ("adds_value" in table) == (stage.value_adding != default)
    assert workflow_to_toml(parsed) == text


def test_same_workflow_tells_a_changed_flag():
    workflow = parse_workflow_toml(FLAGGED)
    plain = parse_workflow_toml(FLAGGED.replace("adds_value = true\n", ""))
    assert not same_workflow(workflow, plain)
    assert same_workflow(workflow, parse_workflow_toml(workflow_to_toml(workflow)))


COUNTS = {"Backlog": 1, "Doing": 4, "Review": 2, "Testing": 3, "Done": 5, "Parked": 1}


def test_the_editable_table_has_the_flag_and_round_trips():
    workflow = parse_workflow_toml(FLAGGED)
    table = workflow_table(workflow, COUNTS)
    assert list(table.columns) == ["status", "events", "stage", "category", "adds_value", "order"]
    assert table["adds_value"].dtype == "boolean"
    assert table["adds_value"].tolist()[:5] == [False, False, True, True, False]
    assert table["adds_value"].isna().tolist()[5]  # Parked: unmapped, no flag
    back = workflow_from_table(table)
    assert same_workflow(back, workflow)
    assert [s.adds_value for s in back.stages] == [s.adds_value for s in workflow.stages]


def test_ticking_the_flag_in_the_table_changes_the_workflow():
    workflow = parse_workflow_toml(FLAGGED)
    table = workflow_table(workflow, COUNTS)
    table.loc[table["stage"] == "Testing", "adds_value"] = False
    edited = workflow_from_table(table, shown=workflow_table(workflow, COUNTS))
    assert _flags(edited)["Testing"] is False
    assert not same_workflow(edited, workflow)


def test_a_category_change_alone_takes_the_new_categorys_default():
    workflow = parse_workflow_toml(FLAGGED.replace("adds_value = true\n", ""))
    shown = workflow_table(workflow, COUNTS)
    table = shown.copy()
    table.loc[table["stage"] == "Review", "category"] = "active"
    assert _flags(workflow_from_table(table, shown=shown))["Review"] is True
    # Without the shown table the flag is taken as written (not adding value).
    assert _flags(workflow_from_table(table))["Review"] is False
    # Category and flag both changed: the flag as ticked.
    table.loc[table["stage"] == "Review", "adds_value"] = True
    table.loc[table["stage"] == "Review", "category"] = "waiting"
    assert _flags(workflow_from_table(table, shown=shown))["Review"] is True


def test_a_flagged_backlog_stage_in_the_table_is_a_readable_error():
    table = workflow_table(parse_workflow_toml(FLAGGED), COUNTS)
    table.loc[table["stage"] == "Backlog", "adds_value"] = True
    with pytest.raises(WorkflowFileError) as caught:
        workflow_from_table(table)
    assert str(caught.value) == (
        "stage 'Backlog' is a backlog stage: only active or waiting stages can add value"
    )


def test_an_unmapped_status_given_a_stage_takes_the_default():
    table = workflow_table(parse_workflow_toml(FLAGGED), COUNTS)
    table.loc[table["status"] == "Parked", ["stage", "category", "order"]] = [
        "Parked",
        "active",
        4.5,
    ]
    assert _flags(workflow_from_table(table))["Parked"] is True


def test_a_flag_ticked_on_any_row_of_a_stage_holds_for_the_stage():
    workflow = Workflow(
        stages=(
            Stage(name="Doing", statuses=("In Progress", "Doing"), category=Category.ACTIVE),
            Stage(name="Review", statuses=("In Review", "Code Review"), category="waiting"),
            Stage(name="Done", category=Category.DONE),
        )
    )
    shown = workflow_table(workflow, {})
    table = shown.copy()
    table.loc[table["status"] == "Code Review", "adds_value"] = True  # the stage's second row
    edited = workflow_from_table(table, shown=shown)
    assert _flags(edited) == {"Doing": True, "Review": True, "Done": False}
    table.loc[table["status"] == "Doing", "adds_value"] = False
    assert _flags(workflow_from_table(table, shown=shown))["Doing"] is False


# --------------------------------------------------------------------------- the command line

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"


def _run(argv, capsys) -> tuple[int, str, str]:
    from vsm_core.cli import main

    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_workflow_export_and_apply_carry_the_flag(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    code, _, _ = _run([*db, "import", str(DATA / "events.csv"), "--dataset", "Board"], capsys)
    assert code == 0
    code, exported, _ = _run([*db, "workflow", "export", "--dataset", "1"], capsys)
    assert code == 0
    assert "adds_value =" not in exported.replace("`adds_value` (optional", "")  # defaults only
    workflow = parse_workflow_toml(exported)
    review = next(s for s in workflow.stages if s.category == Category.WAITING)
    # The same workflow with the waiting stage flagged as adding value: a new version.
    flagged = workflow.model_copy(
        update={
            "stages": tuple(
                Stage(name=s.name, statuses=s.statuses, category=s.category, adds_value=True)
                if s.name == review.name
                else s
                for s in workflow.stages
            )
        }
    )
    path = tmp_path / "flagged.toml"
    path.write_text(workflow_to_toml(flagged), encoding="utf-8")
    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(path), "--json"], capsys)
    assert code == 0
    document = json.loads(out)
    assert (document["stored"], document["version"]) == (True, 2)
    adding = [s.name for s in flagged.stages if s.value_adding]
    assert review.name in adding
    assert document["value_adding_stages"] == adding
    code, out, _ = _run([*db, "workflow", "export", "--dataset", "1"], capsys)
    assert _flags(parse_workflow_toml(out))[review.name] is True
    assert "adds_value = true" in out
    # The same file again: nothing new.
    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(path)], capsys)
    assert "nothing stored" in out
    # Without the flag again: a third version, and the readable summary names the stages.
    path.write_text(workflow_to_toml(workflow), encoding="utf-8")
    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(path)], capsys)
    assert code == 0 and "version 3" in out
    names = ", ".join(s.name for s in workflow.stages if s.value_adding)
    assert f"stages that add value: {names}" in out


def test_workflow_apply_refuses_a_bad_flag_with_exit_2_naming_stage_and_line(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert _run([*db, "import", str(DATA / "events.csv")], capsys)[0] == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[stage]]\nname = "Doing"\ncategory = "active"\nadds_value = "sometimes"\n'
        '[[stage]]\nname = "Done"\ncategory = "done"\n',
        encoding="utf-8",
    )
    code, out, err = _run([*db, "workflow", "apply", "--dataset", "1", str(bad)], capsys)
    assert code == 2 and not out
    assert "stage 1 ('Doing'), line 4: 'adds_value' must be true or false, not text" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- the store


def test_a_changed_flag_is_a_new_stored_version_and_old_versions_read_as_before(engine):
    """SQLite always, PostgreSQL when VSM_TEST_POSTGRES_URL is set."""
    from sqlmodel import Session

    from vsm_core.importers.pipeline import import_bytes
    from vsm_core.metrics.report import calculate_metrics
    from vsm_core.store import crud
    from vsm_core.store.access import SYSTEM

    result = import_bytes((DATA / "events.csv").read_bytes(), "events.csv")
    with Session(engine) as session:
        first = crud.save_dataset_version(
            session,
            dataset=result.dataset,
            name="Board",
            team="Web",
            format=result.format,
            source_filename="events.csv",
            actor=SYSTEM,
        )
        first_id, dataset_id = first.id, first.dataset_id
        assert all("adds_value" not in s for s in first.workflow["stages"])
    workflow = result.dataset.workflow
    waiting = next(s.name for s in workflow.stages if s.category == Category.WAITING)
    flagged = Workflow(
        stages=tuple(
            s.model_copy(update={"adds_value": True}) if s.name == waiting else s
            for s in workflow.stages
        ),
        start=workflow.start,
    )
    with Session(engine) as session:
        same = crud.save_workflow_version(
            session, dataset_id=dataset_id, workflow=workflow, actor=SYSTEM
        )
        assert same is None  # nothing changed
        second = crud.save_workflow_version(
            session, dataset_id=dataset_id, workflow=flagged, actor=SYSTEM
        )
        assert second is not None and second.version == 2
        second_id = second.id
    with Session(engine) as session:
        old = crud.load_dataset(session, version_id=first_id, actor=SYSTEM)
        new = crud.load_dataset(session, version_id=second_id, actor=SYSTEM)
    assert _flags(new.workflow)[waiting] is True
    assert _flags(old.workflow)[waiting] is False
    before = calculate_metrics(result.dataset).document
    assert calculate_metrics(old).document == before  # the old version: equal numbers
    after = calculate_metrics(new).document
    assert after["flow_efficiency"] == before["flow_efficiency"]
    assert after["value_added_days_mean"] >= before["value_added_days_mean"]
