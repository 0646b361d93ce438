"""The claims page: paste, upload and URL give the verdicts of `pivotwatch claims` on the same
text, the downloads re-post the audited text and equal what was shown, every POST needs the
CSRF token and this site's origin, uploads are capped and type-checked, URLs obey the address
policy (no connection to a refused address, however spelled or reached by a redirect),
hostile text is escaped, the store is not written, and the watcher's past feed audits show."""

from __future__ import annotations

import html
import json
import re
import shutil
import threading
from email.utils import format_datetime
from pathlib import Path

import pytest
from httpserver import LocalServer, _Handler, _Server
from starlette.testclient import TestClient

from pivotwatch.claims.audit import audit_inputs
from pivotwatch.store import open_store
from pivotwatch.web.app import create_app
from pivotwatch.web.claims import MAX_TEXT, MAX_UPLOAD
from pivotwatch.web.csrf import COOKIE

BASE = "http://127.0.0.1:8765"
TEXT = ("Russia's trade with North Korea was $34.4 million in 2023. "
        "Bilateral trade between Russia and North Korea reached $1 billion in 2023. "
        "North Korea is an observer in the Shanghai Security Organisation. "
        "It is a disgrace.\n")
MARKDOWN = "# Trade with Pyongyang\n\n" + TEXT
HTML = ("<!DOCTYPE html><html><head><title>Trade note</title></head><body><article>"
        "<h1>Trade note</h1><p>Russia's trade with North Korea was $34.4 million in 2023.</p>"
        "<p>North Korea is an observer in the Shanghai Security Organisation.</p>"
        "</article></body></html>")
MARK = re.compile(r'<mark class="verdict-([a-z_]+)" id="claim-(\d+)"')


@pytest.fixture
def web_store(demo_store, tmp_path) -> Path:
    target = tmp_path / "claims.duckdb"
    shutil.copy(demo_store, target)
    return target


def client(db: Path) -> TestClient:
    return TestClient(create_app(db), base_url=BASE, raise_server_exceptions=False)


def token(web: TestClient) -> str:
    page = web.get("/claims")
    assert page.status_code == 200 and COOKIE in web.cookies
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)[1]


def post(web: TestClient, data: dict, files: dict | None = None, origin: str | None = BASE,
         **kwargs):
    headers = {"origin": origin} if origin else {}
    return web.post("/claims", data=data, files=files, headers=headers, **kwargs)


def expected(db: Path, inputs: list[str]) -> list[tuple[int, str]]:
    """What `pivotwatch claims` (its library function) says on the same input."""
    with open_store(db, read_only=True) as st:
        audits, failures = audit_inputs(inputs, store=st)
    assert not failures, failures
    return [(c.claim.index + 1, c.verdict.verdict.value) for c in audits[0].claims]


def shown(page) -> list[tuple[int, str]]:
    return [(int(n), v) for v, n in MARK.findall(page.text)]


def downloaded(web: TestClient, page, fmt: str, table: str = "claims"):
    """The table as the result's own download form posts it again."""
    form = page.text[page.text.index('class="downloads-form"'):]
    text = re.search(r'name="text" value="([^"]*)"', form)[1]
    day = re.search(r'name="date" value="([^"]*)"', form)[1]
    got = post(web, {"csrf": token(web), "input": "audited", "text": html.unescape(text),
                     "date": day, "table": table}, params={"format": fmt})
    assert got.status_code == 200, got.text
    assert "attachment" in got.headers["content-disposition"]
    return got


def assert_audit_matches(web, page, want):
    assert page.status_code == 200, page.text[-500:]
    assert shown(page) == want and want  # every claim marked, in order, with its verdict
    rows = json.loads(downloaded(web, page, "json").text)["rows"]
    assert [(r["claim"], r["verdict"]) for r in rows] == want
    csv = downloaded(web, page, "csv").text.splitlines()
    assert csv[0] == "claim,verdict,text,explanation,check,evidence" and len(csv) == len(want) + 1


def test_pasted_text_gets_the_verdicts_of_pivotwatch_claims(web_store, tmp_path):
    file = tmp_path / "note.txt"
    file.write_text(TEXT, encoding="utf-8")
    web = client(web_store)
    page = post(web, {"csrf": token(web), "input": "text", "text": TEXT.replace("\n", "\r\n")})
    want = expected(web_store, [str(file)])
    assert {v for _, v in want} >= {"inconsistent", "contradicted", "not_checkable"}
    assert_audit_matches(web, page, want)
    assert "https://tass.com/" in page.text  # evidence with its link
    evidence = json.loads(downloaded(web, page, "json", "evidence").text)["rows"]
    assert {"reference_trade", "document"} <= {r["source"] for r in evidence}


