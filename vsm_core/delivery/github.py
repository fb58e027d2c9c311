"""GitHub deployments JSON -> deployments (a :class:`~vsm_core.delivery.parse.DeliveryRead`).

The file is what GitHub's REST API gives for a repository's deployments
(``GET /repos/{owner}/{repo}/deployments``: ``id``, ``sha``, ``ref``, ``task``,
``environment``, ``created_at``, ``repository_url``, ``statuses_url``, ``payload``…),
each record carrying its statuses under ``statuses`` (the list ``statuses_url``
returns: ``state`` and ``created_at``), or its last one under ``latest_status`` /
``latestStatus``, or a ``state``.

* **Outcome**: the last status that ends a deployment — ``success`` (a success),
  ``failure`` or ``error`` (a failure). A deployment with only ``inactive`` (replaced
  by a later one, so it had gone live) is a success. One still ``queued``, ``pending``
  or ``in_progress`` has not finished: it is left out and counted in a note.
* **Deployed at**: the time of that ending status; the deployment's ``created_at``
  when it has none.
* **Service**: the repository's name (the end of ``repository_url``), else
  ``payload.service``, else the environment.
* **Kind**: ``payload.kind`` or a task naming a rollback (``deploy:rollback``).
* **First commit**: ``first_commit_at`` or ``commit_at`` of the record or its
  ``payload``, when the exporter added it (GitHub does not know it): lead time for
  changes needs it.
* **Change ids**: the commit deployed (``sha``).

Problems name the record (its position, 1 for the first) as the row and the field as the
column, as for a table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vsm_core.delivery import columns as cols
from vsm_core.delivery.log import DeliveryLog
from vsm_core.delivery.read import FUTURE_SLACK, DeliveryRead, KindUnclear
from vsm_core.importers.dates import parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem, clip

FINAL_SUCCESS = frozenset({"success"})
FINAL_FAILURE = frozenset({"failure", "error"})
UNFINISHED = frozenset({"queued", "pending", "in_progress", "inprogress", "waiting"})


def looks_like_github(records: list[Any]) -> bool:
    """Whether most of the first records look like GitHub deployments."""
    sample = [r for r in records[:50] if isinstance(r, dict)]
    if not sample:
        return False
    hits = sum(
        1
        for r in sample
        if "environment" in r and ({"sha", "ref", "statuses_url", "statuses", "task"} & set(r))
    )
    return hits >= 0.8 * len(sample)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _payload(record: dict) -> dict:
    payload = record.get("payload")
    return payload if isinstance(payload, dict) else {}


def _statuses(record: dict) -> list[dict]:
    statuses = record.get("statuses")
    if isinstance(statuses, dict):  # GraphQL: {"nodes": [...]}
        statuses = statuses.get("nodes")
    found = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
    for key in ("latest_status", "latestStatus"):
        if isinstance(record.get(key), dict):
            found.append(record[key])
    if not found and _text(record.get("state")):
        found.append({"state": record["state"], "created_at": None})
    return found


def _outcome(record: dict) -> tuple[str | None, str | None, str | None]:
    """(outcome, its time text, the state seen) of one deployment (module docstring)."""
    statuses = _statuses(record)
    stamped = sorted(statuses, key=lambda s: str(s.get("created_at") or s.get("createdAt") or ""))
    ending = [
        s for s in stamped if str(s.get("state", "")).casefold() in FINAL_SUCCESS | FINAL_FAILURE
    ]
    if ending:
        last = ending[-1]
        state = str(last.get("state")).casefold()
        when = _text(last.get("created_at") or last.get("createdAt"))
        return ("success" if state in FINAL_SUCCESS else "failure"), when, state
    states = {str(s.get("state", "")).casefold() for s in statuses}
    if "inactive" in states or "destroyed" in states:
        return "success", None, "inactive"
    seen = ", ".join(sorted(s for s in states if s)) or "no status"
    return None, None, seen


def _service(record: dict) -> str | None:
    url = _text(record.get("repository_url"))
    if url:
        return url.rstrip("/").rsplit("/", 1)[-1] or None
    return _text(_payload(record).get("service")) or _text(record.get("environment"))


def _kind(record: dict) -> str | None:
    kind = _text(_payload(record).get("kind")) or _text(record.get("kind"))
    words = cols.word_key(pd.Series([kind or "", _text(record.get("task")) or ""]))
    if words.iloc[0] in cols.ROLLBACK_WORDS or "rollback" in words.iloc[1]:
        return "rollback"
    if words.iloc[0] in cols.HOTFIX_WORDS or "hotfix" in words.iloc[1]:
        return "hotfix"
    return None


def _commit(record: dict) -> str | None:
    payload = _payload(record)
    for key in ("first_commit_at", "commit_at"):
        value = _text(record.get(key)) or _text(payload.get(key))
        if value:
            return value
    return None


def read_github(records: list[Any], *, timezone: str = "UTC", now: pd.Timestamp) -> DeliveryRead:
    """Read GitHub deployments (module docstring) into a ``DeliveryRead``."""

    if not looks_like_github(records):
        keys = sorted({str(k) for r in records[:20] if isinstance(r, dict) for k in r})[:15]
        raise KindUnclear(
            "the JSON records do not look like GitHub deployments (an environment and a sha, "
            f"ref or statuses on each); the fields seen are {', '.join(keys) or 'none'}"
        )
    dicts = [r if isinstance(r, dict) else {} for r in records]
    outcomes = [_outcome(r) for r in dicts]
    numbers = np.arange(1, len(dicts) + 1)
    table = pd.DataFrame(
        {
            "id": [_text(r.get("id")) for r in dicts],
            "created_at": [_text(r.get("created_at")) for r in dicts],
            "status_at": [o[1] for o in outcomes],
            "outcome": [o[0] for o in outcomes],
            "state": [o[2] for o in outcomes],
            "environment": [_text(r.get("environment")) for r in dicts],
            "service": [_service(r) for r in dicts],
            "kind": [_kind(r) for r in dicts],
            "commit_at": [_commit(r) for r in dicts],
            "sha": [_text(r.get("sha")) for r in dicts],
        }
    )
    problems: list[ImportProblem] = []

    def times(column: str, field: str) -> pd.Series:
        parsed = parse_timestamps(table[column], column=field, rows=numbers, timezone=timezone)
        problems.extend(parsed.problems)
        return parsed.values

    def report(mask, field: str, values: pd.Series | None, message: str) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool))[:2000]:
            value = values.iloc[i] if values is not None else None
            problems.append(
                ImportProblem(row=int(numbers[i]), column=field, value=clip(value), message=message)
            )

    created = times("created_at", "created_at")
    status_at = times("status_at", "statuses.created_at")
    commit = times("commit_at", "first_commit_at")
    deployed = status_at.fillna(created)
    finished = table["outcome"].notna().to_numpy(dtype=bool)
    report(finished & deployed.isna().to_numpy(dtype=bool), "created_at", None, "no time")
    report(
        (deployed > now + FUTURE_SLACK).fillna(False),
        "created_at",
        table["created_at"],
        "the deployment time is in the future",
    )
    report(
        (commit > deployed).fillna(False),
        "first_commit_at",
        table["commit_at"],
        "the first commit is after the deployment",
    )
    report(
        (table["id"].notna() & table["id"].duplicated()).to_numpy(),
        "id",
        table["id"],
        "this id is used by an earlier record too",
    )
    for column, field in (
        ("id", "id"),
        ("service", "repository_url"),
        ("environment", "environment"),
    ):
        long = (table[column].str.len() > 200).fillna(False).to_numpy(dtype=bool)
        report(long, field, table[column], "longer than 200 characters")
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.row or 0))
    environment = table["environment"]
    keys = cols.word_key(environment)
    production = keys.isin(cols.PRODUCTION_WORDS).fillna(False).to_numpy(dtype=bool)
    keep = finished.copy()
    notes = []
    if production.any() and not production[finished].all():
        others = sorted(set(environment[finished & ~production].dropna()))
        left = cols.counted(int((finished & ~production).sum()), "deployment")
        notes.append(
            f"Left out {left} to other environments than production ({', '.join(others[:5])}): "
            "the DORA keys count deployments to production"
        )
        keep &= production
    unfinished = int((~finished).sum())
    if unfinished:
        states = ", ".join(sorted(set(table.loc[~finished, "state"].astype(str)))[:5])
        unfinished_words = cols.counted(unfinished, "deployment")
        notes.append(f"Left out {unfinished_words} that had not finished ({states})")
    if not finished.any():
        raise ImportFailed("no deployment in the file has finished (a success or failure status)")
    frame = pd.DataFrame(
        {
            "external_id": table["id"],
            "deployed_at": deployed,
            "service": table["service"],
            "environment": environment,
            "status": table["outcome"],
            "kind": table["kind"],
            "commit_at": commit,
            "change_ids": table["sha"].map(lambda s: (s,) if s else ()),
        }
    )[keep].reset_index(drop=True)
    columns = {
        "deployed_at": "statuses[].created_at (else created_at)",
        "status": "statuses[].state",
        "service": "repository_url",
        "environment": "environment",
        "external_id": "id",
        "change_ids": "sha",
    }
    if frame["commit_at"].notna().any():
        columns["commit_at"] = "first_commit_at"
    else:
        notes.append(
            "the file names no first commit time (GitHub does not keep one): lead time for "
            "changes cannot be computed from it"
        )
    evidence = f"{len(records)} records look like GitHub deployments with their statuses"
    return DeliveryRead(
        "deployments",
        "github-deployments",
        DeliveryLog(deployments=frame),
        columns,
        evidence,
        tuple(notes),
        left_out=int((~keep).sum()),
    )
