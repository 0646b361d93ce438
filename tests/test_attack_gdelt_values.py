"""Hostile GDELT values (issue 9, defects 3 and 10): a value that breaks its column's rule is a
reject with its line and one reason, the rest of the file loads, and the rejected row is in
neither `events` nor `daily_counts`. Hostile text and file names load verbatim."""

from __future__ import annotations

from datetime import date

import pytest
from gdelt_rows import event, row, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt import load as gdelt_load
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.gdelt.sample import sample_dir
from pivotwatch.store import open_store

NEXT_YEAR = date.today().year + 1
DATE = f"a real date as YYYYMMDD from 1920 to {NEXT_YEAR}"
COUNT = "a whole number from 0 to 2147483647"
ID = "a whole number of at least 0"
STAMP = "8 or 14 digits (YYYYMMDD or YYYYMMDDHHMMSS)"


def bad(column: str, value: str, says: str) -> tuple[dict, str]:
    shown = value if len(value) <= 40 else value[:40] + "..."
    return {column: value}, f'bad value in {column}: "{shown}" is not {says}'


# (fields of the row, the reject's reason); every other field is a real row's
BAD = [
    # defect 3: integers that do not fit the store column
    bad("QuadClass", "1000", "1, 2, 3 or 4"),
    bad("QuadClass", "2015.13", "1, 2, 3 or 4"),
    bad("QuadClass", "0", "1, 2, 3 or 4"),
    bad("QuadClass", "5", "1, 2, 3 or 4"),
    bad("QuadClass", " 1", "1, 2, 3 or 4"),
    bad("IsRootEvent", "300", "0 or 1"),
    bad("IsRootEvent", "2", "0 or 1"),
    bad("IsRootEvent", "-1", "0 or 1"),
    bad("NumMentions", "99999999999", COUNT),
    bad("NumMentions", "2147483648", COUNT),
    bad("NumSources", "-1", COUNT),
    bad("NumArticles", "1.5", COUNT),
    bad("NumMentions", " 5", COUNT),
    bad("NumMentions", "+5", COUNT),
    bad("NumArticles", "1e3", COUNT),
    bad("NumMentions", "1_000", COUNT),
    bad("NumSources", "0x10", COUNT),
    # defect 10: lenient parsing
    bad("GLOBALEVENTID", "49.6667", ID),
    bad("GLOBALEVENTID", "0x10", ID),
    bad("GLOBALEVENTID", "-5", ID),
    bad("GLOBALEVENTID", "-0", ID),
    bad("GLOBALEVENTID", "0b11", ID),
    bad("GLOBALEVENTID", " 7", ID),
    bad("GLOBALEVENTID", "99999999999999999999", ID),
    bad("GLOBALEVENTID", "１２", ID),  # full-width digits
    bad("SQLDATE", "2015021", DATE),
    bad("SQLDATE", "00010101", DATE),
    bad("SQLDATE", "99991231", DATE),
    bad("SQLDATE", "19191231", DATE),
    bad("SQLDATE", f"{NEXT_YEAR + 1}0101", DATE),
    bad("SQLDATE", "20150230", DATE),
    bad("SQLDATE", "2015-02-18", DATE),
    bad("SQLDATE", "201502180", DATE),
    bad("GoldsteinScale", "nan", "a number from -10 to 10"),
    bad("GoldsteinScale", "NaN", "a number from -10 to 10"),
    bad("GoldsteinScale", "inf", "a number from -10 to 10"),
    bad("GoldsteinScale", "-inf", "a number from -10 to 10"),
    bad("GoldsteinScale", "10.5", "a number from -10 to 10"),
    bad("GoldsteinScale", "-11", "a number from -10 to 10"),
    bad("GoldsteinScale", "1e1", "a number from -10 to 10"),
    bad("AvgTone", "nan", "a number from -100 to 100"),
    bad("AvgTone", "Infinity", "a number from -100 to 100"),
    bad("AvgTone", "-inf", "a number from -100 to 100"),
    bad("AvgTone", "100.5", "a number from -100 to 100"),
    bad("AvgTone", "1" * 60, "a number from -100 to 100"),  # quoted only in part
    bad("DATEADDED", "abc", STAMP),
    bad("DATEADDED", "2015021811", STAMP),
    bad("DATEADDED", "-20150218", STAMP),
    bad("DATEADDED", "0x10", STAMP),
    ({"QuadClass": ""}, "empty QuadClass"),
    ({"GLOBALEVENTID": ""}, "empty GLOBALEVENTID"),
    ({"SQLDATE": ""}, "empty SQLDATE"),
    # the first bad column (in file order) gives the reason
    ({"SQLDATE": "2015021", "QuadClass": "9", "AvgTone": "nan"},
     f'bad value in SQLDATE: "2015021" is not {DATE}'),
]
# Values at the edges of GDELT's ranges, and forms it writes: stored as given.
EDGES = [
    {"GLOBALEVENTID": "0"},  # the GDELT 1.0 backfile starts at 0
    {"GoldsteinScale": "-10", "AvgTone": "-100", "QuadClass": "4", "IsRootEvent": "0"},
    {"GoldsteinScale": "10", "AvgTone": "100.0", "QuadClass": "1"},
    {"SQLDATE": "19200101", "NumMentions": "0", "NumSources": "2147483647"},
    {"SQLDATE": f"{NEXT_YEAR}1231", "DATEADDED": "20150218"},
    {"SQLDATE": "20240229", "AvgTone": "-3.40136054421769"},
]


