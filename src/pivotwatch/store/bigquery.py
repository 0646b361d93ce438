"""The BigQuery engine: GDELT's public event tables as a pivotwatch store, behind a cost guard.

A user who wants every dyad over the whole GDELT history cannot load it onto one machine, but
GDELT publishes its events in BigQuery (`gdelt-bq.gdeltv2.events` for 2.0, `gdelt-bq.full.events`
for 1.0). `BigQueryStore` presents those tables with the store's shape, so the analysis's Ibis
expressions (`analysis/indicators.py`, `analysis/partners.py`) run there unchanged:

* `ibis().table("events")` maps GDELT's columns to the store's `events` table (the same names
  and types; see `sources/gdelt/layout.py::STORE_COLUMNS`), and `table("daily_counts")` is the
  denominator computed server-side: events per day and actor-country pair over *all* rows, as
  the store counts every row of every file before the country filter.
* `to_pandas(expr)` compiles the expression with Ibis's BigQuery compiler, asks BigQuery for a
  dry run (free), says how many bytes the query would scan and what that costs at the
  on-demand rate, and refuses (`CostError`) above `max_gb`; only then does it run the query,
  with `maximum_bytes_billed` set to the cap so that BigQuery itself enforces it too.

BigQuery bills every byte of every column a query reads, whatever its WHERE clause, unless the
table is partitioned. GDELT's `*_partitioned` tables are split by the day a row was added;
`since`/`until` restrict the store to the rows GDELT added in those days (what `pivotwatch
ingest gdelt --from --to` would load), and on a partitioned table they also bound
`_PARTITIONTIME`, so that the dry run, and the bill, cover only that period.

Small in-memory tables of the analysis (the CAMEO-to-dimension map, the list of dimensions)
are sent as query parameters (`UNNEST(@memtable_0)`), never written into the SQL text and never
uploaded as tables into the user's project. google-cloud-bigquery is imported only to talk to
BigQuery: compiling needs only Ibis, so the SQL can be reviewed (and tested) offline.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from pivotwatch.errors import CostError, StoreError, UsageError
from pivotwatch.store.store import one_line

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from google.cloud import bigquery

ENGINE = "bigquery"
DEFAULT_DATASET = "gdelt-bq.gdeltv2"
# Seconds for one request to BigQuery, and for all its retries: without them a machine that
# cannot reach Google waits ten minutes in the client's retries before saying anything.
REQUEST_TIMEOUT = 30.0
RETRY_DEADLINE = 60.0
# ... and for the whole call, credentials included (google-auth retries a token refresh on
# its own terms): past it the call is abandoned with an error
CALL_DEADLINE = 90.0
DEFAULT_TABLE = "events"
# BigQuery's public on-demand price per TiB scanned (USD; cloud.google.com/bigquery/pricing).
USD_PER_TIB = 6.25
TIB = 1 << 40
GB = 1 << 30  # --max-gb counts as the BigQuery console does: 2**30 bytes
PARTITION_COLUMN = "_PARTITIONTIME"

# Datasets whose GDELT version is known; another dataset (a user's copy) says it with `version`.
VERSIONS = {"gdelt-bq.gdeltv2": 2, "gdelt-bq.full": 1}

# GDELT's public event tables, the columns the store keeps, with their BigQuery types
# (INTEGER -> int64, FLOAT -> float64, STRING -> string), in the store's order.
GDELT_TYPES = {
    "GLOBALEVENTID": "int64", "SQLDATE": "int64",
    "Actor1Code": "string", "Actor1Name": "string", "Actor1CountryCode": "string",
    "Actor1Type1Code": "string", "Actor1Type2Code": "string", "Actor1Type3Code": "string",
    "Actor2Code": "string", "Actor2Name": "string", "Actor2CountryCode": "string",
    "Actor2Type1Code": "string", "Actor2Type2Code": "string", "Actor2Type3Code": "string",
    "IsRootEvent": "int64", "EventCode": "string", "EventBaseCode": "string",
    "EventRootCode": "string", "QuadClass": "int64", "GoldsteinScale": "float64",
    "NumMentions": "int64", "NumSources": "int64", "NumArticles": "int64",
    "AvgTone": "float64", "ActionGeo_Type": "int64", "ActionGeo_CountryCode": "string",
    "ActionGeo_Lat": "float64", "ActionGeo_Long": "float64", "DATEADDED": "int64",
    "SOURCEURL": "string",
}

# store column <- (GDELT column, the store's type); `day` is parsed from SQLDATE (YYYYMMDD).
# Kept beside layout.STORE_COLUMNS rather than imported: the store layer sits below sources.
EVENT_COLUMNS = {
    "event_id": ("GLOBALEVENTID", "int64"),
    "day": ("SQLDATE", "date"),
    "actor1_code": ("Actor1Code", "string"),
    "actor1_name": ("Actor1Name", "string"),
    "actor1_country": ("Actor1CountryCode", "string"),
    "actor1_type1": ("Actor1Type1Code", "string"),
    "actor1_type2": ("Actor1Type2Code", "string"),
    "actor1_type3": ("Actor1Type3Code", "string"),
    "actor2_code": ("Actor2Code", "string"),
    "actor2_name": ("Actor2Name", "string"),
    "actor2_country": ("Actor2CountryCode", "string"),
    "actor2_type1": ("Actor2Type1Code", "string"),
    "actor2_type2": ("Actor2Type2Code", "string"),
    "actor2_type3": ("Actor2Type3Code", "string"),
    "is_root_event": ("IsRootEvent", "int8"),
    "event_code": ("EventCode", "string"),
    "event_base_code": ("EventBaseCode", "string"),
    "event_root_code": ("EventRootCode", "string"),
    "quad_class": ("QuadClass", "int8"),
    "goldstein": ("GoldsteinScale", "float64"),
    "num_mentions": ("NumMentions", "int32"),
    "num_sources": ("NumSources", "int32"),
    "num_articles": ("NumArticles", "int32"),
    "avg_tone": ("AvgTone", "float64"),
    "action_geo_type": ("ActionGeo_Type", "int8"),
    "action_geo_country": ("ActionGeo_CountryCode", "string"),
    "action_geo_lat": ("ActionGeo_Lat", "float64"),
    "action_geo_long": ("ActionGeo_Long", "float64"),
    "date_added": ("DATEADDED", "int64"),
    "source_url": ("SOURCEURL", "string"),
}
TABLES = ("events", "daily_counts")

# Ibis names in-memory tables ibis_<kind>_memtable_<26 characters>.
_MEMTABLE = re.compile(r"^_?ibis_[A-Za-z_][A-Za-z_0-9]*_memtable_[a-z0-9]{26}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


# --- the mapping: GDELT's public table -> the store's tables (plain Ibis, any engine) -------

def gdelt_table(dataset: str = DEFAULT_DATASET, table: str = DEFAULT_TABLE) -> ir.Table:
    """GDELT's public event table as an unbound Ibis table (only the columns the store keeps,
    plus `_PARTITIONTIME` on a partitioned table): compiling needs no connection."""
    project, _, name = dataset.partition(".")
    if not (_NAME.match(project) and _NAME.match(name) and _NAME.match(table)):
        raise UsageError(f"bad BigQuery table {dataset}.{table}: give PROJECT.DATASET and a "
                         "table name (letters, digits, '_' and '-')")
    schema = dict(GDELT_TYPES)
    if is_partitioned(table):
        schema[PARTITION_COLUMN] = "timestamp('UTC')"
    return ibis.table(schema, name=table, database=name, catalog=project)


def is_partitioned(table: str) -> bool:
    """GDELT names its day-partitioned copies `<table>_partitioned`."""
    return table.endswith("_partitioned")


def _stamp(day: date, version: int) -> int:
    """The DATEADDED value at the start of `day`: YYYYMMDD (1.0) or YYYYMMDDHHMMSS (2.0)."""
    stamp = day.year * 10_000 + day.month * 100 + day.day
    return stamp * 1_000_000 if version == 2 else stamp


def added_between(raw: ir.Table, version: int, since: date | None,
                  until: date | None) -> ir.Table:
    """The rows GDELT added (DATEADDED) from `since` to `until`, both days included. On a
    partitioned table `_PARTITIONTIME` (the day BigQuery received the row, on or after the day
    GDELT added it) is bounded too, a day wider on each side, so that BigQuery reads only those
    partitions; DATEADDED alone decides which rows count."""
    if since is not None:
        raw = raw.filter(raw["DATEADDED"] >= _stamp(since, version))
    if until is not None:
        raw = raw.filter(raw["DATEADDED"] < _stamp(until + timedelta(days=1), version))
    if PARTITION_COLUMN in raw.columns:
        part = raw[PARTITION_COLUMN]
        if since is not None:
            raw = raw.filter(part >= _midnight(since - timedelta(days=1)))
        if until is not None:
            raw = raw.filter(part < _midnight(until + timedelta(days=2)))
    return raw


def _midnight(day: date) -> ir.TimestampScalar:
    return ibis.literal(datetime.combine(day, time(0), tzinfo=UTC))


def sqldate_day(sqldate: ir.IntegerValue) -> ir.DateValue:
    """GDELT's SQLDATE (an integer YYYYMMDD) as a date."""
    return sqldate.cast("string").as_date("%Y%m%d")


