"""The reference timeline: curated events in a table of their own, bad rows rejected."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import SHARED
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import (
    COLUMNS,
    bundled_timeline,
    ingest_reference,
    load_timeline,
)
from pivotwatch.store import open_store

runner = CliRunner()
GOOD = {"date": "2023-09-13", "date_precision": "day", "actor1": "RUS", "actor2": "PRK",
        "dimension": "political", "event_type": "summit",
        "description": "A summit at the Vostochny cosmodrome.",
        "source_url": "https://example.org/a ; https://example.org/b", "confidence": "high"}


def write_timeline(path, rows, columns=COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def test_bundled_timeline_loads_every_row_once(tmp_path):
    expected = list(csv.DictReader(bundled_timeline().open(encoding="utf-8")))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        report = ingest_reference(Context(st))
        assert report.ok and report.results[0].rows_kept == len(expected) == 69
        again = ingest_reference(Context(st))
        # the bundled timeline and the four bundled figure tables, each loaded once
        assert again.count("skipped") == len(report.results) == 5
        assert st.con.execute("SELECT count(*) FROM reference_events").fetchone()[0] == 69
        # curated events never reach the GDELT tables
        assert st.con.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        assert st.con.execute("SELECT count(*) FROM daily_counts").fetchone()[0] == 0
        first = st.con.execute(
            "SELECT date, date_precision, actor1, actor2, source_urls FROM reference_events "
            "ORDER BY date LIMIT 1").fetchone()
        assert str(first[0]) == "2000-02-09" and first[1:4] == ("day", "RUS", "PRK")
        assert len(first[4]) == 2


def test_bundled_timeline_is_the_shared_one():
    shared = SHARED / "reference" / "key_events.csv"
    if not shared.exists():
        pytest.skip("../shared/reference is absent")
    assert bundled_timeline().read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("change, reason", [
    ({"date": "2023-13-01"}, "not a real date"),
    ({"date": "2023-09"}, "does not match precision 'day'"),
    ({"date_precision": "week"}, "is not day, month or year"),
    ({"actor1": "XXQ"}, "unknown actor code 'XXQ'"),
    ({"actor1": ""}, "actor1 is empty"),
    ({"dimension": "cultural"}, "unknown dimension 'cultural'"),
    ({"event_type": "Big Summit!"}, "is not a lower_case_word"),
    ({"description": "  "}, "description is empty"),
    ({"source_url": ""}, "no source_url"),
    ({"source_url": "ftp://example.org/x"}, "is not an http(s) address"),
    ({"confidence": "certain"}, "is not high, medium or low"),
])
def test_bad_rows_are_rejected_with_line_and_reason(tmp_path, change, reason):
    rows = [GOOD, GOOD | {"event_type": "visit"}, GOOD | change,
            GOOD | {"date": "2024-06", "date_precision": "month", "event_type": "treaty_signed"}]
    path = write_timeline(tmp_path / "t.csv", rows)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_timeline(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (4, 3, 1)
        line, got = st.con.execute("SELECT line, reason FROM rejects").fetchone()
        assert line == 4 and reason in got  # header is line 1


def test_repeated_events_are_stored_once_and_month_dates_start_the_month(tmp_path):
    month = GOOD | {"date": "2024-06", "date_precision": "month"}
    a = write_timeline(tmp_path / "a.csv", [GOOD, month])
    b = write_timeline(tmp_path / "b.csv", [GOOD, GOOD | {"event_type": "visit"}])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load_timeline(st, a)
        result = load_timeline(st, b)
        assert (result.rows_kept, result.rows_duplicate) == (1, 1)
        dates = [str(d) for (d,) in st.con.execute(
            "SELECT date FROM reference_events ORDER BY date").fetchall()]
        assert dates == ["2023-09-13", "2023-09-13", "2024-06-01"]


def test_unusable_files_fail_in_one_line_and_write_nothing(tmp_path):
    wrong = write_timeline(tmp_path / "wrong.csv", [{"a": "1", "b": "2"}], columns=("a", "b"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(COLUMNS).encode() + b"\n2023-09-13,day,RUS,PRK,political,"
                      b"summit,Caf\xe9,https://x.org,high\n")
    all_bad = write_timeline(tmp_path / "bad.csv", [GOOD | {"confidence": "?"}] * 3)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        for path, message in [(wrong, "its header has none of the known layouts"),
                              (latin, "not UTF-8"), (all_bad, "no valid reference-events rows")]:
            with pytest.raises(SourceError, match=re.escape(message)) as info:
                load_timeline(st, path)
            assert "\n" not in str(info.value)
        assert st.con.execute("SELECT count(*) FROM reference_events").fetchone()[0] == 0
        assert st.con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0


def test_cli_reports_extra_columns_and_failures(tmp_path):
    extra = write_timeline(tmp_path / "x.csv", [GOOD | {"notes": "n"}],
                           columns=(*COLUMNS, "notes"))
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "reference", str(extra)])
    assert result.exit_code == 0 and "ignored column(s) notes" in result.output
    missing = runner.invoke(app, ["--db", db, "ingest", "reference", str(tmp_path / "no.csv")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_a_folder_loads_its_reference_tables_and_passes_over_the_rest(tmp_path):
    from pivotwatch.sources.reference_figures import bundled_figures

    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / "key_events.csv").write_bytes(bundled_timeline().read_bytes())
    for _, path in bundled_figures():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "organizations.csv").write_text("canonical_name,acronym,aliases\nX,Y,Z\n")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        report = ingest_reference(Context(st), [str(folder)])
        assert report.ok and report.count("loaded") == 5
        assert report.passed_over == [str(folder / "organizations.csv")]
