"""Reference measures: measures.csv loaded row by row, and each measure shown as series of
published figures that are never added, compared only within their own series."""

from __future__ import annotations

import csv
import json
from datetime import date

import pandas as pd
import pytest
from conftest import SHARED
from typer.testing import CliRunner

from pivotwatch.analysis.measures import latest_per_series, measures
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.sources.reference_figures import MEASURE_COLUMNS, bundled_figures, load_figures
from pivotwatch.store import open_store

runner = CliRunner()
ROW = {"as_of": "2024-02-27", "period_start": "2023-09-01", "period_end": "2024-02-27",
       "from_country": "PRK", "to_country": "RUS", "dimension": "military",
       "measure": "munitions_containers", "value": "6700", "unit": "containers",
       "basis": "cumulative", "publisher": "MND", "publisher_kind": "third_government",
       "note": "about 6,700 containers", "source_url": "https://example.org/a ; "
       "https://example.org/b", "confidence": "medium"}


def write(path, rows, columns=MEASURE_COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def fig(as_of, value, publisher="MND", basis="cumulative", start="2023-09-01", **more):
    return ROW | {"as_of": as_of, "period_end": as_of, "period_start": start,
                  "value": str(value), "publisher": publisher, "basis": basis} | more


def stored(st, sql="SELECT count(*) FROM reference_measures", params=()):
    return st.con.execute(sql, list(params)).fetchall()


# -- loading ------------------------------------------------------------------------------

def test_bundled_measures_are_the_shared_ones():
    shared = SHARED / "reference" / "measures.csv"
    if not shared.is_file():
        pytest.skip("../shared/reference is absent")
    bundled = dict(bundled_figures())["bundled:measures.csv"]
    assert bundled.read_bytes() == shared.read_bytes()


def test_bundled_measures_load_every_row_with_provenance(tmp_path):
    bundled = dict(bundled_figures())["bundled:measures.csv"]
    expected = list(csv.DictReader(bundled.open(encoding="utf-8")))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_figures(st, bundled, "bundled:measures.csv")
        assert (result.layout, result.rows_kept, result.rows_rejected) == \
            ("reference-measures", len(expected), 0) == ("reference-measures", 28, 0)
        (file_id, source), = stored(st, "SELECT file_id, source FROM files")
        assert source == "reference"
        assert stored(st, "SELECT DISTINCT file_id FROM reference_measures") == [(file_id,)]
        coal = stored(st, "SELECT as_of, value, basis, publisher_kind, source_urls FROM "
                          "reference_measures WHERE measure = 'coal_transit_rajin'")
        assert coal == [(date(2014, 12, 31), 238200.0, "period", "media",
                         ["https://www.drycargomag.com/cross-border-bulk-trade-increases-"
                          "between-russia-and-north-korea", "http://tass.com/economy/1023928"])]


def test_ingest_reference_routes_measures_by_header_and_is_idempotent(tmp_path):
    db = str(tmp_path / "s.duckdb")
    first = write(tmp_path / "m.csv", [fig("2024-02-27", 6700), fig("2024-06-14", 10000)])
    result = runner.invoke(app, ["--db", db, "ingest", "reference", str(first)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["--db", db, "ingest", "reference", str(first)])
    assert again.exit_code == 0, again.output
    with open_store(db, read_only=True) as st:  # the same file again: skipped, nothing added
        assert stored(st) == [(2,)] and stored(st, "SELECT count(*) FROM files") == [(1,)]
    # an edited copy repeating both figures adds only the new one
    edited = write(tmp_path / "m2.csv", [fig("2024-02-27", 6700), fig("2024-06-14", 10000),
                                         fig("2024-08-27", 13000)])
    assert runner.invoke(app, ["--db", db, "ingest", "reference", str(edited)]).exit_code == 0
    with open_store(db, read_only=True) as st:
        assert stored(st) == [(3,)]
        assert stored(st, "SELECT rows_kept, rows_duplicate FROM files WHERE name = ?",
                      [str(edited)]) == [(1, 2)]


@pytest.mark.parametrize("change, reason", [
    ({"basis": "rumour"}, "basis 'rumour' is not one of cumulative, cumulative_lower_bound"),
    ({"value": "1,000"}, "value '1,000' is not a number"),
    ({"value": "1_000"}, "value '1_000' is not a number"),
    ({"value": "NaN"}, "value 'NaN' must be a non-negative number"),
    ({"value": "-5"}, "must be a non-negative number"),
    ({"value": "99999999999999"}, "larger than any real figure of a measure"),
    ({"value": ""}, "value '' is not a number"),
    ({"as_of": "27/02/2024"}, "as_of '27/02/2024' is not a date (YYYY-MM-DD)"),
    ({"period_start": "2024-03-01"}, "period_end 2024-02-27 is before period_start 2024-03-01"),
    ({"period_end": "2024-03-31"}, "period_end 2024-03-31 is after as_of 2024-02-27"),
    ({"from_country": "XXX"}, "from_country 'XXX' is not an ISO3 country code"),
    ({"to_country": "PRK"}, "from_country and to_country are both PRK"),
    ({"dimension": "cultural"}, "dimension 'cultural' is not one of economic"),
    ({"measure": "Containers Sent"}, "measure 'containers sent' is not a lower_case_word"),
    ({"unit": "boxes; DROP"}, "is not a plain unit name"),
    ({"unit": " "}, "unit is empty"),
    ({"publisher": ""}, "publisher is empty"),
    ({"publisher": "p" * 300}, "publisher of 300 characters is longer than a real one"),
    ({"publisher_kind": "blog"}, "publisher_kind 'blog' is not one of party_government"),
    ({"source_url": ""}, "no source_url"),
    ({"source_url": "javascript:alert(1)"}, "is not an http(s) address"),
    ({"confidence": "certain"}, "confidence 'certain' is not high, medium or low"),
])
def test_bad_rows_are_rejected_with_line_and_reason(tmp_path, change, reason):
    rows = [fig("2024-01-0" + str(i), 100 * i) for i in range(1, 4)] + [ROW | change]
    path = write(tmp_path / "m.csv", rows)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_figures(st, path)
        assert (result.rows_kept, result.rows_rejected) == (3, 1)
        (line, why), = stored(st, "SELECT line, reason FROM rejects")
        assert line == 5 and reason in why, why


def test_an_announcement_may_name_a_later_period_and_blanks_are_no_period(tmp_path):
    rows = [ROW | {"basis": "announced", "period_end": "2025-12-31"},
            ROW | {"as_of": "2024-03-01", "period_start": "", "period_end": ""}]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        assert load_figures(st, write(tmp_path / "m.csv", rows)).rows_kept == 2
        assert stored(st, "SELECT basis, period_start, period_end FROM reference_measures "
                          "ORDER BY as_of") == [
            ("announced", date(2023, 9, 1), date(2025, 12, 31)), ("cumulative", None, None)]


def test_a_second_value_for_the_same_figure_is_a_duplicate(tmp_path):
    rows = [ROW, ROW | {"value": "7000"}]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_figures(st, write(tmp_path / "m.csv", rows))
        assert (result.rows_kept, result.rows_rejected) == (1, 1)
        assert stored(st, "SELECT reason FROM rejects") == [
            ("duplicate row: same figure as line 2",)]


def test_hostile_header_and_values_never_reach_sql(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = ["x\"); COPY (SELECT 1) TO 'PWNED.txt'; --", "\x1b[31mred"]
    header = [*MEASURE_COLUMNS, *hostile]
    rows = [[*fig(f"2024-0{i}-01", i).values(), "v", "w"] for i in range(1, 4)]
    rows.append([*(ROW | {"value": "1); DROP TABLE reference_measures; --"}).values(), "v", "w"])
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", "reference",
                                 str(path)])
    assert result.exit_code == 0, result.output
    assert "ignored column(s)" in result.output and "\x1b" not in result.output
    assert not (tmp_path / "PWNED.txt").exists()
    with open_store(tmp_path / "s.duckdb", read_only=True) as st:
        assert stored(st) == [(3,)]
        (why,), = stored(st, "SELECT reason FROM rejects")
        assert why.startswith("value '1); DROP TABLE")


def test_a_file_of_bad_rows_fails_whole_and_leaves_nothing(tmp_path):
    rows = [ROW | {"basis": "guess"}, ROW | {"value": "lots"}, ROW]
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", "reference",
                                 str(write(tmp_path / "bad.csv", rows))])
    assert result.exit_code != 0
    assert "bad.csv: 2 of 3 rows are invalid" in result.output
    with open_store(tmp_path / "s.duckdb", read_only=True) as st:
        assert stored(st) == [(0,)]
        assert stored(st, "SELECT status FROM files") == [("failed",)]


