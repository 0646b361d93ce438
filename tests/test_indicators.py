"""Indicators on a tiny hand-made store: every number checked by hand."""

from __future__ import annotations

import ast
import math
from datetime import date
from pathlib import Path

import pytest
from gdelt_rows import event, write

import pivotwatch
from pivotwatch.errors import UsageError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt.load import load_file

ROWS = [
    # id, day, actor1, actor2, code, quad, goldstein, mentions, tone, url
    (1, "20240101", "RUS", "PRK", "042", 1, 1.9, 4, 2.0, "http://x.org/talks"),
    (2, "20240101", "PRK", "RUS", "062", 2, 6.4, 2, -1.0, "http://x.org/oil-deal"),
    (3, "20240101", "RUS", "CHN", "042", 1, 1.9, 1, 0.0, "http://x.org/a"),
    (4, "20240101", "USA", "FRA", "042", 1, 1.9, 1, 0.0, "http://x.org/b"),
    (5, "20240101", "RUS", "USA", "190", 4, -10.0, 1, 0.0, "http://x.org/c"),
    (6, "20240101", "FRA", "DEU", "042", 1, 1.9, 1, 0.0, "http://x.org/d"),
    (7, "20240102", "RUS", "PRK", "190", 4, -10.0, 10, -5.0, "http://x.org/clash"),
    (8, "20240102", "KOR", "JPN", "042", 1, 1.9, 1, 0.0, "http://x.org/e"),
    (9, "20240205", "PRK", "RUS", "057", 1, 8.0, 1, 3.0, "http://x.org/treaty"),
    (10, "20240205", "CHN", "IND", "042", 1, 1.9, 1, 0.0, "http://x.org/f"),
]