def gdelt_events(raw: ir.Table, *, version: int, source: str) -> ir.Table:
    """GDELT's event table with the store's `events` columns, names and types; `file_id`
    names the table the rows come from."""
    columns = {}
    for column, (gdelt, dtype) in EVENT_COLUMNS.items():
        value = raw[gdelt]
        columns[column] = sqldate_day(value) if column == "day" else value.cast(dtype)
    columns["gdelt_version"] = ibis.literal(version, "int8")
    columns["file_id"] = ibis.literal(source)
    return raw.select(**columns)


def gdelt_daily_counts(raw: ir.Table, *, source: str) -> ir.Table:
    """The denominator, as the store's `daily_counts`: events per day and actor-country pair
    over every row of the table, before any country filter."""
    counted = raw.select(day=sqldate_day(raw.SQLDATE), actor1_country=raw.Actor1CountryCode,
                         actor2_country=raw.Actor2CountryCode)
    counts = counted.group_by(["day", "actor1_country", "actor2_country"]).aggregate(
        events=counted.count())
    return counts.select(file_id=ibis.literal(source), day=counts.day,
                         actor1_country=counts.actor1_country,
                         actor2_country=counts.actor2_country, events=counts.events)


# --- compiling: BigQuery SQL with the in-memory tables as query parameters ----------------

