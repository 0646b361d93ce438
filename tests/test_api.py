"""The Python API (`pivotwatch.api`, exported lazily by the package): each function on the
bundled sample, checked against the store's rows; the default store opened and closed for a
call; `open_store` refusing a path with no store; and the lazy top-level exports."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pivotwatch
from pivotwatch import api
from pivotwatch.cli import app
from pivotwatch.errors import StoreError, UsageError
from pivotwatch.store import open_store, reading


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A store with every bundled sample and the reference tables, loaded by the CLI (which
    creates the store: ingest is the one place a store is made)."""
    path = tmp_path_factory.mktemp("api") / "sample.duckdb"
    for what in (["sample"], ["reference"]):
        result = CliRunner().invoke(app, ["--db", str(path), "ingest", *what])
        assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def st(db):
    with open_store(db, read_only=True) as store:
        yield store


def rows(store, sql: str, params=()) -> list[tuple]:
    return store.con.execute(sql, list(params)).fetchall()


def test_indicators_count_the_dyads_events(st):
    df = pivotwatch.indicators("RUS-CHN", store=st, freq="year", dimensions=["all"])
    counted = dict(rows(st, """SELECT year(day), count(*) FROM events
        WHERE (actor1_country = 'RUS' AND actor2_country = 'CHN')
           OR (actor1_country = 'CHN' AND actor2_country = 'RUS') GROUP BY 1"""))
    assert counted and sum(counted.values()) > 0
    assert {p.year: n for p, n in zip(df.period, df.events, strict=True) if n} == counted
    assert set(df.dimension) == {"all"}


def test_alignment_counts_the_roll_calls_both_voted(st):
    df = pivotwatch.alignment("RUS", "PRK", store=st)
    assert df.attrs["partners"] == ["PRK"] and df.attrs["focus"] == "RUS"
    years = df[(df.issue == "all") & (df.period != "all")]
    both = dict(rows(st, """
        WITH calls AS (SELECT rcid, year(min(date)) AS y FROM un_roll_calls GROUP BY rcid)
        SELECT CAST(y AS VARCHAR), count(*) FROM calls
        WHERE rcid IN (SELECT rcid FROM un_votes WHERE country = 'RUS')
          AND rcid IN (SELECT rcid FROM un_votes WHERE country = 'PRK')
        GROUP BY 1"""))
    assert len(both) > 10
    assert dict(zip(years.period, years.roll_calls, strict=True)) == both
    whole = df[(df.issue == "all") & (df.period == "all")]
    assert int(whole.roll_calls.iloc[0]) == sum(both.values())


def test_trade_shows_reference_figures_beside_comtrade(st):
    df = pivotwatch.trade("RUS", "PRK", store=st)
    (reference,) = rows(st, "SELECT count(*) FROM reference_trade")[0]
    assert reference > 0
    assert Counter(df.source)["reference"] == reference == df.attrs["reference_rows"]
    assert set(df.source) <= {"comtrade", "reference"}
    assert list(df.year) == sorted(df.year)
    with pytest.raises(UsageError, match="two different countries"):
        pivotwatch.trade("RUS", "RUS", store=st)


def test_fuel_gives_each_figure_its_share_of_the_cap(st):
    df = pivotwatch.fuel("RUS", store=st)
    assert len(df) > 0
    known = df.dropna(subset=["barrels", "cap_barrels"])
    assert len(known) > 0
    assert (abs(known.share_of_cap - known.barrels / known.cap_barrels) < 1e-9).all()
    assert len(pivotwatch.fuel(None, store=st)) >= len(df)  # every supplier's figures


def test_sanctions_lists_current_designations(st):
    df = pivotwatch.sanctions("PRK", store=st)
    assert len(df) > 0 and df.attrs["country"] == "PRK"
    only = pivotwatch.sanctions("PRK", lists=["un_sc"], store=st)
    assert 0 < len(only) <= len(df) and set(only.list) == {"un_sc"}
    assert pivotwatch.sanctions("PRK", linked="RUS", store=st).attrs["linked"] == "RUS"
    before = pivotwatch.sanctions("PRK", store=st, as_of=date(2006, 1, 1))
    assert before.empty  # no list loaded was published by then


def test_briefing_is_the_reports_text(st):
    text = pivotwatch.briefing("RUS-PRK", store=st)
    assert text.startswith("#") and "RUS" in text and "PRK" in text
    assert "Key judgments" in text


