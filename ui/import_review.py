"""The pieces of the Import page's review screen: how the file was read, its columns, its
data quality, and the Save row (disabled, with the reason beside it, when saving would be
wrong or pointless).

User text (file, column and status names, evidence naming columns) goes through
:func:`ui.plain.md` or into dataframes, never into Markdown as typed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from ui.plain import md, md_list
from vsm_core.importers.pipeline import ImportResult, format_roles
from vsm_core.quality import QualityReport

NO_COLUMN = "—"
#: Each column role in words (the CLI's ``--map ROLE=COLUMN`` keeps the names).
ROLE_WORDS = {
    "item_id": "Item id",
    "title": "Title",
    "type": "Work type",
    "team": "Team",
    "labels": "Labels",
    "blocked_days": "Blocked days",
    "status": "Status",
    "from_status": "Previous status",
    "timestamp": "Changed at",
    "status_category": "Status category",
    "created": "Created",
    "started": "Started",
    "done": "Done",
    "cancelled": "Cancelled",
}


def role_words(role: str) -> str:
    """A column role as the interface names it (the role itself when it has no words)."""
    return ROLE_WORDS.get(role, role)


ORDER_WORDS = {"dayfirst": "day-first", "monthfirst": "month-first", None: "unambiguous"}


# --------------------------------------------------------------------------- how it was read


def reading_summary(result: ImportResult, filename: str) -> None:
    """The format used and why, then the file's shape; the first rows folded away."""
    detection = result.detection
    how = "chosen by you" if detection.chosen_by_user else "detected"
    st.markdown(
        f"**{md(filename)}** is read as **{md(result.format)}** ({how}): {md(detection.evidence)}"
    )
    upload = result.upload
    if upload.table is not None:
        table = upload.table
        sep = {"\t": "tab", None: "—"}.get(table.separator, table.separator)
        facts = (
            f"{len(table.frame)} rows, {len(table.columns)} columns · encoding "
            f"{md(table.encoding)} · separator {md(sep)}"
        )
        with st.expander(f"The file: {facts}"):
            st.dataframe(table.frame.head(20), hide_index=True)
    else:
        st.caption(f"{len(upload.records)} JSON records.")
    for note in result.notes:
        st.caption(f"Note: {md(note)}")
    if result.date_orders:
        orders = "; ".join(f"{md(c)} — {ORDER_WORDS[o]}" for c, o in result.date_orders.items())
        st.caption(f"Dates read as: {orders} (change under File options).")


# --------------------------------------------------------------------------- columns


def column_mapping(result: ImportResult, *, key: str, on_pick: Callable[[str, str], None]) -> None:
    """Role -> column as read, with the columns that fit a role too offered right there.

    A role with alternatives (``Status`` or ``Sub Status``) gets its select in
    view, and keeps it there once the user picked from it (the pick leaves no
    alternatives); every other role's select is folded away, and stays there.
    ``on_pick(role, column)`` records a choice (the next run parses with it).
    """
    roles = _roles(result)
    if not roles:
        st.caption(
            "JSON fields read: "
            + md_list(f"{role_words(r)} ← {c}" for r, c in result.mapping.items())
        )
        return
    alternatives = result.detection.alternatives
    st.dataframe(_mapping_table(result, roles), hide_index=True)
    # Keys change with the mapping, so every select shows what this run read.
    stamp = hashlib.sha1(repr(sorted(result.mapping.items())).encode()).hexdigest()[:8]
    kept = st.session_state.setdefault(f"{key}_in_view", set())
    in_view = [r for r in roles if r in result.mapping and (alternatives.get(r) or r in kept)]
    for role in in_view:
        kept.add(role)
        _role_select(result, role, f"{key}_{stamp}_{role}", on_pick, prominent=True)
    folded = [r for r in roles if r not in in_view]
    with st.expander("Change the columns"):
        grid = st.columns(3)
        for index, role in enumerate(folded):
            with grid[index % 3]:
                _role_select(result, role, f"{key}_{stamp}_{role}", on_pick, prominent=False)


