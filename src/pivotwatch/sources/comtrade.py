"""UN Comtrade trade flows: comtradr's snake_case CSV and the raw API v1 JSON response.

Both layouts carry the same fields (the CSV's `partner_iso` is the JSON's `partnerISO`), so
each record is turned into one dict of snake_case text and mapped by the same function. A
row keeps its reporter, partner, year, flow, HS code and Comtrade's primary value (imports
are valued CIF, exports FOB; see docs/trade.md). Aggregate partners such as "World" or
"Areas, nes", unknown codes, breakdowns by transport mode or customs procedure (which would
count the total twice) and rows repeated within a file are rejected with a reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyarrow as pa
import xxhash

from pivotwatch.errors import SourceError
from pivotwatch.markup import printable
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.records import (
    JSON_FILE,
    RAW_CHARS,
    Batch,
    CsvFile,
    Expectations,
    FileResult,
    Parsed,
    Reject,
    check_rejects,
    decimal,
    expand,
    first_line,
    load_records,
    read_bytes,
    read_text,
    shown,
)
from pivotwatch.store.store import Store, one_line
from pivotwatch.taxonomy.countrycodes import to_iso3, why_unmapped
from pivotwatch.taxonomy.trade_categories import category_of

SOURCE = "comtrade"
EXPECT = Expectations(min_rows=1, max_reject_share=0.5)
# The columns of a Comtrade API v1 record, as comtradr names them (snake_case).
KNOWN = (
    "type_code", "freq_code", "ref_period_id", "ref_year", "ref_month", "period",
    "reporter_code", "reporter_iso", "reporter_desc", "flow_code", "flow_desc", "partner_code",
    "partner_iso", "partner_desc", "partner2code", "partner2iso", "partner2desc",
    "classification_code", "classification_search_code", "is_original_classification",
    "cmd_code", "cmd_desc", "aggr_level", "is_leaf", "customs_code", "customs_desc", "mos_code",
    "mot_code", "mot_desc", "qty_unit_code", "qty_unit_abbr", "qty", "is_qty_estimated",
    "alt_qty_unit_code", "alt_qty_unit_abbr", "alt_qty", "is_alt_qty_estimated", "net_wgt",
    "is_net_wgt_estimated", "gross_wgt", "is_gross_wgt_estimated", "cifvalue", "fobvalue",
    "primary_value", "legacy_estimation_flag", "is_reported", "is_aggregate",
)
REQUIRED = ("flow_desc", "cmd_code", "primary_value", "ref_year")
# No real flow comes near it (the largest importer's yearly total is about 3e12); a larger
# value is an error or an attack, and a few of them would sum to infinity.
MAX_VALUE_USD = 1e13
FLOWS = {"import": "import", "export": "export", "re-import": "re-import",
         "re-export": "re-export", "m": "import", "x": "export", "rm": "re-import",
         "rx": "re-export"}
# Breakdown columns and the value each takes on a total row; any other value is a slice of
# a total that the file may also hold.
TOTALS = {"partner2iso": ("W00", ""), "partner2code": ("0", ""), "customs_code": ("C00", ""),
          "mot_code": ("0", ""), "mos_code": ("0", "")}
COLUMNS = ("flow_key", "reporter", "partner", "year", "flow", "hs_code", "category",
           "value_usd", "layout")
# Records one file may hold: ~3.5 times the largest real file (comtradr's EU wood imports,
# 173,358 rows). Each costs ~600 bytes of memory while the file loads (its duplicate check and
# the store's key index), so the 5.6 million shortest rows a records file could hold would
# need 3 GB; at this cap the worst file peaks under ~0.7 GB RSS (benchmarks/ingest_rss.py).
MAX_RECORDS = 600_000
_SCHEMA = pa.schema([(c, pa.int32() if c == "year" else pa.float64() if c == "value_usd"
                      else pa.string()) for c in COLUMNS])
_ISO3 = re.compile(r"^[A-Z]{3}$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def bundled_sample() -> list[Path]:
    """The bundled Comtrade extracts (see data/sample/trade/README.md)."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "trade"))
    return sorted(p for p in folder.iterdir() if p.name.endswith((".csv", ".csv.gz", ".json")))


