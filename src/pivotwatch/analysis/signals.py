"""The assessment's signals: each a small function that reads one kind of evidence about a
pair as of a date and says which level it reaches and which way it moves.

Every signal takes the same arguments (the `Dossier`, the partner, the dimension, the as-of
date, the `Rules` and its weight) and returns a `Reading`; it reads only rows dated on or
before the as-of date (event dates, the ends of voting and trade periods, publication dates
of lists and estimates). A signal with no rows for the pair at all reads "no data" (level
None, never a zero); one whose source covers the pair but holds nothing in the window reads
level 0. The first paragraph of each docstring is its entry on the method page
(docs/assessment.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

from pivotwatch.analysis.dossier import BODIES, REFERENCE_PAIR, Dossier
from pivotwatch.analysis.judgment import (
    QUALITY,
    Direction,
    Evidence,
    Level,
    Reading,
    Rules,
    SourceKind,
    direction_of,
    level_direction,
    level_of,
)

Signal = Callable[[Dossier, str, str, date, Rules, float], Reading]
LISTS = {"un_sc": "UN Security Council list", "ofac": "OFAC list (US Treasury)",
         "opensanctions": "OpenSanctions data"}
MAX_EVIDENCE = 5


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def windows(as_of: date, rules: Rules) -> tuple[date, date]:
    """(start of the recent window, start of the baseline window), both exclusive: recent =
    the 12 months up to and including the as-of date, (recent_start, as_of]; baseline = the
    3 years before it, (baseline_start, recent_start]."""
    recent = months_before(as_of, int(rules.recent_months))
    return recent, months_before(recent, int(12 * rules.baseline_years))


def _quality(values) -> float:
    scores = [QUALITY[v] for v in values if v in QUALITY]
    return max(scores) if scores else 1.0


def _stale(latest: date | None, as_of: date, rules: Rules) -> bool:
    return latest is None or (as_of - latest).days > rules.stale_days


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _no_data(name: str, dim: str, weight: float, source: str, kind: SourceKind,
             summary: str, **extra) -> Reading:
    return Reading(name, dim, weight, source, kind, level=None, summary=summary, **extra)


# --- curated events ------------------------------------------------------------------------

def pair_events(d: Dossier, partner: str) -> list[dict]:
    """The curated events between the pair; for the curated pair (Russia–DPRK) also those
    between one of them and an international body (the UN, the monitoring team)."""
    pair = {d.focus, partner}
    bodies = pair == REFERENCE_PAIR

    def keep(e: dict) -> bool:
        a, b = e["actor1"], e["actor2"]
        if a in pair and b in pair and a != b:
            return True
        return bodies and ((a in pair and b in BODIES) or (b in pair and a in BODIES))

    return [e for e in d.events if keep(e)]


def curated_events(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                   weight: float) -> Reading:
    """Curated key events in the dimension over the last 12 months, each weighted by its type
    (`event_weights.csv`, which also names the other dimensions a type speaks to: a food
    shipment is humanitarian as well as economic), against the baseline's yearly mean."""
    name, source, kind = "curated_events", "curated timeline", SourceKind.CURATED
    pair = [e for e in pair_events(d, partner) if e["day"] <= as_of]
    if not pair:
        return _no_data(name, dim, weight, source, kind,
                        "the curated timeline holds no events for this pair")
    recent_start, base_start = windows(as_of, rules)
    rows = [e for e in pair if dim in rules.event_dimensions(e["event_type"], e["dimension"])]
    weigh = rules.event_weights.get
    recent = [e for e in rows if e["day"] > recent_start and weigh(e["event_type"], 0.0) > 0]
    value = sum(weigh(e["event_type"], 0.0) for e in recent)
    baseline = sum(weigh(e["event_type"], 0.0) for e in rows
                   if base_start < e["day"] <= recent_start) / rules.baseline_years
    unit, thresholds, higher = rules.levels[name]
    shown = sorted(recent, key=lambda e: (-weigh(e["event_type"], 0.0), -e["day"].toordinal()))
    evidence = tuple(Evidence("reference_events", e["key"], e["day"].isoformat(),
                              f"{e['event_type']}: {e['description']}", e["url"])
                     for e in shown[:MAX_EVIDENCE])
    latest = max((e["day"] for e in pair), default=None)
    return Reading(name, dim, weight, source, kind, level=level_of(value, thresholds, higher),
                   direction=direction_of(value, baseline, rules), value=value,
                   baseline=round(baseline, 3), unit=unit,
                   summary=f"{len(recent)} curated {dim} event(s) in the last 12 months, "
                           f"weight {value:g} (baseline {baseline:.2g} a year)",
                   quality=_quality(e["confidence"] for e in recent),
                   latest=_iso(latest), stale=_stale(latest, as_of, rules), evidence=evidence)


