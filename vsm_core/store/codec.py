"""The event log's storage form: one zstd-compressed Parquet file per dataset version."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vsm_core.model import EVENT_COLUMNS, make_events

EVENT_ENCODING = "parquet-zstd"


def encode_events(events: pd.DataFrame) -> bytes:
    """Serialise a canonical event frame (file order kept) to Parquet bytes."""
    table = pa.Table.from_pandas(events.loc[:, list(EVENT_COLUMNS)], preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", use_dictionary=["item_id", "status"])
    return buffer.getvalue()


def decode_events(payload: bytes) -> pd.DataFrame:
    """Inverse of :func:`encode_events`, returning a frame that meets the event contract."""
    table = pq.read_table(io.BytesIO(payload))
    return make_events(table.to_pandas())
