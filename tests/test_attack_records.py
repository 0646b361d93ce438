"""Hostile Comtrade and reference files: header cells and values never reach SQL text, a bad
file is a one-line failure with a `failed` row while the files after it still load, and bombs
stop at their caps (set small here through the environment, so each case takes a second)."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import time
import zipfile
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.sources.records import Batch, _insert, load_records, read_bytes
from pivotwatch.sources.reference import COLUMNS as TIMELINE_COLUMNS
from pivotwatch.sources.reference_figures import (
    CAP_COLUMNS,
    FUEL_COLUMNS,
    MEASURE_COLUMNS,
    TRADE_COLUMNS,
)
from pivotwatch.store import open_store

runner = CliRunner()

INJECTION = ('vote", "rcid") FROM x; COPY (SELECT 1) TO \'PWNED.txt\'; --')
HOSTILE_HEADERS = [INJECTION, '"', "'", "a\x00b", "\x1b[31mred\x07", "n" * 10_000,
                   "\ufeff\x00junk\u202e"]
HOSTILE_VALUES = ["'; DROP TABLE trade_flows; --", '"', "'", "\\", "x\x07\x1b[2J",
                  "' || (SELECT 1) || '", "9" * 400, "1e309", "NaN", "inf", "-1",
                  "Кнр 北朝鮮 \u202e", "a\x00b"]
BIG = "z" * (200 << 10)  # a 200 KiB field: over the csv module's default limit

SHORT = ("reporter_iso", "reporter_desc", "flow_desc", "partner_iso", "partner_desc", "cmd_code",
         "cmd_desc", "primary_value", "ref_year")
ROW = {"reporter_iso": "RUS", "reporter_desc": "Russian Federation", "flow_desc": "Export",
       "partner_iso": "PRK", "partner_desc": "DPRK", "cmd_code": "2710",
       "cmd_desc": "Petroleum oils", "primary_value": "1000.5", "ref_year": "2019"}
API = {"typeCode": "C", "freqCode": "A", "refYear": 2019, "reporterCode": 643,
       "reporterISO": "RUS", "flowCode": "X", "flowDesc": "Export", "partnerCode": 408,
       "partnerISO": "PRK", "cmdCode": "TOTAL", "primaryValue": 47900000.0}

# every reference layout: (columns, a good row for a number i)
LAYOUTS = {
    "timeline": (TIMELINE_COLUMNS, lambda i: {
        "date": "2023-09-13", "date_precision": "day", "actor1": "RUS", "actor2": "PRK",
        "dimension": "political", "event_type": "summit", "description": f"Summit {i}.",
        "source_url": "https://example.org/a", "confidence": "high"}),
    "trade": (TRADE_COLUMNS, lambda i: {
        "year": str(2000 + i), "reporter": "ITC", "flow": "total", "value_usd": "47900000",
        "is_estimate": "false", "note": "n", "source_url": "https://example.org/a",
        "confidence": "high"}),
    "fuel": (FUEL_COLUMNS, lambda i: {
        "period_start": f"2024-0{i + 1}-01", "period_end": f"2024-0{i + 1}-20",
        "supplier": "RUS", "barrels": "165000", "basis": "government_estimate", "note": "n",
        "source_url": "https://example.org/c", "confidence": "medium"}),
    "caps": (CAP_COLUMNS, lambda i: {
        "instrument": f"UNSCR {2397 + i}", "adopted": "2017-12-22",
        "commodity": "refined_petroleum", "cap_value": "500000", "cap_unit": "barrels_per_year",
        "source_url": "https://example.org/d"}),
    "measures": (MEASURE_COLUMNS, lambda i: {
        "as_of": f"2024-0{i + 1}-20", "period_start": "2023-09-01",
        "period_end": f"2024-0{i + 1}-20", "from_country": "PRK", "to_country": "RUS",
        "dimension": "military", "measure": "munitions_containers", "value": str(1000 * i),
        "unit": "containers", "basis": "cumulative", "publisher": "MND",
        "publisher_kind": "third_government", "note": "n",
        "source_url": "https://example.org/e", "confidence": "medium"}),
}
TABLE = {"timeline": "reference_events", "trade": "reference_trade", "fuel": "reference_fuel",
         "caps": "reference_caps", "measures": "reference_measures"}


def write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def ingest(tmp_path, source, *files):
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", source,
                                 *map(str, files)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert not (tmp_path / "PWNED.txt").exists()
    return result


def query(tmp_path, sql):
    with open_store(tmp_path / "s.duckdb", read_only=True) as st:
        return st.con.execute(sql).fetchall()


def statuses(tmp_path):
    return dict(query(tmp_path, "SELECT regexp_extract(name, '[^/]+$'), status FROM files"))


def good_comtrade(tmp_path):
    return write(tmp_path / "good.csv", SHORT,
                 [[*(ROW | {"partner_iso": c}).values()] for c in ("CHN", "KOR", "JPN")])


# -- Comtrade CSV ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell", HOSTILE_HEADERS, ids=range(len(HOSTILE_HEADERS)))
def test_comtrade_csv_hostile_header_is_an_ignored_column_shown_safely(tmp_path, monkeypatch,
                                                                      cell):
    monkeypatch.chdir(tmp_path)
    rows = [[*(ROW | {"ref_year": str(y)}).values(), "v"] for y in range(2010, 2016)]
    f = write(tmp_path / "hostile.csv", [*SHORT, cell], rows)
    result = ingest(tmp_path, "comtrade", f)
    assert result.exit_code == 0, result.output
    assert "ignored column(s)" in result.output
    assert "\x1b" not in result.output and "\x00" not in result.output
    assert query(tmp_path, "SELECT count(*) FROM trade_flows") == [(6,)]


def test_comtrade_csv_duplicate_header_fails_and_the_next_file_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = write(tmp_path / "twice.csv", [*SHORT, "cmd_code"], [[*ROW.values(), "27"]])
    result = ingest(tmp_path, "comtrade", bad, good_comtrade(tmp_path))
    assert result.exit_code == 1
    assert "twice.csv: column(s) cmd_code appear more than once in the header" in result.output
    assert statuses(tmp_path) == {"twice.csv": "failed", "good.csv": "loaded"}
    assert query(tmp_path, "SELECT count(*) FROM trade_flows") == [(3,)]


def test_comtrade_csv_hostile_values_are_rejects_with_their_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [[*(ROW | {"ref_year": str(y)}).values()] for y in range(1990, 2020)]  # lines 2-31
    rows += [[*(ROW | {"primary_value": v}).values()] for v in HOSTILE_VALUES]  # 32-44
    rows += [[*(ROW | {"cmd_code": v}).values()] for v in HOSTILE_VALUES]  # 45-57
    big = ROW | {"cmd_desc": BIG, "ref_year": "2021"}
    rows.append([*big.values()])  # 58
    f = write(tmp_path / "values.csv", SHORT, rows)
    result = ingest(tmp_path, "comtrade", f)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT count(*) FROM trade_flows") == [(30,)]
    rejects = dict(query(tmp_path, "SELECT line, reason FROM rejects"))
    assert sorted(rejects) == list(range(32, 59))
    assert rejects[32] == "primary_value \"'; DROP TABLE trade_flows; --\" is not a number"
    assert rejects[38].startswith("primary_value '9999") and \
        rejects[38].endswith("' is not a non-negative number")
    assert [rejects[n] for n in (39, 40, 41, 42)] == [
        f"primary_value '{v}' is not a non-negative number" for v in ("1e309", "NaN", "inf",
                                                                      "-1")]
    assert rejects[44] == "primary_value 'a\\x00b' is not a number"
    assert rejects[45] == ("cmd_code \"'; DROP TABLE TRADE_FLOWS; --\" is not TOTAL or a 2-, "
                           "4- or 6-digit HS code")
    assert rejects[58] == (f"row of {len(','.join(big.values())):,} characters, longer than "
                           "a real row can be (at most 65,536)")
    raws = [r for (r,) in query(tmp_path, "SELECT raw FROM rejects")]
    assert any("DROP TABLE trade_flows" in r for r in raws)
    assert max(len(r) for r in raws) == 2000


def test_comtrade_csv_overlong_line_is_a_reject(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_LINE_BYTES", "1024")
    rows = [[*(ROW | {"ref_year": str(y)}).values()] for y in range(2010, 2016)]
    rows.insert(2, [*(ROW | {"cmd_desc": "d" * 5000}).values()])
    f = write(tmp_path / "long.csv", SHORT, rows)
    result = ingest(tmp_path, "comtrade", f)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT line, reason FROM rejects") == [
        (4, "line longer than 1,024 bytes (PIVOTWATCH_MAX_LINE_BYTES); not read")]
    assert query(tmp_path, "SELECT rows_read, rows_kept FROM files") == [(7, 6)]


# -- Comtrade JSON --------------------------------------------------------------------------

def test_comtrade_json_hostile_keys_and_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = [API | {"refYear": 2000 + i, INJECTION: 1, "k\x1b[2J": "v"} for i in range(20)]
    data += [API | {"primaryValue": v, "refYear": 1990} for v in HOSTILE_VALUES]
    data += [API | {"primaryValue": [[[1]]], "refYear": 1991}, API | {"cmdCode": {"a": 1}},
             API | {"partner_iso": "CHN", "refYear": 1992}, API | {"primaryValue": 1e308 * 10}]
    f = tmp_path / "hostile.json"
    f.write_text(json.dumps({"count": len(data), "data": data}))
    result = ingest(tmp_path, "comtrade", f)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert query(tmp_path, "SELECT count(*) FROM trade_flows") == [(20,)]
    reasons = [r for (r,) in query(tmp_path, "SELECT reason FROM rejects ORDER BY line")]
    assert len(reasons) == len(HOSTILE_VALUES) + 4
    assert reasons[-4:] == ["primary_value '[...]' is not a number",
                            "cmd_code '{...}' is not TOTAL or a 2-, 4- or 6-digit HS code",
                            "keys 'partnerISO' and 'partner_iso' both name 'partner_iso'",
                            "primary_value 'inf' is not a non-negative number"]


@pytest.mark.parametrize("count, message", [
    ('"4"', "'count' is the string \"4\", not a number"),
    ("true", "'count' is true, not a number"),
    ("1.5", "'count' is 1.5, not a whole number"),
    ("[4]", "'count' is [4], not a number"),
    ("3", "'count' says 3 records but 'data' holds 1 (a truncated response?)"),
])
def test_comtrade_json_count_says_what_is_wrong(tmp_path, count, message):
    f = tmp_path / "c.json"
    f.write_text(f'{{"count": {count}, "data": [{json.dumps(API)}]}}')
    result = ingest(tmp_path, "comtrade", f)
    assert result.exit_code == 1 and f"c.json: {message}" in result.output


@pytest.mark.parametrize("content, message", [
    # 100,000 deep is refused before parsing for its count of arrays; 5,000 deep is parsed
    # and too deep for Python's recursion limit
    ("[" * 100_000 + "]" * 100_000, "not a Comtrade API response: 100,000 objects and arrays"),
    ("[" * 5_000 + "]" * 5_000, "malformed JSON: nested too deeply to read"),
    ('{"data": [' + "{}," * 10 + "[" * 5_000 + "]" * 5_000 + "]}",
     "malformed JSON: nested too deeply to read"),
    ('{"count": ' + "9" * 5000 + ', "data": []}', "malformed JSON: Exceeds the limit"),
    ('{"data": [' + ",".join(["{}"] * 30_000) + "]}",
     "not a Comtrade API response: 30,002 objects and arrays"),
], ids=["deep-100k", "deep-5k", "deep-item", "long-int", "tiny-objects"])
def test_comtrade_json_bad_documents_fail_and_the_next_file_loads(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    started = time.monotonic()
    result = ingest(tmp_path, "comtrade", bad, good_comtrade(tmp_path))
    assert time.monotonic() - started < 20
    assert result.exit_code == 1 and f"bad.json: {message}" in result.output
    assert statuses(tmp_path) == {"bad.json": "failed", "good.csv": "loaded"}
    (error,) = query(tmp_path, "SELECT error FROM files WHERE status = 'failed'")[0]
    assert "\n" not in error and message in error


def test_comtrade_json_over_its_cap_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_JSON_BYTES", "5000")
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"count": 50, "data": [API | {"refYear": 1950 + i}
                                                     for i in range(50)]}))
    result = ingest(tmp_path, "comtrade", big, good_comtrade(tmp_path))
    assert result.exit_code == 1
    assert ("big.json: over 5,000 bytes once decompressed, the cap for a JSON file (parsed "
            "whole in memory) (raise PIVOTWATCH_MAX_JSON_BYTES to load it)") in result.output
    assert statuses(tmp_path) == {"big.json": "failed", "good.csv": "loaded"}


# -- reference tables, every layout ---------------------------------------------------------

@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_reference_hostile_headers_and_values(tmp_path, monkeypatch, layout):
    monkeypatch.chdir(tmp_path)
    columns, good = LAYOUTS[layout]
    header = [*columns, *HOSTILE_HEADERS]
    rows = [[*good(i).values(), *(["v"] * len(HOSTILE_HEADERS))] for i in range(8)]
    rows += [[value] * len(header) for value in HOSTILE_VALUES[:3]]
    rows.append([*(good(8) | {columns[0]: BIG}).values(), *(["v"] * len(HOSTILE_HEADERS))])
    f = write(tmp_path / "hostile.csv", header, rows)
    result = ingest(tmp_path, "reference", f)
    assert result.exit_code == 0, result.output
    assert "ignored column(s)" in result.output and "\x1b" not in result.output
    assert query(tmp_path, f"SELECT count(*) FROM {TABLE[layout]}") == [(8,)]
    rejects = dict(query(tmp_path, "SELECT line, reason FROM rejects"))
    assert sorted(rejects) == [10, 11, 12, 13]
    assert rejects[13].startswith("row of 20") and "longer than a real row" in rejects[13]
    raws = [r for (r,) in query(tmp_path, "SELECT raw FROM rejects")]
    assert any("DROP TABLE" in r for r in raws)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_reference_bad_header_fails_and_the_next_file_loads(tmp_path, layout):
    columns, good = LAYOUTS[layout]
    twice = write(tmp_path / "twice.csv", [*columns, columns[-1]],
                  [[*good(0).values(), "x"]])
    fine = write(tmp_path / "fine.csv", columns, [[*good(i).values()] for i in range(3)])
    result = ingest(tmp_path, "reference", twice, fine)
    assert result.exit_code == 1
    assert f"twice.csv: column(s) {columns[-1]} appear more than once in the header" \
        in result.output
    assert statuses(tmp_path) == {"twice.csv": "failed", "fine.csv": "loaded"}
    assert query(tmp_path, f"SELECT count(*) FROM {TABLE[layout]}") == [(3,)]


# -- bombs ----------------------------------------------------------------------------------

def _zeros_after_header(header: bytes, size: int) -> bytes:
    return header + b"\n" + b"0" * size


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "zip", "plain"])
def test_a_bomb_fails_fast_at_the_record_file_cap(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("PIVOTWATCH_MAX_RECORD_FILE_BYTES", "1000000")
    content = _zeros_after_header(",".join(SHORT).encode(), 30 << 20)
    path = tmp_path / f"bomb.csv.{kind}"
    if kind == "gzip":
        path.write_bytes(gzip.compress(content, 1))
    elif kind == "bzip2":
        path.write_bytes(bz2.compress(content[: 3 << 20], 1))
    elif kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("x.csv", content)
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(content[: 2 << 20])
    started = time.monotonic()
    result = ingest(tmp_path, "comtrade", path, good_comtrade(tmp_path))
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert (f"bomb.csv.{kind}: over 1,000,000 bytes once decompressed, the cap for a records "
            "file (raise PIVOTWATCH_MAX_RECORD_FILE_BYTES to load it)") in result.output
    assert statuses(tmp_path) == {path.name: "failed", "good.csv": "loaded"}


def test_read_bytes_stops_at_the_cap_and_the_member_cap(tmp_path, monkeypatch):
    path = tmp_path / "z.gz"
    path.write_bytes(gzip.compress(b"0" * (4 << 20), 1))
    monkeypatch.setenv("PIVOTWATCH_MAX_RECORD_FILE_BYTES", str(1 << 20))
    with pytest.raises(SourceError, match="PIVOTWATCH_MAX_RECORD_FILE_BYTES"):
        read_bytes(path, "z.gz")
    monkeypatch.setenv("PIVOTWATCH_MAX_MEMBER_BYTES", str(1 << 19))
    with pytest.raises(SourceError, match=r"over 524,288 bytes .*PIVOTWATCH_MAX_MEMBER_BYTES"):
        read_bytes(path, "z.gz")
    assert read_bytes(path, "z.gz", limit=100, head=True) == b"0" * 100
    path.write_bytes(gzip.compress(b"0" * 100)[:-10])  # cut short
    with pytest.raises(SourceError, match="z.gz: cannot decompress"):
        read_bytes(path, "z.gz")


# -- the shared loader's safety net ---------------------------------------------------------

@pytest.mark.parametrize("exc, message", [
    (RecursionError("maximum recursion depth exceeded"), "nested too deeply to read"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
     "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"),
    (csv.Error("field larger than field limit"), "Error: field larger than field limit"),
    (pa.ArrowInvalid("bad\x1b[2J value\nsecond line"), "ArrowInvalid: bad\\x1b[2J value"),
])
def test_input_errors_from_a_parser_are_one_line_failures(tmp_path, exc, message):
    def parse(path, name):
        raise exc

    f = tmp_path / "f.txt"
    f.write_text("x")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            load_records(st, f, "f.txt", source="test", parse=parse)
        assert str(info.value).startswith(f"f.txt: cannot be read as a test file ({message}")
        assert str(info.value).endswith(")")
        assert "\n" not in str(info.value)
        assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]


def test_a_programming_error_is_not_swallowed(tmp_path):
    def parse(path, name):
        raise KeyError("bug")

    f = tmp_path / "f.txt"
    f.write_text("x")
    with open_store(tmp_path / "s.duckdb", create=True) as st, pytest.raises(KeyError):
        load_records(st, f, "f.txt", source="test", parse=parse)


def test_insert_takes_only_names_the_schema_has(tmp_path):
    data = pa.table({"x": ["1"]})
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        for table, columns in [("trade_flows", [INJECTION]), (INJECTION, ["x"])]:
            with pytest.raises(RuntimeError, match="names columns the store does not have"):
                _insert(st.con, Batch(table, columns, data), data, "f")
        assert st.con.execute("SELECT count(*) FROM trade_flows").fetchall() == [(0,)]


def test_a_stray_quote_in_a_reference_table_rejects_only_its_own_line(tmp_path):
    """The quote used to swallow the lines after it into one record, so rows went missing
    and rejects carried the wrong line number."""
    bundled = Path(str(resources.files("pivotwatch") / "data" / "reference" / "key_events.csv"))
    lines = bundled.read_text(encoding="utf-8").splitlines()[:40]
    # line 5's description keeps its opening quote and loses the closing one
    head, _, rest = lines[4].partition('"')
    lines[4] = head + '"' + rest.replace('"', "")
    f = tmp_path / "key_events.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(tmp_path, "reference", f)
    read, kept, rejected = query(tmp_path, "SELECT rows_read, rows_kept, rows_rejected "
                                           "FROM files")[0]
    assert (read, rejected) == (len(lines) - 1, 1) and kept == read - 1
    assert query(tmp_path, "SELECT line, reason FROM rejects") == [
        (5, "a quote opened on this line does not close on it (a value may not span lines)")]


@pytest.mark.parametrize("value", ["1.7e308", "1e14"])
def test_trade_values_beyond_any_real_figure_are_rejects(tmp_path, value):
    """Three values of 1.7e308 summed to infinity in `trade` (and JSON wrote Infinity)."""
    rows = [[*(ROW | {"partner_iso": c}).values()] for c in ("CHN", "KOR", "JPN")]
    rows.append([*(ROW | {"partner_iso": "PRK", "primary_value": value}).values()])
    f = write(tmp_path / "huge.csv", SHORT, rows)
    ingest(tmp_path, "comtrade", f)
    assert query(tmp_path, "SELECT max(value_usd) FROM trade_flows")[0][0] < 1e13
    (reason,) = query(tmp_path, "SELECT reason FROM rejects")[0]
    assert f"primary_value {value!r} is over US$10,000,000,000,000" in reason
    columns, make = LAYOUTS["trade"]
    g = write(tmp_path / "trade_by_year.csv", columns,
              [[*make(i).values()] for i in range(3)] + [[*(make(3) | {"value_usd": value})
                                                          .values()]])
    ingest(tmp_path, "reference", g)
    assert query(tmp_path, "SELECT max(value_usd) FROM reference_trade")[0][0] == 47_900_000
    assert [r for (r,) in query(tmp_path, "SELECT reason FROM rejects")
            if "value_usd" in r][0].startswith(f"value_usd {value!r} is over 10,000,000,000,000")


@pytest.mark.parametrize("value", ["1_000", "１２３", "٣٤٥", "0x10"])
def test_numbers_in_other_forms_than_plain_decimals_are_rejects(tmp_path, value):
    """float() reads '1_000' as 1000 and other scripts' digits as numbers; no source means
    them, so they are rejects, not silently read."""
    rows = [[*(ROW | {"partner_iso": c}).values()] for c in ("CHN", "KOR", "JPN")]
    rows.append([*(ROW | {"partner_iso": "PRK", "primary_value": value}).values()])
    ingest(tmp_path, "comtrade", write(tmp_path / "odd.csv", SHORT, rows))
    assert query(tmp_path, "SELECT reason FROM rejects") == [
        (f"primary_value {value!r} is not a number",)]
    assert query(tmp_path, "SELECT count(*) FROM trade_flows WHERE partner = 'PRK'") == [(0,)]