def snake(key: str) -> str:
    """'partnerISO' -> 'partner_iso', 'partner2Code' -> 'partner2code' (comtradr's names)."""
    return _CAMEL.sub("_", key).lower()


def flow_key(reporter: str, partner: str, year: int, flow: str, hs_code: str) -> str:
    return xxhash.xxh3_128_hexdigest(
        "\x1f".join([reporter, partner, str(year), flow, hs_code]).encode())


def _country(rec: dict[str, str], role: str) -> str:
    iso = rec.get(f"{role}_iso", "").strip().upper()
    code = rec.get(f"{role}_code", "").strip()
    desc = rec.get(f"{role}_desc", "").strip()
    by_iso = to_iso3(iso, "iso3") if iso else None
    # Comtrade's numeric codes are M49 with a few documented exceptions (490: Taiwan)
    by_code = to_iso3(code, "comtrade") if code else None
    if iso and code and (by_iso or _ISO3.match(iso)) and by_code and by_iso != by_code:
        raise ValueError(f"{role} code {iso} and number {code} ({by_code}) disagree")
    if by_iso or by_code:
        return by_iso or by_code
    shown = iso or code
    if not shown:
        raise ValueError(f"no {role} code")
    named = f" ({desc})" if desc else ""
    # Comtrade's aggregates ("W00" World, "_X" Areas nes, "S19" Other Asia nes) are not
    # three letters, or are named "... nes"
    if (iso and not _ISO3.match(iso)) or desc.lower().endswith(("nes", "world")):
        raise ValueError(f"{role} {shown}{named} is an aggregate, not a country")
    raise ValueError(f"{role}: {why_unmapped(shown, 'iso3' if iso else 'comtrade')}{named}")


