"""Comtrade connector: both layouts, real files, and every kind of bad input."""

from __future__ import annotations

import csv
import gzip
import json
import re

import pytest
from conftest import SHARED_DATA, needs_shared
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.sources.comtrade import KNOWN, bundled_sample, load_comtrade, snake
from pivotwatch.store import open_store
from pivotwatch.taxonomy.trade_categories import categories, category_of

COMTRADE = SHARED_DATA / "trade" / "comtrade"
SHRIMP = COMTRADE / "comtradr_example_3_THA_shrimp_2007-2011.csv"
WOOD = COMTRADE / "comtradr_data_eu_imports_wood_2018-2022.csv.gz"
API = COMTRADE / "comtrade_api_v1_response_CHN_2010_HS-60a6ad.json"
runner = CliRunner()
SHORT = ("reporter_iso", "reporter_desc", "flow_desc", "partner_iso", "partner_desc", "cmd_code",
         "cmd_desc", "primary_value", "ref_year")
ROW = {"reporter_iso": "RUS", "reporter_desc": "Russian Federation", "flow_desc": "Export",
       "partner_iso": "PRK", "partner_desc": "Dem. People's Rep. of Korea", "cmd_code": "2710",
       "cmd_desc": "Petroleum oils", "primary_value": "1000.5", "ref_year": "2019"}


def write_csv(path, rows, columns=SHORT):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def api_doc(records, count=None, error=""):
    return {"elapsedTime": "0.1 secs", "count": len(records) if count is None else count,
            "data": records, "error": error}


def api_record(**change):
    rec = {"typeCode": "C", "freqCode": "A", "refYear": 2019, "reporterCode": 643,
           "reporterISO": "RUS", "reporterDesc": "Russian Federation", "flowCode": "X",
           "flowDesc": "Export", "partnerCode": 408, "partnerISO": "PRK",
           "partnerDesc": "Dem. People's Rep. of Korea", "partner2Code": 0, "partner2ISO": "W00",
           "cmdCode": "TOTAL", "customsCode": "C00", "motCode": 0, "mosCode": "0",
           "primaryValue": 47900000.0}
    return rec | change


def counts(st, sql):
    return dict(st.con.execute(sql).fetchall())


def test_categories_follow_the_hs_chapters():
    assert [category_of(c) for c in ("2709", "270900", "93", "9301", "8703", "0306", "24",
                                     "25", "26", "7108", "83", "84", "89", "4401", "TOTAL")] == [
        "energy", "energy", "arms", "arms", "machinery_vehicles", "food_agriculture",
        "food_agriculture", "minerals_metals", "minerals_metals", "minerals_metals",
        "minerals_metals", "machinery_vehicles", "machinery_vehicles", "other", "total"]
    assert category_of("S1") is None and category_of("123") is None
    assert list(categories())[-1] == "other"


def test_json_keys_become_comtradr_names():
    assert [snake(k) for k in ("partnerISO", "partner2Code", "primaryValue", "cifvalue",
                               "isQtyEstimated")] == [
        "partner_iso", "partner2code", "primary_value", "cifvalue", "is_qty_estimated"]
    assert all(snake(k) == k for k in KNOWN)


