"""Documents in: files, URLs and feeds, stored once each, bad input refused in one line."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer

import pytest
from httpserver import LocalServer, _Handler, _Server
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError, UsageError
from pivotwatch.sources.context import Context
from pivotwatch.sources.documents import load_documents, read_document, read_feed
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.store import open_store

runner = CliRunner()

PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Putin visits Pyongyang | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2024-06-19T08:00:00Z">
<script>document.write("SCRIPT-RAN"); var secret = "SECRET-CODE";</script>
</head><body><nav><ul><li><a href="/">Home</a></li><li><a href="/w">World</a></li></ul></nav>
<article><h1>Putin visits Pyongyang</h1>
<p>Russia and North Korea signed a <b>comprehensive strategic partnership</b> treaty
   on 19 June 2024.</p>
<ul><li>Mutual defence clause</li><li>Trade settled in <i>rubles</i></li></ul>
<table><tr><th>Year</th><th>Trade (USD m)</th></tr><tr><td>2022</td><td>1.7</td></tr>
<tr><td>2023</td><td>34.4</td></tr></table>
<script>alert("SCRIPT-IN-BODY")</script><noscript>NOSCRIPT-TEXT</noscript>
<p>Onclick <img src=x onerror="alert('ONERROR')"> text &lt;script&gt; stays text.</p>
</article><footer>Copyright 2024 FOOTER-TEXT</footer></body></html>"""

PAGE_LINES = ["Putin visits Pyongyang",
              "Russia and North Korea signed a comprehensive strategic partnership treaty on "
              "19 June 2024.",
              "- Mutual defence clause", "- Trade settled in rubles",
              "| Year | Trade (USD m) |", "| --- | --- |", "| 2022 | 1.7 |", "| 2023 | 34.4 |",
              "Onclick text <script> stays text."]

MARKDOWN = """---
title: Turn to the East
date: 2024-06-20
---
# A heading

Russia's trade with North Korea
grew in 2023, customs data show.

* Fuel deliveries above the **UN cap**
* Labour exports
  resumed
1. numbered item

| Partner | Share |
|---------|------:|
| China   | 40%   |
| India   | 10%   |

<script>alert("md-script")</script>
"""

MARKDOWN_LINES = ["A heading", "Russia's trade with North Korea grew in 2023, customs data show.",
                  "- Fuel deliveries above the UN cap", "- Labour exports resumed",
                  "- numbered item", "| Partner | Share |", "| --- | --- |", "| China | 40% |",
                  "| India | 10% |"]

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Korea Desk</title><link>http://news.example/</link>
<description>News</description>
<item><title>Full item</title><link>http://news.example/1</link>
<pubDate>Wed, 19 Jun 2024 10:00:00 +0300</pubDate>
<description>A teaser.</description>
<content:encoded><![CDATA[<p>The full text of item one.</p><ul><li>a point</li></ul>
<script>alert("feed-script")</script>]]></content:encoded></item>
<item><title>Summary item</title><link>http://news.example/2</link>
<description>&lt;p&gt;Only a summary here.&lt;/p&gt;</description></item>
<item><title>Repeat</title><description>&lt;p&gt;Only a summary here.&lt;/p&gt;</description>
</item>
<item><title>Link only</title><link>{link}</link>
<pubDate>Thu, 20 Jun 2024 00:00:00 GMT</pubDate></item>
<item><title>Nothing</title></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title>
<id>urn:x</id><updated>2024-06-21T00:00:00Z</updated>
<entry><title>Atom one</title><id>urn:1</id><link href="http://news.example/a1"/>
<updated>2024-06-21T12:30:00Z</updated>
<content type="html"><![CDATA[<p>Atom entry text.</p><table><tr><td>x</td><td>y</td></tr>
</table>]]></content>
</entry>
<entry><title>Atom two</title><id>urn:2</id><updated>2024-06-22T00:00:00Z</updated>
<summary>Second entry, summary only.</summary></entry>
</feed>
"""


# -- a local server with per-path answers ------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict = field(default_factory=dict)
    length: bool = True       # send Content-Length (else the body ends when the link closes)
    trickle: float = 0.0      # seconds between bytes


class _DocHandler(_Handler):
    def _answer(self, path, count):
        route = self.server.owner.routes.get(path)
        if route is None:
            return super()._answer(path, count)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for key, value in route.headers.items():
            self.send_header(key, value)
        if route.length:
            self.send_header("Content-Length", str(len(route.body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if route.trickle:
            for i in range(len(route.body)):
                self.wfile.write(route.body[i:i + 1])
                self.wfile.flush()
                time.sleep(route.trickle)
        else:
            self.wfile.write(route.body)


class _DocServer(ThreadingHTTPServer):
    daemon_threads = True
    handle_error = _Server.handle_error

    def __init__(self, owner, host):
        super().__init__((host, 0), _DocHandler)
        self.owner = owner


class DocServer(LocalServer):
    """tests/httpserver.py's server with routes answering any status, type and pace."""

    def __init__(self, root, host="127.0.0.1"):
        super().__init__(root)
        self._server.server_close()
        self._server = _DocServer(self, host)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self.routes: dict[str, Route] = {}


