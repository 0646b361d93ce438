"""The dashboard's timeline, UN alignment, trade-and-fuel and sanctions pages, and the data
page's rejects and coverage: each shows the figures of the library function behind its CLI
command for the same parameters, a bad parameter is a 400 with one line, a download holds the
rows shown, and a permalink reproduces the view."""

from __future__ import annotations

import csv
import html
import io
import math
import os
import re
import shutil
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.testclient import TestClient

from pivotwatch.store import open_store
from pivotwatch.web.app import create_app
from pivotwatch.web.site import cell_text

HOSTILE = "<script>alert('t')</script><img src=x onerror=alert(1)>"
TIMELINE = ["date", "date_precision", "actor1", "actor2", "dimension", "event_type",
            "description", "source_url", "confidence"]


@pytest.fixture(scope="module")
def web(demo_store, tmp_path_factory):
    """A copy of the demo store with a timeline file of one hostile event and two bad rows
    (so the data page has rejects), and a client on it."""
    from pivotwatch.sources.reference import load_timeline

    root = tmp_path_factory.mktemp("webviews")
    target = root / "web.duckdb"
    shutil.copy(demo_store, target)
    path = root / "extra_events.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(TIMELINE)
        writer.writerow(["2025-06-01", "day", "RUS", "PRK", "military", "arms_transfer",
                         HOSTILE, "https://example.org/a?b=1", "low"])
        for day, kind in (("2025-06-03", "visit"), ("2025-06-04", "agreement")):
            writer.writerow([day, "day", "RUS", "PRK", "political", kind, f"a {kind}",
                             "https://example.org/d", "low"])
        writer.writerow(["2025-13-01", "day", "RUS", "PRK", "military", "visit", "bad date",
                         "https://example.org/b", "low"])
        writer.writerow(["2025-06-02", "day", "RUS", "PRK", "cultural", "visit", "bad dim",
                         "https://example.org/c", "low"])
    with open_store(target) as st:
        result = load_timeline(st, path)
    assert (result.rows_kept, result.rows_rejected) == (3, 2)
    return TestClient(create_app(target), raise_server_exceptions=False), target


def _table(page: str, name: str) -> tuple[list[str], list[str], list[list[str]]]:
    """(columns, numeric columns, body cells as text) of one table of the page."""
    block = re.search(rf'<figure class="grid" id="table-{re.escape(name)}">(.*?)</figure>',
                      page, re.S)
    assert block, f"no table {name}"
    head = re.findall(r"<th( class=\"num\")?>(.*?)</th>", block.group(1), re.S)
    columns = [html.unescape(h[1]) for h in head]
    numeric = [html.unescape(h[1]) for h in head if h[0]]
    rows = re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)[1:]
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
              for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
    return columns, numeric, cells


def _download(client, url: str, name: str) -> list[dict]:
    join = "&" if "?" in url else "?"
    got = client.get(f"{url}{join}table={name}&format=json")
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment")
    return got.json()["rows"]