# --- estimated measures --------------------------------------------------------------------

def _measure_level(m: dict, rules: Rules) -> Level:
    rule = rules.measures.get(m["measure"])
    return Level.NONE if rule is None or m["value"] is None else level_of(m["value"], rule[1])


def estimated_measures(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                       weight: float) -> Reading:
    """Published estimates (munitions, troops, port calls, grain...) whose period reaches into
    the last 12 months: the highest level any one figure reaches (`measures.csv`), never a sum
    of figures from different publishers; the baseline is the same over the 3 years before.
    Estimates appear when someone publishes one: none for the window is no data, not zero."""
    name, source, kind = "estimated_measures", "published estimates", SourceKind.ESTIMATED
    pair = {d.focus, partner}
    every = [m for m in d.measures if m["from_country"] in pair and m["to_country"] in pair
             and m["from_country"] != m["to_country"] and m["published"] <= as_of]
    if not every:
        return _no_data(name, dim, weight, source, kind, "no published estimates for this pair")
    recent_start, base_start = windows(as_of, rules)
    rows = [m for m in every if m["dimension"] == dim]
    recent = [m for m in rows if m["end"] > recent_start]
    base = [m for m in rows if base_start < m["end"] <= recent_start]
    latest = max((m["published"] for m in every), default=None)
    if not recent:  # estimates come and go with the news: none published is no data
        return _no_data(name, dim, weight, source, kind,
                        f"no {dim} estimate covers the last 12 months", latest=_iso(latest),
                        stale=_stale(latest, as_of, rules))
    level = max((_measure_level(m, rules) for m in recent), default=Level.NONE)
    base_level = max((_measure_level(m, rules) for m in base), default=Level.NONE)
    shown = sorted(recent, key=lambda m: (_measure_level(m, rules), m["published"]),
                   reverse=True)
    evidence = tuple(Evidence("reference_measures", m["row_key"], m["published"].isoformat(),
                              f"{m['measure']}: {m['value']:,.0f} {m['unit']} ({m['basis']}, "
                              f"{m['publisher']})", m["url"]) for m in shown[:MAX_EVIDENCE])
    series = len({(m["measure"], m["publisher"]) for m in recent})
    return Reading(name, dim, weight, source, kind, level=Level(level),
                   direction=level_direction(Level(level), Level(base_level)) if rows else
                   Direction.UNKNOWN, value=float(level), baseline=float(base_level),
                   unit="level of the largest figure",
                   summary=f"{len(recent)} figure(s) in {series} series cover the last 12 "
                           "months", quality=_quality(m["confidence"] for m in recent),
                   latest=_iso(latest), stale=_stale(latest, as_of, rules), evidence=evidence)


# --- trade ---------------------------------------------------------------------------------

def recorded_trade(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                   weight: float) -> Reading:
    """Recorded trade in the latest year ended by the as-of date (the curated figures for
    Russia–DPRK, else Comtrade's reported totals), against the mean of the three years
    before it; the gap to a stated target is shown, never counted."""
    name, source, kind = "recorded_trade", "trade statistics", SourceKind.RECORDED
    known = [r for r in d.trade.get(partner, []) if date(r["year"], 12, 31) <= as_of]
    if not known:
        return _no_data(name, dim, weight, source, kind,
                        "no trade figures for this pair for a year ended by the as-of date")
    last = known[-1]
    before = [r["value_usd"] for r in known if last["year"] - 3 <= r["year"] < last["year"]]
    baseline = sum(before) / len(before) if before else None
    unit, thresholds, higher = rules.levels[name]
    latest = date(last["year"], 12, 31)
    summary = last["text"] + _target(d, last)
    return Reading(name, dim, weight, source, kind,
                   level=level_of(last["value_usd"], thresholds, higher),
                   direction=direction_of(last["value_usd"], baseline, rules),
                   value=last["value_usd"], baseline=baseline, unit=unit, summary=summary,
                   quality=_quality([last["confidence"]]), latest=latest.isoformat(),
                   stale=_stale(latest, as_of, rules),
                   evidence=(Evidence(last["table"], last["key"], latest.isoformat(),
                                      last["text"], last["url"]),))