def test_an_uploaded_file_is_read_as_its_content_says(web_store, tmp_path):
    web = client(web_store)
    for name, body in (("note.md", MARKDOWN), ("page.html", HTML)):
        file = tmp_path / name
        file.write_text(body, encoding="utf-8")
        # the name says nothing about the type: an HTML file named .txt is read as HTML
        page = post(web, {"csrf": token(web), "input": "file"},
                    files={"file": (name.replace(".html", ".txt"), body.encode(),
                                    "application/octet-stream")})
        assert_audit_matches(web, page, expected(web_store, [str(file)]))
        if name == "page.html":
            assert "Audit: Trade note" in page.text and "&lt;p&gt;" not in page.text


class _Redirecting(_Handler):
    """Answers /r with a redirect to the loopback address [::1]; the rest as LocalServer."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path == "/r":
            with self.server.owner.lock:
                self.server.owner.requests.append(None)
            port = self.server.server_address[1]
            self._send(302, b"", "text/plain", {"Location": f"http://[::1]:{port}/page.html"})
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "page.html").write_text(HTML, encoding="utf-8")
    srv = LocalServer(root)
    srv._server.server_close()
    srv._server = _Server(srv)
    srv._server.RequestHandlerClass = _Redirecting
    srv._thread = threading.Thread(target=srv._server.serve_forever,
                                   kwargs={"poll_interval": 0.05}, daemon=True)
    srv.types[".html"] = "text/html; charset=utf-8"
    with srv:
        yield srv


def test_a_page_at_a_url_is_fetched_under_the_policy_and_audited(web_store, server,
                                                                 monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1")  # the test server only
    web = client(web_store)
    url = server.url("/page.html")
    page = post(web, {"csrf": token(web), "input": "url", "url": url})
    assert_audit_matches(web, page, expected(web_store, [url]))
    assert f'href="{url}"' in page.text


@pytest.mark.parametrize("spelled", [
    "{base}/page.html", "http://2130706433:{port}/page.html", "http://0x7f.1:{port}/page.html",
    "http://[::1]:{port}/page.html", "http://[::ffff:127.0.0.1]:{port}/page.html",
    "http://169.254.169.254/latest/meta-data/", "http://localhost:{port}/page.html"])
def test_loopback_and_metadata_addresses_are_refused_without_a_connection(web_store, server,
                                                                         spelled):
    web = client(web_store)
    url = spelled.format(base=server.base, port=server._server.server_address[1])
    page = post(web, {"csrf": token(web), "input": "url", "url": url})
    assert page.status_code == 400
    line = re.search(r'<p class="problem" role="alert">([^<]*)</p>', page.text)[1]
    assert "refused" in line and "address" in line and "\n" not in line
    assert server.requests == []  # nothing reached the server


def test_a_redirect_to_loopback_is_refused(web_store, server, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1")
    web = client(web_store)
    page = post(web, {"csrf": token(web), "input": "url", "url": server.url("/r")})
    assert page.status_code == 400
    assert "redirected to http://[::1]:" in page.text and "refused: ::1 is a loopback" \
        in page.text
    assert server.requests == [None]  # the first hop only


@pytest.mark.parametrize("url", ["/etc/passwd", "file:///etc/passwd", "ftp://example.org/x",
                                 "gopher://127.0.0.1:25/"])
def test_only_http_urls_and_never_a_local_file(web_store, url):
    web = client(web_store)
    page = post(web, {"csrf": token(web), "input": "url", "url": url})
    assert page.status_code == 400 and "root:" not in page.text
    assert "only http and https URLs" in page.text


def test_csrf_token_and_origin_are_required(web_store):
    web = client(web_store)
    good = token(web)
    form = {"input": "text", "text": TEXT}
    assert post(web, {**form, "csrf": good}).status_code == 200
    assert post(web, form).status_code == 403  # no token
    assert post(web, {**form, "csrf": "0" * 64}).status_code == 403  # a wrong one
    other = client(web_store)  # another app, its own secret: its token and cookie are a pair
    other_token, other_nonce = token(other), other.cookies[COOKIE]
    assert post(other, {**form, "csrf": other_token}).status_code == 200
    web.cookies.set(COOKIE, other_nonce)
    refused = post(web, {**form, "csrf": other_token})
    assert refused.status_code == 403 and "token" in refused.text
    assert post(web, {**form, "csrf": good}).status_code == 403  # bound to its own cookie
    fresh = client(web_store)
    good = token(fresh)
    for origin in ("https://evil.example", "null", "http://127.0.0.1:8766"):
        assert post(fresh, {**form, "csrf": good}, origin=origin).status_code == 403
    assert post(fresh, {**form, "csrf": good}, origin=None).status_code == 403  # none named
    assert fresh.post("/claims", data={**form, "csrf": good}, headers={
        "referer": "http://evil.example/claims"}).status_code == 403
    assert fresh.post("/claims", data={**form, "csrf": good},
                      headers={"referer": f"{BASE}/claims"}).status_code == 200
    fresh.cookies.clear()
    assert post(fresh, {**form, "csrf": good}).status_code == 403  # the cookie is needed too
    page = client(web_store).get("/claims")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert '<meta name="referrer" content="same-origin">' in page.text


def test_uploads_are_capped_and_type_checked(web_store):
    web = client(web_store)
    big = b"Russia and North Korea. " * (MAX_UPLOAD // 24 + 10)
    assert post(web, {"csrf": token(web), "input": "file"},
                files={"file": ("big.txt", big, "text/plain")}).status_code == 413
    just_over = b"a" * (MAX_UPLOAD + 1)  # under the body cap, over the file cap
    assert post(web, {"csrf": token(web), "input": "file"},
                files={"file": ("x.txt", just_over, "text/plain")}).status_code == 413
    assert post(web, {"csrf": token(web), "input": "text",
                      "text": "x" * (MAX_UPLOAD + 1)}).status_code == 413
    long = post(web, {"csrf": token(web), "input": "text", "text": "Russia. " * MAX_TEXT})
    assert long.status_code == 413 and "over the 100,000" in long.text
    for name, body in (("a.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
                       ("a.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                       ("a.html", b"\x00\x01\x02binary\x00" * 50),
                       ("a.txt", b"caf\xe9 au lait, Russia and North Korea"),
                       ("feed.txt", b'<?xml version="1.0"?><rss version="2.0"><channel>'
                                    b"<title>x</title></channel></rss>")):
        page = post(web, {"csrf": token(web), "input": "file"},
                    files={"file": (name, body, "text/plain")})
        assert page.status_code == 415, (name, page.text[-300:])
        assert "Traceback" not in page.text
    assert post(web, {"csrf": token(web), "input": "file"},
                files={"file": ("e.txt", b"  \n", "text/plain")}).status_code == 400


def test_hostile_text_is_escaped_and_the_store_is_not_written(web_store):
    web = client(web_store)
    before = web_store.stat().st_mtime_ns, web_store.read_bytes()
    hostile = ('<script>alert(1)</script> Russia\'s trade with North Korea was "$34.4 '
               'million" in 2023 <img src=x onerror=alert(2)>.\n\u202eevil <b>bold</b>')
    page = post(web, {"csrf": token(web), "input": "text", "text": hostile})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "<b>bold</b>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert not re.search(r"<script(?![^>]*\ssrc=)", page.text) and " style=" not in page.text
    assert (web_store.stat().st_mtime_ns, web_store.read_bytes()) == before


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Korea Desk</title><link>http://news.example/</link>
<description>News</description>
<item><title>Pyongyang's friends</title><link>http://news.example/1</link>
<pubDate>{when}</pubDate>
<description>North Korea is an observer in the Shanghai Security Organisation. Kim and Putin
met again this year.</description></item>
</channel></rss>
"""


