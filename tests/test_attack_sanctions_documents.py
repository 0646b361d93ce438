"""Hostile sanctions lists and documents (issue 9, defects 4, 9 and 13), through the CLI.

Each bad file fails in one line with a `failed` row (or its bad entries are rejects with line
and reason) while a good file given after it in the same command still loads; no DTD entity is
ever expanded into the store, no file or URL an entity names is read, and values with quotes,
SQL, markup and control characters are stored verbatim.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpserver import LocalServer
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.store import open_store

runner = CliRunner()

UN_HEAD = '<CONSOLIDATED_LIST dateGenerated="2018-10-29T19:09:49">'
UN_TAIL = "</CONSOLIDATED_LIST>"


def un_person(ref: str, name: str, nationality: str = "", regime: str = "DPRK",
              listed: str = "2016-11-30") -> str:
    return (f"<INDIVIDUAL><FIRST_NAME>{name}</FIRST_NAME><UN_LIST_TYPE>{regime}</UN_LIST_TYPE>"
            f"<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER><LISTED_ON>{listed}</LISTED_ON>"
            f"<NATIONALITY><VALUE>{nationality}</VALUE></NATIONALITY></INDIVIDUAL>")


def un_list(*entries: str, prolog: str = "", generated: str = "2018-10-29T19:09:49") -> str:
    return (f'{prolog}<CONSOLIDATED_LIST dateGenerated="{generated}"><INDIVIDUALS>'
            f'{"".join(entries)}</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>')


def ftm(i: int, **changes) -> dict:
    entity = {"id": f"NK-{i}", "schema": "Person", "caption": f"PERSON {i}",
              "properties": {"nationality": ["kp"], "topics": ["sanction"]}}
    entity.update(changes)
    return entity


def lines(*entities) -> str:
    return "\n".join(e if isinstance(e, str) else json.dumps(e) for e in entities) + "\n"


def ingest(what: str, *paths: Path):
    result = runner.invoke(app, ["ingest", what, *map(str, paths)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with open_store(tmp_path / "store.duckdb", create=True) as st:
        return st.con.execute(sql).fetchall()


def good_un(tmp_path: Path) -> Path:
    path = tmp_path / "zz_good.xml"
    path.write_text(un_list(un_person("KPi.900", "GOOD PERSON", "Russian Federation")))
    return path


def assert_one_line_failure(result, name: str, message: str) -> None:
    assert result.exit_code == 1, result.output
    hits = [line for line in result.output.splitlines() if message in line]
    assert len(hits) == 1 and name in hits[0], result.output
    # a file failing alone is the command's one error line; among others, a count follows
    assert (result.output == f"{hits[0]}\n" and hits[0].startswith("error: ")
            or "could not be loaded" in result.output), result.output


def files(tmp_path: Path) -> dict[str, tuple[str, str | None]]:
    return {Path(n).name: (s, e) for n, s, e in query(
        tmp_path, "SELECT name, status, error FROM files")}


# --- defect 9: DOCTYPE and entities, wherever they sit and however the file is encoded -------

ENTITY = '<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY e "EXPANDED">]>'
LAUGHS = ('<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY a "EXPANDED">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                    for i in range(9)) + "]>")
HOSTILE_XML = {
    "internal": (ENTITY, "&e;", "utf-8"),
    "after_64k": ("<!--" + "x" * 70_000 + "-->" + ENTITY, "&e;", "utf-8"),
    "utf16": ('<?xml version="1.0" encoding="UTF-16"?>' + ENTITY, "&e;", "utf-16"),
    "utf16_no_bom": ('<?xml version="1.0" encoding="UTF-16"?>' + ENTITY, "&e;", "utf-16-le"),
    "utf32": ('<?xml version="1.0" encoding="UTF-32"?>' + ENTITY, "&e;", "utf-32"),
    "billion_laughs": (LAUGHS, "&j;", "utf-8"),
    "file_entity": ('<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                    "&e;", "utf-8"),
    "doctype_only": ("<!DOCTYPE CONSOLIDATED_LIST>", "PLAIN", "utf-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_XML))
def test_a_dtd_is_refused_in_one_line_and_the_next_file_loads(tmp_path, case):
    prolog, name, encoding = HOSTILE_XML[case]
    bad = tmp_path / f"{case}.xml"
    bad.write_bytes(un_list(un_person("KPi.1", name), prolog=prolog).encode(encoding))
    result = ingest("sanctions", bad, good_un(tmp_path))
    assert_one_line_failure(result, f"{case}.xml", "XML with a DOCTYPE or ENTITY declaration "
                                                   "is refused")
    assert files(tmp_path)[f"{case}.xml"][0] == "failed"
    assert query(tmp_path, "SELECT list_id, name FROM sanctions") == [
        ("KPi.900", "GOOD PERSON")]


def test_external_entities_and_dtds_are_never_fetched(tmp_path):
    with LocalServer(tmp_path / "srv") as srv:
        (tmp_path / "srv" / "x.dtd").write_text('<!ENTITY e "EXPANDED">')
        prologs = {
            "ext_dtd": f'<!DOCTYPE CONSOLIDATED_LIST SYSTEM "{srv.url("x.dtd")}">',
            "ext_entity": f'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY e SYSTEM "{srv.url("x.dtd")}">]>',
            "param_entity": (f'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY % p SYSTEM '
                             f'"{srv.url("x.dtd")}"> %p;]>'),
        }
        paths = []
        for case, prolog in prologs.items():
            paths.append(tmp_path / f"{case}.xml")
            paths[-1].write_text(un_list(un_person("KPi.1", "&e;"), prolog=prolog))
        result = ingest("sanctions", *paths, good_un(tmp_path))
        assert srv.requests == []
    assert result.exit_code == 1
    assert result.output.count("XML with a DOCTYPE or ENTITY declaration is refused") == 3
    assert "3 file(s) could not be loaded" in result.output
    assert [s for s, _ in files(tmp_path).values()].count("failed") == 3
    assert query(tmp_path, "SELECT name FROM sanctions") == [("GOOD PERSON",)]


def test_xinclude_is_refused(tmp_path):
    bad = tmp_path / "xi.xml"
    bad.write_text(un_list(un_person("KPi.1", "A")).replace(
        "<INDIVIDUALS>", '<INDIVIDUALS xmlns:xi="http://www.w3.org/2001/XInclude">'
                         '<xi:include href="file:///etc/passwd" parse="text"/>', 1))
    result = ingest("sanctions", bad, good_un(tmp_path))
    assert_one_line_failure(result, "xi.xml", "XML with an XInclude element is refused")
    assert query(tmp_path, "SELECT count(*) FROM sanctions") == [(1,)]


def test_deep_or_huge_xml_is_one_line(tmp_path):
    deep = tmp_path / "deep.xml"
    deep.write_text(un_list(un_person("KPi.1", "<b>" * 5000 + "x" + "</b>" * 5000)))
    result = ingest("sanctions", deep, good_un(tmp_path))
    assert_one_line_failure(result, "deep.xml", "malformed XML: Excessive depth in document")
    assert files(tmp_path)["deep.xml"][0] == "failed"


# --- defect 13: UTF-16 and UTF-32 lists are read ------------------------------------------------

@pytest.mark.parametrize("encoding, declared", [
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
    ("utf-32", "UTF-32"), ("utf-8-sig", "UTF-8")])
def test_a_utf16_list_is_read(tmp_path, encoding, declared):
    path = tmp_path / "wide.xml"
    text = un_list(un_person("KPi.1", "RI WON HO", "Democratic People's Republic of Korea"),
                   prolog=f'<?xml version="1.0" encoding="{declared}"?>')
    path.write_bytes(text.encode(encoding))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT list_id, name, nationalities FROM sanctions") == [
        ("KPi.1", "RI WON HO", ["PRK"])]


def test_a_utf16_json_export_is_read(tmp_path):
    path = tmp_path / "e.json"
    path.write_bytes(lines(ftm(1), ftm(2, caption="ЮРИЙ")).encode("utf-16"))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    assert sorted(query(tmp_path, "SELECT name FROM sanctions")) == [("PERSON 1",), ("ЮРИЙ",)]


# --- defect 4: wrong JSON types are rejects with line and reason ---------------------------

WRONG_TYPES = {
    "id_number": (ftm(9, id=5), "entity id 5 is not text"),
    "id_list": (ftm(9, id=["NK-9"]), 'entity id ["NK-9"] is not text'),
    "schema_list": (ftm(9, schema=[]), "schema [] is not text"),
    "caption_number": (ftm(9, caption=5), "caption 5 is not text"),
    "properties_text": (ftm(9, properties="x"), 'properties "x" is not an object'),
    "property_text": (ftm(9, properties={"name": "x"}),
                      "property 'name': \"x\" is not a list of strings"),
    "nested_arrays": (ftm(9, properties={"name": [["x", ["y"]]]}),
                      "property 'name': [[\"x\", [\"y\"]]] is not a list of strings"),
    "null_value": (ftm(9, properties={"nationality": [None]}),
                   "property 'nationality': [null] is not a list of strings"),
    "datasets_text": (ftm(9, datasets="un_sc"), 'datasets "un_sc" is not a list of strings'),
    "target_text": (ftm(9, target="yes"), 'target "yes" is not true or false'),
    "bad_stamp": (ftm(9, last_seen="yesterday"), 'last_seen "yesterday" is not a timestamp'),
    "stamp_number": (ftm(9, last_seen=20240101), "last_seen 20240101 is not a timestamp"),
    "null_line": ("null", "not a JSON object"),
    "array_line": ("[1, 2]", "not a JSON object"),
    "nan_id": ('{"id": NaN, "schema": "Person"}', "entity id NaN is not text"),
    "huge_int": ('{"id": ' + "9" * 5000 + "}", "malformed JSON: Exceeds the limit"),
    "deep_line": ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    "not_utf8": (b'{"id": "\xff\xfe"}', "malformed JSON"),
    "bad_listing_date": ('{"id": "S-9", "schema": "Sanction", "properties": {"entity": '
                         '["NK-1"], "listingDate": ["2016-99-99"]}}',
                         "entity 'NK-1': listing date '2016-99-99' is not a day of the calendar"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_an_entity_of_wrong_types_is_a_reject_and_the_file_loads(tmp_path, case):
    bad, reason = WRONG_TYPES[case]
    path = tmp_path / "e.json"
    body = lines(*(ftm(i) for i in range(1, 6))).encode()
    path.write_bytes(body + (bad if isinstance(bad, bytes) else lines(bad).encode()))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    rejects = query(tmp_path, "SELECT line, reason FROM rejects")
    assert len(rejects) == 1
    line, got = rejects[0]
    assert reason in got
    # a Sanction's bad date rejects the entity it names (line 1); anything else its own line
    assert line == (1 if case == "bad_listing_date" else 6)
    kept = query(tmp_path, "SELECT count(*) FROM sanctions")[0][0]
    assert kept == (4 if case == "bad_listing_date" else 5)


def test_a_delta_operation_of_wrong_types_is_a_reject(tmp_path):
    path = tmp_path / "20240101000000-a.delta.json"
    ops = [{"op": "ADD", "entity": ftm(i)} for i in range(1, 6)]
    ops += [{"op": ["ADD"], "entity": ftm(7)}, {"op": "ADD", "entity": "NK-8"},
            {"op": "DEL", "entity": {"id": 9}}]
    ops += [{"op": "ADD", "entity": ftm(i)} for i in range(10, 20)]
    path.write_text(lines(*ops))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT line, reason FROM rejects ORDER BY line") == [
        (6, 'unknown op ["ADD"] (ADD, MOD or DEL)'), (7, 'entity "NK-8" is not an object'),
        (8, "entity id 9 is not text")]


def test_a_deep_json_array_is_one_line_and_the_next_file_loads(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    result = ingest("sanctions", deep, good_un(tmp_path))
    assert_one_line_failure(result, "deep.json", "deep.json: JSON nested too deeply")
    assert files(tmp_path)["deep.json"][0] == "failed"
    assert query(tmp_path, "SELECT count(*) FROM sanctions") == [(1,)]


def test_a_json_array_over_the_cap_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_JSON_BYTES", "2000")
    big = tmp_path / "big.json"
    big.write_text(json.dumps([ftm(i) for i in range(40)]))
    small = tmp_path / "small.json"
    small.write_text(json.dumps([ftm(i) for i in range(3)]))
    result = ingest("sanctions", big, small)
    assert_one_line_failure(result, "big.json", "over the 2,000-byte cap for JSON parsed whole "
                                                "(PIVOTWATCH_MAX_JSON_BYTES)")
    assert query(tmp_path, "SELECT count(*) FROM sanctions") == [(3,)]


def test_a_line_over_the_cap_is_a_reject(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_LINE_BYTES", "4096")
    path = tmp_path / "e.json"
    path.write_text(lines(*(ftm(i) for i in range(1, 6)), ftm(6, caption="X" * 10_000)))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    (line, reason), = query(tmp_path, "SELECT line, reason FROM rejects")
    assert line == 6 and "over the 4,096-byte cap (PIVOTWATCH_MAX_LINE_BYTES)" in reason


def test_a_file_of_only_bad_entities_fails_in_one_line(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(lines(ftm(1, id=5), ftm(2, id=6)))
    result = ingest("sanctions", path, good_un(tmp_path))
    assert_one_line_failure(result, "e.json", "no FollowTheMoney entity in the file (entity id "
                                              "5 is not text, line 1)")
    assert files(tmp_path)["e.json"][0] == "failed"


@pytest.mark.parametrize("name, generated, message", [
    ("20241399999999-x.delta.json", None, "the name starts with 20241399999999, which is not"),
    ("un.xml", "0001-01-01T00:00:00+05:00", "dateGenerated '0001-01-01T00:00:00+05:00' is not"),
    ("un.xml", "9999-12-31T23:59:59-05:00", "dateGenerated '9999-12-31T23:59:59-05:00' is not"),
])
def test_impossible_timestamps_are_one_line(tmp_path, name, generated, message):
    path = tmp_path / name
    if generated:
        path.write_text(un_list(un_person("KPi.1", "A"), generated=generated))
    else:
        path.write_text(lines({"op": "ADD", "entity": ftm(1)}))
    result = ingest("sanctions", path, good_un(tmp_path))
    assert_one_line_failure(result, name, message)


# --- hostile values are stored verbatim, never executed -----------------------------------------

HOSTILE = ["O'Brien \"Bobby\"", "x'); DROP TABLE sanctions; --", "<script>alert(1)</script>",
           "a\x01b\x1bc[31m\x7f", "\u202eevil", "N" * (100 << 10)]


def test_hostile_values_in_ftm_are_stored_verbatim(tmp_path):
    entities = [ftm(i, id=f"{v[:50]}-{i}", caption=v, datasets=[v],
                    properties={"alias": [v], "program": [v], "notes": [v],
                                "nationality": [v, "ru"], "topics": ["sanction"]})
                for i, v in enumerate(HOSTILE)]
    path = tmp_path / "e.json"
    path.write_text(lines(*entities))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    got = query(tmp_path, "SELECT list_id, name, aliases, programmes, nationalities, remarks "
                          "FROM sanctions")
    # the alias equals the name, so it is not repeated
    assert sorted(got) == sorted((f"{v[:50]}-{i}", v, [], [v], ["RUS"], v)
                                 for i, v in enumerate(HOSTILE))


def test_hostile_values_in_xml_are_stored_verbatim(tmp_path):
    from xml.sax.saxutils import escape

    xml_safe = [v for v in HOSTILE if "\x01" not in v]  # XML 1.0 has no control characters
    path = tmp_path / "un.xml"
    path.write_text(un_list(*(un_person(escape(f"KP'{i}\"--"), escape(v), escape(v),
                                        regime=escape(v), listed="2016-11-30")
                              for i, v in enumerate(xml_safe))))
    result = ingest("sanctions", path)
    assert result.exit_code == 0, result.output
    got = query(tmp_path, "SELECT list_id, name, programmes FROM sanctions")
    assert sorted(got) == sorted((f"KP'{i}\"--", v, [v]) for i, v in enumerate(xml_safe))
    control = tmp_path / "ctrl.xml"
    control.write_text(un_list(un_person("KPi.1", "a&#1;b")))
    result = ingest("sanctions", control)
    assert_one_line_failure(result, "ctrl.xml", "malformed XML")


def test_ofac_hostile_values_and_bad_counts(tmp_path):
    def entry(uid: str, name: str) -> str:
        return (f"<sdnEntry><uid>{uid}</uid><lastName>{name}</lastName><sdnType>Entity"
                "</sdnType><programList><program>IRAN');--</program></programList></sdnEntry>")

    head = ('<sdnList xmlns="http://tempuri.org/sdnList.xsd"><publshInformation><Publish_Date>'
            "04/06/2018</Publish_Date><Record_Count>{}</Record_Count></publshInformation>")
    good = tmp_path / "ofac.xml"
    good.write_text(head.format(2) + entry("1", "&lt;b&gt;x&lt;/b&gt;") + entry("2'", "Y")
                    + "</sdnList>")
    bad = tmp_path / "count.xml"
    bad.write_text(head.format("9" * 5000) + entry("1", "A") + "</sdnList>")
    result = ingest("sanctions", bad, good)
    assert_one_line_failure(result, "count.xml", "bad publshInformation")
    assert sorted(query(tmp_path, "SELECT list_id, name, programmes FROM sanctions")) == [
        ("1", "<b>x</b>", ["IRAN');--"]), ("2'", "Y", ["IRAN');--"])]


# --- documents: front matter, feeds -----------------------------------------------------------

GOOD_DOC = "---\ntitle: Good one\n---\n\nRussia and North Korea signed a treaty in 2024.\n"


@pytest.mark.parametrize("front, message", [
    ("title: " + "[" * 5000 + "]" * 5000, "front matter nested too deeply to read"),
    ("title: " + "{a: " * 3000 + "}" * 3000, "front matter nested too deeply to read"),
    ("title: x\nnote: " + "y" * (70 << 10), "characters, over the 65,536 allowed"),
])
def test_hostile_front_matter_fails_that_document_only(tmp_path, front, message):
    bad, good = tmp_path / "bad.md", tmp_path / "good.md"
    bad.write_text(f"---\n{front}\n---\n\nBody text of the bad one.\n")
    good.write_text(GOOD_DOC)
    result = ingest("documents", bad, good)
    assert_one_line_failure(result, "bad.md", message)
    assert files(tmp_path)["bad.md"][0] == "failed"
    assert query(tmp_path, "SELECT title FROM documents") == [("Good one",)]
    claims = runner.invoke(app, ["claims", str(bad), str(good), "--format", "json"])
    assert "Traceback" not in claims.output and claims.exit_code == 1
    assert message in claims.output and "1 of 2 input(s) could not be read" in claims.output
    assert [d["title"] for d in json.loads(claims.stdout)["documents"]] == ["Good one"]


def test_front_matter_builds_no_python_objects_and_bad_dates_are_ignored(tmp_path):
    marker = tmp_path / "PWNED"
    doc = tmp_path / "tag.md"
    doc.write_text(f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n"
                   "date: 2020-13-45\n---\n\nRussia and China held talks.\n")
    result = ingest("documents", doc)
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert query(tmp_path, "SELECT published, text FROM documents") == [
        (None, "Russia and China held talks.")]


FEED = ('<rss version="2.0"><channel><title>T</title><item><title>Item &e;</title>'
        "<description>Body &e; text.</description></item></channel></rss>")


def test_feeds_that_declare_entities_are_refused(tmp_path):
    with LocalServer(tmp_path / "srv") as srv:
        (tmp_path / "srv" / "e.txt").write_text("EXPANDED")
        feeds = {
            "internal.xml": '<!DOCTYPE rss [<!ENTITY e "EXPANDED">]>',
            "comment_trick.xml": '<!DOCTYPE rss [<!-- <a --><!ENTITY e "EXPANDED">]>',
            "external.xml": f'<!DOCTYPE rss [<!ENTITY e SYSTEM "{srv.url("e.txt")}">]>',
            "param.xml": f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{srv.url("e.txt")}"> %p;]>',
            "file.xml": '<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        }
        paths = []
        for name, prolog in feeds.items():
            paths.append(tmp_path / name)
            paths[-1].write_text(prolog + FEED)
        utf16 = tmp_path / "utf16.xml"
        utf16.write_bytes(('<?xml version="1.0" encoding="UTF-16"?>'
                           + feeds["internal.xml"] + FEED).encode("utf-16"))
        good = tmp_path / "good.xml"
        good.write_text('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
                        + FEED.replace("&e;", "plain"))
        result = ingest("documents", *paths, utf16, good)
        assert srv.requests == []
    assert result.exit_code == 1
    assert result.output.count("XML that declares entities is refused") == 6
    assert query(tmp_path, "SELECT title, text FROM documents") == [
        ("Item plain", "Body plain text.")]
    stored = query(tmp_path, "SELECT string_agg(title || text, '') FROM documents")[0][0]
    assert "EXPANDED" not in stored and "root:" not in stored
