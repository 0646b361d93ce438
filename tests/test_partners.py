"""Partner ranking on a constructed store whose answers are known, the sample, and engines.

Five years of Russia's events with three partners, 20 a year:

    year   PRK  CHN  IRN     PRK share   CHN share
    2019     1   10    9       5%          50%
    2020     3    9    8      15%          45%
    2021     5   10    5      25%          50%
    2022     8    9    3      40%          45%
    2023    10   10    0      50%          50%

PRK rises (slope 11.5 points a year, 90% CI well above 0) and climbs from rank 3 to a shared
rank 1; CHN is flat (slope 0, its CI straddles 0). 2018 holds only a USA-FRA event: the store
has data that year but the partner set has none, so there is no share (NaN), not 0%.
"""

from __future__ import annotations

import ast
import math
from datetime import date
from pathlib import Path
from statistics import NormalDist

import ibis
import pandas as pd
import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

import pivotwatch
from pivotwatch import taxonomy
from pivotwatch.analysis import partners as partners_module
from pivotwatch.analysis.partners import (
    ols_slope,
    partner_shares,
    partner_trend,
    partners,
    t_quantile_95,
)
from pivotwatch.api import code_dimensions
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt.load import load_file

COUNTS = {2019: (1, 10, 9), 2020: (3, 9, 8), 2021: (5, 10, 5), 2022: (8, 9, 3),
          2023: (10, 10, 0)}
PARTNERS = ["CHN", "PRK", "IRN"]
runner = CliRunner()


def _lines() -> list[str]:
    lines, next_id = [], iter(range(1, 10_000))
    for year, (prk, chn, irn) in COUNTS.items():
        for partner, n in (("PRK", prk), ("CHN", chn), ("IRN", irn)):
            for k in range(n):
                day = f"{year}{(k % 12) + 1:02d}15"
                # alternate the direction; every third event conflictual (QuadClass 4)
                a1, a2 = ("RUS", partner) if k % 2 == 0 else (partner, "RUS")
                conflict = k % 3 == 2
                code = "190" if conflict else ("062" if partner == "PRK" else "042")
                lines.append(event(next(next_id), day, a1, a2, code=code,
                                   quad=4 if conflict else (2 if code == "062" else 1)))
    lines.append(event(next(next_id), "20180615", "USA", "FRA"))
    lines.append(event(next(next_id), "20230615", "CHN", "IND"))  # no RUS: not counted
    return lines


