"""The overview (`/`): each watched dyad's bottom line and scorecard, the latest alerts and
each source's freshness; and the data page (`/data`): files, rows, rejects and dates, the
rejected rows with their reasons (counts by source and reason, and a capped sample), and the
GDELT coverage by day with the days that have no counts.

The data page's state is the URL: `?from=2024-01-01&to=2024-06-30` (the coverage range; by
default the store's first to last GDELT day) and `?source=gdelt` (whose rejected rows the
sample shows)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import PivotwatchError
from pivotwatch.web.site import Chart, Grid, Site, param_day

REJECTS_SHOWN = 200  # rejected rows in the sample
GAPS_SHOWN = 500  # runs of days without counts in the table
DAYS_SHOWN = 400  # days in the per-day table (the latest of the range; the chart has all)
REASONS_SHOWN = 200  # (source, reason) rows, most rejected first within a source


def _overview(dyads: tuple[str, ...]) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.assessment import assess
        from pivotwatch.analysis.freshness import freshness

        rows = []
        for dyad in dyads:
            try:
                found = assess(dyad, store=store, compare=False)
            except PivotwatchError as exc:
                rows.append({"dyad": dyad, "error": str(exc)})
                continue
            rows.append({"dyad": dyad, "as_of": found.as_of, "bottom_line": found.bottom_line,
                         "judgments": [j.to_dict() for j in found.judgments]})
        alerts = []
        if store.has_table("watch_alerts"):
            from pivotwatch.watch.state import alerts as stored

            alerts = [a.to_dict() for a in stored(store, limit=10)]
        return {"dyads": rows, "alerts": alerts,
                "freshness": [f for f in freshness(store, date.today()) if f.rows]}
    return compute


def _data(source: str | None, start: date | None, end: date | None) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.coverage import daily_events, reject_counts, reject_sample
        from pivotwatch.analysis.freshness import freshness
        from pivotwatch.store.status import store_status

        sources = store_status(store)
        known = [s.source for s in sources]
        if source is not None and source not in known:
            raise HTTPException(400, f"source must be one of: {', '.join(known) or 'none'}")
        days = daily_events(store=store, start=start, end=end)
        return {"sources": sources, "freshness": freshness(store, date.today()),
                "reasons": reject_counts(store=store),
                "sample": reject_sample(store=store, limit=REJECTS_SHOWN, source=source),
                "days": days}
    return compute


def _reasons_grid(df) -> Grid:
    cut = f", the first {REASONS_SHOWN} of {len(df):,} shown" if len(df) > REASONS_SHOWN else ""
    return Grid("rejects", f"Rejected rows by source and reason{cut}", ["source", "reason",
                "rows rejected", "files"], df.values.tolist()[:REASONS_SHOWN],
                numeric=("rows rejected", "files"),
                note="A rejected row is kept with its file, line and reason, and counted in "
                     "no figure; a file whose rows are mostly rejected fails whole instead "
                     "(see Failed files).")


def _sample_grid(df, source: str | None) -> Grid:
    total = df.attrs["total"]
    which = f" of {source}" if source else ""
    return Grid("rejected-rows", f"Rejected rows{which}: {len(df):,} of {total:,} shown",
                ["source", "file", "line", "reason", "raw"], df.values.tolist(),
                numeric=("line",),
                note=f"At most {REJECTS_SHOWN} rows, by source, file and line, each row's "
                     "text cut short; the downloads hold the rows shown.")


def _coverage(days, start: date | None, end: date | None) -> tuple[Grid, Grid, Chart | None]:
    from pivotwatch.analysis.coverage import gaps

    held = list(days["day"])
    first, last = start or (min(held) if held else None), end or (max(held) if held else None)
    runs = gaps(held, first, last) if first and last else []
    cut = (f", the latest {DAYS_SHOWN} shown (narrow the range with from and to)"
           if len(held) > DAYS_SHOWN else "")
    per_day = Grid("coverage", f"GDELT events counted per day ({len(held):,} days with counts"
                   f"{cut})", ["day", "events"], days.values.tolist()[-DAYS_SHOWN:],
                   numeric=("events",),
                   note="Every row of every loaded file is counted here, before the country "
                        "filter: the volume that normalises the dyad series.")
    missing = Grid("gaps", f"Days with no GDELT counts from {first or '-'} to {last or '-'}: "
                   f"{sum(r[2] for r in runs):,} days in {len(runs):,} runs"
                   + (f", the first {GAPS_SHOWN} runs shown" if len(runs) > GAPS_SHOWN else ""),
                   ["first day", "last day", "days"], [list(r) for r in runs[:GAPS_SHOWN]],
                   numeric=("days",),
                   note="A day without counts is a day no loaded file covers: a gap in the "
                        "data, not a day without events. Raw counts over a partly covered "
                        "period read low; figures per 10,000 divide by the same partial "
                        "volume.")
    data = [{"day": d.isoformat(), "events": int(n)}
            for d, n in zip(days["day"], days["events"], strict=True)]
    if not data:
        return per_day, missing, None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": "GDELT events counted per day",
                      "subtitle": "days with no counts have no mark"},
            "width": 560, "height": 200, "data": {"values": data},
            "encoding": {"x": {"field": "day", "type": "temporal", "title": None},
                         "y": {"field": "events", "type": "quantitative", "title": "events"},
                         "tooltip": [{"field": "day", "type": "temporal"},
                                     {"field": "events", "format": ","}]},
            "layer": [{"mark": {"type": "rule", "color": "#0072B2"}},
                      {"mark": {"type": "point", "filled": True, "size": 18,
                                "color": "#0072B2"}}]}
    return per_day, missing, Chart("coverage", "GDELT events counted per day", spec)


def routes(site: Site) -> list[Route]:
    async def overview(request: Request) -> Response:
        data = site.pages.get(("overview", site.dyads), _overview(site.dyads))
        return site.page(request, "overview.html.j2", **data)

    async def data_page(request: Request) -> Response:
        start, end = param_day(request, "from"), param_day(request, "to", end=True)
        if start and end and start > end:
            raise HTTPException(400, "from is after to")
        source = request.query_params.get("source") or None
        data = site.pages.get(("data", source, start, end), _data(source, start, end))
        per_day, missing, chart = _coverage(data["days"], start, end)
        grids = [_reasons_grid(data["reasons"]), _sample_grid(data["sample"], source),
                 per_day, missing]
        return site.page(request, "data.html.j2", grids, charts=[chart] if chart else [],
                         stem="data", sources=data["sources"], freshness=data["freshness"],
                         source=source, start=start, end=end)

    return [Route("/", overview), Route("/data", data_page)]
