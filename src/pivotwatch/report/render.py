"""Render a Briefing as a self-contained HTML file (inline CSS and SVG) or as Markdown.

Names, descriptions, URLs and document text come from files written by others: the HTML is
autoescaped, starts with a Content-Security-Policy that forbids scripts, and links only
http(s) URLs; the Markdown escapes raw HTML and link, code and table syntax in every piece of
data (`pivotwatch.markup`). In both, control characters and bidi controls (U+202E) are
visible escapes, and a value longer than 300 characters is cut in a table cell ("… (N
characters)"; the store keeps it whole); HTML cells are bidi-isolated and wrap anywhere.

Both follow the briefing's order (report/briefing.py) and say things in words: event types
and flows without underscores, dates as "28 March 2024" or "October 2008", confidence
("high confidence") apart from the kind of source ("curated", "recorded" …).
"""

from __future__ import annotations

import math
import re
from datetime import date
from importlib import resources

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from pivotwatch import taxonomy
from pivotwatch.analysis.indicators import period_label
from pivotwatch.markup import (
    CSP_META,
    MAX_SHOWN_CHARS,
    clip,
    http_url,
    md_code,
    md_link,
    md_text,
    template_value,
    visible,
)
from pivotwatch.report import charts
from pivotwatch.report.briefing import EVIDENCE_PER_PERIOD, MIN_VOLUME, Briefing, source_info

ARROWS = {"rising": "↑", "falling": "↓", "steady": "→", "unknown": "?"}
# identifiers from the store a reader should never see raw
WORDS = {"dprk_exports_to_rus": "DPRK exports to Russia",
         "dprk_imports_from_rus": "DPRK imports from Russia", "total": "total trade",
         "target": "stated target", "trade_target": "stated trade target",
         "open_source_estimate": "open-source estimate", "un_veto": "UN veto",
         "un_notification": "notification to the UN", "un_sc": "UN Security Council list",
         "ofac": "OFAC (US Treasury)", "opensanctions": "OpenSanctions"}
_TOKENS = {"rus": "Russia", "prk": "DPRK", "dprk": "DPRK", "un": "UN", "chn": "China",
           "msmt": "MSMT", "gdelt": "GDELT", "usa": "US"}


