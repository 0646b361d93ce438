"""pivotwatch: measure a strategic partnership from open data.

    import pivotwatch
    store = pivotwatch.open_store("pivotwatch.duckdb")
    df = pivotwatch.indicators("RUS-PRK", store=store, freq="month")
"""

from pivotwatch.errors import PivotwatchError

__version__ = "0.1.0"
__all__ = ["PivotwatchError", "Store", "indicators", "open_store", "__version__"]


def __getattr__(name: str):
    # The analysis side pulls in Ibis and pandas; load it only when asked, so that the
    # command line starts fast for loading data.
    # The store pulls in DuckDB: loaded when asked, so the console script
    # (pivotwatch.entry) can take signals before anything heavy is imported.
    if name in ("Store", "open_store"):
        from pivotwatch import store

        return getattr(store, name)
    if name == "indicators":
        from pivotwatch.api import indicators

        return indicators
    if name in ("analysis", "api", "taxonomy"):
        import importlib

        return importlib.import_module(f"pivotwatch.{name}")
    raise AttributeError(f"module 'pivotwatch' has no attribute {name!r}")
