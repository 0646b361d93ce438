"""The timeline (`/timeline`): the curated events between a pair and the dated measures
published about it (munitions containers, troops, port calls...), each with its source,
filterable by dimension, type (an event type or a measure name) and date.

The view's state is the URL: `?dyad=RUS-PRK&dimension=military&type=arms_transfer&from=2023
&to=2024`. The events are the pair's curated events as the assessment reads them
(`load_dossier`, `pair_events`), filed under a dimension or speaking to it by their type
(`event_weights.csv`), as on the dyad page; the measures are `pivotwatch measures`' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch import taxonomy
from pivotwatch.errors import UsageError
from pivotwatch.web.params import param_pair
from pivotwatch.web.site import Chart, Grid, Link, Site, param_choice, param_day, with_query

DIMENSIONS = ("all", *taxonomy.DIMENSIONS)
DEFAULT_DYAD = "RUS-PRK"


def pair_record(dyad: str) -> Callable:
    """The pair's curated events (each with the dimensions it speaks to) and published
    measures: everything this page filters, and what the dyad page's tabs mark. Computed once
    per store version under the key ("timeline", dyad)."""
    def compute(store) -> dict:
        from pivotwatch.analysis.dossier import load_dossier
        from pivotwatch.analysis.judgment import load_rules
        from pivotwatch.analysis.measures import measures
        from pivotwatch.analysis.signals import pair_events

        focus, partner = dyad.split("-")
        rules = load_rules()
        events = sorted((e for e in pair_events(load_dossier(store, focus, [partner]), partner)
                         if e["day"] is not None), key=lambda e: (e["day"], e["key"]))
        for e in events:
            e["dimensions"] = rules.event_dimensions(e["event_type"], e["dimension"])
        found = measures(focus, partner, store=store)
        return {"events": events, "measures": found.to_dict(orient="records")}
    return compute


def _within(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def _events_grid(events: list[dict], dyad: str, narrow: Callable[..., str]) -> Grid:
    """`narrow(key=value)`: this view's URL with one more filter, for the type and dimension
    cells."""
    rows = [[e["day"], Link(e["event_type"], narrow(type=e["event_type"])),
             Link(e["dimension"], narrow(dimension=e["dimension"])),
             ", ".join(e["dimensions"][1:]),
             e["actor1"], e["actor2"], e["description"], e["confidence"], e["url"]]
            for e in events]
    return Grid("events", f"Curated {dyad} events, oldest first",
                ["date", "type", "dimension", "also speaks to", "actor 1", "actor 2",
                 "description", "confidence", "source"], rows, links=("source",), cards=True,
                note="A curated timeline records what was reported and sourced, not "
                     "everything that happened; a date of a month or a year stands for its "
                     "first day. An event counts under its own dimension and those its type "
                     "speaks to (event_weights.csv).")


def _measures_grid(rows: list[dict], dyad: str, narrow: Callable[..., str]) -> Grid:
    return Grid("measures", f"Published {dyad} measures, by measure, publisher and "
                "publication date", ["measure", "flow", "published", "period start",
                                     "period end", "value", "unit", "change", "basis",
                                     "publisher", "confidence", "source"],
                [[Link(m["measure"], narrow(type=m["measure"])),
                  f"{m['from_country']}→{m['to_country']}", m["as_of"],
                  m["period_start"], m["period_end"], m["value"], m["unit"], m["change"],
                  m["basis_label"], m["publisher"], m["confidence"],
                  m["source_urls"][0] if m["source_urls"] else None] for m in rows],
                links=("source",), numeric=("value", "change"), cards=True,
                note="One row per published figure, never added: two publishers' counts of "
                     "the same flow overlap by an unknown amount, and a bound is not a count. "
                     "change compares a figure only with the previous one of the same "
                     "measure, publisher and basis (pivotwatch measures).")


def _chart(events: list[dict], dyad: str) -> Chart | None:
    data = [{"day": e["day"].isoformat(), "dimension": e["dimension"],
             "what": f"{e['event_type']}: {e['description']}"[:160]} for e in events]
    if not data:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": f"{dyad}: curated events by the dimension they are filed under",
            "width": 560, "height": {"step": 26}, "data": {"values": data},
            "mark": {"type": "circle", "size": 70, "opacity": 0.75},
            "encoding": {
                "x": {"field": "day", "type": "temporal", "title": None,
                      "axis": {"format": "%Y-%m", "labelOverlap": True}},
                "y": {"field": "dimension", "type": "nominal", "title": None,
                      "sort": list(taxonomy.DIMENSIONS)},
                "color": {"field": "dimension", "type": "nominal", "legend": None},
                "tooltip": [{"field": "day", "type": "temporal"},
                            {"field": "what", "title": "event"}]}}
    return Chart("events", f"{dyad}: curated events over time, one row per dimension", spec)


def routes(site: Site) -> list[Route]:
    async def timeline(request: Request) -> Response:
        dyad = param_pair(request, "dyad", DEFAULT_DYAD)
        dimension = param_choice(request, "dimension", DIMENSIONS, "all")
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        if start and end and start > end:
            raise HTTPException(400, "from is after to")
        try:
            data = site.pages.get(("timeline", dyad), pair_record(dyad))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        types = sorted({e["event_type"] for e in data["events"]}
                       | {m["measure"] for m in data["measures"]})
        kind = request.query_params.get("type") or None
        if kind is not None and kind not in types:
            raise HTTPException(400, f"type must be an event type or a measure of {dyad} "
                                "(the page lists them)")
        events = [e for e in data["events"] if _within(e["day"], start, end)
                  and (dimension == "all" or dimension in e["dimensions"])
                  and kind in (None, e["event_type"])]
        found = [m for m in data["measures"] if _within(m["as_of"], start, end)
                 and dimension in ("all", m["dimension"]) and kind in (None, m["measure"])]
        def narrow(**changes) -> str:
            return with_query(request, **changes)

        grids = [_events_grid(events, dyad, narrow), _measures_grid(found, dyad, narrow)]
        chart = _chart(events, dyad)
        return site.page(request, "timeline.html.j2", grids, charts=[chart] if chart else [],
                         stem=f"{dyad}-timeline", dyad=dyad, dimension=dimension,
                         dimensions=DIMENSIONS, kind=kind, types=types, start=start, end=end)

    return [Route("/timeline", timeline)]