# -- series -------------------------------------------------------------------------------

SERIES = [
    fig("2024-01-10", 100),                                   # MND cumulative
    fig("2024-02-10", 250, publisher="NIS"),                  # another publisher
    fig("2024-03-10", 300),                                   # MND again: +200, not +50
    fig("2024-04-10", 500, basis="cumulative_lower_bound"),   # another basis: no change
    fig("2024-05-10", 800, start="2022-07-01"),               # MND, counted from mid-2022
    fig("2024-06-10", 40, measure="grain_shipped", unit="tonnes", from_country="RUS",
        to_country="PRK", dimension="humanitarian", basis="period", start="2024-06-01"),
    fig("2024-07-10", 60, measure="grain_shipped", unit="tonnes", from_country="PRK",
        to_country="RUS", dimension="humanitarian", basis="period", start="2024-07-01"),
    fig("2024-08-10", 9, measure="troops_deployed", unit="brigades"),
    fig("2024-09-10", 12000, measure="troops_deployed", unit="personnel"),
]


@pytest.fixture
def series_store(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        assert load_figures(st, write(tmp_path / "m.csv", SERIES)).rows_kept == len(SERIES)
        yield st


def test_change_is_against_the_previous_figure_of_the_same_series_only(series_store):
    df = measures("RUS", "PRK", store=series_store)
    assert len(df) == len(SERIES)  # one row per figure: nothing added
    got = [(r.measure, r.publisher, r.basis, str(r.as_of), r.value,
            None if r.change != r.change else r.change) for r in df.itertuples()]
    assert got == [
        ("grain_shipped", "MND", "period", "2024-06-10", 40.0, None),
        ("grain_shipped", "MND", "period", "2024-07-10", 60.0, None),  # the other direction
        ("munitions_containers", "MND", "cumulative", "2024-01-10", 100.0, None),
        ("munitions_containers", "MND", "cumulative", "2024-03-10", 300.0, 200.0),
        ("munitions_containers", "MND", "cumulative_lower_bound", "2024-04-10", 500.0, None),
        ("munitions_containers", "MND", "cumulative", "2024-05-10", 800.0, 500.0),
        ("munitions_containers", "NIS", "cumulative", "2024-02-10", 250.0, None),
        ("troops_deployed", "MND", "cumulative", "2024-08-10", 9.0, None),
        ("troops_deployed", "MND", "cumulative", "2024-09-10", 12000.0, None),  # new unit
    ]
    assert df.series[2] == "munitions_containers | PRK→RUS | MND | cumulative"
    assert df.series[0] != df.series[1]
    notes = dict(zip(df.as_of.map(str), df.change_note, strict=True))
    assert notes["2024-05-10"] == "counted from 2022-07-01, the previous figure from 2023-09-01"
    assert pd.isna(notes["2024-03-10"])
    assert str(df.previous_as_of[3]) == "2024-01-10" and df.previous_as_of[2] is None
    assert df.source_urls[0] == ["https://example.org/a", "https://example.org/b"]
    assert df.basis_label[4] == "cumulative, lower bound"


def test_as_of_leaves_later_figures_out_and_changes_nothing_before(series_store):
    full = measures("PRK", "RUS", store=series_store)
    early = measures("PRK", "RUS", store=series_store, as_of=date(2024, 3, 10))
    assert [str(d) for d in early.as_of] == ["2024-01-10", "2024-03-10", "2024-02-10"]
    kept = full[full.as_of <= date(2024, 3, 10)].reset_index(drop=True)
    pd.testing.assert_frame_equal(early, kept)
    assert measures(store=series_store, as_of=date(2023, 1, 1)).empty


def test_filters_and_the_latest_of_each_series(series_store):
    assert len(measures("PRK", store=series_store)) == len(SERIES)
    assert measures("RUS", "CHN", store=series_store).empty
    troops = measures("RUS", "PRK", store=series_store, measure="troops_deployed,grain_shipped")
    assert set(troops.measure) == {"troops_deployed", "grain_shipped"}
    latest = latest_per_series(measures(store=series_store, measure=["munitions_containers"]))
    assert [(r.publisher, r.basis, r.value) for r in latest.itertuples()] == [
        ("MND", "cumulative_lower_bound", 500.0), ("MND", "cumulative", 800.0),
        ("NIS", "cumulative", 250.0)]
    with pytest.raises(UsageError, match="unknown country code 'XQZ'"):
        measures("XQZ", store=series_store)
    with pytest.raises(UsageError, match="bad measure name"):
        measures(store=series_store, measure="x; DROP")


def test_measures_command(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "reference",
                               str(write(tmp_path / "m.csv", SERIES))]).exit_code == 0
    table = runner.invoke(app, ["--db", db, "measures", "--measure", "munitions_containers"])
    assert table.exit_code == 0, table.output
    assert "+200" in table.output and "+500 *" in table.output
    assert "counted from another start" in table.output
    assert "grain_shipped" not in table.output
    out = runner.invoke(app, ["--db", db, "measures", "--as-of", "2024-02-10", "--format",
                              "json"])
    rows = json.loads(out.output)
    assert [(r["as_of"], r["value"], r["change"]) for r in rows] == [
        ("2024-01-10", 100.0, None), ("2024-02-10", 250.0, None)]
    none = runner.invoke(app, ["--db", db, "measures", "--measure", "tanks"])
    assert none.exit_code == 0 and "Measures loaded: grain_shipped, munitions_containers, " \
        "troops_deployed." in none.output
    bad = runner.invoke(app, ["--db", db, "measures", "--as-of", "soon"])
    assert bad.exit_code == 2 and "bad date for --as-of: 'soon'" in bad.output
