"""`pivotwatch export parquet DIR`: every table as Parquet, day tables partitioned by year and
month, a manifest that matches the files, hostile text intact, and never a half-written or
wrongly placed directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import xxhash
from typer.testing import CliRunner

import pivotwatch
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.store import open_store
from pivotwatch.store.export import MANIFEST, export_parquet
from pivotwatch.store.schema import LATEST
from pivotwatch.store.store import ident

DAY_TABLES = ("events", "daily_counts", "dyad_daily", "country_daily", "pair_daily",
              "total_daily")
HOSTILE = ["it's \"quoted\"", "line one\nline two\r\n", "tab\there; DROP TABLE events; --",
           "'); COPY events TO '/tmp/x' --", "ünïcødé 北朝鮮 \u202e", ""]


@pytest.fixture(scope="module")
def exported(demo_store, tmp_path_factory):
    """The demo store exported once for the module: (store path, export dir, manifest)."""
    target = tmp_path_factory.mktemp("export") / "parquet"
    with open_store(demo_store, read_only=True) as store:
        manifest = export_parquet(store, target)
    return demo_store, target, manifest


def read_back(target: Path, table: str, entry: dict) -> pd.DataFrame:
    """A table as DuckDB reads it from the export (partition columns dropped)."""
    con = duckdb.connect()
    if entry["partition_by"]:
        df = con.execute("SELECT * FROM read_parquet($p, hive_partitioning = true)",
                         {"p": str(target / table / "**" / "*.parquet")}).df()
        return df.drop(columns=entry["partition_by"])
    return con.execute("SELECT * FROM read_parquet($p)",
                       {"p": str(target / f"{table}.parquet")}).df()


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Rows as text in one order, for comparing tables whose row order is not kept."""
    text = df.astype(str)
    return text.sort_values(list(text.columns)).reset_index(drop=True)


def test_every_table_and_view_is_exported_with_its_rows_and_columns(exported):
    db, target, manifest = exported
    with open_store(db, read_only=True) as store:
        names = {r[0] for r in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
        assert set(manifest["tables"]) == names and manifest["skipped"] == []
        for table, entry in manifest["tables"].items():
            rows = store.con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0]
            assert entry["rows"] == rows, table
            described = store.con.execute(f"DESCRIBE {ident(table)}").fetchall()
            assert [(c["name"], c["type"]) for c in entry["columns"]] == \
                [(r[0], r[1]) for r in described], table
    assert manifest["schema_version"] == LATEST
    assert manifest["pivotwatch_version"] == pivotwatch.__version__
    assert manifest["format"] == "pivotwatch-parquet" and manifest["format_version"] == 1
    assert manifest["tables"]["daily_totals"]["kind"] == "view"
    assert manifest["tables"]["events"]["rows"] > 1000  # the sample's events are all there
    assert json.loads((target / MANIFEST).read_text()) == manifest


def test_day_tables_are_partitioned_by_year_and_month(exported):
    _db, target, manifest = exported
    for table in DAY_TABLES:
        entry = manifest["tables"][table]
        assert entry["partition_by"] == ["year", "month"], table
        assert entry["partition_source"] == "day"
    # the sample's 2.0 hour is 2015-02-18; its events land under that year and month
    events = target / "events"
    assert (events / "year=2015" / "month=2").is_dir()
    assert all(p.parts[-3].startswith("year=") and p.parts[-2].startswith("month=")
               for p in events.rglob("*.parquet"))
    # a partition holds only its own month's days
    con = duckdb.connect()
    days = con.execute("SELECT min(day), max(day) FROM read_parquet($p)",
                       {"p": str(events / "year=2015" / "month=2" / "*.parquet")}).fetchall()
    assert days[0][0].year == 2015 and days[0][0].month == 2 == days[0][1].month
    for small in ("files", "meta", "un_votes", "reference_events", "sanctions"):
        assert manifest["tables"][small]["partition_by"] == []
        assert [f["path"] for f in manifest["tables"][small]["files"]] == [f"{small}.parquet"]


def test_the_manifest_lists_every_file_with_its_size_and_hashes(exported):
    _db, target, manifest = exported
    listed = {f["path"]: f for t in manifest["tables"].values() for f in t["files"]}
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {MANIFEST}
    for path, entry in listed.items():
        data = (target / path).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["xxh3_128"] == xxhash.xxh3_128(data).hexdigest()


def test_round_trip_gives_the_same_rows(exported):
    db, target, manifest = exported
    with open_store(db, read_only=True) as store:
        for table in ("events", "daily_counts", "dyad_daily", "un_votes", "un_roll_calls",
                      "files", "reference_measures"):
            entry = manifest["tables"][table]
            back = read_back(target, table, entry)
            assert len(back) == entry["rows"], table
            original = store.con.execute(f"SELECT * FROM {ident(table)}").df()
            assert list(back.columns) == list(original.columns)
            pd.testing.assert_frame_equal(canonical(back), canonical(original))


