"""UN General Assembly votes: both layouts, rejects with reasons, idempotent loads."""

from __future__ import annotations

import csv
import gzip
import time

import pytest
from conftest import SHARED_DATA, needs_shared
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.sources.context import Context
from pivotwatch.sources.unga import bundled_sample, ingest_unvotes, load_file
from pivotwatch.store import open_store

runner = CliRunner()
UNGA = SHARED_DATA / "unga"
VOTES_HEADER = ["rcid", "country", "country_code", "vote"]
CALLS_HEADER = ["rcid", "session", "importantvote", "date", "unres", "amend", "para", "short",
                "descr"]
VOETEN_HEADER = ["rcid", "session", "vote", "ccode", "member", "importantvote", "date",
                 "unres", "me", "nu", "di", "hr", "co", "ec", "year"]


def write(path, header, rows, gz=False):
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def q(st, sql):
    return st.con.execute(sql).fetchall()


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        yield store


def test_unvotes_votes_load_with_rejects_and_reasons(tmp_path, st):
    f = write(tmp_path / "votes.csv", VOTES_HEADER, [
        (1, "Russia", "RU", "yes"), (1, "North Korea", "KP", "no"),
        (1, "Czechoslovakia", "CS", "yes"),          # historical: no successor
        (1, "Nowhere", "QQ", "yes"),                 # unknown code
        (1, "China", "CN", "maybe"),                 # bad vote
        (2, "Russia", "RU", "yes"), (2, "Russia", "RU", "yes"),   # repeat: one kept
        (3, "India", "IN", "yes"), (3, "India", "IN", "no"),      # conflict: both rejected
        (4, "Federal Republic of Germany", "", "abstain"),        # named, no code: DEU
        (4, "Yemen Arab Republic", "", "yes"),                    # named, no successor
        ("x", "Russia", "RU", "yes"),
        *((rcid, "Russia", "RU", "no") for rcid in range(10, 16)),  # keeps rejects under 50%
    ])
    r = load_file(st, f)
    assert (r.layout, r.rows_read, r.rows_kept, r.rows_rejected) == ("unvotes-votes", 18, 10, 8)
    assert q(st, "SELECT rcid, country, vote FROM un_votes WHERE rcid < 10 ORDER BY ALL") == [
        (1, "PRK", "no"), (1, "RUS", "yes"), (2, "RUS", "yes"), (4, "DEU", "abstain")]
    reasons = dict(q(st, "SELECT line, reason FROM rejects"))
    assert reasons[4] == "country CS: Czechoslovakia (to 1992): no successor code"
    assert reasons[5] == "country QQ: unknown iso2 country code 'QQ'"
    assert reasons[6] == "vote 'maybe' is not yes, no or abstain"
    assert reasons[8] == "rcid 2, RUS: repeats line 7 (same vote)"
    assert reasons[9] == reasons[10] == "rcid 3, IND: conflicting votes in this file (no, yes)"
    assert reasons[12].startswith("no country code for 'Yemen Arab Republic': Yemen Arab "
                                  "Republic (North Yemen, to 1990): no successor code")
    assert reasons[13] == "rcid 'x' is not a positive whole number"
    assert q(st, "SELECT raw FROM rejects WHERE line = 5") == [("1,Nowhere,QQ,yes",)]
    # votes without a roll call are kept: the join happens at analysis time
    assert q(st, "SELECT count(*) FROM un_roll_calls") == [(0,)]


def test_a_load_twice_adds_nothing_and_other_files_only_add_new_votes(tmp_path, st):
    rows = [(1, "Russia", "RU", "yes"), (1, "North Korea", "KP", "no")]
    f = write(tmp_path / "votes.csv", VOTES_HEADER, rows)
    assert load_file(st, f).rows_kept == 2
    assert load_file(st, f).status == "skipped"
    # the same rows gzipped add nothing: each vote is already stored with the same value
    zipped = load_file(st, write(tmp_path / "votes.csv.gz", VOTES_HEADER, rows, gz=True))
    assert (zipped.rows_kept, zipped.rows_duplicate, zipped.rows_rejected) == (0, 2, 0)
    # another file: the same vote is a duplicate, a new one is added, a different one rejected
    g = write(tmp_path / "more.csv", VOTES_HEADER, [
        (1, "Russia", "RU", "yes"), (2, "Russia", "RU", "no"), (1, "North Korea", "KP", "yes")])
    r = load_file(st, g)
    assert (r.rows_kept, r.rows_duplicate, r.rows_rejected) == (1, 1, 1)
    assert q(st, "SELECT count(*) FROM un_votes") == [(3,)]
    assert q(st, "SELECT reason FROM rejects") == [
        ("rcid 1, PRK: yes here, but the store already holds no from another file",)]


