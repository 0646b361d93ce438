"""The briefing: judgment first (bottom line, scorecard, freshness), then partners, one section
per dimension with only the evidence that has data, what changed, outlook, method."""

from __future__ import annotations

import json
import re

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app

runner = CliRunner()
SECTIONS = ["1. Key judgments", "2. Partners and trajectory", "3. Economic ties",
            "4. Military collaboration", "5. Political and diplomatic support",
            "6. Regional security", "7. Energy", "8. Humanitarian",
            "9. Outlook and indicators to watch", "10. Method and sources",
            "Appendix A. Curated timeline", "Appendix B. The rows behind the figures"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    for args in (["ingest", "sample"], ["ingest", "reference"]):
        assert runner.invoke(app, ["--db", db, *args]).exit_code == 0
    return db


@pytest.fixture(scope="module")
def prk_html(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("b") / "briefing.html"
    result = report(demo_store, "--dyad", "RUS-PRK", "-o", str(out))
    assert result.exit_code == 0, result.output
    return result.output, out.read_text(encoding="utf-8")


def report(db, *args):
    return runner.invoke(app, ["--db", db, "report", *args], catch_exceptions=False)


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start:html.index("</section>", start)]


def test_sections_in_order_anchors_resolve_and_nothing_remote(prk_html):
    output, html = prk_html
    assert output.startswith("wrote ") and "Bottom line: As of 1 October 2025" in output \
        or "Bottom line: As of 01 October 2025" in output
    positions = [html.index(f">{title}<") for title in SECTIONS]
    assert positions == sorted(positions)
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= ids, targets - ids
    assert "<script" not in html and 'http-equiv="Content-Security-Policy"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert not re.search(r'<(img|link|iframe)[^>]+(src|href)="https?:', html)
    hrefs = [h for h in re.findall(r'href="([^"]+)"', html) if not h.startswith("#")]
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)


def test_first_screen_bottom_line_scorecard_and_freshness(prk_html):
    _, html = prk_html
    first = section(html, "judgments")
    assert '<p class="bottom"><strong>Bottom line.</strong> As of' in first
    card = first[first.index('<table class="scorecard" id="scorecard">'):first.index("</table>")]
    rows = re.findall(r'<tr><td><a href="#(\w+)">', card)
    assert rows == ["economic", "military", "political", "security", "energy", "humanitarian"]
    assert card.count('class="bar"') == 6 and "very high" in card and "↑ rising" in card
    assert "high confidence</span>" in card
    # the sample's UN votes end in 2020 and the UN list of 2018 is stale: said up front
    fresh = first[first.index('id="freshness"'):]
    assert re.search(r'<li class="stale">UN General Assembly votes: 14 January 2020 '
                     r'\(stale\)</li>', fresh)
    assert re.search(r'<li class="stale">UN Security Council sanctions list: 29 October 2018 '
                     r'\(stale\)</li>', fresh)
    assert "<li>curated key events: 1 October 2025</li>" in fresh  # fresh: not flagged
    assert "cover Russia–DPRK only" in first  # the assessment's note


def test_partner_matrix_greys_no_data_and_highlights_the_pair(prk_html):
    _, html = prk_html
    part = section(html, "partners")
    matrix = part[part.index('<table class="matrix">'):]
    matrix = matrix[:matrix.index("</table>")]
    assert '<tr class="focus"><th>North Korea (this pair)</th>' in matrix
    assert matrix.count('class="nodata"') >= 10 and ">no data<" in matrix
    assert "<th>China</th>" in matrix
    # the trajectory: levels year by year, as a chart or a table
    assert "<figure><svg" in part or "Levels by year" in part


def test_dimension_sections_judgment_first_and_only_what_has_data(prk_html):
    _, html = prk_html
    security = section(html, "security")
    assert security.index("confidence</span>") < security.index("Curated events")
    # the 2024 veto that ended the Panel of Experts, and the MSMT, in the security section
    assert "28 March 2024" in security and "Panel of Experts" in security
    assert "UN veto" in security and "Multilateral Sanctions Monitoring Team" in security
    # no GDELT events for the pair: one line, no chart, no table of zeros
    assert "GDELT: no RUS–PRK security events in the loaded event data" in security
    assert "<h3>GDELT events</h3>" not in html
    assert "The strategic picture" not in html and "too few periods" not in html
    assert not re.search(r"<td class=\"num\">0</td><td class=\"num\">0</td>", html)
    economic = section(html, "economic")
    assert "<h3>Published estimates</h3>" in section(html, "military")
    assert "DPRK exports to Russia" in economic and "dprk_exports_to_rus" not in html
    assert "food_shipment" not in html and "(month)" not in html
    assert "troop deployment" in section(html, "military")


def test_outlook_names_thresholds_series_and_cadence(prk_html):
    _, html = prk_html
    outlook = section(html, "outlook")
    assert outlook.count("<tr><td><a href=") == 6
    assert "→ high" in outlook or "→ moderate" in outlook
    assert "yearly, after each General Assembly session" in outlook
    assert "by hand, when the curated tables are edited" in outlook
    assert 'id="changed"' not in html  # only with --since
    # appendices folded
    assert '<section id="timeline"><h2>Appendix A. Curated timeline</h2>\n<details>' in html


