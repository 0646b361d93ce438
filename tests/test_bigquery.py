"""The BigQuery engine, tested without a network.

1. The analysis's expressions compiled to BigQuery SQL match reviewed snapshots
   (tests/snapshots/bigquery/*.sql); the SQL reads GDELT's table only through column lists and,
   on the partitioned table, only within partition bounds. Regenerate after a deliberate change
   with PIVOTWATCH_UPDATE_SNAPSHOTS=1, then review the diff.
2. The very expressions the BigQuery store builds run on DuckDB over a table shaped like
   GDELT's public one (real rows: the bundled GDELT 2.0 exports, and the full files of
   ../shared when present) and give the same indicators and partner shares as the DuckDB store
   loaded from the same files; and the BigQuery SQL text itself, translated to DuckDB by
   sqlglot with its parameters bound, gives them too.
3. The cost guard against a local stand-in for BigQuery's REST API: the dry run's bytes are
   said, a query above the cap is refused before any query job, one below it runs.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest
import sqlglot
import sqlglot.expressions as sge
from conftest import GDELT, needs_shared

from pivotwatch import taxonomy
from pivotwatch.analysis.dyads import code_dimensions
from pivotwatch.analysis.indicators import ALL, dyad_indicators, volume
from pivotwatch.analysis.partners import partner_shares, partners
from pivotwatch.errors import CostError, PivotwatchError, UsageError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt.layout import V2
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.gdelt.sample import sample_dir
from pivotwatch.store import open_store
from pivotwatch.store.bigquery import (
    GB,
    GDELT_TYPES,
    PARTITION_COLUMN,
    BigQueryStore,
    compile_query,
)
from pivotwatch.store.derived import code_pairs

SNAPSHOTS = Path(__file__).parent / "snapshots" / "bigquery"
UPDATE = os.environ.get("PIVOTWATCH_UPDATE_SNAPSHOTS") == "1"
DIMENSIONS = [ALL, *taxonomy.DIMENSIONS]
PARTNERS = ["CHN", "IND", "PRK", "IRN", "VNM", "MNG"]
EXPORTS = sorted(sample_dir().glob("*.export.CSV"))  # five real GDELT 2.0 exports (extracts)


def indicators_expr(st, a="RUS", b="PRK", freq="month", **kw):
    t = st.ibis()
    return dyad_indicators(t.table("events"), t.table("daily_counts"), code_dimensions(), a=a,
                           b=b, freq=freq, dimensions=DIMENSIONS,
                           energy_pattern=taxonomy.energy_pattern(), **kw)


def partners_expr(st, freq="year", **kw):
    t = st.ibis()
    return partner_shares(t.table("events"), t.table("daily_counts"), code_dimensions(),
                          focus="RUS", partners=PARTNERS, freq=freq, dimensions=DIMENSIONS,
                          energy_pattern=taxonomy.energy_pattern(), **kw)


# --- 1. the compiled SQL against reviewed snapshots ----------------------------------------

def _cases():
    v2 = BigQueryStore("my-project")
    part = BigQueryStore("my-project", table="events_partitioned", since=date(2024, 1, 1),
                         until=date(2024, 12, 31))
    v1 = BigQueryStore("my-project", dataset="gdelt-bq.full")
    return {
        "indicators_rus_prk_month": indicators_expr(v2),
        "indicators_rus_prk_month_partitioned_2024": indicators_expr(
            part, start=date(2024, 1, 1), end=date(2024, 12, 31)),
        "indicators_rus_prk_year_gdelt1": indicators_expr(v1, freq="year"),
        "partners_rus_year": partners_expr(v2),
        "volume_rus_prk_month": volume(v2.table("daily_counts"), ["RUS", "PRK"], "month"),
        "daily_counts": v2.table("daily_counts"),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_sql_matches_reviewed_snapshot(name):
    sql = compile_query(CASES[name]).sql + "\n"
    path = SNAPSHOTS / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    assert path.is_file(), f"no snapshot {path}: run with PIVOTWATCH_UPDATE_SNAPSHOTS=1"
    expected = path.read_text()
    if sql != expected:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), sql.splitlines(True),
                                            f"{path.name} (reviewed)", f"{path.name} (now)"))
        pytest.fail(f"the BigQuery SQL changed; review it and regenerate with "
                    f"PIVOTWATCH_UPDATE_SNAPSHOTS=1:\n{diff}")


def _gdelt_reads(sql: str) -> list[sge.Select]:
    """Each SELECT that reads GDELT's table directly."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    reads = [t for t in tree.find_all(sge.Table) if t.catalog == "gdelt-bq"]
    assert reads, "the query does not read GDELT's table"
    return [t.find_ancestor(sge.Select) for t in reads]


