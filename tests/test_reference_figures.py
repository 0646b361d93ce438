"""Reference figures: trade by year, fuel deliveries and caps, routed by header, bad rows out."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import SHARED
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.sources.reference_figures import (
    CAP_COLUMNS,
    FUEL_COLUMNS,
    TRADE_COLUMNS,
    bundled_figures,
    load_figures,
)
from pivotwatch.store import open_store

runner = CliRunner()
TRADE = {"year": "2019", "reporter": "ITC", "flow": "total", "value_usd": "47900000",
         "is_estimate": "false", "note": "reported by Yonhap",
         "source_url": "https://example.org/a ; https://example.org/b", "confidence": "high"}
FUEL = {"period_start": "2024-03-01", "period_end": "2024-03-31", "supplier": "RUS",
        "barrels": "165000", "basis": "government_estimate",
        "note": "LOWER BOUND: more than this", "source_url": "https://example.org/c",
        "confidence": "medium"}
CAP = {"instrument": "UNSCR 2397", "adopted": "2017-12-22", "commodity": "refined_petroleum",
       "cap_value": "500000", "cap_unit": "barrels_per_year",
       "source_url": "https://example.org/d"}


def write(path, rows, columns):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def test_bundled_tables_load_once_each(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        report = ingest_reference(Context(st))
        assert report.ok
        kept = {r.name: (r.layout, r.rows_kept, r.rows_rejected) for r in report.results}
        assert kept == {"bundled:key_events.csv": ("reference-events", 69, 0),
                        "bundled:trade_by_year.csv": ("reference-trade", 20, 0),
                        "bundled:fuel_deliveries.csv": ("reference-fuel", 8, 0),
                        "bundled:cap_rules.csv": ("reference-caps", 2, 0),
                        "bundled:measures.csv": ("reference-measures", 28, 0)}
        again = ingest_reference(Context(st))
        assert again.count("skipped") == 5
        fuel = st.con.execute("SELECT period_start, barrels, basis, flags FROM reference_fuel "
                              "ORDER BY period_start, basis").fetchall()
        assert [(str(d), b, f) for d, b, _, f in fuel] == [
            ("2018-01-01", 241114.0, []), ("2019-01-01", 277365.0, []),
            ("2020-08-01", None, ["gap"]), ("2022-12-01", 67300.0, ["overlaps"]),
            ("2023-01-01", 105845.0, ["overlaps"]), ("2024-01-01", 15279.0, []),
            ("2024-03-01", 165000.0, ["lower_bound"]),
            ("2024-03-07", 1000000.0, ["lower_bound"])]
        flagged = st.con.execute("SELECT year, flow, flags FROM reference_trade "
                                 "WHERE len(flags) > 0 ORDER BY year").fetchall()
        assert flagged == [(2016, "total", ["partial_year"]), (2017, "total", ["inferred"]),
                           (2020, "target", ["target"]), (2022, "total", ["inferred"])]
        caps = st.con.execute("SELECT commodity, cap_value, cap_unit FROM reference_caps "
                              "ORDER BY 1").fetchall()
        assert caps == [("crude_oil", 4e6, "barrels_per_year"),
                        ("refined_petroleum", 5e5, "barrels_per_year")]
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0] == 0


def test_bundled_figures_are_the_shared_ones():
    if not (SHARED / "reference").is_dir():
        pytest.skip("../shared/reference is absent")
    for name, path in bundled_figures():
        assert path.read_bytes() == (SHARED / "reference" / name.split(":")[1]).read_bytes()


@pytest.mark.parametrize("good, columns, change, reason", [
    (TRADE, TRADE_COLUMNS, {"year": "19"}, "is not a four-digit year"),
    (TRADE, TRADE_COLUMNS, {"reporter": " "}, "reporter is empty"),
    (TRADE, TRADE_COLUMNS, {"flow": "Total Trade"}, "is not a lower_case_word"),
    (TRADE, TRADE_COLUMNS, {"value_usd": "47.9m"}, "value_usd '47.9m' is not a number"),
    (TRADE, TRADE_COLUMNS, {"value_usd": "-1"}, "must be a non-negative number"),
    (TRADE, TRADE_COLUMNS, {"is_estimate": "maybe"}, "is not true or false"),
    (TRADE, TRADE_COLUMNS, {"confidence": "certain"}, "is not high, medium or low"),
    (TRADE, TRADE_COLUMNS, {"source_url": ""}, "no source_url"),
    (TRADE, TRADE_COLUMNS, {"source_url": "https://a.org ; www.b.org"}, "'www.b.org' is not"),
    (FUEL, FUEL_COLUMNS, {"period_start": "2024-02-30"}, "is not a date (YYYY-MM-DD)"),
    (FUEL, FUEL_COLUMNS, {"period_end": "2024-02-01"}, "is before period_start"),
    (FUEL, FUEL_COLUMNS, {"supplier": "Russia"}, "is not an ISO3 country code"),
    (FUEL, FUEL_COLUMNS, {"barrels": "lots"}, "barrels 'lots' is not a number"),
    (FUEL, FUEL_COLUMNS, {"basis": "rumour"}, "basis 'rumour' is not one of"),
    (CAP, CAP_COLUMNS, {"adopted": "22/12/2017"}, "is not a date"),
    (CAP, CAP_COLUMNS, {"cap_value": "0"}, "must be a positive number"),
    (CAP, CAP_COLUMNS, {"cap_unit": "barrels per year"}, "is not a lower_case_word"),
])
def test_bad_rows_are_rejected_with_line_and_reason(tmp_path, good, columns, change, reason):
    key = "year" if good is TRADE else "period_start" if good is FUEL else "commodity"
    other = {"year": "2020", "period_start": "2024-03-02", "commodity": "crude_oil"}[key]
    rows = [good, good | {key: other}, good | change, good]
    path = write(tmp_path / "f.csv", rows, columns)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_figures(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (4, 2, 2)
        got = st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall()
        assert got[0][0] == 4 and reason in got[0][1]
        assert got[1] == (5, "duplicate row: same figure as line 2")


def test_routing_by_header_and_unusable_files(tmp_path):
    fuel = write(tmp_path / "fuel.csv", [FUEL], FUEL_COLUMNS)
    other = write(tmp_path / "x.csv", [{"a": "1"}], ("a",))
    broken = tmp_path / "broken.csv"
    broken.write_bytes(",".join(TRADE_COLUMNS).encode() + b"\n\xff\xfe\n")
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "reference", str(fuel)])
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        assert st.con.execute("SELECT count(*) FROM reference_fuel").fetchone()[0] == 1
        for path, message in [(other, "not a reference table: its header matches none"),
                              (broken, "not UTF-8")]:
            with pytest.raises(SourceError, match=re.escape(message)) as info:
                load_figures(st, path)
            assert "\n" not in str(info.value)
        assert st.con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    # a header of none of the figure tables goes to the timeline loader, which says why
    result = runner.invoke(app, ["--db", db, "ingest", "reference", str(other)])
    assert result.exit_code == 1 and "none of the known layouts" in result.output
