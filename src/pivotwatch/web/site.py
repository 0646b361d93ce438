"""What every page module of the dashboard shares: the templates, the cache of page data per
store version, the view's state read from the URL, and the tables that download as shown.

A page module exposes `routes(site) -> list[Route]`. Its handler reads the view's state from
the query string with the `param_*` checkers (a bad value is a 400 naming it, before anything
is read), computes its data once per store version with `site.pages.get`, and answers with
`site.page(request, template, grids, **context)`: the HTML, or, when the URL asks
`?table=NAME&format=csv|json`, that table exactly as the page shows it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FunctionLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from pivotwatch.errors import StoreError, UsageError
from pivotwatch.markup import http_url, strict_json, template_value
from pivotwatch.store.store import open_store

CACHE_ENTRIES = 64
FORMATS = ("csv", "json")
MAX_PARAM = 200  # characters: any longer query value is refused
FIRST_YEAR, LAST_YEAR = 1900, 2100  # a date outside is a mistake (and 9999-12-31 overflows)
# a missing, foreign or locked store: the page says so without the server's path or the
# engine's message (`pivotwatch serve` checks the store when it starts)
UNREADABLE = "the store cannot be read now; try again later"


def template_text(name: str) -> str | None:
    resource = files("pivotwatch") / "data" / "web" / name
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def environment() -> Environment:
    env = Environment(loader=FunctionLoader(template_text), autoescape=select_autoescape(
        default=True, default_for_string=True), finalize=template_value)
    env.filters["link"] = http_url  # only http(s) URLs become links
    env.filters["cell"] = cell_text
    env.tests["site_link"] = lambda v: isinstance(v, Link)
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
            raise HTTPException(503, UNREADABLE) from None
        wal = Path(f"{self.db}.wal")
        return stat.st_mtime_ns, stat.st_size + (wal.stat().st_size if wal.exists() else 0)

    def get(self, key: tuple, compute: Callable) -> object:
        full = (self.version(), *key)
        with self.lock:
            if full in self.cache:
                self.cache.move_to_end(full)
                return self.cache[full]
        try:
            store = open_store(self.db, read_only=True)
        except StoreError:
            raise HTTPException(503, UNREADABLE) from None
        with store:
            value = compute(store)
        with self.lock:
            self.cache[full] = value
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        return value


# --- tables that download as shown ---------------------------------------------------------

@dataclass
class Grid:
    """A table on a page. Cells are plain values (text, numbers, dates, None); a column named
    in `links` holds URLs, shown as links when they are http(s)."""

    name: str  # [a-z0-9_-]+, unique on its page: ?table=NAME
    caption: str
    columns: list[str]
    rows: list[list]
    links: tuple[str, ...] = ()
    note: str = ""  # what the table cannot tell, shown under it
    numeric: tuple[str, ...] = field(default=())  # right-aligned columns
    cards: bool = False  # on a phone, each row a card of labelled cells (text-heavy tables)

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, (plain(v) for v in row), strict=True))
                for row in self.rows]


@dataclass(frozen=True)
class Link:
    """A cell that links to another view of this site; it downloads as its text."""

    text: object
    href: str  # a path on this site, made by the page module (with_query, quote)


def present(value):
    """A value read from a frame, None where pandas marks it missing (NaN, NaT, NA); text and
    lists as they are."""
    import pandas as pd

    if value is None or isinstance(value, str) or not pd.api.types.is_scalar(value):
        return value
    return None if pd.isna(value) else value


def plain(value):
    """A cell as JSON has it: dates as ISO text, NaN as null, a link as its text."""
    if isinstance(value, Link):
        value = value.text
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value


def cell_text(value, numeric: bool = False) -> str:
    """A cell as the page shows it: figures of a numeric column grouped by thousands and
    floats to two decimals; identifiers and years as they are."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() or abs(value) >= 1e6:  # barrels, dollars: no false decimals
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if numeric and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


_FORMULA = re.compile(r"^[=+\-@\t\r]")


