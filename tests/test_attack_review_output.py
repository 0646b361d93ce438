"""Hostile data in what we write, after an outside review of issue 9 (findings 4b, 5, 6, 7c, 7d).

One store is built through the library, then given what a loader may refuse today but another
tool or an older version may have written (the renderers must not trust the store): a curated
event whose description holds U+202E, ESC and NUL; GDELT source URLs with U+202E; a sanctions
entry with a 100,000-character name and a list id with backticks and a tag; a Comtrade flow
worth +inf. Written from it: the briefing (HTML, Markdown), the claims audit (terminal, HTML,
Markdown, JSON) and `trade --format json`. Every control character and bidi control must be a
visible escape, HTML cells bidi-isolated and wrapping anywhere, long values cut for display
(whole in the store), Markdown backticks escaped, a `[text](javascript:...)` reduced to its
text whole, and every JSON strict. Chromium then lays the briefing out at 1280 and 390 px.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.cli.common import shown
from pivotwatch.markup import clip, http_url, md_code, md_text, strict_json, visible
from pivotwatch.sources.comtrade import load_comtrade
from pivotwatch.sources.context import Context
from pivotwatch.sources.gdelt.ingest import ingest_paths
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.sources.sanctions import load_sanctions
from pivotwatch.store import open_store

runner = CliRunner()

DESCRIPTION = "Summit \u202eevil\x1b[31m\x00 text"
SHOWN = "Summit \\u202eevil\\x1b[31m\\x00 text"  # as every output must show it
MD_SHOWN = "Summit \\\\u202eevil\\\\x1b\\[31m\\\\x00 text"  # the same, Markdown-escaped
LONG_NAME = "N" * 100_000
LIST_ID = "KP`i.1<b>`"
# what must never be written raw: C0 controls but tab and newline, DEL, C1, bidi controls
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DOC = ("Russia and North Korea held joint military exercises in August 2024. "
       "See [source](javascript:alert('l1')).\n")


def _gdelt_rows() -> list[str]:
    """Monthly RUS-PRK exercises (with RUS-USA volume) whose source URLs hold U+202E, three of
    them in August 2024 for the document's claim."""
    rows, n = [], 0
    for year in (2023, 2024):
        for month in range(1, 13):
            n += 1
            rows.append(event(n, f"{year}{month:02d}20", "RUS", "PRK", code="062",
                              mentions=50, url=f"https://ok.example/\u202e{n}"))
            for _ in range(3):
                n += 1
                rows.append(event(n, f"{year}{month:02d}15", "RUS", "USA"))
    for k in range(3):
        n += 1
        rows.append(event(n, f"2024081{k}", "RUS", "PRK", code="062", mentions=50,
                          url=f"https://ok.example/\u202e{n}"))
    return rows


def _un_list(path: Path) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated='
        '"2018-10-29T19:09:49.856-04:00"><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>'
        "<FIRST_NAME>X</FIRST_NAME><SECOND_NAME>KIM</SECOND_NAME><UN_LIST_TYPE>DPRK"
        "</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.1</REFERENCE_NUMBER><LISTED_ON>2016-11-30"
        "</LISTED_ON><NATIONALITY><VALUE>Russian Federation</VALUE></NATIONALITY></INDIVIDUAL>"
        "</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """The hostile store and everything written from it (once for the module)."""
    root = tmp_path_factory.mktemp("review")
    db = root / "store.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIVOTWATCH_CACHE", str(root / "cache"))
        mp.setenv("PIVOTWATCH_GDELT_BASE", "http://127.0.0.1:9")
        with open_store(db, create=True) as st:
            ctx = Context(st)
            assert ingest_reference(ctx).ok
            assert ingest_paths(ctx, [str(write(root / "20240101000000.export.CSV",
                                                _gdelt_rows()))]).ok
            assert load_sanctions(st, _un_list(root / "un.xml")).rows_kept == 1
            with (root / "flows.csv").open("w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerows([
                    ("reporter_iso", "flow_desc", "partner_iso", "cmd_code", "primary_value",
                     "ref_year"), ("RUS", "Export", "PRK", "TOTAL", "100", "2019")])
            load_comtrade(st, root / "flows.csv")
            # what a loader may refuse, written the way another tool could
            st.con.execute("UPDATE sanctions SET name = ?, list_id = ?", [LONG_NAME, LIST_ID])
            st.con.execute("UPDATE trade_flows SET value_usd = 'inf'::DOUBLE")
            st.con.execute(
                "UPDATE reference_events SET description = ?, source_urls = ? WHERE event_key = "
                "(SELECT min(event_key) FROM reference_events WHERE actor1 = 'RUS' AND "
                "actor2 = 'PRK')", [DESCRIPTION, ["https://ok.example/a", "ftp://ok.example/b"]])
        doc = root / "memo.md"
        doc.write_text(DOC, encoding="utf-8")
        out: dict = {"db": db, "root": root}
        base = ["--db", str(db)]
        for suffix in ("html", "md"):
            path = out[f"briefing.{suffix}"] = root / f"briefing.{suffix}"
            result = runner.invoke(app, [*base, "report", "--dyad", "RUS-PRK", "-o", str(path),
                                         "--documents", str(doc)])
            assert result.exit_code == 0, result.output
        for suffix in ("html", "md", "json"):
            path = out[f"claims.{suffix}"] = root / f"claims.{suffix}"
            result = runner.invoke(app, [*base, "claims", str(doc), "--date", "2025-12-01",
                                         "-o", str(path)])
            assert result.exit_code == 0, result.output
        terminal = runner.invoke(app, [*base, "claims", str(doc), "--date", "2025-12-01"])
        assert terminal.exit_code == 0, terminal.output
        out["claims.terminal"] = terminal.output
        trade = runner.invoke(app, [*base, "trade", "RUS", "PRK", "--format", "json"])
        assert trade.exit_code == 0, trade.output
        out["trade.json"] = trade.stdout
        path = root / "trade-o.json"
        result = runner.invoke(app, [*base, "trade", "RUS", "PRK", "-o", str(path)])
        assert result.exit_code == 0, result.output
        out["trade-o.json"] = path.read_text(encoding="utf-8")
        yield out


def _strict(text: str):
    """json.loads as JSON.parse reads: NaN, Infinity and -Infinity are errors."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------- the rules