def parse_record(rec: dict[str, str], layout: str) -> tuple:
    """One record (snake_case keys, text values) as a trade_flows row; ValueError says why not."""
    freq = rec.get("freq_code", "").strip().upper()
    if freq not in ("", "A"):
        raise ValueError(f"freq_code {freq!r}: only annual figures are loaded")
    for column, total in TOTALS.items():
        value = rec.get(column, "").strip()
        if value not in total:
            raise ValueError(f"{column} {value!r} is a breakdown of a total; only totals are "
                             "loaded, so nothing is counted twice")
    reporter, partner = _country(rec, "reporter"), _country(rec, "partner")
    if reporter == partner:
        raise ValueError(f"reporter and partner are both {reporter}: trade with itself "
                         "(re-imports of its own goods) is not bilateral")
    text = rec.get("ref_year", "").strip()
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
        raise ValueError(f"ref_year {text!r} is not a year")
    year = int(text)
    flow_text = (rec.get("flow_desc", "").strip() or rec.get("flow_code", "").strip()).lower()
    flow = FLOWS.get(flow_text)
    if flow is None:
        raise ValueError(f"flow {flow_text!r} is not import, export, re-import or re-export")
    hs_code = rec.get("cmd_code", "").strip().upper()
    category = category_of(hs_code)
    if category is None:
        raise ValueError(f"cmd_code {hs_code!r} is not TOTAL or a 2-, 4- or 6-digit HS code")
    text = rec.get("primary_value", "").strip()
    if not text:
        raise ValueError("no primary_value")
    try:
        value = decimal(text)
    except ValueError:
        raise ValueError(f"primary_value {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"primary_value {text!r} is not a non-negative number")
    if value > MAX_VALUE_USD:
        raise ValueError(f"primary_value {text!r} is over US${MAX_VALUE_USD:,.0f}, more than "
                         "any country's trade with the world in a year")
    return (flow_key(reporter, partner, year, flow, hs_code), reporter, partner, year, flow,
            hs_code, category, value, layout)


@dataclass
class _Rows:
    """Records as they are read, one at a time: kept rows, rejects and what was seen."""

    name: str
    layout: str
    unit: str  # what a number counts: 'line' (CSV) or 'record' (JSON)
    read: int = 0
    good: list[tuple] = field(default_factory=list)  # kept rows not yet in `chunks`
    chunks: list[pa.RecordBatch] = field(default_factory=list)
    bad: list[Reject] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # flow_key -> its line

    def table(self) -> pa.Table:
        """The kept rows. They are held as Arrow columns, a few bytes a field, not as Python
        tuples (~700 bytes a row): a file at its size cap stays well under 1 GiB."""
        self._flush()
        return pa.Table.from_batches(self.chunks, schema=_SCHEMA)

    def _flush(self) -> None:
        if self.good:
            columns = zip(*self.good, strict=True)
            self.chunks.append(pa.RecordBatch.from_arrays(
                [pa.array(c, type=t) for c, t in zip(columns, _SCHEMA.types, strict=True)],
                schema=_SCHEMA))
            self.good.clear()

    def add(self, line: int, rec: dict | None, raw: object, problem: str | None = None) -> None:
        """One record (snake_case keys, text values); `raw` is its text, or the JSON value,
        dumped only if it is rejected."""
        self.read += 1
        if self.read > MAX_RECORDS:
            raise SourceError(f"{self.name}: more than {MAX_RECORDS:,} records, the most a "
                              "Comtrade file may hold (about 3.5 times the largest real one); "
                              "split it")
        if problem is None and rec is None:
            problem = ("not a record of the file's layout (wrong number of fields, or not a "
                       "JSON object)")
        try:
            if problem is not None:
                raise ValueError(problem)
            row = parse_record(rec, self.layout)
            if row[0] in self.seen:
                raise ValueError(f"duplicate row: same reporter, partner, year, flow and HS "
                                 f"code as {self.unit} {self.seen[row[0]]}")
        except ValueError as exc:
            self.bad.append(Reject(line, str(exc), _raw(raw)))
            check_rejects(self.name, self.bad, self.layout, self.unit)
            return
        self.seen[row[0]] = line
        self.good.append(row)
        if len(self.good) >= 1 << 16:
            self._flush()


def _raw(raw: object) -> str:
    if isinstance(raw, str):
        return raw[:RAW_CHARS]
    try:
        return json.dumps(raw, ensure_ascii=False)[:RAW_CHARS]
    except (RecursionError, ValueError):
        return f"({type(raw).__name__} nested too deeply to show)"


def _csv_records(path: Path, name: str, rows: _Rows) -> list[str]:
    """Read a comtradr CSV row by row into `rows`; the columns it does not know."""
    with CsvFile(path, name) as f:
        header = f.header
        missing = [c for c in REQUIRED if c not in header]
        for role in ("reporter", "partner"):
            if f"{role}_iso" not in header and f"{role}_code" not in header:
                missing.append(f"{role}_iso")
        if missing:
            raise SourceError(f"{name}: not a Comtrade CSV: missing column(s) "
                              f"{', '.join(missing)}")
        for row in f.rows():
            values = row.values
            if values is not None and (None in values or None in values.values()):
                values = None
            rows.add(row.line, values, row.raw, row.problem)
    return [h for h in header if h not in KNOWN]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    if isinstance(value, list | dict):  # never a Comtrade field's value; not worth printing
        return "[...]" if isinstance(value, list) else "{...}"
    return str(value)


def _value(value: object) -> str:
    """A JSON value as the file wrote it, short enough for a message."""
    try:
        return printable(json.dumps(value, ensure_ascii=False), 60)
    except (RecursionError, ValueError):
        return type(value).__name__


def _count(doc: dict, data: list, name: str) -> None:
    count = doc.get("count")
    if count is None:
        return
    if isinstance(count, str):
        raise SourceError(f"{name}: 'count' is the string {_value(count)}, not a number")
    if isinstance(count, bool) or not isinstance(count, int | float):
        raise SourceError(f"{name}: 'count' is {_value(count)}, not a number")
    if not math.isfinite(count) or count != int(count):
        raise SourceError(f"{name}: 'count' is {_value(count)}, not a whole number")
    if count != len(data):
        raise SourceError(f"{name}: 'count' says {int(count)} records but 'data' holds "
                          f"{len(data)} (a truncated response?)")


def _json_records(text: str, name: str, rows: _Rows) -> list[str]:
    """Read a Comtrade API response (read whole, under PIVOTWATCH_MAX_JSON_BYTES) into `rows`
    record by record; the keys it does not know."""
    # Parsed whole, a JSON value costs far more memory than its text: some 60 bytes for each
    # object, array or string value (keys are shared). A Comtrade record is one object of
    # ~1,000 characters holding a dozen string values, under 1 KB parsed; a file whose objects
    # and strings would take more than 8 bytes a character is refused before parsing.
    containers = text.count("{") + text.count("[")
    strings = max(text.count('"') // 2 - text.count('":'), 0)
    if containers + strings > 10_000 and 64 * containers + 56 * strings > 8 * len(text):
        raise SourceError(f"{name}: not a Comtrade API response: {containers:,} objects and "
                          f"arrays and {strings:,} string values in {len(text):,} characters "
                          "(a record is one object of some 1,000)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{name}: malformed JSON: {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}") from None
    except RecursionError:
        raise SourceError(f"{name}: malformed JSON: nested too deeply to read (a Comtrade "
                          "response is three levels deep)") from None
    except ValueError as exc:  # such as an integer of more than 4,300 digits
        raise SourceError(f"{name}: malformed JSON: {printable(one_line(exc), 200)}") from None
    del text  # the parsed document is what memory must hold from here
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceError(f"{name}: not a Comtrade API response (no 'data' list)")
    if doc.get("error"):
        raise SourceError(f"{name}: the response reports an error: "
                          f"{printable(str(doc['error']).strip(), 200)}")
    data = doc["data"]
    _count(doc, data, name)
    extra: set[str] = set()
    for number, item in enumerate(data, start=1):
        data[number - 1] = None  # each record is let go once read
        if not isinstance(item, dict):
            rows.add(number, None, item)
            continue
        rec: dict[str, str] = {}
        first: dict[str, str] = {}
        clash = None
        for key, value in item.items():
            snaked = snake(key)
            if snaked in rec and clash is None:
                clash = (f"keys {printable(first[snaked])!r} and {printable(key)!r} both name "
                         f"{printable(snaked)!r}")
            first.setdefault(snaked, key)
            rec[snaked] = _text(value)
        extra.update(k for k in rec if k not in KNOWN)
        missing = [c for c in (*REQUIRED, "reporter_code", "partner_code") if c not in rec]
        problem = clash or (f"record lacks {', '.join(missing)}" if missing else None)
        rows.add(number, rec, item, problem)
    return sorted(extra)


def parse_file(path: Path, name: str) -> Parsed:
    head = read_bytes(path, name, limit=1 << 16, head=True)
    is_json = head.decode("utf-8-sig", "replace").lstrip()[:1] in ("{", "[")
    layout = "comtrade-json" if is_json else "comtrade-csv"
    rows = _Rows(name, layout, "record" if is_json else "line")
    if is_json:
        extra = _json_records(read_text(path, name, setting=JSON_FILE), name, rows)
    else:
        extra = _csv_records(path, name, rows)
    notes = []
    if extra:  # columns this connector does not know are said, not silently dropped
        notes.append(f"ignored column(s) {shown(extra)}")
    return Parsed(layout, rows.read, [Batch("trade_flows", COLUMNS, rows.table())], rows.bad,
                  tuple(notes))


def load_comtrade(store: Store, path: Path, name: str | None = None) -> FileResult:
    """Load one Comtrade CSV (plain or compressed) or API JSON file in one transaction."""
    return load_records(store, path, name or str(path), source=SOURCE, parse=parse_file,
                        expect=EXPECT)


def _is_comtrade(path: Path) -> bool:
    """A folder's file looks like Comtrade flows (a CSV with the required columns, or JSON)."""
    line = first_line(path)
    return line.lstrip().startswith("{") or all(c in line for c in REQUIRED)


def ingest_comtrade(ctx: Context, paths: list[str] | None = None) -> IngestReport:
    """Load Comtrade files or folders of them (the bundled sample when none are given)."""
    targets, passed = expand(paths, (".csv", ".csv.gz", ".json"), _is_comtrade) if paths else (
        [(f"sample:{p.name}", p) for p in bundled_sample()], [])
    report = IngestReport(passed_over=passed)
    ctx.progress.planned(len(targets), "Comtrade files")
    for name, path in targets:
        attempt(ctx, report, name, lambda name=name, path=path: load_comtrade(ctx.store, path,
                                                                               name))
    return report
