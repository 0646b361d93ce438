"""Briefing panels from UN votes, trade, fuel and sanctions: figures that match the raw files,
and a plain statement when a source is not loaded."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from datetime import date

import pytest
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.report.panels import build_panels
from pivotwatch.sources.unga import bundled_sample
from pivotwatch.store import open_store

runner = CliRunner()


def _ingest(db, *what):
    for args in what:
        result = runner.invoke(app, ["--db", db, "ingest", *args])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("panels") / "full.duckdb")
    _ingest(db, ["sample"], ["reference"])
    return db


def _panels(db, a="RUS", b="PRK"):
    with open_store(db) as st:
        return {p.anchor: p for p in build_panels(st, a, b, None, None)}


def test_every_panel_says_how_to_load_its_data_when_the_store_lacks_it(tmp_path):
    db = str(tmp_path / "gdelt-only.duckdb")
    with open_store(db, create=True):
        pass
    panels = _panels(db)
    assert set(panels) == {"un-votes", "trade", "fuel", "sanctions"}
    hints = {"un-votes": "pivotwatch ingest unvotes", "trade": "pivotwatch ingest comtrade",
             "fuel": "pivotwatch ingest reference", "sanctions": "pivotwatch ingest sanctions"}
    for anchor, panel in panels.items():
        assert not panel.loaded and not panel.tables and panel.judgment is None
        assert "not loaded" in panel.lead[0] or "No " in panel.lead[0]
        assert hints[anchor] in panel.lead[0]


def test_panels_keep_to_the_report_range(full_store):
    with open_store(full_store) as st:
        panels = {p.anchor: p for p in build_panels(st, "RUS", "PRK", date(2015, 1, 1),
                                                     date(2018, 12, 31))}
    fuel = panels["fuel"]
    assert [r[0] for r in fuel.tables[0].rows] == ["2018-01-01 to 2018-12-31"]
    assert "2024" not in " ".join(fuel.lead)
    votes = panels["un-votes"]
    assert votes.tables[0].header[-4:] == ["2015", "2016", "2017", "2018"]
    assert "The loaded roll calls end on 2020-01-14" in votes.limits


def test_fuel_applies_only_to_pairs_with_north_korea(full_store):
    assert "fuel" not in _panels(full_store, "RUS", "CHN")
    assert "fuel" in _panels(full_store, "PRK", "RUS")


def _identical_votes_from_raw(a_iso2: str, b_iso2: str) -> tuple[int, int]:
    votes: dict[str, dict[str, str]] = defaultdict(dict)
    path = next(p for p in bundled_sample() if p.name.startswith("un_votes"))
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["country_code"] in (a_iso2, b_iso2):
                votes[row["rcid"]][row["country_code"]] = row["vote"]
    both = [v for v in votes.values() if len(v) == 2]
    return len(both), sum(v[a_iso2] == v[b_iso2] for v in both)


def test_voting_panel_figures_match_a_count_from_the_raw_sample(full_store):
    panel = _panels(full_store)["un-votes"]
    assert panel.loaded and panel.section == "political"
    both, same = _identical_votes_from_raw("RU", "KP")
    row = next(r for r in panel.tables[0].rows if r[0] == "PRK")
    assert row[1] == "1991–2020"  # each pair's span is shown: they differ
    assert row[2:5] == [f"{both:,}", f"{same:,}", f"{same / both:.0%}"]
    assert f"{same:,} of the {both:,} General Assembly roll calls" in panel.lead[0]
    partners = [r[0] for r in panel.tables[0].rows]
    assert partners[0] == "PRK" and {"CHN", "IND", "IRN", "VNM", "MNG"} <= set(partners)
    assert panel.judgment and panel.judgment[1] == "recorded"


def test_trade_panel_shows_every_reference_figure_and_the_gap_to_the_target(full_store):
    panel = _panels(full_store)["trade"]
    assert panel.loaded
    with open_store(full_store) as st:
        (n,) = st.con.execute("SELECT count(*) FROM reference_trade").fetchall()[0]
    reference = next(t for t in panel.tables if t.caption.startswith("Reference"))
    assert len(reference.rows) == n == 20
    text = " ".join(panel.lead)
    # neither sample file has Russia or North Korea as reporter: said, not hidden
    assert "no Comtrade flows between RUS and PRK" in text
    assert "Latest recorded total: $34.40m in 2023" in text
    assert "$1.00bn was the goal for 2020; $42.74m was recorded that year, 4% of it" in text


def test_fuel_panel_keeps_each_figure_apart_and_flags_the_estimate_above_the_cap(full_store):
    panel = _panels(full_store)["fuel"]
    with open_store(full_store) as st:
        (n,) = st.con.execute(
            "SELECT count(*) FROM reference_fuel WHERE supplier = 'RUS'").fetchall()[0]
    assert len(panel.tables[0].rows) == n == 8
    text = " ".join(panel.lead)
    assert "the largest figure is 277,365 barrels (55% of the 500,000-barrel annual cap)" in text
    assert "1,000,000 barrels or more, 200% of the annual cap" in text
    overlap = [r for r in panel.tables[0].rows if "OVERLAPS" in r[4]]
    assert len(overlap) == 2


def test_sanctions_panel_counts_ties_and_scale(full_store):
    panel = _panels(full_store)["sanctions"]
    assert panel.loaded
    # the bundled UN list subset has the 155 DPRK-regime entries and no entry tying the two
    assert panel.lead[0].startswith("0 current designation(s) tie RUS and PRK")
    assert "155 under PRK's programmes" in panel.lead[0]
    # the sample holds the UN lists of 2018-10-29 and 2025-11-20: the later is current
    assert "un_sc published 2025-11-20 (169 current entries)" in panel.lead[0]


def test_report_places_each_panel_in_its_section(full_store, tmp_path):
    out = tmp_path / "b.md"
    result = runner.invoke(app, ["--db", full_store, "report", "--dyad", "RUS-PRK", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    order = [text.index(t) for t in ("## 3. Economic ties", "### Trade: reported",
                                     "## 5. Political", "### UN General Assembly voting",
                                     "## 6. Regional security", "### Sanctions designations",
                                     "## 7. Energy", "### Refined petroleum")]
    assert order == sorted(order)
    assert "Rows behind the figures: `SELECT * FROM reference_fuel" in text
