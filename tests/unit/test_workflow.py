"""The workflow file contract (read, errors, write, round trip) and workflow suggestions."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow
from vsm_core.workflow import (
    CATEGORY_HELP,
    WorkflowFileError,
    describe_points,
    load_workflow_file,
    parse_workflow_toml,
    workflow_to_toml,
)
from vsm_core.workflow_suggest import order_statuses_by_flow, suggest_category, suggest_workflow

EXAMPLE = """\
start = "In Progress"   # optional commitment point (a stage name)
[[stage]]
name = "Backlog"
statuses = ["New", "To Do"]
category = "backlog"    # backlog | active | waiting | done | cancelled
[[stage]]
name = "In Progress"
statuses = ["In Progress", "Doing"]
category = "active"
[[stage]]
name = "Review"
category = "waiting"
[[stage]]
name = "Done"
statuses = ["Done", "Closed"]
category = "done"
"""

CATEGORIES = "backlog, active, waiting, done, cancelled"


def _stage(name: str, category: str, statuses: str | None = None) -> str:
    text = f'[[stage]]\nname = "{name}"\ncategory = "{category}"\n'
    return text + (f"statuses = {statuses}\n" if statuses is not None else "")


# --------------------------------------------------------------------------- reading


def test_the_documented_example_parses():
    workflow = parse_workflow_toml(EXAMPLE)
    assert workflow.stage_names == ["Backlog", "In Progress", "Review", "Done"]
    assert workflow.categories == [
        Category.BACKLOG,
        Category.ACTIVE,
        Category.WAITING,
        Category.DONE,
    ]
    assert workflow.start == "In Progress"
    assert workflow.commitment_stage == "In Progress"
    assert workflow.stages[0].statuses == ("New", "To Do")
    assert workflow.stages[2].statuses == ()  # matches its own name
    positions = workflow.stage_positions(
        pd.Series(["  new ", "TO DO", "doing", "review", "CLOSED", "Unknown"], dtype="str")
    )
    assert positions.tolist() == [0, 0, 1, 2, 3, pd.NA]


def test_start_is_optional_and_defaults_to_the_first_active_or_waiting_stage():
    text = _stage("Backlog", "backlog") + _stage("Ready", "waiting") + _stage("Doing", "active")
    workflow = parse_workflow_toml(text)
    assert workflow.start is None
    assert workflow.commitment_stage == "Ready"


def test_category_case_and_spaces_are_ignored_and_start_is_stripped():
    text = 'start = " doing "\n' + _stage("Backlog", " Backlog") + _stage("Doing", "ACTIVE")
    workflow = parse_workflow_toml(text)
    assert workflow.categories == [Category.BACKLOG, Category.ACTIVE]
    assert workflow.start == "doing"
    assert workflow.commitment_stage == "Doing"


def test_a_leading_byte_order_mark_is_accepted():
    assert parse_workflow_toml("\ufeff" + EXAMPLE).stage_names[0] == "Backlog"


ERROR_CASES = [
    pytest.param(
        _stage("Backlog", "backlog") + _stage("Doing", "active") + _stage("Review", "reviewing"),
        f"stage 3 ('Review'): category 'reviewing' is not one of {CATEGORIES}",
        id="bad-category",
    ),
    pytest.param(
        _stage("Doing", "active") + "colour = 'red'\n",
        "stage 1 ('Doing'): unknown key 'colour' (allowed: name, statuses, category, adds_value)",
        id="unknown-stage-key",
    ),
    pytest.param(
        _stage("Doing", "active") + "colour = 'red'\nwip = 3\n",
        "stage 1 ('Doing'): unknown keys 'colour', 'wip' "
        "(allowed: name, statuses, category, adds_value)",
        id="unknown-stage-keys",
    ),
    pytest.param(
        'done = "Done"\n' + _stage("Doing", "active"),
        "workflow file: unknown top-level key 'done' (allowed: start, stage)",
        id="unknown-top-key",
    ),
    pytest.param(
        '[[stages]]\nname = "Doing"\ncategory = "active"\n',
        "workflow file: unknown top-level key 'stages' (allowed: start, stage) "
        "(write each stage as a [[stage]] table); "
        "workflow file: no stages; add at least one [[stage]] table",
        id="stages-instead-of-stage",
    ),
    pytest.param(
        _stage("Doing", "active") + '[[stage]]\ncategory = "done"\n',
        "stage 2: missing 'name'",
        id="missing-name",
    ),
    pytest.param(
        '[[stage]]\nname = 3\ncategory = "active"\n',
        "stage 1: 'name' must be text, not an integer",
        id="name-not-text",
    ),
    pytest.param(
        '[[stage]]\nname = "  "\ncategory = "active"\n',
        "stage 1: 'name' is blank",
        id="blank-name",
    ),
    pytest.param(
        _stage("Doing", "active", '"In Progress"'),
        "stage 1 ('Doing'): 'statuses' must be a list of text such as [\"In Review\"], not text",
        id="statuses-a-string",
    ),
    pytest.param(
        _stage("Doing", "active", '["In Progress", 7]'),
        "stage 1 ('Doing'): 'statuses' must be a list of text; entry 2 is an integer",
        id="statuses-with-a-number",
    ),
    pytest.param(
        _stage("Doing", "active", '["In Progress", " "]'),
        "stage 1 ('Doing'): 'statuses' entry 2 is blank",
        id="blank-status",
    ),
    pytest.param(
        '[[stage]]\nname = "Doing"\n',
        f"stage 1 ('Doing'): missing 'category' (one of {CATEGORIES})",
        id="missing-category",
    ),
    pytest.param(
        '[[stage]]\nname = "Doing"\ncategory = 1\n',
        f"stage 1 ('Doing'): 'category' must be one of {CATEGORIES}, not an integer",
        id="category-not-text",
    ),
    pytest.param(
        'start = "Testing"\n' + _stage("Backlog", "backlog") + _stage("Doing", "active"),
        "workflow file: start 'Testing' is not one of the stages (the stages are: Backlog, Doing)",
        id="start-not-a-stage",
    ),
    pytest.param(
        "start = 2\n" + _stage("Doing", "active"),
        "workflow file: 'start' must be a stage name (text), not an integer",
        id="start-not-text",
    ),
    pytest.param(
        _stage("Doing", "active", '["In Progress"]')
        + _stage("Review", "waiting", '["in progress"]'),
        "workflow file: status 'in progress' is mapped to both 'Doing' and 'Review'",
        id="duplicate-status",
    ),
    pytest.param(
        _stage("Doing", "active") + _stage("Done", "done", '["doing"]'),
        "workflow file: status 'doing' is mapped to both 'Doing' and 'Done'",
        id="status-clashes-with-implicit-name",
    ),
    pytest.param(
        _stage("Doing", "active", "[]") + _stage("doing", "waiting", '["x"]'),
        "workflow file: stage names must be unique; repeated: doing",
        id="duplicate-stage-name",
    ),
    pytest.param(
        _stage("Backlog", "backlog") + _stage("Done", "done"),
        "workflow file: the workflow needs at least one active or waiting stage",
        id="no-active-or-waiting",
    ),
    pytest.param("", "workflow file: no stages; add at least one [[stage]] table", id="empty"),
    pytest.param(
        '[stage]\nname = "Doing"\ncategory = "active"\n',
        "workflow file: write each stage as [[stage]] (double brackets), not [stage]",
        id="single-bracket-stage",
    ),
    pytest.param(
        'stage = ["Doing"]\n',
        "stage 1: each stage must be a [[stage]] table, not text",
        id="stage-not-a-table",
    ),
    pytest.param(
        '[[stage]]\nname = "Doing"\ncategory = "busy"\n[[stage]]\ncategory = "done"\n',
        f"stage 1 ('Doing'): category 'busy' is not one of {CATEGORIES}; stage 2: missing 'name'",
        id="every-problem-is-reported",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES)
def test_invalid_files_raise_a_readable_one_line_message(text, message):
    with pytest.raises(WorkflowFileError) as caught:
        parse_workflow_toml(text)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_toml_syntax_errors_name_the_line():
    text = EXAMPLE.replace('category = "active"', "category = active")
    with pytest.raises(WorkflowFileError) as caught:
        parse_workflow_toml(text)
    assert str(caught.value) == "workflow file line 9: Invalid value (column 12)"
    assert caught.value.line == 9


def test_toml_errors_at_the_end_of_the_file():
    with pytest.raises(WorkflowFileError, match=r"^workflow file: Unterminated string"):
        parse_workflow_toml('[[stage]]\nname = "Doing')


def test_a_key_written_twice_is_a_syntax_error_with_its_line():
    with pytest.raises(WorkflowFileError, match=r"^workflow file line 3: Cannot overwrite a value"):
        parse_workflow_toml('[[stage]]\nname = "Doing"\nname = "Doing"\ncategory = "active"\n')


def test_load_workflow_file(tmp_path):
    path = tmp_path / "workflow.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_workflow_file(path) == parse_workflow_toml(EXAMPLE)
    assert load_workflow_file(str(path)).start == "In Progress"


def test_load_workflow_file_errors(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(WorkflowFileError) as caught:
        load_workflow_file(missing)
    assert str(caught.value) == f"workflow file not found: {missing}"

    latin = tmp_path / "latin.toml"
    latin.write_bytes(_stage("Café", "active").encode("latin-1"))
    with pytest.raises(WorkflowFileError, match=r"is not UTF-8 text"):
        load_workflow_file(latin)

    with pytest.raises(WorkflowFileError, match=r"^cannot read workflow file"):
        load_workflow_file(tmp_path)  # a directory


# --------------------------------------------------------------------------- writing


def test_workflow_to_toml_writes_explicit_statuses_and_comments():
    workflow = parse_workflow_toml(EXAMPLE)
    text = workflow_to_toml(workflow, header="Flowlab workflow for DATA\nedit me")
    lines = text.splitlines()
    assert lines[0] == "# Flowlab workflow for DATA"
    assert lines[1] == "# edit me"
    assert all(f"# {line}".rstrip() in lines for line in CATEGORY_HELP)
    data = tomllib.loads(text)
    assert data["start"] == "In Progress"
    assert data["stage"][2] == {"name": "Review", "statuses": ["Review"], "category": "waiting"}
    explicit = parse_workflow_toml(text)
    assert explicit.stages[2].statuses == ("Review",)
    assert explicit.status_lookup() == workflow.status_lookup()


def test_workflow_to_toml_omits_start_when_it_is_the_default():
    workflow = Workflow(stages=(Stage(name="Doing", statuses=("a",), category=Category.ACTIVE),))
    text = workflow_to_toml(workflow)
    assert "start" not in tomllib.loads(text)
    assert text.startswith("# Stages are listed in flow order.")
    assert parse_workflow_toml(text) == workflow


def test_workflow_to_toml_escapes_awkward_text():
    workflow = Workflow(
        stages=(
            Stage(
                name='Say "hi" \\ there', statuses=("a'b", 'c"d', "tab\there"), category="active"
            ),
            Stage(name="Fertig ✓", statuses=("Erledigt\n(alt)",), category="done"),
        ),
        start='Say "hi" \\ there',
    )
    assert parse_workflow_toml(workflow_to_toml(workflow, header='a "quoted" header')) == workflow


def _explicit(workflow: Workflow) -> Workflow:
    """``workflow`` with each stage's implicit status (its name) spelled out."""
    stages = tuple(
        s.model_copy(update={"statuses": Workflow.statuses_of(s)}) for s in workflow.stages
    )
    return workflow.model_copy(update={"stages": stages})


