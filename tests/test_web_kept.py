"""The dashboard's responses kept as sent (`web/kept.py`): a GET answered 200 is sent again,
byte for byte and without its handler running, while the URL (its query in any order), the
store version and the day are the same; a new store version, an error, a POST, the claims
page and the static files are never served from it; it is bounded."""

from __future__ import annotations

import os

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from pivotwatch.web import kept as kept_module
from pivotwatch.web.kept import Kept
from pivotwatch.web.site import Site


@pytest.fixture
def site(tmp_path) -> Site:
    db = tmp_path / "store.duckdb"
    db.write_bytes(b"")  # the version is the file's time and size; no page here reads it
    return Site(db, ("RUS-PRK",))


def make(site: Site):
    calls: list[str] = []

    async def page(request: Request):
        calls.append(request.url.path)
        status = 404 if request.query_params.get("missing") else 200
        return PlainTextResponse(f"call {len(calls)} {request.method}", status_code=status)

    routes = [Route(path, page, methods=["GET", "POST"])
              for path in ("/p", "/claims", "/static/x.css")]
    kept = Kept(Starlette(routes=routes), site)
    return TestClient(kept), kept, calls


def test_a_get_is_sent_again_while_the_url_and_the_store_are_the_same(site):
    c, kept, calls = make(site)
    first = c.get("/p?a=1&b=2")
    again = c.get("/p?b=2&a=1")  # the same query in another order
    assert again.content == first.content == b"call 1 GET" and calls == ["/p"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert c.get("/p?a=1&b=3").text == "call 2 GET"  # another view
    stat = site.db.stat()
    os.utime(site.db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the store changed
    assert c.get("/p?a=1&b=2").text == "call 3 GET"
    assert len(kept.sent) == 3


def test_errors_posts_the_claims_page_and_static_files_are_never_kept(site):
    c, kept, calls = make(site)
    for _ in range(2):
        c.get("/p?missing=1")
        c.post("/p")
        c.get("/claims")
        c.get("/static/x.css")
    assert len(calls) == 8 and not kept.sent


def test_the_responses_kept_are_bounded(site, monkeypatch):
    monkeypatch.setattr(kept_module, "KEPT_ENTRIES", 3)
    c, kept, _ = make(site)
    for n in range(5):
        c.get(f"/p?n={n}")
    assert [k[3] for k in kept.sent] == [(("n", "2"),), (("n", "3"),), (("n", "4"),)]
    size = len(next(iter(kept.sent.values()))[2])
    monkeypatch.setattr(kept_module, "KEPT_BYTES", 2 * size)
    c.get("/p?n=5")
    assert [k[3] for k in kept.sent] == [(("n", "4"),), (("n", "5"),)]