def test_past_audits_of_watched_feeds(web_store, tmp_path):
    from pivotwatch.store.store import utcnow
    from pivotwatch.watch.config import WatchConfig
    from pivotwatch.watch.cycle import run_cycle
    from pivotwatch.watch.rules import Rules

    served = tmp_path / "feeds"
    served.mkdir()
    (served / "feed.rss").write_text(RSS.format(when=format_datetime(utcnow())),
                                     encoding="utf-8")
    with LocalServer(served) as feeds:
        feeds.types[".rss"] = "application/rss+xml"
        config = WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={},
                             feeds=(feeds.url("/feed.rss"),))
        run_cycle(config, db=web_store, allow_private="127.0.0.1",
                  rules=Rules(enabled=frozenset({"claim_contradicted"})))
    web = client(web_store)
    page = web.get("/claims")
    assert page.status_code == 200
    assert "Pyongyang&#39;s friends" in page.text  # the feed item's title
    assert "Shanghai Security Organisation" in page.text  # the contradicted claim's alert
    docs = json.loads(web.get("/claims?table=feed-documents&format=json").text)["rows"]
    assert len(docs) == 1 and docs[0]["contradicted claims"] == 1
    assert docs[0]["url"] == "http://news.example/1" and docs[0]["audit"] == "audit again"
    link = re.search(r'href="(/claims\?doc=[0-9a-f]{32})"', page.text)[1]
    again = web.get(link)
    assert again.status_code == 200 and "contradicted" in {v for _, v in shown(again)}
    rows = json.loads(web.get(link + "&table=claims&format=json").text)["rows"]
    assert [(r["claim"], r["verdict"]) for r in rows] == shown(again)
    assert web.get("/claims?doc=nothex").status_code == 400
    assert web.get("/claims?doc=" + "0" * 32).status_code == 404
