"""Loading GDELT files: counts, idempotence, rejects, bad files and transactions."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import GDELT, needs_shared
from gdelt_rows import event, row, write

from pivotwatch.errors import SourceError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.context import Context
from pivotwatch.sources.gdelt.ingest import ingest_paths
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.gdelt.sample import ingest_sample, sample_dir
from pivotwatch.store import open_store

V2_FILES = sorted((GDELT / "v2" / "events").glob("*.export.CSV"))
V1_SAMPLE = GDELT / "v1" / "samples" / "spark-gdelt_events1.csv"


def independent_count(path: Path) -> dict:
    """Count rows with Python's csv module, independently of the loader."""
    rows, watched, per_day, per_country = 0, set(), Counter(), Counter()
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows += 1
            day = f"{rec[1][:4]}-{rec[1][4:6]}-{rec[1][6:]}"
            a1, a2 = rec[7] or None, rec[17] or None
            per_day[day] += 1
            for c in {a1, a2} - {None}:
                per_country[(day, c)] += 1
            if a1 in DEFAULT_COUNTRIES or a2 in DEFAULT_COUNTRIES:
                watched.add(int(rec[0]))
    return {"rows": rows, "watched": watched, "per_day": per_day, "per_country": per_country}


def load(store, path, **kw):
    return load_file(store, path, countries=DEFAULT_COUNTRIES, workdir=path.parent / "work", **kw)


def counts_of(store) -> tuple:
    return store.con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects),"
        " (SELECT count(*) FROM daily_counts), (SELECT count(*) FROM files)").fetchone()


@needs_shared
@pytest.mark.parametrize("path", V2_FILES, ids=lambda p: p.name)
def test_real_v2_export_loads_with_independent_counts(tmp_path, path):
    expected = independent_count(path)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert result.status == "loaded" and result.layout == "gdelt2"
        assert result.rows_read == expected["rows"] and result.rows_rejected == 0
        ids = {r[0] for r in st.con.execute("SELECT event_id FROM events").fetchall()}
        assert ids == expected["watched"]
        per_day = dict(st.con.execute(
            "SELECT strftime(day, '%Y-%m-%d'), events FROM daily_event_totals").fetchall())
        assert per_day == dict(expected["per_day"])
        per_country = {(d, c): n for d, c, n in st.con.execute(
            "SELECT strftime(day, '%Y-%m-%d'), country, events FROM daily_totals").fetchall()}
        assert per_country == dict(expected["per_country"])
        # codes keep their leading zeros
        assert st.con.execute(
            "SELECT count(*) FROM events WHERE event_root_code LIKE '0%'").fetchone()[0] > 0


@needs_shared
def test_v1_sample_with_57_and_58_columns_loads_every_row(tmp_path):
    expected = independent_count(V1_SAMPLE)
    widths = Counter(len(line.split("\t")) for line in V1_SAMPLE.read_text("utf-8").splitlines())
    assert widths == {57: 40, 58: 60}
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, V1_SAMPLE)
        assert (result.rows_read, result.rows_rejected) == (100, 0)
        ids = {r[0] for r in st.con.execute("SELECT event_id FROM events").fetchall()}
        assert ids == expected["watched"]
        assert st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()[0] == 100
        versions = st.con.execute(
            "SELECT DISTINCT gdelt_version FROM events").fetchall()
        assert versions == [(1,)]
        # backfile rows have no SOURCEURL; daily-file rows do
        with_url = st.con.execute(
            "SELECT count(*) FILTER (WHERE source_url IS NULL),"
            " count(*) FILTER (WHERE source_url IS NOT NULL) FROM events").fetchone()
        assert all(n > 0 for n in with_url)


def test_bundled_sample_loads_and_matches_its_manifest(tmp_path):
    manifest = list(csv.DictReader((sample_dir() / "manifest.csv").open()))
    totals = Counter()
    for rec in csv.DictReader((sample_dir() / "daily_counts.csv").open()):
        totals[rec["file"]] += int(rec["events"])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        report = ingest_sample(Context(st))
        assert report.ok and report.count("loaded") == len(manifest)
        by_name = {r.name.removeprefix("sample:"): r for r in report.results}
        for entry in manifest:
            assert by_name[entry["file"]].rows_kept == int(entry["sample_rows"])
            # the denominator is the full original file's, not the extract's
            assert totals[entry["file"]] == int(entry["original_rows"])
        assert st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()[0] == sum(
            int(e["original_rows"]) for e in manifest)
        assert st.con.execute(
            "SELECT count(*) FROM events WHERE actor1_country = 'RUS' AND actor2_country = 'PRK'"
            " OR actor1_country = 'PRK' AND actor2_country = 'RUS'").fetchone()[0] == 0


