"""Detection against files in the shapes real tools export (tests/export_shapes.py).

Every expectation comes from the generator's own knowledge of what it wrote:
the format that reads the file right, the column of each role that matters,
and the number of items and status events. A realistic export must be
detected with no options; a near miss must be detected right or refused
(``FormatUnclear``, or a sanity-check finding); no file may be read silently
as another format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.export_shapes import (
    JSON_SHAPES,
    NEAR_MISSES,
    SPELLINGS,
    TABLE_GENERATORS,
    TABLE_SHAPES,
    VARIANTS,
    Export,
    Variant,
    ado_revisions_csv,
    budget_table,
    contact_list,
    epoch_stages,
    example,
    example_export,
    jira_changelog,
    linear_csv,
    real_github_file,
    real_stages_file,
    repeated_attempts,
    shape,
    transitions_from_to,
    volvo_incidents,
)
from vsm_core.cli import main
from vsm_core.importers.detect import Detection, FormatUnclear
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import FORMATS, ImportOptions
from vsm_core.importers.pipeline import ImportResult, import_bytes
from vsm_core.model import Category, Workflow

# --------------------------------------------------------------------------- helpers


def _import(export: Export, options: ImportOptions | None = None) -> ImportResult | ImportFailed:
    """The import's result, or the ImportFailed it raised."""
    try:
        return import_bytes(export.data, export.filename, options)
    except ImportFailed as failure:
        return failure


def _describe(outcome: ImportResult | ImportFailed) -> str:
    if isinstance(outcome, ImportFailed):
        return f"{type(outcome).__name__}: {outcome}"
    return (
        f"format {outcome.format} ({outcome.detection.evidence}), columns {outcome.mapping}, "
        f"{len(outcome.dataset.items)} items, {len(outcome.dataset.events)} events, "
        f"implausible {outcome.implausible}"
    )


def _assert_read_right(export: Export, result: ImportResult) -> None:
    """The format is one that reads the file right, with the right columns and counts."""
    why = f"{export.note}: {_describe(result)}"
    assert result.format in export.accepted, why
    used = {role: result.mapping.get(role) for role in export.roles}
    assert used == export.roles, why
    if result.format in export.counts:
        items, events = export.counts[result.format]
        assert (len(result.dataset.items), len(result.dataset.events)) == (items, events), why
    if result.format == "stages" and export.stage_order:  # the flow is the column order
        workflow = result.workflow
        flow = [status for stage in workflow.stages for status in workflow.statuses_of(stage)]
        assert flow == list(export.stage_order), why
    _assert_cancelled_items_do_not_finish(export, result)
    assert result.implausible == (), why
    _assert_detection_reported(result)


def _assert_cancelled_items_do_not_finish(export: Export, result: ImportResult) -> None:
    """Items the file says were cancelled (Won't Do, Removed, Canceled) end in a stage that is
    not done: cancelled work counted as delivered would inflate throughput."""
    if not export.cancelled_items:
        return
    events = result.dataset.events.sort_values("entered_at", kind="stable")
    last = events.groupby("item_id", sort=False)["status"].last()
    finished = {
        item: last[item]
        for item in export.cancelled_items
        if item in last.index and _category_of(result.workflow, last[item]) == Category.DONE
    }
    assert not finished, (
        f"{export.note}: cancelled items end in a done stage ({len(finished)} of "
        f"{len(export.cancelled_items)}, e.g. {dict(list(finished.items())[:3])}), "
        f"read as {result.format} with {result.mapping}"
    )


def _assert_detection_reported(result: ImportResult) -> None:
    """``result.detection`` says which format, how sure and why; nothing chosen by the user."""
    detection = result.detection
    assert isinstance(detection, Detection)
    assert detection.format == result.format
    assert isinstance(detection.score, float)
    assert 0 < detection.score <= 1
    assert isinstance(detection.evidence, str)
    assert detection.evidence.strip()
    assert detection.chosen_by_user is False


