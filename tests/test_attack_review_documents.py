"""Issue 9, outside review of documents and fetching: a redirect to a non-http(s) URL, Markdown
that took quadratic time, HTML nested past libxml2's depth limit."""

from __future__ import annotations

import time
from http.server import ThreadingHTTPServer

import pytest
from httpserver import LocalServer, _Handler, _Server
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.sources import doctext
from pivotwatch.store import open_store

runner = CliRunner()
TEXT = b"Russia and China signed a trade agreement in 2024.\n"


class _Redirecting(_Handler):
    def _answer(self, path, count):
        if path.startswith("/redir/"):
            self.send_response(302)
            self.send_header("Location", path.removeprefix("/redir/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = TEXT + path.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _RedirectServer(ThreadingHTTPServer):
    daemon_threads = True
    handle_error = _Server.handle_error

    def __init__(self, owner):
        super().__init__(("127.0.0.1", 0), _Redirecting)
        self.owner = owner


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1")
    server = LocalServer(tmp_path / "www")
    server._server.server_close()
    server._server = _RedirectServer(server)
    import threading
    server._thread = threading.Thread(target=server._server.serve_forever,
                                      kwargs={"poll_interval": 0.05}, daemon=True)
    with server:
        yield server


def stored_texts(tmp_path) -> list[str]:
    with open_store(tmp_path / "store.duckdb", create=True) as st:
        return [t for (t,) in st.con.execute(
            "SELECT text FROM documents ORDER BY text").fetchall()]


@pytest.mark.parametrize("location", ["javascript:alert(1)", "data:text/html,hi",
                                      "mailto:x@example.org", "file:///etc/passwd"])
def test_redirect_to_a_non_http_url_fails_in_one_line_and_the_rest_loads(site, tmp_path,
                                                                          location):
    bad = site.url(f"/redir/{location}")
    result = runner.invoke(app, ["ingest", "documents", site.url("/a.txt"), bad,
                                 site.url("/b.txt")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    failed = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert failed == [f"failed: {bad}: redirected to {location}: only http and https URLs "
                      f"can be fetched (redirect to a non-http(s) URL refused)"]
    assert stored_texts(tmp_path) == [f"{TEXT.decode().strip()} /a.txt",
                                      f"{TEXT.decode().strip()} /b.txt"]


def test_claims_and_gdelt_refuse_the_redirect_in_one_line(site):
    bad = site.url("/redir/javascript:alert(1)")
    claims = runner.invoke(app, ["claims", bad])
    assert claims.exit_code == 1 and isinstance(claims.exception, SystemExit)
    assert f"error: {bad}: redirected to javascript:alert(1): only http" in claims.output
    gdelt = runner.invoke(app, ["ingest", "gdelt", "--allow-private", bad])
    assert gdelt.exit_code == 1 and isinstance(gdelt.exception, SystemExit)
    # one file that fails is one error line (issue 11), not a summary table
    assert gdelt.output.strip().splitlines() == [
        f"error: {bad}: redirected to javascript:alert(1): only http and https URLs can be "
        "fetched (redirect to a non-http(s) URL refused)"]


@pytest.mark.parametrize("text", [
    "*a " * 70_000,                                   # 210 KB of openers with no closer
    "*a* " * 50_000,                                  # 200 KB of closed emphasis
    "[" * 100_000 + "x" + "]" * 100_000 + "(x)",       # 200 KB of brackets
    "![" * 100_000, "x " + "`" * 200_000, "<a " * 70_000, "<!--" * 50_000, "<script " * 25_000,
    "# a" + " " * 200_000 + "b",                      # a heading with a long run of spaces
])
def test_hostile_markdown_is_read_in_linear_time(tmp_path, text):
    path = tmp_path / "doc.md"
    path.write_text(text)
    started = time.monotonic()
    result = runner.invoke(app, ["ingest", "documents", str(path)])
    assert time.monotonic() - started < 5, "Markdown reading is not linear"
    assert result.exit_code == 0, result.output
    assert len(stored_texts(tmp_path)) == 1


def test_markdown_inline_steps_match_their_patterns():
    for text in ["**a *b* c**", "***x***", "[a [b](c) d", "![i](u) and [l][r]", "`` a `` b",
                 "a <b>c</b> <!-- d --> e <f", "__init_file__ and ~~gone~~", "* a * b*"]:
        expected = doctext._IMAGE.sub(lambda m: m.group(1), text)
        expected = doctext._LINK.sub(lambda m: m.group(1) or m.group(2), expected)
        expected = doctext._CODE.sub(lambda m: m.group(1), expected)
        for _ in range(2):
            expected = doctext._EMPHASIS.sub(lambda m: m.group(2), expected)
        assert doctext._inline(text) == doctext.html.unescape(
            doctext._HTML_TAG.sub(" ", expected))


def test_html_nested_past_the_parser_depth_is_named(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 50_000 + "hello" + "</div>" * 50_000
                    + "</body></html>")
    result = runner.invoke(app, ["ingest", "documents", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"failed: {path}: HTML nested deeper than 256 levels; not read" in result.output


def test_a_feed_of_links_is_recorded_and_a_non_http_link_is_a_reject(site, tmp_path):
    """An item linking to file:///etc/passwd was dropped without a word, and a feed of links
    alone left no `files` row."""
    feed = tmp_path / "links.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f'<item><title>good</title><link>{site.url("/a.txt")}</link></item>'
        "<item><title>bad</title><link>file:///etc/passwd</link></item>"
        "</channel></rss>", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "documents", str(feed)])
    assert result.exit_code == 0, result.output
    assert stored_texts(tmp_path) == [f"{TEXT.decode().strip()} /a.txt"]
    with open_store(tmp_path / "store.duckdb", create=True) as st:
        assert st.con.execute("SELECT rows_read, rows_kept, rows_rejected, status FROM files "
                              "WHERE name = ?", [str(feed)]).fetchall() == [(2, 0, 1, "loaded")]
        assert st.con.execute("SELECT line, reason, raw FROM rejects").fetchall() == [
            (2, "item has no text, and its link is not http(s), so it is not fetched", "bad")]


def test_a_page_of_many_small_blocks_is_read_in_linear_time(tmp_path):
    """Trafilatura's jusText fallback is quadratic in the blocks: a 5 MiB page of them ran
    for over ten minutes. 20,000 blocks (380 KB) now take about a second."""
    page = tmp_path / "blocks.html"
    page.write_text("<html><body>" + "<div><p>a</p></div>" * 20_000 + "</body></html>",
                    encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(app, ["ingest", "documents", str(page)])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 15
    assert stored_texts(tmp_path) == ["\n\n".join(["a"] * 20_000)]  # a blank line between blocks


@pytest.mark.parametrize("declared", ['<meta charset="rot13">', '<meta charset="hex">',
                                      '<meta http-equiv="Content-Type" '
                                      'content="text/html; charset=zlib">'])
def test_a_charset_that_is_not_a_text_encoding_fails_that_document_only(tmp_path, declared):
    bad = tmp_path / "bad.html"
    bad.write_bytes(f"<html><head>{declared}</head><body><p>caf".encode()
                    + b"\xe9 Russia</p></body></html>")
    good = tmp_path / "good.txt"
    good.write_text("Russia and China signed a trade agreement.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "documents", str(bad), str(good)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    charset = declared.split("charset=")[1].strip('">')
    assert [line for line in result.output.splitlines() if line.startswith("failed:")] == [
        f"failed: {bad}: declares {charset!r}, which is not a text encoding"]
    assert stored_texts(tmp_path) == ["Russia and China signed a trade agreement."]


def test_a_page_of_more_tags_than_the_cap_is_refused_before_parsing(tmp_path, monkeypatch):
    """lxml's tree of 655,000 tags (a 5 MB page) peaked at 1.26 GB."""
    monkeypatch.setattr(doctext, "MAX_HTML_TAGS", 1_000)
    page = tmp_path / "tags.html"
    page.write_text("<p>Russia and North Korea.</p>" + "<i>x</i>" * 600, encoding="utf-8")
    result = runner.invoke(app, ["ingest", "documents", str(page)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"failed: {page}: HTML with 1,202 tags, more than the 1,000 a page is read with; " \
           "not read" in result.output
