"""The dyad page of the dashboard: the dimension tabs with their series, change points and
curated events, computed by the same functions as `pivotwatch assess` and `pivotwatch
changes`; the view's state in the URL; tables that download as shown; the events behind a
period; the briefing as HTML and PDF."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil

import pytest
from starlette.testclient import TestClient

from pivotwatch.analysis.assessment import assess
from pivotwatch.analysis.changes import changes
from pivotwatch.store import open_store
from pivotwatch.web.app import create_app
from pivotwatch.web.site import cell_text


@pytest.fixture(scope="module")
def web(demo_store, tmp_path_factory):
    target = tmp_path_factory.mktemp("webdyad") / "web.duckdb"
    shutil.copy(demo_store, target)
    return TestClient(create_app(target), raise_server_exceptions=False), target


def _cells(page: str, table: str) -> list[list[str]]:
    """The body cells of one table of the page, as text."""
    block = re.search(rf'<figure class="grid" id="table-{table}">(.*?)</figure>', page, re.S)
    assert block, f"no table {table}"
    rows = re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)[1:]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def test_each_dimension_tab_shows_the_series_of_pivotwatch_changes(web):
    client, db = web
    page = client.get("/dyad/RUS-CHN?dimension=political&freq=quarter")
    assert page.status_code == 200
    assert 'aria-current="page">political</a>' in page.text
    with open_store(db, read_only=True) as st:
        report = changes("RUS-CHN", store=st, dimensions=["political"], freq="quarter", top=0)
    series = report.series[report.series.dimension == "political"].sort_values("period")
    shown = _cells(page.text, "series")
    assert series.events.sum() and [r[0] for r in shown] == [p.isoformat() for p in
                                                             series.period]
    assert [r[1] for r in shown] == [cell_text(int(n), True) for n in series.events]
    # the judgment's signals for the tab, as `pivotwatch assess` has them
    with open_store(db, read_only=True) as st:
        found = assess("RUS-CHN", store=st).judgment("political")
    assert [r[0] for r in _cells(page.text, "signals")] == [r.signal for r in found.readings]
    assert f"({found.level_label}, {found.direction.value}, {found.confidence.value} " \
           "confidence)" in page.text


def test_every_tab_answers_and_a_period_links_to_its_events(web):
    client, _ = web
    page = client.get("/dyad/RUS-PRK")
    tabs = re.findall(r'<nav class="tabs"[^>]*>(.*?)</nav>', page.text, re.S)[0]
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', tabs)]
    assert len(hrefs) == 7
    for href in hrefs:
        assert client.get(href).status_code == 200
    military = client.get("/dyad/RUS-CHN?dimension=political&freq=year")
    links = re.findall(r'href="(/dyad/RUS-CHN/events\?[^"]+)"', military.text)
    assert links
    events = client.get(html.unescape(links[-1]))
    assert events.status_code == 200 and "most mentioned first" in events.text


def test_the_events_page_lists_the_pairs_events_with_their_sources(web):
    client, _ = web
    page = client.get("/dyad/RUS-CHN/events?from=2013&to=2025")
    rows = _cells(page.text, "events")
    assert rows and all(r[1][:4].isdigit() for r in rows)
    assert 'rel="noopener noreferrer nofollow"' in page.text
    data = client.get("/dyad/RUS-CHN/events?from=2013&to=2025&table=events&format=json")
    assert [str(r["event id"]) for r in data.json()["rows"]] == [r[0] for r in rows]
    assert client.get("/dyad/RUS-PRK/events").status_code == 400  # a range is required


@pytest.mark.parametrize("table", ["scorecard", "series", "changes", "curated", "signals",
                                   "evidence", "partners", "trajectory"])
def test_a_download_holds_what_the_page_shows(web, table):
    client, _ = web
    view = "/dyad/RUS-PRK?dimension=economic&freq=year&from=2014"
    shown = _cells(client.get(view).text, table)
    as_csv = client.get(f"{view}&table={table}&format=csv")
    assert as_csv.status_code == 200 and "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))[1:]
    assert len(rows) == len(shown)
    as_json = json.loads(client.get(f"{view}&table={table}&format=json").text)
    numeric = set(as_json["numeric"])
    assert [[cell_text(v, k in numeric) for k, v in r.items()] for r in as_json["rows"]] \
        == shown


def test_the_view_lives_in_the_url(web):
    client, _ = web
    view = "/dyad/RUS-PRK?dimension=political&freq=year&from=2015&to=2020&partners=CHN,IRN"
    page = client.get(view)
    assert page.status_code == 200
    assert 'value="2015-01-01"' in page.text and 'value="2020-12-31"' in page.text
    assert 'value="CHN,IRN"' in page.text and "<option selected>year</option>" in page.text
    assert [r[0] for r in _cells(page.text, "partners")] == ["PRK", "CHN", "IRN"]
    assert all("2015-01-01" <= r[0] <= "2020-12-31" for r in _cells(page.text, "series"))
    assert client.get(view).text == page.text  # the link reproduces the view


@pytest.mark.parametrize("query", ["dimension=cyber", "freq=hour", "from=2020-13",
                                   "from=2021&to=2020", "partners=XYZ", "table=nope",
                                   "format=xlsx", "from=" + "9" * 300,
                                   "partners=CHN'%20OR%201=1--"])
def test_a_bad_view_is_a_400_that_names_it(web, query):
    client, _ = web
    page = client.get(f"/dyad/RUS-PRK?{query}")
    assert page.status_code == 400, query
    assert "Traceback" not in page.text and ".py\"" not in page.text


def test_a_chart_is_an_svg_without_style_attributes_and_a_vega_spec(web):
    client, _ = web
    svg = client.get("/dyad/RUS-CHN?freq=year&chart=series&format=svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<svg") and 'style="' not in svg.text
    spec = client.get("/dyad/RUS-CHN?freq=year&chart=series&format=vega").json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")
    points = next(d["values"] for d in spec["data"] if d.get("values")
                  and "href" in d["values"][0])
    assert all(p["href"].startswith("/dyad/RUS-CHN/events?") for p in points)
    assert client.get("/dyad/RUS-PRK?chart=nope").status_code == 404


def test_the_briefing_downloads_as_html_and_pdf(web):
    client, _ = web
    page = client.get("/dyad/RUS-PRK/briefing.html?from=2015-01-01")
    assert page.status_code == 200 and "attachment" in page.headers["content-disposition"]
    assert "<html" in page.text and "RUS" in page.text
    pdf = client.get("/dyad/RUS-PRK/briefing.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/dyad/RUS-PRK/briefing.docx").status_code == 404


def test_a_dyad_has_one_address_and_the_other_countrys_view_stays_its_own(web):
    client, _ = web
    moved = client.get("/dyad/rus-prk?dimension=military", follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"] == "/dyad/RUS-PRK?dimension=military"
    assert client.get("/dyad/PRK-RUS", follow_redirects=False).status_code == 200


def test_the_tab_chart_shows_the_record_where_gdelt_is_silent(web):
    client, _ = web
    view = "/dyad/RUS-PRK?dimension=military&from=2022-01&to=2025-12"
    spec = json.dumps(client.get(f"{view}&chart=series&format=vega").json())
    page = client.get(view).text
    curated = _cells(page, "curated")
    assert curated and all("2022-01-01" <= r[0] <= "2025-12-31" for r in curated)
    assert "curated event" in spec and "published estimate" in spec
    assert curated[0][1] in spec  # the newest curated event is marked
    assert _cells(page, "measures")
    assert client.get("/dyad/RUS-PRK?to=9999-12-31").status_code == 400


def test_a_pair_without_gdelt_events_gets_no_rows_of_zeros_and_its_ticks_link(web):
    client, _ = web
    view = "/dyad/RUS-PRK?dimension=military"
    page = client.get(view).text
    assert "events with the pair per month: none in this range" in page
    assert _cells(page, "series") == []
    spec = client.get(f"{view}&chart=series&format=vega").json()
    ticks = [v for d in spec["data"] for v in d.get("values", []) if "kind" in v]
    assert ticks and all(t["href"].startswith("/timeline?dyad=RUS-PRK&from=") for t in ticks)
    assert client.get(ticks[0]["href"]).status_code == 200