@pytest.mark.parametrize("name", sorted(CASES))
def test_gdelt_table_is_read_by_named_columns_only(name):
    # BigQuery bills every column a query names: never SELECT * from the 61-column table
    for select in _gdelt_reads(compile_query(CASES[name]).sql):
        assert not any(isinstance(e, sge.Star) for e in select.expressions), select.sql()
        names = {c.name for c in select.find_all(sge.Column)}
        assert names <= set(GDELT_TYPES) | {PARTITION_COLUMN}


def test_partitioned_reads_are_bounded_by_partition_time():
    sql = compile_query(CASES["indicators_rus_prk_month_partitioned_2024"]).sql
    for select in _gdelt_reads(sql):
        where = select.args["where"].sql("bigquery")
        # a day wider than the period on each side; DATEADDED decides which rows count
        assert "`_PARTITIONTIME` >= TIMESTAMP('2023-12-31T00:00:00+00:00')" in where
        assert "`_PARTITIONTIME` < TIMESTAMP('2025-01-02T00:00:00+00:00')" in where
        assert "`DATEADDED` >= 20240101000000" in where
        assert "`DATEADDED` < 20250101000000" in where


def test_in_memory_tables_are_query_parameters_not_sql_text():
    query = compile_query(CASES["indicators_rus_prk_month"])
    assert "memtable_" in query.sql and "ibis_pandas_memtable" not in query.sql
    params = {p.name: p for p in query.parameters}
    assert sorted(params) == ["memtable_0", "memtable_1"]
    assert params["memtable_0"].types == {"dimension": "STRING"}
    assert [r["dimension"] for r in params["memtable_0"].rows] == DIMENSIONS
    codes = params["memtable_1"]
    assert codes.types == {"event_code": "STRING", "dimension": "STRING"}
    assert [tuple(r.values()) for r in codes.rows] == code_pairs()
    # no CAMEO code of the map is written into the SQL
    assert "'0871'" not in query.sql and "'190'" not in query.sql


def test_weeks_start_on_monday_as_on_duckdb():
    # BigQuery's WEEK starts on Sunday; the store's weeks are ISO weeks (Monday)
    sql = compile_query(indicators_expr(BigQueryStore("my-project"), freq="week")).sql
    assert "WEEK(MONDAY)" in sql
    assert "WEEK)" not in sql

# --- 2. the same expressions on DuckDB, over a table shaped like GDELT's ------------------

def gdelt_frame(paths: list[Path]) -> pd.DataFrame:
    """Rows of GDELT 2.0 export files as BigQuery holds them: GDELT's column names and types,
    NULL for an empty field, `_PARTITIONTIME` the day the row was added."""
    frames = [pd.read_csv(p, sep="\t", header=None, names=list(V2.columns), dtype=str,
                          keep_default_na=False, na_filter=False, quoting=csv.QUOTE_NONE)
              for p in paths]
    raw = pd.concat(frames, ignore_index=True)[list(GDELT_TYPES)].replace("", None)
    for column, dtype in GDELT_TYPES.items():
        if dtype != "string":
            raw[column] = pd.to_numeric(raw[column]).astype(
                "Int64" if dtype == "int64" else "float64")
    added = pd.to_datetime(raw["DATEADDED"].astype(str).str[:8], format="%Y%m%d", utc=True)
    raw[PARTITION_COLUMN] = added
    return raw


