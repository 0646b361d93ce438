"""How recent each source in a store is, as of a date.

Policy. Each source kind has one date that says how recent its evidence is (SOURCES: an
event's day, a roll call's date, the end of an ideal-point period, the 31 December of a trade
year, a measure's or a list's publication). As of a date, only rows dated on or before it
count: `latest` is the latest such date and `rows` how many rows there are; rows dated later
are not there yet, and rows with no date at all are never counted. A source is **stale** when
it has no such row, or its latest date is more than `stale_after_days` (a year by default)
before the as-of date. Nothing here reads the clock: the caller passes the as-of date.

Every source whose table the store has gets an entry, in SOURCES' order, even with no rows
(latest None, stale); a sanctions list gets one (`sanctions:un_sc`, ...) once the store holds
a row of it published on or before the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.store import Store

STALE_AFTER_DAYS = 365
LISTS = ("un_sc", "ofac", "opensanctions")  # the order sanctions lists are shown in


@dataclass(frozen=True)
class Kind:
    """A source kind: its table, and a query giving (latest date, rows) on or before the
    as-of date (the one parameter). Constant SQL, one short query a kind: an Ibis union of
    them took 0.3 s to compile, too slow for a history that asks for each year end."""

    source: str
    table: str
    query: str
    what: str


SOURCES: tuple[Kind, ...] = (
    Kind("gdelt", "events", "SELECT max(day), count(*) FROM events WHERE day <= ?",
         "latest event day"),
    # one row per roll call and layout: a roll call given by two layouts counts once
    Kind("un_votes", "un_roll_calls",
         "SELECT max(date), count(DISTINCT rcid) FROM un_roll_calls WHERE date <= ?",
         "latest roll-call date"),
    Kind("un_ideal_points", "un_ideal_points",
         "SELECT max(period_end), count(*) FROM un_ideal_points WHERE period_end <= ?",
         "latest ideal-point period end"),
    Kind("un_published_agreement", "un_published_agreement",
         "SELECT max(period_end), count(*) FROM un_published_agreement WHERE period_end <= ?",
         "latest published-agreement period end"),
    Kind("trade_comtrade", "trade_flows",
         "SELECT max(make_date(year, 12, 31)), count(*) FROM trade_flows "
         "WHERE make_date(year, 12, 31) <= ?", "latest Comtrade year (as 31 December)"),
    Kind("reference_events", "reference_events",
         "SELECT max(date), count(*) FROM reference_events WHERE date <= ?",
         "latest curated event date"),
    Kind("reference_trade", "reference_trade",
         "SELECT max(make_date(year, 12, 31)), count(*) FROM reference_trade "
         "WHERE make_date(year, 12, 31) <= ?", "latest reference trade year (as 31 December)"),
    Kind("reference_fuel", "reference_fuel",
         "SELECT max(period_end), count(*) FROM reference_fuel WHERE period_end <= ?",
         "latest fuel-figure period end"),
    Kind("reference_measures", "reference_measures",
         "SELECT max(as_of), count(*) FROM reference_measures WHERE as_of <= ?",
         "latest measure publication"),
)
# one row (list, latest, rows) per list
SANCTIONS = Kind("sanctions", "sanctions",
                 "SELECT list, max(published_at::DATE), count(*) FROM sanctions "
                 "WHERE published_at::DATE <= ? GROUP BY list", "latest list publication")
DOCUMENTS = Kind("documents", "documents",
                 "SELECT max(published::DATE), count(*) FROM documents "
                 "WHERE published::DATE <= ?", "latest document publication")


@dataclass(frozen=True)
class Freshness:
    source: str
    latest: date | None  # the latest date on or before the as-of date; None: no such row
    rows: int  # rows dated on or before the as-of date
    stale: bool  # no row, or latest more than stale_after_days before the as-of date
    what: str  # what the date is, in a few words ("latest event day")

    def to_dict(self) -> dict:
        return {"source": self.source, "latest": self.latest.isoformat() if self.latest else None,
                "rows": self.rows, "stale": self.stale, "what": self.what}


def is_stale(latest: date | None, as_of: date, stale_after_days: int = STALE_AFTER_DAYS) -> bool:
    return latest is None or latest < as_of - timedelta(days=stale_after_days)


def freshness(store: Store, as_of: date, *,
              stale_after_days: int = STALE_AFTER_DAYS) -> list[Freshness]:
    """One Freshness per source kind the store has a table for, in SOURCES' order, then one
    per sanctions list (LISTS' order, then any other by name), then documents."""
    con = store.con
    tables = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}

    def entry(source: str, latest: date | None, rows: int, what: str) -> Freshness:
        return Freshness(source, latest, int(rows), is_stale(latest, as_of, stale_after_days),
                         what)

    out = [entry(k.source, *con.execute(k.query, [as_of]).fetchall()[0], k.what)
           for k in SOURCES if k.table in tables]
    if SANCTIONS.table in tables:
        lists = con.execute(SANCTIONS.query, [as_of]).fetchall()
        lists.sort(key=lambda r: (LISTS.index(r[0]) if r[0] in LISTS else len(LISTS), r[0]))
        out += [entry(f"sanctions:{name}", latest, rows, SANCTIONS.what)
                for name, latest, rows in lists]
    if DOCUMENTS.table in tables:
        out.append(entry(DOCUMENTS.source, *con.execute(DOCUMENTS.query, [as_of]).fetchall()[0],
                         DOCUMENTS.what))
    return out


def stale_note(f: Freshness, as_of: date, stale_after_days: int = STALE_AFTER_DAYS) -> str:
    """Why a source is stale, in one line ('' when it is not)."""
    if not f.stale:
        return ""
    if f.latest is None:
        return f"stale: nothing dated on or before {as_of}"
    span = "a year" if stale_after_days == 365 else f"{stale_after_days:,} days"
    return f"stale: latest {f.latest}, more than {span} before {as_of}"
