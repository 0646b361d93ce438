"""Gather a briefing: every figure computed from the store, with the rows behind it.

The briefing is data (dataclasses); `render.py` turns it into HTML or Markdown. Nothing here
invents or pads a figure: where the data are too thin, the briefing says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pivotwatch.analysis import changes as change_detection
from pivotwatch.analysis import partners as partner_ranking
from pivotwatch.analysis.dyads import indicators, parse_dyad
from pivotwatch.analysis.indicators import period_label, period_number
from pivotwatch.errors import PivotwatchError
from pivotwatch.markup import sql_literal as q
from pivotwatch.report.panels import Panel, build_panels
from pivotwatch.store import Store
from pivotwatch.store.status import store_status

SECTIONS = [  # (anchor, title, dimension)
    ("economic", "Economic ties", "economic"),
    ("military", "Military collaboration", "military"),
    ("political", "Political and diplomatic support", "political"),
    ("security", "Regional security", "security"),
    ("energy", "Energy", "energy"),
]
# what a rise in each dimension would signal, for "indicators to watch"
SIGNALS = {
    "all": "closer overall engagement (or more media attention to it)",
    "economic": "more trade, aid or economic agreements — or new sanctions (check conflict share)",
    "military": "deeper defence cooperation: arms transfers, exercises, military aid",
    "political": "more visits, consultations, agreements and diplomatic support",
    "security": "more threats, force posture or fighting involving the pair",
    "energy": "more coverage of oil, gas, fuel or power deals (URL-based heuristic)",
    "humanitarian": "more humanitarian aid or asylum events",
}
EVIDENCE_PER_PERIOD = 10
MAX_EVIDENCE_PERIODS = 24


def confidence(events: int, periods: int) -> str:
    """How far the event data can carry a judgment (documented in the report's method)."""
    if events >= 200 and periods >= 8:
        return "high"
    if events >= 30 and periods >= 4:
        return "medium"
    if events > 0:
        return "low"
    return "none"


@dataclass
class Judgment:
    text: str
    confidence: str
    link: str | None = None  # an anchor in the report with the rows behind it


@dataclass
class Evidence:
    anchor: str
    title: str
    query: str  # the SQL that returns every row behind the figure
    events: list[dict]


@dataclass
class Section:
    anchor: str
    title: str
    dimension: str
    series: pd.DataFrame
    aspects: list[tuple[str, str, str | None]]  # aspect, details, link
    changes: list[change_detection.Change]
    change_status: str
    reference: pd.DataFrame
    evidence: list[Evidence] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)  # UN votes, trade, fuel, sanctions


@dataclass
class Briefing:
    a: str
    b: str
    freq: str
    start: date | None
    end: date | None
    generated: str
    has_events: bool
    judgments: list[Judgment]
    overview: pd.DataFrame  # indicators, all dimensions
    partners: pd.DataFrame | None
    partner_trend: pd.DataFrame | None
    partner_note: str
    picture: Section  # the 'all' dimension, for the strategic picture
    sections: list[Section]
    outlook: list[str]
    watch: list[tuple[str, str, str]]  # indicator, what happened, what it would signal
    method: dict
    reference: pd.DataFrame
    multilateral: pd.DataFrame  # curated events of one of them with the UN or another body
    notes: list[str]
    claims: object | None = None  # report.audit_section.ClaimsSection, with --documents