def _roles(result: ImportResult) -> list[str]:
    if result.upload.table is None:
        return []
    required, optional = format_roles(result.format)
    return [*required, *optional]


def _mapping_table(result: ImportResult, roles: list[str]) -> pd.DataFrame:
    required = set(format_roles(result.format)[0])
    alternatives = result.detection.alternatives
    rows = [
        {
            "role": role_words(role) + (" *" if role in required else ""),
            "column": result.mapping.get(role, NO_COLUMN),
            "also fits": ", ".join(alternatives.get(role, ())),
        }
        for role in roles
        if role in result.mapping or role in required
    ]
    return pd.DataFrame(rows, columns=["role", "column", "also fits"])


def _role_select(result, role: str, key: str, on_pick, *, prominent: bool) -> None:
    columns = list(result.upload.table.columns)
    current = result.mapping.get(role)
    others = result.detection.alternatives.get(role, ())
    if prominent and others:
        options = [current, *others]
        label = f"Column for {role_words(role)} ({len(options)} fit)"
    elif prominent:
        options = columns
        label = f"Column for {role_words(role)}"
    else:
        options = columns if current else [NO_COLUMN, *columns]
        label = role_words(role)
    st.selectbox(
        label,
        options,
        index=options.index(current) if current else 0,
        key=key,
        on_change=_picked,
        args=(key, role, on_pick),
    )


def name_columns(
    columns: list[str], roles: tuple[str, ...], picked: dict[str, str], *, key: str, on_pick
) -> None:
    """One select per required role, for a chosen format that found no column for some."""
    grid = st.columns(4)
    for index, role in enumerate(roles):
        options = [NO_COLUMN, *columns]
        current = picked.get(role)
        widget_key = f"{key}_{role}"
        grid[index % 4].selectbox(
            f"{role_words(role)} *",
            options,
            index=options.index(current) if current in options else 0,
            key=widget_key,
            on_change=_picked,
            args=(widget_key, role, on_pick),
        )


def _picked(key: str, role: str, on_pick) -> None:
    column = st.session_state[key]
    if column != NO_COLUMN:
        on_pick(role, column)


# --------------------------------------------------------------------------- quality


def quality_summary(report: QualityReport | None, *, items: int, events: int) -> None:
    """Counts, the checks that fired, and every check folded away."""
    st.markdown(f"{items} items, {events} status events.")
    if report is None:
        return
    rows = [
        {"check": c.label, "count": c.count, "examples": "; ".join(c.examples)}
        for c in report.findings
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption("No data-quality findings.")
    with st.expander("Every check"):
        st.dataframe(
            pd.DataFrame(
                [
                    {"check": c.label, "count": c.count, "severity": c.severity}
                    for c in report.checks
                ]
            ),
            hide_index=True,
        )


# --------------------------------------------------------------------------- saving


def save_row(
    label: str,
    *,
    key: str,
    blocked: str | None = None,
    implausible: tuple[str, ...] = (),
) -> bool:
    """The Save button; True when pressed.

    ``blocked`` is a reason nothing can be saved (shown beside the disabled
    button). ``implausible`` findings disable it too, until the user ticks
    "store anyway" (the page's ``--force``).
    """
    if not blocked and not implausible:
        return st.button(label, type="primary", key=key)
    left, right = st.columns([2, 3])
    forced = False
    with right:
        if blocked:
            st.info(blocked)
        else:
            st.error(
                "Not saved while this reading looks wrong:\n\n"
                + "\n".join(f"- {md(finding)}" for finding in implausible)
            )
            forced = st.checkbox(
                "Store anyway: I checked, the reading is right (like the CLI's --force)",
                key=f"{key}_force",
            )
    with left:
        return st.button(
            label, type="primary", key=key, disabled=bool(blocked) or not forced, width="stretch"
        )
