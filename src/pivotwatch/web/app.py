"""The dashboard's application: server-rendered pages over the store, read through the same
analysis functions as the CLI (no second implementation of any figure).

Each page is computed once per store version (the file's size and modification time), so a
reload or a second reader costs nothing until the data change; a watcher cycle or an ingest
changes the version. The store is opened read-only for each computation and closed after it,
so a watcher or an ingest can write between requests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FunctionLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from pivotwatch.errors import PivotwatchError, StoreError, UsageError
from pivotwatch.markup import http_url
from pivotwatch.store.store import open_store
from pivotwatch.web.security import Guard

DEFAULT_DYADS = ("RUS-PRK", "RUS-CHN", "RUS-IRN", "RUS-IND", "RUS-VNM", "RUS-MNG")
CACHE_ENTRIES = 64


def _template(name: str) -> str | None:
    resource = files("pivotwatch") / "data" / "web" / name
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def environment() -> Environment:
    env = Environment(loader=FunctionLoader(_template), autoescape=select_autoescape(
        default=True, default_for_string=True))
    env.filters["link"] = http_url  # only http(s) URLs become links
    return env


class Pages:
    """Page data computed per store version, kept for the `CACHE_ENTRIES` latest asks."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.lock = threading.Lock()
        self.cache: OrderedDict[tuple, object] = OrderedDict()

    def version(self) -> tuple[int, int]:
        try:
            stat = self.db.stat()
        except OSError:
            raise StoreError(f"no store at {self.db}") from None
        wal = Path(f"{self.db}.wal")
        return stat.st_mtime_ns, stat.st_size + (wal.stat().st_size if wal.exists() else 0)

    def get(self, key: tuple, compute: Callable) -> object:
        full = (self.version(), *key)
        with self.lock:
            if full in self.cache:
                self.cache.move_to_end(full)
                return self.cache[full]
        with open_store(self.db, read_only=True) as store:
            value = compute(store)
        with self.lock:
            self.cache[full] = value
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        return value


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


def _dyad(dyad: str) -> Callable:
    def compute(store) -> dict:
        from pivotwatch.analysis.assessment import assess

        found = assess(dyad, store=store)
        return {"dyad": found.dyad, "assessment": found.to_dict()}
    return compute


def _alerts(dyad: str | None, rule: str | None, severity: str | None) -> Callable:
    def compute(store) -> list:
        if not store.has_table("watch_alerts"):
            return []
        from pivotwatch.watch.state import alerts as stored

        return stored(store, dyad=dyad, rule=rule, severity=severity, limit=500)
    return compute


def _data(store) -> dict:
    from pivotwatch.analysis.freshness import freshness
    from pivotwatch.store.status import store_status

    return {"sources": store_status(store),
            "freshness": freshness(store, date.today())}


def _shown(alert) -> dict:
    """An alert for the page: its record, and its figures as (name, before, after) rows."""
    d = alert.to_dict()
    names = list(dict.fromkeys([*alert.before, *alert.after]))
    d["figures"] = [(n, alert.before.get(n, ""), alert.after.get(n, "")) for n in names]
    return d


def create_app(db: Path, *, dyads: tuple[str, ...] = DEFAULT_DYADS,
               token: str | None = None) -> Starlette:
    """The dashboard over the store at `db`; `token` (see web/security.py) when it is served
    beyond loopback."""
    from pivotwatch.analysis.dyads import parse_dyad

    env = environment()
    pages = Pages(Path(db))

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    async def overview(request: Request) -> Response:
        data = pages.get(("overview", dyads), _overview(dyads))
        return render("overview.html.j2", **data)

    async def dyad_page(request: Request) -> Response:
        try:
            dyad = "-".join(parse_dyad(request.path_params["dyad"]))
        except UsageError as exc:
            raise HTTPException(404, str(exc)) from None
        try:
            data = pages.get(("dyad", dyad), _dyad(dyad))
        except UsageError as exc:
            raise HTTPException(404, str(exc)) from None
        return render("dyad.html.j2", **data)

    async def alerts_page(request: Request) -> Response:
        from pivotwatch.watch.state import alert_filters

        q = request.query_params
        try:
            filters = alert_filters(q.get("dyad"), q.get("rule"), q.get("severity"))
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        found = pages.get(("alerts", *filters), _alerts(*filters))
        return render("alerts.html.j2", alerts=[_shown(a) for a in found],
                      filters=dict(zip(("dyad", "rule", "severity"), filters, strict=True)))

    async def alerts_feed(request: Request) -> Response:
        from pivotwatch.watch.atom import feed_xml

        found = pages.get(("alerts", None, None, None), _alerts(None, None, None))
        return Response(feed_xml(found, title="pivotwatch alerts"),
                        media_type="application/atom+xml")

    async def data_page(request: Request) -> Response:
        return render("data.html.j2", **pages.get(("data",), _data))

    async def problem(request: Request, exc: Exception) -> Response:
        # never a traceback: the status and one line
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", None) if status != 500 else None
        if isinstance(exc, PivotwatchError):
            status, detail = 503, str(exc)
        return render("problem.html.j2", status=status, code=status,
                      detail=detail or "the page could not be made")

    css = _template("pivotwatch.css") or ""

    async def stylesheet(request: Request) -> Response:
        # one fixed file from the package: no path from the request reaches the file system
        return Response(css, media_type="text/css")

    app = Starlette(routes=[Route("/", overview), Route("/dyad/{dyad}", dyad_page),
                            Route("/alerts", alerts_page), Route("/alerts.atom", alerts_feed),
                            Route("/data", data_page),
                            Route("/static/pivotwatch.css", stylesheet)],
                    exception_handlers={HTTPException: problem, Exception: problem,
                                        PivotwatchError: problem})
    app.add_middleware(Guard, token=token)
    return app