@pytest.fixture
def server(tmp_path):
    with DocServer(tmp_path / "www") as srv:
        yield srv


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        yield store


def rows(st, where="TRUE"):
    cur = st.con.execute(f"SELECT * FROM documents WHERE {where} ORDER BY title")
    return [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]


def count(st, table="documents"):
    return st.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def load(st, *inputs, allow=False):
    return load_documents(Context(st), [str(i) for i in inputs], allow_private=allow)


def lines_of(text: str) -> list[str]:
    """The document's lines without the blank lines that separate its blocks."""
    return [line for line in text.split("\n") if line]


# -- files -------------------------------------------------------------------------------------

def test_text_file(tmp_path, st):
    path = tmp_path / "note.txt"
    path.write_text("Russia and the DPRK\n\nJoint exercises were\nannounced in 2024.\r\n"
                    "- a bullet\n| a | b |\n", encoding="utf-8")
    report = load(st, path)
    assert report.ok and report.results[0].rows_kept == 1
    (doc,) = rows(st)
    # one blank line between blocks, so a paragraph never reads as the item before it
    assert doc["text"] == ("Russia and the DPRK\n\nJoint exercises were announced in 2024.\n\n"
                           "- a bullet\n\n| a | b |")
    assert doc["format"] == "text" and doc["title"] == "Russia and the DPRK"
    assert doc["n_chars"] == len(doc["text"]) and doc["url"] is None
    assert doc["source_name"] == "note.txt" and doc["fetched_at"] is not None
    files = st.con.execute("SELECT file_id, source, status FROM files").fetchall()
    assert files == [(doc["file_id"], "documents", "loaded")]


def test_markdown_keeps_rows_and_bullets(tmp_path, st):
    path = tmp_path / "brief.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert load(st, path).ok
    (doc,) = rows(st)
    assert lines_of(doc["text"]) == MARKDOWN_LINES
    assert doc["title"] == "Turn to the East" and doc["format"] == "markdown"
    assert doc["published"] == datetime(2024, 6, 20)
    assert "md-script" not in doc["text"]


def test_html_file_main_text_without_scripts(tmp_path, st):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE)
    assert load(st, path).ok
    (doc,) = rows(st)
    assert lines_of(doc["text"]) == PAGE_LINES
    for never in ("SCRIPT", "SECRET", "NOSCRIPT", "ONERROR", "FOOTER", "Home", "alert"):
        assert never not in doc["text"]
    assert doc["title"] == "Putin visits Pyongyang" and doc["source_name"] == "Example News"
    assert doc["published"] == datetime(2024, 6, 19)


def test_html_without_main_region_keeps_table_rows():
    page = (b"<html><body><nav>menu</nav><h2>Report</h2><p>Exports rose.</p>"
            b"<table><tr><td>a|b</td><td colspan=2>c</td></tr><tr><td>1</td><td>2</td>"
            b"<td>3</td></tr></table><ol><li>first<ul><li>nested</li></ul></li></ol>"
            b"<footer>f</footer></body></html>")
    doc = read_document(page, "x.html")
    assert lines_of(doc.text) == ["Report", "Exports rose.", "| a\\|b | c |", "| 1 | 2 | 3 |",
                                    "- first", "- nested"]
    assert doc.format == "html" and doc.url is None