def _target(d: Dossier, last: dict) -> str:
    goals = sorted((g for g in d.targets if g["year"] >= last["year"]), key=lambda g: g["year"])
    if not goals or last["table"] != "reference_trade":
        return ""
    goal = goals[0]
    return (f"; {last['value_usd'] / goal['value_usd']:.0%} of the ${goal['value_usd']:,.0f} "
            f"target for {goal['year']}")


# --- fuel ----------------------------------------------------------------------------------

def fuel_against_cap(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                     weight: float) -> Reading:
    """Refined petroleum delivered to the DPRK whose period ends in the last 12 months, as a
    share of the annual UN cap: the largest figure of any one basis (reported to the UN,
    government or open-source estimate), never two bases added. A figure without a volume
    reads low. With no figure for the last 12 months the signal has nothing to say (the
    curators add no row where nothing is published), and says how old the latest one is."""
    name, source, kind = "fuel_against_cap", "fuel deliveries", SourceKind.ESTIMATED
    pair = {d.focus, partner}
    supplier = next(iter(pair - {"PRK"})) if "PRK" in pair else None
    rows = [f for f in d.fuel if f["supplier"] == supplier and f["end"] <= as_of]
    if not rows:
        return _no_data(name, dim, weight, source, kind,
                        "no fuel figures for this pair by the as-of date")
    latest = max((f["end"] for f in rows), default=None)
    recent_start, base_start = windows(as_of, rules)
    recent = [f for f in rows if f["end"] > recent_start]
    base = [f for f in rows if base_start < f["end"] <= recent_start]
    if not recent:
        return _no_data(name, dim, weight, source, kind,
                        "no fuel figure for the last 12 months" +
                        (f" (the latest ends {latest})" if latest else ""),
                        latest=_iso(latest), stale=True)
    unit, thresholds, higher = rules.levels[name]

    def level(figures: list[dict]) -> tuple[Level, float]:
        share = max((f["share"] for f in figures if f["share"] is not None), default=0.0)
        lvl = level_of(share, thresholds, higher)
        return (Level.LOW if figures and lvl == Level.NONE else lvl), share

    (lvl, value), (base_lvl, baseline) = level(recent), level(base)
    shown = sorted(recent, key=lambda f: -(f["share"] or 0))
    evidence = tuple(Evidence("reference_fuel", f["key"], f["end"].isoformat(),
                              (f"{f['barrels']:,.0f} barrels" if f["barrels"] is not None else
                               "volume not given") + f" ({f['basis']}), {f['start']} to "
                              f"{f['end']}" + (f": {f['share']:.0%} of the cap"
                                               if f["share"] is not None else ""), f["url"])
                     for f in shown[:MAX_EVIDENCE])
    return Reading(name, dim, weight, source, kind, level=lvl,
                   direction=level_direction(lvl, base_lvl if base else Level.NONE),
                   value=value, baseline=baseline, unit=unit,
                   summary=f"largest figure in the last 12 months: {value:.0%} of the annual "
                           "cap", quality=_quality(f["confidence"] for f in recent),
                   latest=latest.isoformat(), stale=_stale(latest, as_of, rules),
                   evidence=evidence)


# --- UN General Assembly -------------------------------------------------------------------

def _ranked(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules, weight: float,
            name: str, rank: str, describe: Callable[[dict], str]) -> Reading:
    """A published UN figure (`rank`: the column that sets the level) in the latest period
    ended by the as-of date, against its mean over the three periods before."""
    source, kind = "UN General Assembly votes", SourceKind.RECORDED
    rows = [r for r in d.published.get(partner, [])
            if r.get(rank) is not None and r["end"] <= as_of]
    if not rows:
        return _no_data(name, dim, weight, source, kind, "no published UN figures for this "
                        "pair for a period ended by the as-of date")
    period_kind = rows[-1]["period_kind"]
    rows = [r for r in rows if r["period_kind"] == period_kind]
    last, before = rows[-1], rows[-4:-1]
    unit, thresholds, higher = rules.levels[name]
    level = level_of(last[rank], thresholds, higher)
    mean = sum(r[rank] for r in before) / len(before) if before else None
    base = None if mean is None else level_of(mean, thresholds, higher)
    text = describe(last)
    table = "un_published_agreement" if rank.startswith("agreement") else "un_ideal_points"
    return Reading(name, dim, weight, source, kind, level=level,
                   direction=level_direction(level, base), value=float(last[rank]),
                   baseline=mean, unit=unit, summary=text, quality=1.0,
                   latest=last["end"].isoformat(), stale=_stale(last["end"], as_of, rules),
                   evidence=(Evidence(table, f"{period_kind} {int(last['period'])}",
                                      last["end"].isoformat(), text),))