def test_one_rule_for_terminal_html_and_markdown():
    assert visible(DESCRIPTION) == SHOWN == shown(DESCRIPTION, markup=False)
    assert visible("a\tb\nc\u2067d", keep="\t\n") == "a\tb\nc\\u2067d"
    assert md_text(DESCRIPTION) == MD_SHOWN
    assert md_text("`x` <b>") == "\\`x\\` &lt;b&gt;"
    assert md_code("a\u202eb") == "`a\\u202eb`"
    assert http_url("https://ok.example/\u202efdp.exe") is None  # shown reordered: no link
    assert clip("x" * 300) == "x" * 300
    assert clip(LONG_NAME) == "N" * 300 + "… (100,000 characters)"


def test_strict_json_writes_null_for_non_finite_numbers():
    text = strict_json({"a": [float("inf"), -float("inf"), float("nan"), 1.5],
                        "b": ("\u202e", "\x85")}, ensure_ascii=False)
    assert _strict(text) == {"a": [None, None, None, 1.5], "b": ["\u202e", "\x85"]}
    assert "\u202e" not in text and "\\u202e" in text and "\\u0085" in text


# --------------------------------------------------------------------------- finding 5


@pytest.mark.parametrize("name", ["briefing.html", "briefing.md", "claims.html", "claims.md",
                                  "claims.json"])
def test_no_control_or_bidi_character_is_written_raw(written, name):
    text = written[name].read_text(encoding="utf-8")
    assert not RAW.search(text), repr(RAW.search(text).group())


def test_briefing_shows_controls_and_bidi_overrides_as_escapes(written):
    html = written["briefing.html"].read_text(encoding="utf-8")
    assert html.count(SHOWN) == 2  # its dimension's section and Appendix A
    assert "td, th, li, caption, a, .url, h3, code, bdi { unicode-bidi: isolate; }" in html
    assert ".wrap, .url, td a { overflow-wrap: anywhere; word-break: break-word; }" in html
    # the http link beside it is still a link; the ftp one is text, isolated
    assert f'{SHOWN} <a href="https://ok.example/a" rel="noopener noreferrer">[1]</a>' in html
    assert '[2] <span class="url">(ftp://ok.example/b)</span>' in html
    # a GDELT URL with U+202E is no link: shown, escaped, in Appendix B
    assert "https://ok.example/\\u202e1" in html and 'href="https://ok.example/\u202e' not in html
    md = written["briefing.md"].read_text(encoding="utf-8")
    assert MD_SHOWN in md


def test_claims_terminal_and_html_show_the_override_escaped(written):
    terminal = written["claims.terminal"]
    assert not RAW.search(terminal.replace("\n", ""))
    assert "<https://ok.example/\\u202e97>" in terminal  # the evidence column
    html = written["claims.html"].read_text(encoding="utf-8")
    assert "<bdi>https://ok.example/\\u202e97</bdi>" in html
    assert "unicode-bidi:isolate;overflow-wrap:anywhere" in html
    md = written["claims.md"].read_text(encoding="utf-8")  # such a URL is no link: text only
    assert "50 mentions<br>events 2024-08-11" in md and "ok.example" not in md