def test_loading_twice_changes_nothing(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        ingest_sample(Context(st))
        before = counts_of(st)
        again = ingest_sample(Context(st))
        assert again.count("skipped") == len(again.results) and again.ok
        assert counts_of(st) == before


def test_zip_and_plain_copy_are_one_file(tmp_path):
    src = sample_dir() / "20191024143000.export.CSV"
    zipped = tmp_path / "20191024143000.export.CSV.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, src.name)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        first = load(st, zipped)
        assert first.status == "loaded" and first.rows_kept == first.rows_read
        assert load(st, src).status == "skipped"


def test_malformed_lines_are_rejected_with_line_and_reason(tmp_path):
    good = [event(i, "20240105", "RUS", "CHN") for i in range(1, 9)]
    bad = {
        3: "<html><body>oops</body></html>",
        5: row(GLOBALEVENTID=100, SQLDATE="20241399"),
        7: row(GLOBALEVENTID="abc"),
        9: row(GLOBALEVENTID=101, GoldsteinScale="high"),
        11: "\t".join(row(GLOBALEVENTID=102).split("\t")[:40]),
        12: row(GLOBALEVENTID=103, QuadClass=""),
    }
    lines = []
    for n in range(1, 15):
        lines.append(bad[n] if n in bad else good.pop() if good else event(200 + n, "20240105",
                                                                            "USA", "FRA"))
    path = write(tmp_path / "mixed.CSV", lines)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert result.rows_rejected == len(bad) and result.rows_read == 14
        rejects = dict(st.con.execute("SELECT line, reason FROM rejects").fetchall())
        assert set(rejects) == set(bad)
        assert rejects[3] == "wrong column count: expected 61, found 1"
        assert rejects[5] == ('bad value in SQLDATE: "20241399" is not a real date as YYYYMMDD'
                              f" from 1920 to {date.today().year + 1}")
        assert rejects[7] == ('bad value in GLOBALEVENTID: "abc" is not a whole number of '
                              "at least 0")
        assert rejects[9] == 'bad value in GoldsteinScale: "high" is not a number from -10 to 10'
        assert rejects[11] == "wrong column count: expected 61, found 40"
        assert rejects[12] == "empty QuadClass"
        raw = st.con.execute("SELECT raw FROM rejects WHERE line = 3").fetchone()[0]
        assert raw == bad[3]
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 8
        assert st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()[0] == 14 - len(bad)


def test_repeated_event_id_within_a_file_is_rejected(tmp_path):
    path = write(tmp_path / "dup.CSV", [event(1, "20240105", "RUS", "CHN"),
                                        event(1, "20240105", "RUS", "CHN", code="043"),
                                        event(2, "20240105", "RUS", "IND")])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_kept, result.rows_rejected) == (2, 1)
        assert st.con.execute("SELECT event_code FROM events WHERE event_id = 1").fetchall() == [
            ("042",)]


def test_events_already_stored_from_another_file_are_not_duplicated(tmp_path):
    a = write(tmp_path / "a.CSV", [event(1, "20240105", "RUS", "CHN"),
                                   event(2, "20240105", "RUS", "IND")])
    b = write(tmp_path / "b.CSV", [event(2, "20240105", "RUS", "IND"),
                                   event(3, "20240106", "RUS", "IRN")])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load(st, a)
        result = load(st, b)
        assert (result.rows_kept, result.rows_duplicate) == (1, 1)
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 3


@pytest.mark.parametrize("kind", ["truncated zip", "html as zip", "html as csv", "empty",
                                  "binary"])
def test_unreadable_file_fails_with_one_line_and_leaves_nothing(tmp_path, kind):
    src = sample_dir() / "20191024143000.export.CSV"
    if kind == "truncated zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(src, src.name)
        path = tmp_path / "x.export.CSV.zip"
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif kind == "html as zip":
        path = tmp_path / "x.export.CSV.zip"
        path.write_text("<html><body><h1>404 Not Found</h1></body></html>\n")
    elif kind == "html as csv":
        path = tmp_path / "x.export.CSV"
        path.write_text("<!DOCTYPE html>\n<html>\n<body>Service unavailable</body>\n</html>\n")
    elif kind == "empty":
        path = tmp_path / "x.export.CSV"
        path.write_bytes(b"")
    else:
        path = tmp_path / "x.export.CSV"
        path.write_bytes(bytes(range(256)) * 64)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            load(st, path)
        message = str(info.value)
        assert "\n" not in message and str(path) in message
        events, rejects, daily, _ = counts_of(st)
        assert (events, rejects, daily) == (0, 0, 0)
        status = st.con.execute("SELECT status, error FROM files").fetchall()
        assert status == [("failed", message)]