def load(store, path, **kw):
    return load_file(store, path, countries=DEFAULT_COUNTRIES, workdir=path.parent / "work",
                     **kw)


def _bad_lines(first_line: int) -> dict[int, tuple[str, str]]:
    """line -> (row text, reason), watched RUS-CHN rows on 2024-01-07 unless the case sets
    the date."""
    cases = {}
    for k, (fields, reason) in enumerate(BAD):
        base = {"GLOBALEVENTID": 900_000 + k, "SQLDATE": "20240107",
                "Actor1CountryCode": "RUS", "Actor2CountryCode": "CHN"}
        cases[first_line + 2 * k] = (row(**{**base, **fields}), reason)
    return cases


def test_bad_values_are_rejects_with_line_and_reason_and_the_file_loads(tmp_path):
    bad = _bad_lines(first_line=2)
    lines, good_ids, n = [], [], 0
    while len(lines) < 2 * len(bad) + 60:
        number = len(lines) + 1
        if number in bad:
            lines.append(bad[number][0])
        else:
            n += 1
            watched = n % 2 == 0  # half the valid rows are not of watched countries
            lines.append(event(n, "20240105", "RUS" if watched else "BRA",
                               "CHN" if watched else "FRA"))
            good_ids.append(n)
    path = write(tmp_path / "values.export.CSV", lines)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert result.status == "loaded"
        assert (result.rows_read, result.rows_rejected) == (len(lines), len(bad))
        got = st.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line").fetchall()
        assert [(line, reason) for line, reason, _ in got] == [
            (line, reason) for line, (_, reason) in sorted(bad.items())]
        assert all(raw == bad[line][0] for line, _, raw in got)
        stored = [i for (i,) in st.con.execute("SELECT event_id FROM events ORDER BY 1")
                  .fetchall()]
        assert stored == [i for i in good_ids if i % 2 == 0] == list(range(2, n + 1, 2))
        assert result.rows_kept == len(stored)
        # the rejected rows are out of the denominator: no count on their day at all
        daily = st.con.execute(
            "SELECT day::VARCHAR, sum(events)::INT FROM daily_counts GROUP BY 1").fetchall()
        assert daily == [("2024-01-05", len(good_ids))]
        (counted,) = st.con.execute("SELECT count(*) FROM counted_ids").fetchone()
        assert counted == len(good_ids)
        assert st.con.execute("SELECT rows_read, rows_kept, rows_rejected FROM files"
                              ).fetchone() == (len(lines), len(stored), len(bad))