@pytest.fixture
def store(tmp_path):
    path = write(tmp_path / "trend.export.CSV", _lines())
    with pivotwatch.open_store(tmp_path / "trend.duckdb", create=True) as st:
        load_file(st, path, countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        yield st


def row(df, year, partner, dimension="all"):
    hit = df[(df.period == date(year, 1, 1)) & (df.partner == partner)
             & (df.dimension == dimension)]
    assert len(hit) == 1, (year, partner, dimension)
    return hit.iloc[0]


def trend_row(df, partner, dimension="all"):
    trend = pd.DataFrame(df.attrs["trend"])
    hit = trend[(trend.partner == partner) & (trend.dimension == dimension)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_shares_ranks_and_counts_by_hand(store):
    df = partners("RUS", PARTNERS, store=store, freq="year")
    for year, (prk, chn, irn) in COUNTS.items():
        for partner, n in (("PRK", prk), ("CHN", chn), ("IRN", irn)):
            r = row(df, year, partner)
            assert r.events == n and r.set_events == 20
            assert r.share == pytest.approx(n / 20)
    assert [row(df, y, "PRK")["rank"] for y in COUNTS] == [3, 3, 2, 2, 1]
    # equal shares rank equal: 2023 PRK 10, CHN 10, IRN 0
    assert [row(df, 2023, p)["rank"] for p in ("PRK", "CHN", "IRN")] == [1, 1, 3]
    assert [row(df, 2021, p)["rank"] for p in ("CHN", "PRK", "IRN")] == [1, 2, 2]
    # cooperative: of n events, those with k % 3 != 2 are cooperative
    coop = {n: sum(1 for k in range(n) if k % 3 != 2) for n in range(11)}
    r = row(df, 2022, "PRK")
    assert r.cooperative == coop[8]
    assert r.coop_share == pytest.approx(coop[8] / (coop[8] + coop[9] + coop[3]))
    # media volume: every RUS event here involves one partner, so volume(RUS or PRK) is the
    # year's RUS events plus nothing else
    assert r.volume == 20 and r.per_10k == pytest.approx(8 / 20 * 10_000)
    assert row(df, 2023, "CHN").volume == 21  # the CHN-IND row involves CHN


def test_shares_sum_to_one_per_period(store):
    df = partners("RUS", PARTNERS, store=store, freq="quarter")
    with_events = df[df.set_events > 0]
    assert not with_events.empty
    sums = with_events.groupby(["period", "dimension"]).share.sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    coop = df[df.set_cooperative > 0].groupby(["period", "dimension"]).coop_share.sum()
    assert coop.to_numpy() == pytest.approx(1.0)


def test_period_without_partner_events_has_no_share(store):
    df = partners("RUS", PARTNERS, store=store, freq="year")
    for partner in PARTNERS:
        r = row(df, 2018, partner)
        assert r.events == 0 and r.set_events == 0
        assert math.isnan(r.share) and math.isnan(r.coop_share)
        assert pd.isna(r["rank"])
        assert r.days_covered == 1 and r.volume == 0 and math.isnan(r.per_10k)
    # no military event with CHN or IRN: PRK holds the whole military share when it has any
    assert row(df, 2019, "PRK", "military").share == 1.0
    assert math.isnan(row(df, 2018, "PRK", "military").share)


def test_rising_partner_has_a_positive_slope_and_a_flat_one_does_not(store):
    df = partners("RUS", PARTNERS, store=store, freq="year", last=5)
    prk = trend_row(df, "PRK")
    assert prk.periods == 5 and prk["first"] == "2019-01-01"
    assert prk.slope == pytest.approx(0.115)
    assert 0 < prk.ci_low < prk.slope < prk.ci_high and prk.note == "rising"
    chn = trend_row(df, "CHN")
    assert chn.slope == pytest.approx(0.0, abs=1e-12)
    assert chn.ci_low < 0 < chn.ci_high and chn.note == "no clear trend"
    irn = trend_row(df, "IRN")
    assert irn.ci_high < 0 and irn.note == "falling"


def test_trend_with_too_few_periods(store):
    df = partners("RUS", PARTNERS, store=store, freq="year", start=date(2018, 1, 1),
                  end=date(2020, 12, 31))
    r = trend_row(df, "PRK")  # 2018 has no share: two periods with data
    assert r.periods == 2 and r.note == "too few periods" and math.isnan(r.slope)


def test_trend_skips_a_gap_without_closing_it():
    frame = pd.DataFrame({
        "period": [date(2020 + i, 1, 1) for i in range(5)], "partner": "PRK",
        "dimension": "all", "share": [0.1, 0.2, math.nan, 0.4, 0.5]})
    r = partner_trend(frame, last=5).iloc[0]
    assert r.periods == 4 and r.slope == pytest.approx(0.1)  # x = 0, 1, 3, 4


def test_trend_is_fitted_on_real_time():
    years = [2015, 2018, 2019]  # no data for 2016 and 2017
    frame = pd.DataFrame({"period": [date(y, 1, 1) for y in years], "partner": "PRK",
                          "dimension": "all", "share": [0.1, 0.4, 0.5]})
    r = partner_trend(frame, last=5, freq="year").iloc[0]
    assert r.periods == 3 and r.slope == pytest.approx(0.1)  # 10 points a year, not 20


def test_ols_interval_by_hand():
    slope, low, high = ols_slope([0, 1, 2, 3], [1.0, 3.0, 2.0, 4.0])
    # slope 4/5, intercept 1.3, residuals -0.3 0.9 -0.9 0.3: SSE 1.8, se = sqrt(1.8 / 2 / 5),
    # half-width t(0.95, 2 df) x se
    assert slope == pytest.approx(0.8)
    assert high - slope == pytest.approx(2.919986 * math.sqrt(0.18))
    assert slope - low == pytest.approx(high - slope)


def test_t_quantiles():
    assert t_quantile_95(1) == pytest.approx(6.313752)
    assert t_quantile_95(10) == pytest.approx(1.812461)
    # the expansion used beyond the table agrees with the table where they meet
    z = NormalDist().inv_cdf(0.95)
    assert t_quantile_95(31) < t_quantile_95(30) and t_quantile_95(1000) > z
    assert t_quantile_95(60) == pytest.approx(1.670649, abs=1e-5)
    assert t_quantile_95(120) == pytest.approx(1.657651, abs=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"focus": "XYZ"}, "unknown country code 'XYZ'"),
    ({"partners": ["CHN", "QQQ"]}, "unknown country code 'QQQ'"),
    ({"partners": ["CHN", "RUS"]}, "cannot also be one of its partners"),
    ({"partners": [" "]}, "at least one partner"),
    ({"freq": "decade"}, "unknown frequency"),
    ({"dimensions": ["cultural"]}, "unknown dimension 'cultural'"),
    ({"last": 2}, "at least 3 periods"),
    ({"start": date(2024, 2, 1), "end": date(2024, 1, 1)}, "is after"),
])
def test_bad_requests_are_usage_errors(store, kwargs, message):
    with pytest.raises(UsageError, match=message):
        partners(**({"focus": "RUS", "store": store} | kwargs))