_TEXT = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")


@st.composite
def workflows(draw) -> Workflow:
    n = draw(st.integers(1, 6))
    names = draw(st.lists(_TEXT, min_size=n, max_size=n, unique_by=lambda s: s.strip().casefold()))
    categories = draw(st.lists(st.sampled_from(list(Category)), min_size=n, max_size=n))
    categories[draw(st.integers(0, n - 1))] = draw(
        st.sampled_from([Category.ACTIVE, Category.WAITING])
    )
    stages = tuple(
        Stage(
            name=name,
            statuses=tuple(draw(st.lists(_TEXT, max_size=3))),
            category=category,
        )
        for name, category in zip(names, categories, strict=True)
    )
    start = draw(st.none() | st.sampled_from([s.name for s in stages]))
    try:
        return Workflow(stages=stages, start=start)
    except ValidationError:
        assume(False)
        raise  # pragma: no cover


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(workflow=workflows(), header=st.none() | st.text(max_size=40))
def test_round_trip_reads_back_an_equal_workflow(workflow, header):
    text = workflow_to_toml(workflow, header=header)
    parsed = parse_workflow_toml(text)
    assert parsed == _explicit(workflow)
    assert parsed.status_lookup() == workflow.status_lookup()
    assert parsed.commitment_index == workflow.commitment_index
    if all(stage.statuses for stage in workflow.stages):
        assert parsed == workflow
    assert workflow_to_toml(parsed, header=header) == text  # writing is stable


