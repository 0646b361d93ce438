"""The loaded data the checks compare claims with, read once per audit from the store.

A store that is absent, or lacks a table, gives empty lists and a note of what is missing, so a
check can say "unverified: no reference figures loaded" instead of failing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.store import Store


def span_of(day: date, precision: str) -> tuple[date, date]:
    """The days a reference date names: one day, its month or its year."""
    if precision == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return date(day.year, day.month, 1), date(day.year, day.month, last)
    return day, day


@dataclass(frozen=True)
class RefEvent:
    key: str
    date: date
    precision: str
    actor1: str
    actor2: str | None
    dimension: str
    event_type: str
    description: str
    urls: tuple[str, ...]
    confidence: str

    @property
    def span(self) -> tuple[date, date]:
        return span_of(self.date, self.precision)

    @property
    def when(self) -> str:
        return {"year": self.date.strftime("%Y"), "month": self.date.strftime("%Y-%m")}.get(
            self.precision, self.date.isoformat())


@dataclass(frozen=True)
class RefTrade:
    key: str
    year: int
    reporter: str
    flow: str
    value: float
    is_estimate: bool
    note: str
    flags: tuple[str, ...]
    urls: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class RefFuel:
    key: str
    start: date
    end: date
    supplier: str
    barrels: float | None
    basis: str
    note: str
    flags: tuple[str, ...]
    urls: tuple[str, ...]


@dataclass(frozen=True)
class RefCap:
    key: str
    instrument: str
    adopted: date
    commodity: str
    value: float
    unit: str
    urls: tuple[str, ...]


@dataclass
class ReferenceData:
    """Everything the checks read; ``missing`` names the tables that are empty or absent."""

    events: list[RefEvent] = field(default_factory=list)
    trade: list[RefTrade] = field(default_factory=list)
    fuel: list[RefFuel] = field(default_factory=list)
    caps: list[RefCap] = field(default_factory=list)
    store: Store | None = None
    gdelt_events: int = 0
    sanctions_entries: int = 0
    un_votes: int = 0
    missing: set[str] = field(default_factory=set)


def _rows(store: Store, sql: str) -> list[tuple]:
    try:
        return store.con.execute(sql).fetchall()
    except Exception:  # noqa: BLE001 - an old store without the table: nothing loaded
        return []


def load_reference(store: Store | None) -> ReferenceData:
    """Read the reference tables (small, curated) into memory; GDELT, sanctions and votes
    stay in the store and are queried per claim."""
    data = ReferenceData(store=store)
    if store is None:
        data.missing = {"reference_events", "reference_trade", "reference_fuel",
                        "reference_caps", "events", "sanctions", "un_votes"}
        return data
    data.events = [RefEvent(k, d, p, a1, a2, dim, t, desc, tuple(u or ()), c) for
                   k, d, p, a1, a2, dim, t, desc, u, c in _rows(store, """
        SELECT event_key, date, date_precision, actor1, actor2, dimension, event_type,
               description, source_urls, confidence FROM reference_events ORDER BY date""")]
    data.trade = [RefTrade(k, y, r, f, v, e, n or "", tuple(fl or ()), tuple(u or ()), c) for
                  k, y, r, f, v, e, n, fl, u, c in _rows(store, """
        SELECT row_key, year, reporter, flow, value_usd, is_estimate, note, flags, source_urls,
               confidence FROM reference_trade ORDER BY year, flow""")]
    data.fuel = [RefFuel(k, s, e, sup, b, basis, n or "", tuple(fl or ()), tuple(u or ())) for
                 k, s, e, sup, b, basis, n, fl, u in _rows(store, """
        SELECT row_key, period_start, period_end, supplier, barrels, basis, note, flags,
               source_urls FROM reference_fuel ORDER BY period_start, basis""")]
    data.caps = [RefCap(k, i, a, c, v, un, tuple(u or ())) for k, i, a, c, v, un, u in
                 _rows(store, """SELECT row_key, instrument, adopted, commodity, cap_value,
                                 cap_unit, source_urls FROM reference_caps ORDER BY adopted""")]
    data.gdelt_events = store.count("events")
    data.sanctions_entries = store.count("sanctions")
    data.un_votes = store.count("un_votes")
    for name, rows in (("reference_events", data.events), ("reference_trade", data.trade),
                       ("reference_fuel", data.fuel), ("reference_caps", data.caps)):
        if not rows:
            data.missing.add(name)
    for name, n in (("events", data.gdelt_events), ("sanctions", data.sanctions_entries),
                    ("un_votes", data.un_votes)):
        if not n:
            data.missing.add(name)
    return data
