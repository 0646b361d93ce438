"""Hostile UN votes files: header cells and values never reach SQL text, every layout.

The injection below made the old loader write PWNED.txt: a header cell was spliced into the
SQL that rebuilds a rejected row's raw text.
"""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.sources.unga import LAYOUTS, load_file
from pivotwatch.store import open_store

runner = CliRunner()

INJECTION = ('x", "rcid") FROM reasons JOIN rawt USING (line); COPY (SELECT \'x\') TO '
             "'PWNED.txt' (HEADER false); SELECT 1, 'x', concat_ws(',', \"rcid")
HOSTILE_VALUES = ["'; DROP TABLE un_votes; --", '"', "\\", "x\x07y", "Кнр 北朝鮮 \u202e",
                  "' || (SELECT 1) || '", "1e309", "NaN", "-1", "9" * 40]


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _layout_rows(layout: str, value: str) -> tuple[list[str], list[list[str]]]:
    """A header of `layout` with two hostile extra columns, good rows and rows whose every
    field holds `value`."""
    required, optional = LAYOUTS[layout]
    header = [*required, *optional, INJECTION, "line"]
    good = {"rcid": "5", "country": "Russia", "country_code": "RU", "vote": "yes",
            "session": "1", "importantvote": "0", "date": "1946-01-01", "unres": "R/1",
            "short": "s", "descr": "d", "amend": "0", "para": "0", "short_name": "me",
            "issue": "Palestinian conflict", "ccode": "365", "member": "1", "year": "1946",
            "me": "0", "nu": "0", "di": "0", "hr": "0", "co": "0", "ec": "0"}
    if layout == "voeten":
        good.update(vote="1", date="1/1/1946")
    rows = []
    for rcid in range(5, 12):
        row = {**good, "rcid": str(rcid)}
        rows.append([row.get(c, value) for c in header])
    rows += [[value] * len(header) for _ in range(3)]
    return header, rows


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("value", HOSTILE_VALUES[:5])
def test_hostile_headers_and_values_never_run_as_sql(tmp_path, monkeypatch, layout, value):
    monkeypatch.chdir(tmp_path)
    header, rows = _layout_rows(layout, value)
    f = _write(tmp_path / "hostile.csv", header, rows)
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "unvotes", str(f)])
    assert "Traceback" not in result.output
    assert not (tmp_path / "PWNED.txt").exists()
    assert result.exit_code == 0, result.output
    with open_store(db) as st:
        # the good rows are in, the hostile ones are rejects that keep their raw text
        (rejects,) = st.con.execute("SELECT count(*) FROM rejects").fetchall()[0]
        raws = [r for (r,) in st.con.execute("SELECT raw FROM rejects").fetchall()]
        assert rejects >= 3
        assert any(value in raw for raw in raws)
        (stored,) = st.con.execute("SELECT count(*) FROM files WHERE status = 'loaded'"
                                   ).fetchall()[0]
        assert stored == 1


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_are_rejected_with_their_text(tmp_path, value):
    rows = [[str(r), "Russia", "RU", "yes"] for r in range(1, 8)]
    rows += [[value, "Russia", "RU", "yes"], ["9", value, value, "no"], ["10", "China", "CN",
                                                                           value]]
    f = _write(tmp_path / "v.csv", ["rcid", "country", "country_code", "vote"], rows)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        r = load_file(st, f)
        assert (r.rows_kept, r.rows_rejected) == (7, 3)
        rejected = st.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line"
                                  ).fetchall()
        assert [line for line, _, _ in rejected] == [9, 10, 11]
        assert all(reason and value in raw for _, reason, raw in rejected)


@pytest.mark.parametrize("header_line", [
    'rcid,country,"country_code,vote\n',        # a quote that never closes
    'rcid,country,country_code,"vo\nte"\n',    # a line break inside a column name
    '"rcid,country,country_code,vote\n',        # a quote opened before the first name
])
def test_a_header_the_readers_cannot_agree_on_is_one_line_and_the_next_file_loads(
        tmp_path, header_line):
    bad = tmp_path / "bad.csv"
    bad.write_text(header_line + "3,Russia,RU,yes\n", encoding="utf-8")
    good = _write(tmp_path / "good.csv", ["rcid", "country", "country_code", "vote"],
                  [[str(r), "Russia", "RU", "yes"] for r in range(1, 4)])
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "unvotes", str(bad), str(good)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "bad.csv" in failed[0]
    with open_store(db) as st:
        assert st.con.execute("SELECT name, status FROM files ORDER BY status").fetchall() == [
            (str(bad), "failed"), (str(good), "loaded")]
        assert st.con.execute("SELECT count(*) FROM un_votes").fetchall()[0][0] == 3


