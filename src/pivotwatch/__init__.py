"""pivotwatch: measure a strategic partnership from open data.

    import pivotwatch
    store = pivotwatch.open_store("pivotwatch.duckdb", read_only=True)
    df = pivotwatch.indicators("RUS-PRK", store=store, freq="month")
    votes = pivotwatch.alignment("RUS", "PRK", store=store)

The functions are those of `pivotwatch.api`; each takes `store=None` for the default store.
"""

from pivotwatch.errors import PivotwatchError

__version__ = "0.1.0"

# What `pivotwatch.api` offers at the top level. The briefing is `briefing()`, not
# `report()`: `pivotwatch.report` is the subpackage that renders it, and importing it sets
# that attribute on this package, which would hide a function of the same name.
_API = ("alerts", "alignment", "assess", "assessment_history", "briefing", "fuel",
        "indicators", "sanctions", "trade", "watch_cycle")
__all__ = ["PivotwatchError", "Store", "open_store", "__version__", *_API]


def __getattr__(name: str):
    # The analysis side pulls in Ibis and pandas; load it only when asked, so that the
    # command line starts fast for loading data.
    # The store pulls in DuckDB: loaded when asked, so the console script
    # (pivotwatch.entry) can take signals before anything heavy is imported.
    if name in ("Store", "open_store"):
        from pivotwatch import store

        return getattr(store, name)
    if name in _API:
        from pivotwatch import api

        return getattr(api, name)
    if name in ("analysis", "api", "taxonomy"):
        import importlib

        return importlib.import_module(f"pivotwatch.{name}")
    raise AttributeError(f"module 'pivotwatch' has no attribute {name!r}")
