"""Everything the assessment reads about a focus country and its partners, loaded once.

One `Dossier` holds, for a focus and a set of partners, every row the signals look at: the
curated events, the dated measures, the trade figures, fuel against the cap, the UN figures
(published and our own), the GDELT monthly series and the sanctions entries tying each pair.
Each table is read through the analysis functions that own its figures (`fuel_vs_cap`,
`report_totals`, `published`, `alignment`, `partner_shares`, `designations`), so the
assessment computes no figure a second way. The rows are then kept as plain records with
dates as `date`, grouped by partner: a signal cuts them at an as-of date in microseconds, so
a history of eleven year-ends costs one load, not eleven.

Nothing here filters by an as-of date, and nothing calls `date.today()`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from pivotwatch import taxonomy
from pivotwatch.analysis.judgment import DIMENSIONS
from pivotwatch.errors import UsageError
from pivotwatch.markup import http_url

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

# The curated figures tables (reference trade and fuel) are about Russia and the DPRK.
REFERENCE_PAIR = frozenset({"RUS", "PRK"})
# Actors in the curated timeline that stand for an international body, not a country.
BODIES = ("UNO", "IGO")
SECURITY_ISSUES = ("nu", "di")
_CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


def day(value) -> date | None:
    """A date from a date, a timestamp or ISO text; None for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "date"):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def number(value) -> float | None:
    if value is None or type(value).__name__ in ("NaTType", "NAType"):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def first_url(urls) -> str | None:
    """The first http(s) address of a row's sources (anything else is never a link)."""
    items = [urls] if isinstance(urls, str) else list(urls if urls is not None else [])
    return next((u for u in items if isinstance(u, str) and http_url(u)), None)


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict(orient="records")


@dataclass
class Dossier:
    focus: str
    partners: list[str]
    events: list[dict] = field(default_factory=list)     # curated events (day: date)
    measures: list[dict] = field(default_factory=list)   # published estimates
    trade: dict[str, list[dict]] = field(default_factory=dict)     # partner -> years
    targets: list[dict] = field(default_factory=list)    # stated RUS–PRK trade goals
    fuel: list[dict] = field(default_factory=list)       # fuel_vs_cap rows
    published: dict[str, list[dict]] = field(default_factory=dict)  # partner -> periods
    votes: dict[str, list[dict]] = field(default_factory=dict)      # partner -> years
    gdelt: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # months
    versions: list[tuple] = field(default_factory=list)  # (list, id, published, loaded, removed)
    ties: dict[str, list[dict]] = field(default_factory=dict)       # partner -> tying versions
    _cuts: dict = field(default_factory=dict)

    def designations(self, partner: str, as_of: date) -> list[dict]:
        """Current designations tying the focus and `partner` as the lists stood on `as_of`:
        `analysis.sanctions.current`'s rule (the latest version of each entry, by publication
        then load, unless it is a removal) applied to the versions published by then, less
        the entries listed after it."""
        if as_of not in self._cuts:
            latest: dict[tuple[str, str], tuple] = {}
            for v in self.versions:  # sorted by publication, then load
                # as `sanctions(as_of=...)`: a list with no publication date is never
                # known to have been out by a given day
                if v[2] is not None and v[2].date() <= as_of:
                    latest[(v[0], v[1])] = v
            self._cuts[as_of] = {k: v[2] for k, v in latest.items() if not v[4]}
        current = self._cuts[as_of]
        found, seen = [], set()
        for t in self.ties.get(partner, []):
            key = (t["list"], t["list_id"])
            if key in current and current[key] == t["published_at"] and key not in seen and \
                    (t["listed_on"] is None or t["listed_on"] <= as_of):
                found.append(t)
                seen.add(key)
        return found


# --- loading -------------------------------------------------------------------------------

def _events(store: Store, countries: list[str]) -> list[dict]:
    t = store.ibis().table("reference_events")
    rows = _records(t.filter(t.actor1.isin(countries) | t.actor2.isin(countries)).to_pandas())
    return [{"key": r["event_key"], "day": day(r["date"]), "actor1": r["actor1"],
             "actor2": r["actor2"], "dimension": r["dimension"], "event_type": r["event_type"],
             "description": r["description"], "url": first_url(r["source_urls"]),
             "confidence": r["confidence"]} for r in rows]