def test_a_bad_briefing_format_is_refused_before_any_store_is_opened(tmp_path):
    # no store at the default path: the format is checked first
    with pytest.raises(UsageError, match="unknown briefing format 'pdf'"):
        pivotwatch.briefing("RUS-PRK", fmt="pdf")


def test_without_a_store_the_default_one_is_opened_and_closed(db, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_DB", str(db))
    with open_store(db, read_only=True) as st:
        given = pivotwatch.fuel("RUS", store=st)
    assert pivotwatch.fuel("RUS").equals(given)
    assert len(pivotwatch.alignment("RUS", "PRK")) > 0
    assert len(pivotwatch.indicators("RUS-CHN", freq="year")) > 0
    assert len(pivotwatch.sanctions("PRK")) > 0
    assert len(pivotwatch.trade("RUS", "PRK")) > 0
    # every read-only connection is closed: DuckDB lets this process open the file for
    # writing only when none of another configuration is left open
    open_store(db).close()


def test_a_store_passed_in_is_left_open(db):
    with open_store(db, read_only=True) as st:
        with reading(st) as same:
            assert same is st
        assert rows(st, "SELECT 1") == [(1,)]


def test_no_store_is_a_one_line_store_error_and_creates_nothing(tmp_path):
    typo = tmp_path / "typo.duckdb"
    for read_only in (True, False):
        with pytest.raises(StoreError) as info:
            pivotwatch.open_store(typo, read_only=read_only)
        message = str(info.value)
        assert message.startswith(f"no store at {typo}: load data first") and "\n" not in message
        assert ("create=True" in message) is not read_only  # the CLI's readers cannot create
    with pytest.raises(StoreError, match="no store at"):
        pivotwatch.alignment("RUS", "PRK")  # the default store is missing too
    assert not typo.exists() and not any(tmp_path.glob("*.duckdb"))
    with pytest.raises(UsageError, match="read-only cannot be created"):
        pivotwatch.open_store(typo, read_only=True, create=True)
    assert not typo.exists()


def test_create_makes_an_empty_store(tmp_path):
    path = tmp_path / "new" / "s.duckdb"
    with pivotwatch.open_store(path, create=True) as st:
        assert rows(st, "SELECT count(*) FROM events") == [(0,)]
    with pivotwatch.open_store(path, read_only=True) as st:  # now it is there
        assert st.schema_version() > 0
    with pivotwatch.open_store(":memory:") as st:  # nothing to mistype
        assert rows(st, "SELECT count(*) FROM files") == [(0,)]


def test_reading_commands_refuse_a_missing_store_and_ingest_creates_it(tmp_path):
    typo = tmp_path / "typo.duckdb"
    result = CliRunner().invoke(app, ["--db", str(typo), "fuel"])
    assert result.exit_code == 1 and "no store at" in result.output
    assert not typo.exists()
    result = CliRunner().invoke(app, ["--db", str(typo), "ingest", "reference"])
    assert result.exit_code == 0, result.output
    assert typo.is_file()


def test_the_package_exports_the_api_lazily():
    code = ("import sys, pivotwatch\n"
            "print(sorted(m for m in ('pivotwatch.api', 'pivotwatch.analysis', 'ibis', "
            "'pandas', 'duckdb') if m in sys.modules))\n"
            "pivotwatch.alignment\n"
            "print('pivotwatch.api' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_every_exported_name_resolves():
    for name in pivotwatch.__all__:
        assert getattr(pivotwatch, name) is not None
    for name in ("alignment", "briefing", "fuel", "indicators", "sanctions", "trade"):
        assert getattr(pivotwatch, name) is getattr(api, name)
    assert pivotwatch.open_store is open_store
    with pytest.raises(AttributeError, match="no attribute 'assess_all'"):
        pivotwatch.assess_all  # noqa: B018


def test_briefing_survives_the_report_package_being_imported():
    # importing pivotwatch.report sets that attribute on the package: the briefing function
    # has another name so that the two never collide
    import pivotwatch.report.render  # noqa: F401

    assert pivotwatch.report.__name__ == "pivotwatch.report"
    assert pivotwatch.briefing is api.briefing


def test_the_api_only_re_exports_the_library():
    from pivotwatch.analysis import dyads

    assert api.parse_dyad is dyads.parse_dyad
    assert api.check_dimensions is dyads.check_dimensions
    assert api.code_dimensions is dyads.code_dimensions
    assert api.coverage_warnings is dyads.coverage_warnings
    assert api.indicators is dyads.indicators
    assert api.parse_dyad("rus–prk") == ("RUS", "PRK")