def test_voeten_layout_votes_roll_calls_and_non_votes(tmp_path, st):
    f = write(tmp_path / "UNVotesPublished.csv.gz", VOETEN_HEADER, [
        (5, 1, 1, 365, 1, 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),
        (5, 1, 3, 731, "", 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),
        (5, 1, 2, 710, 1, 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),
        (5, 1, 8, 750, 1, 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),   # absent
        (5, 1, 9, 265, "", 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),  # not a member
        (5, 1, 1, 265, 1, 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),   # GDR: reject
        (5, 1, 5, 2, 1, 0, "1/4/1946", "R/1/98", 0, 1, 0, 0, 0, 0, 1946),     # bad code
        (6, 2, 1, 365, 1, 1, "12/10/1947", "", 1, 0, 0, 1, 0, 0, 1947),
        (7, 2, 1, 365, 1, 1, "2/30/1947", "", 0, 0, 0, 0, 0, 0, 1947),       # bad date
    ], gz=True)
    r = load_file(st, f)
    assert r.layout == "voeten" and r.rows_read == 9
    assert q(st, "SELECT rcid, country, vote FROM un_votes ORDER BY ALL") == [
        (5, "CHN", "abstain"), (5, "PRK", "no"), (5, "RUS", "yes"), (6, "RUS", "yes"),
        (7, "RUS", "yes")]
    assert q(st, "SELECT rcid, layout, session, CAST(date AS VARCHAR), important, resolution, "
                 "issues FROM un_roll_calls ORDER BY rcid") == [
        (5, "voeten", 1, "1946-01-04", False, "R/1/98", ["nu"]),
        (6, "voeten", 2, "1947-12-10", True, None, ["me", "hr"])]
    reasons = sorted(r for (r,) in q(st, "SELECT reason FROM rejects"))
    assert reasons == [
        "country 265: German Democratic Republic (1949-1990): no successor code",
        "roll call: date '2/30/1947' is not a real date (M/D/YYYY)",
        "vote code '5' is not 1, 2, 3, 8 or 9"]
    assert r.notes == ("rows that are not votes, neither stored nor rejected: 1 absent "
                       "(code 8), 1 not a member (code 9)",)


def test_roll_calls_and_issues_in_any_order(tmp_path, st):
    issues = write(tmp_path / "issues.csv", ["rcid", "short_name", "issue"], [
        (3, "me", "Palestinian conflict"), (3, "hr", "Human rights"), (4, "xx", "Other"),
        (3, "me", "Palestinian conflict"), (5, "nu", "Colonialism"), (6, "di", ""),
        (7, "co", "Colonialism"), (8, "ec", "Economic development")])
    r = load_file(st, issues)
    assert (r.layout, r.rows_kept, r.rows_rejected) == ("unvotes-issues", 4, 3)
    calls = write(tmp_path / "calls.csv", [*CALLS_HEADER, "extra"], [
        (3, 1, 0, "1946-01-01", "R/1/66", 1, 0, "AMENDMENTS", "TO ADOPT\nA CUBAN AMENDMENT", 1),
        (4, 1, "", "1946-01-02", "", "", "", "", "", 2),
        (4, 1, "", "1946-01-02", "", "", "", "", "", 2),
        (5, 1, 0, "1946-13-01", "", "", "", "", "", 3)])
    r = load_file(st, calls)
    assert (r.layout, r.rows_kept, r.rows_rejected) == ("unvotes-roll-calls", 2, 2)
    assert r.notes == ("ignored column(s) extra",)
    assert q(st, "SELECT rcid, layout, CAST(date AS VARCHAR), important, amendment, "
                 "description, issues FROM un_roll_calls WHERE rcid < 6 ORDER BY ALL") == [
        (3, "unvotes-issues", None, None, None, None, ["me", "hr"]),
        (3, "unvotes-roll-calls", "1946-01-01", False, True, "TO ADOPT A CUBAN AMENDMENT",
         None),
        (4, "unvotes-roll-calls", "1946-01-02", None, None, None, None)]
    reasons = sorted(r for (r,) in q(st, "SELECT reason FROM rejects"))
    assert "issue 'Colonialism' does not match short name 'nu' (Nuclear weapons and nuclear " \
           "material)" in reasons
    assert "issue 'xx' is not one of me, nu, di, hr, co, ec" in reasons
    assert "rcid 3 issue me: repeats line 2" in reasons
    assert "rcid 4: repeats line 4" in reasons  # physical lines: the first record spans two
    assert "date '1946-13-01' is not a real date (YYYY-MM-DD)" in reasons


def test_wrong_layout_and_unparseable_files_fail_with_one_line_and_leave_nothing(tmp_path,
                                                                                st):
    other = write(tmp_path / "other.csv", ["a", "b"], [(1, 2)])
    with pytest.raises(SourceError, match="other.csv: not a UN votes file: its header "
                                          r"\(a,b\) is none of"):
        load_file(st, other)
    good = write(tmp_path / "votes.csv.gz", VOTES_HEADER,
                 [(i, "Russia", "RU", "yes") for i in range(1, 5000)], gz=True)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(SourceError) as info:
        load_file(st, cut)
    assert "cut.csv.gz: cannot decompress" in str(info.value)
    assert "\n" not in str(info.value)
    assert q(st, "SELECT count(*) FROM un_votes") == [(0,)]
    assert q(st, "SELECT count(*) FROM rejects") == [(0,)]
    assert q(st, "SELECT status FROM files ORDER BY name") == [("failed",), ("failed",)]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceError, match="empty file"):
        load_file(st, empty)