def csv_text(grid: Grid) -> str:
    """The table as CSV; a text cell that a spreadsheet would run as a formula is prefixed
    with a quote (the cells are written by strangers)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(grid.columns)
    for row in grid.rows:
        cells = []
        for v in row:
            v = plain(v)
            if isinstance(v, str) and _FORMULA.match(v):
                v = "'" + v
            cells.append("" if v is None else v)
        writer.writerow(cells)
    return out.getvalue()


def download(grid: Grid, fmt: str, stem: str) -> Response:
    filename = f"{stem}-{grid.name}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(csv_text(grid), media_type="text/csv; charset=utf-8", headers=headers)
    body = strict_json({"table": grid.name, "caption": grid.caption, "note": grid.note,
                        "numeric": list(grid.numeric), "rows": grid.records()},
                       ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json", headers=headers)


@dataclass
class Chart:
    """A chart on a page: a Vega-Lite spec with its data inline. The page shows it as an
    image (`?chart=NAME&format=svg`, drawn on the server, so it shows without scripts) that
    the page's script turns into an interactive view of the same spec compiled to Vega
    (`?chart=NAME&format=vega`). A datum with an `href` field (a path on this site) is a
    link: clicking its mark opens it."""

    name: str  # [a-z0-9_-]+, unique on its page
    title: str  # the image's text alternative
    spec: dict


_STYLE_ATTR = re.compile(r'\sstyle="[^"]*"')


def chart_svg(chart: Chart) -> str:
    """The chart drawn on the server; inline style attributes dropped (the CSP forbids them;
    the stylesheet sizes the image)."""
    import vl_convert

    return _STYLE_ATTR.sub("", vl_convert.vegalite_to_svg(chart.spec))


def chart_vega(chart: Chart) -> str:
    import vl_convert

    return json.dumps(vl_convert.vegalite_to_vega(chart.spec))


# --- the view's state, read from the URL ---------------------------------------------------

def _raw(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_PARAM:
        raise HTTPException(400, f"{name}: too long")
    return value


def param_choice(request: Request, name: str, choices: Sequence[str],
                 default: str | None = None) -> str | None:
    value = _raw(request, name)
    if value is None:
        return default
    if value not in choices:
        raise HTTPException(400, f"{name} must be one of {', '.join(choices)}")
    return value


_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def param_day(request: Request, name: str, *, end: bool = False) -> date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD; a year or month names its first day (its last with
    `end`)."""
    value = _raw(request, name)
    if value is None:
        return None
    m = _DAY.match(value)
    try:
        if not m:
            raise ValueError
        year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise HTTPException(400, f"{name} must be a year from {FIRST_YEAR} to {LAST_YEAR}")
        if day is None:
            if not end:
                return date(year, month, 1)
            nxt = date(year + (month == 12), month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1)
        return date(year, month, int(day))
    except ValueError:
        raise HTTPException(400, f"{name} must be a date: YYYY, YYYY-MM or YYYY-MM-DD") from None


def param_codes(request: Request, name: str) -> list[str] | None:
    """A comma-separated list of country codes, each checked against the CAMEO country
    table."""
    from pivotwatch import taxonomy

    value = _raw(request, name)
    if value is None:
        return None
    codes: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        try:
            code = taxonomy.validate_country(part)
        except UsageError:
            raise HTTPException(400, f"{name}: {part[:20]!r} is not a country code") from None
        if code not in codes:
            codes.append(code)
    return codes


def param_dyad(text: str) -> str:
    from pivotwatch.analysis.dyads import parse_dyad

    try:
        return "-".join(parse_dyad(text))
    except UsageError as exc:
        raise HTTPException(404, str(exc)) from None


def with_query(request: Request, **changes) -> str:
    """This page's URL with some of its query changed (None removes a key); the permalink of
    a view differing in those."""
    query = {k: v for k, v in request.query_params.items()
             if k not in ("table", "chart", "format", "token")}
    for k, v in changes.items():
        if v is None:
            query.pop(k, None)
        else:
            query[k] = str(v)
    return request.url.path + (f"?{urlencode(query)}" if query else "")


class Site:
    """The templates and the page cache of one store, handed to each page module."""

    def __init__(self, db: Path, dyads: tuple[str, ...]) -> None:
        self.db = Path(db)
        self.dyads = dyads
        self.env = environment()
        self.pages = Pages(self.db)

    def render(self, name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    def chart(self, request: Request, charts: Sequence[Chart], wanted: str) -> Response:
        found = {c.name: c for c in charts}
        if wanted not in found:
            raise HTTPException(404, "no such chart on this page")
        fmt = param_choice(request, "format", ("svg", "vega"), "svg")
        key = ("chart", request.url.path, tuple(sorted(request.query_params.items())))
        if fmt == "svg":
            body = self.pages.get(key, lambda _store: chart_svg(found[wanted]))
            return Response(body, media_type="image/svg+xml")
        body = self.pages.get(key, lambda _store: chart_vega(found[wanted]))
        return Response(body, media_type="application/json")

    def page(self, request: Request, name: str, grids: Sequence[Grid] = (), *,
             charts: Sequence[Chart] = (), stem: str = "pivotwatch", **context) -> Response:
        """The page, one of its tables when the URL asks for a download
        (`?table=NAME&format=csv|json`), or one of its charts (`?chart=NAME&format=svg|vega`)."""
        if (wanted_chart := _raw(request, "chart")) is not None:
            return self.chart(request, charts, wanted_chart)
        fmt = param_choice(request, "format", FORMATS)
        wanted = _raw(request, "table")
        if fmt or wanted:
            found = {g.name: g for g in grids}
            if wanted not in found:
                names = ", ".join(found) or "none on this page"
                raise HTTPException(400, f"table must be one of: {names}")
            return download(found[wanted], fmt or "csv", stem)

        def url(**changes) -> str:
            return with_query(request, **changes)

        def download_url(grid: Grid, fmt: str) -> str:
            return with_query(request, table=grid.name, format=fmt)

        def chart_url(chart: Chart, fmt: str) -> str:
            return with_query(request, chart=chart.name, format=fmt)

        return self.render(name, url=url, download_url=download_url, chart_url=chart_url,
                           grids={g.name: g for g in grids}, charts={c.name: c for c in charts},
                           path=request.url.path, **context)
