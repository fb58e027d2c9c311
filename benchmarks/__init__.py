"""Benchmarks of Flowlab's store and flow engine at scale (``make bench``).

* :mod:`benchmarks.synthetic` – a vectorised generator of large synthetic
  datasets (about 6.7 status events per item; 150,000 items give ~1M events).
* :mod:`benchmarks.run` – times validation, save and load (SQLite and, when
  reachable, PostgreSQL), ``build_flow`` and ``home_summary`` per dataset size,
  prints a table and writes ``bench-results/results.json``.

See ``docs/benchmarks.md`` for what is measured and the results.
"""
