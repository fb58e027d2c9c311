"""Every store read and write takes the acting identity: a required keyword ``actor``.

Issue #13 puts the team rule in the store: a function that reads or changes rows takes the
actor (the signed-in person, the local user, or ``SYSTEM`` for the CLI and migrations) and
filters by team. A default (``actor=SYSTEM``) would let a page that forgets the actor act
with the system's rights, silently. This test looks at the signature of every public
function of the store modules that takes a ``session`` (or ``db``: a session or a
connection), so a function added later cannot forget it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import vsm_core.organisation
import vsm_core.store

#: Modules whose session-taking functions read or write team rows.
SCOPED_MODULES = (
    *(f"vsm_core.store.{m.name}" for m in pkgutil.iter_modules(vsm_core.store.__path__)),
    "vsm_core.experiments.records",
    "vsm_core.experiments.service",
    "vsm_core.experiments.checkin",
    "vsm_core.experiments.checkin_flow",
    "vsm_core.retrospective.due",
    *(
        f"vsm_core.organisation.{m.name}"
        for m in pkgutil.iter_modules(vsm_core.organisation.__path__)
    ),
)

#: Functions that take a session but read no team's rows, each with the reason.
EXEMPT = {
    "vsm_core.store.reading.connection_of": "returns the session's connection; reads nothing",
    "vsm_core.store.teams.granted_roles": (
        "the one read made before an actor exists (it builds the actor), of the person's own "
        "rows only"
    ),
    "vsm_core.store.writing.begin_write": "transaction plumbing; reads no rows",
    "vsm_core.store.writing.write_transaction": "transaction plumbing; reads no rows",
    "vsm_core.store.writing.with_retries": "retries the caller's write; reads no rows",
}

#: Known gaps, each failing here until it is closed (strict: the marker must then go).
KNOWN_GAPS: dict[str, str] = {}

SESSION_PARAMETERS = {"session", "db"}


def _session_functions() -> list[str]:
    """``module.function`` of every public function defined in a scoped module that takes a
    session."""
    found = []
    for module_name in SCOPED_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ != module_name:
                continue  # imported from elsewhere: checked where it is defined
            if SESSION_PARAMETERS & set(inspect.signature(value).parameters):
                found.append(f"{module_name}.{name}")
    return sorted(found)


FUNCTIONS = _session_functions()


def _resolve(qualified: str):
    module_name, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), name)


def _case(qualified: str):
    if qualified in KNOWN_GAPS:
        return pytest.param(
            qualified, marks=pytest.mark.xfail(reason=KNOWN_GAPS[qualified], strict=True)
        )
    return qualified


def _problem(function) -> str | None:
    """What is wrong with ``function``'s ``actor`` parameter, or None when it is required and
    keyword-only."""
    parameters = inspect.signature(function).parameters
    if "actor" not in parameters:
        return "takes a session but no actor"
    actor = parameters["actor"]
    if actor.kind is not inspect.Parameter.KEYWORD_ONLY:
        return "actor is not keyword-only"
    if actor.default is not inspect.Parameter.empty:
        return (
            f"actor has a default ({actor.default!r}): a caller that forgets it would act "
            "with that identity's rights"
        )
    return None


@pytest.mark.parametrize(
    "qualified", [_case(f) for f in FUNCTIONS if f not in EXEMPT], ids=lambda f: f
)
def test_actor_is_a_required_keyword(qualified):
    problem = _problem(_resolve(qualified))
    assert problem is None, f"{qualified}: {problem}"


def test_the_search_finds_the_store_functions_it_is_meant_to_check():
    """The list above is not vacuous: it holds the functions the pages and the CLI call."""
    expected = {
        "vsm_core.store.crud.save_dataset_version",
        "vsm_core.store.crud.list_datasets",
        "vsm_core.store.crud.load_dataset",
        "vsm_core.store.crud.count_datasets",
        "vsm_core.store.reading.load_dataset",
        "vsm_core.store.reading.experiment",
        "vsm_core.store.retrospectives.create_retrospective",
        "vsm_core.store.teams.list_activity",
        "vsm_core.store.bootstrap.seed_demo_dataset",
        "vsm_core.experiments.records.create_experiment",
        "vsm_core.experiments.service.judge",
        "vsm_core.experiments.checkin.checkin_rows",
        "vsm_core.experiments.checkin_flow.item_teams",
        "vsm_core.retrospective.due.due_for_review",
        "vsm_core.organisation.summary.teams_summary",
    }
    assert expected <= set(FUNCTIONS), sorted(expected - set(FUNCTIONS))


def test_every_exemption_names_a_function_that_exists():
    """An exemption left behind after its function was renamed or removed is dropped."""
    assert set(EXEMPT) <= set(FUNCTIONS), sorted(set(EXEMPT) - set(FUNCTIONS))
    assert set(KNOWN_GAPS) <= set(FUNCTIONS), sorted(set(KNOWN_GAPS) - set(FUNCTIONS))


def test_the_check_catches_a_default_a_positional_and_a_missing_actor():
    from vsm_core.store.access import SYSTEM

    def required(session, *, dataset_id: int, actor): ...
    def defaulted(session, *, dataset_id: int, actor=SYSTEM): ...
    def positional(session, actor, dataset_id: int): ...
    def missing(session, *, dataset_id: int): ...

    assert _problem(required) is None
    assert "default" in _problem(defaulted)
    assert "keyword-only" in _problem(positional)
    assert "no actor" in _problem(missing)
