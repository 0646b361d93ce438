"""UN Comtrade trade flows: comtradr's snake_case CSV and the raw API v1 JSON response.

Both layouts carry the same fields (the CSV's `partner_iso` is the JSON's `partnerISO`), so
each record is turned into one dict of snake_case text and mapped by the same function. A
row keeps its reporter, partner, year, flow, HS code and Comtrade's primary value (imports
are valued CIF, exports FOB; see docs/trade.md). Aggregate partners such as "World" or
"Areas, nes", unknown codes, breakdowns by transport mode or customs procedure (which would
count the total twice) and rows repeated within a file are rejected with a reason.
"""

from __future__ import annotations

import csv
import json
import math
import re
from importlib import resources
from pathlib import Path

import xxhash

from pivotwatch.errors import SourceError
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.gdelt.load import FileResult
from pivotwatch.sources.records import (
    Batch,
    Expectations,
    Parsed,
    Reject,
    expand,
    first_line,
    load_records,
    read_text,
    text_stream,
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
FLOWS = {"import": "import", "export": "export", "re-import": "re-import",
         "re-export": "re-export", "m": "import", "x": "export", "rm": "re-import",
         "rx": "re-export"}
# Breakdown columns and the value each takes on a total row; any other value is a slice of
# a total that the file may also hold.
TOTALS = {"partner2iso": ("W00", ""), "partner2code": ("0", ""), "customs_code": ("C00", ""),
          "mot_code": ("0", ""), "mos_code": ("0", "")}
COLUMNS = ("flow_key", "reporter", "partner", "year", "flow", "hs_code", "category",
           "value_usd", "layout")
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
        value = float(text)
    except ValueError:
        raise ValueError(f"primary_value {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"primary_value {text!r} is not a non-negative number")
    return (flow_key(reporter, partner, year, flow, hs_code), reporter, partner, year, flow,
            hs_code, category, value, layout)


def _csv_records(text: str, name: str) -> tuple[list[tuple[int, dict, str]], list[str]]:
    reader = csv.DictReader(text_stream(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    for role in ("reporter", "partner"):
        if f"{role}_iso" not in header and f"{role}_code" not in header:
            missing.append(f"{role}_iso")
    if missing:
        raise SourceError(f"{name}: not a Comtrade CSV: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header
    records = []
    for row in reader:
        raw = ",".join(v for v in row.values() if isinstance(v, str))
        if None in row or any(v is None for v in row.values()):
            records.append((reader.line_num, None, raw))
        else:
            records.append((reader.line_num, row, raw))
    return records, [h for h in header if h not in KNOWN]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _json_records(text: str, name: str) -> tuple[list[tuple[int, dict, str]], list[str]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{name}: malformed JSON: {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceError(f"{name}: not a Comtrade API response (no 'data' list)")
    if doc.get("error"):
        raise SourceError(f"{name}: the response reports an error: {one_line(doc['error'])}")
    data = doc["data"]
    count = doc.get("count")
    if count is not None and count != len(data):
        raise SourceError(f"{name}: 'count' says {count} records but 'data' holds "
                          f"{len(data)} (a truncated response?)")
    records, extra = [], set()
    for number, item in enumerate(data, start=1):
        raw = json.dumps(item, ensure_ascii=False)
        if not isinstance(item, dict):
            records.append((number, None, raw))
            continue
        rec = {snake(k): _text(v) for k, v in item.items()}
        extra.update(k for k in rec if k not in KNOWN)
        missing = [c for c in (*REQUIRED, "reporter_code", "partner_code") if c not in rec]
        records.append((number, rec if not missing else {"_missing": ", ".join(missing)}, raw))
    return records, sorted(extra)


def parse_file(path: Path, name: str) -> Parsed:
    text = read_text(path, name)
    is_json = text.lstrip()[:1] in ("{", "[")
    layout = "comtrade-json" if is_json else "comtrade-csv"
    records, extra = (_json_records if is_json else _csv_records)(text, name)
    good, bad, seen = [], [], {}
    for line, rec, raw in records:
        if rec is None:
            bad.append(Reject(line, "not a record of the file's layout (wrong number of "
                                    "fields, or not a JSON object)", raw))
            continue
        if "_missing" in rec:
            bad.append(Reject(line, f"record lacks {rec['_missing']}", raw))
            continue
        try:
            row = parse_record(rec, layout)
        except ValueError as exc:
            bad.append(Reject(line, str(exc), raw))
            continue
        if row[0] in seen:
            bad.append(Reject(line, f"duplicate row: same reporter, partner, year, flow and "
                                    f"HS code as {'record' if is_json else 'line'} "
                                    f"{seen[row[0]]}", raw))
            continue
        seen[row[0]] = line
        good.append(row)
    notes = []
    if extra:  # columns this connector does not know are said, not silently dropped
        notes.append(f"ignored column(s) {', '.join(extra)}")
    return Parsed(layout, len(records), [Batch("trade_flows", COLUMNS, good)], bad,
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