# --------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("status", "category"),
    [
        # done-like
        *[
            (s, Category.DONE)
            for s in (
                "Done",
                "Closed",
                "Resolved",
                "Released",
                "Complete",
                "Completed",
                "Deployed",
                "Shipped",
                "Finished",
                "Fixed",
                "Live",
                "Fix Released",
            )
        ],
        # cancelled-like
        *[
            (s, Category.CANCELLED)
            for s in (
                "Cancelled",
                "Canceled",
                "Won't Fix",
                "Won’t Do",
                "wontfix",
                "Rejected",
                "Invalid",
                "Duplicate",
                "Abandoned",
                "Declined",
                "Obsolete",
                "Not a Bug",
                "worksforme",
                "Closed - Won't Fix",
            )
        ],
        # waiting-like
        *[
            (s, Category.WAITING)
            for s in (
                "Waiting",
                "Ready",
                "In Review",
                "Code Review",
                "Blocked",
                "Queued",
                "Pending",
                "On Hold",
                "Awaiting Approval",
                "To Test",
                "Ready for Test",
                "Ready for Development",
                "Approval",
                "In Sign Off",
                "Sign-off",
                "Needs info",
                "sitewait",
                "needsdiagnosis",
                "Selected for Development",
                "Dev Done",
                "Analysis complete",
                "Testing finished",
            )
        ],
        # backlog-like
        *[
            (s, Category.BACKLOG)
            for s in (
                "Backlog",
                "New",
                "Open",
                "To Do",
                "todo",
                "TO_DO",
                "Idea",
                "Triage",
                "Needs triage",
                "needstriage",
                "Proposed",
                "Funnel",
                "Inbox",
                "Reopened",
            )
        ],
        # active-like and the default
        *[
            (s, Category.ACTIVE)
            for s in (
                "In Progress",
                "InProgress",
                "in-progress",
                "Doing",
                "In Development",
                "Implementing",
                "In Analyse",
                "In Analysis",
                "Design",
                "Testing",
                "QA",
                "Build",
                "Deploying",
                "Working",
                "Unresolved",
                "Something else",
            )
        ],
    ],
)
def test_suggest_category(status, category):
    assert suggest_category(status) == category


