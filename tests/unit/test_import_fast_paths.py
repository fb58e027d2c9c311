"""The parsers' integer-code fast paths give exactly what the general paths give.

* ``collapse_repeats``: codes and (only when needed) one ``np.lexsort``,
  against sorting the frame by the ids' text;
* ``row_items`` (one ``groupby`` over the ids' codes): against its definition
  written item by item in Python;
* ``order_statuses_by_flow``: against the implementation it replaced
  (kept below as the reference), with and without the parser's item codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.importers.formats import common
from vsm_core.importers.formats import events as events_format
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import import_bytes
from vsm_core.importers.table import RawTable
from vsm_core.model import make_items
from vsm_core.workflow_suggest import order_statuses_by_flow

IDS = ["A-1", "A-2", "B-1", "b-1", "C-10"]
STATUSES = ["To Do", " to do", "Doing", "DOING ", "Done", "", None, "Blocked"]
TIMES = [
    "2024-01-01 09:00",
    "2024-01-01 09:00",
    "2024-01-02 10:00",
    "2024-01-03 08:30",
    "2024-01-03 08:30:00.000001",
    None,
]


@st.composite
def event_logs(draw, *, blank_ids: bool = True, max_rows: int = 25):
    """An event log as a parser builds it: grouped and in time order, or not at all."""
    size = draw(st.integers(0, max_rows))
    ids = draw(
        st.lists(st.sampled_from([*IDS, None] if blank_ids else IDS), min_size=size, max_size=size)
    )
    statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=size, max_size=size))
    times = draw(st.lists(st.sampled_from(TIMES), min_size=size, max_size=size))
    frame = pd.DataFrame(
        {
            "item_id": pd.Series(ids, dtype="str"),
            "status": pd.Series(statuses, dtype="str"),
            "entered_at": pd.to_datetime(
                pd.Series(times, dtype=object), format="ISO8601"
            ).dt.tz_localize("UTC"),
            "seq": np.arange(size, dtype=np.int64),
        }
    )
    frame["entered_at"] = frame["entered_at"].astype("datetime64[us, UTC]")
    shape = draw(st.sampled_from(["as drawn", "grouped", "shuffled seq", "duplicate seq"]))
    if shape == "grouped" and size:
        frame = frame.sort_values(["item_id", "entered_at", "seq"], kind="stable")
        frame = frame.reset_index(drop=True).assign(seq=np.arange(size))
    elif shape == "shuffled seq":
        frame["seq"] = draw(st.permutations(list(range(size))))
    elif shape == "duplicate seq":
        frame["seq"] = draw(st.lists(st.integers(0, 3), min_size=size, max_size=size))
    return frame


# --- collapse_repeats ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(events=event_logs())
def test_collapse_repeats_equals_sorting_by_the_ids_text(events):
    expected = common._collapse_by_sorting(events) if len(events) else events
    pd.testing.assert_frame_equal(common.collapse_repeats(events), expected)
    codes = common.factorize_ids(events["item_id"])[0]
    pd.testing.assert_frame_equal(common.collapse_repeats(events, item_codes=codes), expected)


def test_collapse_repeats_fast_path_is_taken_for_a_grouped_log_and_keeps_the_dtypes():
    events = pd.DataFrame(
        {
            "item_id": pd.Series(["A", "A", "A", "B", "B"], dtype="str"),
            "status": pd.Series(["New", " new", "Doing", "New", "NEW"], dtype="str"),
            "entered_at": pd.to_datetime(["2024-01-01"] * 5, utc=True).as_unit("us"),
            "seq": np.arange(5),
        }
    )
    kept = common.kept_events(events, None)
    assert kept.tolist() == [0, 2, 3]
    result = common.collapse_repeats(events)
    pd.testing.assert_frame_equal(result, common._collapse_by_sorting(events))
    assert result["status"].tolist() == ["New", "Doing", "New"]


def test_collapse_repeats_with_duplicate_seq_falls_back_to_the_sort():
    events = pd.DataFrame(
        {
            "item_id": pd.Series(["B", "A"], dtype="str"),
            "status": pd.Series(["x", "y"], dtype="str"),
            "entered_at": pd.to_datetime(["2024-01-01"] * 2, utc=True).as_unit("us"),
            "seq": [0, 0],
        }
    )
    assert common.kept_events(events, None) is None
    assert common.collapse_repeats(events)["item_id"].tolist() == ["A", "B"]  # text order


# --- row_items ----------------------------------------------------------------------------------


def _table(columns: dict[str, list]) -> RawTable:
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype="str" if name != "Sprint" else object)
            for name, values in columns.items()
        }
    )
    return RawTable(
        frame=frame,
        rows=np.arange(2, len(frame) + 2),
        encoding="utf-8",
        separator=",",
        container="csv",
    )


def _blank(value) -> bool:
    return value is None or (not isinstance(value, tuple) and pd.isna(value))


def reference_items(table, mapping, created) -> list[dict]:
    """row_items by its definition, item by item in Python: per distinct id in order of
    first appearance, each column's last non-blank value, the earliest created time, the
    union of the labels in first-seen order, the non-blank attributes (tuples as lists)."""
    ids = common.text(table, mapping["item_id"]).tolist()
    rows_of: dict[str, list[int]] = {}
    for row, item in enumerate(ids):
        if not _blank(item):
            rows_of.setdefault(item, []).append(row)

    def last(column, rows):
        if column is None:
            return None
        values = common.text(table, column).tolist()
        found = [values[r] for r in rows if not _blank(values[r])]
        return found[-1] if found else None

    attributes = common.attribute_columns(table, mapping)
    labels = (
        common.split_labels(table.frame[mapping["labels"]]).tolist() if "labels" in mapping else []
    )
    items = []
    for item, rows in rows_of.items():
        blocked = (
            [
                float(v)
                for v in pd.to_numeric(
                    table.frame[mapping["blocked_days"]], errors="coerce"
                ).to_numpy()[rows]
                if not np.isnan(v)
            ]
            if "blocked_days" in mapping
            else []
        )
        times = [
            created.iloc[r] for r in rows if created is not None and not pd.isna(created.iloc[r])
        ]
        united: dict[str, None] = {}
        for r in rows if labels else []:
            united.update(dict.fromkeys(labels[r]))
        picked = {}
        for column in attributes:
            values = [table.frame[column].iloc[r] for r in rows]
            found = [v for v in values if not _blank(v)]
            if found:
                picked[column] = list(found[-1]) if isinstance(found[-1], tuple) else found[-1]
        items.append(
            {
                "item_id": item,
                "title": last(mapping.get("title"), rows),
                "type": last(mapping.get("type"), rows),
                "team": last(mapping.get("team"), rows),
                "created_at": min(times) if times else None,
                "blocked_days": blocked[-1] if blocked else None,
                "labels": tuple(united),
                "attributes": picked,
            }
        )
    return items


def _as_python(items: pd.DataFrame) -> list[dict]:
    """row_items' frame as the reference's dicts (missing values as None)."""
    records = items.astype(object).where(items.notna(), None).to_dict("records")
    for record in records:
        if record["created_at"] is not None:
            record["created_at"] = pd.Timestamp(record["created_at"])
    return records


def _checked_items(table, mapping, created=None, *, with_codes=True) -> pd.DataFrame:
    ids = common.text(table, mapping["item_id"])
    attributes = common.attribute_columns(table, mapping)
    codes = common.factorize_ids(ids) if with_codes else None
    items = common.row_items(table, ids, mapping, created, attributes, codes=codes)
    assert _as_python(items) == reference_items(table, mapping, created)
    assert list(items.columns) == [
        "item_id",
        "title",
        "type",
        "team",
        "created_at",
        "blocked_days",
        "labels",
        "attributes",
    ]
    assert all(str(items[c].dtype) == "str" for c in ("item_id", "title", "type", "team"))
    assert items["blocked_days"].dtype == np.float64
    assert items.index.equals(pd.RangeIndex(len(items)))
    make_items(items)  # the model takes it as it is
    return items


VALUES = ["a", "b", None, "Ünïcode", " x"]
LABELS = ["ui|api", "api, db", None, "db", "", " ui "]


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    size=st.integers(1, 20),
    with_created=st.booleans(),
    roles=st.sets(st.sampled_from(["title", "type", "team", "blocked_days", "labels"])),
    with_codes=st.booleans(),
)
def test_row_items_equals_its_definition(data, size, with_created, roles, with_codes):
    draw = data.draw
    columns = {"Key": draw(st.lists(st.sampled_from([*IDS, None]), min_size=size, max_size=size))}
    mapping = {"item_id": "Key"}
    for role in sorted(roles):
        pool = {"blocked_days": ["1.5", "2", "x", None], "labels": LABELS}.get(role, VALUES)
        columns[role.title()] = draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
        mapping[role] = role.title()
    for extra in ("Priority", "Component")[: draw(st.integers(0, 2))]:
        columns[extra] = draw(st.lists(st.sampled_from(VALUES), min_size=size, max_size=size))
    if draw(st.booleans()):  # merged repeated headers hold tuples
        cells = st.sampled_from([("S1",), ("S1", "S2"), np.nan])
        columns["Sprint"] = draw(st.lists(cells, min_size=size, max_size=size))
    table = _table(columns)
    created = None
    if with_created:
        stamps = draw(st.lists(st.sampled_from(TIMES), min_size=size, max_size=size))
        created = pd.to_datetime(pd.Series(stamps, dtype=object), format="ISO8601").dt.tz_localize(
            "UTC"
        )
        created = created.astype("datetime64[us, UTC]")
    if all(v is None for v in columns["Key"]):
        return  # no item at all: make_items needs none
    _checked_items(table, mapping, created, with_codes=with_codes)


def test_row_items_picks_each_items_last_non_blank_value_and_earliest_created():
    table = _table(
        {
            "Key": ["A-1", "A-2", "A-1", None, "A-1"],
            "Title": ["First", "x", None, "lost", None],
            "Priority": [None, "Low", "High", "High", None],
        }
    )
    created = pd.Series(
        pd.to_datetime(["2024-01-05", None, "2024-01-02", "2024-01-01", None], utc=True)
    ).astype("datetime64[us, UTC]")
    items = _checked_items(table, {"item_id": "Key", "title": "Title"}, created)
    assert items["item_id"].tolist() == ["A-1", "A-2"]
    assert items["title"].tolist() == ["First", "x"]
    assert items["attributes"].tolist() == [{"Priority": "High"}, {"Priority": "Low"}]
    assert items["created_at"].tolist() == [pd.Timestamp("2024-01-02", tz="UTC"), pd.NaT]
    assert items["labels"].tolist() == [(), ()]


def test_row_items_unites_the_labels_in_first_seen_order():
    table = _table({"Key": ["A-1", "A-1", "A-2", "B"], "Labels": ["ui|api", "api, db", None, "x"]})
    items = _checked_items(table, {"item_id": "Key", "labels": "Labels"})
    assert items["labels"].tolist() == [("ui", "api", "db"), (), ("x",)]


def test_row_items_of_merged_repeated_headers_keeps_lists():
    table = _table({"Key": ["A-1", "A-1", "B"], "Sprint": [("S1",), ("S1", "S2"), np.nan]})
    items = _checked_items(table, {"item_id": "Key"})
    assert items["attributes"].tolist() == [{"Sprint": ["S1", "S2"]}, {}]


# --- order_statuses_by_flow ---------------------------------------------------------------------


def reference_order(events: pd.DataFrame) -> list[str]:
    """order_statuses_by_flow as it was before the fast path (three stable argsorts)."""
    if events is None or len(events) == 0:
        return []
    status = events["status"].astype("str").str.strip().reset_index(drop=True)
    present = (status.notna() & (status != "")).to_numpy(dtype=bool)
    status = status[present]
    if status.empty:
        return []
    item = pd.factorize(events["item_id"].astype("str"))[0][present]
    spelling_code, spellings = pd.factorize(status)
    key_of_spelling, keys = pd.factorize(pd.Series(spellings, dtype="str").str.casefold())
    key = key_of_spelling[spelling_code]
    times = pd.to_datetime(events["entered_at"], utc=True).reset_index(drop=True)[present]
    t = times.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
    seq = (
        events["seq"].to_numpy(dtype=np.int64)[present]
        if "seq" in events
        else np.flatnonzero(present).astype(np.int64)
    )
    by_time = np.argsort(seq, kind="stable")
    by_time = by_time[np.argsort(t[by_time], kind="stable")]
    order = by_time[np.argsort(item[by_time], kind="stable")]
    item_s, key_s = item[order], key[order]
    n_events = len(order)
    heads = np.ones(n_events, dtype=bool)
    heads[1:] = item_s[1:] != item_s[:-1]
    head_index = np.maximum.accumulate(np.where(heads, np.arange(n_events), 0))
    position = np.arange(n_events) - head_index
    size = np.bincount(item_s)[item_s]
    norm = np.where(size > 1, position / np.maximum(size - 1, 1), np.nan)
    _, first_visit = np.unique(item_s.astype(np.int64) * len(keys) + key_s, return_index=True)
    median = pd.Series(norm[first_visit]).groupby(key_s[first_visit]).median()
    median = median.reindex(range(len(keys)))
    first_seen = np.unique(key[by_time], return_index=True)[1]
    spelling_seen = np.unique(spelling_code[by_time], return_index=True)[1]
    ranking = pd.DataFrame(
        {"unranked": median.isna().to_numpy(), "median": median.to_numpy(), "first": first_seen}
    ).sort_values(["unranked", "median", "first"], kind="stable")
    rank_of_key = np.empty(len(keys), dtype=np.int64)
    rank_of_key[ranking.index.to_numpy()] = np.arange(len(keys))
    spelling_order = np.lexsort((spelling_seen, rank_of_key[key_of_spelling]))
    return [str(spellings[i]) for i in spelling_order]


@settings(max_examples=150, deadline=None)
@given(events=event_logs(blank_ids=False), drop_seq=st.booleans())
def test_order_statuses_by_flow_equals_the_three_sort_reference(events, drop_seq):
    if drop_seq:
        events = events.drop(columns="seq")
    expected = reference_order(events)
    assert order_statuses_by_flow(events) == expected
    codes = common.factorize_ids(events["item_id"])[0]
    assert order_statuses_by_flow(events, item_codes=codes) == expected
    # codes of a longer column the events were taken from, as the events parser has them
    longer = pd.concat([pd.Series(["doing ", "Zed", None], dtype="str"), events["status"]])
    raw_code, raw = pd.factorize(longer)
    status_codes = (raw_code[3:], raw)
    assert order_statuses_by_flow(events, status_codes=status_codes) == expected


@settings(max_examples=100, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 400)), max_size=60),
)
def test_first_visits_with_a_table_or_by_hashing_find_the_same_events(pairs):
    from vsm_core.workflow_suggest import _first_visits

    item = np.array(sorted(p[0] for p in pairs), dtype=np.int64)  # grouped, as sorted
    key = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = np.unique(item * 401 + key, return_index=True)[1] if len(pairs) else []
    for n_keys in (401, 10**6):  # a small table, and so many keys that pairs are hashed
        visit = item * 401 + key if n_keys == 401 else item * n_keys + key
        found = _first_visits(item, key, n_keys)
        assert sorted(found.tolist()) == sorted(np.asarray(expected).tolist())
        assert len(set(visit[found].tolist())) == len(found)


def test_order_statuses_by_flow_reads_nanosecond_times_as_the_reference_did():
    events = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "status": ["Second", "First", "First", "Second"],
            # 1 ns apart: equal at microseconds, so seq decides
            "entered_at": pd.to_datetime(
                ["2024-01-01 00:00:00.000000002", "2024-01-01 00:00:00.000000001"] * 2, utc=True
            ),
            "seq": [0, 1, 2, 3],
        }
    )
    assert order_statuses_by_flow(events) == reference_order(events) == ["Second", "First"]


# --- the whole events parser --------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_events_import_equals_the_general_paths_end_to_end(shuffle, monkeypatch):
    rng = np.random.default_rng(7)
    rows = []
    for number in range(60):
        start = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(500)))
        for step in range(int(rng.integers(1, 6))):
            status = ["To Do", "Doing", "doing ", "Review", "Done"][int(rng.integers(5))]
            when = start + pd.Timedelta(hours=3 * step)
            prio = ["High", "", "Low"][int(rng.integers(3))]
            rows.append(f"K-{number},{status},{when:%Y-%m-%dT%H:%M:%SZ},Item {number},{prio}")
    if shuffle:
        rows = [rows[i] for i in rng.permutation(len(rows))]
    data = ("Key,Status,Changed,Title,Priority\n" + "\n".join(rows) + "\n").encode()
    fast = import_bytes(data, "events.csv", ImportOptions(), quality=False)
    monkeypatch.setattr(events_format, "kept_events", lambda *args: None)
    monkeypatch.setattr(common, "kept_events", lambda *args: None)
    monkeypatch.setattr(
        events_format,
        "order_statuses_by_flow",
        lambda events, **codes: reference_order(events),
    )
    slow = import_bytes(data, "events.csv", ImportOptions(), quality=False)
    pd.testing.assert_frame_equal(fast.dataset.items, slow.dataset.items)
    pd.testing.assert_frame_equal(fast.dataset.events, slow.dataset.events)
    assert fast.workflow == slow.workflow
    assert len(fast.dataset.events) < len(rows)  # some repeats were collapsed
    assert fast.status_counts == slow.status_counts
    assert fast.notes == slow.notes


@settings(max_examples=100, deadline=None)
@given(
    statuses=st.lists(st.sampled_from(STATUSES), max_size=30),
    extra=st.lists(st.sampled_from(["Zed", "Done", " to do"]), max_size=3),
    data=st.data(),
)
def test_counted_statuses_equal_value_counts_in_order(statuses, extra, data):
    column = pd.Series(extra + statuses, dtype="str")  # codes of a longer column
    codes, names = pd.factorize(column)
    kept = codes[len(extra) :]
    if data.draw(st.booleans()) and len(kept):
        kept = kept[data.draw(st.permutations(range(len(kept))))]  # any event order
    events = pd.Series(np.append(names.to_numpy(dtype=object), None)[kept], dtype="str")
    expected = {str(k): int(v) for k, v in events.value_counts(sort=False).items()}
    assert list(common.counted_statuses(kept, names).items()) == list(expected.items())


@settings(max_examples=200, deadline=None)
@given(
    visits=st.lists(
        st.tuples(st.integers(0, 5), st.integers(1, 9), st.integers(0, 8)), max_size=80
    ),
    n_keys=st.integers(6, 8),
)
def test_median_positions_by_counting_equal_groupby_median_bit_for_bit(visits, n_keys):
    from vsm_core.workflow_suggest import _median_positions

    key = np.array([v[0] for v in visits], dtype=np.int64)
    size = np.array([v[1] for v in visits], dtype=np.int64)
    position = np.array([min(v[2], v[1] - 1) for v in visits], dtype=np.int64)
    norm = np.where(size > 1, position / np.maximum(size - 1, 1), np.nan)
    expected = pd.Series(norm).groupby(key).median().reindex(range(n_keys)).to_numpy()
    found = _median_positions(position, size, key, n_keys).to_numpy()
    assert found.tobytes() == expected.tobytes()  # NaN where no visit, equal bits elsewhere
    long = size * 1000  # items so long that the table would be large: groupby decides
    norm = np.where(long > 1, position / np.maximum(long - 1, 1), np.nan)
    expected = pd.Series(norm).groupby(key).median().reindex(range(n_keys)).to_numpy()
    found = _median_positions(position, long, key, n_keys).to_numpy()
    assert found.tobytes() == expected.tobytes()
