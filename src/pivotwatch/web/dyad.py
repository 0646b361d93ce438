"""The dyad page (`/dyad/RUS-PRK`): the assessment (bottom line, scorecard, partner
comparison, trajectory) and one tab per dimension with its series (events per 10,000, so
that media volume does not read as closeness), its change points and the curated events
marked, and the signals and evidence that carry the dimension's judgment. Each period and
each change links to the events behind it (`/dyad/RUS-PRK/events`).

The view's state is the URL: `?dimension=military&freq=quarter&from=2020&to=2025&partners=
CHN,IRN`; every figure comes from `assess`, `history` and `changes`, the functions behind
`pivotwatch assess` and `pivotwatch changes`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import quote, urlencode

import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch import taxonomy
from pivotwatch.errors import UsageError
from pivotwatch.web.site import (
    Chart,
    Grid,
    Link,
    Site,
    param_choice,
    param_codes,
    param_day,
    param_dyad,
)

FREQS = ("week", "month", "quarter", "year")
TABS = ("all", *taxonomy.DIMENSIONS)
EVENTS_LIMIT = 200
HISTORY_START = 2015
LINE, CHANGE, CURATED = "#0072B2", "#D55E00", "#6a3d9a"


def events_href(dyad: str, dimension: str, first: date, last: date) -> str:
    query = {"dimension": dimension, "from": first.isoformat(), "to": last.isoformat()}
    return f"/dyad/{quote(dyad)}/events?{urlencode(query)}"


def _scorecard(found) -> Grid:
    rows = []
    for j in found.judgments:
        top = j.evidence[0] if j.evidence else None
        rows.append([Link(j.dimension, f"/dyad/{quote(found.dyad)}?dimension={j.dimension}"),
                     j.level_label, j.direction.value, j.confidence.value,
                     ", ".join(j.sources), top.text if top else "",
                     top.url if top else None])
    return Grid("scorecard", f"Scorecard as of {found.as_of}", ["dimension", "level",
                "direction", "confidence", "sources", "strongest evidence", "source"], rows,
                links=("source",), cards=True)


def _partners(found) -> Grid:
    """One row per partner, one column per dimension: level, direction, confidence."""
    dims = [j.dimension for j in found.judgments]
    table: dict[str, dict[str, str]] = {}
    for c in found.partners:
        label = "no data" if c.level is None else c.level.label
        table.setdefault(c.partner, {})[c.dimension] = (
            f"{label}, {c.direction.value}, {c.confidence.value}")
    rows = [[Link(p, f"/dyad/RUS-{quote(p)}") if found.dyad.startswith("RUS-") else p,
             *(cells.get(d, "") for d in dims)] for p, cells in table.items()]
    return Grid("partners", "The same judgments for the other partners, as of the same day "
                "(level, direction, confidence)", ["partner", *dims], rows,
                note="Each partner is judged by the same rules on the same sources; a partner "
                     "with thinner coverage reads lower without being less close.")


def _trajectory(history) -> Grid:
    """One row per as-of date, one column per dimension: level, direction, confidence."""
    dims = [j.dimension for j in history[0].judgments] if history else []
    rows = [[a.as_of, *(f"{j.level_label}, {j.direction.value}, {j.confidence.value}"
                        for j in a.judgments)] for a in history]
    return Grid("trajectory", f"Trajectory: the judgments as of each year end since "
                f"{HISTORY_START} (level, direction, confidence)", ["as of", *dims], rows)


def _trajectory_chart(history, dyad: str) -> Chart | None:
    data = [{"as_of": a.as_of.isoformat(), "dimension": j.dimension,
             "level": int(j.level) if j.level is not None else None, "label": j.level_label,
             "href": f"/dyad/{quote(dyad)}?dimension={j.dimension}"}
            for a in history for j in a.judgments if j.level is not None]
    if len(data) < 2:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{dyad}: level by dimension, as of each year end",
        "width": 560, "height": 200, "data": {"values": data},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "as_of", "type": "temporal", "title": None},
            "y": {"field": "level", "type": "quantitative", "title": "level (0 none – 4 very "
                  "high)", "scale": {"domain": [0, 4]}},
            "color": {"field": "dimension", "type": "nominal",
                      "legend": {"orient": "bottom", "columns": 3}},
            "tooltip": [{"field": "as_of", "type": "temporal"}, {"field": "dimension"},
                        {"field": "label", "title": "level"}]}}
    return Chart("trajectory", f"{dyad}: level of each dimension as of each year end", spec)


def _signals(found, dimension: str) -> tuple[Grid, Grid]:
    j = found.judgment(dimension)
    signals = [[r.signal, r.source, r.kind.value, r.level.label if r.level is not None
                else "no data", r.direction.value, r.value, r.baseline, r.unit, r.latest,
                "stale" if r.stale else "", r.summary] for r in j.readings]
    evidence = [[r.signal, e.source, e.key, e.date, e.text, e.url]
                for r in j.readings for e in r.evidence]
    caveats = " ".join(j.caveats)
    return (Grid("signals", f"What carries the {dimension} judgment ({j.level_label}, "
                 f"{j.direction.value}, {j.confidence.value} confidence)",
                 ["signal", "source", "kind", "level", "direction", "value", "baseline",
                  "unit", "latest", "stale", "summary"], signals,
                 numeric=("value", "baseline"), note=caveats, cards=True),
            Grid("evidence", f"The rows behind the {dimension} signals: measures, votes, "
                 "trade, fuel, designations, curated events", ["signal", "source", "key",
                 "date", "text", "url"], evidence, links=("url",), cards=True))


def _curated(store, found, dimension: str, start: date | None, end: date | None) -> list[dict]:
    from pivotwatch.analysis.dossier import load_dossier
    from pivotwatch.analysis.judgment import load_rules
    from pivotwatch.analysis.signals import pair_events

    focus, partner = found.dyad.split("-")
    rules = load_rules()
    d = load_dossier(store, focus, [partner])
    rows = [e for e in pair_events(d, partner) if e["day"] is not None
            and (dimension == "all" or dimension in rules.event_dimensions(e["event_type"],
                                                                           e["dimension"]))
            and (start is None or e["day"] >= start) and (end is None or e["day"] <= end)]
    return sorted(rows, key=lambda e: e["day"], reverse=True)


def _series_chart(dyad: str, dimension: str, freq: str, series: pd.DataFrame, changes,
                  curated: list[dict]) -> Chart | None:
    from pivotwatch.analysis.changes import period_end

    rows = series[series.per_10k.notna()]
    if len(rows) < 2:
        return None
    points = [{"period": p.isoformat(), "per_10k": float(v), "events": int(n),
               "href": events_href(dyad, dimension, p, period_end(p, freq))}
              for p, v, n in zip(rows.period, rows.per_10k, rows.events, strict=True)]
    first, last = rows.period.min(), period_end(rows.period.max(), freq)
    layers: list[dict] = [{
        "mark": {"type": "line", "point": True, "color": LINE},
        "data": {"values": points},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "title": None},
            "y": {"field": "per_10k", "type": "quantitative", "title": "events per 10,000"},
            "tooltip": [{"field": "period", "type": "temporal"},
                        {"field": "per_10k", "type": "quantitative", "format": ".2f"},
                        {"field": "events", "type": "quantitative"}]}}]
    marks = [{"period": c.period.isoformat(), "what": f"{c.kind} {c.direction}",
              "href": events_href(dyad, dimension, c.evidence_periods[0] if c.evidence_periods
                                  else c.period, period_end((c.evidence_periods or
                                                             [c.period])[-1], freq))}
             for c in changes]
    if marks:
        layers.append({"mark": {"type": "rule", "color": CHANGE, "strokeWidth": 2},
                       "data": {"values": marks},
                       "encoding": {"x": {"field": "period", "type": "temporal"},
                                    "tooltip": [{"field": "what", "title": "change"},
                                                {"field": "period", "type": "temporal"}]}})
    events = [{"day": e["day"].isoformat(), "what": f"{e['event_type']}: "
               f"{e['description']}"[:160]} for e in curated if first <= e["day"] <= last]
    if events:
        layers.append({"mark": {"type": "tick", "color": CURATED, "thickness": 2},
                       "data": {"values": events},
                       "encoding": {"x": {"field": "day", "type": "temporal"},
                                    "y": {"value": 0},
                                    "tooltip": [{"field": "day", "type": "temporal"},
                                                {"field": "what", "title": "curated event"}]}})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": f"{dyad} {dimension}: events per 10,000 per {freq}",
                      "subtitle": "line: GDELT; red rules: change points; purple ticks: "
                                  "curated events; click a point for its events"},
            "width": 560, "height": 220, "layer": layers}
    return Chart("series", f"{dyad} {dimension} events per 10,000 per {freq}, with change "
                 "points and curated events", spec)


def _tab(store, found, dimension: str, freq: str, start: date | None,
         end: date | None) -> dict:
    from pivotwatch.analysis.changes import changes, period_end

    dyad = found.dyad
    report = changes(dyad, store=store, dimensions=[dimension], freq=freq, start=start,
                     end=end, top=0)
    series = report.series[report.series.dimension == dimension].sort_values("period")
    thin = {t.period: t.reason for t in report.thin}
    rows = [[Link(p, events_href(dyad, dimension, p, period_end(p, freq))), int(n), v,
             int(vol) if pd.notna(vol) else None, thin.get(p, "")]
            for p, n, v, vol in zip(series.period, series.events, series.per_10k,
                                    series.volume, strict=True)]
    found_changes = report.changes
    change_rows = [[Link(c.period, events_href(
        dyad, dimension, (c.evidence_periods or [c.period])[0],
        period_end((c.evidence_periods or [c.period])[-1], freq))), c.kind, c.direction,
        c.before, c.after, c.ratio, c.z] for c in found_changes]
    curated = _curated(store, found, dimension, start, end)
    grids = [
        Grid("series", f"GDELT {dimension} events with the pair per {freq}",
             ["period", "events", "per 10k", "volume", "thin"], rows,
             numeric=("events", "per 10k", "volume"),
             note="Events per 10,000 events involving either country: a count of reports, "
                  "not of deeds; one story reported many times counts many times. Thin "
                  "periods (too few events) are not tested for changes."),
        Grid("changes", f"Change points in the {dimension} series", ["period", "kind",
             "direction", "before", "after", "ratio", "z"], change_rows,
             numeric=("before", "after", "ratio", "z"),
             note=" ".join(report.notes) or "Shifts and spikes found by "
                  "`pivotwatch changes` (PELT, penalty calibrated for 5% false shifts)."),
        Grid("curated", "Curated events" + ("" if dimension == "all" else
                                            f" filed under or speaking to {dimension}"),
             ["date", "type", "dimension", "description", "confidence", "source"],
             [[e["day"], e["event_type"], e["dimension"], e["description"], e["confidence"],
               e["url"]] for e in curated], links=("source",), cards=True),
    ]
    if dimension != "all":
        grids = [*_signals(found, dimension), *grids]
    chart = _series_chart(dyad, dimension, freq, series, found_changes, curated)
    return {"grids": grids, "charts": [chart] if chart else []}


def _page(site: Site, dyad: str, dimension: str, freq: str, start: date | None,
          end: date | None, partners: list[str] | None) -> dict:
    """The page's data in three parts, each cached on its own, so that a change of tab or
    range recomputes only the tab."""
    from pivotwatch.analysis.assessment import assess, history

    found = site.pages.get(("assess", dyad, tuple(partners or ())),
                           lambda store: assess(dyad, store=store, partners=partners))
    past = site.pages.get(("history", dyad, found.as_of), lambda store: history(
        dyad, store=store, start=HISTORY_START, until=found.as_of))
    tab = site.pages.get(("tab", dyad, dimension, freq, start, end, tuple(partners or ())),
                         lambda store: _tab(store, found, dimension, freq, start, end))
    grids = [_scorecard(found), *tab["grids"]]
    if found.partners:
        grids.append(_partners(found))
    grids.append(_trajectory(past))
    charts = [*tab["charts"]]
    if (trajectory := _trajectory_chart(past, dyad)) is not None:
        charts.append(trajectory)
    return {"assessment": found, "grids": grids, "charts": charts,
            "tab_grids": [g.name for g in tab["grids"]]}


def _events(dyad: str, dimension: str, start: date, end: date) -> Callable:
    def compute(store) -> Grid:
        from pivotwatch.analysis.changes import top_events

        a, b = dyad.split("-")
        found = top_events(store, a, b, None if dimension == "all" else dimension, start, end,
                           EVENTS_LIMIT)
        rows = [[e["event_id"], e["day"], e["event_code"], e["event_label"],
                 e["actor1_name"] or e["actor1_code"], e["actor2_name"] or e["actor2_code"],
                 e["goldstein"], e["num_mentions"], e["source_url"]] for e in found]
        return Grid("events", f"{dyad} {dimension} events from {start} to {end}, most "
                    f"mentioned first (at most {EVENTS_LIMIT})",
                    ["event id", "day", "code", "event", "actor 1", "actor 2", "goldstein",
                     "mentions", "source"], rows, links=("source",), cards=True,
                    numeric=("goldstein", "mentions"),
                    note="GDELT events are machine-coded from news reports: read the source "
                         "before trusting the code.")
    return compute


def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint's fetcher for the briefing: it is complete in itself (charts inline), so
    nothing named in it (a stranger's URL) is fetched."""
    raise ValueError(f"not fetched: {url[:80]}")