def plain(value) -> str:
    """An identifier in words: food_shipment → "food shipment", dprk_exports_to_rus → "DPRK
    exports to Russia"; any other text as it is."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if text in WORDS:
        return WORDS[text]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        return text
    return " ".join(_TOKENS.get(w, w) for w in text.split("_"))


def words(value) -> str:
    """A store value in a panel's table: a known identifier (a trade flow) in words, any
    other value (a list id, a name) exactly as stored."""
    return WORDS.get(value, value) if isinstance(value, str) else value


def when(day, precision: str = "day") -> str:
    """A date as readers write it at its precision: 28 March 2024, October 2008, 2019."""
    if day is None or (isinstance(day, float) and math.isnan(day)):
        return "–"
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day[:10])
        except ValueError:
            return day
    if isinstance(day, pd.Timestamp):
        day = day.date()
    if precision == "year":
        return f"{day:%Y}"
    if precision == "quarter":
        return f"{day:%Y}-Q{(day.month - 1) // 3 + 1}"
    if precision == "month":
        return f"{day:%B %Y}"
    return f"{day.day} {day:%B %Y}"


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}"


# an unbroken run this long would make its table column wider than a phone's screen
_LONG_RUN = re.compile(r"\S{30,}")


def _html_cell(value: object, limit: int = MAX_SHOWN_CHARS) -> Markup:
    """A value from data in a table cell (the template's |clip): cut when long, escaped, and
    in <span class="wrap"> (wraps anywhere) when it holds a long unbroken run, so ordinary
    words are never broken and no value widens the page."""
    text = clip(value, limit)
    shown = escape(visible(text, keep="\t\n"))
    return Markup(f'<span class="wrap">{shown}</span>') if _LONG_RUN.search(text) else shown


def _scorecard(b: Briefing) -> list[dict]:
    rows = []
    for s in b.sections:
        j = s.judgment
        if j is None:
            continue
        top = j.evidence[0] if j.evidence else None
        rows.append({
            "anchor": s.anchor, "title": s.title, "level": j.level_label,
            "bar": -1 if j.level is None else int(j.level), "direction": j.direction.value,
            "arrow": ARROWS.get(j.direction.value, ""), "confidence": j.confidence.value,
            "evidence": None if top is None else {
                "date": when(top.date), "text": plain_evidence(top.text), "url": top.url}})
    return rows


def plain_evidence(text: str) -> str:
    """An evidence line's leading identifier ("troop_deployment: …") in words."""
    head, sep, rest = text.partition(": ")
    return f"{plain(head)}: {rest}" if sep and re.fullmatch(r"[a-z0-9_]+", head) else text


def _matrix(b: Briefing) -> tuple[list[str], list[dict]]:
    a = b.assessment
    if a is None or not a.partners:
        return [], []
    dims = [s.dimension for s in b.sections]
    rows: dict[str, dict] = {}
    for c in a.partners:
        row = rows.setdefault(c.partner, {"partner": c.partner, "focus": c.focus_pair,
                                          "name": taxonomy.country_name(c.partner) or c.partner,
                                          "cells": {}})
        row["cells"][c.dimension] = {
            "level": "no data" if c.level is None else c.level.label,
            "nodata": c.level is None, "arrow": ARROWS.get(c.direction.value, ""),
            "direction": c.direction.value, "confidence": c.confidence.value}
    ordered = sorted(rows.values(), key=lambda r: (not r["focus"], r["partner"]))
    return dims, [{**r, "cells": [r["cells"].get(d, {"level": "no data", "nodata": True,
                                                       "arrow": "", "direction": "",
                                                       "confidence": ""}) for d in dims]}
                  for r in ordered]


def _trajectory_rows(b: Briefing) -> list[dict]:
    return [{"year": f"{h.as_of:%Y}" if h.as_of.month == 12 and h.as_of.day == 31
             else when(h.as_of),
             "levels": [h.judgment(s.dimension).level_label for s in b.sections]}
            for h in b.history]


def _trajectory_chart(b: Briefing) -> str | None:
    draw = getattr(charts, "trajectory_chart", None)
    if draw is None or len(b.history) < 2:
        return None
    curated = pd.concat([b.reference, b.multilateral]) if len(b.multilateral) else b.reference
    events = None
    if len(curated):
        events = pd.DataFrame({"date": pd.to_datetime(curated.date),
                               "dimension": curated.dimension,
                               "label": [plain(t) for t in curated.event_type]})
    try:
        return draw(b.history, events)
    except Exception:  # noqa: BLE001 - a chart that cannot be drawn leaves the table
        return None


def _measure_rows(df: pd.DataFrame) -> list[dict]:
    rows = []
    for r in df.itertuples():
        period = (f"{when(r.period_start)} to {when(r.period_end)}"
                  if r.period_start is not None and r.period_end is not None else "")
        rows.append({"measure": plain(r.measure), "value": f"{_fmt(float(r.value), 0)} "
                     f"{plain(r.unit)}" if r.value is not None else "–",
                     "basis": plain(r.basis_label or r.basis), "period": period,
                     "as_of": when(r.as_of), "publisher": r.publisher,
                     "kind": plain(r.publisher_kind), "urls": list(r.source_urls or []),
                     "confidence": r.confidence})
    return rows


def _numbered(b: Briefing) -> list[tuple[str, str]]:
    """(anchor, numbered title) of every section in order; appendices unnumbered."""
    parts = [("judgments", "Key judgments"), ("partners", "Partners and trajectory"),
             *[(s.anchor, s.title) for s in b.sections]]
    if b.since:
        parts.append(("changed", "What changed"))
    parts.append(("outlook", "Outlook and indicators to watch"))
    if b.claims:
        parts.append(("claims", "Claims audit"))
    parts.append(("method", "Method and sources"))
    return [(anchor, f"{n}. {title}") for n, (anchor, title) in enumerate(parts, 1)]


def _context(b: Briefing) -> dict:
    dims, matrix = _matrix(b)
    return {
        "b": b, "a": b.assessment, "csp_meta": CSP_META, "scorecard": _scorecard(b),
        "titles": dict(_numbered(b)), "toc": _numbered(b), "matrix_dims": dims,
        "matrix": matrix, "trajectory": _trajectory_rows(b),
        "dim_titles": {s.dimension: s.title for s in b.sections},
        "stale": [f for f in b.freshness if f["stale"] and f["loaded"]],
        "per_period": EVIDENCE_PER_PERIOD, "fmt": _fmt, "plain": plain, "when": when,
        "country": lambda c: taxonomy.country_name(c) or c, "arrows": ARROWS,
        "label": lambda p: period_label(p, b.freq), "source_info": source_info,
        "evidence": [e for s in b.sections for e in s.evidence]}


def html(b: Briefing) -> str:
    """The briefing as one HTML file that renders offline: no scripts, no remote assets."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             finalize=template_value)
    env.filters["http_url"] = http_url
    env.filters["clip"] = _html_cell
    env.filters["plain"] = plain
    env.filters["when"] = when
    env.filters["words"] = words
    template = env.from_string(
        (resources.files("pivotwatch") / "data" / "templates" / "briefing.html.j2").read_text(
            encoding="utf-8"))
    sections = []
    for s in b.sections:
        chart = None
        if len(s.series):
            chart = charts.series_chart(s.series, s.reference, f"{s.title}: GDELT events per "
                                        "10,000 involving either country", b.freq, MIN_VOLUME)
        sections.append({"s": s, "measures": _measure_rows(s.measures), "chart": chart,
                         "panels": [(p, p.chart() if p.chart else None) for p in s.panels]})
    return template.render(**_context(b), sections=sections,
                           trajectory_chart=_trajectory_chart(b))


def _md_cell(c) -> str:
    """A table cell: text escaped and cut (`clip`), or links as [text](url) (http(s) only)."""
    if isinstance(c, list):
        return " ".join(md_link(clip(t), u) for t, u in c)
    return md_text(clip(c))


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(map(md_text, header)) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows), ""]


def _md_sources(urls) -> str:
    return " ; ".join(md_link(u[:60], u) for u in (urls if urls is not None else []))


def _md_evidence(e) -> str:
    text = md_text(f"{when(e.date)}: {clip(plain_evidence(e.text), 200)}")
    return text + (" " + md_link("source", e.url) if http_url(e.url) else "")


def markdown(b: Briefing) -> str:
    """The briefing as Markdown (tables, no charts), in the HTML's order. Every piece of data
    goes through `md_text`, `md_link` or `md_code`: no raw HTML or link syntax reaches it."""
    ctx = _context(b)
    titles, a = ctx["titles"], b.assessment
    out = [f"# {country_pair(b)}: briefing", ""]
    if a is not None:
        out += [f"Assessment as of {when(a.as_of)} ({md_text(a.as_of_basis)}); generated "
                f"{b.generated} by pivotwatch.", ""]
    out += [f"## {titles['judgments']}", "", f"**Bottom line.** {md_text(b.bottom_line)}", ""]
    if ctx["scorecard"]:
        out += _md_table(["dimension", "level", "direction", "confidence", "strongest evidence"],
                         [[r["title"], r["level"], f"{r['arrow']} {r['direction']}",
                           f"{r['confidence']} confidence",
                           (f"{r['evidence']['date']}: {clip(r['evidence']['text'], 160)}"
                            if r["evidence"] else "none")] for r in ctx["scorecard"]])
    if b.freshness:
        out += ["**Data freshness:** " + "; ".join(
            md_text(f"{f['name']} {when(f['latest']) if f['loaded'] else 'not loaded'}"
                    + (" (stale)" if f["stale"] and f["loaded"] else ""))
            for f in b.freshness), ""]
    out += [f"> Note: {md_text(n)}" for n in b.notes] + ([""] if b.notes else [])
    out += [f"## {titles['partners']}", ""]
    if ctx["matrix"]:
        out += _md_table(["partner", *ctx["matrix_dims"]],
                         [[r["name"] + (" (this pair)" if r["focus"] else ""),
                           *(c["level"] if c["nodata"] else f"{c['level']} {c['arrow']}"
                             for c in r["cells"])]
                          for r in ctx["matrix"]])
    if ctx["trajectory"]:
        out += ["Levels by year:", ""]
        out += _md_table(["as of", *(s.dimension for s in b.sections)],
                         [[t["year"], *t["levels"]] for t in ctx["trajectory"]])
    for s in b.sections:
        out += [f"## {titles[s.anchor]}", ""]
        j = s.judgment
        if j is not None:
            out += [f"**{j.level_label}, {j.direction.value}, {j.confidence.value} "
                    "confidence.**", ""]
            out += [f"- {md_text(r.summary)} ({md_text(r.source)}, {r.kind.value})"
                    for r in j.readings if r.level is not None]
            out += [f"- Caveat: {md_text(c)}" for c in j.caveats] + [""]
        for line in s.absent:
            out += [f"- {md_text(line)}"]
        out += [""] if s.absent else []
        if len(s.measures):
            out += ["### Published estimates", ""]
            out += _md_table(["measure", "value", "basis", "period", "published", "by"],
                             [[m["measure"], m["value"], m["basis"], m["period"], m["as_of"],
                               m["publisher"]] for m in _measure_rows(s.measures)])
        if len(s.reference):
            out += ["### Curated events", ""]
            out += [f"- {md_text(when(r.date, r.date_precision))} {md_text(plain(r.event_type))}: "
                    f"{md_text(clip(r.description))} ({md_text(r.confidence)}; "
                    f"{_md_sources(r.source_urls)})" for r in s.reference.itertuples()]
            out.append("")
        for p in s.panels:
            out += [f"### {md_text(p.title)}", "", *(md_text(line) for line in p.lead), ""]
            for t in p.tables:
                out += [f"*{md_text(t.caption)}*", ""]
                out += _md_table([plain(h) for h in t.header],
                                 [[words(c) for c in row]
                                  for row in t.rows])
            if p.limits:
                out += [f"> {md_text(p.limits)}", ""]
            if p.query:
                out += [f"Rows behind the figures: {md_code(p.query)}", ""]
        if len(s.series):
            out += ["### GDELT events", ""]
            out += _md_table(["period", "events", "cooperative", "conflictual", "per 10k"],
                             [[ctx["label"](r.period), f"{int(r.events):,}",
                               f"{int(r.cooperative):,}", f"{int(r.conflictual):,}",
                               _fmt(r.per_10k)] for r in s.series.itertuples()])
    if b.since:
        out += [f"## {titles['changed']}", "", f"Against {md_text(b.since)}:", ""]
        out += [f"- {md_text(c.dimension)}: {md_text(c.was)} → {md_text(c.now)}"
                + "".join(f"\n  - {_md_evidence(e)}" for e in c.evidence)
                for c in b.changes] or ["- No judgment moved."]
        out.append("")
    out += [f"## {titles['outlook']}", ""]
    out += _md_table(["dimension", "now", "would move it up", "would move it down",
                      "next updates"],
                     [[o.title, o.level, o.up, o.down, "; ".join(o.updates)]
                      for o in b.outlook]) if b.outlook else ["No assessment to project.", ""]
    if b.claims is not None:  # with `report --documents`
        from pivotwatch.report.audit_section import markdown_lines

        out += markdown_lines(b.claims, titles["claims"])
    out += [f"## {titles['method']}", ""]
    out += _md_table(["source", "files", "rows read", "kept", "rejected"],
                     [[s.source, s.files_loaded, f"{s.rows_read:,}", f"{s.rows_kept:,}",
                       f"{s.rows_rejected:,}"] for s in b.method["status"]])
    out += ["Levels, directions and confidence follow the rules in docs/assessment.md "
            f"(`pivotwatch assess --dyad {b.a}-{b.b}`). Curated tables are hand-compiled from "
            "cited sources; GDELT codes news reports, not events.", ""]
    out += ["## Appendix A. Curated timeline", ""]
    out += [md_text(f"- {when(r.date, r.date_precision)} {r.actor1}–{r.actor2 or ''} "
                    f"{r.dimension}, {plain(r.event_type)}: {clip(r.description)} "
                    f"[{r.confidence}]") + " " + _md_sources(r.source_urls)
            for r in b.reference.itertuples()] or ["None in this range."]
    out += ["", "## Appendix B. The rows behind the figures", ""]
    for block in ctx["evidence"]:
        out += [f"### {md_text(block.title)}", "", md_code(block.query), ""]
        out += _md_table(["event id", "day", "code", "mentions", "source"],
                         [[e["event_id"], e["day"], f"{e['event_code']} {e['event_label']}",
                           e["num_mentions"], [(e["source_url"][:60], e["source_url"])]
                           if http_url(e["source_url"]) else (e["source_url"] or "")[:200]]
                          for e in block.events])
    if not ctx["evidence"]:
        out += ["No GDELT events, so no event rows; each panel above gives its query.", ""]
    return "\n".join(out)


def country_pair(b: Briefing) -> str:
    return (f"{taxonomy.country_name(b.a) or b.a}–{taxonomy.country_name(b.b) or b.b}")