@needs_shared
def test_real_files_load_with_partner_counts_from_provenance(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        shrimp = load_comtrade(st, SHRIMP)
        wood = load_comtrade(st, WOOD)
        api = load_comtrade(st, API)
        assert (shrimp.rows_read, wood.rows_read, api.rows_read) == (1586, 173358, 4)
        assert api.rows_kept == 4 and api.layout == "comtrade-json"
        ids = {r.file_id: n for r, n in ((shrimp, "shrimp"), (wood, "wood"))}
        rows = st.con.execute("SELECT file_id, partner, count(*) FROM trade_flows WHERE "
                              "partner IN ('PRK', 'RUS', 'CHN', 'IND', 'VNM', 'IRN', 'MNG') "
                              "GROUP BY ALL").fetchall()
        got = {(ids[f], p): n for f, p, n in rows if f in ids}
        # PROVENANCE.md: shrimp partner PRK 6, RUS 27, CHN 36, IND 28, VNM 33, IRN 4;
        # wood partner RUS 2962, PRK 28, CHN 3708, IND 2299, VNM 2011, IRN 654, MNG 229
        assert {p: got[("shrimp", p)] for p in ("PRK", "RUS", "CHN", "IND", "VNM", "IRN")} == {
            "PRK": 6, "RUS": 27, "CHN": 36, "IND": 28, "VNM": 33, "IRN": 4}
        assert {p: got[("wood", p)] for p in ("RUS", "PRK", "CHN", "IND", "VNM", "IRN",
                                              "MNG")} == {
            "RUS": 2962, "PRK": 28, "CHN": 3708, "IND": 2299, "VNM": 2011, "IRN": 654,
            "MNG": 229}
        flows = counts(st, f"SELECT flow, count(*) FROM trade_flows WHERE file_id = "
                           f"'{shrimp.file_id}' GROUP BY 1")
        assert sum(flows.values()) == shrimp.rows_kept
        assert shrimp.rows_kept + shrimp.rows_rejected == 1586
        assert wood.rows_kept + wood.rows_rejected == 173358
        reasons = counts(st, "SELECT reason, count(*) FROM rejects GROUP BY 1")
        assert reasons["partner _X (Areas, nes) is an aggregate, not a country"] == 1061 + 11
        assert reasons["partner E19 (Other Europe, nes) is an aggregate, not a country"] == 1092
        # a dissolved country: the crosswalk's reason, with the file's own name for it
        assert [n for r, n in reasons.items() if r.startswith("partner: ")
                and r.endswith("(Netherlands Antilles (...2010))")] == [3]
        # Comtrade's 490 "Other Asia, nes" is Taiwan by the crosswalk where the code is given
        assert st.con.execute(f"SELECT count(*) FROM trade_flows WHERE file_id = "
                              f"'{shrimp.file_id}' AND partner = 'TWN'").fetchone()[0] == 30
        prk = st.con.execute(f"SELECT year, flow, hs_code, category, value_usd FROM trade_flows "
                             f"WHERE file_id = '{shrimp.file_id}' AND partner = 'PRK' "
                             "ORDER BY year, hs_code").fetchall()
        assert prk[0][:4] == (2007, "export", "030613", "food_agriculture")
        assert sorted(v for *_, v in prk)[-1] == 1700314.0
        # loading twice adds nothing
        before = st.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0]
        assert load_comtrade(st, SHRIMP).status == "skipped"
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0] == before


@needs_shared
def test_bundled_sample_is_the_watched_rows_of_the_real_files(tmp_path):
    names = sorted(p.name for p in bundled_sample())
    assert names == ["comtrade_api_v1_response_CHN_2010_HS-60a6ad.json",
                     "comtradr_data_eu_imports_wood_2018-2022.csv.gz",
                     "comtradr_example_3_THA_shrimp_2007-2011.csv.gz"]
    assert sum(p.stat().st_size for p in bundled_sample()) < 600_000
    shrimp = gzip.decompress(bundled_sample()[2].read_bytes()).decode().splitlines()
    original = SHRIMP.read_text(encoding="utf-8").splitlines()
    assert shrimp[0] == original[0] and set(shrimp[1:]) <= set(original[1:])
    assert len(shrimp) - 1 == 239
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "comtrade"])
    assert result.exit_code == 0, result.output
    with open_store(db, read_only=True) as st:
        partners = counts(st, "SELECT partner, count(*) FROM trade_flows WHERE partner IN "
                              "('PRK', 'RUS') GROUP BY 1")
    assert partners == {"PRK": 6 + 28, "RUS": 27 + 2962}