def gdelt_duckdb(paths: list[Path]):
    """An in-memory DuckDB with `gdelt-bq`.gdeltv2.events and events_partitioned, so that the
    BigQuery store's own (unbound) expressions run on it unchanged."""
    con = ibis.duckdb.connect()
    con.raw_sql("ATTACH ':memory:' AS \"gdelt-bq\"")
    con.raw_sql('CREATE SCHEMA "gdelt-bq".gdeltv2')
    frame = gdelt_frame(paths)
    schema = ibis.schema({**GDELT_TYPES, PARTITION_COLUMN: "timestamp('UTC')"})
    for name, columns in (("events", list(GDELT_TYPES)),
                          ("events_partitioned", list(schema.names))):
        con.create_table(name, ibis.memtable(frame[columns]).cast(
            {c: schema[c] for c in columns}), database=("gdelt-bq", "gdeltv2"))
    return con


def loaded_store(paths: list[Path], tmp: Path):
    st = open_store(tmp / "store.duckdb", create=True)
    for path in paths:
        result = load_file(st, path, countries=DEFAULT_COUNTRIES, workdir=tmp / "work")
        # the comparison holds row for row only if the store kept every row as valid
        assert result.rows_rejected == 0, result
    return st


def frame(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    df["period"] = pd.to_datetime(df["period"]).dt.date
    if "rank" in df:  # null ranks come back as None or NaN, depending on the path
        df["rank"] = pd.to_numeric(df["rank"])
    return df.sort_values(keys).reset_index(drop=True)


def same(duck_con, bq_expr, store, store_expr, keys):
    got = frame(duck_con.execute(bq_expr), keys)
    want = frame(store.to_pandas(store_expr), keys)
    assert len(want) and want["events"].sum() > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-9)
    return got


@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bq-sample")
    with loaded_store(EXPORTS, tmp) as st:
        yield gdelt_duckdb(EXPORTS), st


def test_events_and_counts_have_the_stores_columns_and_types(sample_pair):
    _, st = sample_pair
    bq = BigQueryStore("my-project")
    for name in ("events", "daily_counts"):
        mine = bq.table(name).schema()
        theirs = st.ibis().table(name).schema()
        assert list(mine.names) == list(theirs.names)
        assert [t.copy(nullable=True) for t in mine.types] == [
            t.copy(nullable=True) for t in theirs.types], name


@pytest.mark.parametrize("dyad,freq", [(("RUS", "CHN"), "day"), (("RUS", "CHN"), "month"),
                                       (("RUS", "IRN"), "year"), (("CHN", "USA"), "month")])
def test_indicators_equal_the_duckdb_stores(sample_pair, dyad, freq):
    duck, st = sample_pair
    bq = BigQueryStore("my-project")
    kw = dict(a=dyad[0], b=dyad[1], freq=freq)
    same(duck, indicators_expr(bq, **kw), st, indicators_expr(st, **kw),
         ["period", "dimension"])


def test_partner_shares_equal_the_duckdb_stores(sample_pair):
    duck, st = sample_pair
    bq = BigQueryStore("my-project")
    got = same(duck, partners_expr(bq, freq="day"), st, partners_expr(st, freq="day"),
               ["period", "dimension", "partner"])
    assert set(got.partner) == set(PARTNERS)


def test_since_until_keep_the_rows_those_files_added(sample_pair, tmp_path):
    # the 2015 exports were added on 2015-02-18, the 2019 one on 2019-10-24: a partitioned
    # store since 2019-10-01 holds what a store loaded with the 2019 file alone holds
    duck, _ = sample_pair
    late = [p for p in EXPORTS if p.name.startswith("2019")]
    with loaded_store(late, tmp_path) as st:
        for table in ("events", "events_partitioned"):
            bq = BigQueryStore("my-project", table=table, since=date(2019, 10, 1),
                               until=date(2019, 10, 31))
            kw = dict(a="USA", b="CHN", freq="day")
            same(duck, indicators_expr(bq, **kw), st, indicators_expr(st, **kw),
                 ["period", "dimension"])
    early = BigQueryStore("my-project", table="events_partitioned", until=date(2015, 2, 18))
    days = duck.execute(early.table("daily_counts")).day
    assert pd.to_datetime(days).max() <= pd.Timestamp("2015-02-18")