def test_a_bad_file_does_not_stop_the_others(tmp_path):
    good = shutil.copy(sample_dir() / "20191024143000.export.CSV", tmp_path / "good.CSV")
    bad = tmp_path / "bad.export.CSV.zip"
    bad.write_text("<html>error</html>")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        report = ingest_paths(Context(st), [str(bad), str(good), str(tmp_path / "missing.CSV")])
        assert report.count("loaded") == 1 and len(report.failures) == 2
        assert not report.ok


def test_failure_inside_a_file_rolls_back_everything_of_it(tmp_path, monkeypatch):
    from pivotwatch.sources.gdelt import load as load_module

    path = shutil.copy(sample_dir() / "20191024143000.export.CSV", tmp_path / "f.CSV")

    def crash(self, ranges):
        raise OSError("disk full (simulated)")

    with open_store(tmp_path / "s.duckdb", create=True) as st:
        monkeypatch.setattr(load_module._FileLoad, "count_ids", crash)
        with pytest.raises(SourceError, match="disk full"):
            load(st, Path(path))
        assert counts_of(st)[:3] == (0, 0, 0)
        monkeypatch.undo()
        assert load(st, Path(path)).status == "loaded"


def test_killed_load_leaves_all_or_nothing_and_rerun_completes(tmp_path):
    """SIGKILL a process in the middle of a big file: the store holds none of it or all of it."""
    base = (sample_dir() / "20191024143000.export.CSV").read_text("utf-8").splitlines()
    lines = []
    for copy in range(250):  # about 90 MB, unique ids
        for line in base:
            cols = line.split("\t")
            cols[0] = str(int(cols[0]) + copy * 10_000_000)
            lines.append("\t".join(cols))
    big = write(tmp_path / "big.export.CSV", lines)
    db = tmp_path / "kill.duckdb"
    code = ("import sys; from pathlib import Path; from pivotwatch.store import open_store;"
            "from pivotwatch.sources.gdelt.load import load_file;"
            "st = open_store(sys.argv[1], create=True); print('opened', flush=True);"
            "load_file(st, Path(sys.argv[2]), countries=('RUS','CHN','USA','IND','IRN'),"
            " workdir=Path(sys.argv[1]).parent / 'w')")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(big)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "opened"
    time.sleep(0.4)  # the load itself takes over a second
    proc.kill()
    proc.wait()
    with open_store(db) as st:
        events = st.con.execute("SELECT count(*) FROM events").fetchone()[0]
        assert events in (0, len(lines))
        assert load(st, big).status in ("loaded", "skipped")
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == len(lines)
        assert st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()[0] == len(lines)


def total_counted(store) -> int:
    return store.con.execute("SELECT coalesce(sum(events), 0) FROM daily_counts").fetchone()[0]


