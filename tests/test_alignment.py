"""UN voting alignment: exact figures on hand-made roll calls, and the real files."""

from __future__ import annotations

import csv
import json
from fractions import Fraction

import pytest
from conftest import SHARED_DATA, needs_shared
from typer.testing import CliRunner

from pivotwatch.analysis.alignment import alignment
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.sources.unga import load_file
from pivotwatch.store import open_store

runner = CliRunner()
UNGA = SHARED_DATA / "unga"

# Eight roll calls: 1-4 in 2000 (session 55), 5-8 in 2001 (session 56); 1, 2, 5 are on
# nuclear weapons (nu), 3 and 6 on human rights (hr). PRK is absent on 8. Roll call 9 has
# votes but no roll call loaded.
VOTES = {
    "RU": ["yes", "yes", "no", "abstain", "yes", "no", "yes", "yes", "yes"],
    "KP": ["yes", "no", "no", "yes", "yes", "abstain", "yes", None, "no"],
    "CN": ["yes", "yes", "yes", "abstain", "no", "no", "yes", "yes", None],
}


@pytest.fixture
def hand_made(tmp_path):
    votes = tmp_path / "votes.csv"
    with votes.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rcid", "country", "country_code", "vote"])
        for code, row in VOTES.items():
            w.writerows((rcid, code, code, v) for rcid, v in enumerate(row, 1) if v)
    calls = tmp_path / "calls.csv"
    with calls.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rcid", "session", "importantvote", "date", "unres", "amend", "para",
                    "short", "descr"])
        for rcid in range(1, 9):
            year, session = (2000, 55) if rcid <= 4 else (2001, 56)
            w.writerow([rcid, session, 0, f"{year}-10-{rcid:02d}", "", 0, 0, "", ""])
    issues = tmp_path / "issues.csv"
    issues.write_text("rcid,short_name,issue\n1,nu,\n2,nu,\n5,nu,\n3,hr,\n6,hr,\n")
    db = tmp_path / "hand.duckdb"
    with open_store(db, create=True) as st:
        for f in (votes, calls, issues):
            load_file(st, f)
    return db


def row(df, period, partner, issue="all"):
    found = df[(df.period == period) & (df.partner == partner) & (df.issue == issue)]
    assert len(found) == 1, (period, partner, issue)
    return found.iloc[0]


def test_hand_made_roll_calls_give_the_exact_figures(hand_made):
    with open_store(hand_made, read_only=True) as st:
        df = alignment("RUS", ["PRK", "CHN", "MNG"], store=st, by="year",
                       issues=["all", "nu", "hr"])
    # RUS-PRK over 1-7: identical on 1, 3, 5, 7. Margins RUS yes 4 abstain 1 no 2, PRK yes 4
    # abstain 1 no 2: expected (16 + 1 + 4) / 49 = 3/7, kappa (4/7 - 3/7) / (4/7) = 1/4;
    # distance 2 + 1 + 1 = 4, S = 1 - 2 * 4 / (7 * 2) = 3/7
    r = row(df, "all", "PRK")
    assert (r.roll_calls, r.identical, r.distance) == (7, 4, 4)
    assert (r.focus_yes, r.focus_abstain, r.focus_no) == (4, 1, 2)
    assert (r.partner_yes, r.partner_abstain, r.partner_no) == (4, 1, 2)
    assert r.share == pytest.approx(4 / 7, abs=1e-12)
    assert r.expected == pytest.approx(3 / 7, abs=1e-12)
    assert r.kappa == pytest.approx(1 / 4, abs=1e-12)
    assert r.s_score == pytest.approx(3 / 7, abs=1e-12)
    # per year: 2000 has 2 of 4 identical, kappa 1/5; 2001 2 of 3, kappa 2/5
    assert (row(df, "2000", "PRK").identical, row(df, "2000", "PRK").roll_calls) == (2, 4)
    assert row(df, "2000", "PRK").kappa == pytest.approx(1 / 5, abs=1e-12)
    assert row(df, "2001", "PRK").share == pytest.approx(2 / 3, abs=1e-12)
    assert row(df, "2001", "PRK").kappa == pytest.approx(2 / 5, abs=1e-12)
    # RUS-CHN over 1-8: 6 of 8 identical, expected 15/32, kappa 9/17
    r = row(df, "all", "CHN")
    assert (r.roll_calls, r.identical) == (8, 6)
    assert r.kappa == pytest.approx(float(Fraction(9, 17)), abs=1e-12)
    # per issue: nu (1, 2, 5) 2 of 3 identical, kappa 0; hr (3, 6) 1 of 2, kappa 0
    assert row(df, "all", "PRK", "nu").share == pytest.approx(2 / 3, abs=1e-12)
    assert row(df, "all", "PRK", "nu").kappa == pytest.approx(0, abs=1e-12)
    assert row(df, "all", "PRK", "hr").identical == 1
    # 2001 nu is roll call 5 only, both yes: chance explains everything, kappa undefined
    single = row(df, "2001", "PRK", "nu")
    assert single.share == 1 and single.expected == 1 and single.kappa != single.kappa  # NaN
    assert not (df.partner == "MNG").any()
    assert df.attrs["warnings"] == [
        "the store holds no UN votes of MNG",
        "1 vote pair(s) have no roll call loaded (no date or session) and are left out: "
        "load the roll calls that go with the votes"]
    # sorted by issue, partner in the order given, then period, "all" last
    assert list(df[df.issue == "all"].period) == ["2000", "2001", "all"] * 2