def un_published_agreement(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                           weight: float) -> Reading:
    """The partner's rank among UN members by agreement with the focus in the latest General
    Assembly session ended by the as-of date (the figure Voeten et al. publish), against its
    mean rank over the three sessions before; states with too few votes are not ranked."""
    def describe(r: dict) -> str:
        return (f"session {int(r['period'])}: agreement {r['agreement']:.2f} with {d.focus}, "
                f"rank {int(r['agreement_rank_all'])} of {int(r['ranked_states'])} states")
    return _ranked(d, partner, dim, as_of, rules, weight, "un_published_agreement",
                   "agreement_rank_all", describe)


def un_ideal_point_distance(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                            weight: float) -> Reading:
    """The ideal-point distance between the pair in the latest period ended by the as-of
    date (year-based estimates where loaded), with its 90% interval and rank, against its
    mean over the three periods before. The distance itself sets the level, not the rank:
    dozens of states sit within each other's intervals, so a rank by point estimate moves
    by tens of places on noise."""
    def describe(r: dict) -> str:
        return (f"{r['period_kind']} {int(r['period'])}: ideal-point distance "
                f"{r['ideal_distance']:.2f} (90% {r['distance_low']:.2f}–"
                f"{r['distance_high']:.2f}), rank {int(r['distance_rank_all'])} of "
                f"{int(r['ranked_states'])} states")
    return _ranked(d, partner, dim, as_of, rules, weight, "un_ideal_point_distance",
                   "ideal_distance", describe)


def un_security_votes(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                      weight: float) -> Reading:
    """Our own vote-level agreement on nuclear and arms-control roll calls (issues nu, di) in
    the latest year ended by the as-of date with enough roll calls, against the three years
    before."""
    name, source, kind = "un_security_votes", "UN General Assembly votes", SourceKind.RECORDED
    rows = [r for r in d.votes.get(partner, []) if date(r["year"], 12, 31) <= as_of
            and r["roll_calls"] >= rules.min_roll_calls]
    if not rows:
        return _no_data(name, dim, weight, source, kind, "no year with enough UN roll calls "
                        "of this pair by the as-of date")
    last = rows[-1]
    before = [r["identical"] / r["roll_calls"] for r in rows
              if last["year"] - 3 <= r["year"] < last["year"]]
    share = last["identical"] / last["roll_calls"]
    unit, thresholds, higher = rules.levels[name]
    level = level_of(share, thresholds, higher)
    base = level_of(sum(before) / len(before), thresholds, higher) if before else None
    latest = date(last["year"], 12, 31)
    text = (f"{last['year']}: identical votes on {last['identical']} of {last['roll_calls']} "
            f"nuclear and arms-control roll calls ({share:.0%})")
    return Reading(name, dim, weight, source, kind, level=level,
                   direction=level_direction(level, base), value=share,
                   baseline=sum(before) / len(before) if before else None, unit=unit,
                   summary=text, quality=1.0, latest=latest.isoformat(),
                   stale=_stale(latest, as_of, rules),
                   evidence=(Evidence("un_votes", f"{d.focus}-{partner}-{last['year']}",
                                      latest.isoformat(), text),))


# --- sanctions -----------------------------------------------------------------------------

