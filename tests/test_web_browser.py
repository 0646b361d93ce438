"""The dashboard clicked through in a real browser (issue 15): Debian's Chromium, driven by
Playwright, against a real uvicorn server on a copy of the demo store (the bundled samples and
reference tables, with one watch cycle run over them as `make demo` does).

- A crawler, not a list: from `/` it follows every same-origin link breadth-first, at 1280 px
  and at 390 px (a phone's viewport), so the pages added later are covered when the nav or a
  page links them. Every page answers 200 with a title and one h1, logs no console error or
  CSP violation, requests nothing outside the server's origin, draws every image (the charts'
  server SVG), screenshots to something other than one colour, and on a phone does not scroll
  sideways (wide tables scroll inside their own `.scroll` box).
- Every dimension tab of the dyad page is clicked and shows its own section.
- A view changed with the form (frequency, range, partners) has a URL that, opened in a fresh
  browser, shows the same content.
- Every table on the dyad page and on each page of the nav downloads, as CSV and JSON, the rows
  and columns the page shows.
- The README's screenshots (`docs/img/dashboard-dyad.png`, `docs/img/dashboard-phone.png`) are
  made here: always into the test's tmp folder and checked, and written to `docs/img/` only
  when PIVOTWATCH_SCREENSHOTS=1, so an ordinary run leaves the repository alone.

Skips when Playwright or /usr/bin/chromium is absent; `.ci/run` installs both. Set
PIVOTWATCH_SCREENSHOT_DIR to keep a full-page screenshot of every page crawled for a person to
look at (the ordinary run checks the first screen of each, in tmp).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import pytest
from conftest import CHROMIUM, REPO

from pivotwatch.markup import http_url, visible
from pivotwatch.web.site import cell_text

pytest.importorskip("playwright.sync_api",
                    reason="the playwright package is not installed (pip install -e '.[dev]')")
pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(),
                                reason=f"{CHROMIUM} is absent (apt-get install chromium)")

CAP = 60  # pages a crawl visits at most
# A page's links to views of the same shape (path pattern and query keys: the 6 dimension
# tabs of each dyad, each period's events) are followed up to this many times, so that one
# page's variants do not fill the cap before the pages after it are reached; the tabs have
# their own test below.
PER_SHAPE = 2
MIN_PAGES = 18  # a crawl that visits fewer has lost pages (20 on the demo store, 2026-12-04)
DOWNLOAD_QUERY = {"table", "format", "chart"}  # ?table=..&format=..: downloads, not pages
DOWNLOAD_SUFFIXES = (".atom", ".csv", ".json", ".pdf", ".html", ".svg", ".png")
MIN_INK = 0.003  # share of a screenshot's pixels not in its commonest colour
WIDTHS = {"desktop": dict(viewport={"width": 1280, "height": 900}),
          "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)}
DYADS = ("RUS-PRK", "RUS-CHN")
# each README screenshot ends under an element of the page: the desktop's under the view's
# form (bottom line, scorecard, tabs), the phone's under the scorecard's third card
README_SHOTS = {"desktop": ("dashboard-dyad.png", "form.view"),
                "phone": ("dashboard-phone.png", "#table-scorecard tbody tr:nth-child(3)")}

LAYOUT = """() => {
  const vw = document.documentElement.clientWidth;
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1 || scroller(el)) continue;
    wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
              ' right=' + Math.round(r.right));
  }
  const links = [...document.querySelectorAll('a[href^="/"]')]
    .map(a => ({href: a.getAttribute('href'), download: a.hasAttribute('download')}));
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
    .map(i => (i.getAttribute('src') || '').slice(0, 100));
  return {vw, innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
          wide: wide.slice(0, 8), links, broken, h1: document.querySelectorAll('h1').length,
          title: document.title};
}"""

TABLES = """() => [...document.querySelectorAll('figure.grid')].map(f => {
  const links = [...f.querySelectorAll('figcaption .downloads a')].map(a => a.getAttribute('href'));
  return {name: f.id.replace(/^table-/, ''), links,
          columns: [...f.querySelectorAll('thead th')].map(th => th.textContent),
          rows: [...f.querySelectorAll('tbody tr')].map(
            tr => [...tr.querySelectorAll('td')].map(td => td.textContent))};
})"""


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def origin(demo_store, tmp_path_factory) -> str:
    """A real server on a copy of the demo store, with one watch cycle run on it (its alerts
    fill the alerts page), for the module: the page cache is shared by the tests."""
    import uvicorn

    from pivotwatch.watch.config import WatchConfig
    from pivotwatch.watch.cycle import run_cycle
    from pivotwatch.web.app import create_app

    db = tmp_path_factory.mktemp("web-browser") / "web.duckdb"
    shutil.copy(demo_store, db)
    run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={}), db=db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db, dyads=DYADS), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def contexts(browser):
    """One browser context per width, reused by every test of the module."""
    made = {name: browser.new_context(device_scale_factor=1, **options)
            for name, options in WIDTHS.items()}
    yield made
    for context in made.values():
        context.close()


# --------------------------------------------------------------------------- recording a page


@dataclass
class Seen:
    """What one page did while it loaded: console errors (CSP violations among them), page
    errors, failed requests, and every URL it asked for."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def clear(self) -> None:
        for kept in (self.console, self.errors, self.failed, self.requests):
            kept.clear()

    def problems(self, origin: str) -> list[str]:
        offsite = [u for u in self.requests if not (u.startswith(origin + "/")
                                                    or u.startswith("data:"))]
        return ([f"console error: {m}" for m in self.console]
                + [f"page error: {m}" for m in self.errors]
                + [f"request failed: {m}" for m in self.failed]
                + [f"request off the origin: {u}" for u in offsite])


