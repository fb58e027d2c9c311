"""A first workflow drafted from the statuses of an import, for the user to edit.

:func:`suggest_category` guesses a status's category from its name,
:func:`category_from_file` from the status category the exporting tool wrote
beside it, :func:`suggest_workflow` drafts a whole workflow (one stage per
status) and :func:`order_statuses_by_flow` orders an event log's statuses as
the items move through them. The workflow file format and its errors are in
:mod:`vsm_core.workflow`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow, normalise_status
from vsm_core.ordering import first_appearance, grouped_time_order
from vsm_core.timeutil import sortable_micros
from vsm_core.workflow import WorkflowFileError, validation_messages

__all__ = [
    "FILE_CATEGORIES",
    "category_from_file",
    "order_statuses_by_flow",
    "suggest_category",
    "suggest_workflow",
]


def _rules(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ACTIVITY = (
    r"dev|development|analysis|analyse|analyze|design|test|testing|qa|review|code|coding|"
    r"build|implementation|refinement"
)
# Evaluated in this order; the first rule that matches wins.
_CATEGORY_RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (
        Category.CANCELLED,
        _rules(
            r"cancel",
            r"\bwon'?t(?=\b|fix|do)",
            r"\bcan'?t ?fix|\bcannot ?fix",
            r"\breject",
            r"\binvalid",
            r"\bduplicate",
            r"\babandon",
            r"\bdeclin",
            r"\bobsolete",
            r"\bnot ?a ?bug",
            r"\bworks ?for ?me",
        ),
    ),
    # "Dev Done", "Analysis complete": a queue after an activity, not the end of the flow.
    (Category.WAITING, _rules(rf"\b(?:{_ACTIVITY})\s*(?:done|complete|completed|finished)\b")),
    (
        Category.DONE,
        _rules(
            r"\bdone\b",
            r"\bclosed\b",
            r"\bresolved",
            r"\breleased",
            r"\bcomplete",
            r"\bdeployed",
            r"\bshipped",
            r"\bfinished",
            r"\bfixed",
            r"\blive\b",
        ),
    ),
    (
        Category.BACKLOG,
        _rules(
            r"\bbacklog",
            r"\bnew\b",
            r"\bopen(?:ed)?\b",
            r"\breopen",
            r"\bto ?do\b",
            r"\bidea",
            r"triage",
            r"\bpropos",
            r"\bfunnel",
            r"\binbox",
            r"\bnot started",
        ),
    ),
    (
        Category.WAITING,
        _rules(
            r"wait",
            r"\bready\b",
            r"review",
            r"\bblocked",
            r"queue",
            r"\bpending",
            r"\bon hold\b|\bhold\b",
            r"\bto test",
            r"\bapprov",
            r"\bsign ?off",
            r"\bneeds?\b|\bneeds",
            r"\bselected\b",
            r"\bincomplete\b",
        ),
    ),
    (
        Category.ACTIVE,
        _rules(
            r"progress",
            r"\bdoing",
            r"develop",
            r"implement",
            r"analys|analyz",
            r"design",
            r"test",
            r"\bqa\b",
            r"\bbuild",
            r"\bdeploying",
            r"\bworking",
        ),
    ),
)


def _status_words(status: str) -> str:
    """Lower-case words of a status: camelCase split, ``_ - / .`` and curly quotes normalised."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(status))
    text = text.replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = re.sub(r"[_\-/.:()\[\],]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def suggest_category(status: str) -> Category:
    """A suggested category for a raw status, from its name.

    The name is lower-cased, camelCase is split ("InProgress" -> "in
    progress") and ``_ - / . : ( ) [ ] ,`` become spaces. Rules are tried in
    this order; the first match wins ("\\b" = start of a word):

    1. **cancelled** – "cancel" (cancelled, canceled), "won't"/"wont" (Won't
       Fix, wontfix), "reject", "invalid", "duplicate", "abandon", "declin",
       "obsolete", "not a bug", "works for me"/"worksforme". Before done, so
       "Closed - Won't Fix" is cancelled.
    2. **waiting** – an activity word followed by done/complete/finished
       ("Dev Done", "Analysis complete", "Testing finished"): in Kanban these
       are queues after an activity, not the end of the flow.
    3. **done** – the words "done", "closed", "live"; words starting with
       "resolved", "released", "complete", "deployed", "shipped", "finished",
       "fixed" (so "Unresolved" and "Incomplete" are not done).
    4. **backlog** – "backlog", "new", "open"/"opened", "reopen…", "to do"/
       "todo", "idea…", "triage" anywhere ("Needs triage" and "needstriage" are
       backlog: nothing is committed before triage), "propos…", "funnel",
       "inbox", "not started".
    5. **waiting** – "wait" anywhere (awaiting, sitewait), "ready" ("Ready for
       Development" is waiting, not active), "review" anywhere, "blocked",
       "queue", "pending", "hold"/"on hold", "to test", "approv…" (approval),
       "sign off"/"signoff", "need"/"needs", "selected" (Selected for
       Development), "incomplete" (needs more information).
    6. **active** – "progress", "doing", "develop", "implement", "analys"/
       "analyz" ("In Analyse", "In Analysis"), "design", "test", "qa",
       "build", "deploying", "working".
    7. Anything else: **active** (unknown statuses are assumed to be work).
    """
    words = _status_words(status)
    for category, pattern in _CATEGORY_RULES:
        if pattern.search(words):
            return category
    return Category.ACTIVE


#: A tool's own status categories (normalised: lower case, letters only) -> the category
#: they seed. Jira: To Do / In Progress / Done; Azure DevOps state categories: Proposed /
#: InProgress / Resolved / Completed / Removed; GitHub / Linear style open / started / closed.
FILE_CATEGORIES: dict[str, Category | None] = {
    "todo": Category.BACKLOG,
    "new": Category.BACKLOG,
    "proposed": Category.BACKLOG,
    "backlog": Category.BACKLOG,
    "unstarted": Category.BACKLOG,
    "triage": Category.BACKLOG,
    "open": Category.BACKLOG,
    "inprogress": None,  # active or waiting, as the status name says
    "indeterminate": None,  # Jira's API key of "In Progress"
    "started": None,
    "resolved": None,  # Azure DevOps: fixed, awaiting verification — still in the flow
    "done": Category.DONE,
    "completed": Category.DONE,
    "complete": Category.DONE,
    "closed": Category.DONE,
    "removed": Category.CANCELLED,
    "canceled": Category.CANCELLED,
    "cancelled": Category.CANCELLED,
}


def category_from_file(status: str, file_category: str) -> Category | None:
    """The category a status gets when its export names its status category; None when the
    file's category is not one Flowlab knows (the name alone then decides).

    * a backlog-like file category (To Do, Proposed, New, …) gives **backlog**, unless
      the name says the item was dropped (**cancelled**: "Won't Do" in To Do);
    * a done-like one (Done, Completed, Closed) gives **done**, unless the name is a
      non-delivery ending ("Can't Fix", "Won't Do", "Duplicate", "Rejected", …) ->
      **cancelled**;
    * an in-progress one (In Progress, Resolved, started) gives **waiting** when the name
      reads as a queue (Ready…, Review, Blocked, …) and **active** otherwise;
    * Removed / Cancelled gives **cancelled**.
    """
    key = re.sub(r"[^a-z]", "", str(file_category).casefold())
    if key not in FILE_CATEGORIES:
        return None
    by_name = suggest_category(status)
    seeded = FILE_CATEGORIES[key]
    if by_name == Category.CANCELLED:
        return Category.CANCELLED
    if seeded is None:
        return Category.WAITING if by_name == Category.WAITING else Category.ACTIVE
    return seeded


def _file_category(spellings: list[str], file_categories: dict[str, str] | None):
    """The category the file gives the first spelling of a status that it categorises."""
    for spelling in spellings:
        given = (file_categories or {}).get(spelling)
        if given:
            return category_from_file(spelling, given)
    return None


def suggest_workflow(
    statuses: list[str],
    *,
    counts: dict[str, int] | None = None,
    file_categories: dict[str, str] | None = None,
) -> Workflow:
    """A first workflow for the given raw statuses, for the user to edit.

    * One stage per distinct status, ignoring case and surrounding spaces; its
      ``statuses`` are every spelling seen (stripped, first-seen order). Its
      name is the first spelling seen or, when ``counts`` (raw status -> number
      of events) is given, the most frequent spelling (ties: first seen).
    * Stages keep the given order, except that stages suggested as done and
      then cancelled move to the end (each keeping its relative order), so the
      flow reads left to right.
    * Categories come from :func:`suggest_category`, seeded by the file's own
      status category where it has one (``file_categories``: raw status ->
      the category the tool exported, e.g. Jira's "To Do" / "In Progress" /
      "Done"; see :func:`category_from_file`); ``start`` is ``None``.
    * When no stage is active or waiting but some stage is done, the last
      backlog stage becomes active (e.g. GitHub's open -> closed: the work
      happens while open). Otherwise (every status is backlog, or done /
      cancelled only, or no statuses) :class:`WorkflowFileError` is raised.
    """
    spellings: dict[str, list[str]] = {}
    for raw in statuses:
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            continue
        text = str(raw).strip()
        if not text:
            continue
        group = spellings.setdefault(normalise_status(text), [])
        if text not in group:
            group.append(text)
    if not spellings:
        raise WorkflowFileError("no statuses to suggest a workflow from")

    totals: dict[str, int] = {}
    for raw, n in (counts or {}).items():
        text = str(raw).strip()
        totals[text] = totals.get(text, 0) + int(n)

    drafts: list[tuple[str, tuple[str, ...], Category]] = []
    for group in spellings.values():
        name = max(group, key=lambda s: (totals.get(s, 0), -group.index(s))) if totals else group[0]
        seeded = _file_category(group, file_categories)
        drafts.append((name, tuple(group), seeded or suggest_category(name)))

    def rank(draft: tuple[str, tuple[str, ...], Category]) -> int:
        return {Category.DONE: 1, Category.CANCELLED: 2}.get(draft[2], 0)

    drafts.sort(key=rank)  # stable: relative order kept within each block
    categories = [d[2] for d in drafts]
    if not any(c in (Category.ACTIVE, Category.WAITING) for c in categories):
        backlog = [i for i, c in enumerate(categories) if c == Category.BACKLOG]
        if not backlog or Category.DONE not in categories:
            seen = ", ".join(d[0] for d in drafts[:6]) + (", ..." if len(drafts) > 6 else "")
            raise WorkflowFileError(
                "cannot suggest a workflow: none of the statuses looks like work in progress "
                f"({seen}); write a workflow file with at least one active or waiting stage"
            )
        i = backlog[-1]
        drafts[i] = (drafts[i][0], drafts[i][1], Category.ACTIVE)

    stages = tuple(Stage(name=n, statuses=s, category=c) for n, s, c in drafts)
    try:
        return Workflow(stages=stages)
    except ValidationError as error:  # e.g. two spellings whose stripped names clash
        raise WorkflowFileError(validation_messages(error)) from None


def order_statuses_by_flow(
    events: pd.DataFrame,
    *,
    item_codes: np.ndarray | None = None,
    status_codes: tuple[np.ndarray, Any] | None = None,
) -> list[str]:
    """A suggested flow order for the statuses of an event log.

    ``events`` has the columns ``item_id``, ``status``, ``entered_at`` and
    ``seq`` (``seq`` optional). Each item's events are ordered by
    ``(entered_at, seq)``; an event's normalised position is ``position /
    (n - 1)`` for an item with ``n`` events (0 = first, 1 = last). A status
    (case and surrounding spaces ignored) is ranked by the median, over the
    items that visit it, of the position of its first visit. Items with a
    single event carry no order and are ignored; statuses seen only in such
    items come last. Ties go by first appearance in time order. Every spelling
    of a status is returned, adjacent, in first-appearance order.

    ``item_codes`` (optional) gives an integer code per event standing for
    its item id (equal codes for equal ids, ``>= 0``), and ``status_codes``
    (optional) ``pd.factorize(events["status"])``, saving the hashing of
    the ids' and statuses' text when the caller has the codes already.
    """
    if events is None or len(events) == 0:
        return []
    spelling_code, spellings = _spellings(events["status"], status_codes)
    present = spelling_code >= 0
    if not present.any():
        return []
    every = bool(present.all())  # usually: then nothing is copied to drop blanks

    def kept(values: np.ndarray) -> np.ndarray:
        return values if every else values[present]

    spelling_code = kept(spelling_code)
    key_of_spelling, keys = pd.factorize(pd.Series(spellings, dtype="str").str.casefold())
    key = key_of_spelling[spelling_code]
    if item_codes is None:
        item_codes = pd.factorize(events["item_id"].astype("str"))[0]
    item = kept(np.asarray(item_codes))
    t = kept(sortable_micros(events["entered_at"]))  # missing times last
    seq = (
        kept(events["seq"].to_numpy(dtype=np.int64))
        if "seq" in events
        else np.flatnonzero(present).astype(np.int64)
    )

    # Each item's events in (t, seq) order; usually they already are, grouped by item.
    order = grouped_time_order(item, t, seq)
    item_s = item if order is None else item[order]
    key_s = key if order is None else key[order]
    n_events = len(item_s)
    heads = np.ones(n_events, dtype=bool)
    heads[1:] = item_s[1:] != item_s[:-1]
    head_index = np.maximum.accumulate(np.where(heads, np.arange(n_events), 0))

    # Each item's first visit of each status, at its normalised position in the item,
    # then the median over items per status.
    first_visit = _first_visits(item_s, key_s, len(keys))
    position = first_visit - head_index[first_visit]
    size = np.bincount(item_s)[item_s[first_visit]]
    median = _median_positions(position, size, key_s[first_visit], len(keys))

    # Rank by first appearance in time order, of each status and of each spelling (all occur).
    first_seen = np.argsort(first_appearance(key, len(keys), (t, seq)))
    spelling_seen = np.argsort(first_appearance(spelling_code, len(spellings), (t, seq)))

    ranking = pd.DataFrame(
        {"unranked": median.isna().to_numpy(), "median": median.to_numpy(), "first": first_seen}
    ).sort_values(["unranked", "median", "first"], kind="stable")
    rank_of_key = np.empty(len(keys), dtype=np.int64)
    rank_of_key[ranking.index.to_numpy()] = np.arange(len(keys))
    spelling_order = np.lexsort((spelling_seen, rank_of_key[key_of_spelling]))
    return [str(spellings[i]) for i in spelling_order]


def _spellings(statuses: pd.Series, codes=None) -> tuple[np.ndarray, pd.Index]:
    """(code per event of its stripped status, -1 when blank; the stripped spellings in
    first-appearance order).

    Only the few distinct raw statuses are converted and stripped. ``codes``
    is ``pd.factorize`` of ``statuses`` or of a longer column they were
    taken from (its distinct values may then include some that do not occur,
    and be in another order: the first appearances are found here).
    """
    raw_code, raw = pd.factorize(statuses) if codes is None else codes
    in_order = first_appearance(raw_code, len(raw))
    stripped = pd.Series(np.asarray(raw, dtype=object)[in_order], dtype=object)
    stripped = stripped.astype("str").str.strip()
    spelling_in_order, spellings = pd.factorize(stripped.where(stripped != ""))
    spelling_of_raw = np.full(len(raw) + 1, -1, dtype=np.int64)  # the last slot: missing
    spelling_of_raw[in_order] = spelling_in_order
    return spelling_of_raw[raw_code], spellings


def _median_positions(
    position: np.ndarray, size: np.ndarray, key: np.ndarray, n_keys: int
) -> pd.Series:
    """Per key ``0..n_keys-1``, the median of ``position / (size - 1)`` over the visits with
    ``size > 1`` (NaN for a key with none), as ``groupby(key).median()`` gives it.

    Positions and sizes are small counts, so the values are few distinct
    fractions: the visits are counted per (key, position, size) and each
    key's middle value(s) read off the sorted distinct values (the mean of
    the two middle ones for an even count, as pandas takes it). Falls back
    to ``groupby`` when items are long enough to make that table large.
    """
    norm_of = np.where(size > 1, position / np.maximum(size - 1, 1), np.nan)
    longest = int(size.max(initial=1))
    if n_keys * longest * longest > 4_000_000:
        median = pd.Series(norm_of).groupby(key).median()
        return median.reindex(range(n_keys))
    counts = np.bincount(
        (key.astype(np.int64) * longest + position) * longest + (size - 1),
        minlength=n_keys * longest * longest,
    ).reshape(n_keys, longest * longest)
    pairs = np.arange(longest * longest)
    p, d = pairs // longest, pairs % longest  # position, size - 1
    value = np.where(d > 0, p / np.maximum(d, 1), np.nan)  # the same division as above
    usable = (d > 0) & (p <= d)
    order = np.flatnonzero(usable)[np.argsort(value[usable], kind="stable")]
    medians = np.full(n_keys, np.nan)
    for k in range(n_keys):  # a few statuses, each a few hundred distinct values
        tally = counts[k, order]
        total = int(tally.sum())
        if not total:
            continue
        cumulative = np.cumsum(tally)
        upper = value[order[np.searchsorted(cumulative, total // 2, side="right")]]
        if total % 2:
            medians[k] = upper
        else:
            lower = value[order[np.searchsorted(cumulative, total // 2 - 1, side="right")]]
            medians[k] = (upper + lower) / 2
    return pd.Series(medians)


def _first_visits(item: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """The positions of each (item, key) pair's first event (in no particular order: they
    feed a per-status median)."""
    visit = item.astype(np.int64) * n_keys + key
    slots = (int(item.max()) + 1) * n_keys if len(item) else 0
    if slots > 4 * len(item) + 1024:  # many statuses: hash the pairs instead of a table
        return np.flatnonzero(~pd.Series(visit).duplicated().to_numpy())
    first = np.full(slots, len(item), dtype=np.int64)  # a table: one slot per pair
    np.minimum.at(first, visit, np.arange(len(item)))
    return first[first < len(item)]
