"""UN ideal points and published agreement: loading Voeten's two layouts, hostile files, and
the published figures beside the vote-level ones (sources/idealpoints.py,
analysis/alignment.py `published`, `pivotwatch alignment --published`)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest
from conftest import SHARED_DATA, needs_shared
from typer.testing import CliRunner

from pivotwatch.analysis.alignment import (
    PUBLISHED_COLUMNS,
    published,
    published_figures,
    ranked,
)
from pivotwatch.cli import app
from pivotwatch.errors import QualityError, SourceError, UsageError
from pivotwatch.sources.idealpoints import bundled_sample, load_file, period_end
from pivotwatch.sources.unga import load_file as load_votes
from pivotwatch.store import open_store

runner = CliRunner()
SESSIONS, YEARS = bundled_sample()
IDEAL = SHARED_DATA / "unga" / "ideal_points"
PARTNERS = "PRK,CHN,IND,IRN,VNM,MNG"


def lines(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").rstrip("\n").split("\n")


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def counts(st) -> tuple[int, int]:
    return tuple(st.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                 for t in ("un_ideal_points", "un_published_agreement"))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """A store holding the two bundled extracts (sessions 60-78, years 2010-2024)."""
    db = tmp_path_factory.mktemp("ideal") / "sample.duckdb"
    with open_store(db, create=True) as st:
        for path in (SESSIONS, YEARS):
            load_file(st, path)
    return db


# --- loading --------------------------------------------------------------------------------

def test_both_layouts_are_recognised_and_read_as_published(sample_db):
    with open_store(sample_db, read_only=True) as st:
        files = st.con.execute("SELECT name, layout, rows_read, rows_kept, rows_rejected "
                               "FROM files ORDER BY layout").fetchall()
        by_estimate = dict(((k, e), n) for k, e, n in st.con.execute(
            "SELECT period_kind, estimate, count(*) FROM un_ideal_points GROUP BY ALL"
        ).fetchall())
        prk77 = st.con.execute(
            "SELECT agreement, n_votes, period_end FROM un_published_agreement "
            "WHERE country = 'PRK' AND focus = 'RUS' AND period = 77").fetchall()
        prk24 = st.con.execute(
            "SELECT n_votes, ideal_point, q0, q5, q95, q100, period_end FROM un_ideal_points "
            "WHERE country = 'PRK' AND period = 2024 AND estimate = 'final_passage'"
        ).fetchall()
        legacy = st.con.execute("SELECT count(*) FROM un_ideal_points WHERE estimate = "
                                "'legacy' AND q5 IS NOT NULL").fetchall()[0][0]
    assert [f[1:] for f in files] == [("voeten-sessions", 3657, 3657 + 21942, 0),
                                      ("voeten-years", 2890, 8287, 0)]
    assert by_estimate == {("session", "all"): 3657, ("year", "final_passage"): 2890,
                           ("year", "all"): 2699, ("year", "legacy"): 2698}
    # "9449",731,77,77,...,"PRK","North Korea",0.1038961,0.8311688,...
    assert prk77 == [(0.8311688, 77, date(2023, 8, 31))]
    assert prk24 == [(91, -0.7940289, -1.15946, -0.9489232, -0.632196, -0.5402644,
                      date(2024, 12, 31))]
    assert legacy == 0  # the legacy estimate is published without quantiles


def test_periods_end_on_their_last_day():
    assert period_end("session", 78) == date(2024, 8, 31)  # opened September 2023
    assert period_end("session", 1) == date(1947, 8, 31)
    assert period_end("year", 2024) == date(2024, 12, 31)


def test_loading_again_changes_nothing(sample_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, db)
    plain = write(tmp_path / "sessions.csv", lines(SESSIONS))  # same rows, not gzipped
    with open_store(db) as st:
        before = counts(st)
        again = load_file(st, SESSIONS, "again")
        other = load_file(st, plain)
        assert again.status == "skipped"  # the same content
        assert (other.status, other.rows_kept, other.rows_duplicate) == (
            "loaded", 0, 3657 + 21942)
        assert counts(st) == before


def test_the_dta_and_the_csv_of_a_release_give_the_same_figures(sample_db, tmp_path):
    frame = pd.read_csv(YEARS, keep_default_na=True)
    floats = [c for c in frame.columns if frame[c].dtype.kind == "f" and c != "year"
              and not c.startswith("nvotes")]
    frame[floats] = frame[floats].astype("float32")  # as Voeten's .dta stores them
    frame["ccode"] = frame["ccode"].astype("int16")
    frame[["iso3c", "countryname"]] = frame[["iso3c", "countryname"]].fillna("")
    dta = tmp_path / "years.dta"
    frame.to_stata(dta, write_index=False, version=118)
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, db)
    with open_store(db) as st:
        before = counts(st)
        result = load_file(st, dta)
        assert (result.layout, result.rows_read, result.rows_rejected) == ("voeten-years",
                                                                           2890, 0)
        assert (result.rows_kept, result.rows_duplicate) == (0, 8287)  # nothing differs
        assert counts(st) == before
    with open_store(tmp_path / "fresh.duckdb", create=True) as st:
        assert load_file(st, dta).rows_kept == 8287


def test_a_dta_that_is_not_ideal_points_fails_in_one_line(tmp_path):
    other = tmp_path / "other.dta"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_stata(other, write_index=False)
    garbage = tmp_path / "garbage.dta"
    garbage.write_bytes(b"<stata_dta><header><release>119</release>" + b"\x00\xff" * 500)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError, match=r"other\.dta: not a UN ideal-points file: "
                                              r"its columns \(a, b\)"):
            load_file(st, other)
        with pytest.raises(SourceError, match=r"garbage\.dta: cannot be read as a Stata "
                                              r"\.dta file \(") as caught:
            load_file(st, garbage)
        assert "\n" not in str(caught.value)
        assert counts(st) == (0, 0)
        assert st.con.execute("SELECT count(*) FROM files WHERE status = 'failed'"
                              ).fetchall()[0][0] == 2


def test_a_dta_over_the_cap_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    big = tmp_path / "big.dta"
    big.write_bytes(b"<stata_dta>" + b"\x00" * 5000)
    monkeypatch.setenv("PIVOTWATCH_MAX_RECORD_FILE_BYTES", "4096")
    with open_store(tmp_path / "s.duckdb", create=True) as st, \
            pytest.raises(SourceError, match="over 4,096 bytes once decompressed"):
        load_file(st, big)


def test_a_header_of_no_layout_fails_in_one_line(tmp_path):
    bad = write(tmp_path / "bad.csv", ["ccode,year,score", "365,2020,1.0"])
    result = runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest",
                                 "idealpoints", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: not a UN ideal-points file: its columns (ccode, year, score) are " \
           "neither Voeten's session file" in result.output


# A valid row of a session that the sample does not hold (79), for PRK.
HEADER = next(csv.reader([lines(SESSIONS)[0]]))
ROW = dict(zip(HEADER, ["1", "731", "79", "80", "-0.74", "-1.1", "-0.95", "-0.9", "-0.74",
                        "-0.58", "-0.54", "-0.36", "PRK", "North Korea", "0.1", "0.83", "0.5",
                        "0.78", "0.63", "0.12"], strict=True))


def row(**changes: str) -> str:
    values = {**ROW, **{k.replace("_", "%"): v for k, v in changes.items()}}
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([values[h] for h in HEADER])
    return buffer.getvalue()


HOSTILE = [  # (row, the start of its reason)
    (row(iso3c="XXX", ccode="999"), "country XXX (ccode 999): unknown cow country code '999'"),
    (row(iso3c="DDR", ccode="265"), "country DDR (ccode 265): German Democratic Republic"),
    (row(iso3c="RUS", ccode="2"), "iso3c RUS and ccode 2 (USA) name different countries"),
    (row(iso3c="'); DROP TABLE files; --"), "iso3c \"'); DROP TABLE files; --\" is not a "
                                            "three-letter code"),
    (row(ccode="1e400", iso3c=""), "ccode '1e400' is not a Correlates of War number"),
    (row(IdealPointAll="1_000"), "IdealPointAll '1_000' is not a number"),
    (row(IdealPointAll="inf"), "IdealPointAll 'inf' is not a finite number"),
    (row(IdealPointAll="0x10"), "IdealPointAll '0x10' is not a number"),
    (row(IdealPointAll="42"), "IdealPointAll 42 is beyond ±10"),
    (row(IdealPointAll="0.9"), "IdealPointAll 0.9 lies outside its own quantiles"),
    (row(Q5_All="-0.5"), "the quantiles of IdealPointAll are not in increasing order"),
    (row(IdealPointAll="NA"), "NVotesAll given without IdealPointAll"),
    (row(RUSSAgree="1.5"), "RUSSAgree 1.5 is not a share from 0 to 1"),
    (row(NVotesAll="2.5"), "NVotesAll '2.5' is not a whole number from 0 to 5,000"),
    (row(NVotesAll="-1"), "NVotesAll '-1' is not a whole number"),
    (row(session="0"), "session '0' is not a whole number from 1 to 154"),
    (row(iso3c="VNM", ccode="816", session="78"), None),  # conflicts with the sample's row
    (row().replace(",PRK,", ',"PRK","x",'), "22 fields, expected 21"),
]


def test_hostile_rows_are_rejects_with_their_reasons(tmp_path):
    base = lines(SESSIONS)
    path = write(tmp_path / "hostile.csv",
                 [base[0].rstrip() + ',"x""; DROP TABLE un_ideal_points; --"',
                  *(line + ",1" for line in base[1:]),
                  *(text + ",1" for text, _ in HOSTILE),
                  row(iso3c="NRU", ccode="970") + ",1", row(iso3c="NRU", ccode="970") + ",1"])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_file(st, path)
        reasons = dict(st.con.execute("SELECT line, reason FROM rejects").fetchall())
        tables = {r[0] for r in st.con.execute("SELECT table_name FROM information_schema"
                                               ".tables").fetchall()}
        nru = st.con.execute("SELECT count(*) FROM un_ideal_points WHERE country = 'NRU' "
                             "AND period = 79").fetchall()[0][0]
    assert {"files", "un_ideal_points"} <= tables
    first = len(base) + 1  # the hostile rows' first line
    for offset, (_, reason) in enumerate(HOSTILE):
        if reason is not None:
            assert reasons[first + offset].startswith(reason), (offset, reasons[first + offset])
    # the sample's VNM session 78 and the hostile copy with other figures: both rejected
    vnm = [line for line, why in reasons.items() if why.startswith(
        "VNM session 78 estimate all: given on line")]
    assert len(vnm) == 2 and first + 16 in vnm
    # the same row twice: the repeat is a reject, the first is kept
    assert reasons[first + len(HOSTILE) + 1] == f"repeats line {first + len(HOSTILE)}"
    assert nru == 1
    assert result.rows_rejected == len(reasons) == len(HOSTILE) + 2
    assert result.notes == ('ignored column(s) x"; DROP TABLE un_ideal_points; --',
                            "7 figure(s) repeated within the file, kept once")


def test_too_many_rejects_fail_the_file_and_keep_nothing(tmp_path):
    base = lines(SESSIONS)
    path = write(tmp_path / "bad.csv", [base[0], *base[1:1000],
                                        *(row(IdealPointAll="x") for _ in range(200))])
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(QualityError, match="200 of 1199 rows are invalid, more than the "
                                               "10% allowed"):
            load_file(st, path)
        assert counts(st) == (0, 0)


def test_a_file_over_the_row_cap_fails_in_one_line(tmp_path, monkeypatch):
    from pivotwatch.sources import idealpoints

    monkeypatch.setattr(idealpoints, "MAX_ROWS", 1000)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError, match=r"idealpoints_sessions\.csv\.gz: more than "
                                              "1,000 rows, the most an ideal-points file"):
            load_file(st, SESSIONS)
        assert counts(st) == (0, 0)


def test_another_release_is_never_mixed_in(sample_db, tmp_path):
    base = lines(SESSIONS)
    header = base[0].split(",")
    at = header.index('"IdealPointAll"')

    def shifted(line: str) -> str:
        cells = next(csv.reader([line]))
        cells[at] = f"{float(cells[at]) + 0.0001:.7f}"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        return buffer.getvalue()

    one = write(tmp_path / "one.csv", [base[0], shifted(base[1]), *base[2:]])
    every = write(tmp_path / "every.csv", [base[0], *map(shifted, base[1:])])
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, db)
    with open_store(db) as st:
        result = load_file(st, one)
        (reason,) = st.con.execute("SELECT reason FROM rejects").fetchall()[0]
        assert (result.rows_kept, result.rows_rejected) == (0, 1)
        assert reason.startswith("USA session 60 estimate all: ideal_point 2.908915 here, but "
                                 "the store holds 2.908815 from another file")
        with pytest.raises(SourceError, match="3,657 of the 3,657 ideal points the store "
                                              "holds .* differ: another release of the "
                                              "estimates, on a scale of its own"):
            load_file(st, every)


# --- the published figures ------------------------------------------------------------------

END = date(2024, 12, 31)
_Y = ("year", 2024, END)
_S = ("session", 78, date(2024, 8, 31))
HAND_IDEAL = pd.DataFrame([
    ("RUS", *_Y, "final_passage", 90, -1.0, -1.2, -0.8),
    ("RUS", *_Y, "all", 95, -0.9, -1.1, -0.7),
    ("PRK", *_Y, "final_passage", 80, -0.5, -0.6, -0.4),  # distance 0.5: [0.2, 0.8]
    ("CHN", *_Y, "final_passage", 85, -1.3, -1.5, -1.0),  # 0.3: [0, 0.7]
    ("IND", *_Y, "all", 88, -1.0, -1.1, -0.9),  # no final-passage estimate: no distance
    ("NRU", *_Y, "final_passage", 3, -1.0, None, None),  # 0, but on 3 votes
    ("USA", *_Y, "final_passage", 90, 2.0, 1.9, 2.1)],  # 3.0: [2.7, 3.3]
    columns=["country", "period_kind", "period", "period_end", "estimate", "n_votes",
             "ideal_point", "q5", "q95"])
HAND_AGREEMENT = pd.DataFrame([
    ("PRK", "RUS", *_S, 0.83, 79), ("CHN", "RUS", *_S, 0.68, 86), ("STP", "RUS", *_S, 1.0, 2),
    ("USA", "RUS", *_S, 0.17, 87), ("PRK", "USA", *_S, 0.10, 79)],
    columns=["country", "focus", "period_kind", "period", "period_end", "agreement",
             "n_votes"])
HAND_PARTNERS = ["PRK", "CHN", "IND", "NRU", "STP"]


def _hand_made(min_votes: int, engine: str = "duckdb") -> pd.DataFrame:
    con = ibis.duckdb.connect() if engine == "duckdb" else ibis.polars.connect()
    i = con.create_table("i", HAND_IDEAL)
    a = con.create_table("a", HAND_AGREEMENT)
    df = ranked(published_figures(i, a, "RUS"), HAND_PARTNERS, min_votes).to_pandas()
    return df.set_index(["period_kind", "partner"]).sort_index()


def test_distances_their_interval_and_ranks_on_hand_made_figures():
    df = _hand_made(min_votes=20)
    prk, chn = df.loc[("year", "PRK")], df.loc[("year", "CHN")]
    assert prk.estimate == "final_passage"
    assert prk.ideal_distance == pytest.approx(0.5)
    # low = max(0, q5_p - q95_f, q5_f - q95_p) = max(0, -0.6 + 0.8, -1.2 + 0.4) = 0.2
    # high = max(q95_p - q5_f, q95_f - q5_p) = max(-0.4 + 1.2, -0.8 + 0.6) = 0.8
    assert (prk.distance_low, prk.distance_high) == pytest.approx((0.2, 0.8))
    assert (chn.ideal_distance, chn.distance_low, chn.distance_high) == pytest.approx(
        (0.3, 0.0, 0.7))
    # NRU is nearest (0.0) but has 3 votes: not ranked, and not counted for the others
    assert (chn.distance_rank_all, chn.distance_rank_partners) == (1, 1)
    assert (prk.distance_rank_all, prk.distance_rank_partners) == (2, 2)
    nru = df.loc[("year", "NRU")]
    assert nru.ideal_distance == 0 and pd.isna(nru.distance_rank_all)
    assert pd.isna(nru.distance_low)  # no quantiles, no interval
    assert chn.ranked_states == 3  # PRK, CHN, USA: IND has no final-passage estimate
    assert ("year", "IND") not in df.index
    # published agreement, session 78: STP agrees 100% on 2 votes and is not ranked
    s = df.loc[("session", "PRK")]
    assert (s.agreement, s.agreement_rank_all, s.agreement_rank_partners) == (0.83, 1, 1)
    assert pd.isna(df.loc[("session", "STP")].agreement_rank_all)
    assert df.loc[("session", "CHN")].agreement_rank_all == 2
    assert s.ranked_states == 3 and pd.isna(s.ideal_distance)


def test_with_no_minimum_a_handful_of_votes_ranks_first():
    df = _hand_made(min_votes=0)
    assert df.loc[("session", "STP")].agreement_rank_all == 1
    assert df.loc[("session", "PRK")].agreement_rank_all == 2
    assert df.loc[("year", "NRU")].distance_rank_all == 1
    assert df.loc[("year", "CHN")].distance_rank_all == 2


def test_the_same_expressions_give_the_same_ranks_on_polars():
    pytest.importorskip("polars")
    duck, polars = _hand_made(20), _hand_made(20, "polars")
    cols = ["estimate", "agreement", "n_votes", "ideal_distance", "distance_low",
            "distance_high", "agreement_rank_partners", "agreement_rank_all",
            "distance_rank_partners", "distance_rank_all", "ranked_states"]
    numbers = cols[1:]
    pd.testing.assert_frame_equal(polars[numbers].astype("float64"),
                                  duck[numbers].astype("float64"))
    assert polars.estimate.fillna("-").equals(duck.estimate.fillna("-"))


def test_published_on_the_bundled_sample(sample_db):
    with open_store(sample_db, read_only=True) as st:
        df = published("RUS", PARTNERS + ",STP", store=st)
        late = published("RUS", "PRK", store=st, first_year=2023, last_year=2024)
    assert tuple(df.columns) == PUBLISHED_COLUMNS
    prk = df[df.partner == "PRK"].set_index(["period_kind", "period"])
    # PROVENANCE-recent.md: PRK is Russia's closest partner, 1 of 187 and 1 of 186 states
    assert prk.loc[("session", 77), ["agreement_rank_all", "ranked_states"]].tolist() == [1, 187]
    assert prk.loc[("session", 78), ["agreement_rank_all", "ranked_states"]].tolist() == [1, 186]
    assert prk.loc[("session", 74), "agreement_rank_all"] == 5
    assert prk.loc[("session", 77), "agreement"] == pytest.approx(0.8311688)
    assert prk.loc[("session", 77), "period_end"] == date(2023, 8, 31)
    # |RUS - PRK| on the final-passage scale: 0.202 in 2022, 0.193 in 2023, 0.196 in 2024
    assert [round(prk.loc[("year", y), "ideal_distance"], 3) for y in (2022, 2023, 2024)] == \
        [0.202, 0.193, 0.196]
    assert set(prk.xs("year").estimate) == {"final_passage"}
    assert prk.xs("year").agreement.isna().all()  # Voeten's year file has no agreement
    # São Tomé agreed with Russia on its one vote of session 77: 100%, and no rank
    stp = df[(df.partner == "STP") & (df.period == 77)].iloc[0]
    assert stp.agreement == 1 and stp.n_votes == 1 and pd.isna(stp.agreement_rank_all)
    assert list(dict.fromkeys(df.partner)) == [*PARTNERS.split(","), "STP"]
    assert df.period_kind.iloc[0] == "session" and df.period_kind.iloc[-1] == "year"
    assert set(late.period) == {2023, 2024, 77, 78}  # by the year of the period's end


def test_min_votes_comes_from_the_setting(sample_db, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MIN_VOTES", "80")
    with open_store(sample_db, read_only=True) as st:
        df = published("RUS", "PRK", store=st)
        assert pd.isna(df[(df.period_kind == "session") & (df.period == 77)]
                       .agreement_rank_all.iloc[0])  # PRK cast 77 votes
        assert published("RUS", "PRK", store=st, min_votes=20).agreement_rank_all.notna().any()
        monkeypatch.setenv("PIVOTWATCH_MIN_VOTES", "-1")
        with pytest.raises(UsageError, match="PIVOTWATCH_MIN_VOTES must be a whole number"):
            published("RUS", "PRK", store=st)


def test_bad_requests_are_usage_errors(sample_db, tmp_path):
    with open_store(tmp_path / "empty.duckdb", create=True) as st, \
            pytest.raises(UsageError, match="no UN ideal points in the store: load them "
                                            "first: pivotwatch ingest idealpoints"):
        published("RUS", "PRK", store=st)
    with open_store(sample_db, read_only=True) as st:
        with pytest.raises(UsageError, match="cannot also be one of its partners"):
            published("RUS", "RUS", store=st)
        with pytest.raises(UsageError, match="--from 2024 is after --to 2020"):
            published("RUS", "PRK", store=st, first_year=2024, last_year=2020)
        with pytest.raises(UsageError, match="unknown country code 'XXX'"):
            published("XXX", "PRK", store=st)


@needs_shared
def test_the_full_files_give_prk_rank_as_russias_partner(tmp_path):
    with open_store(tmp_path / "full.duckdb", create=True) as st:
        for name in ("IdealpointestimatesAll_Jun2024.csv", "IdealpointsJuly2025.csv.gz"):
            result = load_file(st, IDEAL / name)
            assert result.rows_rejected == 129  # the GDR, Czechoslovakia, the two Yemens
        df = published("RUS", PARTNERS, store=st)
    prk = df[df.partner == "PRK"].set_index(["period_kind", "period"])
    # PRK's rank among all states by published agreement with Russia, sessions 70-78, and
    # by ideal-point distance (final passage), years 2015-2024 (reported in docs/alignment.md)
    assert [prk.loc[("session", s), "agreement_rank_all"] for s in range(70, 79)] == \
        [6, 6, 4, 15, 5, 3, 3, 1, 1]
    assert [prk.loc[("year", y), "distance_rank_all"] for y in range(2015, 2025)] == \
        [77, 136, 27, 104, 38, 42, 40, 36, 69, 61]
    assert [prk.loc[("session", s), "ranked_states"] for s in (74, 75, 76, 77, 78)] == \
        [190, 191, 191, 187, 186]


# --- the command ----------------------------------------------------------------------------

@pytest.fixture
def with_votes(sample_db, tmp_path):
    """The sample's ideal points, plus hand-made votes of RUS, PRK and CHN in session 77."""
    db = tmp_path / "both.duckdb"
    shutil.copy(sample_db, db)
    votes = write(tmp_path / "votes.csv", ["rcid,country,country_code,vote",
                                           "1,RU,RU,yes", "1,KP,KP,yes", "1,CN,CN,no",
                                           "2,RU,RU,no", "2,KP,KP,no", "2,CN,CN,no"])
    calls = write(tmp_path / "calls.csv", [
        "rcid,session,importantvote,date,unres,amend,para,short,descr",
        "1,77,0,2023-01-12,,0,0,,", "2,77,0,2023-03-02,,0,0,,"])
    with open_store(db) as st:
        for f in (votes, calls):
            load_votes(st, f)
    return str(db)