@dataclass(frozen=True)
class Parameter:
    """An in-memory table sent as a query parameter: ARRAY<STRUCT<...>> of its rows."""

    name: str
    types: dict[str, str]  # column -> BigQuery type
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Query:
    sql: str
    parameters: list[Parameter] = field(default_factory=list)


_BQ_TYPES = (("is_string", "STRING"), ("is_integer", "INT64"), ("is_floating", "FLOAT64"),
             ("is_boolean", "BOOL"), ("is_date", "DATE"), ("is_timestamp", "TIMESTAMP"))


def _bq_type(dtype) -> str:
    for test, name in _BQ_TYPES:
        if getattr(dtype, test)():
            return name
    raise UsageError(f"an in-memory table column of type {dtype} cannot be a BigQuery "
                     "query parameter")


def compile_query(expr: ir.Expr, *, pretty: bool = True) -> Query:
    """`expr` as BigQuery SQL (Ibis's BigQuery compiler) and its parameters: each in-memory
    table becomes `UNNEST(@memtable_N)`, numbered in the order the SQL names them."""
    import sqlglot.expressions as sge
    from ibis.backends.sql.compilers.bigquery import compiler

    memtables = {op.name: op for op in expr.op().find(ops.InMemoryTable)}
    tree = compiler.to_sqlglot(expr)
    names: dict[str, str] = {}

    def swap(node):
        if not (isinstance(node, sge.Table) and _MEMTABLE.match(node.name)
                and node.name in memtables):
            return node
        pname = names.setdefault(node.name, f"memtable_{len(names)}")
        alias = node.args.get("alias")
        columns = [alias.this] if alias is not None and alias.this is not None else []
        return sge.Unnest(expressions=[sge.Parameter(this=sge.Var(this=pname))],
                          alias=sge.TableAlias(columns=columns) if columns else None)

    tree = tree.transform(swap)
    parameters = []
    for mem, pname in names.items():
        op = memtables[mem]
        frame = op.data.to_frame()
        types = {col: _bq_type(dtype) for col, dtype in op.schema.items()}
        rows = [{col: _plain(value) for col, value in row.items()}
                for row in frame.to_dict(orient="records")]
        parameters.append(Parameter(pname, types, rows))
    return Query(tree.sql("bigquery", pretty=pretty), parameters)


def _plain(value):
    """A pandas cell as a plain Python value (None for a missing one)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def google_bigquery():
    """google.cloud.bigquery, or a UsageError naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module("google.cloud.bigquery")
    except ImportError:
        raise UsageError("the BigQuery engine needs the bigquery extra: pip install "
                         "'pivotwatch[bigquery]'") from None


def query_parameters(parameters: list[Parameter]) -> list:
    """The google-cloud-bigquery parameter objects for `parameters`."""
    bigquery = google_bigquery()
    out = []
    for p in parameters:
        fields = [bigquery.ScalarQueryParameterType(t, name=c) for c, t in p.types.items()]
        values = [bigquery.StructQueryParameter(
            None, *(bigquery.ScalarQueryParameter(c, t, row[c]) for c, t in p.types.items()))
            for row in p.rows]
        out.append(bigquery.ArrayQueryParameter(
            p.name, bigquery.StructQueryParameterType(*fields), values))
    return out