def test_values_at_the_edges_of_the_ranges_are_stored_as_given(tmp_path):
    lines = [row(**{"GLOBALEVENTID": 100 + k, "Actor1CountryCode": "RUS",
                    "Actor2CountryCode": "CHN", **fields}) for k, fields in enumerate(EDGES)]
    path = write(tmp_path / "edges.export.CSV", lines)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (6, 6, 0)
        got = st.con.execute(
            """SELECT event_id, strftime(day, '%Y%m%d'), is_root_event, quad_class, goldstein,
                      avg_tone, num_mentions, num_sources, date_added
               FROM events ORDER BY event_id""").fetchall()
        assert got[0][0] == 0
        assert got[1][2:6] == (0, 4, -10.0, -100.0)
        assert got[2][3:6] == (1, 10.0, 100.0)
        assert got[3][1] == "19200101" and got[3][6:8] == (0, 2147483647)
        assert got[4][1] == f"{NEXT_YEAR}1231" and got[4][8] == 20150218
        assert got[5][1] == "20240229" and got[5][5] == -3.40136054421769


def test_optional_geography_numbers_that_break_their_rule_are_stored_empty(tmp_path):
    odd = [{"ActionGeo_Type": "1000"}, {"ActionGeo_Lat": "nan"}, {"ActionGeo_Long": "inf"},
           {"ActionGeo_Lat": "91"}, {"ActionGeo_Long": " 5"}, {"ActionGeo_Type": "0x1"}]
    place = {"ActionGeo_Type": "4", "ActionGeo_Lat": "55.75", "ActionGeo_Long": "37.6167"}
    lines = [row(GLOBALEVENTID=10 + k, Actor1CountryCode="RUS", Actor2CountryCode="CHN",
                 **{**place, **f}) for k, f in enumerate(odd)]
    path = write(tmp_path / "geo.export.CSV", lines)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_kept, result.rows_rejected) == (6, 0)
        got = st.con.execute("""SELECT action_geo_type, action_geo_lat, action_geo_long
                                FROM events ORDER BY event_id""").fetchall()
        assert got == [(None, 55.75, 37.6167), (4, None, 37.6167), (4, 55.75, None),
                       (4, None, 37.6167), (4, 55.75, None), (None, 55.75, 37.6167)]


def test_a_bad_id_never_takes_out_the_valid_row_it_would_cast_to(tmp_path):
    """'0x10' and '16.0' cast to 16 in DuckDB: row 16 stays, counted once; the same bad line
    twice is two rejects; a bad value on a line B cannot read either is rejected once."""
    name_bad_utf8 = row(GLOBALEVENTID=17, QuadClass="9", Actor1CountryCode="RUS",
                        Actor2CountryCode="CHN", Actor1Name="RUS\udcffSIA")
    lines = [event(16, "20240105", "RUS", "CHN"),
             row(GLOBALEVENTID="0x10", Actor1CountryCode="RUS", Actor2CountryCode="CHN"),
             row(GLOBALEVENTID="16.0", Actor1CountryCode="RUS", Actor2CountryCode="CHN"),
             row(GLOBALEVENTID=18, QuadClass="7"),
             row(GLOBALEVENTID=18, QuadClass="7"),
             event(17, "20240105", "RUS", "CHN"),
             name_bad_utf8,
             *[event(100 + k, "20240105", "BRA", "FRA") for k in range(4)]]
    path = tmp_path / "ids.export.CSV"
    path.write_bytes(b"".join(
        line.encode("utf-8", "surrogateescape") + b"\n" for line in lines))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (11, 2, 5)
        rejects = st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall()
        assert [line for line, _ in rejects] == [2, 3, 4, 5, 7]
        assert rejects[2][1] == rejects[3][1] == 'bad value in QuadClass: "7" is not 1, 2, 3 or 4'
        assert "encoding" in rejects[4][1].lower()
        assert st.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall() == [
            (16,), (17,)]
        assert st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()[0] == 6