def ink(png: bytes) -> float:
    """The share of the screenshot's pixels that differ from its commonest colour: 0 for a
    blank (one-colour) image."""
    from PIL import Image  # WeasyPrint's dependency

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(image.width * image.height)
    return 1 - max(n for n, _ in colours) / (image.width * image.height)


def settle(page) -> None:
    """After `load`: a page whose charts the script turns into Vega views is still fetching
    their specs (a page without charts fetches nothing more)."""
    if page.locator("figure.chart[data-vega]").count():
        page.wait_for_load_state("networkidle", timeout=15_000)


def shape(url: str) -> tuple:
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    keys = tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return segments[0], len(segments), keys


def canonical(url: str) -> str:
    """One key per view: the same query in another order is the same page."""
    parts = urlsplit(url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + ("?" + urlencode(query) if query else "")


def followed(origin: str, base: str, link: dict) -> str | None:
    """The absolute URL a link leads to when the crawl follows it: a page of this server, not
    a download (a table or chart, the briefing, the Atom feed)."""
    url, _ = urldefrag(urljoin(base, link["href"]))
    parts = urlsplit(url)
    if not url.startswith(origin + "/") or link["download"]:
        return None
    if parts.path.endswith(DOWNLOAD_SUFFIXES):
        return None
    if DOWNLOAD_QUERY & {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}:
        return None
    return url


@dataclass
class Crawl:
    visited: list[str]
    shapes: Counter
    skipped: int  # links not followed for PER_SHAPE
    left: int  # pages still queued when the cap stopped the crawl
    problems: list[str]
    inks: dict[str, float]
    seconds: dict[str, float]  # each page's load, checks and screenshot


def crawl(context, origin: str, width: str, shots: Path) -> Crawl:
    """Breadth-first from `/` over every same-origin page link, in one page of `context`;
    each page checked as it is visited."""
    keep = os.environ.get("PIVOTWATCH_SCREENSHOT_DIR")
    shots.mkdir(parents=True, exist_ok=True)
    page = context.new_page()
    seen = Seen()
    seen.watch(page)
    queue, queued = deque([origin + "/"]), {"/"}
    visited: list[str] = []
    shapes: Counter = Counter()
    skipped, problems, inks, seconds = 0, [], {}, {}
    try:
        while queue and len(visited) < CAP:
            url = queue.popleft()
            started = time.monotonic()
            seen.clear()
            response = page.goto(url, wait_until="load", timeout=60_000)
            settle(page)
            visited.append(url)
            where = f"{width} {url[len(origin):]}"
            status = response.status if response else None
            if status != 200:
                problems.append(f"{where}: status {status}")
            facts = page.evaluate(LAYOUT)
            problems += [f"{where}: image not drawn: {src}" for src in facts["broken"]]
            if facts["h1"] != 1 or not facts["title"].strip():
                problems.append(f"{where}: {facts['h1']} h1 headings, title {facts['title']!r}")
            if width == "phone" and facts["scrollWidth"] > facts["vw"] + 1:
                problems.append(f"{where}: the page is {facts['scrollWidth']} px wide on a "
                                f"{facts['vw']} px screen; past the edge: {facts['wide']}")
            slug = re.sub(r"[^a-zA-Z0-9]+", "-", url[len(origin):]).strip("-")[:80] or "root"
            name = f"{len(visited):02d}-{slug}.png"
            png = page.screenshot(path=str(shots / name), type="png",
                                  animations="disabled", caret="hide")
            inks[url] = ink(png)
            if inks[url] < MIN_INK:
                problems.append(f"{where}: the screenshot is blank ({inks[url]:.4f} ink)")
            if keep:
                Path(keep, width).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(keep, width, name)),
                                full_page=True, animations="disabled", caret="hide")
            problems += [f"{where}: {p}" for p in seen.problems(origin)]
            for link in facts["links"]:
                target = followed(origin, page.url, link)
                if target is None or canonical(target) in queued:
                    continue
                queued.add(canonical(target))
                if shapes[shape(target)] >= PER_SHAPE:
                    skipped += 1
                    continue
                shapes[shape(target)] += 1
                queue.append(target)
            seconds[url] = time.monotonic() - started
    finally:
        page.close()
    return Crawl(visited, shapes, skipped, len(queue), problems, inks, seconds)