@needs_shared
@pytest.mark.shared
def test_full_exports_give_the_stores_indicators(tmp_path):
    paths = sorted((GDELT / "v2" / "events").glob("*.export.CSV"))
    if not paths:
        pytest.skip("no GDELT 2.0 exports in ../shared/data/gdelt/v2/events")
    duck = gdelt_duckdb(paths)
    bq = BigQueryStore("my-project")
    with loaded_store(paths, tmp_path) as st:
        for a, b in (("RUS", "CHN"), ("USA", "CHN")):
            kw = dict(a=a, b=b, freq="day")
            same(duck, indicators_expr(bq, **kw), st, indicators_expr(st, **kw),
                 ["period", "dimension"])


def bigquery_sql_on_duckdb(duck, expr) -> pd.DataFrame:
    """Run the BigQuery SQL that `to_pandas` would send (not Ibis's DuckDB SQL) on DuckDB,
    with its parameters bound (bigquery_server.run_bigquery_sql)."""
    from bigquery_server import run_bigquery_sql

    query = compile_query(expr, pretty=False)
    tables = {p.name: (list(p.types), [tuple(r[c] for c in p.types) for r in p.rows])
              for p in query.parameters}
    return run_bigquery_sql(duck, query.sql, tables)


@pytest.mark.parametrize("what,freq", [("indicators", "day"), ("indicators", "week"),
                                       ("indicators", "month"), ("partners", "day"),
                                       ("partners", "quarter")])
def test_the_bigquery_sql_itself_gives_the_stores_figures(sample_pair, what, freq):
    duck, st = sample_pair
    bq = BigQueryStore("my-project", table="events_partitioned", since=date(2015, 2, 1))
    if what == "indicators":
        kw = dict(a="RUS", b="CHN", freq=freq)
        mine, theirs, keys = indicators_expr(bq, **kw), indicators_expr(st, **kw), [
            "period", "dimension"]
    else:
        mine, theirs, keys = partners_expr(bq, freq=freq), partners_expr(st, freq=freq), [
            "period", "dimension", "partner"]
    got = frame(bigquery_sql_on_duckdb(duck, mine), keys)
    want = frame(st.to_pandas(theirs), keys)
    assert want["events"].sum() > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-9)

# --- 3. the cost guard, against a local BigQuery REST stand-in ----------------------------

@pytest.fixture
def fake_bigquery():
    pytest.importorskip("google.cloud.bigquery",
                        reason="the bigquery extra is absent (pip install -e '.[bigquery]')")
    from bigquery_server import FakeBigQuery

    with FakeBigQuery() as server:
        yield server


def bigquery_fields(schema) -> list[dict]:
    kinds = {"date": "DATE", "string": "STRING", "int": "INTEGER", "float": "FLOAT"}
    fields = []
    for name, dtype in schema.items():
        kind = next(v for k, v in kinds.items() if str(dtype).startswith(k))
        fields.append({"name": name, "type": kind, "mode": "NULLABLE"})
    return fields


def bigquery_rows(df: pd.DataFrame) -> list[list]:
    out = []
    for row in df.itertuples(index=False):
        out.append([None if pd.isna(v) else (v.isoformat() if isinstance(v, date) else v)
                    for v in row])
    return out


