"""The embedded DuckDB store."""

from pivotwatch.store.store import Store, open_store, reading

__all__ = ["Store", "open_store", "reading"]
