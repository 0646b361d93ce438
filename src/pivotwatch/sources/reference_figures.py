"""Reference figures: recorded Russia–DPRK trade by year, fuel deliveries and sanctions caps.

Three small curated CSVs, each loaded into a table of its own (`reference_trade`,
`reference_fuel`, `reference_caps`) and never mixed with Comtrade flows. Rows are checked
field by field; a bad row goes to `rejects` with its line and reason. Markers the curators
put in notes ("LOWER BOUND", "PARTIAL YEAR", "overlaps", "inferred", "TARGET", "GAP") become
`flags`, so an analysis can say that a figure must not be added to another or is not a
recorded value. A file is routed to its loader by its header (`loader_for`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

import xxhash

from pivotwatch.errors import SourceError
from pivotwatch.sources.records import (
    Batch,
    CsvFile,
    Expectations,
    FileResult,
    Parsed,
    Reject,
    check_rejects,
    decimal,
    load_records,
    shown,
)
from pivotwatch.store.store import Store
from pivotwatch.taxonomy.countrycodes import to_iso3

SOURCE = "reference"
EXPECT = Expectations(min_rows=1, max_reject_share=0.5)
CONFIDENCE = ("high", "medium", "low")
BASES = {"reported_to_un": "reported to the UN",
         "government_estimate": "government estimate",
         "open_source_estimate": "open-source estimate"}
TRADE_COLUMNS = ("year", "reporter", "flow", "value_usd", "is_estimate", "note", "source_url",
                 "confidence")
FUEL_COLUMNS = ("period_start", "period_end", "supplier", "barrels", "basis", "note",
                "source_url", "confidence")
CAP_COLUMNS = ("instrument", "adopted", "commodity", "cap_value", "cap_unit", "source_url")
# note marker (matched case-insensitively) -> flag
FLAGS = (("lower bound", "lower_bound"), ("partial year", "partial_year"),
         ("overlap", "overlaps"), ("inferred", "inferred"), ("target", "target"),
         ("gap:", "gap"))
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


def bundled_figures() -> list[tuple[str, Path]]:
    folder = Path(str(resources.files("pivotwatch") / "data" / "reference"))
    return [(f"bundled:{n}", folder / n)
            for n in ("trade_by_year.csv", "fuel_deliveries.csv", "cap_rules.csv")]


def _key(*parts: object) -> str:
    return xxhash.xxh3_128_hexdigest("\x1f".join(str(p) for p in parts).encode())


def _day(text: str, column: str) -> date:
    text = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a date (YYYY-MM-DD)") from None


# Dollars of trade or barrels and tonnes of fuel in a year: no real figure comes near it, and
# a few larger ones would sum to infinity.
MAX_FIGURE = 1e13


def _number(text: str, column: str, *, positive: bool = False) -> float:
    text = text.strip()
    try:
        value = decimal(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{column} {text!r} must be a {'positive' if positive else 'non-negative'}"
                         " number")
    if value > MAX_FIGURE:
        raise ValueError(f"{column} {text!r} is over {MAX_FIGURE:,.0f}, larger than any real "
                         "figure of trade (US$) or fuel (barrels, tonnes) a year")
    return value


def _urls(text: str) -> list[str]:
    urls = [u.strip() for u in text.split(" ; ") if u.strip()]
    if not urls:
        raise ValueError("no source_url: every reference figure needs a source")
    bad = [u for u in urls if not u.startswith(("http://", "https://")) or " " in u]
    if bad:
        raise ValueError(f"source_url {bad[0]!r} is not an http(s) address")
    return urls


def _confidence(text: str) -> str:
    value = text.strip().lower()
    if value not in CONFIDENCE:
        raise ValueError(f"confidence {value!r} is not high, medium or low")
    return value


def _word(text: str, column: str) -> str:
    value = text.strip().lower()
    if not _WORD.match(value):
        raise ValueError(f"{column} {value!r} is not a lower_case_word")
    return value


def flags(note: str) -> list[str]:
    """The flags a curator's note carries ('LOWER BOUND: ...' -> ['lower_bound'])."""
    lowered = note.lower()
    return [flag for marker, flag in FLAGS if marker in lowered]


def trade_row(row: dict[str, str]) -> tuple:
    text = row["year"].strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"year {text!r} is not a four-digit year")
    year = int(text)
    reporter = " ".join(row["reporter"].split())
    if not reporter:
        raise ValueError("reporter is empty: say who published the figure")
    flow = _word(row["flow"], "flow")
    value = _number(row["value_usd"], "value_usd")
    estimate = row["is_estimate"].strip().lower()
    if estimate not in ("true", "false"):
        raise ValueError(f"is_estimate {estimate!r} is not true or false")
    note = " ".join(row["note"].split())
    urls, confidence = _urls(row["source_url"]), _confidence(row["confidence"])
    return (_key(year, reporter, flow), year, reporter, flow, value, estimate == "true",
            note or None, flags(note), urls, confidence)