def test_bad_values_in_gdelt1_rows_of_the_other_layout_keep_their_lines(tmp_path):
    """The bundled GDELT 1.0 sample mixes 57- and 58-column rows; the minority is read again
    with its own layout, and its bad values are rejected at their original lines."""
    sample = (sample_dir() / "spark-gdelt_events1.csv").read_text("utf-8").splitlines()
    widths = [line.count("\t") + 1 for line in sample]
    minority = min(set(widths), key=widths.count)
    target = next(n for n, w in enumerate(widths) if w == minority and n > 5)
    majority = next(n for n, w in enumerate(widths) if w != minority and n > 5)
    for n in (target, majority):
        cols = sample[n].split("\t")
        cols[29] = "1000"  # QuadClass
        sample[n] = "\t".join(cols)
    path = write(tmp_path / "v1.csv", sample)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_read, result.rows_rejected) == (len(sample), 2)
        assert st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall() == [
            (min(target, majority) + 1, 'bad value in QuadClass: "1000" is not 1, 2, 3 or 4'),
            (max(target, majority) + 1, 'bad value in QuadClass: "1000" is not 1, 2, 3 or 4')]
        (total,) = st.con.execute("SELECT sum(events) FROM daily_counts").fetchone()
        assert total == len(sample) - 2


def test_a_bad_first_row_after_a_byte_order_mark_and_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(gdelt_load._ValueRejects, "BATCH", 3)
    lines = [row(GLOBALEVENTID=1, QuadClass="8")] + [
        event(10 + k, "20240105", "RUS", "CHN") for k in range(9)] + [
        row(GLOBALEVENTID=2, AvgTone="nan")]
    path = tmp_path / "bom.export.CSV"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(line + "\n" for line in lines).encode())
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load(st, path)
        assert (result.rows_kept, result.rows_rejected) == (9, 2)
        assert [line for (line,) in st.con.execute(
            "SELECT line FROM rejects ORDER BY line").fetchall()] == [1, 11]


def test_lines_that_cannot_be_found_fail_the_file_and_leave_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(gdelt_load._ValueRejects, "_matches", lambda self, path, hashes: iter(()))
    lines = [event(k, "20240105", "RUS", "CHN") for k in range(1, 5)] + [
        row(GLOBALEVENTID=9, QuadClass="8")]
    path = write(tmp_path / "lost.export.CSV", lines)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError, match="found the lines of 0 of the 1 rows with bad"):
            load(st, path)
        assert st.con.execute(
            """SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects),
                      (SELECT count(*) FROM daily_counts), (SELECT count(*) FROM counted_ids),
                      (SELECT status FROM files)""").fetchone() == (0, 0, 0, 0, "failed")


HOSTILE_TEXT = [
    "'; DROP TABLE events; --",
    '"); DROP TABLE events; --',
    "O'Brien \"the\" \\x00 back\\slash",
    "ctrl \x01\x02\x07\x1b[31mred\x1b[0m\x7f end",
    "Ünïcødé 中文 עברית 🚀 \u202eRTL",
    "$1 ? :name $path",
]


def test_hostile_text_and_file_name_load_verbatim_through_the_cli(tmp_path):
    lines = []
    for k, text in enumerate(HOSTILE_TEXT):
        lines.append(row(GLOBALEVENTID=500 + k, Actor1CountryCode="RUS", Actor2CountryCode="CHN",
                         Actor1Name=text, Actor2Name=text[::-1], EventCode="042",
                         SOURCEURL="http://example.org/" + text))
    lines.append(row(GLOBALEVENTID=600, QuadClass="'; DROP TABLE events; --"))
    folder = tmp_path / "it's \"odd\"; DROP TABLE files; --"
    folder.mkdir()
    path = write(folder / "o'k \"x\" $path ?.export.CSV", lines)
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["--db", str(db), "ingest", "gdelt", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open_store(db) as st:
        assert st.con.execute("SELECT name, status, rows_kept, rows_rejected FROM files"
                              ).fetchall() == [(str(path), "loaded", len(HOSTILE_TEXT), 1)]
        got = st.con.execute("""SELECT actor1_name, actor2_name, source_url FROM events
                                ORDER BY event_id""").fetchall()
        assert got == [(t, t[::-1], "http://example.org/" + t) for t in HOSTILE_TEXT]
        assert st.con.execute("SELECT reason FROM rejects").fetchall() == [
            ("bad value in QuadClass: \"'; DROP TABLE events; --\" is not 1, 2, 3 or 4",)]