def test_short_csv_loads_and_bad_rows_are_rejected_with_reasons(tmp_path):
    rows = [ROW,
            ROW | {"flow_desc": "Import", "cmd_code": "TOTAL"},
            ROW | {"partner_iso": "W00", "partner_desc": "World"},
            ROW | {"partner_iso": "_X", "partner_desc": "Areas, nes"},
            ROW | {"partner_iso": "QQQ"},
            ROW | {"reporter_iso": "PRK"},
            ROW | {"flow_desc": "Import of goods for inward processing"},
            ROW | {"cmd_code": "S1"},
            ROW | {"primary_value": ""},
            ROW | {"primary_value": "-5"},
            ROW | {"ref_year": "19"},
            ROW,
            ROW | {"cmd_code": "93", "primary_value": "7"},
            ROW | {"partner_iso": "CHN", "partner_desc": "China", "cmd_code": "8703"},
            ROW | {"partner_iso": "KOR"}, ROW | {"partner_iso": "JPN"},
            ROW | {"partner_iso": "USA"}, ROW | {"partner_iso": "IND"},
            ROW | {"partner_iso": "VNM"}, ROW | {"partner_iso": "MNG"},
            ROW | {"partner_iso": "IRN"}, ROW | {"flow_desc": "Re-export"}]
    path = write_csv(tmp_path / "t.csv", rows)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_comtrade(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (22, 12, 10)
        reasons = dict(st.con.execute("SELECT line, reason FROM rejects").fetchall())
        assert reasons == {
            4: "partner W00 (World) is an aggregate, not a country",
            5: "partner _X (Areas, nes) is an aggregate, not a country",
            6: "partner: unknown iso3 country code 'QQQ' (Dem. People's Rep. of Korea)",
            7: "reporter and partner are both PRK: trade with itself (re-imports of its own "
               "goods) is not bilateral",
            8: "flow 'import of goods for inward processing' is not import, export, re-import "
               "or re-export",
            9: "cmd_code 'S1' is not TOTAL or a 2-, 4- or 6-digit HS code",
            10: "no primary_value",
            11: "primary_value '-5' is not a non-negative number",
            12: "ref_year '19' is not a year",
            13: "duplicate row: same reporter, partner, year, flow and HS code as line 2"}
        cats = counts(st, "SELECT category, count(*) FROM trade_flows GROUP BY 1")
        assert cats == {"energy": 9, "total": 1, "arms": 1, "machinery_vehicles": 1}
        assert counts(st, "SELECT flow, count(*) FROM trade_flows GROUP BY 1") == {
            "export": 10, "import": 1, "re-export": 1}


def test_json_layout_numeric_codes_and_breakdowns(tmp_path):
    doc = api_doc([api_record(),
                   api_record(partnerISO="", partnerCode=490, partnerDesc="Other Asia, nes"),
                   api_record(flowCode="M", flowDesc="Import", motCode=2100),
                   api_record(flowCode="M", flowDesc="Import", partner2ISO="CHN",
                              partner2Code=156),
                   api_record(freqCode="M"),
                   "not an object",
                   api_record(newField=1),
                   *(api_record(partnerISO=c, partnerCode=0) for c in ("CHN", "KOR", "JPN",
                                                                        "USA"))])
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_comtrade(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (11, 6, 5)
        assert result.notes == ("ignored column(s) new_field",)
        reasons = [r for (r,) in st.con.execute(
            "SELECT reason FROM rejects ORDER BY line").fetchall()]
        assert reasons == [
            "mot_code '2100' is a breakdown of a total; only totals are loaded, so nothing is "
            "counted twice",
            "partner2iso 'CHN' is a breakdown of a total; only totals are loaded, so nothing is "
            "counted twice",
            "freq_code 'M': only annual figures are loaded",
            "not a record of the file's layout (wrong number of fields, or not a JSON object)",
            "duplicate row: same reporter, partner, year, flow and HS code as record 1"]
        assert sorted(st.con.execute("SELECT partner FROM trade_flows").fetchall()) == [
            ("CHN",), ("JPN",), ("KOR",), ("PRK",), ("TWN",), ("USA",)]


@pytest.mark.parametrize("content, message", [
    ('{"elapsedTime": "1 s", "count": 2, "data": [', "malformed JSON: Expecting value"),
    (json.dumps(api_doc([api_record()], count=3)),
     "'count' says 3 records but 'data' holds 1"),
    (json.dumps(api_doc([], error="Too many requests")),
     "the response reports an error: Too many requests"),
    (json.dumps({"results": []}), "not a Comtrade API response (no 'data' list)"),
    ("date,actor1\n2020-01-01,RUS\n", "not a Comtrade CSV: missing column(s) flow_desc"),
    (",".join(SHORT) + "\nRUS,Russia,Export,W00,World,27,Fuel,1,2019\n",
     "no valid comtrade-csv rows (1 rejected; line 2: partner W00 (World) is an aggregate"),
])
def test_unusable_files_fail_in_one_line_and_leave_nothing(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError, match=re.escape(message)) as info:
            load_comtrade(st, path)
        assert "\n" not in str(info.value)
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0] == 0
        assert st.con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
        assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]