def _assert_detected_or_refused(export: Export, outcome: ImportResult | ImportFailed) -> None:
    """A near miss: read right, or refused (unsure format, or a result flagged implausible)."""
    if isinstance(outcome, ImportFailed):
        assert export.may_refuse, f"{export.note} was refused: {outcome}"
        return
    if export.format is None:  # nothing fits: parsed at all, it must at least be flagged
        assert outcome.implausible, f"{export.note} stored silently: {_describe(outcome)}"
        return
    _assert_read_right(export, outcome)


def _category_of(workflow: Workflow, status: str) -> Category:
    key = status.strip().casefold()
    for stage in workflow.stages:
        if key in {s.strip().casefold() for s in workflow.statuses_of(stage)}:
            return stage.category
    raise AssertionError(f"{status!r} is in no stage of {workflow.stage_names}")


# --------------------------------------------------------------------------- realistic exports


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.label)
@pytest.mark.parametrize("name", list(TABLE_SHAPES))
def test_a_real_table_shape_is_read_right_with_no_options(name, variant):
    export = shape(name, seed=3, **vars(variant))
    outcome = _import(export)
    if isinstance(outcome, FormatUnclear) and export.may_refuse:
        return  # e.g. a Jira issue list: refusing with the candidates is an allowed answer
    assert not isinstance(outcome, ImportFailed), f"{export.note}: {outcome}"
    _assert_read_right(export, outcome)


@pytest.mark.parametrize("name", list(JSON_SHAPES))
def test_a_json_export_is_read_right_with_no_options(name):
    export = shape(name, seed=5)
    outcome = _import(export)
    assert not isinstance(outcome, ImportFailed), f"{export.note}: {outcome}"
    _assert_read_right(export, outcome)


@pytest.mark.parametrize(
    ("name", "items", "events"),
    [
        # the fixtures' README: 209 and 200 items; events = filled stage cells (counted by
        # real_stages_file with the csv module), and 637 is also the docs' example output
        ("jira-to-analytics-export.csv", 209, 637),
        ("cleaned-by-author.csv", 200, 628),
    ],
)
def test_the_real_actionableagile_exports_are_stages(name, items, events):
    export = real_stages_file(name)
    assert export.counts["stages"] == (items, events)
    outcome = _import(export)
    assert not isinstance(outcome, ImportFailed), outcome
    _assert_read_right(export, outcome)


def test_the_real_github_export_is_github_json():
    export = real_github_file()
    outcome = _import(export)
    assert not isinstance(outcome, ImportFailed), outcome
    _assert_read_right(export, outcome)
    assert len(outcome.dataset.items) == 100  # the fixtures' README: 100 issues


@pytest.mark.parametrize("format_name", FORMATS)
def test_example_gives_one_confidently_detected_file_per_format(format_name):
    filename, data = example(format_name)
    export = example_export(format_name)
    assert (filename, data) == (export.filename, export.data)  # deterministic
    assert export.format == format_name
    result = import_bytes(data, filename)  # no FormatUnclear: the browser test saves it
    assert result.format == format_name
    _assert_read_right(export, result)


def test_a_status_with_a_sub_status_uses_status_and_offers_the_other():
    export = volvo_incidents(seed=2)
    result = import_bytes(export.data, export.filename)
    assert result.mapping["status"] == "Status"
    assert "Sub Status" in result.detection.alternatives.get("status", ())


SPELLING_CASES = [
    pytest.param(format_name, role, spelling, id=f"{format_name}-{role}={spelling}")
    for format_name, roles in SPELLINGS.items()
    for role, spellings in roles.items()
    for spelling in spellings[1:]  # the first spelling is every generator's default
]


@pytest.mark.parametrize(("format_name", "role", "spelling"), SPELLING_CASES)
def test_each_tool_spelling_of_a_role_is_read_right_or_refused(format_name, role, spelling):
    """One role renamed to a spelling a tool writes, the other columns as the generator's
    defaults: the file is read right (format, columns, counts) or refused, never misread."""
    export = TABLE_GENERATORS[format_name](11, 15, names={role: spelling}, quoted=True)
    outcome = _import(export)
    if isinstance(outcome, FormatUnclear):
        return  # refusing is allowed; reading it as something else is not
    assert not isinstance(outcome, ImportFailed), f"{export.note}: {outcome}"
    _assert_read_right(export, outcome)