def test_suggest_category_rules_do_not_match_inside_other_words():
    assert suggest_category("Renewal") == Category.ACTIVE  # not "new"
    assert suggest_category("Alive check") == Category.ACTIVE  # not "live"
    assert suggest_category("Already there") == Category.ACTIVE  # not "ready"
    assert suggest_category("Unfinished") == Category.ACTIVE


def test_suggest_workflow_keeps_order_and_moves_done_then_cancelled_last():
    statuses = ["Backlog", "Won't Do", "In Progress", "Done", "Review", "Closed", "Rejected"]
    workflow = suggest_workflow(statuses)
    assert workflow.stage_names == [
        "Backlog",
        "In Progress",
        "Review",
        "Done",
        "Closed",
        "Won't Do",
        "Rejected",
    ]
    assert workflow.categories == [
        Category.BACKLOG,
        Category.ACTIVE,
        Category.WAITING,
        Category.DONE,
        Category.DONE,
        Category.CANCELLED,
        Category.CANCELLED,
    ]
    assert workflow.start is None
    assert workflow.commitment_stage == "In Progress"


def test_suggest_workflow_groups_spellings_ignoring_case_and_spaces():
    workflow = suggest_workflow(["In Progress", " in progress", "Done", "IN PROGRESS ", "done"])
    assert workflow.stage_names == ["In Progress", "Done"]
    assert workflow.stages[0].statuses == ("In Progress", "in progress", "IN PROGRESS")
    assert workflow.stages[1].statuses == ("Done", "done")


def test_suggest_workflow_names_a_stage_after_its_most_common_spelling_given_counts():
    counts = {"in progress": 3, "In Progress": 40, "Done": 5}
    workflow = suggest_workflow(["in progress", "In Progress", "Done"], counts=counts)
    assert workflow.stage_names == ["In Progress", "Done"]
    assert workflow.stages[0].statuses == ("in progress", "In Progress")


