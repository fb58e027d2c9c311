"""Format parsers: a :class:`~vsm_core.importers.table.RawTable` -> items and status events.

Each module exposes ``REQUIRED``/``OPTIONAL`` roles and
``parse(table, options) -> ParsedImport``.
"""