def test_ibis_part_imports_no_engine():
    tree = ast.parse(Path(partners_module.__file__).read_text())
    top = set()
    for node in tree.body:  # module level: what loading the expressions pulls in
        if isinstance(node, ast.Import):
            top |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module.split(".")[0])
    everywhere = {alias.name.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
    everywhere |= {node.module.split(".")[0] for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module}
    assert "ibis" in top and not top & {"duckdb", "polars", "pyspark", "google", "pandas"}
    assert not everywhere & {"duckdb", "polars", "pyspark", "google"}


# --- engines ---------------------------------------------------------------------------------

def run_on(engine: str, events, daily, **kw) -> pd.DataFrame:
    con = ibis.duckdb.connect() if engine == "duckdb" else ibis.polars.connect()
    con.create_table("events", events)
    con.create_table("daily_counts", daily)
    codes = code_dimensions()
    expr = partner_shares(con.table("events"), con.table("daily_counts"), codes,
                          energy_pattern=taxonomy.energy_pattern(), **kw)
    df = expr.to_pandas()
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["rank"] = df["rank"].astype("float64")
    return df.sort_values(["period", "dimension", "partner"]).reset_index(drop=True)


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
@pytest.mark.parametrize("freq", ["month", "quarter", "year"])
def test_same_numbers_on_every_engine(store, engine, freq):
    events = store.con.sql("SELECT * FROM events").to_arrow_table()
    daily = store.con.sql("SELECT * FROM daily_counts").to_arrow_table()
    kw = dict(focus="RUS", partners=PARTNERS, freq=freq,
              dimensions=["all", *taxonomy.DIMENSIONS])
    reference = run_on("duckdb", events, daily, **kw)
    got = run_on(engine, events, daily, **kw)
    assert reference.events.sum() > 0 and reference.share.isna().any()
    pd.testing.assert_frame_equal(got, reference, check_dtype=False, atol=1e-9)


# --- the command line and the bundled sample -------------------------------------------------

def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("sample") / "sample.duckdb")
    assert run("--db", db, "ingest", "sample").exit_code == 0
    return db


def test_sample_ranks_russias_partners_in_2015(sample_db):
    result = run("--db", sample_db, "partners", "--focus", "RUS", "--freq", "year",
                 "--dimension", "all", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("period,partner,dimension,events,cooperative,set_events")
    rows = {line.split(",")[1]: line.split(",") for line in lines[1:]
            if line.startswith("2015-01-01")}
    assert set(rows) == {"CHN", "IND", "PRK", "IRN", "VNM", "MNG"}
    header = lines[0].split(",")
    events = {p: int(r[header.index("events")]) for p, r in rows.items()}
    ranks = {p: r[header.index("rank")] for p, r in rows.items()}
    assert events["CHN"] == 7 and events["IRN"] > 0 and events["PRK"] == 0
    assert {ranks["CHN"], ranks["IRN"]} == {"1", "2"} and ranks["PRK"] == "3"
    # the same numbers as the dyad indicators
    with pivotwatch.open_store(sample_db, read_only=True) as st:
        df = partners("RUS", store=st, freq="year", dimensions=["all"])
        for partner in ("CHN", "IRN"):
            ind = pivotwatch.indicators(f"RUS-{partner}", store=st, freq="year",
                                        dimensions=["all"])
            mine = df[df.partner == partner].set_index("period")
            theirs = ind.set_index("period")
            assert (mine.events == theirs.events).all()
            pd.testing.assert_series_equal(mine.per_10k, theirs.per_10k, check_dtype=False)


def test_sample_table_and_trend(sample_db):
    result = run("--db", sample_db, "partners", "--dimension", "all")
    assert result.exit_code == 0, result.output
    assert "2015" in result.output and "IRN" in result.output and "%" in result.output
    assert "too few periods" in result.output
    assert "no events with these partners (no shares) in:" in result.output
    trend = run("--db", sample_db, "partners", "--dimension", "all", "--trend-only",
                "--format", "csv")
    assert trend.output.splitlines()[0] == (
        "partner,dimension,periods,first,last,slope,ci_low,ci_high,note")


def test_files_json_and_parquet(sample_db, tmp_path):
    for fmt in ("json", "parquet", "csv"):
        target = tmp_path / f"out.{fmt}"
        result = run("--db", sample_db, "partners", "--dimension", "all,political",
                     "--format", fmt, "-o", str(target))
        assert result.exit_code == 0 and f"to {target}" in result.output
    import json

    records = json.loads((tmp_path / "out.json").read_text())
    frame = pd.read_parquet(tmp_path / "out.parquet")
    assert len(records) == len(frame) > 0
    assert any(r["share"] is None and r["rank"] is None for r in records)
    assert sum(r["events"] for r in records) == int(frame.events.sum()) > 0
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize("args, message", [
    (["--partners", "CHN,XYZ"], "unknown country code 'XYZ'"),
    (["--focus", "ZZZ"], "unknown country code 'ZZZ'"),
    (["--focus", "RUS", "--partners", "CHN,RUS"], "cannot also be one of its partners"),
    (["--format", "parquet"], "--format parquet needs -o FILE"),
])
def test_cli_errors_are_one_line(sample_db, args, message):
    result = runner.invoke(app, ["--db", sample_db, "partners", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