@pytest.fixture
def store(tmp_path):
    lines = [event(i, d, a1, a2, code=c, quad=q, goldstein=g, mentions=m, tone=t, url=u)
             for i, d, a1, a2, c, q, g, m, t, u in ROWS]
    path = write(tmp_path / "hand.export.CSV", lines)
    with pivotwatch.open_store(tmp_path / "hand.duckdb", create=True) as st:
        load_file(st, path, countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        yield st


def pick(df, period, dimension):
    rows = df[(df.period == period) & (df.dimension == dimension)]
    assert len(rows) == 1, (period, dimension, df)
    return rows.iloc[0]


def test_monthly_indicators_by_hand(store):
    df = pivotwatch.indicators("RUS-PRK", store=store, freq="month")
    jan = pick(df, date(2024, 1, 1), "all")
    assert (jan.events, jan.cooperative, jan.conflictual) == (3, 2, 1)
    assert jan.goldstein_sum == pytest.approx(1.9 + 6.4 - 10.0)
    assert jan.goldstein_mean == pytest.approx((1.9 + 6.4 - 10.0) / 3)
    assert jan.mentions == 16
    assert jan.avg_tone == pytest.approx((2.0 - 1.0 - 5.0) / 3)
    # events involving RUS or PRK in January, counted from every row: ids 1, 2, 3, 5, 7
    assert jan.volume == 5 and jan.days_covered == 2
    assert jan.per_10k == pytest.approx(3 / 5 * 10_000)
    assert pick(df, date(2024, 1, 1), "military").events == 1  # 062
    assert pick(df, date(2024, 1, 1), "energy").events == 1  # "oil" in the URL
    assert pick(df, date(2024, 1, 1), "political").events == 1  # 042
    assert pick(df, date(2024, 1, 1), "security").events == 1  # 190
    assert pick(df, date(2024, 1, 1), "humanitarian").events == 0
    feb = pick(df, date(2024, 2, 1), "all")
    assert (feb.events, feb.volume, feb.per_10k) == (1, 1, 10_000)
    assert pick(df, date(2024, 2, 1), "political").events == 1  # 057
    assert set(df.dimension) == {"all", *pivotwatch.taxonomy.DIMENSIONS}


def test_daily_directed_and_date_range(store):
    df = pivotwatch.indicators("RUS-PRK", store=store, freq="day", directed=True,
                               dimensions=["all"], start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert list(df.period) == [date(2024, 1, 1), date(2024, 1, 2)]
    assert list(df.events) == [1, 1]  # only RUS as actor 1: ids 1 and 7
    assert list(df.volume) == [4, 1]  # ids 1, 2, 3 and 5 involve RUS or PRK on the 1st
    reverse = pivotwatch.indicators("PRK-RUS", store=store, freq="year", directed=True,
                                    dimensions=["all"])
    assert list(reverse.events) == [2]  # ids 2 and 9


def test_periods_without_dyad_events_are_zero_not_missing(store):
    df = pivotwatch.indicators("CHN-IND", store=store, freq="month", dimensions=["all"])
    jan = pick(df, date(2024, 1, 1), "all")
    assert jan.events == 0 and jan.volume == 1 and jan.per_10k == 0
    assert math.isnan(jan.goldstein_mean)
    assert pick(df, date(2024, 2, 1), "all").events == 1


def test_week_and_quarter_periods(store):
    weeks = pivotwatch.indicators("RUS-PRK", store=store, freq="week", dimensions=["all"])
    assert list(weeks.period) == [date(2024, 1, 1), date(2024, 2, 5)]  # Mondays
    quarter = pivotwatch.indicators("RUS-PRK", store=store, freq="quarter", dimensions=["all"])
    assert list(quarter.events) == [4]


@pytest.mark.parametrize("kwargs, message", [
    ({"dyad": "RUS-XYZ"}, "unknown country code 'XYZ'"),
    ({"dyad": "RUS"}, "bad dyad"),
    ({"dyad": "RUS-RUS"}, "must differ"),
    ({"freq": "decade"}, "unknown frequency"),
    ({"dimensions": ["cultural"]}, "unknown dimension 'cultural'"),
    ({"start": date(2024, 2, 1), "end": date(2024, 1, 1)}, "is after"),
])
def test_bad_requests_are_usage_errors(store, kwargs, message):
    with pytest.raises(UsageError, match=message):
        pivotwatch.indicators(**({"dyad": "RUS-PRK", "store": store} | kwargs))


def test_indicator_module_imports_no_engine():
    tree = ast.parse(Path(pivotwatch.analysis.indicators.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "ibis" in imported
    assert not imported & {"duckdb", "pyspark", "google", "pandas"}


def test_dyads_no_file_watched_are_refused_and_partial_coverage_is_said(tmp_path):
    a = write(tmp_path / "a.export.CSV", [event(1, "20240101", "GBR", "FRA"),
                                          event(2, "20240101", "RUS", "PRK")])
    b = write(tmp_path / "b.export.CSV", [event(3, "20240102", "GBR", "FRA")])
    with pivotwatch.open_store(tmp_path / "w.duckdb", create=True) as st:
        load_file(st, a, countries=("RUS",), workdir=tmp_path / "w")
        with pytest.raises(UsageError, match="no loaded file watched GBR or FRA"):
            pivotwatch.indicators("GBR-FRA", store=st)
        load_file(st, b, countries=("GBR",), workdir=tmp_path / "w")
        df = pivotwatch.indicators("GBR-FRA", store=st, freq="year", dimensions=["all"])
        assert df.events.sum() == 1  # the GBR-FRA row of a.export.CSV was not kept
        assert df.attrs["warnings"] == [
            "1 of 2 loaded files did not watch GBR or FRA: their GBR-FRA events are missing "
            "(the volume still counts them)"]
        assert pivotwatch.indicators("RUS-PRK", store=st).attrs["warnings"]


def test_an_event_counts_once_per_dimension_with_a_user_map(store, tmp_path, monkeypatch):
    user_map = tmp_path / "map.csv"
    user_map.write_text("cameo_prefix,dimensions,note\n04,political,\n06,military;energy,\n"
                        "19,security,\n05,political,\n")
    monkeypatch.setenv("PIVOTWATCH_DIMENSIONS", str(user_map))
    df = pivotwatch.indicators("RUS-PRK", store=store, freq="month")
    # event 2 is energy by the map (062) and by its URL ("oil-deal"): once
    assert pick(df, date(2024, 1, 1), "energy").events == 1