def _measures(store: Store, countries: list[str]) -> list[dict]:
    t = store.ibis().table("reference_measures")
    keep = t.from_country.isin(countries) & t.to_country.isin(countries)
    out = []
    for r in _records(t.filter(keep).to_pandas()):
        published = day(r["as_of"])
        out.append({**{k: r[k] for k in ("row_key", "from_country", "to_country", "dimension",
                                         "measure", "unit", "basis", "publisher",
                                         "confidence")},
                    "value": number(r["value"]), "published": published,
                    "end": day(r["period_end"]) or published, "url": first_url(r["source_urls"])})
    return out


def _reference_trade(store: Store) -> tuple[list[dict], list[dict]]:
    """The curated RUS–PRK totals, one per year (the most confident, then recorded over
    estimated), and the stated targets."""
    df = store.ibis().table("reference_trade").to_pandas()
    best: dict[int, dict] = {}
    targets = []
    for r in _records(df):
        year = int(r["year"])
        if r["flow"] == "target":
            targets.append({"year": year, "value_usd": float(r["value_usd"])})
            continue
        if r["flow"] != "total":
            continue
        flags = list(r["flags"])
        rank = (_CONFIDENCE_RANK.get(r["confidence"], 3), bool(r["is_estimate"]))
        text = (f"{year} trade ${r['value_usd']:,.0f} ({r['reporter']}"
                f"{', estimate' if r['is_estimate'] else ''}"
                f"{', part of the year' if 'partial_year' in flags else ''})")
        row = {"year": year, "value_usd": float(r["value_usd"]), "table": "reference_trade",
               "key": r["row_key"], "url": first_url(r["source_urls"]),
               "confidence": r["confidence"], "text": text, "_rank": rank}
        if year not in best or rank < best[year]["_rank"]:
            best[year] = row
    return sorted(best.values(), key=lambda r: r["year"]), targets


def _comtrade(store: Store, focus: str, partners: list[str]) -> dict[str, list[dict]]:
    """Per partner and year: the pair's total trade as one of the two reported it (its
    imports from and exports to the other, `report_totals`' category "all"); where both
    reported, the larger total is kept, never the two added."""
    from pivotwatch.analysis.trade import ALL, report_totals

    found = store.con.execute(
        "SELECT count(*) FROM trade_flows WHERE (reporter = ? AND list_contains(?, partner)) "
        "OR (partner = ? AND list_contains(?, reporter))",
        [focus, partners, focus, partners]).fetchall()[0][0]
    if not found:  # nothing to read: spare the query
        return {}
    flows = store.ibis().table("trade_flows")
    pair = flows.filter(((flows.reporter == focus) & flows.partner.isin(partners))
                        | (flows.reporter.isin(partners) & (flows.partner == focus)))
    totals = report_totals(pair)
    rows = _records(totals.filter((totals.category == ALL)
                                  & totals.flow.isin(["import", "export"])).to_pandas())
    sums: dict[tuple[int, str, str], float] = defaultdict(float)
    for r in rows:
        other = r["partner"] if r["reporter"] == focus else r["reporter"]
        sums[(int(r["year"]), other, r["reporter"])] += float(r["value_usd"])
    best: dict[tuple[int, str], tuple[float, str]] = {}
    for (year, other, reporter), value in sums.items():
        if (year, other) not in best or value > best[(year, other)][0]:
            best[(year, other)] = (value, reporter)
    out: dict[str, list[dict]] = defaultdict(list)
    for (year, other), (value, reporter) in sorted(best.items()):
        out[other].append({"year": year, "value_usd": value, "table": "trade_flows",
                           "key": f"{focus}-{other}-{year}", "url": None,
                           "confidence": "high",
                           "text": f"{year} trade ${value:,.0f} (Comtrade, reported by "
                                   f"{reporter})"})
    return dict(out)


def _fuel(store: Store) -> list[dict]:
    from pivotwatch.analysis.trade import fuel_vs_cap

    if not store.count("reference_fuel"):
        return []
    return [{"key": f"{r['supplier']}:{day(r['period_start'])}:{r['basis']}",
             "supplier": r["supplier"], "start": day(r["period_start"]),
             "end": day(r["period_end"]), "barrels": number(r["barrels"]),
             "basis": r["basis"], "share": number(r["share_of_cap"]),
             "url": first_url(r["source_urls"]), "confidence": r["confidence"]}
            for r in _records(fuel_vs_cap(None, store=store))]


