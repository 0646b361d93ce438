"""The overview (`/`): each watched dyad's bottom line and scorecard, the latest alerts and
each source's freshness; and the data page (`/data`): files, rows, rejects and dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import PivotwatchError
from pivotwatch.web.site import Site


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


def _data(store) -> dict:
    from pivotwatch.analysis.freshness import freshness
    from pivotwatch.store.status import store_status

    return {"sources": store_status(store), "freshness": freshness(store, date.today())}


def routes(site: Site) -> list[Route]:
    async def overview(request: Request) -> Response:
        data = site.pages.get(("overview", site.dyads), _overview(site.dyads))
        return site.page(request, "overview.html.j2", **data)

    async def data_page(request: Request) -> Response:
        return site.page(request, "data.html.j2", **site.pages.get(("data",), _data))

    return [Route("/", overview), Route("/data", data_page)]
