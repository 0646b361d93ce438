"""The derived daily tables give exactly the figures computed from the events.

Checked on the bundled sample and on fuzzed stores (random pairs, codes, quad classes,
scores and tones, energy URLs, events repeated across files, files watching
different countries), for every frequency, directed or not, with and without a date range;
then the upkeep: a store migrated from before the tables, a changed dimension map (the
figures fall back to the events, with a note, until `pivotwatch optimize`), a failed load
(nothing added) and a repeated load (nothing added twice).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

import pivotwatch
from pivotwatch import taxonomy
from pivotwatch.analysis.dyads import check_dimensions
from pivotwatch.analysis.indicators import dyad_indicators
from pivotwatch.analysis.partners import partner_shares
from pivotwatch.analysis.partners import partners as rank_partners
from pivotwatch.cli import app
from pivotwatch.errors import SourceError, StoreError
from pivotwatch.sources.context import Context
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.gdelt.sample import ingest_sample as ingest_gdelt_sample
from pivotwatch.store import derived, open_store
from pivotwatch.store.derived import code_dimensions
from pivotwatch.store.schema import DERIVED_SINCE
from pivotwatch.store.store import ident


def ingest_sample(store) -> None:
    assert ingest_gdelt_sample(Context(store)).ok


FREQS = ["day", "week", "month", "quarter", "year"]
DIMS = check_dimensions(None)


def from_events(store, a, b, **kw) -> pd.DataFrame:
    """The reference: the event-level expression, whatever the store keeps."""
    con = store.ibis()
    df = dyad_indicators(con.table("events"), con.table("daily_counts"), code_dimensions(),
                         a=a, b=b, energy_pattern=taxonomy.energy_pattern(), **kw).to_pandas()
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df.reset_index(drop=True)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False,
                                  atol=1e-9)


def assert_daily_route(store, dyad):
    df = pivotwatch.indicators(dyad, store=store, freq="year", dimensions=["all"])
    assert derived.current(store) and not df.attrs["warnings"]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("derived-sample")
    with open_store(root / "s.duckdb", create=True) as st:
        ingest_sample(st)
    with open_store(root / "s.duckdb", read_only=True) as st:
        yield st


@pytest.mark.parametrize("dyad", ["RUS-PRK", "RUS-CHN", "USA-RUS", "CHN-IND", "KOR-JPN"])
def test_sample_indicators_from_the_daily_tables_equal_the_events(sample_store, dyad):
    assert derived.current(sample_store)
    a, b = dyad.split("-")
    for freq in FREQS:
        for directed in (False, True):
            kw = dict(freq=freq, dimensions=DIMS, directed=directed)
            same(pivotwatch.indicators(dyad, store=sample_store, **kw),
                 from_events(sample_store, a, b, **kw))
    kw = dict(freq="month", dimensions=["all", "military"], start=date(2015, 2, 19),
              end=date(2015, 3, 31))
    same(pivotwatch.indicators(dyad, store=sample_store, **kw),
         from_events(sample_store, a, b, **kw))


def test_sample_partners_from_the_daily_tables_equal_the_events(sample_store):
    got = rank_partners("RUS", store=sample_store, freq="month")
    con = sample_store.ibis()
    want = partner_shares(con.table("events"), con.table("daily_counts"), code_dimensions(),
                          focus="RUS", partners=list(got.attrs["partners"]), freq="month",
                          dimensions=DIMS, energy_pattern=taxonomy.energy_pattern()
                          ).to_pandas()
    want["period"] = pd.to_datetime(want["period"]).dt.date
    want["rank"] = want["rank"].astype("Int64")  # as partners() gives it
    key = ["period", "dimension", "partner"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert got.events.sum() > 0
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False, atol=1e-9)


# --- fuzzed stores -------------------------------------------------------------------------

COUNTRIES = ["RUS", "PRK", "CHN", "IND", "USA", "GBR", ""]  # "" : no country given
CODES = ["042", "057", "062", "0871", "190", "1411", "111", "030", "0233", "172"]
URLS = ["http://x.org/oil-deal", "http://x.org/talks", "http://x.org/coal-ship",
        "http://x.org/summit", ""]


def fuzzed_files(tmp: Path, seed: int) -> list[tuple[Path, tuple[str, ...]]]:
    rng = random.Random(seed)
    files, next_id = [], 1
    for n in range(4):
        lines = []
        for _ in range(rng.randint(40, 160)):
            if next_id > 5 and rng.random() < 0.1:  # an event another file already had
                event_id = rng.randint(1, next_id - 1)
            else:
                event_id, next_id = next_id, next_id + 1
            day = date(2023, 1, 1).toordinal() + rng.randint(0, 500)
            lines.append(event(
                event_id, date.fromordinal(day).strftime("%Y%m%d"), rng.choice(COUNTRIES),
                rng.choice(COUNTRIES), code=rng.choice(CODES), quad=rng.randint(1, 4),
                goldstein=round(rng.uniform(-10, 10), 1), mentions=rng.randint(0, 30),
                tone=round(rng.gauss(0, 4), 3),
                url=rng.choice(URLS)))
        watched = ("RUS", "PRK", "CHN") if n % 2 else ("RUS", "PRK", "CHN", "IND", "USA", "GBR")
        files.append((write(tmp / f"f{seed}-{n}.export.CSV", lines), watched))
    return files


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_stores_give_the_same_figures_by_both_routes(tmp_path, seed):
    with open_store(tmp_path / "f.duckdb", create=True) as st:
        for path, watched in fuzzed_files(tmp_path, seed):
            load_file(st, path, countries=watched, workdir=tmp_path / "w")
        assert st.count("dyad_daily") > 0
        for dyad in ("RUS-PRK", "PRK-CHN", "CHN-RUS"):
            a, b = dyad.split("-")
            assert_daily_route(st, dyad)
            for freq in ("day", "month", "year"):
                for directed in (False, True):
                    kw = dict(freq=freq, dimensions=DIMS, directed=directed)
                    same(pivotwatch.indicators(dyad, store=st, **kw), from_events(st, a, b, **kw))
        # IND and USA were watched by only some files: the events route, said in a note
        df = pivotwatch.indicators("IND-USA", store=st, freq="month")
        assert any("did not watch" in w for w in df.attrs["warnings"])
        same(df, from_events(st, "IND", "USA", freq="month", dimensions=DIMS))
        # optimize compacts the partial sums: fewer or as many rows, the same figures
        before = {t: st.count(t) for t in derived.TABLES}
        rows = derived.optimize(st)["rows"]
        assert all(rows[t] <= before[t] for t in derived.TABLES)
        same(pivotwatch.indicators("RUS-PRK", store=st, freq="week", dimensions=DIMS),
             from_events(st, "RUS", "PRK", freq="week", dimensions=DIMS))


# --- upkeep --------------------------------------------------------------------------------

def test_a_store_from_before_the_derived_tables_is_migrated(tmp_path):
    path = tmp_path / "old.duckdb"
    with open_store(path, create=True) as st:
        ingest_sample(st)
        want = pivotwatch.indicators("RUS-CHN", store=st, freq="month")
        # make it a version-8 store: no derived tables, no fingerprint
        for table in derived.TABLES:
            st.con.execute("DROP TABLE " + ident(table))
        # and none of the later migrations' tables (the watcher's, schema 10)
        for (table,) in st.con.execute("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_name LIKE 'watch_%'").fetchall():
            st.con.execute("DROP TABLE " + ident(table))
        st.con.execute("DELETE FROM meta WHERE key = 'derived'")
        st.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                       [str(DERIVED_SINCE - 1)])
    with pytest.raises(StoreError, match="needs migrating"):  # a reader cannot migrate it
        open_store(path, read_only=True).close()
    with open_store(path) as st:  # writable: migrated, tables filled
        assert derived.current(st) and st.count("dyad_daily") > 0
        assert_daily_route(st, "RUS-CHN")
        same(pivotwatch.indicators("RUS-CHN", store=st, freq="month"), want)


def test_a_changed_dimension_map_falls_back_to_the_events_until_optimize(tmp_path, monkeypatch):
    path = tmp_path / "m.duckdb"
    with open_store(path, create=True) as st:
        ingest_sample(st)
    user_map = tmp_path / "map.csv"
    user_map.write_text("cameo_prefix,dimensions,note\n04,political,\n06,military;energy,\n"
                        "19,security,\n05,political,\n")
    monkeypatch.setenv("PIVOTWATCH_DIMENSIONS", str(user_map))
    with open_store(path) as st:
        assert not derived.current(st)
        df = pivotwatch.indicators("USA-RUS", store=st, freq="month")
        assert any("pivotwatch optimize" in w for w in df.attrs["warnings"])
        same(df, from_events(st, "USA", "RUS", freq="month", dimensions=DIMS))
    result = CliRunner().invoke(app, ["--db", str(path), "optimize"])
    assert result.exit_code == 0, result.output
    assert "dyad_daily" in result.output
    with open_store(path, read_only=True) as st:
        assert derived.current(st)
        df = pivotwatch.indicators("USA-RUS", store=st, freq="month")
        assert not df.attrs["warnings"]
        same(df, from_events(st, "USA", "RUS", freq="month", dimensions=DIMS))


def test_failed_and_repeated_loads_add_nothing(tmp_path):
    good = write(tmp_path / "g.export.CSV", [event(1, "20240101", "RUS", "PRK"),
                                             event(2, "20240102", "PRK", "RUS", code="190")])
    bad = write(tmp_path / "b.export.CSV", [event(3, "20240103", "RUS", "PRK")]
                + ["broken\trow"] * 5)
    with open_store(tmp_path / "r.duckdb", create=True) as st:
        load_file(st, good, countries=("RUS",), workdir=tmp_path / "w")
        counts = {t: st.count(t) for t in derived.TABLES}
        assert counts["dyad_daily"] > 0
        with pytest.raises(SourceError):
            load_file(st, bad, countries=("RUS",), workdir=tmp_path / "w")
        assert {t: st.count(t) for t in derived.TABLES} == counts
        assert load_file(st, good, countries=("RUS",), workdir=tmp_path / "w").status == \
            "skipped"
        assert {t: st.count(t) for t in derived.TABLES} == counts
        df = pivotwatch.indicators("RUS-PRK", store=st, freq="year", dimensions=["all"])
        assert df.events.tolist() == [2]


def test_a_query_shape_is_compiled_once_and_values_are_bound(sample_store):
    for dyad in ("RUS-CHN", "USA-RUS"):  # same shape, other values: one compiled query
        pivotwatch.indicators(dyad, store=sample_store, freq="quarter", dimensions=["all"])
    shapes = {k: v for k, v in sample_store.prepared_shapes.items()
              if k[:3] == ("indicators", "quarter", ("all",))}
    assert len(shapes) == 1
    (shape,) = shapes.values()
    assert "$a" in shape.sql and "$lo" in shape.sql
    assert not any(code in shape.sql for code in ("RUS", "CHN", "USA", "pw_"))


def test_optimize_refuses_a_store_that_does_not_exist(tmp_path):
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "typo.duckdb"), "optimize"])
    assert result.exit_code == 1 and "no store at" in result.output
    assert not (tmp_path / "typo.duckdb").exists()
