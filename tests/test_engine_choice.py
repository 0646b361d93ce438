"""Choosing the engine: PIVOTWATCH_ENGINE and its companions, `open_engine`, and the CLI's
global options. (What each engine computes: tests/test_spark.py, tests/test_bigquery.py.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pivotwatch.cli import app, hoist_db
from pivotwatch.errors import UsageError
from pivotwatch.settings import check_engine_setting, get_settings
from pivotwatch.store import Store, open_store
from pivotwatch.store.engines import open_engine


def test_settings_default_to_duckdb_and_read_the_environment(monkeypatch):
    settings = get_settings()
    assert (check_engine_setting(settings.engine), settings.spark_path, settings.spark_master,
            settings.bq_project, settings.bq_max_gb) == ("duckdb", "", "local[2]", "", 50.0)
    monkeypatch.setenv("PIVOTWATCH_ENGINE", " Spark ")
    monkeypatch.setenv("PIVOTWATCH_SPARK_PATH", "hdfs://nn/export")
    monkeypatch.setenv("PIVOTWATCH_SPARK_MASTER", "local[4]")
    monkeypatch.setenv("PIVOTWATCH_BQ_PROJECT", "my-project")
    monkeypatch.setenv("PIVOTWATCH_BQ_MAX_GB", "2.5")
    settings = get_settings()
    assert (check_engine_setting(settings.engine), settings.spark_path, settings.spark_master,
            settings.bq_project, settings.bq_max_gb) == (
        "spark", "hdfs://nn/export", "local[4]", "my-project", 2.5)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("PIVOTWATCH_BQ_MAX_GB", "0", "positive number of gigabytes"),
    ("PIVOTWATCH_BQ_MAX_GB", "lots", "positive number of gigabytes"),
    ("PIVOTWATCH_BQ_MAX_GB", "inf", "positive number of gigabytes"),
    ("PIVOTWATCH_BQ_TABLE", "events; DROP", "must be one of events, events_partitioned"),
    ("PIVOTWATCH_BQ_DATASET", "my.own", "must be one of gdelt-bq.gdeltv2, gdelt-bq.full"),
    ("PIVOTWATCH_BQ_SINCE", "2024-13-01", "PIVOTWATCH_BQ_SINCE must be a date"),
])
def test_bad_settings_are_one_line_errors(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError, match=message):
        get_settings()


def test_open_engine_opens_the_duckdb_store_by_default(tmp_path):
    open_store(tmp_path / "s.duckdb", create=True).close()
    with open_engine(db=tmp_path / "s.duckdb") as store:
        assert isinstance(store, Store) and store.engine == "duckdb"


def test_open_engine_says_what_each_engine_lacks(monkeypatch):
    with pytest.raises(UsageError, match="--parquet DIR .*PIVOTWATCH_SPARK_PATH"):
        open_engine("spark")
    with pytest.raises(UsageError, match="--project P .*PIVOTWATCH_BQ_PROJECT"):
        open_engine("bigquery")
    with pytest.raises(UsageError, match="unknown engine 'polars'"):
        open_engine("polars")
    monkeypatch.setenv("PIVOTWATCH_ENGINE", "spark")
    with pytest.raises(UsageError, match="writes the DuckDB store"):
        open_engine(read_only=False, command="pivotwatch ingest sample")


def test_the_engine_options_may_follow_the_command():
    assert hoist_db(["indicators", "--engine", "spark", "--parquet", "d", "--dyad", "RUS-CHN"]) \
        == ["--engine", "spark", "--parquet", "d", "indicators", "--dyad", "RUS-CHN"]
    assert hoist_db(["status", "--max-gb=3", "--", "--project", "x"]) == \
        ["--max-gb=3", "status", "--", "--project", "x"]


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "bigquery", "indicators"], "needs the Google Cloud project"),
    (["--engine", "spark", "indicators"], "--engine spark reads a Parquet export"),
    (["--engine", "spark", "--parquet", "d", "status"], "needs the DuckDB store"),
    (["--engine", "bigquery", "--project", "p", "ingest", "sample"], "needs the DuckDB store"),
    (["--max-gb", "0", "status"], "--max-gb must be a positive number"),
    (["--engine", "sqlite", "status"], "unknown engine 'sqlite'"),
])
def test_the_cli_refuses_with_one_line(args, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_pivotwatch_engine_reaches_the_cli(monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_ENGINE", "spark")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 2 and "`pivotwatch status` needs the DuckDB store" in result.output
    result = CliRunner().invoke(app, ["--engine", "duckdb", "status"])  # the option wins
    assert "needs the DuckDB store" not in result.output
    assert "no store at" in result.output  # it went to DuckDB, which has no store there


def test_the_bigquery_table_and_days_come_from_the_settings(monkeypatch):
    pytest.importorskip("google.cloud.bigquery")
    from pivotwatch.store.bigquery import compile_query

    monkeypatch.setenv("PIVOTWATCH_BQ_TABLE", "events_partitioned")
    monkeypatch.setenv("PIVOTWATCH_BQ_SINCE", "2024-01-01")
    monkeypatch.setenv("PIVOTWATCH_BQ_UNTIL", "2024-12-31")
    store = open_engine("bigquery", project="my-project")
    assert store.source == "gdelt-bq.gdeltv2.events_partitioned"
    sql = compile_query(store.ibis().table("events").count()).sql
    assert "_PARTITIONTIME" in sql and "2024" in sql
    monkeypatch.setenv("PIVOTWATCH_BQ_SINCE", "2025-01-01")  # after until
    with pytest.raises(UsageError, match="since 2025-01-01 is after until 2024-12-31"):
        open_engine("bigquery", project="my-project")


def test_a_bad_pivotwatch_engine_is_refused_when_used_and_the_flag_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("PIVOTWATCH_ENGINE", "oracle")
    with pytest.raises(UsageError, match="PIVOTWATCH_ENGINE must be one of duckdb, spark, "
                                         "bigquery, not 'oracle'"):
        open_engine(db=tmp_path / "s.duckdb")
    open_store(tmp_path / "s.duckdb", create=True).close()
    with open_engine("duckdb", db=tmp_path / "s.duckdb") as store:  # the explicit choice
        assert store.engine == "duckdb"
    monkeypatch.setenv("PIVOTWATCH_ENGINE", "")  # empty: the default
    with open_engine(db=tmp_path / "s.duckdb") as store:
        assert store.engine == "duckdb"
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "s.duckdb"), "--engine",
                                      "bigquery", "--project", "p", "alignment", "RUS", "PRK"])
    assert result.exit_code != 0
    assert "--engine bigquery runs indicators, partners, changes" in result.output
    assert "alignment" not in result.output.split("runs", 1)[1]