def test_suggest_workflow_without_work_stages_makes_the_last_backlog_stage_active():
    workflow = suggest_workflow(["open", "closed"])  # GitHub issues
    assert workflow.categories == [Category.ACTIVE, Category.DONE]
    workflow = suggest_workflow(["New", "Open", "Invalid", "Done"])
    assert workflow.stage_names == ["New", "Open", "Done", "Invalid"]
    assert workflow.categories == [
        Category.BACKLOG,
        Category.ACTIVE,
        Category.DONE,
        Category.CANCELLED,
    ]


@pytest.mark.parametrize(
    "statuses",
    [["Backlog", "New", "To Do"], ["Done", "Cancelled"], ["Backlog", "Cancelled"], [], ["  "]],
)
def test_suggest_workflow_raises_when_nothing_can_be_work(statuses):
    with pytest.raises(WorkflowFileError) as caught:
        suggest_workflow(statuses)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(("cannot suggest a workflow", "no statuses"))


def test_suggest_workflow_output_round_trips():
    workflow = suggest_workflow(["To Do", "In Analyse", "Ready for Development", "Done"])
    assert parse_workflow_toml(workflow_to_toml(workflow)) == workflow


def _events(rows):
    frame = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True)
    frame["seq"] = range(len(frame))
    return frame


def test_order_statuses_by_flow_ranks_by_median_normalised_position():
    events = _events(
        [
            ("X", "New", "2024-01-01"),
            ("X", "Doing", "2024-01-02"),
            ("X", "Review", "2024-01-03"),
            ("X", "Done", "2024-01-04"),
            ("Y", "New", "2024-01-01"),
            ("Y", "doing ", "2024-01-05"),
            ("Y", "Done", "2024-01-06"),
            ("Z", "Doing", "2024-01-02"),
            ("Z", "Review", "2024-01-07"),
            ("W", "Blocked", "2023-12-01"),  # a single event: no order information
            ("V", "Done", "2024-02-01"),  # Done rank: X 1, Y 1, V none -> 1
        ]
    )
    # medians: New 0; Doing (X 1/3, Y 1/2, Z 0) = 1/3; Review (X 2/3, Z 1) = 5/6; Done 1.
    assert order_statuses_by_flow(events) == ["New", "Doing", "doing", "Review", "Done", "Blocked"]
    assert suggest_workflow(order_statuses_by_flow(events)).stage_names == [
        "New",
        "Doing",
        "Review",
        "Blocked",
        "Done",
    ]


def test_order_statuses_by_flow_ties_go_by_first_appearance_and_rework_uses_first_visit():
    events = _events(
        [
            ("A", "P", "2024-01-03"),
            ("A", "Q", "2024-01-04"),
            ("B", "R", "2024-01-01"),
            ("B", "S", "2024-01-02"),
            ("B", "R", "2024-01-02"),  # rework: R's first visit (position 0) counts
            ("B", "T", "2024-01-02"),
        ]
    )
    # B: R 0, S 1/3, T 1; A: P 0, Q 1. R and P tie at 0 -> R appeared first; T and Q tie at 1.
    assert order_statuses_by_flow(events) == ["R", "P", "S", "T", "Q"]


def test_order_statuses_by_flow_uses_seq_for_equal_times():
    events = _events([("A", "Second", "2024-01-01"), ("A", "First", "2024-01-01")])
    events["seq"] = [2, 1]
    assert order_statuses_by_flow(events) == ["First", "Second"]
    assert order_statuses_by_flow(events.drop(columns="seq")) == ["Second", "First"]


def test_order_statuses_by_flow_of_nothing():
    assert order_statuses_by_flow(_events([])) == []


def test_describe_points():
    workflow = parse_workflow_toml(
        EXAMPLE + _stage("Released", "done") + _stage("Dropped", "cancelled")
    )
    assert describe_points(workflow) == {
        "commitment_stage": "In Progress",
        "done_stages": ["Done", "Released"],
        "cancelled_stages": ["Dropped"],
    }
    default = suggest_workflow(["To Do", "Ready", "Doing", "Done"])
    assert describe_points(default)["commitment_stage"] == "Ready"
