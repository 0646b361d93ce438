"""How recent each source is, as of a date: only rows dated by then count, stale flags, and
what `pivotwatch status` shows."""

from __future__ import annotations

import ast
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pivotwatch
from pivotwatch.analysis.freshness import freshness, is_stale, stale_note
from pivotwatch.cli import app
from pivotwatch.store import open_store
from pivotwatch.store.store import ident

runner = CliRunner()
AS_OF = date(2024, 12, 31)
FILLER = {"VARCHAR": "x", "INTEGER": 1, "BIGINT": 1, "TINYINT": 1, "DOUBLE": 1.0,
          "BOOLEAN": False, "DATE": date(2000, 1, 1), "TIMESTAMP": datetime(2000, 1, 1),
          "VARCHAR[]": []}
_keys = itertools.count()


def put(st, table: str, **values) -> None:
    """A row of `table` with `values`, its other NOT NULL columns filled (keys made unique)."""
    columns = st.con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()
    row = {}
    for name, kind, nullable in columns:
        if name in values:
            row[name] = values[name]
        elif name.endswith(("_key", "_id")) and kind == "VARCHAR":
            row[name] = f"k{next(_keys)}"
        elif nullable == "NO":
            row[name] = FILLER[kind]
    names = ", ".join(ident(c) for c in row)
    marks = ", ".join("?" for _ in row)
    st.con.execute(f"INSERT INTO {ident(table)} ({names}) VALUES ({marks})", list(row.values()))


PAST = (date(2023, 3, 1), date(2024, 6, 30))  # on or before AS_OF
FUTURE = (date(2025, 1, 1), date(2025, 2, 1))


def fill(st, days=PAST) -> None:
    """A row dated on each of `days` in every source."""
    for day in days:
        stamp = datetime.combine(day, datetime.min.time())
        year = day.year - 1 if day <= AS_OF else day.year  # a year is dated 31 December
        rcid = next(_keys)
        put(st, "events", event_id=rcid, day=day)
        put(st, "un_roll_calls", rcid=rcid, layout="voeten", date=day)
        put(st, "un_roll_calls", rcid=rcid, layout="unvotes-roll-calls", date=day)  # same call
        put(st, "un_ideal_points", period_end=day)
        put(st, "un_published_agreement", period_end=day)
        put(st, "trade_flows", year=year)
        put(st, "reference_events", date=day)
        put(st, "reference_trade", year=year)
        put(st, "reference_fuel", period_start=day - timedelta(days=30), period_end=day)
        put(st, "reference_measures", as_of=day)
        put(st, "sanctions", list="ofac", published_at=stamp)
        put(st, "documents", published=stamp)
    if days == PAST:
        put(st, "sanctions", list="un_sc", published_at=datetime(2019, 5, 1, 23, 59))
        put(st, "sanctions", list="un_sc", published_at=None)  # undated: never counted
        put(st, "documents", published=None)


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        yield store