# --------------------------------------------------------------------------- finding 6


def test_a_long_value_is_cut_for_display_and_whole_in_the_store(written):
    cut = "N" * 300 + "… (100,000 characters)"
    html = written["briefing.html"].read_text(encoding="utf-8")
    md = written["briefing.md"].read_text(encoding="utf-8")
    assert f'<span class="wrap">{cut}</span>' in html and "N" * 301 not in html
    assert cut in md and "N" * 301 not in md
    # ordinary words are not broken: only an unbroken run of 30 or more characters wraps
    assert html.split("Appendix B")[0].count('<span class="wrap">') == 1
    assert "@media screen and (max-width: 48rem) { th, td { overflow-wrap: anywhere; " in html
    with open_store(written["db"], read_only=True) as st:
        assert st.con.execute("SELECT length(name) FROM sanctions").fetchone() == (100_000,)


# --------------------------------------------------------------------------- findings 7c, 7d


def test_markdown_escapes_backticks_in_cells(written):
    md = written["briefing.md"].read_text(encoding="utf-8")
    assert "| UN Security Council list | KP\\`i.1&lt;b&gt;\\` |" in md
    # in the displayed SQL (a code span) the id stays literal, fenced by more backticks
    assert "``pivotwatch sanctions" in md and "'un_sc:KP`i.1<b>`'" in md


def test_a_script_link_in_a_document_is_its_text_whole(written):
    for name in ("claims.md", "claims.html", "briefing.md", "briefing.html"):
        text = written[name].read_text(encoding="utf-8")
        assert "See source." in text and "source)" not in text, name
        assert "javascript" not in text.lower(), name
    assert "│ See source." in written["claims.terminal"]


# --------------------------------------------------------------------------- finding 4b


def test_every_json_we_write_is_strict(written):
    for name in ("trade.json", "trade-o.json"):
        rows = _strict(written[name])
        flows = [r for r in rows if r["source"] == "comtrade"]  # reported, and PRK's mirror
        assert [(r["year"], r["value_usd"]) for r in flows] == [(2019, None)] * 2, flows
        assert "Infinity" not in written[name]
    audit = _strict(written["claims.json"].read_text(encoding="utf-8"))
    assert audit["counts"]["supported"] == 1


# --------------------------------------------------------------------------- Chromium


LAYOUT = """() => {
  const tables = [...document.querySelectorAll('table')];
  const sanctions = tables.find(t => t.textContent.includes('100,000 characters'));
  const cell = [...document.querySelectorAll('td')].find(td => td.textContent.includes('Summit'));
  return {
    page: document.documentElement.scrollWidth,
    widest: Math.max(...tables.map(t => t.getBoundingClientRect().width)),
    sanctions: sanctions.getBoundingClientRect().width,
    raw: /[\\u202a-\\u202e\\u2066-\\u2069\\x00-\\x08\\x1b]/.test(document.body.innerText),
    bidi: getComputedStyle(cell).unicodeBidi,
    cellText: cell.textContent,
  };
}"""



def test_briefing_fits_the_screen_in_chromium(written, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file://", "data:")) else route.abort("blockedbyclient"))
    page = context.new_page()
    facts = {}
    try:
        page.goto(written["briefing.html"].as_uri(), wait_until="load")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            facts[width] = page.evaluate(LAYOUT)
            shot = tmp_path / f"review-briefing-{width}.png"
            page.locator("table", has_text="100,000 characters").screenshot(path=str(shot))
            if os.environ.get("PIVOTWATCH_SCREENSHOT_DIR"):
                keep = Path(os.environ["PIVOTWATCH_SCREENSHOT_DIR"])
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, keep / shot.name)
    finally:
        context.close()
    for width, f in facts.items():
        assert f["sanctions"] <= width and f["widest"] <= width, (width, f)
        assert f["page"] <= width, (width, f)
        assert not f["raw"] and f["bidi"] == "isolate", f
        assert f["cellText"].startswith(SHOWN), f


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u2060", "\u206a", "\ufff9", "\ufeff",
                                  "\u3164", "\u00ad", "\u180e", "\U000e0041"])
def test_invisible_characters_are_shown_and_never_in_a_link(char):
    """Zero-width and other invisible characters let two names that look alike differ."""
    from pivotwatch.markup import http_url, visible

    shown = visible(f"Kim{char}Jong")
    assert char not in shown and shown.startswith("Kim\\") and shown.endswith("Jong")
    assert http_url(f"https://example.org/a{char}b") is None