# --- the cost guard --------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """What BigQuery's dry run says a query will scan, and its price at the on-demand rate."""

    bytes: int
    usd_per_tib: float

    @property
    def usd(self) -> float:
        return self.bytes / TIB * self.usd_per_tib

    def describe(self, cap_bytes: int) -> str:
        return (f"BigQuery dry run: the query will scan {gb(self.bytes)} ({self.bytes:,} bytes), "
                f"about USD {self.usd:.2f} at USD {self.usd_per_tib:g} per TiB "
                f"(cap {gb(cap_bytes)})")


def gb(n: int) -> str:
    return f"{n / GB:,.2f} GB"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _within(request, seconds: float):
    """`request()`, or StoreError if it has not returned after `seconds` (it is left to
    finish in a daemon thread, which does not keep the process alive)."""
    import queue
    import threading

    done: queue.Queue = queue.Queue(maxsize=1)

    def work():
        try:
            done.put((True, request()))
        except BaseException as exc:  # handed to the caller's thread
            done.put((False, exc))

    threading.Thread(target=work, daemon=True, name="bigquery-request").start()
    try:
        ok, value = done.get(timeout=seconds)
    except queue.Empty:
        raise StoreError(f"BigQuery: no answer within {seconds:.0f} s; check the network "
                         "and your credentials (docs/bigquery.md)") from None
    if ok:
        return value
    raise value


def _retry():
    """The client's own retry policy (transient errors), within RETRY_DEADLINE seconds."""
    from google.cloud.bigquery.retry import DEFAULT_RETRY

    return DEFAULT_RETRY.with_deadline(RETRY_DEADLINE)


