"""The dashboard's interactive charts: Vega and its CSP-safe interpreter served from the
package (nothing else under /static), and, in Chromium against a real server on the demo
store, the dyad page's series chart turned from the server's image into a Vega view that
fits its container, shows tooltips and opens the events of a clicked period, with no console
error, no CSP violation and no request leaving the origin; the image stays without scripts
and when the view cannot be made; a datum's link that is not a path on this site is never
followed."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from pivotwatch.web.app import create_app
from pivotwatch.web.assets import ASSETS
from pivotwatch.web.site import template_text

DYAD = "/dyad/RUS-CHN"  # a pair with GDELT events in the demo store
REDRAW_SETTLED_MS = 400  # pivotwatch.js redraws 150 ms after the last width change
SERIES = "figure.chart[data-vega*='chart=series']"
VIEW = f"{SERIES} .vega-view svg"
FIGURE = f'document.querySelector("{SERIES}")'  # in the page's JavaScript
# a probe of CSP violations, run before the page's own scripts (Playwright's init scripts are
# not subject to the page's policy)
CSP_PROBE = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""


def test_the_assets_are_served_as_listed_and_nothing_else(demo_store):
    from importlib.resources import files

    web = TestClient(create_app(demo_store), raise_server_exceptions=False)
    vendor = files("pivotwatch") / "data" / "web" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for name, kind in ASSETS.items():
        got = web.get(f"/static/{name}")
        assert got.status_code == 200, name
        assert got.headers["content-type"] in (kind, f"{kind}; charset=utf-8"), name
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.text == template_text(name)
        if name.startswith("vendor/"):  # the file the README names, byte for byte
            digest = hashlib.sha256((vendor / name.removeprefix("vendor/")).read_bytes())
            row = re.search(rf"^\| `{re.escape(name.removeprefix('vendor/'))}` .*$", readme,
                            re.M)
            assert row and digest.hexdigest() in row[0], name
    assert set(ASSETS) >= {"vendor/vega.min.js", "vendor/vega-interpreter.min.js",
                           "pivotwatch.js", "pivotwatch.css"}
    for path in ("/static/", "/static/vendor", "/static/vendor/", "/static/vendor/README.md",
                 "/static/vendor/LICENSE-vega.txt", "/static/base.html.j2",
                 "/static/widgets.html.j2", "/static/%2e%2e/web/site.py",
                 "/static/vendor/%2e%2e/pivotwatch.js", "/static/..%2fpivotwatch.css",
                 "/static/PIVOTWATCH.CSS", "/static", "/static/vendor/vega.min.js/x",
                 "/static/vendor/vega.min.js.map", "/static//etc/passwd",
                 "/static/%2fetc%2fpasswd", "/static/vendor/vega.min.js%00.css"):
        refused = web.get(path)
        assert refused.status_code == 404, path
        assert "Traceback" not in refused.text and "site.py" not in refused.text
    page = web.get("/alerts").text  # every page loads the scripts, from this site only
    for name in ("vendor/vega.min.js", "vendor/vega-interpreter.min.js", "pivotwatch.js"):
        assert f'<script src="/static/{name}" defer></script>' in page


@pytest.fixture(scope="module")
def site_url(demo_store):
    """A real server on the demo store (read only), for the module's browser tests."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(demo_store, dyads=("RUS-CHN",)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


class Watched:
    """A page with what it says on its console and every request it makes."""

    def __init__(self, context, base: str) -> None:
        context.add_init_script(CSP_PROBE)
        self.page = context.new_page()
        self.base = base
        self.said: list[str] = []
        self.asked: list[str] = []
        self.page.on("console", lambda m: self.said.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.said.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.asked.append(r.url))

    def open(self, path: str):
        self.page.goto(self.base + path, timeout=50_000)
        return self.page

    def assert_clean(self) -> None:
        assert self.said == []
        assert self.page.evaluate("window.__csp") == []
        assert self.asked and all(u.startswith(self.base + "/") for u in self.asked), \
            [u for u in self.asked if not u.startswith(self.base + "/")]


