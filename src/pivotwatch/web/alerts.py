"""The alerts page (`/alerts`, filtered by dyad, rule and severity) and the same alerts as an
Atom feed at a stable URL (`/alerts.atom`)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import UsageError
from pivotwatch.web.site import Site

LIMIT = 500


def _alerts(dyad: str | None, rule: str | None, severity: str | None) -> Callable:
    def compute(store) -> list:
        if not store.has_table("watch_alerts"):
            return []
        from pivotwatch.watch.state import alerts as stored

        return stored(store, dyad=dyad, rule=rule, severity=severity, limit=LIMIT)
    return compute


def _shown(alert) -> dict:
    """An alert for the page: its record, and its figures as (name, before, after) rows."""
    d = alert.to_dict()
    names = list(dict.fromkeys([*alert.before, *alert.after]))
    d["figures"] = [(n, alert.before.get(n, ""), alert.after.get(n, "")) for n in names]
    return d


def routes(site: Site) -> list[Route]:
    async def alerts_page(request: Request) -> Response:
        from pivotwatch.watch.state import alert_filters

        q = request.query_params
        try:
            filters = alert_filters(q.get("dyad"), q.get("rule"), q.get("severity"))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        found = site.pages.get(("alerts", *filters), _alerts(*filters))
        return site.page(request, "alerts.html.j2", alerts=[_shown(a) for a in found],
                         filters=dict(zip(("dyad", "rule", "severity"), filters, strict=True)))

    async def alerts_feed(request: Request) -> Response:
        from pivotwatch.watch.atom import feed_xml

        found = site.pages.get(("alerts", None, None, None), _alerts(None, None, None))
        return Response(feed_xml(found, title="pivotwatch alerts"),
                        media_type="application/atom+xml")

    return [Route("/alerts", alerts_page), Route("/alerts.atom", alerts_feed)]