def hostile_store(path: Path) -> None:
    """A store holding text that breaks naive quoting, and a table whose name cannot be a
    directory name."""
    with open_store(path, create=True) as store:
        for n, text in enumerate(HOSTILE):
            store.con.execute(
                "INSERT INTO rejects (file_id, line, reason, raw) VALUES (?, ?, ?, ?)",
                [f"f{n}", n, text, text])
        store.con.execute(f"CREATE TABLE {ident('../escape')} (x INTEGER)")


def test_hostile_text_survives_and_a_hostile_table_name_is_skipped_with_its_reason(tmp_path):
    hostile_store(tmp_path / "h.duckdb")
    with open_store(tmp_path / "h.duckdb", read_only=True) as store:
        manifest = export_parquet(store, tmp_path / "out")
    back = read_back(tmp_path / "out", "rejects", manifest["tables"]["rejects"])
    assert sorted(back["raw"]) == sorted(HOSTILE)
    assert sorted(back["reason"]) == sorted(HOSTILE)
    assert [s["name"] for s in manifest["skipped"]] == ["../escape"]
    assert "directory name" in manifest["skipped"][0]["reason"]
    assert not (tmp_path / "escape").exists() and not (tmp_path / "out" / "..escape").exists()


def test_a_foreign_non_empty_directory_is_refused_and_left_alone(demo_store, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    with open_store(demo_store, read_only=True) as store, \
            pytest.raises(UsageError, match="not empty and holds no pivotwatch export"):
        export_parquet(store, target)
    assert [p.name for p in target.iterdir()] == ["thesis.tex"]
    (tmp_path / "file").write_text("x")
    with open_store(demo_store, read_only=True) as store, \
            pytest.raises(UsageError, match="is a file"):
        export_parquet(store, tmp_path / "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine"]  # no temp left


def test_an_earlier_export_is_replaced_and_an_empty_directory_used(tmp_path):
    hostile_store(tmp_path / "h.duckdb")
    target = tmp_path / "out"
    target.mkdir()  # empty: fine
    with open_store(tmp_path / "h.duckdb", read_only=True) as store:
        export_parquet(store, target)
        (target / "stale.parquet").write_bytes(b"left from before")
        manifest = export_parquet(store, target)  # an earlier export: replaced whole
    assert not (target / "stale.parquet").exists()
    assert json.loads((target / MANIFEST).read_text())["exported_at"] == manifest["exported_at"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.duckdb", "out"]


def test_a_failed_export_leaves_no_directory(tmp_path, monkeypatch):
    """A failure halfway (here the disk refusing the third table) leaves neither the target
    nor a temporary folder, and an earlier export in place untouched."""
    import pivotwatch.store.export as export

    hostile_store(tmp_path / "h.duckdb")
    real = export._write_table
    calls = []

    def failing(store, root, table, kind):
        calls.append(table)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(store, root, table, kind)

    monkeypatch.setattr(export, "_write_table", failing)
    with open_store(tmp_path / "h.duckdb", read_only=True) as store, \
            pytest.raises(OSError, match="No space"):
        export_parquet(store, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.duckdb"]

    monkeypatch.setattr(export, "_write_table", real)
    with open_store(tmp_path / "h.duckdb", read_only=True) as store:
        before = export_parquet(store, tmp_path / "old")
    calls.clear()
    monkeypatch.setattr(export, "_write_table", failing)
    with open_store(tmp_path / "h.duckdb", read_only=True) as store, \
            pytest.raises(OSError):
        export_parquet(store, tmp_path / "old")
    assert json.loads((tmp_path / "old" / MANIFEST).read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.duckdb", "old"]


def test_cli_exports_and_refuses_another_engine(demo_store, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["--db", demo_store, "export", "parquet", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert "partitioned by year and month" in result.output
    assert (tmp_path / "x" / MANIFEST).is_file()
    for command in (["export", "parquet", str(tmp_path / "y")], ["ingest", "sample"],
                    ["status"]):
        result = runner.invoke(app, ["--db", demo_store, "--engine", "spark", "--parquet",
                                     str(tmp_path / "x"), *command])
        assert result.exit_code == 2, (command, result.output)
        assert "needs the DuckDB store" in result.output
    assert not (tmp_path / "y").exists()
    result = runner.invoke(app, ["--engine", "oracle", "status"])
    assert result.exit_code == 2 and "unknown engine 'oracle'" in result.output
    result = runner.invoke(app, ["status", "--engine"])
    assert result.exit_code == 2 and "requires an argument" in result.output