def test_cli_shows_the_published_figures_apart(with_votes):
    result = runner.invoke(app, ["--db", with_votes, "alignment", "RUS", "PRK", "--partners",
                                 "CHN", "--by", "session", "--from", "2023", "--published",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"votes", "published"}
    assert [(r["period"], r["partner"], r["identical"]) for r in data["votes"]] == [
        ("77", "PRK", 2), ("all", "PRK", 2), ("77", "CHN", 1), ("all", "CHN", 1)]
    assert "agreement" not in data["votes"][0] and "share" not in data["published"][0]
    assert [(r["period"], r["partner"], r["agreement_rank_all"])
            for r in data["published"]] == [(77, "PRK", 1), (78, "PRK", 1), (77, "CHN", 6),
                                            (78, "CHN", 9)]
    table = runner.invoke(app, ["--db", with_votes, "alignment", "RUS", "PRK", "--partners",
                                "CHN", "--by", "session", "--from", "2023", "--published"])
    assert table.exit_code == 0, table.output
    text = " ".join(table.output.split())
    assert "by session, issue all: votes (pivotwatch, from roll calls)" in text
    assert "by session: published (Voeten et al.)" in text
    assert "│ 77 │ PRK │ 77 │ 83.1% │ 1 / 1 of 187 │ 0.234 │ 0.00–0.62 │ 1 / 70 of 187 │" in text
    csv_out = runner.invoke(app, ["--db", with_votes, "alignment", "RUS", "PRK", "--by",
                                  "session", "--from", "2023", "--published", "--format",
                                  "csv"])
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert {r["source"] for r in rows} == {"votes (pivotwatch, from roll calls)",
                                           "published (Voeten et al.)"}
    assert all(r["agreement"] == "" for r in rows if r["source"].startswith("votes"))
    assert all(r["share"] == "" for r in rows if r["source"].startswith("published"))
    plain = runner.invoke(app, ["--db", with_votes, "alignment", "RUS", "PRK", "--partners",
                                "CHN", "--by", "session", "--format", "json"])
    assert isinstance(json.loads(plain.stdout), list)  # without --published: as before


def test_cli_published_without_votes_and_by_year(sample_db):
    result = runner.invoke(app, ["--db", str(sample_db), "alignment", "RUS", "PRK",
                                 "--partners", "CHN", "--from", "2024", "--published"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "warning: votes (pivotwatch, from roll calls): no UN votes in the store" in text
    assert "by year: published (Voeten et al.)" in text
    assert "agreement" not in text.split("published (Voeten et al.)")[1].split("│ 2024")[0]
    assert "Voeten publishes agreement by session only" in text
    assert "│ 2024 │ PRK │ 91 │ 0.196 │ 0.00–0.49 │ 1 / 61 of 189 │" in text
    lonely = runner.invoke(app, ["--db", str(sample_db), "alignment", "RUS", "PRK",
                                 "--min-votes", "5"])
    assert lonely.exit_code == 2 and "--min-votes goes with --published" in lonely.output


def test_cli_ingest_idealpoints(tmp_path):
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["--db", db, "ingest", "idealpoints", str(SESSIONS),
                                 str(YEARS)])
    assert result.exit_code == 0, result.output
    assert "33,886" in result.output  # records kept: 25,599 + 8,287
    again = runner.invoke(app, ["--db", db, "ingest", "idealpoints", str(SESSIONS.parent)])
    assert again.exit_code == 0
    assert "Passed over 3 file(s)" in again.output  # the vote files beside them
    missing = runner.invoke(app, ["--db", db, "ingest", "idealpoints", "nope.csv"])
    assert missing.exit_code == 1 and "nope.csv: no such file" in missing.output
