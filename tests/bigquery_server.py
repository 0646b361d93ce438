"""A local stand-in for BigQuery's REST API (jobs.insert and jobs.query) on 127.0.0.1.

It speaks what google-cloud-bigquery sends for a query: a dry run (jobs.insert with
`configuration.dryRun`) answered with the `totalBytesProcessed` the test sets, and a query
(jobs.query) answered in BigQuery's JSON form, either with the rows the test sets or, given a
DuckDB connection (`FakeBigQuery(duck)`), by running the SQL it received there: translated
from BigQuery's dialect by sqlglot, with the query parameters of the request bound as rows
(`run_bigquery_sql`). Every request is recorded with its decoded body, so a test can check
what was asked and that nothing else was. Point a client at it with
`client_options={"api_endpoint": server.url}` and `AnonymousCredentials()`. Use it as a
context manager.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import sqlglot
import sqlglot.expressions as sge

_JOBS = re.compile(r"^/bigquery/v2/projects/([^/]+)/jobs$")
_QUERIES = re.compile(r"^/bigquery/v2/projects/([^/]+)/queries$")


@dataclass
class Call:
    method: str
    path: str
    body: dict

    @property
    def dry_run(self) -> bool:
        return bool(self.body.get("configuration", {}).get("dryRun"))


@dataclass
class Answer:
    """What the server answers: the dry run's byte count; the query's schema (BigQuery field
    dicts) and rows (lists of plain values, None for NULL), or an error for the query."""

    bytes: int = 0
    fields: list[dict] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    query_error: dict | None = None  # an error for jobs.query: {"code", "reason", "message"}


def _cell(value) -> dict:
    return {"v": None if value is None else str(value)}


def run_bigquery_sql(duck, sql: str, tables: dict[str, tuple[list[str], list[tuple]]]):
    """Run BigQuery SQL on an Ibis DuckDB connection; `tables` gives each `@name` used as
    `UNNEST(@name)` its columns and rows. Two BigQuery forms DuckDB lacks are given their
    meaning: IEEE_DIVIDE (a plain division; pivotwatch checks every divisor first) and
    WEEK(MONDAY) (DuckDB's weeks start on Monday). Returns a pandas DataFrame."""

    def translate(node):
        if isinstance(node, sge.Unnest) and isinstance(node.expressions[0], sge.Parameter):
            columns, rows = tables[node.expressions[0].this.name]
            alias = node.args["alias"].columns[0].name
            values = sge.values(rows, alias=alias, columns=columns)
            return sge.Subquery(this=sge.select("*").from_(values),
                                alias=sge.TableAlias(this=sge.to_identifier(alias)))
        if isinstance(node, sge.DateTrunc) and isinstance(node.args.get("unit"), sge.WeekStart):
            assert node.args["unit"].this.name == "MONDAY", node.sql("bigquery")
            return sge.Anonymous(this="date_trunc",
                                 expressions=[sge.Literal.string("week"), node.this])
        return node

    tree = sqlglot.parse_one(sql, read="bigquery").transform(translate)
    duck.raw_sql("CREATE MACRO IF NOT EXISTS ieee_divide(a, b) AS a / b")
    return duck.raw_sql(tree.sql("duckdb")).df()


def request_tables(parameters: list[dict]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The ARRAY<STRUCT> query parameters of a request, as columns and rows."""
    tables = {}
    for p in parameters:
        columns = [f["name"] for f in p["parameterType"]["arrayType"]["structTypes"]]
        rows = [tuple(v["structValues"][c].get("value") for c in columns)
                for v in p["parameterValue"].get("arrayValues", [])]
        tables[p["name"]] = (columns, rows)
    return tables


# pivotwatch's results hold dates (periods), whole numbers, numbers and text
_BQ_KIND = (("datetime64", "DATE"), ("date", "DATE"), ("int", "INTEGER"), ("float", "FLOAT"),
            ("double", "FLOAT"), ("object", "STRING"), ("str", "STRING"))


def result_answer(df) -> tuple[list[dict], list[list]]:
    """A DataFrame as BigQuery's schema fields and rows (JSON values)."""
    import pandas as pd

    kinds = {}
    for name, dtype in df.dtypes.items():
        kind = next(v for k, v in _BQ_KIND if str(dtype).lower().startswith(k))
        if kind == "STRING" and df[name].map(lambda v: hasattr(v, "isoformat")).any():
            kind = "DATE"
        kinds[name] = kind

    def cell(value, kind):
        if pd.isna(value):
            return None
        return pd.Timestamp(value).date().isoformat() if kind == "DATE" else value

    rows = [[cell(v, kinds[c]) for c, v in zip(df.columns, row, strict=True)]
            for row in df.itertuples(index=False)]
    return [{"name": n, "type": k, "mode": "NULLABLE"} for n, k in kinds.items()], rows


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def _json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - the name http.server calls
        owner = self.server.owner
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        with owner.lock:
            owner.calls.append(Call("POST", path, body))
            answer = owner.answer
            owner.jobs += 1
            job_id = f"job_{owner.jobs}"
        if m := _JOBS.match(path):
            config = body.get("configuration", {})
            if not config.get("dryRun"):
                return self._json(501, {"error": {"code": 501, "message": "only dry runs "
                                                  "go through jobs.insert here"}})
            stats = {"totalBytesProcessed": str(answer.bytes), "statementType": "SELECT"}
            return self._json(200, {
                "kind": "bigquery#job", "id": f"{m.group(1)}:US.{job_id}",
                "jobReference": {"projectId": m.group(1), "jobId": job_id, "location": "US"},
                "configuration": config, "status": {"state": "DONE"},
                "statistics": {"creationTime": "1700000000000",
                               "totalBytesProcessed": str(answer.bytes), "query": stats}})
        if (m := _QUERIES.match(path)) and answer.query_error:
            err = answer.query_error
            return self._json(err["code"], {"error": {
                "code": err["code"], "message": err["message"],
                "errors": [{"reason": err["reason"], "message": err["message"]}]}})
        if m:
            fields, rows = answer.fields, answer.rows
            if owner.duck is not None:
                with owner.lock:  # one DuckDB connection, one query at a time
                    df = run_bigquery_sql(owner.duck, body["query"],
                                          request_tables(body.get("queryParameters", [])))
                fields, rows = result_answer(df)
            return self._json(200, {
                "kind": "bigquery#queryResponse",
                "jobReference": {"projectId": m.group(1), "jobId": job_id, "location": "US"},
                "schema": {"fields": fields}, "jobComplete": True,
                "totalRows": str(len(rows)), "totalBytesProcessed": str(answer.bytes),
                "rows": [{"f": [_cell(v) for v in row]} for row in rows]})
        return self._json(404, {"error": {"code": 404, "message": f"no route {path}"}})

    def do_GET(self):  # noqa: N802
        owner = self.server.owner
        with owner.lock:
            owner.calls.append(Call("GET", urlsplit(self.path).path, {}))
        self._json(404, {"error": {"code": 404, "message": "not served here"}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeBigQuery


class FakeBigQuery:
    def __init__(self, duck=None) -> None:
        self.duck = duck
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.answer = Answer()
        self.jobs = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, project: str = "test-project"):
        """A google-cloud-bigquery client that talks to this server, anonymously."""
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(project=project, credentials=AnonymousCredentials(),
                               client_options=ClientOptions(api_endpoint=self.url))

    def __enter__(self) -> FakeBigQuery:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