# --------------------------------------------------------------------------- workflows


@pytest.mark.parametrize(
    "variant", [Variant(), Variant(quoted=True, shuffle=4), Variant(sep=";", bom=True)]
)
def test_the_jira_changelog_workflow_follows_the_files_status_categories(variant):
    export = jira_changelog(seed=1, n=40, **vars(variant))
    result = import_bytes(export.data, export.filename)
    workflow = result.workflow
    # Prioritized and Accepted read as work by name; the file says they are To Do.
    assert {s: _category_of(workflow, s) for s in export.backlog} == dict.fromkeys(
        export.backlog, Category.BACKLOG
    )
    assert {s: _category_of(workflow, s) for s in export.cancelled} == dict.fromkeys(
        export.cancelled, Category.CANCELLED
    )
    assert _category_of(workflow, "Done") == Category.DONE
    assert any(stage.category == Category.DONE for stage in workflow.stages)
    assert _category_of(workflow, "In Progress") in (Category.ACTIVE, Category.WAITING)


def test_the_azure_devops_workflow_makes_removed_cancelled():
    export = ado_revisions_csv(seed=4, n=40, quoted=True)
    result = import_bytes(export.data, export.filename)
    assert "Removed" in result.status_counts  # the generator wrote some removed items
    assert _category_of(result.workflow, "Removed") == Category.CANCELLED
    assert _category_of(result.workflow, "New") == Category.BACKLOG  # Proposed
    assert _category_of(result.workflow, "Closed") == Category.DONE  # Completed


# --------------------------------------------------------------------------- near misses

NEAR_MISS_VARIANTS = (
    Variant(),
    Variant(quoted=True, bom=True),
    Variant(sep=";"),
    Variant(shuffle=2),
)


@pytest.mark.parametrize("variant", NEAR_MISS_VARIANTS, ids=lambda v: v.label)
@pytest.mark.parametrize("name", list(NEAR_MISSES))
def test_a_near_miss_is_read_right_or_refused(name, variant):
    export = shape(name, seed=6, **vars(variant))
    _assert_detected_or_refused(export, _import(export))


def test_a_file_that_fits_no_format_is_refused_by_detection():
    export = budget_table()
    with pytest.raises(FormatUnclear) as raised:
        import_bytes(export.data, export.filename)
    assert raised.value.detection.format is None
    assert "--format" in str(raised.value)


def test_an_implausible_reading_is_flagged_not_silently_accepted():
    export = epoch_stages()
    result = import_bytes(export.data, export.filename)
    assert result.format == "stages"  # the shape is a clean stages file
    assert result.implausible, "events dated 1970 must be flagged"
    assert any("2000" in finding for finding in result.implausible)


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'detect.db'}"]


def _write(tmp_path: Path, export: Export) -> Path:
    path = tmp_path / export.filename
    path.write_bytes(export.data)
    return path


