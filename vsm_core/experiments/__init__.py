"""Improvement experiments: the record (``records``), the metric catalogue (``catalogue``)
and the before/after evidence (``evidence``)."""