def _published(store: Store, focus: str, partners: list[str]) -> dict[str, list[dict]]:
    from pivotwatch.analysis.alignment import published

    if not (store.count("un_ideal_points") or store.count("un_published_agreement")):
        return {}
    out: dict[str, list[dict]] = defaultdict(list)
    for r in _records(published(focus, partners, store=store)):
        r = {k: (number(v) if isinstance(v, float) else v) for k, v in r.items()}
        r["end"] = day(r["period_end"])
        out[r["partner"]].append(r)
    return {p: sorted(v, key=lambda r: r["end"]) for p, v in out.items()}


def _votes(store: Store, focus: str, partners: list[str]) -> dict[str, list[dict]]:
    """Per partner and year: roll calls both voted in on nuclear or arms-control issues and
    the identical votes among them (`alignment.agreement` by year; a roll call tagged with
    both issues counts under each)."""
    from pivotwatch.analysis.alignment import agreement, issue_tags, roll_calls, vote_pairs

    held = store.con.execute("SELECT count(*) FROM un_votes WHERE country = ?",
                             [focus]).fetchall()[0][0]
    if not held or not store.count("un_roll_calls"):
        return {}
    con = store.ibis()
    calls = con.table("un_roll_calls")
    df = agreement(vote_pairs(con.table("un_votes"), focus, partners), roll_calls(calls),
                   issue_tags(calls), by="year", issues=list(SECURITY_ISSUES)).to_pandas()
    sums: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in _records(df):
        if r["period"] != "all":
            s = sums[(r["partner"], int(r["period"]))]
            s[0] += int(r["roll_calls"])
            s[1] += int(r["identical"])
    out: dict[str, list[dict]] = defaultdict(list)
    for (partner, year), (calls, same) in sorted(sums.items()):
        out[partner].append({"year": year, "roll_calls": calls, "identical": same})
    return dict(out)


def _gdelt(store: Store, focus: str, partners: list[str]) -> dict[tuple[str, str], list[dict]]:
    """Per partner and dimension, every month with daily counts: the pair's events (either
    direction) and the volume they are normalised by (events involving either country), from
    the partner ranking's building blocks (`partner_events`, `tag_dimensions`,
    `partner_volume`) without its shares and ranks."""
    from pivotwatch.analysis.dyads import code_dimensions, coverage_warnings, daily_route
    from pivotwatch.analysis.indicators import period_start, tag_dimensions
    from pivotwatch.analysis.partners import (
        partner_events,
        partner_rows,
        partner_volume,
        partner_volume_daily,
    )
    from pivotwatch.store import prepared

    con = store.ibis()
    notes: list[str] = []
    for partner in partners:
        try:
            notes += coverage_warnings(store, focus, partner)
        except UsageError as exc:
            notes.append(str(exc))
    daily = daily_route(store, notes)
    if daily:  # two compiled shapes, the codes bound (store/prepared.py)
        n = len(partners)
        values = {"focus": focus, **{f"p{i}": p for i, p in enumerate(partners)}}

        def pair_stats(v):
            rows = partner_rows(con.table("dyad_daily"), v["focus"],
                                [v[f"p{i}"] for i in range(n)])
            rows = rows.filter(rows.dimension.isin([*DIMENSIONS, "all"]))  # all: any events?
            rows = rows.mutate(period=period_start(rows.day, "month"))
            return rows.group_by(["period", "partner", "dimension"]).aggregate(
                n=rows.events.sum())

        def pair_volume(v):
            return partner_volume_daily(
                con.table("country_daily"), con.table("pair_daily"), con.table("total_daily"),
                v["focus"], [v[f"p{i}"] for i in range(n)], "month")

        stats_df = prepared.run(store, ("dossier stats", n), pair_stats, values)
        volume_df = prepared.run(store, ("dossier volume", n), pair_volume, values)
    else:
        found = store.con.execute(
            "SELECT count(*) FROM events WHERE (actor1_country = ? AND list_contains(?, "
            "actor2_country)) OR (actor2_country = ? AND list_contains(?, actor1_country))",
            [focus, partners, focus, partners]).fetchall()[0][0]
        if not found:  # nothing to read: spare the queries
            return {}
        tagged = tag_dimensions(partner_events(con.table("events"), focus, partners),
                                code_dimensions(), taxonomy.energy_pattern())
        tagged = tagged.filter(tagged.dimension.isin(list(DIMENSIONS)))
        tagged = tagged.mutate(period=period_start(tagged.day, "month"))
        stats = tagged.group_by(["period", "partner", "dimension"]).aggregate(n=tagged.count())
        vol = partner_volume(con.table("daily_counts"), focus, partners, "month")
        stats_df, volume_df = stats.to_pandas(), vol.to_pandas()
    counts = {(day(r["period"]), r["partner"], r["dimension"]): int(r["n"])
              for r in _records(stats_df)}
    if daily and not any(dim == "all" for (_, _, dim) in counts):
        return {}  # no events between them: as the events route's check
    volume = _records(volume_df)
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in sorted(volume, key=lambda r: day(r["period"])):
        month = day(r["period"])
        for dim in DIMENSIONS:
            out[(r["partner"], dim)].append(
                {"month": month, "events": counts.get((month, r["partner"], dim), 0),
                 "volume": int(r["volume"] or 0), "days": int(r["days_covered"] or 0)})
    return dict(out)