def nav_links(context, origin: str) -> list[str]:
    """The pages the nav of every page names."""
    page = context.new_page()
    try:
        page.goto(origin + "/", wait_until="load")
        hrefs = page.eval_on_selector_all("header nav a",
                                          "as => as.map(a => a.getAttribute('href'))")
    finally:
        page.close()
    return [urljoin(origin, h) for h in hrefs]


def test_the_checks_see_a_csp_violation_an_offsite_request_and_a_blank_page(browser):
    """The recorder and the blank test are live: a page with an inline style and an image
    from elsewhere is caught on both counts, and an empty page is blank."""
    origin = "http://pivotwatch.test"
    body = '<p style="color: red">x</p><img src="http://elsewhere.test/x.png" alt="">'
    context = browser.new_context(viewport={"width": 390, "height": 300})
    try:
        page = context.new_page()
        seen = Seen()
        seen.watch(page)
        page.route(f"{origin}/", lambda r: r.fulfill(body=body, headers={
            "content-type": "text/html", "content-security-policy": "style-src 'self'"}))
        page.route("http://elsewhere.test/**", lambda r: r.abort())
        page.route(f"{origin}/blank", lambda r: r.fulfill(body="", content_type="text/html"))
        page.goto(f"{origin}/", wait_until="load")
        problems = seen.problems(origin)
        assert any("console error" in p and "Content Security Policy" in p for p in problems)
        assert "request off the origin: http://elsewhere.test/x.png" in problems
        page.goto(f"{origin}/blank", wait_until="load")
        assert ink(page.screenshot(type="png")) < MIN_INK
    finally:
        context.close()


# --------------------------------------------------------------------------- the crawl


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_loads_clean_stays_on_the_origin_and_fits(contexts, origin, width,
                                                             tmp_path):
    found = crawl(contexts[width], origin, width, tmp_path / "shots")
    print(f"{width}: {len(found.visited)} pages (least ink {min(found.inks.values()):.3f}), "
          f"{found.skipped} links of a shape seen "
          f"{PER_SHAPE} times not followed; seconds: " + ", ".join(
              f"{u[len(origin):]} {t:.1f}" for u, t in found.seconds.items()))
    assert not found.problems, "\n".join(found.problems)
    paths = [u[len(origin):] for u in found.visited]
    assert len(paths) >= MIN_PAGES, f"{len(paths)} pages visited, not {MIN_PAGES}: {paths}"
    assert not found.left, f"the cap of {CAP} pages left {found.left} unvisited: raise it"
    nav = nav_links(contexts[width], origin)
    assert nav and not set(nav) - set(found.visited), "a page of the nav was not visited"
    for expected in ("/dyad/RUS-PRK", "/dyad/RUS-CHN", "/alerts", "/data"):
        assert expected in paths
    assert any(re.match(r"/dyad/[A-Z-]+/events\?", p) for p in paths), "no events page reached"
    assert any("dimension=" in p for p in paths), "no dimension tab reached"


