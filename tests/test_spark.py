"""The Spark engine: the demo store's Parquet export read by Spark (`local[2]`, one session for
the module) gives the same indicators, partners, changes and alignment as the DuckDB store.

Skipped only where pyspark or Java is absent (CI installs both: `.ci/run`)."""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Java is absent (apt-get install default-jre-headless); CI installs it",
                allow_module_level=True)

import pivotwatch  # noqa: E402
from pivotwatch.analysis.changes import changes  # noqa: E402
from pivotwatch.analysis.partners import partners  # noqa: E402
from pivotwatch.cli import app  # noqa: E402
from pivotwatch.errors import StoreError  # noqa: E402
from pivotwatch.store import open_store  # noqa: E402
from pivotwatch.store.export import MANIFEST, export_parquet  # noqa: E402
from pivotwatch.store.spark import SparkStore  # noqa: E402

HOSTILE = ["it's \"quoted\"", "line one\nline two\r\n", "'); DROP TABLE events; --",
           "ünïcødé 北朝鮮 \u202e"]


@pytest.fixture(scope="module")
def export_dir(demo_store, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("spark") / "export"
    with open_store(demo_store, read_only=True) as store:
        export_parquet(store, target)
    return target


@pytest.fixture(scope="module")
def engines(demo_store, export_dir):
    """(DuckDB store, SparkStore over its export), open for the module."""
    with open_store(demo_store, read_only=True) as duck, SparkStore(export_dir) as spark:
        yield duck, spark


def same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal values (numbers to 1e-9 relative), whatever integer width each engine returns."""
    assert list(left.columns) == list(right.columns)
    assert len(left) == len(right) and len(left) > 0
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-12)


def same_value(left, right, where: str = "") -> None:
    if isinstance(left, dict):
        assert set(left) == set(right), where
        for key in left:
            same_value(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), where
        for n, (a, b) in enumerate(zip(left, right, strict=True)):
            same_value(a, b, f"{where}[{n}]")
    elif isinstance(left, float) and not (isinstance(right, float) and math.isnan(right)):
        assert right == pytest.approx(left, rel=1e-9, abs=1e-12), where
    elif isinstance(left, float):
        assert math.isnan(left), where
    else:
        assert left == right, where


def kind(dtype):
    """A column's type, whatever its nullability and a timestamp's declared precision (DuckDB
    says microseconds, Spark leaves it unsaid; both hold microseconds)."""
    if dtype.is_timestamp():
        return ("timestamp", dtype.timezone)
    return dtype.copy(nullable=True)


def test_tables_have_exactly_the_store_columns_and_types(engines):
    duck, spark = engines
    for table in ("events", "daily_counts", "dyad_daily", "files", "un_roll_calls"):
        assert spark.has_table(table)
        ours, theirs = duck.ibis().table(table).schema(), spark.ibis().table(table).schema()
        assert list(theirs.names) == list(ours.names), table  # no year/month columns
        for name in ours.names:
            assert kind(theirs[name]) == kind(ours[name]), name
    assert not spark.has_table("no_such_table")
    events = spark.ibis().table("events")
    assert spark.to_pandas(events.count()) == duck.count("events")


@pytest.mark.parametrize(("dyad", "kwargs"), [
    ("RUS-CHN", {"freq": "month"}),
    ("RUS-IRN", {"freq": "week", "dimensions": ["all", "political"], "directed": True,
                 "start": pd.Timestamp("2015-02-01").date(),
                 "end": pd.Timestamp("2019-12-31").date()}),
], ids=["month-all", "week-directed-range"])
def test_indicators_are_the_same(engines, dyad, kwargs):
    duck, spark = engines
    ours = pivotwatch.indicators(dyad, store=duck, **kwargs)
    theirs = pivotwatch.indicators(dyad, store=spark, **kwargs)
    assert ours["events"].sum() > 0  # the sample holds events of both dyads
    same_frame(ours, theirs)
    assert theirs.attrs["warnings"] == ours.attrs["warnings"]


def test_partners_are_the_same(engines):
    duck, spark = engines
    # two partners: each adds a branch to the query, and Spark a stage per branch and table
    ours = partners("RUS", ["CHN", "IRN"], store=duck, freq="month")
    theirs = partners("RUS", ["CHN", "IRN"], store=spark, freq="month")
    same_frame(ours, theirs)
    same_value(ours.attrs["trend"], theirs.attrs["trend"], "trend")


def test_changes_are_the_same(engines):
    duck, spark = engines
    ours = changes("RUS-CHN", store=duck, freq="day", min_events=1)
    theirs = changes("RUS-CHN", store=spark, freq="day", min_events=1)
    same_frame(ours.series, theirs.series)
    same_value(ours.to_dict(), theirs.to_dict(), "changes")


def test_alignment_is_the_same(engines):
    """By session and issue here; by year (the default) in the CLI test below."""
    duck, spark = engines
    kwargs = {"by": "session", "issues": ["all", "nu", "hr"], "first_year": 1990}
    ours = pivotwatch.alignment("RUS", ["PRK", "CHN", "IRN"], store=duck, **kwargs)
    theirs = pivotwatch.alignment("RUS", ["PRK", "CHN", "IRN"], store=spark, **kwargs)
    same_frame(ours, theirs)
    assert theirs.attrs == ours.attrs


def test_published_alignment_is_the_same(engines):
    from pivotwatch.analysis.alignment import published

    duck, spark = engines
    ours = published("RUS", ["PRK", "CHN"], store=duck, first_year=2000)
    theirs = published("RUS", ["PRK", "CHN"], store=spark, first_year=2000)
    same_frame(ours, theirs)


def test_the_cli_runs_on_spark_with_the_same_output(demo_store, export_dir, engines):
    runner = CliRunner()
    base = ["--db", demo_store]
    spark = ["--engine", "spark", "--parquet", str(export_dir)]
    for command in (["indicators", "--dyad", "RUS-CHN", "--freq", "year", "--format", "csv"],
                    ["alignment", "RUS", "--partners", "PRK,CHN", "--format", "csv"],
                    ["partners", "--focus", "RUS", "--partners", "CHN,IRN", "--format", "csv"]):
        ours = runner.invoke(app, [*base, *command], catch_exceptions=False)
        theirs = runner.invoke(app, [*base, *command, *spark], catch_exceptions=False)
        assert ours.exit_code == 0 == theirs.exit_code, theirs.output
        # the same rows; figures equal to the last bits (sums may add in another order)
        same_frame(pd.read_csv(io.StringIO(ours.stdout)), pd.read_csv(io.StringIO(theirs.stdout)))
    refused = runner.invoke(app, [*base, *spark, "report", "-o", "x.html"])
    assert refused.exit_code == 2 and "needs the DuckDB store" in refused.output


def test_the_library_follows_pivotwatch_engine(engines, export_dir, monkeypatch):
    duck, _spark = engines
    monkeypatch.setenv("PIVOTWATCH_ENGINE", "spark")
    monkeypatch.setenv("PIVOTWATCH_SPARK_PATH", f"file://{export_dir}")  # a URI works too
    theirs = pivotwatch.indicators("RUS-CHN", freq="year")
    same_frame(pivotwatch.indicators("RUS-CHN", store=duck, freq="year"), theirs)
    monkeypatch.delenv("PIVOTWATCH_SPARK_PATH")
    with pytest.raises(pivotwatch.PivotwatchError, match="--parquet DIR"):
        pivotwatch.indicators("RUS-CHN")


def test_hostile_text_survives_spark_and_two_exports_stay_apart(engines, tmp_path):
    """A second export open beside the demo's: its own tables, text intact."""
    _duck, demo = engines
    with open_store(tmp_path / "h.duckdb", create=True) as store:
        for n, text in enumerate(HOSTILE):
            store.con.execute("INSERT INTO rejects (file_id, line, reason, raw) "
                              "VALUES (?, ?, ?, ?)", [f"f{n}", n, text, text])
    with open_store(tmp_path / "h.duckdb", read_only=True) as store:
        export_parquet(store, tmp_path / "h")
    with SparkStore(tmp_path / "h") as other:
        rejects = other.to_pandas(other.ibis().table("rejects"))
        assert sorted(rejects["raw"]) == sorted(HOSTILE)
        assert other.to_pandas(other.ibis().table("events").count()) == 0
    assert demo.to_pandas(demo.ibis().table("events").count()) > 0


def test_a_wrong_or_foreign_export_is_refused_before_spark_reads_it(export_dir, tmp_path):
    with pytest.raises(StoreError, match="no Parquet export at"):
        SparkStore(tmp_path / "missing")
    (tmp_path / "foreign").mkdir()
    with pytest.raises(StoreError, match="holds no readable manifest.json"):
        SparkStore(tmp_path / "foreign")
    manifest = json.loads((export_dir / MANIFEST).read_text())
    for change, message in (({"schema_version": 99}, "schema version 99.*upgrade pivotwatch"),
                            ({"schema_version": 3}, "schema version 3.*export it again"),
                            ({"format_version": 2}, "format version 2"),
                            ({"format": "other"}, "not a pivotwatch export")):
        (tmp_path / "bad").mkdir(exist_ok=True)
        (tmp_path / "bad" / MANIFEST).write_text(json.dumps({**manifest, **change}))
        with pytest.raises(StoreError, match=message):
            SparkStore(tmp_path / "bad")