def _sanctions(store: Store, focus: str, partners: list[str]) -> tuple[list[tuple],
                                                                       dict[str, list[dict]]]:
    """Every version of every entry that ever ties, sorted as `current` orders them
    (publication, then load), and per partner the versions that tie the focus to it
    (`analysis.sanctions.ties` over every version, not only the current ones)."""
    from pivotwatch.analysis.sanctions import programme_table, ties

    if not store.count("sanctions"):
        return [], {}
    con = store.ibis()
    t = con.table("sanctions")
    expr = ties(t.filter(~t.removed), programme_table(), focus, partners)
    found: dict[str, list[dict]] = defaultdict(list)
    for r in _records(expr.to_pandas()):
        found[r["partner"]].append({"list": r["list"], "list_id": r["list_id"],
                                   "published_at": _stamp(r["published_at"]),
                                   "name": r["name"], "tie": r["tie"],
                                   "listed_on": day(r["listed_on"])})
    ids = sorted({t_["list_id"] for rows in found.values() for t_ in rows})
    if not ids:
        return [], {}
    loads = con.table("files").select(file_id="file_id", loaded_at="finished_at")
    mine = t.filter(t.list_id.isin(ids))  # every version of the entries that ever tie
    vdf = mine.join(loads, "file_id").select("list", "list_id", "published_at", "loaded_at",
                                             "removed").to_pandas()
    versions = sorted(((r["list"], r["list_id"], _stamp(r["published_at"]),
                        _stamp(r["loaded_at"]), bool(r["removed"])) for r in _records(vdf)),
                      key=lambda v: (v[2] or datetime.min, v[3] or datetime.min))
    return versions, dict(found)


def _stamp(value) -> datetime | None:
    if value is None or type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def load_dossier(store: Store, focus: str, partners: Sequence[str]) -> Dossier:
    """Read every table the signals need for `focus` with each of `partners`."""
    partners = [p for p in dict.fromkeys(partners) if p != focus]
    if not partners:
        raise UsageError("give at least one partner other than the focus country")
    countries = [focus, *partners]
    reference, targets = _reference_trade(store)
    trade = _comtrade(store, focus, partners)
    if REFERENCE_PAIR - {focus} & set(partners) and focus in REFERENCE_PAIR:
        other = next(iter(REFERENCE_PAIR - {focus}))
        years = {r["year"] for r in reference}
        trade[other] = sorted([*reference, *(r for r in trade.get(other, [])
                                             if r["year"] not in years)],
                              key=lambda r: r["year"])
    versions, ties = _sanctions(store, focus, partners)
    return Dossier(focus=focus, partners=partners, events=_events(store, countries),
                   measures=_measures(store, countries), trade=trade,
                   targets=targets if focus in REFERENCE_PAIR else [], fuel=_fuel(store),
                   published=_published(store, focus, partners),
                   votes=_votes(store, focus, partners), gdelt=_gdelt(store, focus, partners),
                   versions=versions, ties=ties)


def latest_date(d: Dossier, partner: str) -> date | None:
    """The newest dated row about the pair in any table: the default as-of date."""
    pair = {d.focus, partner}
    days: list[date] = []

    def add(values: Iterable[date | None]) -> None:
        days.extend(v for v in values if v is not None)

    add(e["day"] for e in d.events if e["actor1"] in pair and e["actor2"] in pair)
    add(m["published"] for m in d.measures
        if m["from_country"] in pair and m["to_country"] in pair)
    add(date(r["year"], 12, 31) for r in d.trade.get(partner, []))
    if "PRK" in pair:
        add(f["end"] for f in d.fuel if f["supplier"] in pair)
    add(r["end"] for r in d.published.get(partner, []))
    add(date(r["year"], 12, 31) for r in d.votes.get(partner, []))
    add(m["month"] for dim_rows in (d.gdelt.get((partner, x), []) for x in DIMENSIONS)
        for m in dim_rows if m["events"])
    return max(days, default=None)
