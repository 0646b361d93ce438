"""The dashboard's application: server-rendered pages over the store, read through the same
analysis functions as the CLI (no second implementation of any figure).

Each page module (`overview`, `dyad`, `alerts`, ...) gives its routes; `site.Site` holds what
they share: the templates, the page cache per store version and the tables that download as
shown. The store is opened read-only for each computation and closed after it, so a watcher
or an ingest can write between requests.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pivotwatch.errors import PivotwatchError, UsageError
from pivotwatch.web import (
    alerts,
    alignment,
    assets,
    claims,
    dyad,
    overview,
    sanctions,
    timeline,
    trade,
)
from pivotwatch.web.kept import Kept
from pivotwatch.web.security import Guard
from pivotwatch.web.site import Site

DEFAULT_DYADS = ("RUS-PRK", "RUS-CHN", "RUS-IRN", "RUS-IND", "RUS-VNM", "RUS-MNG")
MODULES = (overview, dyad, alerts, claims, timeline, alignment, trade, sanctions, assets)


def create_app(db: Path, *, dyads: tuple[str, ...] = DEFAULT_DYADS,
               token: str | None = None) -> Starlette:
    """The dashboard over the store at `db`; `token` (see web/security.py) when it is served
    beyond loopback."""
    site = Site(Path(db), dyads)

    async def problem(request: Request, exc: Exception) -> Response:
        # never a traceback: the status and one line
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", None) if status != 500 else None
        if isinstance(exc, UsageError):  # a view the data cannot make: says what to change
            status, detail = 400, str(exc)
        elif isinstance(exc, PivotwatchError):  # a library error may name the server's files
            status, detail = 503, "the page could not be made from this store"
        return site.render("problem.html.j2", status=status, code=status,
                           detail=detail or "the page could not be made")

    routes = [route for module in MODULES for route in module.routes(site)]
    app = Starlette(routes=routes, exception_handlers={
        HTTPException: problem, Exception: problem, PivotwatchError: problem})
    app.state.site = site  # what the pages share, for whoever holds the app (tests, warm-up)
    app.add_middleware(Kept, site=site)  # inner: behind the token and the headers
    app.add_middleware(Guard, token=token)
    return app