def test_every_source_in_a_fixed_order_with_its_latest_date_and_rows(st):
    fill(st)
    got = [f.to_dict() for f in freshness(st, AS_OF)]
    assert got == [
        {"source": "gdelt", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest event day"},
        {"source": "un_votes", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest roll-call date"},
        {"source": "un_ideal_points", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest ideal-point period end"},
        {"source": "un_published_agreement", "latest": "2024-06-30", "rows": 2,
         "stale": False, "what": "latest published-agreement period end"},
        # 31 December 2023 is 366 days before AS_OF: stale
        {"source": "trade_comtrade", "latest": "2023-12-31", "rows": 2, "stale": True,
         "what": "latest Comtrade year (as 31 December)"},
        {"source": "reference_events", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest curated event date"},
        {"source": "reference_trade", "latest": "2023-12-31", "rows": 2, "stale": True,
         "what": "latest reference trade year (as 31 December)"},
        {"source": "reference_fuel", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest fuel-figure period end"},
        {"source": "reference_measures", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest measure publication"},
        {"source": "sanctions:un_sc", "latest": "2019-05-01", "rows": 1, "stale": True,
         "what": "latest list publication"},
        {"source": "sanctions:ofac", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest list publication"},
        {"source": "documents", "latest": "2024-06-30", "rows": 2, "stale": False,
         "what": "latest document publication"},
    ]


def test_rows_dated_after_the_as_of_date_change_nothing(st):
    fill(st)
    before = freshness(st, AS_OF)
    fill(st, FUTURE)  # every source, with rows after AS_OF, and a list published after it
    put(st, "sanctions", list="opensanctions", published_at=datetime(2025, 1, 1))
    put(st, "trade_flows", year=AS_OF.year)  # 31 December 2024: on the day, counts
    after = freshness(st, AS_OF)
    assert [f for f in after if f.source != "trade_comtrade"] == \
        [f for f in before if f.source != "trade_comtrade"]
    trade = {f.source: f for f in after}["trade_comtrade"]
    assert (trade.latest, trade.rows, trade.stale) == (AS_OF, 3, False)
    assert freshness(st, AS_OF - timedelta(days=1))[4].rows == 2  # the day before: not yet
    # a year on, the later rows are there, and so is the new list
    later = {f.source: f for f in freshness(st, date(2025, 12, 31))}
    assert (later["gdelt"].latest, later["gdelt"].rows) == (date(2025, 2, 1), 4)
    assert (later["un_votes"].rows, later["sanctions:opensanctions"].rows) == (4, 1)


def test_a_store_with_nothing_lists_every_source_as_stale(st):
    got = freshness(st, AS_OF)
    assert [f.source for f in got] == [
        "gdelt", "un_votes", "un_ideal_points", "un_published_agreement", "trade_comtrade",
        "reference_events", "reference_trade", "reference_fuel", "reference_measures",
        "documents"]  # no list is loaded: no sanctions entry
    assert all(f.latest is None and f.rows == 0 and f.stale for f in got)
    assert stale_note(got[0], AS_OF) == "stale: nothing dated on or before 2024-12-31"


def test_stale_is_more_than_stale_after_days_before_the_as_of_date(st):
    put(st, "events", event_id=1, day=date(2023, 12, 31))  # 366 days before AS_OF (leap year)
    put(st, "reference_measures", as_of=date(2024, 1, 1))  # 365 days before
    got = {f.source: f for f in freshness(st, AS_OF)}
    assert got["gdelt"].stale and not got["reference_measures"].stale
    assert stale_note(got["gdelt"], AS_OF) == \
        "stale: latest 2023-12-31, more than a year before 2024-12-31"
    assert stale_note(got["reference_measures"], AS_OF) == ""
    short = {f.source: f for f in freshness(st, AS_OF, stale_after_days=90)}
    assert short["reference_measures"].stale
    assert stale_note(short["reference_measures"], AS_OF, 90) == \
        "stale: latest 2024-01-01, more than 90 days before 2024-12-31"
    assert is_stale(None, AS_OF) and not is_stale(AS_OF, AS_OF)


def test_nothing_reads_the_clock():
    """The as-of date is the caller's: no date.today() or now() in the analysis."""
    folder = Path(pivotwatch.__file__).parent / "analysis"
    for name in ("freshness.py", "measures.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        calls = {n.func.attr for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert not calls & {"today", "now", "utcnow"}, name


# -- pivotwatch status ----------------------------------------------------------------------

def test_status_shows_each_sources_latest_date_and_flags_stale_ones(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "reference"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "status", "--as-of", "2026-12-03"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "files loaded" in text and "records in store" in text  # what it showed before
    assert "latest date per source, as of 2026-12-03" in text
    assert "stale: latest 2025-09-02, more than a year before 2026-12-03" in text
    line = next(t for t in text.splitlines() if "reference_measures" in t)
    assert "2025-09-02" in line and "28" in line and "latest measure publication" in line
    assert "nothing dated on or before 2026-12-03: gdelt, un_votes, un_ideal_points, " \
        "un_published_agreement, trade_comtrade, documents" in text
    fresh = runner.invoke(app, ["--db", db, "status", "--as-of", "2025-10-01"],
                          env={"COLUMNS": "200"})
    line = next(t for t in fresh.output.splitlines() if "reference_measures" in t)
    assert "current" in line and "stale" not in line
    # as of 2024: the measures published later are not counted
    early = runner.invoke(app, ["--db", db, "status", "--as-of", "2024-01-01"],
                          env={"COLUMNS": "200"})
    line = next(t for t in early.output.splitlines() if "reference_measures" in t)
    assert "2023-10-13" in line and " 6 " in line


def test_status_reads_as_of_today_and_refuses_a_bad_date(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "reference"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "status"])
    assert result.exit_code == 0
    assert f"as of {date.today()}" in result.output  # the CLI passes today; nothing else does
    bad = runner.invoke(app, ["--db", db, "status", "--as-of", "2024-02-30"])
    assert bad.exit_code == 2 and "bad date for --as-of: '2024-02-30'" in bad.output
