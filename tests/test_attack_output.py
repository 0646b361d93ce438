"""Hostile data in what we write (issue 9, defect 2): script links and raw HTML.

One store is built through the library with hostile values in every field that reaches a
briefing or a claims audit: GDELT SOURCEURLs (`javascript:` in every disguise, `data:`,
`//host`, backslashes), actor names, a curated timeline and trade note, a sanctions name and
list id, document text and a document's file name. The briefing (HTML, Markdown, PDF) and the
claims audit (HTML, Markdown) written from it must link only http(s) URLs, start every HTML
page with a Content-Security-Policy that forbids scripts, carry no raw tag from data in
Markdown, and show SQL whose values stay literals. Chromium then opens the HTML pages: no
dialog, no script, every link http(s) or in-page.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.markup import CSP, http_url, md_code, md_link, md_text, md_url, sql_literal
from pivotwatch.sources.context import Context
from pivotwatch.sources.gdelt.ingest import ingest_paths
from pivotwatch.sources.gdelt.layout import V2
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.sources.sanctions import load_sanctions
from pivotwatch.store import open_store

runner = CliRunner()

# every form a script or off-scheme link can take in a GDELT SOURCEURL (no tab or newline:
# the file is tab-separated)
BAD_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "\x01javascript:alert(1)", "java\u200bscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x",
    "&#106;avascript:alert(1)", "%6Aavascript:alert(1)", "http:\\\\evil.example\\x",
    "https:evil.example", "http://", "file:///etc/passwd",
]
# an http(s) URL with markup in it: a link, its quotes and brackets escaped
ODD_HTTP = 'https://ok.example/a"><script>window.__pwned=1</script>'
HOSTILE = ("<script>window.__pwned=1</script> <img src=x onerror=\"window.__pwned=1;"
           "alert(1)\"> </textarea><svg onload=alert(1)> [x](javascript:alert(1)) "
           "![i](javascript:alert(1)) a|b")
LIST_ID = "KPi.1'); DROP TABLE sanctions; --"
TAGS = re.compile(r"<\s*/?\s*(script|img|svg|textarea|iframe)\b", re.I)
DOC_DATE = "2025-12-01"


def _gdelt_rows() -> list[str]:
    """RUS-PRK events with hostile URLs and actor names, each mentioned often enough to be
    among the rows a briefing shows, over plain monthly RUS-PRK and RUS-USA events; three
    joint exercises (062) in August 2024 carry the first three bad URLs."""
    rows, n = [], 0
    name_col = V2.columns.index("Actor1Name")
    urls = [*BAD_URLS[3:], ODD_HTTP, ODD_HTTP]
    days = [f"{2023 + i % 2}{1 + i // 2:02d}05" for i in range(len(urls))]
    for url, day in [*zip(urls, days, strict=True),
                     *((u, f"2024081{k}") for k, u in enumerate(BAD_URLS[:3]))]:
        n += 1
        cols = event(n, day, "RUS", "PRK", code="062", mentions=50, url=url).split("\t")
        cols[name_col] = HOSTILE
        rows.append("\t".join(cols))
    for year in (2023, 2024):
        for month in range(1, 13):
            n += 1
            rows.append(event(n, f"{year}{month:02d}20", "RUS", "PRK", code="042",
                              url=f"https://example.org/{n}"))
            for _ in range(6):
                n += 1
                rows.append(event(n, f"{year}{month:02d}15", "RUS", "USA"))
    return rows


def _csv(path: Path, header: list[str], *rows: list[str]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return str(path)


def _un_list(path: Path) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated='
        '"2018-10-29T19:09:49.856-04:00"><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>'
        f"<FIRST_NAME>{xml_escape(HOSTILE)}</FIRST_NAME><SECOND_NAME>KIM</SECOND_NAME>"
        f"<UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>{xml_escape(LIST_ID)}"
        "</REFERENCE_NUMBER><LISTED_ON>2016-11-30</LISTED_ON><NATIONALITY><VALUE>Russian "
        "Federation</VALUE></NATIONALITY></INDIVIDUAL></INDIVIDUALS><ENTITIES/>"
        "</CONSOLIDATED_LIST>", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """The hostile store, and every file written from it (rendered once for the module)."""
    root = tmp_path_factory.mktemp("hostile")
    db = root / "store.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIVOTWATCH_CACHE", str(root / "cache"))
        mp.setenv("PIVOTWATCH_GDELT_BASE", "http://127.0.0.1:9")
        with open_store(db, create=True) as st:
            ctx = Context(st)
            assert ingest_reference(ctx).ok  # the bundled tables, then hostile ones
            timeline = _csv(root / "timeline.csv", ["date", "date_precision", "actor1",
                                                    "actor2", "dimension", "event_type",
                                                    "description", "source_url", "confidence"],
                            ["2023-09-13", "day", "RUS", "PRK", "military", "summit", HOSTILE,
                             f"{ODD_HTTP} ; http://ok.example/(x) y", "high"])
            trade = _csv(root / "trade.csv", ["year", "reporter", "flow", "value_usd",
                                              "is_estimate", "note", "source_url",
                                              "confidence"],
                         ["2023", HOSTILE, "total", "1000000", "false", HOSTILE, ODD_HTTP,
                          "high"])
            report = ingest_reference(ctx, [timeline, trade])
            assert report.ok and report.total("rows_kept") == 2, report.failures
            gdelt = ingest_paths(ctx, [str(write(root / "20240101000000.export.CSV",
                                                 _gdelt_rows()))])
            assert gdelt.ok and gdelt.total("rows_rejected") == 0, gdelt.failures
            assert load_sanctions(st, _un_list(root / "un.xml")).rows_kept == 1
            # the loaders refuse non-http reference URLs; a store written by another tool or
            # an older version may still hold them, so the renderers must not trust the store
            st.con.execute("UPDATE reference_events SET source_urls = list_concat(source_urls, "
                           "?) WHERE description = ?", [BAD_URLS[:6], HOSTILE])
        doc = root / "memo.txt"
        doc.write_text(f"Russia and North Korea held joint military exercises in August 2024. "
                       f"{HOSTILE}\n\n{HOSTILE}\n", encoding="utf-8")
        bad_name = root / "<img src=x onerror=alert(1)>[a](javascript:alert(1)).txt"
        bad_name.write_text("")
        out = {"db": db, "doc": doc}
        for suffix in ("html", "md"):
            path = out[f"briefing.{suffix}"] = root / f"briefing.{suffix}"
            result = runner.invoke(app, ["--db", str(db), "report", "--dyad", "RUS-PRK", "-o",
                                         str(path), "--documents", str(doc),
                                         "--documents", str(bad_name)])
            assert result.exit_code == 1, result.output  # the empty document is not read
            assert "1 of 2 document(s) could not be read" in result.output
            path = out[f"claims.{suffix}"] = root / f"claims.{suffix}"
            result = runner.invoke(app, ["--db", str(db), "claims", str(doc), "--date",
                                         DOC_DATE, "-o", str(path)])
            assert result.exit_code == 0, result.output
        yield out


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("url", BAD_URLS + [
    "javascript://example.org/%0Aalert(1)", "http://exa mple.org/", "http://example.org/\nx",
    "http://ex\rample.org/",
    "https://example.org/a\\b", "  //example.org", "ftp://example.org/x", "", None, 7,
    "http://[::1", "https://" + "a" * 9000 + ".org"])
def test_only_absolute_http_urls_become_links(url):
    assert http_url(url) is None
    assert md_link("t", url) == "t"


@pytest.mark.parametrize("url, expected", [
    ("http://example.org/a?b=1#c", "http://example.org/a?b=1#c"),
    ("HTTPS://Example.org", "HTTPS://Example.org"),
    ("  https://example.org/x\t", "https://example.org/x"),
    (ODD_HTTP, ODD_HTTP),
])
def test_http_urls_are_links_with_their_target_encoded(url, expected):
    assert http_url(url) == expected
    assert md_link("t", url) == f"[t]({md_url(expected)})"
    assert not set(md_url(expected)) & set(" ()<>\"'|\\")


def test_markdown_text_has_no_html_link_or_table_syntax():
    text = md_text(HOSTILE + "\n\n# heading\\[y\\](javascript:alert(2))")
    assert "\n" not in text and not TAGS.search(text)
    assert not re.search(r"(?<!\\)[\[\]|]", text.replace("\\\\", ""))  # every [ ] | escaped
    assert "&lt;script&gt;" in text and "a\\|b" in text
    assert md_code("x `y` ``z``") == "``` x `y` ``z`` ```"
    assert md_code("a\nb") == "`a b`"


def test_sql_literals_keep_a_hostile_value_one_literal():
    assert sql_literal(LIST_ID) == "'KPi.1''); DROP TABLE sanctions; --'"
    import duckdb

    assert duckdb.connect().execute(f"SELECT {sql_literal(LIST_ID)}").fetchone() == (LIST_ID,)


def test_chart_text_is_escaped_svg():
    import pandas as pd

    from pivotwatch.report import charts

    rows = pd.DataFrame({"period_start": pd.to_datetime(["2020-01-01", "2021-01-01"]),
                         "period_end": pd.to_datetime(["2020-12-31", "2021-12-31"]),
                         "basis_label": [HOSTILE, "x"], "barrels": [1.0, 2.0],
                         "cap_barrels": [5.0, 5.0]})
    svg = charts.fuel_chart(rows, HOSTILE)
    assert svg and not TAGS.search(svg.replace("<svg", "", 1).replace("</svg>", ""))
    assert "&lt;script&gt;" in svg


# --------------------------------------------------------------------------- HTML


def _hrefs(html: str) -> list[str]:
    import html as html_lib

    return [html_lib.unescape(h) for h in re.findall(r'\bhref\s*=\s*"([^"]*)"', html)]


@pytest.mark.parametrize("name", ["briefing.html", "claims.html"])
def test_html_links_only_http_and_starts_with_the_policy(hostile, name):
    html = hostile[name].read_text(encoding="utf-8")
    head = html[html.index("<head>") + len("<head>"):].lstrip()
    assert head.startswith(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    hrefs = _hrefs(html)
    external = [h for h in hrefs if not h.startswith("#")]
    assert external and all(http_url(h) == h for h in external), external
    # every external link opens without an opener or a referrer
    anchors = re.findall(r"<a\b[^>]*>", html)
    assert all('rel="noopener noreferrer"' in a for a in anchors if 'href="#' not in a)
    text = re.sub(r"<figure><svg.*?</svg></figure>", "", html, flags=re.S)  # our charts
    assert not TAGS.search(text), TAGS.search(text).group(0)
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event-handler attribute at all
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown as text


def test_briefing_html_shows_every_refused_url_as_text(hostile):
    html = hostile["briefing.html"].read_text(encoding="utf-8")
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)",
                "//evil.example/x", "&amp;#106;avascript:alert(1)"):
        assert url in html, url
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html
    # the curated event's own http links survive (quotes escaped), the bad ones are text
    assert 'href="https://ok.example/a&#34;&gt;&lt;script&gt;' in html
    assert 'href="http://ok.example/(x)' not in html  # "http://ok.example/(x) y": a space
    # a claim's GDELT evidence with a script URL is listed without a link
    claims = html.split('<section id="claims">')[1].split("</section>")[0]
    assert "Not read:" in claims and "&lt;img src=x onerror=alert(1)&gt;" in claims
    assert "events 2024-08-11" in claims and "(JaVaScRiPt:alert(1))" in claims
    assert "supported" in claims


def test_the_html_behind_the_pdf_has_the_policy_and_only_http_links(hostile, tmp_path,
                                                                   monkeypatch):
    """The PDF is laid out from the same HTML (WeasyPrint turns each href into a link
    annotation): that HTML is captured here instead of spending seconds on the layout."""
    weasyprint = pytest.importorskip("weasyprint")
    seen = []

    class Capture:
        def __init__(self, string):
            seen.append(string)

        def write_pdf(self, target):
            Path(target).write_bytes(b"%PDF-1.7 captured")

    monkeypatch.setattr(weasyprint, "HTML", Capture)
    pdf = tmp_path / "b.pdf"
    result = runner.invoke(app, ["--db", str(hostile["db"]), "report", "--dyad", "RUS-PRK",
                                 "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    (html,) = seen
    assert pdf.read_bytes() == b"%PDF-1.7 captured"
    assert html.split("<head>")[1].lstrip().startswith(
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    external = [h for h in _hrefs(html) if not h.startswith("#")]
    assert external and all(http_url(h) == h for h in external)
    assert "javascript:alert(1)" in html  # shown, not linked


# --------------------------------------------------------------------------- Markdown


def _md_links(text: str) -> list[str]:
    return re.findall(r"(?<!\\)\]\(([^)\s]*)\)", text)


def _table_widths(text: str) -> set[int]:
    """Cells per row of each Markdown table (escaped pipes do not count)."""
    widths = set()
    for block in re.split(r"\n\s*\n", text):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths.add(len({len(re.findall(r"(?<!\\)\|", r.replace("\\\\", ""))) for r in rows}))
    return widths


@pytest.mark.parametrize("name", ["briefing.md", "claims.md"])
def test_markdown_carries_no_raw_html_and_links_only_http(hostile, name):
    text = hostile[name].read_text(encoding="utf-8")
    assert not TAGS.search(text), TAGS.search(text).group(0)
    assert not re.search(r"<(?!br>)[a-zA-Z/!?]", text)  # no tag but our own <br>
    links = _md_links(text)
    assert links and all(http_url(u) == u and not set(u) & set("()<> ") for u in links), links
    assert "\\[x\\](javascript:alert(1))" in text and "&lt;script&gt;" in text
    assert _table_widths(text) == {1}  # every row of a table has its header's cells


def test_briefing_markdown_escapes_names_and_failures(hostile):
    text = hostile["briefing.md"].read_text(encoding="utf-8")
    assert "> Not read: " in text and "&lt;img src=x onerror=alert(1)&gt;\\[a\\]" in text
    assert "&lt;/textarea&gt;" in text and "a\\|b" in text


# --------------------------------------------------------------------------- displayed SQL


def test_displayed_sql_quotes_a_hostile_list_id_and_runs_as_shown(hostile):
    html = hostile["briefing.html"].read_text(encoding="utf-8")
    import html as html_lib

    shown = [html_lib.unescape(q) for q in re.findall(r"<code>(.*?)</code>", html)]
    (query,) = [q for q in shown if "FROM sanctions" in q]
    assert query.endswith("))")
    select = query[query.index("SELECT"):-1]
    assert "'un_sc:KPi.1''); DROP TABLE sanctions; --'" in select
    with open_store(hostile["db"], read_only=True) as st:  # copy-pasted, it finds the entry
        assert st.con.execute(select).df().list_id.tolist() == [LIST_ID]
        assert st.con.execute("SELECT count(*) FROM sanctions").fetchone() == (1,)
    md = hostile["briefing.md"].read_text(encoding="utf-8")
    assert "'un_sc:KPi.1''); DROP TABLE sanctions; --'" in md


# --------------------------------------------------------------------------- Chromium


PAGE = """() => ({
  pwned: window.__pwned === 1,
  firstInHead: document.head.firstElementChild.outerHTML,
  links: [...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.protocol,
                                                              a.rel]),
  scripts: document.scripts.length,
  svgs: [...document.querySelectorAll('figure > svg')].map(s => s.getBoundingClientRect().width),
})"""



@pytest.mark.parametrize("name", ["briefing.html", "claims.html"])
def test_no_script_runs_in_chromium(hostile, browser, tmp_path, name):
    dialogs, errors, requests = [], [], []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file://", "data:")) else route.abort("blockedbyclient"))
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(hostile[name].as_uri(), wait_until="load")
        page.wait_for_timeout(200)
        facts = page.evaluate(PAGE)
        # the policy holds even for a script that got into the page some other way
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.__pwned = 1'; document.body.append(s);
                                 const i = document.createElement('img');
                                 i.src = 'x'; i.setAttribute('onerror', 'window.__pwned = 1');
                                 document.body.append(i); }""")
        page.wait_for_timeout(200)
        injected = page.evaluate("() => window.__pwned === 1")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            shot = tmp_path / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=width == 390)
            if os.environ.get("PIVOTWATCH_SCREENSHOT_DIR"):
                keep = Path(os.environ["PIVOTWATCH_SCREENSHOT_DIR"])
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, keep / f"attack-{shot.name}")
    finally:
        context.close()
    assert not dialogs and not facts["pwned"] and not injected, dialogs
    assert facts["scripts"] == 0 and not errors, errors
    assert facts["firstInHead"].startswith('<meta http-equiv="Content-Security-Policy"')
    bad = [(h, p) for h, p, _ in facts["links"]
           if not h.startswith("#") and p not in ("http:", "https:")]
    assert facts["links"] and not bad, bad
    assert all("noopener" in rel for h, _, rel in facts["links"] if not h.startswith("#"))
    offsite = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert not offsite, offsite
    if name == "briefing.html":  # the inline SVG charts still render under the policy
        assert facts["svgs"] and all(w > 0 for w in facts["svgs"])
