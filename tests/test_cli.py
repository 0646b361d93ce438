"""The CLI, in-process: exit codes, messages and output."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pandas as pd
import pytest
from conftest import GDELT, needs_shared
from gdelt_rows import event, write
from httpserver import LocalServer
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.sources import http
from pivotwatch.store import open_store

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_sample_status_and_indicators(tmp_path):
    db = str(tmp_path / "demo.duckdb")
    result = run("--db", db, "ingest", "sample")
    assert result.exit_code == 0, result.output
    assert "ingest summary" in result.output
    status = run("--db", db, "status")
    assert status.exit_code == 0 and "files loaded" in status.output and "gdelt" in status.output
    table = run("--db", db, "indicators", "--dyad", "RUS-CHN", "--freq", "year",
                "--dimension", "all")
    assert table.exit_code == 0 and "2015" in table.output
    csv_out = run("--db", db, "indicators", "--dyad", "RUS-CHN", "--freq", "year",
                  "--dimension", "all", "--format", "csv")
    lines = csv_out.output.strip().splitlines()
    assert lines[0].startswith("period,dimension,events,cooperative")
    row_2015 = next(line for line in lines if line.startswith("2015-01-01"))
    assert row_2015.split(",")[2] == "7"  # RUS-CHN rows in the 2015 files (PROVENANCE.md: 6+1)
    no_prk = run("--db", db, "indicators", "--dyad", "RUS-PRK", "--freq", "year",
                 "--dimension", "all")
    assert "holds no RUS-PRK events" in no_prk.output


def test_indicator_files_json_and_parquet(tmp_path):
    db = str(tmp_path / "d.duckdb")
    run("--db", db, "ingest", "sample")
    for fmt in ("json", "parquet", "csv"):
        target = tmp_path / f"out.{fmt}"
        result = run("--db", db, "indicators", "--dyad", "RUS-IRN", "--freq", "day",
                     "--format", fmt, "-o", str(target))
        assert result.exit_code == 0 and f"to {target}" in result.output
    records = json.loads((tmp_path / "out.json").read_text())
    frame = pd.read_parquet(tmp_path / "out.parquet")
    assert len(records) == len(frame) > 0
    assert sum(r["events"] for r in records) == int(frame.events.sum()) > 0
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize("args, message, code", [
    (["indicators", "--dyad", "RUS-QQQ"], "error: unknown country code 'QQQ'", 2),
    (["indicators", "--from", "2024-13-01"], "error: bad date for --from", 2),
    (["indicators", "--format", "parquet"], "error: --format parquet needs -o FILE", 2),
    (["ingest", "gdelt"], "error: give files to load, or both --from and --to", 2),
    (["ingest", "gdelt", "x.csv", "--from", "2024-01-01"], "error: give files or --from/--to",
     2),
    (["ingest", "gdelt", "--countries", "RUS,ZZZ", "x.csv"], "unknown country code 'ZZZ'", 2),
])
def test_bad_input_is_one_line_and_non_zero(tmp_path, args, message, code):
    run("--db", str(tmp_path / "s.duckdb"), "ingest", "sample")
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), *args])
    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_status_of_missing_store_is_an_error(tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "nope.duckdb"), "status"])
    assert result.exit_code == 1 and "no store at" in result.output


def test_not_a_store_is_an_error(tmp_path):
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("this is not a database")
    result = runner.invoke(app, ["--db", str(bogus), "status"])
    assert result.exit_code == 1 and "cannot open store" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_ingest_files_reports_failures_and_exits_non_zero(tmp_path):
    good = write(tmp_path / "good.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    bad = tmp_path / "bad.export.CSV.zip"
    bad.write_text("<html>502 Bad Gateway</html>")
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", "gdelt",
                                 str(good), str(bad)])
    assert result.exit_code == 1
    assert "bad.export.CSV.zip: not a readable zip" in result.output
    assert "1 file(s) could not be loaded" in result.output
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_ingest_directory_and_glob(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    write(folder / "b.export.CSV", [event(2, "20240102", "RUS", "CHN")])
    db = str(tmp_path / "s.duckdb")
    assert run("--db", db, "ingest", "gdelt", str(folder)).exit_code == 0
    again = run("--db", db, "ingest", "gdelt", str(folder / "*.CSV"))
    assert again.exit_code == 0
    with open_store(db) as st:
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 2


@pytest.fixture
def gdelt_server(tmp_path, monkeypatch):
    """The real 2.0 exports, zipped, behind a masterfilelist with their real sizes and MD5s."""
    monkeypatch.setattr(http, "BASE_DELAY", 0.01)
    with LocalServer(tmp_path / "www") as server:
        folder = server.root / "gdeltv2"
        folder.mkdir()
        lines = []
        for csv in sorted((GDELT / "v2" / "events").glob("*.export.CSV")):
            target = folder / f"{csv.name}.zip"
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.write(csv, csv.name)
            data = target.read_bytes()
            md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
            lines.append(f"{len(data)} {md5} http://data.gdeltproject.org/gdeltv2/{target.name}")
        (folder / "masterfilelist.txt").write_text("\n".join(lines) + "\n")
        monkeypatch.setenv("PIVOTWATCH_GDELT_BASE", server.base)
        yield server


@needs_shared
def test_date_range_downloads_checks_and_loads(tmp_path, gdelt_server):
    db = str(tmp_path / "live.duckdb")
    first = "/gdeltv2/20150218230000.export.CSV.zip"
    gdelt_server.cut_after[first] = 40_000  # the first transfer breaks off
    result = run("--db", db, "ingest", "gdelt", "--from", "2015-02-18", "--to", "2015-02-18")
    assert result.exit_code == 0, result.output
    ranges = [r.headers.get("range") for r in gdelt_server.requests_for(first)]
    assert ranges == [None, "bytes=40000-"]  # resumed, not restarted
    with open_store(db) as st:
        files = st.con.execute(
            "SELECT count(*), sum(rows_read) FROM files WHERE status = 'loaded'").fetchone()
        assert files == (4, 2271 + 2102 + 2084 + 2252)
    again = run("--db", db, "ingest", "gdelt", "--from", "2015-02-18", "--to", "2015-02-18")
    assert again.exit_code == 0
    # cached downloads are not fetched again, and nothing loads twice
    assert len(gdelt_server.requests_for(first)) == 2
    with open_store(db) as st:
        assert st.con.execute("SELECT count(*) FROM files").fetchone()[0] == 4


@needs_shared
def test_wrong_md5_fails_that_file_and_loads_the_rest(tmp_path, gdelt_server):
    listing = gdelt_server.root / "gdeltv2" / "masterfilelist.txt"
    lines = listing.read_text().splitlines()
    size, _, url = lines[1].split(" ")
    lines[1] = f"{size} {'0' * 32} {url}"
    listing.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "live.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "gdelt", "--from", "2015-02-18",
                                 "--to", "2015-02-18"])
    assert result.exit_code == 1
    assert "MD5 mismatch" in result.output and "20150218231500" in result.output
    with open_store(db) as st:
        assert st.con.execute(
            "SELECT count(*) FROM files WHERE status = 'loaded'").fetchone()[0] == 3


@needs_shared
def test_ingest_from_url(tmp_path, gdelt_server):
    db = str(tmp_path / "u.duckdb")
    url = gdelt_server.url("/gdeltv2/20191024143000.export.CSV.zip")
    result = run("--db", db, "ingest", "gdelt", url)
    assert result.exit_code == 0, result.output
    with open_store(db) as st:
        assert st.con.execute("SELECT name, rows_read FROM files").fetchall() == [(url, 2111)]


def test_folders_pass_over_files_that_are_not_event_exports(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    write(folder / "20240101.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    (folder / "README.txt").write_text("notes")
    (folder / "20240101.mentions.CSV").write_text("x\ty\n")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "gdelt", str(folder))
    assert result.exit_code == 0, result.output
    assert "Passed over 2 file(s)" in result.output


def test_gzip_and_renamed_zip(tmp_path):
    import gzip

    src = write(tmp_path / "x.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    gz = tmp_path / "x.export.CSV.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    renamed = tmp_path / "y.export.CSV"  # a zip without the .zip suffix
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as zf:
        zf.write(src, src.name)
    renamed.write_bytes((tmp_path / "y.zip").read_bytes())
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "gdelt", str(gz)])
    assert result.exit_code == 1 and "gzip-compressed" in result.output
    assert run("--db", db, "ingest", "gdelt", str(renamed)).exit_code == 0


def test_output_to_a_directory_and_bad_memory_setting(tmp_path, monkeypatch):
    db = str(tmp_path / "s.duckdb")
    run("--db", db, "ingest", "sample")
    result = runner.invoke(app, ["--db", db, "indicators", "--dyad", "RUS-CHN", "-o",
                                 str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output
    monkeypatch.setenv("PIVOTWATCH_MEMORY_LIMIT", "lots")
    result = runner.invoke(app, ["--db", db, "status"])
    assert result.exit_code == 2 and "PIVOTWATCH_MEMORY_LIMIT" in result.output


def test_interrupt_is_one_line_and_exit_130(tmp_path, monkeypatch):
    from pivotwatch.sources.gdelt import ingest as ingest_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_module, "load_file", interrupted)
    path = write(tmp_path / "x.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", "gdelt",
                                 str(path)])
    assert result.exit_code == 130 and "interrupted" in result.output


def test_ctrl_c_stops_the_command_and_a_rerun_completes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from pivotwatch.sources.gdelt.sample import sample_dir

    base = (sample_dir() / "20191024143000.export.CSV").read_text("utf-8").splitlines()
    paths = []
    for f in range(2):
        lines = []
        for copy in range(160):  # about 60 MB each, unique ids
            for line in base:
                cols = line.split("\t")
                cols[0] = str(int(cols[0]) + (f * 1000 + copy) * 10_000_000)
                lines.append("\t".join(cols))
        paths.append(str(write(tmp_path / f"big{f}.export.CSV", lines)))
    db = tmp_path / "int.duckdb"
    cmd = [sys.executable, "-c", "from pivotwatch.cli import main; main()", "--db", str(db),
           "ingest", "gdelt", *paths]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not db.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    with open_store(db) as st:
        assert st.con.execute("SELECT count(*) FROM files WHERE status = 'failed'").fetchone()[
            0] == 0
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    with open_store(db) as st:
        assert st.con.execute("SELECT sum(rows_read) FROM files").fetchone()[0] == 2 * 160 * len(
            base)