def test_the_same_flow_from_two_files_is_stored_once(tmp_path):
    a = write_csv(tmp_path / "a.csv", [ROW, ROW | {"ref_year": "2020"}])
    b = write_csv(tmp_path / "b.csv", [ROW | {"primary_value": "1000.50"},
                                       ROW | {"cmd_code": "27"}])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        load_comtrade(st, a)
        result = load_comtrade(st, b)
        assert (result.rows_kept, result.rows_duplicate) == (1, 1)
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0] == 3


def test_cli_ingest_reports_failures_and_rejects(tmp_path):
    good = write_csv(tmp_path / "g.csv", [ROW, ROW | {"partner_iso": "W00"}, ROW,
                                          ROW | {"partner_iso": "CHN"}])
    bad = tmp_path / "b.json"
    bad.write_text("{oops", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "comtrade", str(good), str(bad)])
    assert result.exit_code == 1
    assert "malformed JSON" in result.output and "1 file(s) could not be loaded" in result.output
    assert "Rejected rows are kept" in result.output


def test_a_code_and_a_number_that_disagree_are_rejected_not_guessed(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(api_doc([
        api_record(), api_record(partnerISO="CHN", partnerCode=156),
        api_record(partnerISO="ZZZ", partnerCode=508, partnerDesc="Mozambique"),
        api_record(partnerISO="CHN", partnerCode=508, partnerDesc="China")])))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_comtrade(st, path)
        assert (result.rows_kept, result.rows_rejected) == (2, 2)
        reasons = [r for (r,) in st.con.execute(
            "SELECT reason FROM rejects ORDER BY line").fetchall()]
        assert reasons == ["partner code ZZZ and number 508 (MOZ) disagree",
                           "partner code CHN and number 508 (MOZ) disagree"]


def test_a_folder_loads_large_and_gzipped_files_and_passes_over_code_tables(tmp_path):
    folder = tmp_path / "comtrade"
    folder.mkdir()
    # more than the 64 KiB read to tell layouts apart, plain and gzipped
    rows = [ROW | {"cmd_code": f"{c:06d}", "ref_year": str(y)}
            for y in (2018, 2019) for c in range(10000, 11000)]
    big = write_csv(folder / "flows.csv", rows[:1000])
    assert big.stat().st_size > 64 * 1024
    with gzip.open(folder / "more.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=SHORT)
        w.writeheader()
        w.writerows(rows[1000:])
    (folder / "codes.csv").write_text("id,country,iso_3\n643,Russian Federation,RUS\n")
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "comtrade", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Passed over 1 file(s)" in result.output and "codes.csv" in result.output
    with open_store(db) as st:
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchall() == [(2000,)]