def test_since_a_date_shows_the_judgments_that_moved(demo_store, tmp_path):
    out = tmp_path / "since.html"
    result = report(demo_store, "--dyad", "RUS-PRK", "--since", "2023-06", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "changed since the assessment as of 30 June 2023: military moderate" in result.output
    changed = section(out.read_text(encoding="utf-8"), "changed")
    assert "9. What changed" in changed and "Against the assessment as of 30 June 2023" in changed
    assert "very high, rising, high confidence" in changed and "Kursk" in changed


def test_since_a_json_file_from_assess(demo_store, tmp_path):
    earlier = tmp_path / "earlier.json"
    assert runner.invoke(app, ["--db", demo_store, "assess", "--dyad", "RUS-PRK", "--as-of",
                               "2021-12-31", "--format", "json", "-o",
                               str(earlier)]).exit_code == 0
    out = tmp_path / "since.md"
    result = report(demo_store, "--dyad", "RUS-PRK", "--since", str(earlier), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "## 9. What changed" in text and "earlier.json (as of 2021-12-31)" in text
    assert "- military: none, " in text
    # the same file as the current assessment: nothing moved
    same = tmp_path / "now.json"
    assert runner.invoke(app, ["--db", demo_store, "assess", "--dyad", "RUS-PRK", "--format",
                               "json", "-o", str(same)]).exit_code == 0
    assert report(demo_store, "--dyad", "RUS-PRK", "--since", str(same), "-o",
                  str(out)).exit_code == 0
    assert "No judgment moved." in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("since, message", [
    ("yesterday", "--since 'yesterday' is neither a file nor a date"),
    ("missing.json", "cannot read --since missing.json"),
])
def test_a_bad_since_fails_in_one_line_and_writes_nothing(demo_store, tmp_path, since,
                                                          message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--db", demo_store, "report", "--dyad", "RUS-PRK", "--since",
                                 since, "-o", "x.html"])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_a_not_assessment_json_is_refused(demo_store, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    result = runner.invoke(app, ["--db", demo_store, "report", "--dyad", "RUS-PRK", "--since",
                                 str(bad), "-o", str(tmp_path / "x.md")])
    assert result.exit_code == 2 and "is not an assessment written by" in result.output


def test_markdown_follows_the_same_structure(demo_store, tmp_path):
    out = tmp_path / "b.md"
    assert report(demo_store, "--dyad", "RUS-PRK", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Russia–North Korea: briefing")
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS
    assert "**Bottom line.** As of" in text
    card = text[text.index("| dimension | level |"):text.index("**Data freshness:**")]
    assert len([r for r in card.splitlines() if r.startswith("| ")]) == 1 + 6
    assert "UN General Assembly votes 14 January 2020 (stale)" in text
    assert "| North Korea (this pair) |" in text and "| no data |" in text


def test_a_range_outside_the_data_is_said_plainly(demo_store, tmp_path):
    out = tmp_path / "future.md"
    result = report(demo_store, "--dyad", "RUS-CHN", "--from", "2030-01-01", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "GDELT: no RUS–CHN economic events in the loaded event data" in text
    for title in SECTIONS:
        assert f"## {title}" in text


@pytest.mark.parametrize("args, message", [
    (["--dyad", "RUS-XYZ", "-o", "x.html"], "unknown country code 'XYZ'"),
    (["--dyad", "RUS-PRK", "-o", "x.docx"], "give a .html, .pdf or .md file"),
])
def test_bad_requests_fail_in_one_line(demo_store, tmp_path, args, message):
    result = runner.invoke(app, ["--db", demo_store, "report", *args])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def military_store(tmp_path) -> str:
    """24 months of RUS-PRK military events (062) among RUS-USA traffic."""
    rows, n = [], 0
    for year in (2023, 2024):
        for month in range(1, 13):
            for _ in range(6 + (month % 3) + (12 if year == 2024 else 0)):
                n += 1
                rows.append(event(n, f"{year}{month:02d}15", "RUS", "PRK", code="062",
                                  url=f"http://example.org/military-{n}"))
            for _ in range(20):
                n += 1
                rows.append(event(n, f"{year}{month:02d}15", "RUS", "USA"))
    db = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "gdelt",
                               str(write(tmp_path / "x.export.CSV", rows))]).exit_code == 0
    return db


def test_gdelt_series_only_where_there_are_events_with_rows_behind_them(tmp_path):
    db = military_store(tmp_path)
    out = tmp_path / "r.html"
    result = report(db, "--dyad", "RUS-PRK", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    military = section(html, "military")
    assert "<h3>GDELT events</h3>" in military and "<svg" in military
    assert 'href="#ev-military-2024-01-01">' in military
    assert "<h3>GDELT events</h3>" not in section(html, "economic")
    block = html[html.index('id="ev-military-2024-01-01"'):]
    assert "SELECT * FROM events WHERE" in block[:2000]
    assert "http://example.org/military-" in block
