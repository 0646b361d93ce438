"""The dashboard's responses kept as sent (`Site.page`): sent again only while the URL, the
store version and every input of the page are the same, so that a per-visitor value (a form's
token) or a new store version renders afresh; never for a POST; bounded."""

from __future__ import annotations

import math
import os
from datetime import date

import pytest
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from pivotwatch.web import site as site_module
from pivotwatch.web.site import Grid, Link, Site, same


def test_same_holds_only_for_values_that_render_alike():
    grid = lambda v: Grid("t", "caption", ["a", "b"], [[Link("x", "/x"), v]])  # noqa: E731
    assert same(grid(1.5), grid(1.5))
    assert same({"a": [1, (2, "z")], "d": date(2025, 1, 1)},
                {"a": [1, (2, "z")], "d": date(2025, 1, 1)})
    assert same(math.nan, math.nan)
    assert not same(grid(1.5), grid(2.5))
    assert not same(1, 1.0) and not same(1, True) and not same([1, 2], [1, 2.0])
    assert not same(["<b>"], [Markup("<b>")])  # text is escaped, markup is not
    assert not same(Link("x", "/x"), Link("x", "/y"))
    assert not same({"a": 1}, {"b": 1}) and not same([1, 2], [1, 2, 3])
    assert not same(object(), object())  # an object of no known kind matches only itself


@pytest.fixture
def site(tmp_path) -> Site:
    db = tmp_path / "store.duckdb"
    db.write_bytes(b"")  # the version is the file's time and size; no page here reads it
    return Site(db, ("RUS-PRK",))


def app(site: Site) -> TestClient:
    """A page whose input is the visitor's cookie (as a form's token is), with a table."""

    async def page(request: Request):
        rows = [[Link("2025-01", "/dyad/RUS-PRK?from=2025-01"), 3, 0.25]]
        grid = Grid("series", "Series", ["period", "events", "per 10k"], rows)
        visitor = request.cookies.get("v", "none")
        mine = Grid("visitor", "Visitor", ["v"], [[visitor]])
        return site.page(request, "problem.html.j2", [grid, mine], stem="t", code=200,
                         detail=f"visitor {visitor}")

    return TestClient(Starlette(routes=[Route("/p", page, methods=["GET", "POST"])]))


def kept_inputs(site: Site, query: str = "") -> object:
    """The inputs kept with the latest response to `/p?query`."""
    return [v for k, v in site.sent.items() if k[2] == "/p" and k[3] == query][-1][0]


def test_a_get_is_sent_again_while_its_inputs_are_the_same(site):
    c = app(site)
    c.cookies.set("v", "a")
    first = c.get("/p")
    kept = kept_inputs(site)
    again = c.get("/p")
    assert again.text == first.text and "visitor a" in again.text
    assert again.headers["content-type"] == first.headers["content-type"]
    assert kept_inputs(site) is kept  # sent as kept, not rendered and kept again
    c.cookies.set("v", "b")
    other = c.get("/p")
    assert "visitor b" in other.text and "visitor a" not in other.text
    assert kept_inputs(site) is not kept

    csv = c.get("/p?table=series&format=csv")
    kept = kept_inputs(site, "table=series&format=csv")
    csv_again = c.get("/p?table=series&format=csv")
    assert csv_again.content == csv.content == b"period,events,per 10k\n2025-01,3,0.25\n"
    assert csv_again.headers["content-disposition"] == 'attachment; filename="t-series.csv"'
    assert kept_inputs(site, "table=series&format=csv") is kept
    c.cookies.set("v", "c")  # another table of the page changes: this download stays kept
    assert c.get("/p?table=series&format=csv").content == csv.content
    assert kept_inputs(site, "table=series&format=csv") is kept
    assert c.get("/p?table=visitor&format=csv").text == "v\nc\n"
    c.cookies.set("v", "d")  # the table downloaded changes: made afresh
    assert c.get("/p?table=visitor&format=csv").text == "v\nd\n"


def test_a_new_store_version_or_a_post_renders_afresh(site):
    c = app(site)
    c.get("/p")
    kept, versions = kept_inputs(site), {k[0] for k in site.sent}
    stat = site.db.stat()
    os.utime(site.db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the store changed
    c.get("/p")
    assert {k[0] for k in site.sent} - versions  # kept under the new version
    assert kept_inputs(site) is not kept
    before = len(site.sent)
    c.cookies.set("v", "c")
    assert "visitor c" in c.post("/p").text
    assert len(site.sent) == before  # a POST's response is never kept


def test_the_responses_kept_are_bounded(site, monkeypatch):
    monkeypatch.setattr(site_module, "SENT_ENTRIES", 3)
    c = app(site)
    for n in range(5):
        assert c.get(f"/p?n={n}").status_code == 200
    assert [k[3] for k in site.sent] == ["n=2", "n=3", "n=4"]
    size = next(iter(site.sent.values()))[2]  # the pages are all of one size
    monkeypatch.setattr(site_module, "SENT_BYTES", 2 * size)
    c.get("/p?n=5")
    assert [k[3] for k in site.sent] == ["n=4", "n=5"]