def test_dry_run_says_the_cost_then_runs_the_query(fake_bigquery, sample_pair):
    from bigquery_server import Answer

    duck, _ = sample_pair
    said = []
    st = BigQueryStore("test-project", max_gb=50, client=fake_bigquery.client(),
                       say=said.append)
    expr = indicators_expr(st, a="RUS", b="CHN", freq="day")
    expected = duck.execute(expr)
    expected["period"] = pd.to_datetime(expected["period"]).dt.date
    scanned = 12 * GB + 345
    fake_bigquery.answer = Answer(bytes=scanned, fields=bigquery_fields(expr.schema()),
                                  rows=bigquery_rows(expected))
    df = st.to_pandas(expr)

    assert said == [f"BigQuery dry run: the query will scan 12.00 GB ({scanned:,} bytes), "
                    f"about USD 0.07 at USD 6.25 per TiB (cap 50.00 GB)"]
    assert st.last_estimate.bytes == scanned
    dry, run = fake_bigquery.calls
    query = compile_query(expr, pretty=False)
    assert dry.path == "/bigquery/v2/projects/test-project/jobs" and dry.dry_run
    assert dry.body["configuration"]["query"]["useQueryCache"] is False
    assert dry.body["configuration"]["query"]["query"] == query.sql
    sent = {p["name"]: p for p in dry.body["configuration"]["query"]["queryParameters"]}
    assert [v["structValues"]["dimension"]["value"]
            for v in sent["memtable_0"]["parameterValue"]["arrayValues"]] == DIMENSIONS
    assert run.path == "/bigquery/v2/projects/test-project/queries"
    assert run.body["query"] == query.sql
    assert run.body["maximumBytesBilled"] == str(50 * GB)  # BigQuery enforces the cap too
    assert run.body["useLegacySql"] is False
    df["period"] = pd.to_datetime(df["period"]).dt.date
    pd.testing.assert_frame_equal(df, expected, check_dtype=False, atol=1e-9)


def test_a_query_above_the_cap_is_refused_before_any_job(fake_bigquery):
    from bigquery_server import Answer

    said = []
    st = BigQueryStore("test-project", max_gb=50, client=fake_bigquery.client(),
                       say=said.append)
    fake_bigquery.answer = Answer(bytes=63 * GB)
    with pytest.raises(CostError) as info:
        st.to_pandas(indicators_expr(st))
    message = str(info.value)
    assert "\n" not in message and isinstance(info.value, PivotwatchError)
    assert message.startswith("BigQuery would scan 63.00 GB (about USD 0.38), more than the "
                              "cap of 50.00 GB")
    assert said and "63.00 GB" in said[0]
    # the dry run and nothing else: no query job was started
    assert [(c.path, c.dry_run) for c in fake_bigquery.calls] == [
        ("/bigquery/v2/projects/test-project/jobs", True)]


def test_without_credentials_the_store_says_how_to_get_them(monkeypatch, tmp_path):
    pytest.importorskip("google.cloud.bigquery",
                        reason="the bigquery extra is absent (pip install -e '.[bigquery]')")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # no metadata-server probe
    with BigQueryStore("my-project") as st, \
            pytest.raises(UsageError, match="no usable Google credentials"):
        st.to_pandas(st.table("daily_counts"))


# --- the store protocol's edges --------------------------------------------------------------

def test_only_events_and_daily_counts_exist():
    st = BigQueryStore("my-project")
    assert st.engine == "bigquery"
    assert st.has_table("events") and st.has_table("daily_counts")
    for derived in ("dyad_daily", "country_daily", "pair_daily", "total_daily", "files"):
        assert not st.has_table(derived)
    with pytest.raises(UsageError, match="no table 'files'"):
        st.ibis().table("files")


@pytest.mark.parametrize("kw,message", [
    (dict(project="my project"), "bad BigQuery project"),
    (dict(max_gb=0), "--max-gb must be a positive number"),
    (dict(max_gb=float("nan")), "--max-gb must be a positive number"),
    (dict(dataset="someone.copy"), "which GDELT version"),
    (dict(dataset="gdelt-bq.gdeltv2", table="events`; DROP"), "bad BigQuery table"),
    (dict(since=date(2024, 2, 1), until=date(2024, 1, 1)), "is after"),
])
def test_bad_arguments_are_one_line_usage_errors(kw, message):
    kw = {"project": "my-project", **kw}
    project = kw.pop("project")
    with pytest.raises(UsageError, match=message) as info:
        BigQueryStore(project, **kw)
    assert "\n" not in str(info.value)



