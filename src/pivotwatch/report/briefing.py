"""Gather a briefing around the assessment: the judgment first, the evidence behind it after.

The briefing is data (dataclasses); `render.py` turns it into HTML or Markdown. Its order is a
reader's: the bottom line and a scorecard of the six dimensions (analysis/assessment.py) with
how fresh each source is; the pair against the focus's other partners; the judgments year by
year; one section per dimension that opens with its judgment and then shows only the sources
that hold data (an absent source is one line saying how to add it, never a table of zeros);
what changed since an earlier assessment; what would move each judgment; method; appendices.
Nothing here invents or pads a figure.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from pivotwatch.analysis import changes as change_detection
from pivotwatch.analysis.dyads import indicators, parse_dyad
from pivotwatch.analysis.indicators import period_label
from pivotwatch.errors import PivotwatchError, UsageError
from pivotwatch.markup import sql_literal as q
from pivotwatch.report.panels import Panel, build_panels
from pivotwatch.store import Store
from pivotwatch.store.status import store_status

# the original framework's order (the assessment's own order puts energy second)
SECTIONS = [  # (anchor, title, dimension)
    ("economic", "Economic ties", "economic"),
    ("military", "Military collaboration", "military"),
    ("political", "Political and diplomatic support", "political"),
    ("security", "Regional security", "security"),
    ("energy", "Energy", "energy"),
    ("humanitarian", "Humanitarian", "humanitarian"),
]
# a source's name in words, when it next updates, and how to add it when it is absent
SOURCES = {
    "gdelt": ("GDELT events", "every 15 minutes (GDELT 2.0 exports)",
              "pivotwatch ingest gdelt FILES"),
    "un_votes": ("UN General Assembly votes", "yearly, after each General Assembly session",
                 "pivotwatch ingest unvotes FILE"),
    "un_ideal_points": ("UN voting ideal points", "yearly, after each General Assembly session",
                        "pivotwatch ingest unvotes FILE"),
    "un_published_agreement": ("published UN vote agreement",
                               "yearly, after each General Assembly session",
                               "pivotwatch ingest unvotes FILE"),
    "trade_comtrade": ("Comtrade trade flows", "yearly (annual Comtrade data)",
                       "pivotwatch ingest comtrade FILES"),
    "reference_events": ("curated key events", "by hand, when the curated tables are edited",
                         "pivotwatch ingest reference"),
    "reference_trade": ("curated trade figures", "by hand, when the curated tables are edited",
                        "pivotwatch ingest reference"),
    "reference_fuel": ("curated fuel figures", "by hand, when the curated tables are edited",
                       "pivotwatch ingest reference"),
    "reference_measures": ("published estimates", "by hand, when the curated tables are edited",
                           "pivotwatch ingest reference"),
    "documents": ("documents", "when documents are added", "pivotwatch claims FILE"),
}
SANCTIONS = ("sanctions list", "when the list changes (republished on change)",
             "pivotwatch ingest sanctions DIR")
LISTS = {"un_sc": "UN Security Council", "opensanctions": "OpenSanctions", "ofac": "OFAC",
         "eu": "EU", "uk": "UK"}
# a reading's source (its words in the assessment) -> the store sources it reads
READING_SOURCES = {
    "curated timeline": ["reference_events"], "trade statistics": ["trade_comtrade",
                                                                   "reference_trade"],
    "published estimates": ["reference_measures"], "fuel deliveries": ["reference_fuel"],
    "GDELT event data": ["gdelt"], "sanctions lists": ["sanctions"],
    "UN General Assembly votes": ["un_votes", "un_published_agreement", "un_ideal_points"],
}
EVIDENCE_PER_PERIOD = 10
MAX_EVIDENCE_PERIODS = 24
MIN_VOLUME = 100  # periods with fewer events involving either country are too thin to chart


def source_info(source: str) -> tuple[str, str, str]:
    """(name in words, when it next updates, how to add it) for a store source."""
    if source.startswith("sanctions"):
        lst = source.split(":", 1)[1] if ":" in source else ""
        lst = LISTS.get(lst, lst)
        return (f"{lst} {SANCTIONS[0]}".strip(), SANCTIONS[1], SANCTIONS[2])
    return SOURCES.get(source, (source.replace("_", " "), "unknown", ""))


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
    judgment: object | None  # analysis.judgment.Judgment, None without an assessment
    series: pd.DataFrame  # GDELT, only periods of this dimension; empty when it has no events
    measures: pd.DataFrame  # published estimates of this dimension, dated series
    reference: pd.DataFrame  # curated events (the pair's, and multilateral ones on the pair)
    absent: list[str] = field(default_factory=list)  # one line per source with no data here
    evidence: list[Evidence] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)  # UN votes, trade, fuel, sanctions


@dataclass
class Outlook:
    dimension: str
    title: str
    level: str
    up: str
    down: str
    watch: list[str]
    updates: list[str]


@dataclass
class Change:
    dimension: str
    was: str
    now: str
    evidence: list  # the new judgment's evidence


@dataclass
class Briefing:
    a: str
    b: str
    freq: str
    start: date | None
    end: date | None
    generated: str
    assessment: object | None  # analysis.assessment.Assessment
    problem: str  # why there is no assessment, when there is none
    freshness: list[dict]  # source, name, latest, stale, rows, cadence
    history: list  # Assessments by year
    sections: list[Section]
    since: str | None  # what the changes are measured against, in words
    changes: list[Change]
    outlook: list[Outlook]
    method: dict
    reference: pd.DataFrame
    multilateral: pd.DataFrame
    has_events: bool
    notes: list[str]
    claims: object | None = None  # report.audit_section.ClaimsSection, with --documents

    @property
    def bottom_line(self) -> str:
        return self.assessment.bottom_line if self.assessment else f"No assessment: {self.problem}"


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


def _speaks_to(reference: pd.DataFrame, dim: str, rules) -> pd.DataFrame:
    """Curated events of a dimension, and those whose type also speaks to it (a veto to
    security, a food shipment to humanitarian: data/assessment/event_weights.csv)."""
    if not len(reference):
        return reference
    keep = [dim in rules.event_dimensions(t, d)
            for d, t in zip(reference.dimension, reference.event_type, strict=True)]
    return reference[keep]


def _measures(store: Store, a: str, b: str, end: date | None) -> pd.DataFrame:
    from pivotwatch.analysis.measures import measures

    try:
        return measures(a, b, store=store, as_of=end)
    except PivotwatchError:
        return pd.DataFrame(columns=["dimension"])


def _freshness(assessment) -> list[dict]:
    out = []
    for s in assessment.sources if assessment else ():
        name, cadence, add = source_info(s["source"])
        out.append({**s, "name": name, "cadence": cadence, "add": add,
                    "loaded": bool(s.get("rows"))})
    return out


def _fmt_value(x: float | None, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if "dollar" in unit:
        return f"${x / 1e9:,.2f}bn" if abs(x) >= 1e9 else (
            f"${x / 1e6:,.1f}m" if abs(x) >= 1e6 else f"${x:,.0f}")
    if "share" in unit:
        return f"{x:.0%}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _outlook(assessment, rules) -> list[Outlook]:
    """Per dimension: the next thresholds of its strongest signal (the rules' levels.csv),
    the series that carry it and when their sources next update."""
    from pivotwatch.analysis.judgment import Level

    out = []
    titles = {d: t for _, t, d in SECTIONS}
    for _, _, dim in SECTIONS:
        j = assessment.judgment(dim)
        read = [r for r in j.readings if r.level is not None]
        strongest = max(read, key=lambda r: int(r.level), default=None)
        up = down = ""
        if strongest is None:
            up = "any evidence at all: no source holds data on this dimension for the pair"
            down = "nothing: there is no level to fall from"
        else:
            spec = rules.levels.get(strongest.signal)
            name = strongest.signal.replace("_", " ")
            level = int(strongest.level)
            if spec is None:
                up = (f"{name}: a figure at a higher level than {Level(level).label}"
                      if level < 4 else f"{name}: already at the top level")
                down = f"{name}: no figure at this level in the next window"
            else:
                unit, thresholds, higher = spec
                word_up, word_down = ("at least", "below") if higher else ("at most", "above")
                if level < 4:
                    up = (f"{name}: {word_up} {_fmt_value(thresholds[level], unit)} "
                          f"({unit}) → {Level(level + 1).label}")
                else:
                    up = f"{name}: at the top level already"
                if level > 0:
                    down = (f"{name}: {word_down} {_fmt_value(thresholds[level - 1], unit)} "
                            f"({unit}) → {Level(level - 1).label}")
                else:
                    down = "nothing: it is at the bottom level"
        watch = [r.summary for r in j.readings if r.level is not None] or [
            "no series holds data for this dimension"]
        sources = []
        for r in j.readings:
            for s in READING_SOURCES.get(r.source, []):
                info = source_info(s)
                line = f"{info[0]}: {info[1]}"
                if line not in sources:
                    sources.append(line)
        out.append(Outlook(dim, titles[dim], j.level_label, up, down, watch, sources))
    return out


def load_since(store: Store, dyad: str, since: str) -> tuple[str, dict]:
    """The earlier assessment to compare with, as `to_dict()`: `since` is a JSON file written
    by `pivotwatch assess --format json`, or a date (YYYY, YYYY-MM or YYYY-MM-DD)."""
    from pivotwatch.analysis.assessment import assess

    path = Path(since)
    if path.suffix.lower() == ".json" or path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"cannot read --since {since}: {exc}") from None
        if isinstance(data, list) and data:  # a history: the last assessment in it
            data = data[-1]
        if not isinstance(data, dict) or not isinstance(data.get("dimensions"), list):
            raise UsageError(f"--since {since} is not an assessment written by "
                             "`pivotwatch assess --format json`")
        return f"the assessment in {path.name} (as of {data.get('as_of', '?')})", data
    day = _since_date(since)
    return (f"the assessment as of {day:%-d %B %Y}",
            assess(dyad, store=store, as_of=day, compare=False).to_dict())


def _since_date(text: str) -> date:
    parts = text.strip().split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            return date(int(parts[0]), 12, 31)
        if len(parts) == 2:
            y, m = int(parts[0]), int(parts[1])
            return (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date()
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since {text!r} is neither a file nor a date (YYYY, YYYY-MM or "
                         "YYYY-MM-DD)") from None


def _changes(assessment, earlier: dict) -> list[Change]:
    def state(level_label, direction, confidence) -> str:
        return f"{level_label}, {direction}, {confidence} confidence"

    before = {d.get("dimension"): d for d in earlier.get("dimensions", [])
              if isinstance(d, dict)}
    out = []
    for _, _, dim in SECTIONS:
        j = assessment.judgment(dim)
        now = state(j.level_label, j.direction.value, j.confidence.value)
        old = before.get(dim)
        was = state(old.get("level_label"), old.get("direction"), old.get("confidence")) \
            if old else "not assessed"
        if was != now:
            out.append(Change(dim, was, now, list(j.evidence)))
    return out


def _gdelt_evidence(store, a, b, freq, dim, title, rows) -> list[Evidence]:
    out = []
    for p in rows[rows.events > 0].tail(MAX_EVIDENCE_PERIODS).period:
        last = change_detection.period_end(p, freq)
        out.append(Evidence(
            f"ev-{dim}-{p.isoformat()}", f"{title}: GDELT events in {period_label(p, freq)}",
            _evidence_query(a, b, dim, p, last),
            change_detection.top_events(store, a, b, dim, p, last, EVIDENCE_PER_PERIOD)))
    return out


def build_briefing(store: Store, dyad: str, *, freq: str = "year", start: date | None = None,
                   end: date | None = None, generated: str = "",
                   since: str | None = None) -> Briefing:
    """Everything the report shows, computed from the store. `since` (a date or a JSON file
    of `pivotwatch assess --format json`) adds what changed since that assessment."""
    from pivotwatch.analysis.assessment import assess, history
    from pivotwatch.analysis.judgment import load_rules

    a, b = parse_dyad(dyad)
    rules = load_rules()
    assessment, problem = None, ""
    try:
        assessment = assess(f"{a}-{b}", store=store, as_of=end, compare=True)
    except PivotwatchError as exc:  # e.g. no dated evidence about the pair at all
        problem = str(exc)
    earlier = load_since(store, f"{a}-{b}", since) if since else None
    trajectory = []
    if assessment is not None:
        try:
            trajectory = history(f"{a}-{b}", store=store,
                                 start=start.year if start else 2015,
                                 end=assessment.as_of.year, until=assessment.as_of)
        except PivotwatchError:
            trajectory = []
    series = indicators(dyad, store=store, freq=freq, start=start, end=end)
    notes = list(series.attrs.get("warnings", []))
    reference = _reference(store, a, b, start, end)
    multilateral = _reference(store, a, b, start, end, multilateral=True)
    curated = pd.concat([reference, multilateral]).sort_values("date") \
        if len(multilateral) else reference
    measures = _measures(store, a, b, end)
    if start is not None and len(measures):
        measures = measures[[d is None or d >= start for d in measures.as_of]]
    has_events = bool(len(series) and series[series.dimension == "all"].events.sum())
    sections = []
    for anchor, title, dim in SECTIONS:
        rows = series[series.dimension == dim].sort_values("period").reset_index(drop=True)
        rows = rows if len(rows) and rows.events.sum() else rows.iloc[0:0]
        ref = _speaks_to(curated, dim, rules)
        meas = measures[measures.dimension == dim] if len(measures) else measures
        absent = []
        if not len(rows):
            absent.append(f"GDELT: no {a}–{b} {dim} events in the loaded event data; "
                          "load more exports with pivotwatch ingest gdelt FILES to add them.")
        sections.append(Section(
            anchor, title, dim, assessment.judgment(dim) if assessment else None, rows,
            meas, ref, absent, _gdelt_evidence(store, a, b, freq, dim, title, rows)))
    for panel in build_panels(store, a, b, start, end):
        section = next(s for s in sections if s.anchor == panel.section)
        if panel.loaded:
            section.panels.append(panel)
        else:
            section.absent.append(f"{panel.title}: " + " ".join(panel.lead))
    status = store_status(store)
    covered = store.con.execute(
        """SELECT count(DISTINCT day), min(day), max(day) FROM total_daily
           WHERE (?::DATE IS NULL OR day >= ?::DATE) AND (?::DATE IS NULL OR day <= ?::DATE)""",
        [start, start, end, end]).fetchall()[0]
    method = {"status": status, "days": covered}
    return Briefing(
        a, b, freq, start, end, generated, assessment, problem, _freshness(assessment),
        trajectory, sections, earlier[0] if earlier else None,
        _changes(assessment, earlier[1]) if earlier and assessment else [],
        _outlook(assessment, rules) if assessment else [], method, reference, multilateral,
        has_events, notes + list(assessment.notes if assessment else []))