# --------------------------------------------------------------------------- the tabs


def test_every_dimension_tab_shows_its_section(contexts, origin):
    from pivotwatch.web.dyad import TABS

    page = contexts["desktop"].new_page()
    seen = Seen()
    seen.watch(page)
    try:
        page.goto(origin + "/dyad/RUS-PRK", wait_until="load")
        names = page.eval_on_selector_all("nav.tabs a", "as => as.map(a => a.textContent)")
        assert names == list(TABS)
        for name in names:
            page.locator("nav.tabs a", has_text=re.compile(f"^{name}$")).click()
            page.wait_for_url(lambda u, name=name: dict(parse_qsl(urlsplit(u).query)).get(
                "dimension", "all") == name, wait_until="load")
            settle(page)
            section = page.locator(f"section.tab#tab-{name}")
            assert section.is_visible(), f"tab {name}: no section"
            assert page.locator("section.tab").count() == 1
            assert section.locator("h2").inner_text().split()[0] == name
            current = page.locator('nav.tabs a[aria-current="page"]')
            assert current.count() == 1 and current.inner_text() == name
            grids = section.locator("figure.grid").evaluate_all("fs => fs.map(f => f.id)")
            expected = ["table-series", "table-changes", "table-curated"]
            if name != "all":  # a dimension's judgment carries its signals and their rows
                expected = ["table-signals", "table-evidence", *expected]
            assert not set(expected) - set(grids), f"tab {name}: {grids}"
            if name != "all":
                assert name in section.locator("#table-signals figcaption").inner_text()
        problems = seen.problems(origin)
        assert not problems, "\n".join(problems)
    finally:
        page.close()


# --------------------------------------------------------------------------- permalinks

VIEW = """() => {
  const charts = [...document.querySelectorAll('main figure.chart')];
  const urls = charts.map(f => f.getAttribute('data-vega'));
  charts.forEach(f => f.remove());  // drawn by a script in its own time: compared by URL
  return {urls, text: document.querySelector('main').innerText};
}"""


def view(page) -> dict:
    """What a page shows: its main text, its charts by the URL of their spec."""
    settle(page)
    return page.evaluate(VIEW)



def test_a_view_changed_with_the_form_is_reproduced_by_its_url(contexts, origin, browser):
    page = contexts["desktop"].new_page()
    try:
        page.goto(origin + "/dyad/RUS-CHN?dimension=political", wait_until="load")
        default = view(page)["text"]
        form = page.locator("form.view")
        form.locator("select[name=freq]").select_option("quarter")
        form.locator("input[name=from]").fill("2015")
        form.locator("input[name=to]").fill("2019-12")
        form.locator("input[name=partners]").fill("IRN,IND")
        with page.expect_navigation(wait_until="load"):
            form.locator("button[type=submit]").click()
        submitted = view(page)
        shown = submitted["text"]
        query = dict(parse_qsl(urlsplit(page.url).query))
        assert query == {"dimension": "political", "freq": "quarter", "from": "2015",
                         "to": "2019-12", "partners": "IRN,IND"}
        assert shown != default and "per quarter from 2015-01-01 to 2019-12-31" in shown
        permalink = urljoin(origin, page.locator("a.permalink").get_attribute("href"))
        assert dict(parse_qsl(urlsplit(permalink).query)) == query
        copied = page.url
    finally:
        page.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        for url in (copied, permalink):
            other = fresh.new_page()
            other.goto(url, wait_until="load")
            opened = view(other)
            assert opened["urls"] == submitted["urls"], url
            again = opened["text"]
            assert again == shown, f"{url}:\n" + "\n".join(difflib.unified_diff(
                shown.splitlines(), again.splitlines(), "submitted", "opened", lineterm=""))
            assert other.locator("select[name=freq]").input_value() == "quarter"
            other.close()
    finally:
        fresh.close()


# --------------------------------------------------------------------------- downloads