@needs_shared
def test_full_files_after_the_sample_count_nothing_twice(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        ingest_sample(Context(st))
        before = (total_counted(st), st.con.execute("SELECT count(*) FROM events").fetchone())
        for path in V2_FILES:
            result = load(st, path)
            assert result.status == "loaded"
            assert result.rows_duplicate == result.rows_read  # every row already counted
            assert result.rows_kept == 0
        after = (total_counted(st), st.con.execute("SELECT count(*) FROM events").fetchone())
        assert after == before


def test_an_edited_copy_adds_only_its_new_rows(tmp_path):
    rows = [event(i, "20240105", "RUS" if i % 2 else "USA", "CHN") for i in range(1, 11)]
    original = write(tmp_path / "a.export.CSV", rows)
    shorter = write(tmp_path / "b.export.CSV", rows[:-1])
    crlf = tmp_path / "c.export.CSV"
    crlf.write_bytes(original.read_bytes().replace(b"\n", b"\r\n"))
    longer = write(tmp_path / "d.export.CSV", [*rows, event(11, "20240106", "RUS", "IND")])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load(st, original)
        assert total_counted(st) == 10
        for copy in (shorter, crlf):
            result = load(st, copy)
            assert (result.rows_duplicate, result.rows_kept) == (result.rows_read, 0)
        assert total_counted(st) == 10
        result = load(st, longer)
        assert (result.rows_duplicate, result.rows_kept) == (10, 1)
        assert total_counted(st) == 11
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 11


def test_invalid_utf8_rejects_those_lines_only(tmp_path):
    good = [event(i, "20240105", "RUS", "CHN").encode() for i in range(1, 8)]
    # a Latin-1 byte in Actor1Name (the template row's actor is MUMBAI)
    bad = event(99, "20240105", "RUS", "CHN").encode().replace(b"MUMBAI", b"MUMBA\xcd", 1)
    assert b"\xcd" in bad
    path = tmp_path / "latin.export.CSV"
    path.write_bytes(b"\n".join([*good[:3], bad, *good[3:]]) + b"\n")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (8, 7, 1)
        line, reason = st.con.execute("SELECT line, reason FROM rejects").fetchone()
        assert line == 4 and "encoding" in reason.lower()
        assert total_counted(st) == 7


def test_repeated_ids_are_counted_once(tmp_path):
    path = write(tmp_path / "rep.export.CSV", [event(1, "20240105", "FRA", "DEU"),
                                               event(1, "20240105", "FRA", "DEU"),
                                               event(2, "20240105", "RUS", "CHN"),
                                               event(2, "20240105", "RUS", "CHN")])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (4, 1, 2)
        assert total_counted(st) == 2
        reasons = [r for (r,) in st.con.execute("SELECT reason FROM rejects").fetchall()]
        assert len(reasons) == 2 and all("repeated 1 more time" in r for r in reasons)


def test_carriage_returns(tmp_path):
    rows = [event(i, "20240105", "RUS", "CHN") for i in range(1, 7)]
    data = [r.encode() for r in rows]
    data[1] += b"\r"  # one CRLF line in an LF file: fine
    data[3] = data[3].replace(b"\t042\t", b"\t04\r2\t", 1)  # a CR inside a line: rejected
    path = tmp_path / "cr.export.CSV"
    path.write_bytes(b"\n".join(data) + b"\n")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (6, 5, 1)
        assert st.con.execute("SELECT line, reason FROM rejects").fetchall() == [
            (4, "carriage return inside the line")]
        urls = st.con.execute("SELECT count(*) FROM events WHERE source_url LIKE "
                              "'%' || chr(13) || '%'").fetchone()[0]
        assert urls == 0


def test_a_line_over_the_readers_limit_is_rejected(tmp_path):
    long_url = "http://example.org/" + "x" * 2_200_000
    rows = [event(1, "20240105", "RUS", "CHN"), event(2, "20240105", "RUS", "CHN", url=long_url),
            event(3, "20240105", "RUS", "CHN")]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, write(tmp_path / "long.export.CSV", rows))
        assert (result.rows_kept, result.rows_rejected) == (2, 1)
        # blanked before DuckDB reads the file; the raw text keeps the line's first 2000 bytes
        assert st.con.execute("SELECT line, reason, length(raw) FROM rejects").fetchall() == [
            (2, f"line of {len(rows[1]):,} bytes, longer than a GDELT row can be (2 MB)", 2000)]


@needs_shared
def test_v1_mixed_layouts_keep_line_numbers_and_reject_bad_bytes(tmp_path):
    lines = V1_SAMPLE.read_bytes().split(b"\n")[:-1]
    widths = [line.count(b"\t") + 1 for line in lines]
    minority = [i for i, w in enumerate(widths) if w == 58][5]  # a 58-column row
    lines[minority] += b"\xff\xfe"  # bad UTF-8 at the end of its SOURCEURL
    lines.insert(70, b"")  # a blank line
    lines.insert(80, b"garbage\tline")
    data = b"\r\n".join(lines) + b"\r\n"  # and CRLF throughout
    path = tmp_path / "v1.export.CSV"
    path.write_bytes(data)
    physical = data.split(b"\r\n")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        rejects = dict(st.con.execute("SELECT line, reason FROM rejects").fetchall())
        assert physical[80] == b"garbage\tline" and 81 in rejects
        bad_line = next(n for n, line in enumerate(physical, 1) if b"\xff" in line)
        assert bad_line in rejects and "encoding" in rejects[bad_line].lower()
        assert len(rejects) == 2
        assert result.rows_read == 100 + 1  # the blank line is not a row
        assert total_counted(st) == 99


def test_repeated_id_counted_before_but_not_stored(tmp_path):
    rus_chn = event(7, "20240105", "RUS", "CHN")
    first = write(tmp_path / "a.export.CSV", [rus_chn, event(8, "20240105", "PRK", "CHN")])
    second = write(tmp_path / "b.export.CSV", [rus_chn, rus_chn, rus_chn])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load_file(st, first, countries=("PRK",), workdir=tmp_path / "w")
        result = load(st, second)
        assert (result.rows_kept, result.rows_rejected, result.rows_duplicate) == (1, 2, 1)
        assert st.con.execute("SELECT count(*) FROM events WHERE event_id = 7").fetchone()[0] == 1
        assert total_counted(st) == 2