@pytest.mark.parametrize("call", ["indicators", "partners"])
def test_the_library_functions_run_on_bigquery_through_the_guard(sample_pair, call):
    # pivotwatch.indicators / partners on a BigQuery store, against a stand-in that runs the
    # SQL it receives (with the parameters as sent over HTTP) on the GDELT-shaped DuckDB: the
    # same figures as the same call on the DuckDB store; one dry run and one query, nothing
    # uploaded, no table looked up
    pytest.importorskip("google.cloud.bigquery",
                        reason="the bigquery extra is absent (pip install -e '.[bigquery]')")
    from bigquery_server import Answer, FakeBigQuery

    import pivotwatch

    duck, st = sample_pair
    if call == "indicators":
        run = lambda store: pivotwatch.indicators("RUS-CHN", store=store, freq="day")  # noqa: E731
        keys = ["period", "dimension"]
    else:
        run = lambda store: partners("RUS", PARTNERS, store=store, freq="day")  # noqa: E731
        keys = ["period", "dimension", "partner"]
    with FakeBigQuery(duck) as server:
        server.answer = Answer(bytes=GB)
        bq = BigQueryStore("test-project", client=server.client(), say=lambda _: None)
        got = run(bq)
        assert [(c.path.rsplit("/", 1)[-1], c.dry_run) for c in server.calls] == [
            ("jobs", True), ("queries", False)]
    want = run(st)
    assert want["events"].sum() > 0
    pd.testing.assert_frame_equal(frame(got, keys), frame(want, keys), check_dtype=False,
                                  atol=1e-9)
    if call == "partners":
        pd.testing.assert_frame_equal(pd.DataFrame(got.attrs["trend"]),
                                      pd.DataFrame(want.attrs["trend"]))


def test_bigquery_enforces_the_cap_too(fake_bigquery):
    # the dry run's estimate can be exceeded (BigQuery bills at least 10 MB a table); the
    # query carries maximumBytesBilled, and BigQuery's refusal is a CostError in one line
    from bigquery_server import Answer

    st = BigQueryStore("test-project", max_gb=1, client=fake_bigquery.client(),
                       say=lambda _: None)
    fake_bigquery.answer = Answer(bytes=GB // 2, query_error={
        "code": 400, "reason": "bytesBilledLimitExceeded",
        "message": "Query exceeded limit for bytes billed: 1073741824. 1084227584 or higher "
                   "required."})
    with pytest.raises(CostError, match=r"^BigQuery stopped the query at the cap of 1\.00 GB: "
                                        r"Query exceeded limit for bytes billed") as info:
        st.to_pandas(st.table("daily_counts"))
    assert "\n" not in str(info.value)
    assert fake_bigquery.calls[-1].body["maximumBytesBilled"] == str(GB)


def test_without_the_extra_the_store_names_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", None)  # as if not installed
    st = BigQueryStore("my-project")
    with pytest.raises(UsageError, match=r"needs the bigquery extra: pip install "
                                         r"'pivotwatch\[bigquery\]'"):
        st.to_pandas(st.table("daily_counts"))


def test_a_request_without_an_answer_is_abandoned_with_an_error():
    # no network: google-auth and the client retry for minutes; the store gives up first
    import threading

    from pivotwatch.errors import StoreError
    from pivotwatch.store.bigquery import _within

    release = threading.Event()
    with pytest.raises(StoreError, match="no answer within 0 s"):
        _within(lambda: release.wait(5), 0.2)
    release.set()
    assert _within(lambda: 42, 5) == 42
    with pytest.raises(ZeroDivisionError):  # the request's own error, in the caller's thread
        _within(lambda: 1 / 0, 5)