def designations_tying(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                       weight: float) -> Reading:
    """Current designations tying the pair (under one's programme, with a nationality,
    address, flag, birthplace or remark in the other) on the lists published by the as-of
    date (a list without a publication date never counts); new listings in the last 12
    months against the baseline's yearly mean. The count is a stock: most listings are years
    old, so the thresholds are high."""
    name, source, kind = "designations_tying", "sanctions lists", SourceKind.LISTED
    if not any(t["published_at"] is not None and t["published_at"].date() <= as_of
               for t in d.ties.get(partner, [])):
        return _no_data(name, dim, weight, source, kind, "no designation ties this pair on "
                        "the lists published by the as-of date")
    found = d.designations(partner, as_of)
    unit, thresholds, higher = rules.levels[name]
    recent_start, base_start = windows(as_of, rules)
    listed = [t["listed_on"] for t in found if t["listed_on"] is not None]
    new = sum(1 for x in listed if x > recent_start)
    before = sum(1 for x in listed if base_start < x <= recent_start) / rules.baseline_years
    published = [v[2].date() for v in d.versions if v[2] is not None and v[2].date() <= as_of]
    latest = max(published, default=None)
    shown = sorted(found, key=lambda t: (t["listed_on"] or date.min, t["list_id"]),
                   reverse=True)
    other = {d.focus, partner}
    evidence = tuple(Evidence(f"sanctions:{t['list']}", t["list_id"], _iso(t["listed_on"]),
                              f"designation on the {LISTS.get(t['list'], t['list'])}: "
                              f"{t['name']}, naming {' or '.join(sorted(other))} by "
                              f"{t['tie']}") for t in shown[:MAX_EVIDENCE])
    summary = f"{len(found)} current designation(s) tie the pair"
    summary += f"; {new} listed in the last 12 months" if listed else " (no listing dates)"
    return Reading(name, dim, weight, source, kind,
                   level=level_of(float(len(found)), thresholds, higher),
                   direction=direction_of(float(new), before, rules) if listed else
                   Direction.UNKNOWN, value=float(len(found)),
                   baseline=before if listed else None, unit=unit, summary=summary,
                   quality=1.0, latest=_iso(latest), stale=_stale(latest, as_of, rules),
                   evidence=evidence)


# --- GDELT ---------------------------------------------------------------------------------

def gdelt_events(d: Dossier, partner: str, dim: str, as_of: date, rules: Rules,
                 weight: float) -> Reading:
    """GDELT events between the pair in the dimension per 10,000 events involving either
    country, over the months of the last 12 months against the baseline; too few events or
    days of data give no level. Media volume, not verified acts."""
    name, source, kind = "gdelt_events", "GDELT", SourceKind.EVENT_DATA
    months = [m for m in d.gdelt.get((partner, dim), []) if m["month"] <= as_of]
    if not any(m["events"] for m in months):
        return _no_data(name, dim, weight, source, kind, "no GDELT events for this pair",
                        quality=0.5)
    recent_start, base_start = windows(as_of, rules)
    recent = [m for m in months if m["month"] > recent_start]
    base = [m for m in months if base_start < m["month"] <= recent_start]

    def rate(rows: list[dict]) -> float | None:
        events, volume = sum(m["events"] for m in rows), sum(m["volume"] for m in rows)
        if events < rules.min_gdelt_events or volume <= 0 or \
                sum(m["days"] for m in rows) < rules.min_gdelt_days:
            return None
        return events * 10_000 / volume

    value, baseline = rate(recent), rate(base)
    latest = max((m["month"] for m in months if m["events"]), default=None)
    n, days = sum(m["events"] for m in recent), sum(m["days"] for m in recent)
    if value is None:
        return _no_data(name, dim, weight, source, kind,
                        f"too thin: {n} event(s) on {days} day(s) of data in the last 12 "
                        "months", quality=0.5, latest=_iso(latest),
                        stale=_stale(latest, as_of, rules))
    unit, thresholds, higher = rules.levels[name]
    text = f"{n} GDELT {dim} events in the last 12 months, {value:.2f} per 10k of volume"
    return Reading(name, dim, weight, source, kind, level=level_of(value, thresholds, higher),
                   direction=direction_of(value, baseline, rules), value=round(value, 3),
                   baseline=None if baseline is None else round(baseline, 3), unit=unit,
                   summary=text, quality=0.5, latest=_iso(latest),
                   stale=_stale(latest, as_of, rules),
                   evidence=(Evidence("events", f"{d.focus}-{partner}-{dim}", as_of.isoformat(),
                                      text + " (pivotwatch indicators)"),))


SIGNALS: dict[str, Signal] = {f.__name__: f for f in (
    curated_events, estimated_measures, recorded_trade, fuel_against_cap,
    un_published_agreement, un_ideal_point_distance, un_security_votes, designations_tying,
    gdelt_events)}
