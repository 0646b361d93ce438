"""Reference figures: recorded Russia–DPRK trade by year, fuel deliveries, sanctions caps and
dated measures (munitions, troops, shipments...).

Four small curated CSVs, each loaded into a table of its own (`reference_trade`,
`reference_fuel`, `reference_caps`, `reference_measures`) and never mixed with Comtrade
flows. Rows are checked field by field; a bad row goes to `rejects` with its line and
reason. Markers the curators put in notes ("LOWER BOUND", "PARTIAL YEAR", "overlaps",
"inferred", "TARGET", "GAP") become `flags`, so an analysis can say that a figure must not be
added to another or is not a recorded value. A measure says the same in its own `basis`
column (cumulative, period, a bound, announced), so its note is kept as text. A file is
routed to its loader by its header (`table_for`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

import xxhash

from pivotwatch import taxonomy
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
MEASURE_COLUMNS = ("as_of", "period_start", "period_end", "from_country", "to_country",
                   "dimension", "measure", "value", "unit", "basis", "publisher",
                   "publisher_kind", "note", "source_url", "confidence")
# What a measure's figure is. A cumulative figure counts everything since period_start; a
# period figure only its period; a bound says the true figure is at least (lower) or at most
# (upper) this; an estimate is a publisher's own reckoning; announced is a pledge or plan, not
# a delivery. Figures of different bases are never added or differenced.
MEASURE_BASES = {
    "cumulative": "cumulative",
    "cumulative_lower_bound": "cumulative, lower bound",
    "cumulative_upper_bound": "cumulative, upper bound",
    "cumulative_estimate": "cumulative, estimate",
    "period": "for the period",
    "period_lower_bound": "for the period, lower bound",
    "period_upper_bound": "for the period, upper bound",
    "period_estimate": "for the period, estimate",
    "announced": "announced (a pledge or plan)",
}
# Who published a figure, as measures.csv's README names them.
PUBLISHER_KINDS = {
    "party_government": "a government of one of the two countries",
    "third_government": "a third country's government",
    "multilateral_monitor": "a multilateral monitoring body",
    "party_to_conflict": "a party to the conflict (Ukraine)",
    "research": "a research group",
    "media": "a news organisation",
}
MAX_TEXT = 200  # characters of a publisher or unit: no real one comes near
_UNIT = re.compile(r"^[A-Za-z%$][A-Za-z0-9%$ _./-]*$")
# note marker (matched case-insensitively) -> flag
FLAGS = (("lower bound", "lower_bound"), ("partial year", "partial_year"),
         ("overlap", "overlaps"), ("inferred", "inferred"), ("target", "target"),
         ("gap:", "gap"))
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


BUNDLED = ("trade_by_year.csv", "fuel_deliveries.csv", "cap_rules.csv", "measures.csv")


def bundled_figures() -> list[tuple[str, Path]]:
    folder = Path(str(resources.files("pivotwatch") / "data" / "reference"))
    return [(f"bundled:{n}", folder / n) for n in BUNDLED]


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
# a few larger ones would sum to infinity. Measures (shells, containers, dollars of arms) stay
# far below it too.
MAX_FIGURE = 1e13
_FIGURES = "trade (US$) or fuel (barrels, tonnes) a year"


def _number(text: str, column: str, *, positive: bool = False,
            figures: str = _FIGURES) -> float:
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
                         f"figure of {figures}")
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


def _text(text: str, column: str, *, required: bool = True) -> str:
    value = " ".join(text.split())
    if required and not value:
        raise ValueError(f"{column} is empty")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{column} of {len(value):,} characters is longer than a real one "
                         f"(at most {MAX_TEXT})")
    return value


def _country(text: str, column: str) -> str:
    code = to_iso3(text, "iso3")
    if code is None:
        raise ValueError(f"{column} {text.strip()[:40]!r} is not an ISO3 country code")
    return code


def measure_row(row: dict[str, str]) -> tuple:
    """One measures.csv row, checked field by field. Its key is what identifies a published
    figure (who published which measure of which flow, on what basis, for which span, when),
    not its value: a second value for the same key is a conflict, rejected as a duplicate."""
    as_of = _day(row["as_of"], "as_of")
    start = _day(row["period_start"], "period_start") if row["period_start"].strip() else None
    end = _day(row["period_end"], "period_end") if row["period_end"].strip() else None
    if start and end and end < start:
        raise ValueError(f"period_end {end} is before period_start {start}")
    basis = row["basis"].strip().lower()
    if basis not in MEASURE_BASES:
        raise ValueError(f"basis {basis[:40]!r} is not one of {', '.join(MEASURE_BASES)}")
    # a figure is dated by its publication: one that covers later days would be a forecast
    # (an announcement may name a future span)
    for day, column in ((start, "period_start"), (end, "period_end")):
        if day and day > as_of and basis != "announced":
            raise ValueError(f"{column} {day} is after as_of {as_of}: a published figure "
                             "cannot cover days after its publication")
    source, target = (_country(row["from_country"], "from_country"),
                      _country(row["to_country"], "to_country"))
    if source == target:
        raise ValueError(f"from_country and to_country are both {source}")
    dimension = row["dimension"].strip().lower()
    if dimension not in taxonomy.DIMENSIONS:
        raise ValueError(f"dimension {dimension[:40]!r} is not one of "
                         f"{', '.join(taxonomy.DIMENSIONS)}")
    measure = _word(row["measure"], "measure")
    value = _number(row["value"], "value", figures="a measure (count, tonnes or US$)")
    unit = _text(row["unit"], "unit")
    if not _UNIT.match(unit):
        raise ValueError(f"unit {unit[:40]!r} is not a plain unit name (letters, digits, "
                         "spaces)")
    publisher = _text(row["publisher"], "publisher")
    kind = row["publisher_kind"].strip().lower()
    if kind not in PUBLISHER_KINDS:
        raise ValueError(f"publisher_kind {kind[:40]!r} is not one of "
                         f"{', '.join(PUBLISHER_KINDS)}")
    note = " ".join(row["note"].split())
    urls, confidence = _urls(row["source_url"]), _confidence(row["confidence"])
    key = _key(as_of, start, end, source, target, measure, unit, basis, publisher)
    return (key, as_of, start, end, source, target, dimension, measure, value, unit, basis,
            publisher, kind, note or None, urls, confidence)


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
    "reference_measures": (MEASURE_COLUMNS, measure_row, "reference-measures", (
        "row_key", "as_of", "period_start", "period_end", "from_country", "to_country",
        "dimension", "measure", "value", "unit", "basis", "publisher", "publisher_kind",
        "note", "source_urls", "confidence")),
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
                              "trade_by_year, fuel_deliveries, cap_rules or measures")
    return load_records(store, path, name, source=SOURCE, parse=_parser(table), expect=EXPECT)


def is_figures_file(path: Path, name: str) -> bool:
    """Whether a file's header is that of a reference-figure table (False if unreadable)."""
    try:
        return path.is_file() and table_for(_header(path, name)) is not None
    except SourceError:
        return False
