"""Across teams: one row per team for a manager who belongs to several (``teams summary``)."""