def _fmt(x: float, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def _evidence_query(a: str, b: str, dimension: str, first: date, last: date) -> str:
    """The SQL a reader can run for the rows behind a figure; every value a quoted literal."""
    dyad = (f"((actor1_country = {q(a)} AND actor2_country = {q(b)}) OR "
            f"(actor1_country = {q(b)} AND actor2_country = {q(a)}))")
    return (f"SELECT * FROM events WHERE {dyad} AND day BETWEEN {q(first)} AND {q(last)}"
            + ("" if dimension == "all" else f"  -- then keep dimension {q(dimension)} "
               "(docs/dimensions.md)"))


def _reference(store: Store, a: str, b: str, start: date | None, end: date | None,
               multilateral: bool = False) -> pd.DataFrame:
    """Curated events between the pair; with `multilateral`, instead those between one of
    them and the UN or another multilateral body (which may concern other relationships)."""
    if multilateral:
        who = """((actor1 IN (?, ?) AND actor2 IN ('UNO', 'IGO'))
                  OR (actor2 IN (?, ?) AND actor1 IN ('UNO', 'IGO')))"""
    else:
        who = "((actor1 = ? AND actor2 = ?) OR (actor1 = ? AND actor2 = ?))"
    pair = [a, b, a, b] if multilateral else [a, b, b, a]
    df = store.con.execute(
        f"""SELECT date, date_precision, actor1, actor2, dimension, event_type, description,
                   source_urls, confidence FROM reference_events
            WHERE {who}
              AND (?::DATE IS NULL OR date >= ?::DATE) AND (?::DATE IS NULL OR date <= ?::DATE)
            ORDER BY date""", [*pair, start, start, end, end]).df()
    if len(df):
        df["date"] = pd.to_datetime(df["date"]).dt.date
    return df


MIN_VOLUME = 100  # periods with fewer events involving either country are too thin to trend


def _trend(series: pd.DataFrame, freq: str, last: int = 5
           ) -> tuple[float, float, float, int] | None:
    """OLS slope of per 10k on time over the last `last` periods whose denominator is at least
    MIN_VOLUME, with a 90% interval; None when fewer than 3 such periods exist."""
    rows = series[series.per_10k.notna() & (series.volume >= MIN_VOLUME)].sort_values("period")
    rows = rows.tail(last)
    if len(rows) < partner_ranking.MIN_PERIODS:
        return None
    xs = [period_number(p, freq) for p in rows.period]
    slope, lo, hi = partner_ranking.ols_slope(xs, [float(v) for v in rows.per_10k])
    return slope, lo, hi, len(rows)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _section(store, a, b, freq, dim, anchor, title, series, detected, reference) -> Section:
    rows = series[series.dimension == dim].sort_values("period").reset_index(drop=True)
    total = int(rows.events.sum())
    coop, confl = int(rows.cooperative.sum()), int(rows.conflictual.sum())
    gold = (rows.goldstein_sum.sum() / total) if total else math.nan
    result = next((r for r in detected.dimensions if r.dimension == dim), None)
    ref = reference[reference.dimension == dim] if len(reference) and dim != "all" \
        else reference
    evidence = []
    with_events = rows[rows.events > 0].tail(MAX_EVIDENCE_PERIODS)
    for p in with_events.period:
        last = change_detection.period_end(p, freq)
        evidence.append(Evidence(
            f"ev-{dim}-{p.isoformat()}", f"{title}: {period_label(p, freq)}",
            _evidence_query(a, b, dim, p, last),
            change_detection.top_events(store, a, b, dim, p, last, EVIDENCE_PER_PERIOD)))
    peak = rows.loc[rows.per_10k.idxmax()] if total else None
    peak_link = f"#ev-{dim}-{peak.period.isoformat()}" if peak is not None else None
    latest = result.changes[-1] if result and result.changes else None
    aspects = [
        ("events (GDELT)", f"{total:,} in {len(rows):,} {freq}s with data"
                           if len(rows) else "no data in range", None),
        ("cooperative / conflictual", f"{coop:,} / {confl:,}"
                                      + (f" ({coop / total:.0%} cooperative)" if total else ""),
         None),
        ("mean Goldstein", _fmt(gold), None),
        ("peak (per 10,000 events involving either country)",
         f"{period_label(peak.period, freq)}: {_fmt(peak.per_10k)} ({int(peak.events)} events)"
         if peak is not None else "–", peak_link),
        ("latest change", f"{latest.kind} {latest.direction} in "
                          f"{period_label(latest.period, freq)}: "
                          f"{_fmt(latest.before)} → {_fmt(latest.after)} per 10k"
         if latest else (result.status if result else "–"), None),
        ("curated reference events", f"{len(ref)} (hand-compiled, not counted above)", None),
    ]
    if not len(rows):
        aspects = [(aspect, "no GDELT data in this range", None) for aspect, _, _ in aspects[:-1]
                   ] + aspects[-1:]
    return Section(anchor, title, dim, rows, aspects, result.changes if result else [],
                   result.status if result else "–", ref, evidence)


RECENT = 4  # "lately": within the last this many periods with data
HIGH = 0.9  # a latest value above this quantile of its own past is "at a high"


def _watch_list(series: pd.DataFrame, detected, freq: str) -> list[tuple[str, str, str]]:
    """Series that changed level in the last periods, or whose latest value is above 90% of
    its own past; each with what a continued rise would signal."""
    watch = []
    for r in detected.dimensions:
        rows = series[(series.dimension == r.dimension) & (series.days_covered > 0)
                      & series.per_10k.notna()].sort_values("period")
        if not len(rows):
            continue
        recent = set(rows.period.tail(RECENT))
        for c in r.changes:
            if c.period in recent:
                watch.append((f"{r.dimension} (per 10k)",
                              f"{c.kind} {c.direction} in {period_label(c.period, freq)}: "
                              f"{_fmt(c.before)} → {_fmt(c.after)}", SIGNALS.get(r.dimension, "")))
        past, latest = rows.per_10k.iloc[:-1], rows.iloc[-1]
        if len(past) >= change_detection.MIN_PERIODS and latest.events >= detected.min_events \
                and latest.per_10k > past.quantile(HIGH):
            watch.append((f"{r.dimension} (per 10k)",
                          f"{period_label(latest.period, freq)} at {_fmt(latest.per_10k)}, above "
                          f"{HIGH:.0%} of its past {len(past)} {freq}s",
                          SIGNALS.get(r.dimension, "")))
    return watch


def _assessment_judgments(store: Store, dyad: str, end: date | None) -> list[Judgment]:
    """The assessment's bottom line (analysis/assessment.py, as of the briefing's end or the
    newest evidence) and the sources stale by then, first among the key judgments."""
    from pivotwatch.analysis.assessment import assess

    try:
        found = assess(dyad, store=store, as_of=end, compare=False)
    except PivotwatchError as exc:  # e.g. no dated evidence about the pair at all
        return [Judgment(f"No assessment: {exc}", "none")]
    levels = "; ".join(f"{j.dimension} {j.level_label} ({j.direction.value}, "
                       f"{j.confidence.value} confidence)" for j in found.judgments)
    out = [Judgment(f"Assessment as of {found.as_of.isoformat()} ({found.as_of_basis}): "
                    f"{found.bottom_line} By dimension: {levels}. Rules and evidence: "
                    f"pivotwatch assess --dyad {found.dyad} --as-of {found.as_of.isoformat()}.",
                    "assessment")]
    stale = [s for s in found.sources if s.get("stale") and s.get("rows")]
    if stale:
        out.append(Judgment(
            "Stale sources (latest date more than a year before the assessment date): "
            + ", ".join(f"{s['source']} (latest {s.get('latest')})" for s in stale) + ".",
            "caveat"))
    return out


def build_briefing(store: Store, dyad: str, *, freq: str = "year", start: date | None = None,
                   end: date | None = None, generated: str = "") -> Briefing:
    """Everything the report shows, computed from the store."""
    a, b = parse_dyad(dyad)
    series = indicators(dyad, store=store, freq=freq, start=start, end=end)
    notes = list(series.attrs.get("warnings", []))
    detected = change_detection.changes(dyad, store=store, freq=freq, start=start, end=end)
    notes += [n for n in detected.notes if n not in notes]
    reference = _reference(store, a, b, start, end)
    multilateral = _reference(store, a, b, start, end, multilateral=True)
    overall = series[series.dimension == "all"].sort_values("period")
    total = int(overall.events.sum()) if len(overall) else 0
    periods = int((overall.events > 0).sum()) if len(overall) else 0
    conf = confidence(total, periods)
    judgments: list[Judgment] = _assessment_judgments(store, dyad, end)
    if not len(overall):
        judgments.append(Judgment(
            f"The store has no GDELT data at all in this range; nothing can be said about "
            f"{a}–{b} from event data.", "none"))
    elif total == 0:
        volume = int(overall.volume.sum())
        judgments.append(Judgment(
            f"The loaded GDELT data hold no {a}–{b} events in this range, among "
            f"{volume:,} events involving either country: the absence reflects what was "
            f"loaded, not evidence that the two had no contact.", "none"))
    else:
        coop = int(overall.cooperative.sum())
        gold = overall.goldstein_sum.sum() / total
        rate = total * 10_000 / overall.volume.sum() if overall.volume.sum() else math.nan
        judgments.append(Judgment(
            f"{total:,} {a}–{b} events in {_plural(periods, freq)} with events: {coop / total:.0%} "
            f"cooperative, mean Goldstein {gold:+.2f}, {_fmt(rate)} per 10,000 events involving "
            f"either country.", conf, "#picture"))
        trend = _trend(overall, freq)
        if trend:
            slope, lo, hi, n = trend
            word = "rising" if lo > 0 else "falling" if hi < 0 else "without a clear trend"
            judgments.append(Judgment(
                f"Over the last {n} {freq}s with at least {MIN_VOLUME} events involving either "
                f"country, the normalised level is {word}: {slope:+.2f} per 10k a {freq} "
                f"(90% interval {lo:+.2f} to {hi:+.2f}).", conf, "#outlook"))
        else:
            judgments.append(Judgment(
                f"Too few {freq}s with at least {MIN_VOLUME} events involving either country "
                "to judge a trend.", "none", "#outlook"))
        by_dim = series[(series.dimension != "all")].groupby("dimension").events.sum()
        if by_dim.sum():
            top = by_dim.idxmax()
            judgments.append(Judgment(
                f"The {top} dimension carries most events ({int(by_dim[top]):,}, "
                f"{by_dim[top] / total:.0%} of all; an event can count in two dimensions).",
                conf, f"#{top}" if top in dict((d, 1) for _, _, d in SECTIONS) else None))
        found = detected.changes
        if found:
            c = found[-1]
            judgments.append(Judgment(
                f"Latest detected change: a {c.direction}ward {c.kind} in {c.dimension} in "
                f"{period_label(c.period, freq)} ({_fmt(c.before)} → {_fmt(c.after)} per 10k).",
                conf, f"#{c.dimension}" if c.dimension != "all" else "#picture"))
    if len(reference):
        counts = reference.dimension.value_counts()
        judgments.append(Judgment(
            f"{len(reference)} curated reference events concern this pair in this range ("
            + ", ".join(f"{d} {n}" for d, n in counts.items())
            + "); they are hand-compiled from cited sources and not part of the counts above.",
            "curated", "#reference"))
    partners_df = trend_df = None
    partner_note = ""
    if b in partner_ranking.DEFAULT_PARTNERS or a in partner_ranking.DEFAULT_PARTNERS:
        focus, other = (a, b) if b in partner_ranking.DEFAULT_PARTNERS else (b, a)
        others = [p for p in partner_ranking.DEFAULT_PARTNERS if p != focus]
        try:
            partners_df = partner_ranking.partners(focus, others, store=store, freq=freq,
                                                   dimensions=["all"], start=start, end=end)
            trend_df = partner_ranking.partner_trend(partners_df, freq=freq)
            with_share = partners_df[partners_df.share.notna()]
            if not len(with_share):
                partner_note = (f"No events of {focus} with its partners in this range: "
                                "nothing to rank.")
            else:
                latest = with_share[with_share.period == with_share.period.max()]
                row = latest[latest.partner == other]
                if len(row) and row.iloc[0].events == 0:
                    r = row.iloc[0]
                    partner_note = (f"In {period_label(r.period, freq)}, the latest {freq} with "
                                    f"{focus} events with its partners, {focus} had no events "
                                    f"with {other}: not ranked.")
                    judgments.append(Judgment(partner_note, conf, "#picture"))
                elif len(row):
                    r = row.iloc[0]
                    partner_note = (f"In {period_label(r.period, freq)}, {other} ranked "
                                    f"{int(r['rank'])} of {len(latest)} among {focus}'s "
                                    f"partners here, with {r.share:.0%} of {focus}'s events "
                                    "with them.")
                    judgments.append(Judgment(partner_note, conf, "#picture"))
        except PivotwatchError as exc:  # e.g. a partner code CAMEO lacks: say so, go on
            partner_note = f"partner ranking unavailable: {exc}"
    outlook = []
    trend = _trend(overall, freq) if len(overall) else None
    if trend:
        slope, lo, hi, n = trend
        outlook.append(f"Recent trend over {n} {freq}s: {slope:+.2f} per 10k a {freq} "
                       f"(90% interval {lo:+.2f} to {hi:+.2f}). "
                       + ("The interval includes zero: no direction can be projected."
                          if lo <= 0 <= hi else "The direction is clear at 90%; the size is "
                          "uncertain and media attention can move it."))
    else:
        outlook.append("The data are too thin to project: fewer than "
                       f"{partner_ranking.MIN_PERIODS} {freq}s with at least {MIN_VOLUME} "
                       "events involving either country.")
    watch = _watch_list(series, detected, freq)
    picture = _section(store, a, b, freq, "all", "picture", "The strategic picture", series,
                       detected, reference)
    sections = [_section(store, a, b, freq, dim, anchor, title, series, detected, reference)
                for anchor, title, dim in SECTIONS]
    for panel in build_panels(store, a, b, start, end):
        next(s for s in sections if s.anchor == panel.section).panels.append(panel)
        if panel.judgment:
            judgments.append(Judgment(panel.judgment[0], panel.judgment[1],
                                      f"#{panel.anchor}"))
    status = store_status(store)
    covered = store.con.execute(
        """SELECT count(DISTINCT day), min(day), max(day) FROM daily_counts
           WHERE (?::DATE IS NULL OR day >= ?::DATE) AND (?::DATE IS NULL OR day <= ?::DATE)""",
        [start, start, end, end]).fetchall()[0]
    method = {"status": status, "days": covered, "thin": detected.thin,
              "min_events": detected.min_events}
    return Briefing(a, b, freq, start, end, generated, total > 0, judgments, series,
                    partners_df, trend_df, partner_note, picture, sections, outlook, watch,
                    method,
                    reference, multilateral, notes)