def csv_cell(value) -> str:
    """A JSON value as the CSV download writes it."""
    if value is None:
        return ""
    if isinstance(value, str) and re.match(r"[=+\-@\t\r]", value):
        return "'" + value  # a formula to a spreadsheet, quoted
    return str(value)


def shown(value, numeric: bool) -> set[str]:
    """The texts a cell holding this downloaded value may show: the value as the template
    formats it (`cell_text`, control characters made visible), or, in a URL column, the URL
    as a link."""
    return {visible(cell_text(value, numeric), keep="\t\n"), *filter(None, [http_url(value)])}


def compare_downloads(context, origin: str, url: str) -> list[str]:
    """Every table of the page at `url` against its CSV and JSON downloads; the tables
    compared, as 'path#name rows'."""
    page = context.new_page()
    checked = []
    try:
        page.goto(url, wait_until="load")
        tables = page.evaluate(TABLES)
    finally:
        page.close()
    for t in tables:
        where = f"{url[len(origin):]}#{t['name']}"
        csv_link = next(h for h in t["links"] if "format=csv" in h)
        json_link = next(h for h in t["links"] if "format=json" in h)
        as_csv = context.request.get(urljoin(url, csv_link))
        as_json = context.request.get(urljoin(url, json_link))
        assert as_csv.status == as_json.status == 200, where
        assert as_csv.headers["content-type"].startswith("text/csv"), where
        body = json.loads(as_json.text())
        assert body["table"] == t["name"], where
        lines = list(csv.reader(io.StringIO(as_csv.text())))
        header, csv_rows = lines[0], lines[1:]
        records = body["rows"]
        assert len(records) == len(csv_rows) == len(t["rows"]), (
            f"{where}: {len(t['rows'])} rows shown, {len(records)} in JSON, "
            f"{len(csv_rows)} in CSV")
        if not t["rows"]:
            continue
        assert t["columns"] == header == list(records[0]), where
        for i, (cells, record, row) in enumerate(zip(t["rows"], records, csv_rows,
                                                     strict=True)):
            values = list(record.values())
            assert [csv_cell(v) for v in values] == row, f"{where} row {i}: CSV {row}"
            for column, text, value in zip(t["columns"], cells, values, strict=True):
                assert text in shown(value, column in body["numeric"]), (
                    f"{where} row {i} {column}: shown {text!r}, downloaded {value!r}")
        checked.append(f"{where} {len(records)}")
    return checked


def test_every_table_downloads_what_the_page_shows(browser, origin):
    """Read with scripts off: the tables are the server's, and a page without its script
    (progressive enhancement) shows them all the same."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
    try:
        nav = nav_links(context, origin)
        pages = [origin + "/dyad/RUS-CHN", origin + "/dyad/RUS-PRK?dimension=military",
                 *(u for u in nav if not u.startswith(origin + "/dyad/"))]
        checked = [c for url in pages for c in compare_downloads(context, origin, url)]
    finally:
        context.close()
    names = {c.split()[0].split("#")[1] for c in checked}
    assert {"scorecard", "series", "signals", "evidence", "partners", "trajectory"} <= names
    assert sum(int(c.split()[1]) > 0 for c in checked) >= 8, checked


# --------------------------------------------------------------------------- README screenshots


@pytest.mark.parametrize("width", WIDTHS)
def test_the_readme_screenshots(contexts, origin, width, tmp_path):
    """The dyad page's first screen as the README shows it; written to docs/img/ when
    PIVOTWATCH_SCREENSHOTS=1 (then commit the images), checked in tmp otherwise."""
    name, last = README_SHOTS[width]
    page = contexts[width].new_page()
    try:
        page.goto(origin + "/dyad/RUS-PRK?dimension=military", wait_until="load")
        settle(page)
        page.evaluate("() => document.fonts.ready")
        box = page.locator(last).bounding_box()
        assert box is not None, f"no {last} on the dyad page"
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"],
                "height": round(box["y"] + box["height"] + 12)}
        png = page.screenshot(path=str(tmp_path / name), full_page=True, type="png",
                              animations="disabled", caret="hide", clip=clip)
    finally:
        page.close()
    assert ink(png) > 0.02, "the dashboard's screenshot is nearly blank"
    if os.environ.get("PIVOTWATCH_SCREENSHOTS") == "1":
        target = REPO / "docs" / "img" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"docs/img/{name}" in readme
