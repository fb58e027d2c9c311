"""Pure metric functions over :mod:`vsm_core.flow`'s tables, one concern per module."""