def _until(page, expression: str, timeout: float = 10) -> None:
    """Wait until the expression is true in the page, polled from here: Playwright's own
    polling evaluates text in the page, which the page's CSP (rightly) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def _points(page) -> list[dict]:
    """The series' points as drawn by Vega: their centres in the viewport, left to right
    (read in one step: a redraw replaces the view's elements)."""
    return page.eval_on_selector(SERIES, """f => {
      f.scrollIntoView({block: "center"});
      return [...f.querySelectorAll(".vega-view g.mark-symbol path")].map(p => {
        const r = p.getBoundingClientRect();
        return {x: r.x + r.width / 2, y: r.y + r.height / 2};
      }).sort((a, b) => a.x - b.x);
    }""")


def _widths(page) -> tuple[float, float]:
    return page.eval_on_selector(SERIES, "f => [f.clientWidth, "
                                 "f.querySelector('.vega-view svg').getBoundingClientRect()"
                                 ".width]")


def test_the_series_chart_becomes_an_interactive_view(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = Watched(context, site_url)
        page = watched.open(DYAD)
        page.wait_for_selector(VIEW, timeout=20_000)
        assert page.query_selector(f"{SERIES} img") is None  # replaced by the view
        assert "interactive" in page.get_attribute(SERIES, "class")
        figure, drawn = _widths(page)
        assert figure > 1000 and figure - 2 <= drawn <= figure + 1  # fits its container
        spec = page.evaluate(f"fetch(document.querySelector(\"{SERIES}\").dataset.vega)"
                             ".then(r => r.json())")
        values = next(d["values"] for d in spec["data"] if d.get("values")
                      and "href" in d["values"][0])
        points = _points(page)
        assert len(points) == len(values) >= 2

        # hover: Vega's tooltip names the period's figures
        page.mouse.move(points[-1]["x"], points[-1]["y"])
        tip = page.wait_for_selector(f"{SERIES} .vega-view[title]", timeout=5_000)
        assert "per_10k" in tip.get_attribute("title")
        assert "link" in tip.get_attribute("class")  # the pointer over a linked mark

        # a phone's width: the view is drawn again to fit, once the width has settled
        page.set_viewport_size({"width": 390, "height": 844})
        for _ in range(2):  # drawn for the figure's width, and still so after the redraw delay
            _until(page, f"{FIGURE}.clientWidth < 390 && "
                         f"{FIGURE}.dataset.drawn == {FIGURE}.clientWidth")
            page.wait_for_timeout(REDRAW_SETTLED_MS)
        figure, drawn = _widths(page)
        assert figure - 2 <= drawn <= figure + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # a click on the line between two points opens nothing (Vega would give the first
        # period's datum), nor does it show that period's tooltip
        points = _points(page)
        left, right = max(zip(points, points[1:], strict=False),
                          key=lambda p: p[1]["x"] - p[0]["x"])
        assert right["x"] - left["x"] > 20 and left["y"] == right["y"]  # a flat stretch
        page.mouse.move((left["x"] + right["x"]) / 2, left["y"])
        page.mouse.click((left["x"] + right["x"]) / 2, left["y"])
        page.wait_for_timeout(500)
        assert not [u for u in watched.asked if "/events" in u]
        assert urlsplit(page.url).path == DYAD
        assert page.get_attribute(f"{SERIES} .vega-view", "title") is None

        # a click on the latest period opens its events
        latest = max(values, key=lambda v: v["period"])
        with page.expect_navigation(timeout=30_000):
            page.mouse.click(points[-1]["x"], points[-1]["y"])
        shown = urlsplit(page.url)
        assert shown.path == f"{DYAD}/events"
        assert parse_qs(shown.query)["from"] == [latest["period"]]
        assert f"{shown.path}?{shown.query}" == latest["href"]
        assert page.query_selector("#table-events") is not None
        watched.assert_clean()
    finally:
        context.close()


def test_without_javascript_the_server_image_is_shown(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + DYAD, timeout=50_000)
        img = page.wait_for_selector(f"{SERIES} img")
        _until(page, f"document.querySelector(\"{SERIES} img\").complete")
        natural, shown = img.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
        assert natural > 400 and 0 < shown <= 390  # drawn, and scaled into the phone's width
        assert page.query_selector(".vega-view") is None
    finally:
        context.close()


def test_the_image_stays_when_the_view_cannot_be_made(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = Watched(context, site_url)
        context.route("**/*format=vega*", lambda route: route.fulfill(status=500, body="no"))
        page = watched.open(DYAD)
        _until(page, "!!(window.vega && window.vega.View)")
        deadline = time.monotonic() + 10
        while not any("left as an image" in s for s in watched.said):
            assert time.monotonic() < deadline, watched.said
            page.wait_for_timeout(100)
        assert page.query_selector(f"{SERIES} img") is not None
        assert page.query_selector(".vega-view") is None
    finally:
        context.close()


HOSTILE = ("//example.invalid/x", "/\\example.invalid/x", "/\t/example.invalid/x",
           "javascript:alert(1)", "https://example.invalid/x", " /dyad/RUS-PRK/events")


def test_a_link_that_is_not_a_path_on_this_site_is_not_followed(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        watched = Watched(context, site_url)

        def hostile(route):
            spec = route.fetch().json()
            for data in spec["data"]:
                for i, datum in enumerate(data.get("values") or []):
                    if "href" in datum:
                        datum["href"] = HOSTILE[i % len(HOSTILE)]
            # and Vega's own link channel on the points, which Vega follows by itself
            for mark in spec["marks"]:
                if mark["type"] == "symbol":
                    mark["encode"]["update"]["href"] = {"field": "href"}
            route.fulfill(json=spec)

        context.route("**/*chart=series&format=vega", hostile)
        page = watched.open(DYAD)
        page.wait_for_selector(VIEW, timeout=20_000)
        points = _points(page)
        assert len(points) >= len(HOSTILE)
        for point in points:
            page.mouse.click(point["x"], point["y"])
        page.wait_for_timeout(300)
        assert not [u for u in watched.asked if "example.invalid" in u]
        assert urlsplit(page.url).path == DYAD
        assert "link" not in page.get_attribute(f"{SERIES} .vega-view", "class")
        watched.assert_clean()
    finally:
        context.close()
