"""Render a Briefing as a self-contained HTML file (inline CSS and SVG) or as Markdown.

Names, descriptions, URLs and document text come from files written by others: the HTML is
autoescaped, starts with a Content-Security-Policy that forbids scripts, and links only
http(s) URLs; the Markdown escapes raw HTML and link, code and table syntax in every piece of
data (`pivotwatch.markup`). In both, control characters and bidi controls (U+202E) are
visible escapes, and a value longer than 300 characters is cut in a table cell ("… (N
characters)"; the store keeps it whole); HTML cells are bidi-isolated and wrap anywhere.
"""

from __future__ import annotations

import math
import re
from importlib import resources

import jinja2
from markupsafe import Markup, escape

from pivotwatch import taxonomy
from pivotwatch.analysis.changes import MIN_PERIODS
from pivotwatch.analysis.indicators import period_label
from pivotwatch.markup import (
    CSP_META,
    MAX_SHOWN_CHARS,
    clip,
    http_url,
    md_code,
    md_link,
    md_text,
    visible,
)
from pivotwatch.report import charts
from pivotwatch.report.briefing import (
    EVIDENCE_PER_PERIOD,
    MIN_VOLUME,
    RECENT,
    SIGNALS,
    Briefing,
    Section,
)


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}"


def _label(b: Briefing):
    return lambda p: period_label(p, b.freq)


def _rows(section: Section, b: Briefing, anchors: set[str]) -> list[dict]:
    label = _label(b)
    rows = []
    for r in section.series.itertuples():
        anchor = f"ev-{section.dimension}-{r.period.isoformat()}"
        rows.append({
            "label": label(r.period), "events": f"{int(r.events):,}",
            "link": f"#{anchor}" if anchor in anchors else None,
            "coop": f"{int(r.cooperative):,}", "confl": f"{int(r.conflictual):,}",
            "gold": _fmt(r.goldstein_mean), "per10k": _fmt(r.per_10k),
            "volume": f"{int(r.volume):,}", "days": f"{int(r.days_covered):,}"})
    return rows


def _partner_rows(b: Briefing) -> tuple[list[dict], list[dict]]:
    if b.partners is None or not len(b.partners):
        return [], []
    label = _label(b)
    shown = b.partners[b.partners.share.notna()]
    rows = [{"label": label(r.period), "partner": r.partner, "events": f"{int(r.events):,}",
             "share": f"{r.share:.0%}", "per10k": _fmt(r.per_10k),
             "rank": "–" if r.rank is None or (isinstance(r.rank, float) and math.isnan(r.rank))
             else int(r.rank)} for r in shown.itertuples()]
    trend = [{"partner": r.partner, "slope": _fmt(r.slope * 100 if not math.isnan(r.slope)
                                                  else r.slope),
              "ci": "–" if math.isnan(r.ci_low) else
              f"{r.ci_low * 100:+.1f} to {r.ci_high * 100:+.1f}",
              "periods": r.periods, "note": r.note}
             for r in (b.partner_trend.itertuples() if b.partner_trend is not None else [])]
    return rows, trend


