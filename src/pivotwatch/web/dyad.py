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
from starlette.responses import RedirectResponse, Response
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
from pivotwatch.web.timeline import pair_record

FREQS = ("week", "month", "quarter", "year")
TABS = ("all", *taxonomy.DIMENSIONS)
EVENTS_LIMIT = 200
HISTORY_START = 2015
AXIS = {"format": "%Y-%m", "labelOverlap": True}  # a year always shown, however narrow
LINE, CHANGE, CURATED, MEASURE = "#0072B2", "#D55E00", "#6a3d9a", "#009E73"


def events_href(dyad: str, dimension: str, first: date, last: date) -> str:
    query = {"dimension": dimension, "from": first.isoformat(), "to": last.isoformat()}
    return f"/dyad/{quote(dyad)}/events?{urlencode(query)}"


def _scorecard(found) -> Grid:
    rows = []
    for j in found.judgments:
        top = j.evidence[0] if j.evidence else None
        rows.append([Link(j.dimension,
                          f"/dyad/{quote(found.dyad)}?dimension={j.dimension}#tab"),
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


LEVEL_COLOURS = ["#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]  # none .. very high


def _trajectory_chart(history, dyad: str) -> Chart | None:
    """Each dimension's level as of each year end: one row per dimension, one cell per year
    (lines of six dimensions on five levels would hide each other)."""
    data = [{"as_of": a.as_of.isoformat(), "year": str(a.as_of.year), "dimension": j.dimension,
             "level": int(j.level), "label": j.level_label, "direction": j.direction.value,
             "href": f"/dyad/{quote(dyad)}?dimension={j.dimension}#tab"}
            for a in history for j in a.judgments if j.level is not None]
    if len(data) < 2:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"{dyad}: level by dimension, as of each year end",
                  "subtitle": "darker: closer; blank: no data; click a cell for its tab"},
        "width": 560, "data": {"values": data}, "mark": {"type": "rect", "stroke": "#fff"},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "as of the end of"},
            "y": {"field": "dimension", "type": "nominal", "title": None},
            "color": {"field": "label", "type": "ordinal", "title": "level",
                      "scale": {"domain": ["none", "low", "moderate", "high", "very high"],
                                "range": LEVEL_COLOURS},
                      "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "as_of", "title": "as of"}, {"field": "dimension"},
                        {"field": "label", "title": "level"}, {"field": "direction"}]}}
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


def _curated(record: dict, dimension: str, start: date | None,
             end: date | None) -> list[dict]:
    """The pair's curated events filed under or speaking to the dimension, newest first."""
    rows = [e for e in record["events"]
            if (dimension == "all" or dimension in e["dimensions"])
            and (start is None or e["day"] >= start) and (end is None or e["day"] <= end)]
    return sorted(rows, key=lambda e: e["day"], reverse=True)


def _measures(record: dict, dimension: str, start: date | None,
              end: date | None) -> list[dict]:
    """The published estimates between the pair in the dimension (`pivotwatch measures`),
    each dated by the end of its period, newest first."""
    rows = []
    for r in record["measures"]:
        if dimension != "all" and r["dimension"] != dimension:
            continue
        day = pd.Timestamp(r["period_end"] if pd.notna(r.get("period_end")) else
                           r["as_of"]).date()
        if (start is None or day >= start) and (end is None or day <= end):
            rows.append({**r, "day": day})
    return sorted(rows, key=lambda r: r["day"], reverse=True)


def _segments(series: pd.DataFrame, freq: str) -> list[int]:
    """A segment number per period: a period with no data or no volume, or a gap between
    periods, breaks the line, so that it is never drawn across missing time."""
    from pivotwatch.analysis.changes import next_period

    out, seg, previous = [], 0, None
    for p, v, vol in zip(series.period, series.per_10k, series.volume, strict=True):
        if pd.isna(v) or not vol or (previous is not None and next_period(previous, freq) != p):
            seg += 1
        out.append(seg)
        previous = p
    return out