def test_same_text_is_stored_once(tmp_path, st):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("One claim.\nAnother line.\n")
    b.write_text("One claim.\r\n   Another   line.\r\n\r\n")  # same text, other bytes
    assert load(st, a).results[0].rows_kept == 1
    again = load(st, a, b)
    assert [r.status for r in again.results] == ["skipped", "loaded"]
    assert again.results[1].rows_kept == 0 and again.results[1].rows_duplicate == 1
    assert count(st) == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_encodings_with_a_bom(tmp_path, st, encoding):
    text = "Пхеньян и Москва\n\nСоглашение подписано."
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "ru.txt"
    path.write_bytes(data)
    assert load(st, path).ok
    assert rows(st)[0]["text"] == "Пхеньян и Москва\n\nСоглашение подписано."


def test_html_meta_charset_is_used():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=windows-1251"><title>Визит</title></head><body><p>Путин посетил '
            'Пхеньян.</p></body></html>').encode("cp1251")
    doc = read_document(page, "ru.html")
    assert doc.text == "Путин посетил Пхеньян." and doc.title == "Визит"


@pytest.mark.parametrize("name, data, message", [
    ("latin.txt", "Café crème\n".encode("latin-1"),
     "latin.txt: not UTF-8 text (invalid continuation byte at byte 3) and no charset "
     "declared; convert it to UTF-8"),
    ("lying.html", '<meta charset="utf-8"><p>Café</p>'.encode("latin-1"),
     "lying.html: not UTF-8 text (invalid continuation byte at byte 28) though it declares "
     "utf-8"),
    ("bad16.txt", b"\xff\xfeA\x00\x00\xd8", "bad16.txt: starts with a utf-16 byte-order mark "
     "but is not utf-16 (unexpected end of data at byte 4)"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "image.png: binary data "
     "(NUL bytes), not a text document"),
    ("doc.txt", b"%PDF-1.7\n%\xe2\xe3", "doc.txt: a PDF; only text, Markdown, HTML and "
     "RSS/Atom are read"),
    ("empty.txt", b"", "empty.txt: empty document"),
    ("blank.md", b"  \n\t\n", "blank.md: empty document"),
    ("scripts.html", b"<html><script>var a = 'hidden';</script><style>p{}</style></html>",
     "scripts.html: empty document (no text once markup is removed)"),
    ("controls.txt", bytes(range(1, 32)) * 4, "controls.txt: binary data (108 control "
     "characters), not a text document"),
])
def test_bad_files_fail_in_one_line_and_leave_no_document(tmp_path, st, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    report = load(st, path)
    assert report.failures == [(str(path), str(tmp_path / message))]
    assert count(st) == 0
    assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]


