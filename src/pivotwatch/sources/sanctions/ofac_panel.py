"""A monthly panel of OFAC listings by address country (Jeffrey Allen's `ofac_panel.csv`).

Columns `Country,Date,yrqtr,yrmon,levels,additions,removals,change`: for each address
country and month end, the parties listed (SDN and Consolidated lists combined) with an
address there, and how many were added and removed that month. The panel is built by its
author from monthly downloads of OFAC's lists, so it is what the lists said at each month
end; it gives counts, not designations, and loads into `sanctions_counts`, never into
`sanctions`. `yrqtr` and `yrmon` repeat the date and `change` is additions less removals:
rows where they disagree are rejects. A country the crosswalk cannot map ("Region: Crimea")
is a reject with its reason.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import xxhash

from pivotwatch.markup import printable
from pivotwatch.sources.records import (
    Batch,
    CsvFile,
    Parsed,
    Reject,
    check_rejects,
    shown,
    source_cap,
)
from pivotwatch.sources.sanctions.common import clean
from pivotwatch.taxonomy.countrycodes import from_name

SOURCE = "ofac_panel"
LAYOUT = "ofac-panel-csv"
REQUIRED = ("Country", "Date", "levels", "additions", "removals")
DERIVED = ("yrqtr", "yrmon", "change")
COLUMNS = ("row_key", "source", "country", "period_end", "listed", "added", "removed")
# The real panel is 0.4 MB (180 countries x 48 months); rows are held until the batch is made.
MAX_PANEL_BYTES = 32 << 20
_COUNT = re.compile(r"\d{1,9}")


def is_panel(header_line: str) -> bool:
    """Whether a CSV's first line is the panel's header."""
    names = {h.strip().strip('"') for h in header_line.lstrip("\ufeff").split(",")}
    return set(REQUIRED) <= names


def _count(values: dict, column: str) -> int:
    text = clean(values.get(column))
    if not _COUNT.fullmatch(text):
        raise ValueError(f"{column} {printable(text, 40)!r} is not a count")
    return int(text)


def _row(values: dict, mapped: dict[str, str | None]) -> tuple:
    name = clean(values.get("Country"))
    if name not in mapped:
        mapped[name] = from_name(name)
    iso3 = mapped[name]
    if not iso3:
        raise ValueError(f"country {printable(name, 60)!r} is not mapped to a country")
    text = clean(values.get("Date"))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Date {printable(text, 40)!r} is not YYYY-MM-DD") from None
    listed, added, removed = (_count(values, c) for c in ("levels", "additions", "removals"))
    if values.get("yrmon") not in (None, "") and clean(values["yrmon"]) != f"{day:%Y-%m}":
        raise ValueError(f"yrmon {printable(values['yrmon'], 20)!r} is not the month of {day}")
    quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if values.get("yrqtr") not in (None, "") and clean(values["yrqtr"]) != quarter:
        raise ValueError(f"yrqtr {printable(values['yrqtr'], 20)!r} is not {quarter}")
    change = clean(values.get("change"))
    if change and not re.fullmatch(r"-?\d{1,9}", change):
        raise ValueError(f"change {printable(change, 40)!r} is not a number")
    if change and int(change) != added - removed:
        raise ValueError(f"change {change} is not additions less removals ({added - removed})")
    key = xxhash.xxh3_128_hexdigest(f"{SOURCE}\x1f{iso3}\x1f{day}".encode())
    return key, SOURCE, iso3, day, listed, added, removed


def parse(path: Path, name: str) -> Parsed:
    """The panel's rows; a bad row is a reject with its line and reason."""
    rejects: list[Reject] = []
    rows: list[tuple] = []
    seen: dict[str, int] = {}
    mapped: dict[str, str | None] = {}
    rows_read = 0
    cap = source_cap(name, MAX_PANEL_BYTES, "an OFAC panel file")
    with CsvFile(path, name, cap=cap) as f:
        extra = [h for h in f.header if h not in (*REQUIRED, *DERIVED)]
        for row in f.rows():
            rows_read += 1
            check_rejects(name, rejects, LAYOUT)
            if row.problem:
                rejects.append(Reject(row.line, row.problem, row.raw))
                continue
            try:
                got = _row(row.values, mapped)
            except ValueError as exc:
                rejects.append(Reject(row.line, str(exc), row.raw))
                continue
            if got[0] in seen:
                rejects.append(Reject(row.line, f"{got[2]} {got[3]} again (first at line "
                                                f"{seen[got[0]]})", row.raw))
                continue
            seen[got[0]] = row.line
            rows.append(got)
    notes = (f"column(s) not read: {shown(extra)}",) if extra else ()
    return Parsed(LAYOUT, rows_read, [Batch("sanctions_counts", COLUMNS, rows)], rejects, notes)
