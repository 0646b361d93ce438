"""Sanctions lists: UN, OFAC and OpenSanctions connectors, versions, and the country query."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pivotwatch.analysis.sanctions import sanctions
from pivotwatch.cli import app
from pivotwatch.errors import QualityError, SourceError, UsageError
from pivotwatch.sources.sanctions import bundled_sample, load_sanctions, parse_file
from pivotwatch.store import open_store
from tests.conftest import SHARED_DATA, needs_shared

SANCTIONS = SHARED_DATA / "sanctions"
UN = SANCTIONS / "un_sc" / "consolidated.xml"
OFAC = SANCTIONS / "ofac_consolidated" / "consolidated.xml"
FTM = SANCTIONS / "opensanctions_ftm"


def rows(parsed) -> list[dict]:
    batch = parsed.batches[0]
    return [dict(zip(batch.columns, r, strict=True)) for r in batch.rows]


def un_xml(*entries: str, generated: str = "2018-10-29T19:09:49.856-04:00") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated='
            f'"{generated}"><INDIVIDUALS>{"".join(entries)}</INDIVIDUALS><ENTITIES/>'
            "</CONSOLIDATED_LIST>")


def un_person(ref: str, first: str, nationality: str = "", regime: str = "DPRK",
              listed: str = "2016-11-30", extra: str = "") -> str:
    return (f"<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>{first}</FIRST_NAME>"
            f"<SECOND_NAME>KIM</SECOND_NAME><UN_LIST_TYPE>{regime}</UN_LIST_TYPE>"
            f"<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER><LISTED_ON>{listed}</LISTED_ON>"
            f"<NATIONALITY><VALUE>{nationality}</VALUE></NATIONALITY>{extra}</INDIVIDUAL>")


def ofac_xml(*entries: str, count: int | None = None) -> str:
    n = len(entries) if count is None else count
    return ('<?xml version="1.0" standalone="yes"?>\r\n<sdnList xmlns="http://tempuri.org/'
            f'sdnList.xsd"><publshInformation><Publish_Date>04/06/2018</Publish_Date>'
            f'<Record_Count>{n}</Record_Count></publshInformation>{"".join(entries)}</sdnList>')


def ofac_entry(uid: int, name: str, kind: str, program: str, country: str) -> str:
    return (f"<sdnEntry><uid>{uid}</uid><lastName>{name}</lastName><sdnType>{kind}</sdnType>"
            f"<programList><program>{program}</program></programList><addressList><address>"
            f"<uid>9</uid><city>X</city><country>{country}</country></address></addressList>"
            "</sdnEntry>")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        yield store


def count(store, table: str = "sanctions") -> int:
    return store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


# --- real files --------------------------------------------------------------------------

@needs_shared
def test_un_list_yields_every_entry_with_its_regime_and_nationality():
    parsed = parse_file(UN, "un")
    got = rows(parsed)
    assert parsed.rows_read == 1093 and len(got) == 1093 and not parsed.rejects
    assert Counter(r["kind"] for r in got) == {"person": 703, "entity": 390}
    regimes = Counter(p for r in got for p in r["programmes"])
    assert regimes["DPRK"] == 155 and regimes["Al-Qaida"] == 347 and regimes["Iraq"] == 238
    assert sum("RUS" in r["nationalities"] for r in got if r["kind"] == "person") == 12
    ri = next(r for r in got if r["list_id"] == "KPi.033")
    assert ri["name"] == "RI WON HO" and ri["nationalities"] == ["PRK"]
    assert str(ri["listed_on"]) == "2016-11-30"
    assert str(ri["published_at"]) == "2018-10-29 23:09:49.856000"
    # text the crosswalk cannot map keeps its entry and is noted
    assert "'USSR (until 1991)' (1)" in parsed.notes[0]


@needs_shared
def test_ofac_list_matches_its_record_count_and_programmes():
    got = rows(parse_file(OFAC, "ofac"))
    assert len(got) == 639
    programmes = Counter(p for r in got for p in r["programmes"])
    assert programmes["UKRAINE-EO13662"] == 290 and programmes["IRAN"] == 264
    assert programmes["NS-PLC"] == 78 and programmes["SYRIA"] == 7 and programmes["FSE-SY"] == 6
    assert Counter(r["kind"] for r in got) == {"entity": 471, "person": 94, "vessel": 74}
    assert all(r["listed_on"] is None for r in got)  # this layout has no listing date


@needs_shared
def test_real_files_load_once_and_the_query_counts_dprk_designations(st):
    for path in (UN, OFAC, *sorted(FTM.glob("*.json"))):
        assert load_sanctions(st, path).status == "loaded"
    before = count(st)
    assert load_sanctions(st, UN).status == "skipped" and count(st) == before
    df = sanctions("PRK", store=st)
    assert len(df) == 155 and set(df["list"]) == {"un_sc"}
    assert {(s["kind"], s["designations"]) for s in df.attrs["summary"]} == {
        ("person", 80), ("entity", 75)}
    assert sanctions("PRK", "RUS", store=st).empty  # the 2018 UN list ties none
    assert len(sanctions("RUS", store=st, lists=["ofac"])) == 290


# --- the bundled sample --------------------------------------------------------------------

def test_bundled_sample_holds_the_dprk_regime_and_the_russian_ties(st):
    paths = bundled_sample()
    assert {p.name for p in paths} >= {"un_sc_dprk_rus.xml", "entities.ftm.json"}
    for path in paths:
        load_sanctions(st, path)
    un = rows(parse_file(next(p for p in paths if p.suffix == ".xml"), "sample"))
    assert len(un) == 167
    assert sum("RUS" in r["nationalities"] or "RUS" in r["address_countries"] for r in un) == 12
    assert len(sanctions("PRK", store=st)) == 155


def test_a_copy_under_another_name_adds_nothing(st, tmp_path):
    xml = next(p for p in bundled_sample() if p.suffix == ".xml")
    load_sanctions(st, xml)
    before = count(st)
    copy = tmp_path / "renamed.xml"
    shutil.copyfile(xml, copy)
    assert load_sanctions(st, copy).status == "skipped"
    assert count(st) == before


# --- bad input ----------------------------------------------------------------------------

def test_malformed_xml_fails_in_one_line_and_writes_nothing(st, tmp_path):
    path = write(tmp_path, "bad.xml", un_xml(un_person("KPi.1", "RI"))[:-30])
    with pytest.raises(SourceError, match=r"bad.xml: malformed XML") as info:
        load_sanctions(st, path, "bad.xml")
    assert "\n" not in str(info.value)
    assert count(st) == 0
    assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]


def test_a_doctype_is_refused(st, tmp_path):
    text = un_xml(un_person("KPi.1", "&x;")).replace(
        "<CONSOLIDATED_LIST", '<!DOCTYPE l [<!ENTITY x "boom">]><CONSOLIDATED_LIST', 1)
    with pytest.raises(SourceError, match="DOCTYPE or ENTITY declaration is refused"):
        load_sanctions(st, write(tmp_path, "dtd.xml", text))
    assert count(st) == 0


def test_unknown_layouts_are_refused(st, tmp_path):
    with pytest.raises(SourceError, match=r"XML root <rss>"):
        load_sanctions(st, write(tmp_path, "a.xml", "<rss><item/></rss>"))
    with pytest.raises(SourceError, match="neither XML, FollowTheMoney JSON nor OFAC's sdn"):
        load_sanctions(st, write(tmp_path, "a.csv", "id,name\n1,x\n"))


def test_duplicates_and_bad_dates_are_rejected_with_reasons(st, tmp_path):
    entries = [un_person(f"KPi.{i}", f"P{i}") for i in range(1, 9)]
    entries += [un_person("KPi.1", "AGAIN"), un_person("KPi.9", "BAD", listed="30/11/2016")]
    result = load_sanctions(st, write(tmp_path, "dup.xml", un_xml(*entries)))
    assert (result.rows_kept, result.rows_rejected) == (8, 2)
    reasons = [r for (r,) in st.con.execute("SELECT reason FROM rejects ORDER BY line").fetchall()]
    assert reasons == ["duplicate entry 'KPi.1' (first at record 1)",
                       "entry 'KPi.9': listing date '30/11/2016' is not YYYY-MM-DD"]


def test_unmapped_nationality_keeps_the_entry_and_is_noted(st, tmp_path):
    text = un_xml(un_person("QDi.1", "A", "Atlantis"), un_person("QDi.2", "B", "Russian "
                                                                   "Federation"))
    result = load_sanctions(st, write(tmp_path, "n.xml", text))
    assert result.rows_kept == 2
    assert result.notes[0].startswith("1 nationality or address value(s) not mapped")
    assert "'Atlantis' (1)" in result.notes[0]
    got = dict(st.con.execute("SELECT list_id, nationalities FROM sanctions").fetchall())
    assert got == {"QDi.1": [], "QDi.2": ["RUS"]}


def test_ofac_record_count_must_match(st, tmp_path):
    text = ofac_xml(ofac_entry(1, "A", "Entity", "IRAN", "Iran"), count=2)
    with pytest.raises(SourceError, match="declares 2 entries .* but holds 1"):
        load_sanctions(st, write(tmp_path, "o.xml", text))


def test_ofac_unknown_type_is_rejected_and_vessels_recorded(st, tmp_path):
    text = ofac_xml(*[ofac_entry(i, f"E{i}", "Entity", "IRAN", "Iran") for i in range(1, 5)],
                    ofac_entry(5, "SHIP", "Vessel", "DPRK3", "Russia"),
                    ofac_entry(6, "X", "Spaceship", "IRAN", "Iran"))
    result = load_sanctions(st, write(tmp_path, "o.xml", text))
    assert (result.rows_kept, result.rows_rejected) == (5, 1)
    assert st.con.execute("SELECT reason FROM rejects").fetchone()[0] == \
        "entry '6': unknown kind 'Spaceship'"
    assert st.con.execute("SELECT kind FROM sanctions WHERE list_id = '5'").fetchone()[0] == \
        "vessel"


def test_malformed_json_lines_are_rejected_and_too_many_fail(st, tmp_path):
    good = [json.dumps({"id": f"NK-{i}", "schema": "Person", "caption": f"P {i}",
                        "properties": {"nationality": ["kp"], "topics": ["sanction"]}})
            for i in range(4)]
    result = load_sanctions(st, write(tmp_path, "e.json", "\n".join([*good, '{"id": "NK-x",'])))
    assert (result.rows_kept, result.rows_rejected) == (4, 1)
    assert st.con.execute("SELECT line, reason FROM rejects").fetchone()[0] == 5
    with pytest.raises(QualityError, match="invalid, more than the 25% allowed"):
        load_sanctions(st, write(tmp_path, "f.json", good[0] + "\n{oops\n{oops\n"))


def test_delta_mod_adds_a_version_and_del_removes(st, tmp_path):
    def entity(name, country):
        return {"id": "NK-1", "schema": "Company", "caption": name,
                "properties": {"country": [country], "program": ["DPRK3"]}}

    add = json.dumps({"op": "ADD", "entity": entity("OLD NAME", "ru")})
    mod = json.dumps({"op": "MOD", "entity": entity("NEW NAME", "cn")})
    load_sanctions(st, write(tmp_path, "20240101000000-a.entities.delta.json", add))
    # a programme that is not mapped for opensanctions gives nothing under PRK
    assert sanctions("PRK", store=st).empty
    load_sanctions(st, write(tmp_path, "20240102000000-b.entities.delta.json", mod))
    assert count(st) == 2  # both versions kept
    current = st.con.execute("""SELECT name FROM sanctions ORDER BY published_at DESC
                                LIMIT 1""").fetchone()[0]
    assert current == "NEW NAME"
    rm = json.dumps({"op": "DEL", "entity": {"id": "NK-1"}})
    load_sanctions(st, write(tmp_path, "20240103000000-c.entities.delta.json", rm))
    from pivotwatch.analysis.sanctions import current as latest

    con = st.ibis()
    assert latest(con.table("sanctions"), con.table("files")).count().execute() == 0


def test_linked_finds_ties_either_way(st, tmp_path):
    text = ofac_xml(ofac_entry(1, "PRK FIRM IN RUSSIA", "Entity", "DPRK3", "Russia"),
                    ofac_entry(2, "RUS BANK IN PYONGYANG", "Entity", "RUSSIA-EO14024",
                               "Korea, North"),
                    ofac_entry(3, "PRK FIRM AT HOME", "Entity", "DPRK3", "Korea, North"))
    load_sanctions(st, write(tmp_path, "o.xml", text))
    assert len(sanctions("PRK", store=st)) == 2
    df = sanctions("PRK", "RUS", store=st)
    assert sorted(zip(df["list_id"], df["under"], df["tie"], strict=True)) == [
        ("1", "PRK", "address"), ("2", "RUS", "address")]


def test_query_refuses_unknown_codes_and_an_empty_store(st):
    with pytest.raises(UsageError, match="no sanctions lists are loaded"):
        sanctions("PRK", store=st)
    with pytest.raises(UsageError, match="unknown country code 'XXX' for --country"):
        sanctions("XXX", store=st)
    with pytest.raises(UsageError, match="--linked must name another country"):
        sanctions("PRK", "prk", store=st)


# --- CLI -----------------------------------------------------------------------------------

def test_cli_ingest_and_query(tmp_path):
    runner = CliRunner()
    files = [str(p) for p in bundled_sample()]
    result = runner.invoke(app, ["ingest", "sanctions", *files])
    assert result.exit_code == 0, result.output
    assert "skipped 1 Address entities (not a designated party)" in result.output
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\nun_sc,") == 155
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--linked", "RUS"])
    assert result.exit_code == 0
    assert "No designations tying PRK and RUS in the lists loaded." in result.output
    # the 2025 extract lists again every entry of the 2018 subset, and two more
    assert "un_sc: 169 current entries, published 2025-11-20" in result.output
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--linked", "RUS",
                                 "--as-of", "2019-01-01"])
    assert result.exit_code == 0, result.output
    assert "un_sc: 167 current entries, published 2018-10-29" in result.output
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--as-of", "2019-13-01"])
    assert result.exit_code == 2 and "bad date for --as-of: '2019-13-01'" in result.output
    result = runner.invoke(app, ["sanctions", "--country", "XXX"])
    assert result.exit_code == 2 and "unknown country code 'XXX'" in result.output
    out = tmp_path / "prk.json"
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "-o", str(out)])
    assert result.exit_code == 0 and len(json.loads(out.read_text())) == 155


def test_cli_says_when_nothing_is_loaded(tmp_path):
    runner = CliRunner()
    runner.invoke(app, ["ingest", "sanctions", str(write(tmp_path, "x.xml", "<a>"))])
    result = runner.invoke(app, ["sanctions", "--country", "PRK"])
    assert result.exit_code == 2
    assert "no sanctions lists are loaded" in result.output