class BigQueryStore:
    """GDELT's public event tables in BigQuery as a pivotwatch store (the store protocol:
    `engine`, `ibis()`, `has_table()`, `to_pandas()`, `close()`, context manager).

        with BigQueryStore("my-project", max_gb=20) as st:
            t = st.ibis()
            expr = dyad_indicators(t.table("events"), t.table("daily_counts"), ...)
            df = st.to_pandas(expr)   # dry run, cost printed, refused above 20 GB

    `project` is the billing project (the user's own); `dataset` and `table` name GDELT's
    table (`gdelt-bq.full` for GDELT 1.0, `events_partitioned` for the day-partitioned copy);
    `since`/`until` keep the rows GDELT added in those days; `say` receives the cost line
    (stderr by default); `client` is a google.cloud.bigquery.Client (one is made from the
    application-default credentials when none is given).
    """

    engine = ENGINE

    def __init__(self, project: str, *, max_gb: float = 50.0, dataset: str = DEFAULT_DATASET,
                 client: bigquery.Client | None = None, table: str = DEFAULT_TABLE,
                 version: int | None = None, since: date | None = None,
                 until: date | None = None, usd_per_tib: float = USD_PER_TIB,
                 say: Callable[[str], None] | None = None):
        if not isinstance(project, str) or not _NAME.match(project):
            raise UsageError(f"bad BigQuery project {project!r}: give your project id "
                             "(--project)")
        if not (isinstance(max_gb, int | float) and 0 < max_gb < math.inf):
            raise UsageError(f"--max-gb must be a positive number, not {max_gb!r}")
        if not 0 <= usd_per_tib < math.inf:
            raise UsageError(f"the price per TiB must be 0 or more, not {usd_per_tib!r}")
        if since and until and since > until:
            raise UsageError(f"since {since} is after until {until}")
        version = version if version is not None else VERSIONS.get(dataset)
        if version not in (1, 2):
            raise UsageError(f"which GDELT version does {dataset} hold? give version=1 or 2")
        self.project = project
        self.max_bytes = int(max_gb * GB)
        self.usd_per_tib = float(usd_per_tib)
        self.version = version
        self.source = f"{dataset}.{table}"
        self._raw = added_between(gdelt_table(dataset, table), version, since, until)
        self._client = client
        self._own_client = client is None
        self._say = say or _stderr
        self.last_estimate: Estimate | None = None

    # -- the store protocol -----------------------------------------------------------------
    def ibis(self) -> BigQueryStore:
        """The store's tables for the analysis: `.table("events")`, `.table("daily_counts")`
        (unbound Ibis tables: run what is built on them with `to_pandas`)."""
        return self

    def table(self, name: str) -> ir.Table:
        if name == "events":
            return gdelt_events(self._raw, version=self.version, source=self.source)
        if name == "daily_counts":
            return gdelt_daily_counts(self._raw, source=self.source)
        raise UsageError(f"the BigQuery engine has no table {name!r}: it offers "
                         f"{', '.join(TABLES)} over {self.source}")

    def has_table(self, name: str) -> bool:
        """Only events and daily_counts: derived aggregates are not kept in GDELT's dataset,
        so the analysis takes its events path."""
        return name in TABLES

    def to_pandas(self, expr: ir.Expr) -> pd.DataFrame:
        """Dry-run the query, say what it will scan and cost, refuse above the cap, run it."""
        query = compile_query(expr, pretty=False)
        estimate = self.estimate(query)
        self._say(estimate.describe(self.max_bytes))
        if estimate.bytes > self.max_bytes:
            raise CostError(
                f"BigQuery would scan {gb(estimate.bytes)} (about USD {estimate.usd:.2f}), more "
                f"than the cap of {gb(self.max_bytes)}: read only the days you need "
                f"(PIVOTWATCH_BQ_TABLE=events_partitioned with PIVOTWATCH_BQ_SINCE, or "
                f"table='events_partitioned' and since= in Python; docs/bigquery.md) or raise "
                f"--max-gb")
        return self._run(query, expr.as_table().schema())

    def estimate(self, query: Query) -> Estimate:
        """BigQuery's dry run of `query`: the bytes it would scan (nothing is billed)."""
        bigquery = google_bigquery()
        config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False,
                                         query_parameters=query_parameters(query.parameters))
        job = self._call(lambda: self.client.query(
            query.sql, job_config=config, timeout=REQUEST_TIMEOUT, retry=_retry()))
        self.last_estimate = Estimate(int(job.total_bytes_processed or 0), self.usd_per_tib)
        return self.last_estimate

    def _run(self, query: Query, schema) -> pd.DataFrame:
        from ibis.formats.pandas import PandasData

        bigquery = google_bigquery()
        config = bigquery.QueryJobConfig(query_parameters=query_parameters(query.parameters),
                                         maximum_bytes_billed=self.max_bytes)
        rows = self._call(lambda: self.client.query_and_wait(
            query.sql, job_config=config, api_timeout=REQUEST_TIMEOUT, retry=_retry()))
        df = rows.to_arrow(create_bqstorage_client=False).to_pandas()
        df.columns = list(schema.names)
        return PandasData.convert_table(df, schema)

    def _call(self, request):
        """Run a BigQuery request; its failure becomes one line naming the engine (the cap,
        when BigQuery itself enforced `maximum_bytes_billed`)."""
        import google.auth.exceptions
        from google.api_core import exceptions

        try:
            return _within(request, CALL_DEADLINE)
        except (google.auth.exceptions.GoogleAuthError, exceptions.RetryError) as exc:
            # no network, or credentials Google refuses: say so, in one line
            text = one_line(exc.__cause__ or exc) if isinstance(exc, exceptions.RetryError) \
                else one_line(exc)
            raise StoreError(f"BigQuery: cannot reach Google or authenticate ({text}); check "
                             "the network and your credentials (docs/bigquery.md)") from None
        except exceptions.GoogleAPICallError as exc:
            errors = [e for e in (getattr(exc, "errors", None) or []) if isinstance(e, dict)]
            # BigQuery's own words, without the request line the client puts before them
            text = next((e["message"] for e in errors if e.get("message")),
                        str(getattr(exc, "message", "") or exc))
            text = text.strip().split("\n")[0]
            reasons = {e.get("reason") for e in errors}
            if "bytesBilledLimitExceeded" in reasons:
                raise CostError(f"BigQuery stopped the query at the cap of "
                                f"{gb(self.max_bytes)}: {text}") from exc
            raise StoreError(f"BigQuery: {text}") from exc

    @property
    def client(self) -> bigquery.Client:
        if self._client is None:
            bigquery = google_bigquery()
            import google.auth.exceptions

            try:
                self._client = bigquery.Client(project=self.project)
            except google.auth.exceptions.DefaultCredentialsError as exc:
                # Google's reason first: a key file not found or unreadable is not "no
                # credentials"
                raise UsageError(f"no usable Google credentials ({one_line(exc)}): run "
                                 "`gcloud auth application-default login` (or set "
                                 "GOOGLE_APPLICATION_CREDENTIALS to a key file); see "
                                 "docs/bigquery.md") from None
        return self._client

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> BigQueryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