def test_huge_file_is_refused_with_the_cap(tmp_path, st, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_DOCUMENT_BYTES", "1000")
    path = tmp_path / "big.txt"
    path.write_text("word " * 400)
    report = load(st, path)
    assert report.failures[0][1] == (f"{path}: 2,000 bytes, over the 1,000-byte cap for a "
                                     f"document (raise PIVOTWATCH_MAX_DOCUMENT_BYTES to load it)")
    assert count(st) == 0
    with pytest.raises(SourceError, match="over the 100-byte cap"):
        read_document(path, "big.txt", max_bytes=100)


def test_cli_loads_and_fails_in_one_line(tmp_path):
    good, bad = tmp_path / "good.md", tmp_path / "bad.bin"
    good.write_text(MARKDOWN)
    bad.write_bytes(b"\x00\x01binary")
    result = runner.invoke(app, ["ingest", "documents", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{good}: 1 new, 0 already stored, 0 rejected (Turn to the East)" in result.output
    assert f"{bad}: binary data (NUL bytes), not a text document" in result.output
    assert "1 input(s) could not be loaded" in result.output
    with open_store() as st:
        assert count(st) == 1


# -- URLs --------------------------------------------------------------------------------------

def test_url_is_fetched_cached_and_stored(server, st, tmp_path):
    server.routes["/news/page"] = Route(PAGE)
    server.routes["/go"] = Route(status=302, headers={"Location": "/news/page"})
    url = server.url("/go")
    report = load(st, url, allow="127.0.0.1")
    assert report.ok, report.failures
    (doc,) = rows(st)
    assert lines_of(doc["text"]) == PAGE_LINES and doc["format"] == "html"
    assert doc["url"] == server.url("/news/page")  # the address after the redirect
    name, file_id = st.con.execute("SELECT name, file_id FROM files").fetchone()
    assert name == url and file_id == doc["file_id"]
    cached = list((tmp_path / "cache" / "documents").iterdir())
    assert [p.read_bytes() for p in cached] == [PAGE]
    # the Host header names the host the URL gave, though the request went to its address
    assert server.requests_for("/news/page")[0].headers["host"] == server.base[7:]
    assert load(st, url, allow="127.0.0.1").count("skipped") == 1


def test_loopback_is_refused_unless_allowed(server, st, monkeypatch):
    server.routes["/p"] = Route(PAGE)
    report = load(st, server.url("/p"))
    assert report.failures == [(server.url("/p"), (
        f"{server.url('/p')}: refused: 127.0.0.1 is a loopback address (pass --allow-private "
        f"or set PIVOTWATCH_ALLOW_PRIVATE_URLS to allow it)"))]
    assert server.requests == [] and count(st) == 0 and count(st, "files") == 0
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.0/8")
    assert load(st, server.url("/p")).ok and count(st) == 1


def test_cli_allow_private(server):
    server.routes["/p.md"] = Route(MARKDOWN.encode(), "text/markdown")
    result = runner.invoke(app, ["ingest", "documents", server.url("/p.md")])
    assert result.exit_code == 1 and "a loopback address" in result.output
    result = runner.invoke(app, ["ingest", "documents", "--allow-private", server.url("/p.md")])
    assert result.exit_code == 0, result.output
    with open_store() as st:
        assert lines_of(rows(st)[0]["text"]) == MARKDOWN_LINES


@pytest.mark.parametrize("location, kind", [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://10.1.2.3/x", "10.1.2.3 is a private address"),
    ("http://[::1]:8/x", "::1 is a loopback address"),
    ("http://0.0.0.0/x", "0.0.0.0 is an unspecified address"),
])
def test_redirect_to_a_private_address_is_refused(server, st, location, kind):
    server.routes["/r"] = Route(status=301, headers={"Location": location})
    report = load(st, server.url("/r"), allow="127.0.0.1")
    assert report.failures[0][1].startswith(
        f"{server.url('/r')}: redirected to {location}: refused: {kind} (pass --allow-private")
    assert count(st) == 0 and count(st, "files") == 0


def test_redirect_to_127_0_0_1_when_only_another_address_is_allowed(tmp_path, st):
    try:
        other = DocServer(tmp_path / "other", host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 is not available here")
    with other, DocServer(tmp_path / "local") as local:
        local.routes["/secret"] = Route(b"<p>internal</p>")
        other.routes["/r"] = Route(status=307, headers={"Location": local.url("/secret")})
        report = load(st, other.url("/r"), allow="127.0.0.2")
        assert "refused: 127.0.0.1 is a loopback address" in report.failures[0][1]
        assert len(other.requests) == 1 and local.requests == []


def test_too_many_redirects(server, st):
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    report = load(st, server.url("/loop"), allow=True)
    assert report.failures[0][1] == f"{server.url('/loop')}: more than 5 redirects"
    assert len(server.requests_for("/loop")) == 6


def test_oversize_bodies_are_cut(server, st, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_DOCUMENT_BYTES", "1000")
    server.routes["/declared"] = Route(b"<p>" + b"x" * 2000 + b"</p>")
    server.routes["/streamed"] = Route(b"<p>" + b"x" * 200_000 + b"</p>", length=False)
    report = load(st, server.url("/declared"), server.url("/streamed"), allow=True)
    assert [m for _, m in report.failures] == [
        f"{server.url('/declared')}: 2,007 bytes, over the 1,000-byte cap "
        f"(PIVOTWATCH_MAX_DOCUMENT_BYTES)",
        f"{server.url('/streamed')}: over the 1,000-byte cap (PIVOTWATCH_MAX_DOCUMENT_BYTES)"]
    assert count(st) == 0


def test_slow_responses_hit_the_time_cap(server, st, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_FETCH_TIMEOUT", "1")
    server.routes["/trickle"] = Route(b"<p>slow text here</p>", trickle=0.2)
    started = time.monotonic()
    report = load(st, server.url("/trickle"), allow=True)
    assert report.failures == [(server.url("/trickle"),
                                f"{server.url('/trickle')}: took longer than 1 s")]
    server.delay = 2.5
    report = load(st, server.url("/trickle"), allow=True)
    assert report.failures[0][1] == f"{server.url('/trickle')}: took longer than 1 s"
    assert time.monotonic() - started < 5 and count(st) == 0


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png",
                                          "application/octet-stream"])
def test_other_content_types_are_refused(server, st, content_type):
    server.routes["/f"] = Route(b"%PDF-1.4 ...", content_type)
    report = load(st, server.url("/f"), allow=True)
    assert report.failures[0][1] == f"{server.url('/f')}: unsupported content type {content_type}"
    assert count(st) == 0


def test_http_errors_and_unreachable_hosts(server, st):
    report = load(st, server.url("/missing"), "http://127.0.0.1:9/x", "file:///etc/passwd",
                  allow=True)
    messages = [m for _, m in report.failures]
    assert messages[0] == f"{server.url('/missing')}: HTTP 404 Not Found"
    assert messages[1].startswith("http://127.0.0.1:9/x: ") and "\n" not in messages[1]
    assert messages[2] == "file:///etc/passwd: only http and https URLs can be fetched"
    assert count(st) == 0


def test_plain_text_content_type(server, st):
    server.routes["/t"] = Route("Plain text, déjà vu.".encode("latin-1"),
                                "text/plain; charset=ISO-8859-1")
    assert load(st, server.url("/t"), allow=True).ok
    assert rows(st)[0]["text"] == "Plain text, déjà vu."


# -- feeds -------------------------------------------------------------------------------------

def test_rss_file_items_and_a_linked_page(tmp_path, st, server):
    server.routes["/story"] = Route(PAGE)
    path = tmp_path / "desk.rss"
    path.write_text(RSS.format(link=server.url("/story")))
    report = load(st, path, allow=True)
    assert report.ok, report.failures
    docs = {d["title"]: d for d in rows(st)}
    # the linked page's own title wins over the item's
    assert set(docs) == {"Full item", "Summary item", "Putin visits Pyongyang"}
    full = docs["Full item"]
    assert full["text"] == "The full text of item one.\n\n- a point"
    assert full["format"] == "feed-item" and full["url"] == "http://news.example/1"
    assert full["published"] == datetime(2024, 6, 19, 7, 0)  # UTC
    assert full["source_name"] == "Korea Desk" and full["feed_url"] == str(path)
    assert docs["Summary item"]["text"] == "Only a summary here."
    page = docs["Putin visits Pyongyang"]
    assert page["format"] == "html" and lines_of(page["text"]) == PAGE_LINES
    assert page["feed_url"] == str(path) and page["url"] == server.url("/story")
    assert page["published"] == datetime(2024, 6, 19)  # the page's own date wins
    rejects = st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall()
    assert rejects == [(3, "same text as item 2"), (5, "item has no content, summary or link")]
    names = st.con.execute("SELECT name FROM files ORDER BY name").fetchall()
    assert sorted(n for (n,) in names) == sorted([str(path), server.url("/story")])
    assert "feed-script" not in "".join(d["text"] for d in docs.values())
    again = load(st, path, allow=True)
    assert again.ok and count(st) == 3
    assert {r.status for r in again.results} == {"skipped"}


def test_atom_feed_url(server, st):
    server.routes["/atom"] = Route(ATOM.encode(), "application/atom+xml")
    report = load(st, server.url("/atom"), allow=True)
    assert report.ok and report.results[0].layout == "feed-atom10"
    docs = rows(st)
    assert [(d["title"], d["text"], d["published"], d["feed_url"]) for d in docs] == [
        ("Atom one", "Atom entry text.\n\n| x | y |", datetime(2024, 6, 21, 12, 30),
         server.url("/atom")),
        ("Atom two", "Second entry, summary only.", datetime(2024, 6, 22), server.url("/atom"))]


def test_read_feed_without_the_store():
    feed = read_feed(ATOM.encode(), "atom.xml")
    assert feed.title == "Atom Desk" and feed.items == 2 and len(feed.documents) == 2
    with pytest.raises(SourceError, match="not a readable RSS/Atom feed"):
        read_feed(b"<rss><channel><title>x</title></channel></rss>", "empty.rss")
    with pytest.raises(SourceError, match="XML but not an RSS or Atom feed"):
        read_document(b"<?xml version='1.0'?><svg/>", "x.xml")


def test_address_policy_setting():
    assert AddressPolicy.from_setting("").networks == ()
    assert AddressPolicy.from_setting("all").allow_all
    assert AddressPolicy.from_setting("", True).allow_all
    policy = AddressPolicy.from_setting("127.0.0.1, 10.0.0.0/8")
    assert len(policy.networks) == 2
    with pytest.raises(UsageError, match="'nope' is not an address or network"):
        AddressPolicy.from_setting("nope")


def test_html_without_main_region_uses_trafilatura_for_long_pages():
    para = "<p>" + "Russia and North Korea widened their cooperation this year. " * 5 + "</p>"
    page = ("<html><body><div class=cookie>Accept our COOKIE banner now</div>"
            "<div class=related><a href=/1>RELATED one</a><br><a href=/2>RELATED two</a></div>"
            + para + "<p>Exports rose sharply.</p><table><tr><td>a</td><td>b</td></tr>"
            "<tr><td>1</td><td>2</td></tr></table>" + para.replace("year", "decade")
            + "<div class=share>SHARE on social media</div></body></html>").encode()
    lines = lines_of(read_document(page, "long.html").text)
    assert lines[1:4] == ["Exports rose sharply.", "| a | b |", "| 1 | 2 |"]
    assert len(lines) == 5 and lines[4].endswith("this decade.")
    assert not any(word in line for line in lines for word in ("COOKIE", "RELATED", "SHARE"))


def test_a_page_date_is_one_the_page_declares_never_a_year_in_its_text():
    body = ("<main><h1>Summit history</h1><p>Putin and Kim Jong Un first met in Vladivostok "
            "in 2019.</p></main><footer>© 2023 Example</footer>")
    guessed = read_document(f"<html><head><title>t</title></head><body>{body}</body></html>"
                            .encode(), "page.html")
    assert guessed.published is None
    declared = read_document(
        f'<html><head><title>t</title><meta property="article:published_time" '
        f'content="2025-10-01T08:00:00Z"></head><body>{body}</body></html>'.encode(), "p.html")
    assert declared.published == datetime(2025, 10, 1)


def test_a_feed_served_as_x_rss_xml_is_read(server, st):
    server.routes["/feed.rss"] = Route(ATOM.encode(), "application/x-rss+xml")
    report = load(st, server.url("/feed.rss"), allow=True)
    assert report.ok, report.failures
    assert len(rows(st)) == 2


def test_a_folder_loads_the_documents_in_it(tmp_path, st):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("Russia and the DPRK signed a treaty in June 2024.\n")
    (folder / "b.txt").write_text("Trade was $34.4 million in 2023.\n")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    report = load_documents(Context(st), [str(folder)])
    assert report.ok and report.count("loaded") == 2
    assert sorted(d["text"] for d in rows(st)) == [
        "Russia and the DPRK signed a treaty in June 2024.", "Trade was $34.4 million in 2023."]


def test_each_table_keeps_its_header_row_and_stays_apart():
    text = ("| Year | Trade (USD) |\n|---|---|\n| 2015 | $95 million |\n\n"
            "| Year | Barrels |\n|---|---|\n| 2018 | 241,114 |\n")
    doc = read_document(text.encode(), "tables.md")
    assert doc.text.split("\n") == [
        "| Year | Trade (USD) |", "| --- | --- |", "| 2015 | $95 million |", "",
        "| Year | Barrels |", "| --- | --- |", "| 2018 | 241,114 |"]
