"""Importers: bytes of an export -> the canonical model, or :class:`ImportFailed`.

``read_upload`` (containers) decodes the file; a format parser in
``formats/`` turns its table into items and status events; ``pipeline``
runs the whole chain. Only :class:`ImportFailed` ever escapes.
"""

from vsm_core.importers.errors import ImportFailed, ImportProblem
from vsm_core.importers.options import FORMATS, ROLES, ImportOptions

__all__ = ["FORMATS", "ROLES", "ImportFailed", "ImportOptions", "ImportProblem"]