def _series_chart(dyad: str, dimension: str, freq: str, series: pd.DataFrame, changes,
                  curated: list[dict], measured: list[dict]) -> Chart | None:
    """The GDELT series with the change points, the curated events and the published
    estimates marked on one time axis: the record that carries the judgment shows even where
    GDELT is silent."""
    from pivotwatch.analysis.changes import period_end

    layers: list[dict] = []
    usable = series.assign(segment=_segments(series, freq))
    usable = usable[usable.per_10k.notna() & (usable.volume > 0)]
    if not usable.events.sum():  # no event of the pair: a line at zero would say nothing
        usable = usable.iloc[0:0]
    if len(usable):
        points = [{"period": p.isoformat(), "per_10k": float(v), "events": int(n),
                   "segment": int(g), "href": events_href(dyad, dimension, p,
                                                          period_end(p, freq))}
                  for p, v, n, g in zip(usable.period, usable.per_10k, usable.events,
                                        usable.segment, strict=True)]
        layers.append({
            "mark": {"type": "line", "point": True, "color": LINE},
            "data": {"values": points},
            "encoding": {
                "x": {"field": "period", "type": "temporal", "title": None, "axis": AXIS},
                "y": {"field": "per_10k", "type": "quantitative",
                      "title": "GDELT events per 10,000"},
                "detail": {"field": "segment", "type": "nominal"},
                "tooltip": [{"field": "period", "type": "temporal"},
                            {"field": "per_10k", "type": "quantitative", "format": ".2f"},
                            {"field": "events", "type": "quantitative"}]}})
    marks = [{"period": c.period.isoformat(), "what": f"{c.kind} {c.direction}",
              "href": events_href(dyad, dimension, (c.evidence_periods or [c.period])[0],
                                  period_end((c.evidence_periods or [c.period])[-1], freq))}
             for c in changes]
    if marks:
        layers.append({"mark": {"type": "rule", "color": CHANGE, "strokeWidth": 2},
                       "data": {"values": marks},
                       "encoding": {"x": {"field": "period", "type": "temporal"},
                                    "tooltip": [{"field": "what", "title": "change"},
                                                {"field": "period", "type": "temporal"}]}})
    def on_timeline(day: date) -> str:
        return f"/timeline?{urlencode({'dyad': dyad, 'from': day, 'to': day})}"

    dated = [{"day": e["day"].isoformat(), "kind": "curated event",
              "what": f"{e['event_type']}: {e['description']}"[:160],
              "href": on_timeline(e["day"])} for e in curated]
    dated += [{"day": m["day"].isoformat(), "kind": "published estimate",
               "what": f"{m['measure']}: {m['value']:g} {m['unit']} ({m['publisher']})"[:160],
               "href": on_timeline(m["day"])}
              for m in measured if m.get("value") is not None]
    if dated:
        layers.append({"mark": {"type": "tick", "thickness": 3, "size": 16},
                       "data": {"values": dated},
                       "encoding": {"x": {"field": "day", "type": "temporal", "title": None,
                                          "axis": AXIS},
                                    "y": {"field": "kind", "type": "nominal", "title": None},
                                    "color": {"field": "kind", "type": "nominal",
                                              "scale": {"range": [CURATED, MEASURE]},
                                              "legend": {"orient": "bottom", "title": None}},
                                    "tooltip": [{"field": "day", "type": "temporal"},
                                                {"field": "kind"},
                                                {"field": "what"}]}})
    if not layers:
        return None
    parts = (["line: GDELT (breaks where there is no data)"] if len(usable) else
             ["no GDELT events of the pair in this range"])
    parts += ["red rules: change points"] if marks else []
    parts += ["ticks: curated events and published estimates"] if dated else []
    title = {"text": f"{dyad} {dimension} per {freq}",
             "subtitle": "; ".join(parts) + ("; click a point for its events"
                                             if len(usable) else "")}
    if len(usable) and dated:  # the series above, the dated record below, one time axis
        spec = {"vconcat": [{"layer": layers[:-1], "width": 560, "height": 200},
                            {**layers[-1], "width": 560, "height": 50}],
                "resolve": {"scale": {"x": "shared"}}}
    elif dated:
        spec = {**layers[-1], "width": 560, "height": 50}
    else:
        spec = {"layer": layers, "width": 560, "height": 200}
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            **spec}
    return Chart("series", f"{dyad} {dimension} per {freq}: GDELT events per 10,000, change "
                 "points, curated events and published estimates", spec)


