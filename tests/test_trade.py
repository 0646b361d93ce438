"""Trade analysis: reported and mirror figures, categories, reference figures, fuel vs the cap."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import SHARED_DATA, needs_shared
from typer.testing import CliRunner

from pivotwatch.analysis.trade import fuel_vs_cap, trade, trade_with_reference
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.sources.comtrade import load_comtrade
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.store import open_store

runner = CliRunner()
COLUMNS = ("reporter_iso", "flow_desc", "partner_iso", "cmd_code", "primary_value", "ref_year")
# Russia reports both ways; China reports its imports from Russia; PRK reports nothing.
ROWS = [
    ("RUS", "Export", "PRK", "TOTAL", "100", "2019"),
    ("RUS", "Export", "PRK", "27", "60", "2019"),
    ("RUS", "Export", "PRK", "2710", "50", "2019"),   # inside chapter 27: not counted again
    ("RUS", "Export", "PRK", "1001", "30", "2019"),
    ("RUS", "Import", "PRK", "9301", "5", "2019"),
    ("RUS", "Import", "PRK", "0306", "2", "2019"),
    ("RUS", "Export", "PRK", "8703", "9", "2020"),
    ("RUS", "Export", "CHN", "TOTAL", "1000", "2019"),
    ("CHN", "Import", "RUS", "TOTAL", "1100", "2019"),  # CIF: above Russia's FOB export
]


def load(tmp_path, rows=ROWS):
    path = tmp_path / "flows.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)
    st = open_store(tmp_path / "s.duckdb", create=True)
    load_comtrade(st, path)
    return st


def records(df, *columns):
    return sorted(tuple(r) for r in df[list(columns)].itertuples(index=False))


def test_reported_and_mirror_rows_by_year(tmp_path):
    with load(tmp_path) as st:
        df = trade("RUS", "PRK", store=st)
        assert records(df, "year", "country", "flow", "value_usd", "basis", "coverage") == [
            (2019, "PRK", "export", 7.0, "mirror: from PRK's partners' reports",
             "only the HS codes loaded"),
            (2019, "PRK", "import", 100.0, "mirror: from PRK's partners' reports",
             "all commodities (TOTAL)"),
            (2019, "RUS", "export", 100.0, "reported by RUS", "all commodities (TOTAL)"),
            (2019, "RUS", "import", 7.0, "reported by RUS", "only the HS codes loaded"),
            (2020, "PRK", "import", 9.0, "mirror: from PRK's partners' reports",
             "only the HS codes loaded"),
            (2020, "RUS", "export", 9.0, "reported by RUS", "only the HS codes loaded")]
        assert set(df.reported_by) == {"RUS"}
        assert df.attrs["warnings"][0] == ("PRK reports nothing in the loaded Comtrade data: "
                                           "its figures are mirror data from its partners' "
                                           "reports")
        # Russia's FOB export and China's CIF import of the same goods: both kept, not merged
        both = trade("RUS", "CHN", store=st)
        exports = both[(both.country == "RUS") & (both.flow == "export")]
        assert records(exports, "value_usd", "basis", "valuation") == [
            (1000.0, "reported by RUS", "FOB (exporter's valuation)"),
            (1100.0, "mirror: from RUS's partners' reports", "CIF (importer's valuation)")]


def test_categories_count_each_code_once(tmp_path):
    with load(tmp_path) as st:
        df = trade("RUS", "PRK", store=st, by="category", start=2019, end=2019)
        own = df[df.basis == "reported by RUS"]
        assert records(own, "flow", "category", "value_usd", "hs_codes") == [
            ("export", "energy", 60.0, 1), ("export", "food_agriculture", 30.0, 1),
            ("import", "arms", 5.0, 1), ("import", "food_agriculture", 2.0, 1)]
        arms = trade("RUS", "PRK", store=st, categories=["arms,all"])
        assert set(arms.category) == {"arms", "all"} and set(arms.year) == {2019, 2020}
        with pytest.raises(UsageError, match="unknown trade category 'weapons'"):
            trade("RUS", "PRK", store=st, categories=["weapons"])
        with pytest.raises(UsageError, match="unknown country code 'XYZ'"):
            trade("RUS", "XYZ", store=st)


def test_reference_figures_sit_beside_comtrade_and_fuel_against_the_cap(tmp_path):
    with load(tmp_path) as st:
        ingest_reference(Context(st))
        df = trade_with_reference("RUS", "PRK", store=st, start=2019, end=2020)
        ref = df[df.source == "reference"]
        assert records(ref, "year", "flow", "value_usd", "basis") == [
            (2019, "dprk_exports_to_rus", 3e6, "published by ITC"),
            (2019, "dprk_imports_from_rus", 44.9e6, "published by ITC"),
            (2019, "total", 47.9e6, "published by ITC"),
            (2020, "dprk_exports_to_rus", 714e3, "published by Russian customs"),
            (2020, "target", 1e9, "target, not a recorded value"),
            (2020, "total", 42.74e6, "published by Russian customs")]
        assert all(len(u) >= 1 for u in ref.source_urls)
        assert set(df[df.source == "comtrade"].year) == {2019, 2020}
        fuel = fuel_vs_cap("RUS", store=st, start=2023)
        got = [(str(r.period_start), r.barrels, r.basis, r.cap_barrels,
                round(r.share_of_cap, 4), r.caveats) for r in fuel.itertuples()]
        assert got == [
            ("2022-12-01", 67300.0, "reported_to_un", 5e5, 0.1346,
             "OVERLAPS another row of the same basis: do not add them; not a calendar year: "
             "compare with the annual cap with care"),
            ("2023-01-01", 105845.0, "reported_to_un", 5e5, 0.2117,
             "OVERLAPS another row of the same basis: do not add them"),
            ("2024-01-01", 15279.0, "reported_to_un", 5e5, 0.0306,
             "not a calendar year: compare with the annual cap with care"),
            ("2024-03-01", 165000.0, "government_estimate", 5e5, 0.33,
             "LOWER BOUND: at least this much; not a calendar year: compare with the annual "
             "cap with care"),
            ("2024-03-07", 1e6, "open_source_estimate", 5e5, 2.0,
             "LOWER BOUND: at least this much; not a calendar year: compare with the annual "
             "cap with care; above the annual cap on its own")]


def test_cli_trade_and_fuel(tmp_path):
    db = str(tmp_path / "s.duckdb")
    none = runner.invoke(app, ["--db", db, "trade", "RUS", "PRK"])
    assert none.exit_code == 1 and "no store at" in none.output
    assert runner.invoke(app, ["--db", db, "ingest", "reference"]).exit_code == 0
    empty = runner.invoke(app, ["--db", db, "trade", "RUS", "PRK", "--from", "2030"])
    assert empty.exit_code == 0
    assert "the store holds no Comtrade trade flows" in empty.output
    assert "No figures for RUS-PRK" in empty.output
    only_ref = runner.invoke(app, ["--db", db, "trade", "RUS", "PRK", "--from", "2023"])
    assert "No trade data is loaded" in only_ref.output and "34,400,000" in only_ref.output
    fuel = runner.invoke(app, ["--db", db, "fuel", "RUS", "PRK", "--format", "json"])
    rows = json.loads(fuel.stdout)
    assert [r["basis"] for r in rows].count("reported_to_un") == 6
    assert rows[0]["source_urls"] and rows[0]["share_of_cap"] == pytest.approx(0.482228)
    out = tmp_path / "fuel.csv"
    assert runner.invoke(app, ["--db", db, "fuel", "-o", str(out)]).exit_code == 0
    assert out.read_text().count("\n") == 9
    later = runner.invoke(app, ["--db", db, "fuel", "RUS", "PRK", "--from", "2030"])
    assert later.exit_code == 0 and "No fuel figure for that supplier falls in that span" \
        in later.output
    wrong = runner.invoke(app, ["--db", db, "fuel", "RUS", "CHN"])
    assert wrong.exit_code == 2 and "North Korea (PRK) only" in wrong.output
    bad = runner.invoke(app, ["--db", db, "trade", "RUS", "PRK", "--from", "2020", "--to",
                              "2019"])
    assert bad.exit_code == 2 and "--from 2020 is after --to 2019" in bad.output


@needs_shared
def test_real_shrimp_file_gives_prk_mirror_imports(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load_comtrade(st, SHARED_DATA / "trade" / "comtrade" /
                      "comtradr_example_3_THA_shrimp_2007-2011.csv")
        df = trade("THA", "PRK", store=st)
        prk = df[df.country == "PRK"]
        # three 2007 rows (1,700,314 + 1,435,722 + 727,294), two in 2008, one in 2009
        assert records(prk, "year", "flow", "value_usd") == [
            (2007, "import", 3863330.0), (2008, "import", 525468.0), (2009, "import", 428007.0)]
        assert set(prk.basis) == {"mirror: from PRK's partners' reports"}
        assert set(prk.reported_by) == {"THA"}