def _stored(db, capsys) -> list[dict]:
    capsys.readouterr()
    assert main([*db, "datasets", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "export",
    [jira_changelog(seed=8, quoted=True, bom=True), volvo_incidents(seed=8, sep=";"), linear_csv()],
    ids=lambda e: e.shape,
)
def test_cli_import_json_names_the_format_the_columns_and_the_detection(
    db, tmp_path, capsys, export
):
    assert main([*db, "import", str(_write(tmp_path, export)), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] in export.accepted
    assert {role: document["columns"].get(role) for role in export.roles} == export.roles
    detected = document["detected"]
    assert set(detected) >= {"format", "score", "evidence"}
    assert detected["format"] == document["format"]
    assert 0 < detected["score"] <= 1
    assert isinstance(detected["evidence"], str)
    assert detected["evidence"]
    assert "user" not in detected["evidence"]
    assert (document["items"], document["events"]) == export.counts[document["format"]]
    [stored] = _stored(db, capsys)
    assert stored["format"] == document["format"]


def test_cli_with_format_says_the_user_chose_it(db, tmp_path, capsys):
    export = ado_revisions_csv(seed=9, quoted=True)
    argv = [*db, "import", str(_write(tmp_path, export)), "--format", "events", "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "events"
    # docs/importing.md: with --format given, `detected` is exactly this
    assert document["detected"] == {
        "format": "events",
        "score": 1.0,
        "evidence": "chosen by the user",
    }
    assert {role: document["columns"].get(role) for role in export.roles} == export.roles
    assert (document["items"], document["events"]) == export.counts["events"]


def test_cli_with_format_and_map_uses_the_given_columns(db, tmp_path, capsys):
    export = jira_changelog(seed=9)
    argv = [
        *db,
        "import",
        str(_write(tmp_path, export)),
        "--format",
        "transitions",
        *("--map", "item_id=issue_key", "--map", "status=status_to_name"),
        "--json",
    ]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "transitions"
    assert document["detected"]["format"] == "transitions"
    assert "chosen by the user" in document["detected"]["evidence"]
    assert {role: document["columns"].get(role) for role in export.roles} == export.roles
    assert (document["items"], document["events"]) == export.counts["transitions"]


def test_cli_with_map_only_says_the_columns_were_given(db, tmp_path, capsys):
    export = transitions_from_to(seed=2)
    argv = [*db, "import", str(_write(tmp_path, export)), "--map", "status=To", "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "transitions"
    assert document["columns"]["status"] == "To"
    # docs/importing.md: with --map given, the evidence ends with this and the columns
    evidence = document["detected"]["evidence"]
    assert "columns given by the user: " in evidence
    assert "status" in evidence.rsplit("by the user: ", 1)[1]
    assert "To" in evidence.rsplit("by the user: ", 1)[1]
    assert (document["items"], document["events"]) == export.counts["transitions"]


def test_cli_names_the_columns_and_offers_the_alternative(db, tmp_path, capsys):
    export = volvo_incidents(seed=3)
    assert main([*db, "import", str(_write(tmp_path, export))]) == 0
    out = capsys.readouterr().out
    assert "'SR Number'" in out
    assert "'Change Date+Time'" in out
    [offer] = [line for line in out.splitlines() if "Sub Status" in line]
    assert "--map status=" in offer


def test_import_options_chosen_by_the_user_are_reported_in_the_detection():
    export = ado_revisions_csv(seed=1)
    result = import_bytes(export.data, export.filename, ImportOptions(format="events"))
    assert result.format == "events"
    assert result.detection.chosen_by_user is True
    assert result.detection.format == "events"
    assert result.mapping["status"] == "State"
    assert (len(result.dataset.items), len(result.dataset.events)) == export.counts["events"]


def test_cli_file_matching_no_format_exits_2_and_stores_nothing(db, tmp_path, capsys):
    assert main([*db, "import", str(_write(tmp_path, budget_table())), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no JSON document for a refused file
    assert "--format" in captured.err
    assert "--map" in captured.err
    assert _stored(db, capsys) == []


@pytest.mark.parametrize("export", [repeated_attempts(), contact_list()], ids=lambda e: e.shape)
def test_cli_unclear_file_exits_2_naming_the_candidates_and_the_options(
    db, tmp_path, capsys, export
):
    with pytest.raises(FormatUnclear) as raised:
        import_bytes(export.data, export.filename)
    detection = raised.value.detection
    assert detection.candidates, "a weak candidate should be named"
    assert main([*db, "import", str(_write(tmp_path, export))]) == 2
    err = capsys.readouterr().err
    for candidate in detection.candidates[:3]:
        assert candidate.format in err
        assert candidate.hint() in err  # the exact --format/--map to pass
    assert "--format" in detection.command_hint()
    assert "--map" in err
    assert _stored(db, capsys) == []


def test_cli_implausible_file_exits_2_unless_forced(db, tmp_path, capsys):
    path = _write(tmp_path, epoch_stages())
    assert main([*db, "import", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert "2000" in captured.err  # says what looks wrong
    assert "--force" in captured.err  # and how to store it anyway
    assert _stored(db, capsys) == []
    assert main([*db, "import", str(path), "--json", "--force"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["items"], document["events"]) == epoch_stages().counts["stages"]
    assert len(_stored(db, capsys)) == 1
