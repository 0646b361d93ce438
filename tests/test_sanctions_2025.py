"""Sanctions lists as published now: the 2025 UN lists, OFAC's SDN CSV pair and its 2025 XML,
the countries an entry names by field, the tie words, as-of dates and counts by listing year."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pivotwatch.analysis.sanctions import by_year, sanctions
from pivotwatch.cli import app
from pivotwatch.errors import QualityError, SourceError
from pivotwatch.sources.sanctions import (
    bundled_sample,
    load_sanctions,
    pair_addresses,
    parse_file,
)
from pivotwatch.sources.sanctions.ofac_csv import programmes, published
from pivotwatch.sources.sanctions.places import countries_in, read_remarks
from pivotwatch.store import open_store
from tests.conftest import SHARED_DATA, needs_shared

SANCTIONS = SHARED_DATA / "sanctions"
UN_2025 = SANCTIONS / "un_sc" / "consolidated_2025-11-20.xml"
UN_2025_APRIL = SANCTIONS / "un_sc" / "consolidated_2025-04-19.xml"
OFAC_2025 = SANCTIONS / "ofac_consolidated" / "consolidated_2025-03-28.xml"
SDN = SANCTIONS / "ofac_sdn" / "sancbook_sdn_2023-01.csv.gz"
ADD = SANCTIONS / "ofac_sdn" / "sancbook_sdn_address_2023-01.csv.gz"
FIELDS = ("nationalities", "address_countries", "flag_countries", "birth_countries",
          "remark_countries")
runner = CliRunner()


def rows(parsed) -> list[dict]:
    batch = parsed.batches[0]
    return [dict(zip(batch.columns, r, strict=True)) for r in batch.rows]


def count(store, sql: str = "SELECT count(*) FROM sanctions", params=()) -> int:
    return store.con.execute(sql, list(params)).fetchall()[0][0]


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        yield store


# --- inline OFAC CSV files: always run -----------------------------------------------------

def sdn_row(ent, name, kind="-0- ", program="DPRK3", flag="-0- ", remarks="-0- ") -> list:
    return [str(ent), name, kind, program, "-0- ", "-0- ", "-0- ", "-0- ", "-0- ", flag, "-0- ",
            remarks]


def csv_text(rows_: list[list], header: list[str] | None = None, eof: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows_)
    if eof:  # OFAC ends its files with a SUB character
        out.write("\x1a" + "," * (len(rows_[0]) - 1 if rows_ else 0) + "\r\n")
    return out.getvalue()


SDN_ROWS = [
    sdn_row(100, "PRK FIRM IN RUSSIA", program="DPRK3] [RUSSIA-EO14024",
            remarks="Secondary sanctions risk: North Korea Sanctions Regulations, sections "
                    "510.201 and 510.210; Linked To: BANK OF MOSCOW OF RUSSIA."),
    sdn_row(101, "KIM, Chol", "individual", "[DPRK2]",
            remarks="DOB 1970; POB Vladivostok, Russia; nationality Korea, North; a.k.a. "
                    "'KIM CHOL SU'."),
    sdn_row(102, "SHIP ONE", "vessel", "DPRK4", flag="Russia",
            remarks="Vessel Registration Identification IMO 1234567; alt. Former Vessel Flag "
                    "Tanzania."),
    sdn_row(103, "RUS BANK", program="RUSSIA-EO14024",
            remarks="nationality Russia; Passport 12 (Korea, North)."),
    sdn_row(104, "IRAN CO", program="IRAN", remarks="-0- "),
]
ADD_ROWS = [["100", "1", "Ul. Lenina 1", "Vladivostok", "Russia", "-0- "],
            ["100", "2", "-0- ", "Pyongyang", "Korea, North", "-0- "],
            ["104", "3", "-0- ", "Tehran", "Iran", "-0- "],
            ["999", "4", "-0- ", "Nowhere", "Russia", "-0- "]]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def pair(folder: Path, *, header: bool = False, date_: str = "2024-03") -> tuple[Path, Path]:
    sdn_header = ["ID", "Name", "Type", "Country", "Title", "Col_F", "Col_G", "Col_H", "Col_I",
                  "Col_J", "Col_K", "Details"] if header else None
    add_header = ["ID", "Col_B", "Address", "City", "Country", ""] if header else None
    return (write(folder, f"sdn_{date_}.csv", csv_text(SDN_ROWS, sdn_header)),
            write(folder, f"add_{date_}.csv", csv_text(ADD_ROWS, add_header)))


@pytest.mark.parametrize("header", [False, True], ids=["official", "header-added"])
def test_sdn_and_add_load_together_with_each_country_in_its_column(st, tmp_path, header):
    sdn, add = pair(tmp_path, header=header)
    result = load_sanctions(st, sdn, "sdn_2024-03.csv", addresses=add,
                            addresses_name="add_2024-03.csv")
    assert (result.status, result.layout, result.rows_kept, result.rows_rejected) == (
        "loaded", "ofac-sdn-csv", 5, 0)
    assert result.notes[0].startswith("publication date 2024-03-31 from the file name")
    assert "1 address row(s) of entries not in sdn_2024-03.csv: not read" in result.notes
    assert any("header row passed over" in n for n in result.notes) == header
    got = {r[0]: r[1:] for r in st.con.execute(
        "SELECT list_id, kind, programmes, nationalities, address_countries, flag_countries, "
        "birth_countries, remark_countries, aliases, listed_on, published_at FROM sanctions"
    ).fetchall()}
    assert got["100"][:7] == ("entity", ["DPRK3", "RUSSIA-EO14024"], [], ["RUS", "PRK"], [], [],
                              ["RUS"])  # the regulations item names no country
    assert got["101"][:8] == ("person", ["DPRK2"], ["PRK"], [], [], ["RUS"], [],
                              ["KIM CHOL SU"])
    assert got["102"][:7] == ("vessel", ["DPRK4"], [], [], ["RUS"], [], ["TZA"])
    assert got["103"][2] == ["RUS"] and got["103"][6] == ["PRK"]
    assert got["104"][:4] == ("entity", ["IRAN"], [], ["IRN"])
    assert {v[8] for v in got.values()} == {None}  # the CSV gives no listing date
    assert str(got["100"][9]) == "2024-03-31 00:00:00"
    (name, size) = st.con.execute("SELECT name, size_bytes FROM files").fetchall()[0]
    assert name == "sdn_2024-03.csv + add_2024-03.csv"
    assert size == sdn.stat().st_size + add.stat().st_size


def test_the_pair_is_one_load_and_an_sdn_loaded_alone_still_takes_its_addresses(st, tmp_path):
    sdn, add = pair(tmp_path)
    alone = load_sanctions(st, sdn, "sdn")
    assert "no add.csv given: entries loaded without address countries" in alone.notes[1]
    assert count(st, "SELECT count(*) FROM sanctions WHERE len(address_countries) > 0") == 0
    both = load_sanctions(st, sdn, "sdn", addresses=add)
    assert both.status == "loaded" and both.file_id != alone.file_id
    # the same entries with their addresses: new versions (same publication, other content)
    assert count(st, "SELECT count(*) FROM sanctions WHERE len(address_countries) > 0") == 2
    assert load_sanctions(st, sdn, "sdn", addresses=add).status == "skipped"
    df = sanctions("PRK", "RUS", store=st)
    # 100 is under both programmes: a row for each, each with its own tie to the other country
    assert set(zip(df["list_id"], df["under"], df["tie"], strict=True)) == {
        ("100", "PRK", "address, remarks"), ("100", "RUS", "address"), ("101", "PRK", "birth"),
        ("102", "PRK", "flag"), ("103", "RUS", "remarks")}


def test_the_programme_column_is_read_with_or_without_its_outer_brackets():
    assert programmes("[DPRK3] [RUSSIA-EO14024]") == ["DPRK3", "RUSSIA-EO14024"]
    assert programmes("DPRK3] [RUSSIA-EO14024") == ["DPRK3", "RUSSIA-EO14024"]
    assert programmes("SDGT") == ["SDGT"]
    assert programmes("CAATSA - RUSSIA] [UKRAINE-EO13661") == ["CAATSA - RUSSIA",
                                                               "UKRAINE-EO13661"]


def test_the_publication_date_comes_from_the_file_name_or_is_said_unknown():
    assert published(["sdn_2023-01-21.csv"])[0] == pd.Timestamp("2023-01-21")
    assert published(["SDN_20230121.CSV"])[0] == pd.Timestamp("2023-01-21")
    stamp, note = published(["x/sancbook_sdn_2023-01.csv.gz"])
    assert stamp == pd.Timestamp("2023-01-31") and "is a month: its last day" in note
    stamp, note = published(["sdn.csv", "add_2023-13.csv", "sdn_40421.csv"])
    assert stamp is None and note.startswith("publication date unknown")
    assert published(["sdn.csv", "add_2022-02-29.csv"])[0] is None  # not a day


def test_an_address_file_alone_is_refused_in_one_line(st, tmp_path):
    _, add = pair(tmp_path)
    with pytest.raises(SourceError, match=r"is OFAC's address file \(add.csv\): it is loaded "
                                          r"with its sdn.csv") as info:
        load_sanctions(st, add)
    assert "\n" not in str(info.value) and count(st) == 0
    result = runner.invoke(app, ["ingest", "sanctions", str(add)])
    # the only file, failed: its reason is the command's one error line
    assert result.exit_code == 1 and result.output == (
        f"error: {add} is OFAC's address file (add.csv): it is loaded with its sdn.csv, in "
        "one command (pivotwatch ingest sanctions sdn.csv add.csv)\n")


def test_the_cli_pairs_the_files_of_a_folder_by_their_date(st, tmp_path):
    folder = tmp_path / "ofac"
    folder.mkdir()
    pair(folder, date_="2024-03")
    pair(folder, date_="2024-05", header=True)
    write(folder, "notes.csv", "a,b\n1,2\n")  # another CSV in the folder: passed over
    result = runner.invoke(app, ["ingest", "sanctions", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Passed over 1 file(s)" in result.output
    with open_store(read_only=True) as store:
        names = sorted(n for (n,) in store.con.execute("SELECT name FROM files").fetchall())
    assert names == [f"{folder}/sdn_2024-03.csv + {folder}/add_2024-03.csv",
                     f"{folder}/sdn_2024-05.csv + {folder}/add_2024-05.csv"]


def test_pairing_rules(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    sdn_a, add_a = pair(a, date_="2024-01")
    sdn_b, _ = pair(b, date_="2024-01")
    add_lonely = write(b, "add_2024-02.csv", csv_text(ADD_ROWS))
    files = [(str(p), p) for p in (sdn_a, add_a, sdn_b, add_lonely)]
    pairs, lonely = pair_addresses(files)
    assert [(n, add and add[0]) for n, _, add in pairs] == [(str(sdn_a), str(add_a)),
                                                          (str(sdn_b), None)]
    assert lonely == [str(add_lonely)]
    # one of each: paired unless their names give different dates
    undated = write(b, "add.csv", csv_text(ADD_ROWS))
    pairs, lonely = pair_addresses([(str(sdn_b), sdn_b), (str(undated), undated)])
    assert pairs[0][2][0] == str(undated) and lonely == []


HOSTILE = "x'); DROP TABLE sanctions; --"


def test_hostile_values_are_rejects_with_reasons_and_stored_text_is_verbatim(st, tmp_path):
    good = [sdn_row(i, f"FIRM {i}") for i in range(21, 33)]
    bad = [[HOSTILE, *sdn_row(9, "X")[1:]], sdn_row(10, "SHORT")[:5],
           sdn_row(11, "ROCKET", kind="spaceship"), sdn_row(12, HOSTILE, remarks=HOSTILE)]
    add_rows = [["21", "1", "-0- ", "-0- ", HOSTILE, "-0- "], [HOSTILE, "2", "", "", "Russia", ""]]
    sdn = write(tmp_path, "sdn.csv", csv_text(good + bad))
    add = write(tmp_path, "add.csv", csv_text(add_rows))
    result = load_sanctions(st, sdn, "sdn.csv", addresses=add, addresses_name="add.csv")
    assert (result.rows_kept, result.rows_rejected) == (13, 4)
    reasons = [r for (r,) in st.con.execute("SELECT reason FROM rejects ORDER BY line NULLS "
                                            "LAST").fetchall()]
    assert reasons == [f"ent_num {HOSTILE!r} is not a number",
                       "5 fields; a row of OFAC's sdn.csv has 12",
                       "entry '11': unknown kind 'spaceship'",
                       f"add.csv line 2: ent_num {HOSTILE!r} is not a number"]
    assert count(st, "SELECT count(*) FROM sanctions WHERE name = ? AND remarks = ?",
                 [HOSTILE, HOSTILE]) == 1
    assert any(f"{HOSTILE!r} (1)" in n for n in result.notes)  # an address country unmapped
    assert {t for (t,) in st.con.execute("SHOW TABLES").fetchall()} >= {"sanctions", "files"}


def test_a_hostile_header_is_no_layout_and_too_many_rejects_fail_whole(st, tmp_path):
    header = [HOSTILE] + [f"c{i}" for i in range(11)]
    path = write(tmp_path, "h.csv", csv_text(SDN_ROWS, header))
    with pytest.raises(SourceError, match=r"h.csv: not a sanctions list \(neither XML"):
        load_sanctions(st, path, "h.csv")
    rows_ = [sdn_row(1, "A")] + [["NaN", *sdn_row(1, "B")[1:]]] * 3
    with pytest.raises(QualityError, match="3 of 4 rows are invalid, more than the 25% allowed"):
        load_sanctions(st, write(tmp_path, "sdn.csv", csv_text(rows_)), "sdn.csv")
    assert count(st) == 0
    assert st.con.execute("SELECT status FROM files ORDER BY name").fetchall() == [
        ("failed",), ("failed",)]


# --- countries named in free text --------------------------------------------------------

def test_country_names_match_whole_words_longest_first():
    assert countries_in("FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA") == \
        ["PRK"]
    assert countries_in("Bank of the Republic of Korea") == ["KOR"]
    assert countries_in("Nigerian firm; Romanian; Omani") == []  # no name inside a word
    assert countries_in("Niger and Nigeria") == ["NER", "NGA"]
    assert countries_in("POB Kaesong, DPRK") == ["PRK"]
    assert countries_in("Papua New Guinea, South Sudan") == ["PNG", "SSD"]
    assert countries_in("Côte d'Ivoire; Curaçao") == ["CIV", "CUW"]
    assert countries_in("Trenton, New Jersey") == []
    assert countries_in("KOREA MINING; a Russian firm in Moscow") == []  # no adjective, city
    assert countries_in("x" * 100_000 + " Russia") == ["RUS"]


def test_ofac_remarks_are_read_item_by_item():
    said = read_remarks("DOB 1960; POB Pyongyang, Korea, North; nationality Korea, North; "
                        "alt. citizen Russia; Vessel Flag Mongolia; Former Vessel Flag Togo; "
                        "Secondary sanctions risk: North Korea Sanctions Regulations, section "
                        "510.201; a.k.a. 'GREEN PINE'; Linked To: SBERBANK OF RUSSIA.")
    assert said.nationalities == ["Korea, North", "Russia"]
    assert said.flags == ["Mongolia"] and said.births == ["PRK"]
    assert said.countries == ["TGO", "RUS"] and said.aliases == ["GREEN PINE"]


# --- the other layouts, inline -----------------------------------------------------------

def un_list(*entries: str, generated: str = "2025-11-20T23:00:09.067Z") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated='
            f'"{generated}"><INDIVIDUALS>{"".join(entries)}</INDIVIDUALS><ENTITIES/>'
            "</CONSOLIDATED_LIST>")


def un_person(ref: str, regime: str = "DPRK", listed: str = "2017-09-11", nationality: str = "",
              birth: str = "", comments: str = "", address: str = "") -> str:
    return (f"<INDIVIDUAL><FIRST_NAME>P {ref}</FIRST_NAME><UN_LIST_TYPE>{regime}</UN_LIST_TYPE>"
            f"<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER><LISTED_ON>{listed}</LISTED_ON>"
            f"<COMMENTS1>{comments}</COMMENTS1><NATIONALITY><VALUE>{nationality}</VALUE>"
            f"</NATIONALITY><INDIVIDUAL_ADDRESS><COUNTRY>{address}</COUNTRY>"
            f"</INDIVIDUAL_ADDRESS><INDIVIDUAL_PLACE_OF_BIRTH><CITY>X</CITY><COUNTRY>{birth}"
            "</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH></INDIVIDUAL>")


def test_un_place_of_birth_and_comments_have_their_columns(tmp_path):
    text = un_list(un_person("KPi.1", birth="Russian Federation",
                             comments="Representative of KOMID in the Russian Federation."),
                   un_person("KPi.2", nationality="Democratic People's Republic of Korea"))
    got = {r["list_id"]: r for r in rows(parse_file(write(tmp_path, "u.xml", text), "u"))}
    assert got["KPi.1"]["birth_countries"] == ["RUS"]
    assert got["KPi.1"]["remark_countries"] == ["RUS"]
    assert str(got["KPi.1"]["listed_on"]) == "2017-09-11"
    assert got["KPi.2"]["nationalities"] == ["PRK"] and got["KPi.2"]["birth_countries"] == []


OFAC_2025_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"


def ofac_xml(namespace: str, entry: str) -> str:
    return (f'<?xml version="1.0" standalone="yes"?><sdnList xmlns="{namespace}">'
            "<publshInformation><Publish_Date>03/28/2025</Publish_Date><Record_Count>1"
            f"</Record_Count></publshInformation>{entry}</sdnList>")


VESSEL = ("<sdnEntry><uid>7</uid><lastName>SHIP</lastName><sdnType>Vessel</sdnType><programList>"
          "<program>DPRK4</program></programList><placeOfBirthList><placeOfBirthItem>"
          "<placeOfBirth>Nakhodka, Russia</placeOfBirth></placeOfBirthItem></placeOfBirthList>"
          "<vesselInfo><vesselFlag>Russia</vesselFlag></vesselInfo><remarks>Linked To: "
          "PRIMORYE LLC (Russia).</remarks></sdnEntry>")


def test_ofac_xml_of_2025_loads_and_a_flag_is_a_flag(tmp_path):
    parsed = parse_file(write(tmp_path, "o.xml", ofac_xml(OFAC_2025_NS, VESSEL)), "o")
    (got,) = rows(parsed)
    assert (got["nationalities"], got["flag_countries"], got["birth_countries"],
            got["remark_countries"]) == ([], ["RUS"], ["RUS"], ["RUS"])
    assert str(got["published_at"]) == "2025-03-28 00:00:00" and got["listed_on"] is None
    assert parsed.notes == ()
    other = parse_file(write(tmp_path, "p.xml", ofac_xml("urn:new", VESSEL)), "p")
    assert other.notes == ("namespace 'urn:new' is not one this connector knows; read as "
                           "OFAC's sdnList",)


def test_opensanctions_flag_birth_and_notes(tmp_path):
    entity = {"id": "V1", "schema": "Vessel", "caption": "SHIP",
              "properties": {"flag": ["ru"], "program": ["DPRK4"], "topics": ["sanction"],
                             "notes": ["Transferred coal off the coast of North Korea"]}}
    person = {"id": "P1", "schema": "Person", "caption": "KIM",
              "properties": {"birthPlace": ["Khabarovsk, Russia"], "birthCountry": ["kp"],
                             "program": ["DPRK3"], "topics": ["sanction"]}}
    path = write(tmp_path, "e.json", "\n".join(json.dumps(e) for e in (entity, person)))
    got = {r["list_id"]: r for r in rows(parse_file(path, "e"))}
    assert got["V1"]["flag_countries"] == ["RUS"] and got["V1"]["remark_countries"] == ["PRK"]
    assert got["P1"]["birth_countries"] == ["PRK", "RUS"]


# --- ties, as-of, by year ----------------------------------------------------------------

def test_the_tie_names_every_field_in_its_order(st, tmp_path):
    entries = [un_person("KPi.1", nationality="Russia"), un_person("KPi.2", address="Russia"),
               un_person("KPi.3", birth="Russia"), un_person("KPi.4", comments="in Russia"),
               un_person("KPi.5", nationality="Russia", address="Russia", birth="Russia",
                         comments="Moscow, Russia"),
               un_person("KPi.6", nationality="China")]
    load_sanctions(st, write(tmp_path, "u.xml", un_list(*entries)))
    sdn, add = pair(tmp_path)
    load_sanctions(st, sdn, addresses=add)
    df = sanctions("PRK", "RUS", store=st)
    assert set(zip(df["list_id"], df["under"], df["tie"], strict=True)) == {
        ("KPi.1", "PRK", "nationality"), ("KPi.2", "PRK", "address"), ("KPi.3", "PRK", "birth"),
        ("KPi.4", "PRK", "remarks"), ("KPi.5", "PRK", "nationality, address, birth, remarks"),
        ("100", "PRK", "address, remarks"), ("100", "RUS", "address"), ("101", "PRK", "birth"),
        ("102", "PRK", "flag"), ("103", "RUS", "remarks")}
    assert set(df.columns) >= {"flag_countries", "birth_countries", "remark_countries"}


def test_rows_stored_before_flags_had_a_column_read_the_flag_as_a_flag(st, tmp_path):
    sdn, add = pair(tmp_path)
    load_sanctions(st, sdn, addresses=add)
    # as the connector stored a vessel before migration 8: the flag among the nationalities
    st.con.execute("UPDATE sanctions SET nationalities = flag_countries, flag_countries = NULL, "
                   "birth_countries = NULL, remark_countries = NULL").fetchall()
    df = sanctions("PRK", "RUS", store=st)
    ties = dict(zip(df["list_id"] + df["under"], df["tie"], strict=True))
    assert ties["102PRK"] == "flag"
    assert list(df.loc[df["list_id"] == "102", "nationalities"].iloc[0]) == []


def test_as_of_sees_the_lists_as_they_stood(st, tmp_path):
    old = un_list(un_person("KPi.1", nationality="Russia", listed="2016-11-30"),
                  generated="2018-10-29T19:09:49")
    new = un_list(un_person("KPi.1", nationality="Russia", listed="2016-11-30"),
                  un_person("KPi.2", address="Russia", listed="2025-10-17"),
                  generated="2025-04-19T23:00:00")
    load_sanctions(st, write(tmp_path, "old.xml", old))
    load_sanctions(st, write(tmp_path, "new.xml", new))
    sdn, add = pair(tmp_path, date_="undated")
    load_sanctions(st, sdn, addresses=add)  # no date in the name: publication unknown
    everything = sanctions("PRK", "RUS", store=st)
    assert sorted(set(everything["list_id"])) == ["100", "101", "102", "103", "KPi.1", "KPi.2"]
    # before any list: no data (no list seen), not zero
    before = sanctions("PRK", "RUS", store=st, as_of=date(2017, 1, 1))
    assert before.empty and before.attrs["lists"] == []
    # the 2025 version does not count in 2019; the undated OFAC list counts at no date
    in_2019 = sanctions("PRK", "RUS", store=st, as_of=date(2019, 1, 1))
    assert list(in_2019["list_id"]) == ["KPi.1"]
    assert str(in_2019["published_at"].iloc[0])[:10] == "2018-10-29"
    assert in_2019.attrs["left_out"] == {"versions_undated": 5, "versions_published_later": 2,
                                         "entries_listed_later": 0}
    # published 2025-04-19, but KPi.2 listed 2025-10-17: left out until then
    mid = sanctions("PRK", "RUS", store=st, as_of=date(2025, 6, 30))
    assert list(mid["list_id"]) == ["KPi.1"] and mid.attrs["left_out"]["entries_listed_later"] \
        == 1
    assert str(mid["published_at"].iloc[0])[:10] == "2025-04-19"
    late = sanctions("PRK", "RUS", store=st, as_of=date(2025, 10, 17))
    assert sorted(late["list_id"]) == ["KPi.1", "KPi.2"]
    # adding a list published later never changes an earlier answer
    later = un_list(un_person("KPi.3", birth="Russia", listed="2016-01-01"),
                    generated="2026-01-01T00:00:00")
    load_sanctions(st, write(tmp_path, "later.xml", later))
    again = sanctions("PRK", "RUS", store=st, as_of=date(2025, 10, 17))
    assert sorted(again["list_id"]) == ["KPi.1", "KPi.2"]


def test_by_year_counts_each_entry_once_with_no_year_where_no_date(st, tmp_path):
    entries = [un_person("KPi.1", nationality="Russia", listed="2016-11-30"),
               un_person("KPi.2", address="Russia", listed="2016-03-02"),
               un_person("KPi.3", birth="Russia", listed="2017-08-05")]
    load_sanctions(st, write(tmp_path, "u.xml", un_list(*entries)))
    sdn, add = pair(tmp_path)
    load_sanctions(st, sdn, addresses=add)
    df = sanctions("PRK", "RUS", store=st)
    years = by_year(df)
    assert list(years.columns) == ["list", "year", "designations"]
    assert str(years["year"].dtype) == "Int64"
    got = [(r.list, None if pd.isna(r.year) else int(r.year), r.designations)
           for r in years.itertuples()]
    # entry 100 is under both programmes (DPRK3 and RUSSIA-EO14024) but counts once
    assert got == [("ofac", None, 4), ("un_sc", 2016, 2), ("un_sc", 2017, 1)]
    assert by_year(df.iloc[0:0]).empty


def test_cli_shows_tie_words_as_of_and_years(tmp_path):
    sdn, add = pair(tmp_path)
    assert runner.invoke(app, ["ingest", "sanctions", str(sdn), str(add)]).exit_code == 0
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--linked", "RUS"])
    assert result.exit_code == 0, result.output
    assert "address, remarks" in result.output and "designations by listing year" in \
        result.output and "no listing date" in result.output
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--linked", "RUS",
                                 "--as-of", "2024-03-30"])
    assert result.exit_code == 0, result.output
    assert "No list loaded was published on or before 2024-03-30." in result.output
    result = runner.invoke(app, ["sanctions", "--country", "PRK", "--linked", "RUS",
                                 "--as-of", "2024-03-31", "--format", "csv"])
    assert result.exit_code == 0 and result.output.count("\nofac,") == 5  # 100 twice


# --- the bundled 2025 extract --------------------------------------------------------------

def test_the_bundled_2025_extract_is_the_dprk_regime_with_its_listing_dates(st):
    extract = next(p for p in bundled_sample() if p.name.endswith(".xml.gz"))
    assert extract.stat().st_size < 200_000
    got = rows(parse_file(extract, "extract"))
    assert len(got) == 169 and str(got[0]["published_at"]).startswith("2025-11-20 23:00:09")
    for path in bundled_sample():
        load_sanctions(st, path)
    df = sanctions("PRK", store=st)
    assert len(df) == 155 and str(df["published_at"].max())[:10] == "2025-11-20"
    years = {int(r.year): r.designations for r in by_year(df).itertuples()}
    assert years == {2009: 13, 2012: 3, 2013: 15, 2014: 1, 2016: 49, 2017: 52, 2018: 22}
    assert sanctions("PRK", "RUS", store=st).empty


# --- the shared files --------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("shared") / "s.duckdb"
    with open_store(path, create=True) as store:
        for list_ in (UN_2025, OFAC_2025):
            assert load_sanctions(store, list_, list_.name).status == "loaded"
        result = load_sanctions(store, SDN, SDN.name, addresses=ADD, addresses_name=ADD.name)
        assert (result.rows_kept, result.rows_rejected) == (11443, 0)
        yield store


@needs_shared
def test_the_2025_un_lists_load_with_their_listing_dates():
    for path, total in ((UN_2025, 1000), (UN_2025_APRIL, 877)):
        parsed = parse_file(path, path.name)
        got = rows(parsed)
        assert len(got) == total and not parsed.rejects
        dprk = [r for r in got if r["programmes"] == ["DPRK"]]
        assert len(dprk) == 155 and all(r["listed_on"] for r in dprk)
        first = next(r for r in got if r["list_id"] == "KPi.001")
        assert str(first["listed_on"]) == "2009-07-16" and first["nationalities"] == ["PRK"]
        assert not [r for r in dprk if any("RUS" in r[c] for c in FIELDS)]
    assert max(r["listed_on"] for r in rows(parse_file(UN_2025, "u"))) == date(2025, 10, 17)


@needs_shared
def test_ofac_consolidated_2025_and_the_sdn_csv_pair(shared_store):
    got = rows(parse_file(OFAC_2025, OFAC_2025.name))
    assert len(got) == 443 and all(r["listed_on"] is None for r in got)
    assert sum("RUSSIA-EO14024" in r["programmes"] for r in got) == 82
    assert sum("RUS" in r["address_countries"] for r in got) == 257
    (published_at,) = shared_store.con.execute(
        "SELECT DISTINCT published_at FROM sanctions s JOIN files f USING (file_id) "
        "WHERE f.layout = 'ofac-sdn-csv'").fetchall()[0]
    assert str(published_at) == "2023-01-31 00:00:00"
    dprk = count(shared_store, "SELECT count(*) FROM sanctions WHERE list_id IN (SELECT list_id "
                 "FROM sanctions, unnest(programmes) AS p(x) WHERE x LIKE 'DPRK%') "
                 "AND published_at = '2023-01-31'")
    assert dprk == 450


@needs_shared
def test_rus_prk_ties_by_list_and_field_and_as_of(shared_store):
    df = sanctions("PRK", "RUS", store=shared_store)
    assert set(df["list"]) == {"ofac"} and len(df) == 41  # the UN lists tie none
    by_field = {c: int(df[c].map(lambda v: "RUS" in v).sum()) for c in FIELDS}
    # as PROVENANCE-recent.md counts them (its 1 "remarks" tie is one of our 8)
    assert by_field == {"nationalities": 3, "address_countries": 33, "flag_countries": 6,
                        "birth_countries": 2, "remark_countries": 8}
    assert set(df["under"]) == {"PRK"}
    assert sanctions("PRK", "RUS", store=shared_store, as_of=date(2022, 12, 31)).empty
    (only,) = by_year(df).to_dict(orient="records")
    assert only["list"] == "ofac" and pd.isna(only["year"]) and only["designations"] == 41


# --- the OFAC panel: monthly counts by address country -----------------------------------

PANEL_HEADER = "Country,Date,yrqtr,yrmon,levels,additions,removals,change\n"


def test_the_panel_loads_counts_apart_from_designations(st, tmp_path):
    from pivotwatch.analysis.sanctions import address_counts

    good = ['"Korea, North",2024-11-30,2024Q4,2024-11,208,0,0,0',
            '"Korea, North",2024-12-31,2024Q4,2024-12,220,12,0,12',
            '"Korea, North",2025-01-31,2025Q1,2025-01,221,1,0,1',
            "Russia,2024-12-31,2024Q4,2024-12,5095,300,2,298"]
    bad = ["Atlantis,2024-12-31,2024Q4,2024-12,1,0,0,0",
           "Russia,2024-12-31,2024Q4,2024-12,5095,300,2,298",
           f"Iran,2024-12-31,2024Q4,2024-12,{HOSTILE},0,0,0",
           "Iran,2024-12-31,2024Q3,2024-12,1,0,0,0",
           "Iran,2024-11-31,2024Q4,2024-11,1,0,0,0",
           "Iran,2024-10-31,2024Q4,2024-10,1,1,0,5"]
    path = write(tmp_path, "ofac_panel.csv", PANEL_HEADER + "\n".join(good + bad) + "\n"
                 + "\n".join(f"Chile,2024-{m:02d}-28,2024Q{(m - 1) // 3 + 1},2024-{m:02d},1,0,0,0"
                             for m in range(1, 13)) + "\n"
                 + "\n".join(f"Peru,2024-{m:02d}-28,2024Q{(m - 1) // 3 + 1},2024-{m:02d},1,0,0,0"
                             for m in range(1, 9)) + "\n")
    result = load_sanctions(st, path)
    assert (result.layout, result.rows_kept, result.rows_rejected) == ("ofac-panel-csv", 24, 6)
    reasons = [r for (r,) in st.con.execute("SELECT reason FROM rejects ORDER BY line")
               .fetchall()]
    assert reasons == ["country 'Atlantis' is not mapped to a country",
                       "RUS 2024-12-31 again (first at line 5)",
                       f"levels {HOSTILE!r} is not a count",
                       "yrqtr '2024Q3' is not 2024Q4",
                       "Date '2024-11-31' is not YYYY-MM-DD",
                       "change 5 is not additions less removals (1)"]
    assert count(st) == 0  # no designation comes from a count
    got = address_counts("PRK", store=st).to_dict(orient="records")
    assert [(r["year"], r["listed"], r["added"], r["months"]) for r in got] == [
        (2024, 220, 12, 2), (2025, 221, 1, 1)]
    assert [r["year"] for r in address_counts("PRK", store=st, as_of=date(2024, 12, 30))
            .to_dict(orient="records")] == [2024]
    with pytest.raises(SourceError, match="not a sanctions list"):
        load_sanctions(st, write(tmp_path, "p.csv", "Country,Date,levels\nRussia,2024-12-31,1\n"))


@needs_shared
def test_the_shared_panel(st):
    from pivotwatch.analysis.sanctions import address_counts

    result = load_sanctions(st, SANCTIONS / "ofac_panel" / "ofac_panel.csv")
    # 180 countries x 48 months; "Netherlands Antilles" (dissolved in 2010) maps to nothing
    assert (result.rows_read, result.rows_kept, result.rows_rejected) == (8640, 8592, 48)
    prk = {r["year"]: r for r in address_counts("PRK", store=st).to_dict(orient="records")}
    assert (prk[2024]["listed"], prk[2024]["added"]) == (220, 12)
    assert prk[2025]["listed"] == 232 and prk[2022]["listed"] == 197
    rus = {r["year"]: r["listed"] for r in address_counts("RUS", store=st)
           .to_dict(orient="records")}
    assert (rus[2022], rus[2023], rus[2024], rus[2025]) == (2227, 3433, 5095, 5413)
