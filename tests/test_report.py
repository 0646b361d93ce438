"""The briefing: every section, working anchors, honest about missing data."""

from __future__ import annotations

import re

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app

runner = CliRunner()
SECTIONS = ["1. Key judgments", "2. The strategic picture", "3. Economic ties",
            "4. Military collaboration", "5. Political and diplomatic support",
            "6. Regional security", "7. Energy", "8. Outlook", "9. Indicators to watch",
            "10. Method and sources"]


@pytest.fixture
def demo_store(tmp_path):
    db = str(tmp_path / "demo.duckdb")
    for args in (["ingest", "sample"], ["ingest", "reference"]):
        assert runner.invoke(app, ["--db", db, *args]).exit_code == 0
    return db


def report(db, *args):
    return runner.invoke(app, ["--db", db, "report", *args], catch_exceptions=False)


def test_html_has_every_section_and_no_broken_anchor_or_remote_asset(demo_store, tmp_path):
    out = tmp_path / "briefing.html"
    result = report(demo_store, "--dyad", "RUS-CHN", "-o", str(out))
    assert result.exit_code == 0 and "Key judgments:" in result.output
    html = out.read_text(encoding="utf-8")
    for title in SECTIONS:
        assert title in html, title
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= ids, targets - ids
    assert "<script" not in html
    assert not re.search(r'<(img|link|iframe)[^>]+(src|href)="https?:', html)
    assert html.count("<svg") >= 1  # the strategic picture chart, inline
    # the figures trace to rows: 2015's 7 RUS-CHN events link to their evidence block
    assert 'href="#ev-all-2015-01-01">7</a>' in html
    block = html[html.index('id="ev-all-2015-01-01"'):]
    assert "SELECT * FROM events WHERE" in block[:2000]


def test_a_dyad_with_no_events_says_so_and_shows_the_curated_timeline(demo_store, tmp_path):
    out = tmp_path / "prk.html"
    result = report(demo_store, "--dyad", "RUS-PRK", "-o", str(out))
    assert result.exit_code == 0
    assert "hold no RUS–PRK events" in result.output
    html = out.read_text(encoding="utf-8")
    assert "hold no RUS–PRK events" in html
    assert "curated reference events concern this pair" in html
    assert "Treaty on Comprehensive Strategic Partnership" in html or "summit" in html


def test_a_range_outside_the_data_is_said_plainly(demo_store, tmp_path):
    out = tmp_path / "future.md"
    result = report(demo_store, "--dyad", "RUS-CHN", "--from", "2030-01-01", "-o", str(out))
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "no GDELT data at all in this range" in text
    for title in SECTIONS:
        assert f"## {title}" in text


def test_markdown_report(demo_store, tmp_path):
    out = tmp_path / "b.md"
    assert report(demo_store, "--dyad", "RUS-IRN", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# RUS–IRN") and "| aspect | details |" in text


@pytest.mark.parametrize("args, message", [
    (["--dyad", "RUS-XYZ", "-o", "x.html"], "unknown country code 'XYZ'"),
    (["--dyad", "RUS-PRK", "-o", "x.docx"], "give a .html, .pdf or .md file"),
])
def test_bad_requests_fail_in_one_line(demo_store, tmp_path, args, message):
    result = runner.invoke(app, ["--db", demo_store, "report", *args])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def military_store(tmp_path, high) -> str:
    """24 months of RUS-PRK military events (062) among RUS-USA traffic; months for which
    `high(year, month)` is true have three times as many."""
    rows, n = [], 0
    for year in (2023, 2024):
        for month in range(1, 13):
            count = 6 + (month % 3) + (12 if high(year, month) else 0)
            for _ in range(count):
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


def test_a_store_with_events_reports_changes_and_evidence(tmp_path):
    db = military_store(tmp_path, lambda year, month: year == 2024)
    out = tmp_path / "r.html"
    result = report(db, "--dyad", "RUS-PRK", "--freq", "month", "-o", str(out))
    assert result.exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "shift up in 2024-01" in html
    assert "http://example.org/military-" in html
    watch = html[html.index('id="watch"'):html.index('id="method"')]
    assert "military (per 10k)" not in watch  # the shift is a year old, not recent


def test_a_recent_change_is_an_indicator_to_watch(tmp_path):
    db = military_store(tmp_path, lambda year, month: year == 2024 and month >= 10)
    out = tmp_path / "r.html"
    assert report(db, "--dyad", "RUS-PRK", "--freq", "month", "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    watch = html[html.index('id="watch"'):html.index('id="method"')]
    assert "military (per 10k)" in watch and "2024-10" in watch
    assert "deeper defence cooperation" in watch