def _briefing(dyad: str, fmt: str, freq: str, start: date | None, end: date | None) -> Callable:
    def compute(store) -> bytes | str:
        from datetime import UTC, datetime

        from pivotwatch.report.briefing import build_briefing
        from pivotwatch.report.render import html

        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = html(build_briefing(store, dyad, freq=freq, start=start, end=end,
                                   generated=generated))
        if fmt == "html":
            return text
        import weasyprint

        return weasyprint.HTML(string=text, url_fetcher=_no_fetch).write_pdf()
    return compute


def routes(site: Site) -> list[Route]:
    async def dyad_page(request: Request) -> Response:
        dyad = param_dyad(request.path_params["dyad"])
        dimension = param_choice(request, "dimension", TABS, "all")
        freq = param_choice(request, "freq", FREQS, "month")
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        if start and end and start > end:
            raise HTTPException(400, "from is after to")
        partners = param_codes(request, "partners")
        try:
            data = _page(site, dyad, dimension, freq, start, end, partners)
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        return site.page(request, "dyad.html.j2", data["grids"], charts=data["charts"],
                         stem=f"{dyad}-{dimension}", dyad=dyad, tabs=TABS, freqs=FREQS,
                         dimension=dimension, freq=freq, start=start, end=end,
                         partners=partners, a=data["assessment"],
                         tab_grids=data["tab_grids"],
                         briefing_query=urlencode({k: v.isoformat() for k, v in
                                                   (("from", start), ("to", end)) if v}))

    async def events_page(request: Request) -> Response:
        dyad = param_dyad(request.path_params["dyad"])
        dimension = param_choice(request, "dimension", TABS, "all")
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        if start is None or end is None:
            raise HTTPException(400, "from and to are required")
        if start > end:
            raise HTTPException(400, "from is after to")
        grid = site.pages.get(("events", dyad, dimension, start, end),
                              _events(dyad, dimension, start, end))
        return site.page(request, "events.html.j2", [grid], stem=f"{dyad}-events",
                         dyad=dyad, dimension=dimension, start=start, end=end)

    async def briefing(request: Request) -> Response:
        dyad = param_dyad(request.path_params["dyad"])
        fmt = request.path_params["fmt"]
        if fmt not in ("html", "pdf"):
            raise HTTPException(404, "the briefing is .html or .pdf")
        freq = param_choice(request, "freq", ("year", "quarter", "month"), "year")
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        key = ("briefing", dyad, fmt, freq, start, end)
        try:
            body = site.pages.get(key, _briefing(dyad, fmt, freq, start, end))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        name = f"{dyad}-briefing.{fmt}"
        kind = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
        # an attachment: opened from the disk, not under this site's CSP
        return Response(body, media_type=kind,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return [Route("/dyad/{dyad}", dyad_page), Route("/dyad/{dyad}/events", events_page),
            Route("/dyad/{dyad}/briefing.{fmt}", briefing)]