def test_known_column_names_repeated_or_reserved_are_read_by_position(tmp_path):
    # a second `vote` column and a column called `line` are extras, never mistaken for data
    f = _write(tmp_path / "v.csv", ["rcid", "line", "country", "country_code", "vote", "vote"],
               [[str(r), "99", "Russia", "RU", "yes", "no"] for r in range(1, 5)])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        r = load_file(st, f)
        assert r.rows_kept == 4 and r.notes == ("ignored column(s) line, vote",)
        assert {v for (v,) in st.con.execute("SELECT vote FROM un_votes").fetchall()} == {"yes"}


def test_a_huge_country_name_is_a_quick_reject(tmp_path):
    # the country-name patterns take seconds on a few thousand characters of text
    import time

    rows = [[str(r), "Russia", "RU", "yes"] for r in range(1, 8)]
    rows.append(["8", "Korea " * 20_000, "", "yes"])
    f = _write(tmp_path / "v.csv", ["rcid", "country", "country_code", "vote"], rows)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        started = time.monotonic()
        r = load_file(st, f)
        assert time.monotonic() - started < 10
        assert (r.rows_kept, r.rows_rejected) == (7, 1)


def test_a_stray_quote_rejects_its_own_line_and_never_joins_lines(tmp_path):
    """A quote that does not close used to join every line up to the next quote into one
    record: a thousand votes lost and one made up from the two ends."""
    rows = [f"{r},Russia,RU,yes" for r in range(1, 6)]
    rows += ['3,"Foo,US,yes']                                  # opens a quote, never closes
    rows += [f"{r},China,CN,no" for r in range(10, 1010)]
    rows += ['4,Bar",KP,no', "", '5,"Korea, Republic of",KR,abstain', 'x,"y",z,"w']
    f = tmp_path / "v.csv"
    f.write_text("rcid,country,country_code,vote\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        r = load_file(st, f)
        # every line but the blank one is a row or a reject: 1,009 of them
        assert (r.rows_read, r.rows_kept, r.rows_rejected) == (1009, 1007, 2)
        assert st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall() == [
            (7, "a quote opened on this line does not close on it (a value may not span "
                "lines)"),
            (1011, "a quote opened on this line does not close on it (a value may not "
                       "span lines)")]
        assert st.con.execute("SELECT count(*) FROM un_votes WHERE country = 'CHN'"
                              ).fetchall() == [(1000,)]
        assert st.con.execute("SELECT vote FROM un_votes WHERE rcid = 5 AND country = 'KOR'"
                              ).fetchall() == [("abstain",)]


def test_a_line_break_outside_a_roll_call_description_is_a_reject(tmp_path):
    header = "rcid,session,importantvote,date,unres,amend,para,short,descr\n"
    body = ('1,1,0,1946-01-01,R/1,0,0,SHORT,"two\nlines"\n'      # a description may span lines
            '2,"1\n3",0,1946-01-02,R/2,0,0,S,D\n'                 # a session may not
            "4,1,0,1946-01-03,R/4,0,0,S,D\n")
    f = tmp_path / "calls.csv"
    f.write_text(header + body, encoding="utf-8")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        r = load_file(st, f)
        assert (r.rows_kept, r.rows_rejected) == (2, 1)
        assert st.con.execute("SELECT reason FROM rejects").fetchall() == [
            ("a line break inside session (a quote that does not close on its line?)",)]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_bare_carriage_return_ends_a_line_and_sinks_nothing(tmp_path, end):
    rows = [f"{r},Russia,RU,yes" for r in range(1, 8)]
    rows[3] = rows[3].replace(",", ",\r", 1)  # '4,\rRussia,RU,yes': two short lines
    f = tmp_path / "v.csv"
    f.write_bytes(end.join(["rcid,country,country_code,vote", *rows]).encode() + b"\n")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        r = load_file(st, f)
        assert (r.rows_kept, r.rows_rejected) == (6, 2)
        assert st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall() == [
            (5, "2 fields, expected 4"), (6, "3 fields, expected 4")]
