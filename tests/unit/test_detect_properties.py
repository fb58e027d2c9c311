"""Property: for any generated table of any format, with its columns renamed to the spellings
tools use and shuffled, detection picks the right format (with the right columns and counts)
or refuses (``FormatUnclear``) — never another format, never a wrong reading."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.export_shapes import (
    SPELLINGS,
    STAGE_NAMES,
    TABLE_FORMATS,
    TABLE_GENERATORS,
    Export,
    Variant,
)
from vsm_core.importers.detect import FormatUnclear
from vsm_core.importers.pipeline import import_bytes


def _same_name(a: str, b: str) -> bool:
    """Header spellings that a reader could not tell apart (case, spaces, punctuation)."""
    return re.sub(r"[^0-9a-z]", "", a.casefold()) == re.sub(r"[^0-9a-z]", "", b.casefold())


@st.composite
def variants(draw) -> Variant:
    return Variant(
        quoted=draw(st.booleans()),
        bom=draw(st.booleans()),
        sep=draw(st.sampled_from((",", ";", "\t"))),
        shuffle=draw(st.integers(0, 10_000)),
        crlf=draw(st.booleans()),
    )


@st.composite
def table_files(draw) -> Export:
    """A file of one table format, columns renamed from the tools' spellings and shuffled."""
    format_name = draw(st.sampled_from(TABLE_FORMATS))
    names: dict[str, str] = {}
    for role, spellings in SPELLINGS[format_name].items():
        free = [s for s in spellings if not any(_same_name(s, t) for t in names.values())]
        names[role] = draw(st.sampled_from(free))
    extra = {}
    if format_name == "stages":
        extra["stages"] = draw(st.sampled_from(STAGE_NAMES))
    if format_name == "transitions":
        extra["created"] = draw(st.booleans())
    return TABLE_GENERATORS[format_name](
        draw(st.integers(0, 100_000)),
        draw(st.integers(4, 25)),
        names=names,
        **extra,
        **vars(draw(variants())),
    )


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(export=table_files())
def test_detection_picks_the_right_format_or_refuses(export):
    try:
        result = import_bytes(export.data, export.filename)
    except FormatUnclear as unclear:
        event(f"{export.shape}: refused")
        # Refusing is allowed; the refusal must still say what to pass.
        assert "--format" in str(unclear)
        return
    event(f"{export.shape}: read as {result.format}")
    why = (
        f"{export.filename} ({export.shape}) read as {result.format} "
        f"({result.detection.evidence}) with {result.mapping}\n{export.text[:400]}"
    )
    assert result.format in export.accepted, why
    assert {role: result.mapping.get(role) for role in export.roles} == export.roles, why
    items, events = export.counts[result.format]
    assert (len(result.dataset.items), len(result.dataset.events)) == (items, events), why
    assert result.implausible == (), why
    assert result.detection.format == result.format