def test_by_session_and_year_range(hand_made):
    with open_store(hand_made, read_only=True) as st:
        df = alignment("RUS", "PRK", store=st, by="session")
        late = alignment("RUS", "PRK", store=st, first_year=2001, last_year=2001)
    assert list(df.period) == ["55", "56", "all"]
    assert row(df, "56", "PRK").identical == 2
    assert list(late.period) == ["2001", "all"]
    assert row(late, "all", "PRK").roll_calls == 3


def test_bad_requests_are_usage_errors(hand_made, tmp_path):
    with open_store(hand_made, read_only=True) as st:
        with pytest.raises(UsageError, match="unknown country code 'XXX'"):
            alignment("RUS", "XXX", store=st)
        with pytest.raises(UsageError, match="at least one partner"):
            alignment("RUS", [], store=st)
        with pytest.raises(UsageError, match="cannot also be one of its partners"):
            alignment("RUS", "RUS", store=st)
        with pytest.raises(UsageError, match="unknown issue 'war'"):
            alignment("RUS", "PRK", store=st, issues=["war"])
        with pytest.raises(UsageError, match="no UN votes of JPN"):
            alignment("JPN", "PRK", store=st)
    with open_store(tmp_path / "empty.duckdb", create=True) as st, \
            pytest.raises(UsageError, match="load UN votes first: pivotwatch ingest unvotes"):
        alignment("RUS", "PRK", store=st)


def test_cli_alignment(hand_made, tmp_path):
    db = str(hand_made)
    result = runner.invoke(app, ["--db", db, "alignment", "RUS", "PRK", "--partners", "CHN",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["period"], r["partner"], r["identical"]) for r in rows] == [
        ("2000", "PRK", 2), ("2001", "PRK", 2), ("all", "PRK", 4),
        ("2000", "CHN", 3), ("2001", "CHN", 3), ("all", "CHN", 6)]
    table = runner.invoke(app, ["--db", db, "alignment", "RUS", "PRK", "--issue", "nu"])
    assert table.exit_code == 0
    assert "issue nu" in table.output and "66.7%" in table.output
    assert "no UN votes of IRN" in table.output  # default partners include IRN
    out = tmp_path / "a.csv"
    wrote = runner.invoke(app, ["--db", db, "alignment", "ROM", "PRK", "-o", str(out)])
    assert wrote.exit_code == 2 and "no UN votes of ROU" in wrote.output  # CAMEO ROM = ROU
    bad = runner.invoke(app, ["--db", db, "alignment", "RUS", "PRK", "--by", "decade"])
    assert bad.exit_code == 2


def _independent_count(a: str, b: str) -> tuple[int, int]:
    """Roll calls both countries voted in and identical votes, straight from the raw CSV."""
    votes: dict[str, dict[str, str]] = {a: {}, b: {}}
    with (UNGA / "un_votes.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["country_code"] in votes:
                votes[r["country_code"]][r["rcid"]] = r["vote"]
    both = votes[a].keys() & votes[b].keys()
    return len(both), sum(votes[a][k] == votes[b][k] for k in both)


@needs_shared
def test_real_files_match_an_independent_count(tmp_path):
    with open_store(tmp_path / "real.duckdb", create=True) as st:
        for name in ("un_votes.csv", "un_roll_calls.csv", "un_roll_call_issues.csv"):
            load_file(st, UNGA / name)
        df = alignment("RUS", ["PRK", "CHN", "IND"], store=st, by="year")
    assert _independent_count("RU", "KP") == (2089, 1324)  # as PROVENANCE.md states
    for partner, iso2 in (("PRK", "KP"), ("CHN", "CN"), ("IND", "IN")):
        r = row(df, "all", partner)
        assert (r.roll_calls, r.identical) == _independent_count("RU", iso2)
    assert not df.attrs["warnings"]
    per_year = df[(df.partner == "PRK") & (df.period != "all")]
    assert per_year.roll_calls.sum() == 2089 and per_year.period.min() == "1991"


def test_the_same_expressions_give_the_same_figures_on_polars(hand_made):
    pytest.importorskip("polars")
    import ibis

    from pivotwatch.analysis.alignment import agreement, issue_tags, roll_calls, vote_pairs

    with open_store(hand_made, read_only=True) as st:
        expected = alignment("RUS", ["PRK", "CHN"], store=st, issues=["all", "nu"])
        votes = st.con.sql("SELECT rcid, country, vote FROM un_votes").to_arrow_table()
        calls = st.con.sql("SELECT rcid, layout, session, date, issues "
                           "FROM un_roll_calls").to_arrow_table()
    pl = ibis.polars.connect()
    v, c = pl.create_table("v", votes), pl.create_table("c", calls)
    got = agreement(vote_pairs(v, "RUS", ["PRK", "CHN"]), roll_calls(c), issue_tags(c),
                    issues=["all", "nu"]).to_pandas()
    key = ["issue", "partner", "period"]
    a = expected.sort_values(key).reset_index(drop=True)
    b = got.sort_values(key).reset_index(drop=True)[list(a.columns)]
    assert a[["roll_calls", "identical", "distance"]].equals(
        b[["roll_calls", "identical", "distance"]].astype(a.roll_calls.dtype))
    assert (a.kappa.fillna(-9) - b.kappa.fillna(-9)).abs().max() < 1e-12