def fuel_row(row: dict[str, str]) -> tuple:
    start, end = _day(row["period_start"], "period_start"), _day(row["period_end"], "period_end")
    if end < start:
        raise ValueError(f"period_end {end} is before period_start {start}")
    supplier = to_iso3(row["supplier"], "iso3")
    if supplier is None:
        raise ValueError(f"supplier {row['supplier'].strip()!r} is not an ISO3 country code")
    barrels = _number(row["barrels"], "barrels") if row["barrels"].strip() else None
    basis = row["basis"].strip().lower()
    if basis not in BASES:
        raise ValueError(f"basis {basis!r} is not one of {', '.join(BASES)}")
    note = " ".join(row["note"].split())
    urls, confidence = _urls(row["source_url"]), _confidence(row["confidence"])
    return (_key(start, end, supplier, basis, barrels), start, end, supplier, barrels, basis,
            note or None, flags(note), urls, confidence)


def cap_row(row: dict[str, str]) -> tuple:
    instrument = " ".join(row["instrument"].split())
    if not instrument:
        raise ValueError("instrument is empty")
    adopted = _day(row["adopted"], "adopted")
    commodity = _word(row["commodity"], "commodity")
    value = _number(row["cap_value"], "cap_value", positive=True)
    unit = _word(row["cap_unit"], "cap_unit")
    return (_key(instrument, commodity, unit), instrument, adopted, commodity, value, unit,
            _urls(row["source_url"]))


# table -> (columns the CSV must have, row parser, layout name, stored columns)
TABLES: dict[str, tuple[tuple[str, ...], Callable[[dict], tuple], str, tuple[str, ...]]] = {
    "reference_trade": (TRADE_COLUMNS, trade_row, "reference-trade", (
        "row_key", "year", "reporter", "flow", "value_usd", "is_estimate", "note", "flags",
        "source_urls", "confidence")),
    "reference_fuel": (FUEL_COLUMNS, fuel_row, "reference-fuel", (
        "row_key", "period_start", "period_end", "supplier", "barrels", "basis", "note", "flags",
        "source_urls", "confidence")),
    "reference_caps": (CAP_COLUMNS, cap_row, "reference-caps", (
        "row_key", "instrument", "adopted", "commodity", "cap_value", "cap_unit",
        "source_urls")),
}


def _header(path: Path, name: str) -> list[str]:
    with CsvFile(path, name) as f:  # reads the first line only
        return f.header


def table_for(header: list[str]) -> str | None:
    """The reference table a CSV header belongs to, or None."""
    for table, (columns, *_) in TABLES.items():
        if all(c in header for c in columns):
            return table
    return None


def _parser(table: str) -> Callable[[Path, str], Parsed]:
    columns, parse_row, layout, stored = TABLES[table]

    def parse(path: Path, name: str) -> Parsed:
        from pivotwatch.sources.reference import table_cap

        good, bad, seen, read = [], [], {}, 0
        with CsvFile(path, name, cap=table_cap(name)) as f:
            header = f.header
            missing = [c for c in columns if c not in header]
            if missing:
                raise SourceError(f"{name}: not a {layout} table: missing column(s) "
                                  f"{', '.join(missing)} (expected {', '.join(columns)})")
            for row in f.rows():  # one row at a time: a file is never held whole
                read += 1
                try:
                    if row.problem:
                        raise ValueError(row.problem)
                    if None in row.values or None in row.values.values():
                        raise ValueError("wrong number of fields")
                    values = parse_row(row.values)
                    if values[0] in seen:
                        raise ValueError(f"duplicate row: same figure as line "
                                         f"{seen[values[0]]}")
                except ValueError as exc:
                    bad.append(Reject(row.line, str(exc), row.raw))
                    check_rejects(name, bad, layout)
                    continue
                seen[values[0]] = row.line
                good.append(values)
        extra = [c for c in header if c not in columns]
        notes = (f"ignored column(s) {shown(extra)}",) if extra else ()
        return Parsed(layout, read, [Batch(table, stored, good)], bad, notes)

    return parse


def load_figures(store: Store, path: Path, name: str | None = None,
                 table: str | None = None) -> FileResult:
    """Load one reference-figure CSV (its table from its header unless given)."""
    name = name or str(path)
    if table is None:
        if not path.is_file():
            raise SourceError(f"{name}: no such file")
        table = table_for(_header(path, name))
        if table is None:
            raise SourceError(f"{name}: not a reference table: its header matches none of "
                              "trade_by_year, fuel_deliveries or cap_rules")
    return load_records(store, path, name, source=SOURCE, parse=_parser(table), expect=EXPECT)


def is_figures_file(path: Path, name: str) -> bool:
    """Whether a file's header is that of a reference-figure table (False if unreadable)."""
    try:
        return path.is_file() and table_for(_header(path, name)) is not None
    except SourceError:
        return False
