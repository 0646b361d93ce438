"""Which engine runs the analysis: the DuckDB store, Spark over a Parquet export of it, or
BigQuery over GDELT's public tables (docs/engines.md).

Every engine's store offers what the analysis functions use (`engine`, `ibis()`,
`has_table()`, `to_pandas()`, `close()`), so they run unchanged on any of them. Only the
DuckDB store can be written: loading, optimising and exporting need it. Spark and BigQuery are
imported only when chosen (their packages are optional extras).
"""

from __future__ import annotations

from pathlib import Path

from pivotwatch.errors import UsageError
from pivotwatch.settings import ENGINES, check_engine_setting, get_settings


def check_engine(engine: str) -> str:
    name = engine.strip().lower()
    if name not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: choose from {', '.join(ENGINES)}")
    return name


def open_engine(engine: str | None = None, *, db: Path | str | None = None,
                parquet: str | None = None, master: str | None = None,
                project: str | None = None, max_gb: float | None = None,
                read_only: bool = True, create: bool | None = None,
                command: str | None = None):
    """A store on `engine` (default: $PIVOTWATCH_ENGINE, else duckdb). Each argument left
    None takes its setting: `db` ($PIVOTWATCH_DB) for DuckDB; `parquet`
    ($PIVOTWATCH_SPARK_PATH: the export's directory or URI) and `master`
    ($PIVOTWATCH_SPARK_MASTER) for Spark; `project` ($PIVOTWATCH_BQ_PROJECT) and `max_gb`
    ($PIVOTWATCH_BQ_MAX_GB) for BigQuery, which reads the GDELT table that
    $PIVOTWATCH_BQ_DATASET, $PIVOTWATCH_BQ_TABLE, $PIVOTWATCH_BQ_SINCE and
    $PIVOTWATCH_BQ_UNTIL choose. `read_only=False` (a command that writes) is refused
    on any engine but DuckDB.

        with open_engine("spark", parquet="/data/export") as store:
            df = pivotwatch.indicators("RUS-CHN", store=store)
    """
    settings = get_settings()
    name = check_engine(engine) if engine else check_engine_setting(settings.engine)
    if name == "duckdb":
        from pivotwatch.store.store import open_store

        return open_store(db, read_only=read_only,
                          create=not read_only if create is None else create, command=command)
    if not read_only:
        raise UsageError(f"{f'`{command}`' if command else 'this command'} writes the DuckDB "
                         f"store, which --engine {name} cannot: use --engine duckdb")
    if name == "spark":
        from pivotwatch.store.spark import SparkStore

        where = parquet or settings.spark_path
        if not where:
            raise UsageError("--engine spark reads a Parquet export: give --parquet DIR (or "
                             "PIVOTWATCH_SPARK_PATH); make one with `pivotwatch export "
                             "parquet DIR`")
        return SparkStore(where, master=master or settings.spark_master)
    from pivotwatch.store.bigquery import BigQueryStore

    billed = project or settings.bq_project
    if not billed:
        raise UsageError("--engine bigquery needs the Google Cloud project billed for the "
                         "queries: give --project P (or PIVOTWATCH_BQ_PROJECT)")
    return BigQueryStore(billed, max_gb=settings.bq_max_gb if max_gb is None else max_gb,
                         dataset=settings.bq_dataset, table=settings.bq_table,
                         since=settings.bq_since, until=settings.bq_until)