def test_rows_with_the_wrong_number_of_fields_are_rejected(tmp_path, st):
    f = tmp_path / "votes.csv"
    f.write_text("rcid,country,country_code,vote\n1,Russia,RU,yes\n1,China,CN\n"
                 "2,Russia,RU,no\n")
    r = load_file(st, f)
    assert (r.rows_kept, r.rows_rejected) == (2, 1)
    assert q(st, "SELECT reason, raw FROM rejects") == [("3 fields, expected 4",
                                                         "1,China,CN")]


def test_cli_ingest_unvotes(tmp_path):
    good = write(tmp_path / "votes.csv", VOTES_HEADER, [(1, "Russia", "RU", "yes")])
    bad = write(tmp_path / "bad.csv", ["x"], [(1,)])
    db = str(tmp_path / "cli.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "unvotes", str(good), str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: not a UN votes file" in result.output
    assert "1 file(s) could not be loaded" in result.output
    again = runner.invoke(app, ["--db", db, "ingest", "unvotes", str(good)])
    assert again.exit_code == 0
    with open_store(db) as st:
        assert q(st, "SELECT count(*) FROM un_votes") == [(1,)]


def test_bundled_sample_is_the_watched_countries_votes(tmp_path, st):
    paths = bundled_sample()
    assert all(p.exists() for p in paths)
    assert sum(p.stat().st_size for p in paths) < 1_500_000
    report = ingest_unvotes(Context(st), [str(p) for p in paths])
    assert report.ok and report.total("rows_rejected") == 0
    countries = {c for (c,) in q(st, "SELECT DISTINCT country FROM un_votes")}
    assert countries == {"RUS", "PRK", "CHN", "IND", "IRN", "VNM", "MNG", "KOR", "JPN", "USA"}
    # every vote has its roll call
    assert q(st, "SELECT count(*) FROM un_votes ANTI JOIN un_roll_calls USING (rcid)") == [(0,)]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    if not UNGA.is_dir():
        pytest.skip("../shared/data is absent")
    with open_store(tmp_path_factory.mktemp("unga") / "real.duckdb", create=True) as store:
        started = time.monotonic()
        first = load_file(store, UNGA / "un_votes.csv")
        elapsed = time.monotonic() - started
        others = [load_file(store, UNGA / n) for n in (
            "un_roll_calls.csv", "un_roll_call_issues.csv",
            "UNVotesPublished_voeten2016.csv.gz")]
        yield store, first, elapsed, others


@needs_shared
def test_real_unvotes_files(real_store):
    store, votes, elapsed, (calls, issues, _) = real_store
    # 870,109 rows; Czechoslovakia 3,752, Yemen People's Republic 2,378, GDR 2,067, Yemen
    # Arab Republic 3,291 and Zanzibar 2 have no successor state and are rejected
    assert (votes.rows_read, votes.rows_rejected) == (870_109, 11_490)
    assert votes.rows_kept == 870_109 - 11_490
    assert elapsed < 30, f"un_votes.csv took {elapsed:.1f} s"  # aim: < 10 s on a free machine
    assert (calls.rows_kept, issues.rows_kept) == (6203, 4099)
    by_code = dict(store.con.execute(
        "SELECT country, count(*) FROM un_votes GROUP BY ALL").fetchall())
    assert (by_code["RUS"], by_code["PRK"], by_code["CHN"], by_code["IND"]) == (
        6145, 2105, 4532, 6155)
    assert (by_code["IRN"], by_code["VNM"], by_code["MNG"]) == (5917, 3985, 5177)


@needs_shared
def test_real_voeten_file_agrees_with_unvotes(real_store):
    store, votes, _, (_, _, voeten) = real_store
    # 738,764 yes/abstain/no rows; 11,490 from states with no successor are rejected, and
    # every other one is already in un_votes.csv with the same value
    assert voeten.rows_read == 1_066_613
    assert voeten.notes == ("rows that are not votes, neither stored nor rejected: 73,328 "
                            "absent (code 8), 254,521 not a member (code 9)",)
    reasons = dict(store.con.execute(
        "SELECT reason, count(*) FROM rejects WHERE file_id = ? GROUP BY ALL",
        [voeten.file_id]).fetchall())
    assert sum(n for r, n in reasons.items() if r.startswith("country ")) == 11_490
    assert not any("already holds" in r for r in reasons)
    # two roll calls are malformed in the file (an empty date; a stray quote in a flag)
    assert sum(n for r, n in reasons.items() if r.startswith("roll call")) == 2
    assert voeten.rows_kept == 5429 - 2  # only its roll calls are new
    assert voeten.rows_duplicate == 738_764 - 11_490