def _finalize(value):
    """Every {{ value }} of the template: a string (not markup we made) with its controls and
    bidi controls as visible escapes, before autoescape; tab and newline show as space."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep="\t\n")
    return value


# an unbroken run this long would make its table column wider than a phone's screen
_LONG_RUN = re.compile(r"\S{30,}")


def _html_cell(value: object, limit: int = MAX_SHOWN_CHARS) -> Markup:
    """A value from data in a table cell (the template's |clip): cut when long, escaped, and
    in <span class="wrap"> (wraps anywhere) when it holds a long unbroken run, so ordinary
    words are never broken and no value widens the page."""
    text = clip(value, limit)
    shown = escape(visible(text, keep="\t\n"))
    return Markup(f'<span class="wrap">{shown}</span>') if _LONG_RUN.search(text) else shown


def html(b: Briefing) -> str:
    """The briefing as one HTML file that renders offline: no scripts, no remote assets."""
    evidence = [*b.picture.evidence, *(e for s in b.sections for e in s.evidence)]
    anchors = {e.anchor for e in evidence}
    sections = []
    for s in b.sections:
        sections.append({
            "anchor": s.anchor, "title": s.title, "dimension": s.dimension,
            "aspects": [(a, d, link if link is None or link[1:] in anchors else None)
                        for a, d, link in s.aspects],
            "changes": s.changes, "change_status": s.change_status, "reference": s.reference,
            "panels": [(p, p.chart() if p.chart else None) for p in s.panels],
            "chart": charts.series_chart(s.series, s.reference, f"{s.title}: per 10k", b.freq,
                                         MIN_VOLUME)})
    partner_rows, trend_rows = _partner_rows(b)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             finalize=_finalize)
    env.filters["http_url"] = http_url
    env.filters["clip"] = _html_cell
    template = env.from_string(
        (resources.files("pivotwatch") / "data" / "templates" / "briefing.html.j2").read_text(
            encoding="utf-8"))
    toc = [("judgments", "Key judgments"), ("picture", "Strategic picture"),
           *[(s.anchor, s.title) for s in b.sections], ("outlook", "Outlook"),
           ("watch", "Indicators to watch"),
           *([("claims", "Claims audit")] if b.claims else []), ("method", "Method and sources"),
           ("reference", "Reference timeline"), ("evidence", "Evidence")]
    return template.render(
        b=b, csp_meta=CSP_META, toc=toc, sections=sections, evidence=evidence,
        per_period=EVIDENCE_PER_PERIOD,
        overview_rows=_rows(b.picture, b, anchors),
        overview_chart=charts.series_chart(b.picture.series, b.reference,
                                           f"{b.a}–{b.b}: all events per 10k", b.freq,
                                           MIN_VOLUME),
        cooperation_chart=charts.series_chart(
            b.picture.series[b.picture.series.events > 0], b.reference,
            f"{b.a}–{b.b}: cooperation index (mean Goldstein, -10 conflict to +10 "
            "cooperation)", b.freq, MIN_VOLUME, value="goldstein_mean", axis="mean Goldstein"),
        reference_chart=charts.reference_chart(
            b.reference, f"{b.a}–{b.b}: curated reference events by year"),
        partner_rows=partner_rows, trend_rows=trend_rows, min_periods=MIN_PERIODS,
        signals=list(SIGNALS.items()), fmt=_fmt, label=_label(b), recent=RECENT,
        country=lambda c: taxonomy.country_name(c) or c)


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


def markdown(b: Briefing) -> str:
    """The briefing as Markdown (tables, no charts). Every piece of data goes through
    `md_text`, `md_link` or `md_code`: no raw HTML or link syntax from a file reaches it."""
    label = _label(b)
    out = [f"# {b.a}–{b.b}: an evidence-backed briefing", "",
           f"{b.start or 'all dates'} to {b.end or 'latest'}, by {b.freq}; generated "
           f"{b.generated} by pivotwatch.", "", "## 1. Key judgments", ""]
    out += [f"- {md_text(j.text)} (*{md_text(j.confidence)}*)" for j in b.judgments] + [""]
    out += ["Confidence: high ≥200 events over ≥8 periods, medium ≥30 over ≥4, low fewer; "
            "recorded = counted from recorded UN votes, curated = hand-compiled reference tables "
            "with cited sources, listed = published sanctions lists as of their dates.", ""]
    out += [f"> Note: {md_text(n)}" for n in b.notes] + ([""] if b.notes else [])
    out += ["## 2. The strategic picture", ""]
    out += _md_table(["period", "events", "cooperative", "conflictual", "per 10k", "volume",
                      "days with data"],
                     [[r["label"], r["events"], r["coop"], r["confl"], r["per10k"],
                       r["volume"], r["days"]] for r in _rows(b.picture, b, set())])
    partner_rows, trend_rows = _partner_rows(b)
    if partner_rows:
        out += ["### Partner ranking", "", md_text(b.partner_note), ""]
        out += _md_table(["period", "partner", "events", "share", "per 10k", "rank"],
                         [[r["label"], r["partner"], r["events"], r["share"], r["per10k"],
                           r["rank"]] for r in partner_rows])
    for n, s in enumerate(b.sections, 3):
        out += [f"## {n}. {md_text(s.title)}", ""]
        out += _md_table(["aspect", "details"], [[a, d] for a, d, _ in s.aspects])
        for c in s.changes:
            out.append(f"- {md_text(c.kind)} {md_text(c.direction)} in {label(c.period)}: "
                       f"{_fmt(c.before)} → {_fmt(c.after)} per 10k")
        for p in s.panels:
            out += [f"### {md_text(p.title)}", "", *(md_text(line) for line in p.lead), ""]
            for t in p.tables:
                out += [f"*{md_text(t.caption)}*", ""]
                out += _md_table(t.header, t.rows)
            if p.limits:
                out += [f"> {md_text(p.limits)}", ""]
            if p.query:
                out += [f"Rows behind the figures: {md_code(p.query)}", ""]
        if len(s.reference):
            out += ["", "Curated reference events:", ""]
            out += [f"- {md_text(r.date)} {md_text(r.event_type)}: {md_text(clip(r.description))} "
                    f"({md_text(r.confidence)}; {_md_sources(r.source_urls)})"
                    for r in s.reference.itertuples()]
        out.append("")
    out += ["## 8. Outlook", "", *map(md_text, b.outlook), "", "## 9. Indicators to watch", ""]
    out += _md_table(["indicator", "what happened", "what it would signal"],
                     [list(w) for w in b.watch]) if b.watch else [
        "No series crossed a threshold or changed level in this range.", ""]
    if b.claims is not None:  # with `report --documents`
        from pivotwatch.report.audit_section import markdown_lines

        out += markdown_lines(b.claims)
    out += ["## 10. Method and sources", ""]
    out += _md_table(["source", "files", "rows read", "kept", "rejected"],
                     [[s.source, s.files_loaded, f"{s.rows_read:,}", f"{s.rows_kept:,}",
                       f"{s.rows_rejected:,}"] for s in b.method["status"]])
    out += ["Volume = events involving either country (every GDELT row loaded); per 10k = "
            "events / volume × 10,000. Duplicate reports, media growth and actor-coding errors "
            "limit every figure; curated reference events are never counted with GDELT.", ""]
    out += ["## Appendix A. Curated reference timeline", ""]
    out += [md_text(f"- {r.date} ({r.date_precision}) {r.actor1}–{r.actor2 or ''} "
                    f"{r.dimension}/{r.event_type}: {clip(r.description)} [{r.confidence}]")
            + " " + _md_sources(r.source_urls)
            for r in b.reference.itertuples()] or ["None in this range."]
    out += ["", "## Appendix B. The rows behind the figures", ""]
    for block in [*b.picture.evidence, *(e for s in b.sections for e in s.evidence)]:
        out += [f"### {md_text(block.title)}", "", md_code(block.query), ""]
        out += _md_table(["event id", "day", "code", "mentions", "source"],
                         [[e["event_id"], e["day"], f"{e['event_code']} {e['event_label']}",
                           e["num_mentions"], [(e["source_url"][:60], e["source_url"])]
                           if http_url(e["source_url"]) else (e["source_url"] or "")[:200]]
                          for e in block.events])
    return "\n".join(out)
