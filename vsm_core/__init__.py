"""Flowlab's UI-free core: importers, canonical model, flow metrics, statistics, store, charts, CLI.

Nothing in this package imports streamlit (a test enforces it).
"""

__version__ = "0.1.0"