def _same_as_shown(client, url: str, name: str) -> list[dict]:
    """The JSON download of a table, checked against the page's table cell by cell, and
    against the CSV download row by row; returns the JSON rows."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    columns, numeric, cells = _table(page.text, name)
    rows = _download(client, url, name)
    assert [[cell_text(r[c], c in numeric) for c in columns] for r in rows] == cells
    text = client.get(f"{url}{'&' if '?' in url else '?'}table={name}&format=csv").text
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(rows) and list(parsed[0] if parsed else columns) == columns
    return rows


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _close(a, b) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(float(a), float(b), rel_tol=1e-9)


def test_the_timeline_shows_the_curated_events_and_the_measures_command(web):
    from pivotwatch.analysis.measures import measures

    client, db = web
    url = "/timeline?dimension=military&from=2023&to=2025"
    events = _same_as_shown(client, url, "events")
    assert events and all("2023-01-01" <= e["date"] <= "2025-12-31" for e in events)
    assert all("military" in (e["dimension"], *e["also speaks to"].split(", "))
               for e in events)
    assert HOSTILE in [e["description"] for e in events]
    page = client.get(url).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;t&#39;)" in page
    # a type or dimension cell narrows this view to it
    assert 'href="/timeline?dimension=military&amp;from=2023&amp;to=2025&amp;type=' \
        'arms_transfer">arms_transfer</a>' in page
    shown = _same_as_shown(client, url, "measures")
    with open_store(db, read_only=True) as st:
        df = measures("RUS", "PRK", store=st)
    want = df[(df.dimension == "military") & (df.as_of >= date(2023, 1, 1))
              & (df.as_of <= date(2025, 12, 31))]
    assert [(m["measure"], m["published"], m["publisher"]) for m in shown] == \
        [(r.measure, r.as_of.isoformat(), r.publisher) for r in want.itertuples()]
    assert all(_close(m["value"], v) for m, v in zip(shown, want.value, strict=True))
    assert all(_close(m["change"], v) for m, v in zip(shown, want.change, strict=True))
    # a type is an event type or a measure name
    only = _download(client, "/timeline?type=troops_deployed", "measures")
    assert only and {m["measure"] for m in only} == {"troops_deployed"}
    assert _download(client, "/timeline?type=troops_deployed", "events") == []
    assert "<svg" in client.get(url + "&chart=events&format=svg").text


def test_the_alignment_page_shows_alignment_and_published_for_the_same_parameters(web):
    from pivotwatch.analysis.alignment import alignment, published

    client, db = web
    url = "/alignment?partners=PRK,CHN&from=2000&to=2019&issue=nu"
    votes = _same_as_shown(client, url, "votes")
    pub = _same_as_shown(client, url, "published")
    with open_store(db, read_only=True) as st:
        want = alignment("RUS", ["PRK", "CHN"], store=st, issues=["nu"], first_year=2000,
                         last_year=2019)
        want_pub = published("RUS", ["PRK", "CHN"], store=st, first_year=2000,
                             last_year=2019)
    want_pub = want_pub[want_pub.period_kind == "year"]
    assert len(votes) == len(want) > 0
    for got, row in zip(votes, want.itertuples(), strict=True):
        assert (got["period"], got["partner"], got["roll calls"], got["identical"]) == \
            (row.period, row.partner, row.roll_calls, row.identical)
        assert _close(got["share"], row.share) and _close(got["kappa"], row.kappa)
        assert _close(got["S"], row.s_score)
    assert len(pub) == len(want_pub) > 0
    for got, row in zip(pub, want_pub.itertuples(), strict=True):
        assert (got["period"], got["partner"]) == (row.period, row.partner)
        assert _close(got["distance"], row.ideal_distance)
    spec = client.get(url + "&chart=agreement&format=vega")
    assert spec.status_code == 200 and spec.json()["$schema"].startswith("https://vega")


def test_the_trade_page_shows_trade_with_reference_and_fuel_against_the_cap(web):
    from pivotwatch.analysis.trade import fuel_vs_cap, trade_with_reference

    client, db = web
    url = "/trade?dyad=RUS-PRK&from=2015"
    trade = _same_as_shown(client, url, "trade")
    fuel = _same_as_shown(client, url, "fuel")
    with open_store(db, read_only=True) as st:
        want = trade_with_reference("RUS", "PRK", store=st, start=2015)
        want_fuel = fuel_vs_cap("RUS", store=st, start=2015)
    assert [(t["year"], t["source"], t["flow"]) for t in trade] == \
        [(r.year, r.source, r.flow) for r in want.itertuples()]
    assert all(_close(t["USD"], v) for t, v in zip(trade, want.value_usd, strict=True))
    assert [(f["from"], f["to"], f["caveats"]) for f in fuel] == \
        [(r.period_start.isoformat(), r.period_end.isoformat(), r.caveats)
         for r in want_fuel.itertuples()]
    assert all(_close(f["barrels"], r.barrels) and _close(f["share of cap"], r.share_of_cap)
               for f, r in zip(fuel, want_fuel.itertuples(), strict=True))
    page = client.get(url).text
    for warning in want.attrs["warnings"]:
        assert html.escape(warning, quote=True).replace("&#x27;", "&#39;") in page
    # the pair either way round has the same fuel supplier; a pair without PRK has no cap
    assert _download(client, "/trade?dyad=PRK-RUS&from=2015", "fuel") == fuel
    other = client.get("/trade?dyad=RUS-CHN")
    assert other.status_code == 200 and 'id="table-fuel"' not in other.text
    for chart in ("trade", "fuel"):
        assert "<svg" in client.get(f"{url}&chart={chart}&format=svg").text


def test_the_sanctions_page_shows_designations_by_list_and_year(web):
    from pivotwatch.analysis.sanctions import by_year, sanctions

    client, db = web
    tied = _same_as_shown(client, "/sanctions", "designations")
    with open_store(db, read_only=True) as st:
        assert len(tied) == len(sanctions("PRK", "RUS", store=st))
        df = sanctions("PRK", None, lists=["un_sc"], store=st, as_of=date(2019, 12, 31))
    url = "/sanctions?country=PRK&linked=&list=un_sc&as_of=2019"
    shown = _same_as_shown(client, url, "designations")
    assert [(d["list"], d["id"], d["name"]) for d in shown] == \
        [(r.list, r.list_id, r.name) for r in df.itertuples()] and shown
    years = _same_as_shown(client, url, "years")
    want = by_year(df)
    assert [(y["list"], y["year"], y["designations"]) for y in years] == \
        [(r.list, "no listing date" if r.year is None or r.year != r.year else int(r.year),
          int(r.designations)) for r in want.itertuples()]
    summary = _same_as_shown(client, url, "summary")
    assert [s["designations"] for s in summary] == \
        [r["designations"] for r in df.attrs["summary"]]
    assert "<svg" in client.get(url + "&chart=years&format=svg").text


def test_the_data_page_shows_rejects_with_reasons_and_coverage_by_day(web):
    from pivotwatch.analysis.coverage import daily_events, gaps

    client, db = web
    reasons = _same_as_shown(client, "/data", "rejects")
    assert {r["source"] for r in reasons} == {"reference"}  # the demo store rejects none
    assert sum(r["rows rejected"] for r in reasons) == 2 and all(r["files"] == 1
                                                                  for r in reasons)
    assert any("not a real date" in r["reason"] for r in reasons)
    sample = _same_as_shown(client, "/data?source=reference", "rejected-rows")
    assert sorted(r["line"] for r in sample) == [5, 6]
    assert all(r["file"].endswith("extra_events.csv") for r in sample)
    url = "/data?from=2015-02-01&to=2015-02-28"
    days = _same_as_shown(client, url, "coverage")
    runs = _same_as_shown(client, url, "gaps")
    with open_store(db, read_only=True) as st:
        want = daily_events(store=st, start=date(2015, 2, 1), end=date(2015, 2, 28))
    assert [(d["day"], d["events"]) for d in days] == \
        [(d.isoformat(), int(n)) for d, n in zip(want.day, want.events, strict=True)]
    expected = gaps(list(want.day), date(2015, 2, 1), date(2015, 2, 28))
    assert [(r["first day"], r["last day"], r["days"]) for r in runs] == \
        [(a.isoformat(), b.isoformat(), n) for a, b, n in expected]
    assert sum(r["days"] for r in runs) + len(days) == 28
    assert "<svg" in client.get(url + "&chart=coverage&format=svg").text


def test_the_data_pages_tables_are_capped_and_say_so(web, monkeypatch):
    from pivotwatch.web import overview

    client, db = web
    monkeypatch.setattr(overview, "DAYS_SHOWN", 3)
    monkeypatch.setattr(overview, "REASONS_SHOWN", 1)
    stat = db.stat()  # a new store version: the pages kept as sent are not sent again
    os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    page = client.get("/data").text
    assert "the latest 3 shown" in page and "the first 1 of 2 shown" in page
    days = _same_as_shown(client, "/data", "coverage")
    assert [d["day"] for d in days] == ["2020-03-17", "2020-03-18", "2020-07-02"]
    assert len(_same_as_shown(client, "/data", "rejects")) == 1


@pytest.mark.parametrize("url", [
    "/timeline?dyad=RUS", "/timeline?dyad=RUS-RUS", "/timeline?dimension=cultural",
    "/timeline?type=<b>x</b>", "/timeline?from=2024-13", "/timeline?from=2025&to=2024",
    "/timeline?dyad=" + "A" * 300,
    "/alignment?focus=XYZ", "/alignment?partners=RUS", "/alignment?partners=PRK,ZZZ",
    "/alignment?by=decade", "/alignment?issue=zz", "/alignment?from=1800",
    "/alignment?from=2019&to=2000", "/alignment?focus=RUS,CHN",
    "/trade?dyad=RUS-XYZ", "/trade?from=abc", "/trade?to=2300",
    "/sanctions?country=XYZ", "/sanctions?linked=PRK", "/sanctions?list=eu",
    "/sanctions?list=ofac", "/sanctions?as_of=yesterday",
    "/data?source=nothing", "/data?from=2016&to=2015", "/data?table=nothing&format=csv",
    "/trade?table=trade&format=xml", "/timeline?chart=nothing&format=svg",
])
def test_a_bad_parameter_is_a_400_with_one_line(web, url):
    client, _ = web
    got = client.get(url)
    assert got.status_code == (404 if "chart=" in url else 400), got.text
    detail = re.search(r"<p>(.*?)</p>", got.text, re.S).group(1)
    assert detail and "\n" not in detail and len(detail) < 400
    assert "<b>" not in got.text and "Traceback" not in got.text


@pytest.mark.parametrize("url", [
    "/timeline?dyad=PRK-RUS&dimension=political&type=summit&from=2000&to=2020",
    "/alignment?focus=RUS&partners=PRK,IRN&by=session&issue=hr&from=1995&to=2015",
    "/trade?dyad=RUS-PRK&from=2018&to=2024",
    "/sanctions?country=PRK&linked=&list=un_sc",
    "/data?source=reference&from=2015-02&to=2015-03",
])
def test_a_permalink_reproduces_the_view(web, url):
    client, _ = web
    page = client.get(url)
    assert page.status_code == 200
    link = html.unescape(re.search(r'class="permalink" href="([^"]+)"', page.text).group(1))
    assert _query(link) == _query(url) and link.split("?")[0] == url.split("?")[0]
    again = client.get(link)
    assert again.text == page.text