def _tab(store, found, record: dict, dimension: str, freq: str, start: date | None,
         end: date | None) -> dict:
    from pivotwatch.analysis.changes import changes, period_end

    dyad = found.dyad
    report = changes(dyad, store=store, dimensions=[dimension], freq=freq, start=start,
                     end=end, top=0)
    series = report.series[report.series.dimension == dimension].sort_values("period")
    thin = {t.period: t.reason for t in report.thin}
    rows = [[Link(p, events_href(dyad, dimension, p, period_end(p, freq))) if n else p,
             int(n), v, int(vol) if pd.notna(vol) else None, thin.get(p, "")]
            for p, n, v, vol in zip(series.period, series.events, series.per_10k,
                                    series.volume, strict=True)]
    if not series.events.sum():  # rows of zeros would read as measured silence
        rows = []
    found_changes = report.changes
    change_rows = [[Link(c.period, events_href(
        dyad, dimension, (c.evidence_periods or [c.period])[0],
        period_end((c.evidence_periods or [c.period])[-1], freq))), c.kind, c.direction,
        c.before, c.after, c.ratio, c.z] for c in found_changes]
    curated = _curated(record, dimension, start, end)
    measured = _measures(record, dimension, start, end)
    grids = [
        Grid("series", f"GDELT {dimension} events with the pair per {freq}"
             + ("" if rows else ": none in this range"),
             ["period", "events", "per 10k", "volume", "thin (all dimensions)"], rows,
             numeric=("events", "per 10k", "volume"),
             note="Events per 10,000 events involving either country (volume): a count of "
                  "reports, not of deeds; one story reported many times counts many times. "
                  "A period is thin when the pair has too few events in all dimensions "
                  "together, or no data or no volume; thin periods are not tested for "
                  "changes."),
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
        Grid("measures", "Published estimates" + ("" if dimension == "all" else
                                                  f" filed under {dimension}"),
             ["date", "measure", "from", "to", "value", "unit", "basis", "publisher",
              "confidence", "source"],
             [[m["day"], m["measure"], m["from_country"], m["to_country"], m["value"],
               m["unit"], m["basis_label"], m["publisher"], m["confidence"],
               next(iter(m["source_urls"] if m["source_urls"] is not None else []), None)]
              for m in measured], links=("source",), numeric=("value",), cards=True,
             note="Estimates as published, each dated by the end of the period it covers; "
                  "publishers differ in method and reach (see `pivotwatch measures`)."),
    ]
    if dimension != "all":
        grids = [*_signals(found, dimension), *grids]
    chart = _series_chart(dyad, dimension, freq, series, found_changes, curated, measured)
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
    record = site.pages.get(("timeline", dyad), pair_record(dyad))  # shared with /timeline
    tab = site.pages.get(("tab", dyad, dimension, freq, start, end, tuple(partners or ())),
                         lambda store: _tab(store, found, record, dimension, freq, start,
                                            end))
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


def canonical(request: Request, dyad: str) -> Response:
    """A redirect to the same view under the dyad's canonical spelling (rus-prk -> RUS-PRK);
    PRK-RUS stays itself: the other country's view of the pair."""
    path = request.url.path.replace(quote(request.path_params["dyad"]), quote(dyad), 1)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path + query, status_code=308)


def routes(site: Site) -> list[Route]:
    async def dyad_page(request: Request) -> Response:
        dyad = param_dyad(request.path_params["dyad"])
        if dyad != request.path_params["dyad"]:  # one address per view: /dyad/RUS-PRK
            return canonical(request, dyad)
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
        if dyad != request.path_params["dyad"]:
            return canonical(request, dyad)
        dimension = param_choice(request, "dimension", TABS, "all")
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        if start is None or end is None:
            raise HTTPException(400, "from and to are required")
        if start > end:
            raise HTTPException(400, "from is after to")
        grid = site.pages.get(("events", dyad, dimension, start, end),
                              _events(dyad, dimension, start, end))
        back = f"/dyad/{quote(dyad)}" + (f"?dimension={dimension}#tab"
                                          if dimension != "all" else "")
        return site.page(request, "events.html.j2", [grid], stem=f"{dyad}-events",
                         dyad=dyad, dimension=dimension, start=start, end=end, back=back)

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
