"""The dashboard's first pages (issue 15, in progress): overview and dyad page over the demo
store, every response with the security headers, hostile text escaped, the token beyond
loopback, no traceback on errors, pages computed once per store version, and a real server."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from pivotwatch.cli import app as cli_app
from pivotwatch.errors import UsageError
from pivotwatch.store import open_store
from pivotwatch.web.app import create_app
from pivotwatch.web.security import HEADERS, check_binding, cookie_value
from pivotwatch.web.site import Pages, environment


@pytest.fixture
def web_store(demo_store, tmp_path) -> Path:
    target = tmp_path / "web.duckdb"
    shutil.copy(demo_store, target)
    return target


def client(db: Path, **kwargs) -> TestClient:
    return TestClient(create_app(db, **kwargs), raise_server_exceptions=False)


def test_the_overview_shows_each_dyad_its_judgments_and_the_sources_freshness(web_store):
    page = client(web_store, dyads=("RUS-PRK", "RUS-CHN")).get("/")
    assert page.status_code == 200
    assert 'href="/dyad/RUS-PRK"' in page.text and 'href="/dyad/RUS-CHN"' in page.text
    assert "<th>confidence</th>" in page.text and "reference_events" in page.text
    for name, value in HEADERS.items():
        assert page.headers[name] == value
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.findall(r"<script(?![^>]*\bsrc=\"/static/)", page.text)  # none inline


def test_the_stylesheet_comes_from_the_package_and_nothing_else_is_served(web_store):
    web = client(web_store)
    css = web.get("/static/pivotwatch.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "overflow-x: auto" in css.text
    for path in ("/static/../app.py", "/static/pivotwatch.css/../../web/app.py",
                 "/static/base.html.j2", "/static/"):
        assert web.get(path).status_code == 404


def test_the_dyad_page_has_the_scorecard_with_linked_evidence(web_store):
    page = client(web_store).get("/dyad/rus-prk")
    assert page.status_code == 200 and "<h1>RUS-PRK" in page.text
    assert 'rel="noopener noreferrer nofollow"' in page.text and 'href="https://' in page.text
    assert "Against the partners" in page.text


@pytest.mark.parametrize("path", ["/dyad/<script>alert(1)</script>", "/dyad/RUS-XYZ",
                                  "/dyad/RUS-PRK'%20OR%201=1--", "/../../etc/passwd",
                                  "/dyad/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/nothing"])
def test_bad_paths_are_a_clean_404_with_the_headers_and_nothing_reflected_raw(web_store, path):
    page = client(web_store).get(path)
    assert page.status_code == 404
    assert "<script>alert" not in page.text and "Traceback" not in page.text
    assert "root:" not in page.text
    assert page.headers["x-frame-options"] == "DENY"


def test_stored_hostile_text_is_escaped(web_store):
    from pivotwatch.watch.model import Alert, Severity
    from pivotwatch.watch.state import Outcome, record, start_cycle

    hostile = Alert("new_curated", "RUS-PRK", "x", Severity.MODERATE,
                    '<script>alert("t")</script><img src=x onerror=alert(1)>', "s", None)
    with open_store(web_store) as st:
        cycle_id, _ = start_cycle(st)
        record(st, cycle_id, Outcome("RUS-PRK", [hostile], []), [])
    page = client(web_store).get("/")
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;&lt;img" in page.text
    assert "<img src=x" not in page.text


def test_only_http_links_are_made():
    env = environment()
    out = env.from_string('{% set u = url | link %}{% if u %}<a href="{{ u }}">x</a>'
                          '{% else %}{{ url }}{% endif %}')
    assert out.render(url="https://example.org/a?b=1&c=2") == \
        '<a href="https://example.org/a?b=1&amp;c=2">x</a>'
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example/", "&#106;avascript:x"):
        assert "<a " not in out.render(url=bad)


def test_beyond_loopback_every_request_needs_the_token(web_store):
    token = "s3cret-token-0123456789"
    with pytest.raises(UsageError, match="PIVOTWATCH_TOKEN"):
        check_binding("0.0.0.0", None)
    with pytest.raises(UsageError, match="at least 16"):
        check_binding("192.0.2.1", "short")
    assert check_binding("127.0.0.1", None) is None and check_binding("::1", None) is None
    assert check_binding("0.0.0.0", token) == token
    guarded = client(web_store, token=token)
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
        denied = guarded.get("/dyad/RUS-PRK", headers=headers)
        assert denied.status_code == 401 and "RUS-PRK" not in denied.text
        assert denied.headers["x-content-type-options"] == "nosniff"
    assert guarded.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    first = guarded.get(f"/data?source=gdelt&token={token}", follow_redirects=False)
    # the token leaves the address bar; the cookie, derived from it, carries on
    assert first.status_code == 303 and first.headers["location"] == "/data?source=gdelt"
    cookie = first.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert token not in cookie and cookie_value(token) in cookie
    assert guarded.get("/data").status_code == 200
    raw = client(web_store, token=token)
    raw.cookies.set("pivotwatch_token", token)  # the token itself is not the cookie
    assert raw.get("/data").status_code == 401


def test_a_page_is_computed_once_per_store_version(web_store):
    pages = Pages(web_store)
    calls = []

    def compute(store) -> int:
        calls.append(1)
        return len(calls)

    assert pages.get(("k",), compute) == pages.get(("k",), compute) == 1
    with open_store(web_store) as st, st.transaction() as con:  # the data change
        con.execute("INSERT OR REPLACE INTO meta VALUES ('web-test', ?)", [str(time.time())])
    assert pages.get(("k",), compute) == 2


def test_serve_refuses_a_public_address_without_a_token_and_a_missing_store(tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("PIVOTWATCH_TOKEN", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "PIVOTWATCH_TOKEN" in result.output
    result = runner.invoke(cli_app, ["--db", str(tmp_path / "none.duckdb"), "serve"])
    assert result.exit_code == 1 and "no store at" in result.output


def test_a_real_server_answers_with_the_headers(web_store):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(web_store, dyads=("RUS-PRK",)),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           server_header=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert page.status_code == 200 and "RUS-PRK" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "server" not in page.headers
    finally:
        server.should_exit = True
        thread.join(10)


def _watched(db: Path) -> list:
    from pivotwatch.watch.config import WatchConfig
    from pivotwatch.watch.cycle import run_cycle

    return run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={}), db=db).alerts


def test_the_alerts_page_and_its_feed_show_the_watchers_alerts(web_store):
    from lxml import etree

    raised = _watched(web_store)
    web = client(web_store)
    page = web.get("/alerts")
    assert page.status_code == 200 and f"{len(raised)} shown" in page.text
    assert all(a.title.replace("'", "&#39;") in page.text for a in raised)
    assert "Reproduce: <code>pivotwatch measures" in page.text
    assert "<th>before</th>" in page.text  # a measure's figures
    only = web.get("/alerts?rule=judgment_change")
    assert only.status_code == 200 and "0 shown" in only.text
    either = web.get("/alerts?dyad=prk-rus")
    assert f"{len(raised)} shown" in either.text  # the pair either way round
    for bad in ("?rule=x'--", "?severity=<b>", "?dyad=RUS"):
        refused = web.get("/alerts" + bad)
        assert refused.status_code == 400 and "<b>" not in refused.text
    feed = web.get("/alerts.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.content)
    ids = [e.findtext("{http://www.w3.org/2005/Atom}id")
           for e in root.findall("{http://www.w3.org/2005/Atom}entry")]
    assert sorted(ids) == sorted(f"urn:pivotwatch:alert:{a.id}" for a in raised)


def test_the_data_page_lists_files_rejects_and_freshness(web_store):
    page = client(web_store).get("/data")
    assert page.status_code == 200
    assert "<td>gdelt</td>" in page.text and "rows rejected" in page.text
    assert "latest event day" in page.text or "reference_events" in page.text


def test_the_watched_pages_are_computed_before_the_first_visit(web_store):
    import uvicorn

    from pivotwatch.web import warm

    assert warm.base_url("0.0.0.0", 80) == "http://127.0.0.1:80"
    assert warm.base_url("::", 80) == "http://[::1]:80"
    assert warm.base_url("192.0.2.7", 80) == "http://192.0.2.7:80"
    app = create_app(web_store, dyads=("RUS-PRK",))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        warm.start(warm.base_url("127.0.0.1", port), ("RUS-PRK",), None,
                   lambda: server.started).join(300)
        kept = [key[1] for key in app.state.site.pages.cache]
        assert {"overview", "assess", "history", "tab"} <= set(kept)
    finally:
        server.should_exit = True
        thread.join(10)
