"""The Spark engine: the analysis, unchanged, on a Parquet export of the store read by Spark
through Ibis's PySpark backend.

`SparkStore(path)` reads what `pivotwatch export parquet` wrote (`store/export.py`), from a
local directory or any Hadoop-compatible URI (`file:///...`, `hdfs://...`, `s3a://...`: the
cluster's Hadoop configuration and jars give the access). It checks the manifest first (an
export of another schema version would give other columns), then offers each table under its
own name with exactly the store's columns and types (from the manifest, so Spark reads no
file to learn them): the Hive partition columns (year, month) that the files' paths add are
dropped. A table is opened the first time the analysis asks for it, so a command lists only
the files of the tables it reads.

One SparkSession is made per process and reused (starting the JVM takes seconds); each store
works in its own `newSession()` of it, so two exports open at once do not see each other's
tables. Memory is kept modest (1 GiB for the driver), on one machine a shuffle partition per
core, the UI off, and the logs at ERROR (`data/spark/log4j2.properties`).
"""

from __future__ import annotations

import json
import os
import re
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pivotwatch.errors import StoreError, UsageError
from pivotwatch.store.export import FORMAT, FORMAT_VERSION, MANIFEST

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

DRIVER_MEMORY = "1g"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_lock = threading.Lock()
_session: SparkSession | None = None


def spark_session(master: str = "local[2]") -> SparkSession:
    """The process's SparkSession, started on first use with `master` (later calls get the
    same session, whatever master they name: Spark allows one context per process)."""
    global _session
    with _lock:
        if _session is not None and not _session.sparkContext._jsc.sc().isStopped():
            return _session
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise UsageError("the Spark engine needs pyspark (and Java 17 or newer): pip "
                             "install 'pivotwatch[spark]'") from exc
        log4j = resources.files("pivotwatch") / "data" / "spark" / "log4j2.properties"
        quiet = f"-Dlog4j2.configurationFile={log4j}"
        builder = (
            SparkSession.builder.master(master).appName("pivotwatch")
            .config("spark.driver.memory", DRIVER_MEMORY)
            .config("spark.driver.extraJavaOptions", quiet)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            # the dates of GDELT's early years are read as written, never rebased
            .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
            .config("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED"))
        if master.startswith("local"):
            # one machine: a shuffle partition per core, and no adaptive re-planning of each
            # stage (on the analysis' many small stages it costs more than it saves: the
            # partner ranking of the sample took twice as long with it); a cluster keeps
            # Spark's defaults
            cores = _local_cores(master)
            builder = (builder.config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1")
                       .config("spark.sql.shuffle.partitions", str(cores))
                       .config("spark.default.parallelism", str(cores))
                       .config("spark.sql.adaptive.enabled", "false"))
        try:
            _session = builder.getOrCreate()
        except Exception as exc:  # no Java, a bad master URL
            raise StoreError(f"cannot start Spark on {master}: {_first_line(exc)}") from exc
        _session.sparkContext.setLogLevel("ERROR")
        return _session


def _local_cores(master: str) -> int:
    """The cores of `local` (one), `local[N]`, `local[N,F]` or `local[*]` (this machine's);
    one for any other spelling of a local master."""
    match = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master.strip())
    if match is None or match[1] is None:
        return 1
    if match[1] == "*":
        return os.cpu_count() or 1
    return max(1, int(match[1]))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split("\n")[0] if text else type(exc).__name__


def _uri(path: str | Path) -> str:
    """A local path as an absolute path; a URI as given (no trailing slash)."""
    text = str(path)
    if _SCHEME.match(text):
        return text.rstrip("/")
    return str(Path(text).expanduser().resolve())


def _local(uri: str) -> Path | None:
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    return None if _SCHEME.match(uri) else Path(uri)


# DuckDB's column types (the manifest's) as Spark's, so Spark reads no file to learn a
# table's schema; a table with a type not listed here has its schema read from its files.
_SIMPLE = {"BIGINT": "LongType", "INTEGER": "IntegerType", "SMALLINT": "ShortType",
           "TINYINT": "ByteType", "DOUBLE": "DoubleType", "FLOAT": "FloatType",
           "VARCHAR": "StringType", "BOOLEAN": "BooleanType", "DATE": "DateType",
           "BLOB": "BinaryType", "TIMESTAMP": "TimestampNTZType",
           "TIMESTAMP WITH TIME ZONE": "TimestampType"}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


def spark_type(duckdb_type: str):
    """The Spark type of a DuckDB column type, or None when there is no sure match."""
    from pyspark.sql import types

    if duckdb_type.endswith("[]"):
        inner = spark_type(duckdb_type[:-2])
        return None if inner is None else types.ArrayType(inner)
    if match := _DECIMAL.fullmatch(duckdb_type.replace(" ", "")):
        return types.DecimalType(int(match[1]), int(match[2]))
    name = _SIMPLE.get(duckdb_type)
    return getattr(types, name)() if name else None


def _schema(columns: list[dict]):
    from pyspark.sql import types

    fields = [(c["name"], spark_type(c["type"])) for c in columns]
    if any(kind is None for _, kind in fields):
        return None
    return types.StructType([types.StructField(name, kind) for name, kind in fields])


def _lazy_backend(register):
    """An Ibis PySpark backend class whose `table(name)` first registers the export's table of
    that name (`register`): a command opens only the files of the tables it reads."""
    import ibis
    from ibis.backends.pyspark import Backend

    _ = ibis.pyspark  # loading it this way registers its options (ibis.options.pyspark)

    class ExportBackend(Backend):
        def table(self, name: str, /, *, database=None):
            if database is None:
                register(name)
            return super().table(name, database=database)

    return ExportBackend


class SparkStore:
    """A Parquet export read by Spark, offering what the analysis functions use of a store.

        with SparkStore("/data/pivotwatch-export") as store:
            df = pivotwatch.indicators("RUS-CHN", store=store)
    """

    engine = "spark"

    def __init__(self, path: str | Path, *, master: str = "local[2]"):
        self.path = str(path)
        self.uri = _uri(path)
        local = _local(self.uri)
        if local is not None and not local.is_dir():
            raise StoreError(f"no Parquet export at {self.path}: make one with `pivotwatch "
                             f"export parquet DIR`")
        # a local manifest is checked before Spark starts: a wrong path fails in a moment
        text = self._local_manifest(local) if local is not None else None
        checked = self._check(text) if text is not None else None
        self.spark = spark_session(master).newSession()
        self.manifest = checked if checked is not None else self._check(self._remote_manifest())
        self.tables: dict[str, dict] = self.manifest["tables"]
        self._registered: set[str] = set()
        self._ibis = None
        # what the analysis remembers of the store's contents between calls (as on the
        # DuckDB store: the derived tables' fingerprint, the files' watch lists); an export
        # never changes, so nothing here goes stale
        self.memo: dict = {}

    def _local_manifest(self, local: Path) -> str:
        try:
            return (local / MANIFEST).read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{self.path} holds no readable {MANIFEST}: is it a pivotwatch "
                             f"export?") from exc

    def _remote_manifest(self) -> str:
        where = f"{self.uri}/{MANIFEST}"
        try:
            rows = self.spark.read.text(where, wholetext=True).collect()
        except Exception as exc:  # Spark's own: no such path, no access, no file system
            raise StoreError(f"cannot read {where}: {_first_line(exc)}") from exc
        return rows[0][0] if rows else ""

    def _check(self, text: str) -> dict:
        """The manifest, if it is one this pivotwatch reads: the export format it writes, of
        a store of the schema version its analysis expects."""
        from pivotwatch.store.schema import LATEST

        try:
            manifest = json.loads(text)
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise StoreError(f"{self.path}/{MANIFEST} is not a pivotwatch export's manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise StoreError(f"{self.path} is an export of format version "
                             f"{manifest.get('format_version')!r}; this pivotwatch reads "
                             f"{FORMAT_VERSION}")
        version = manifest.get("schema_version")
        if version != LATEST:
            newer = isinstance(version, int) and version > LATEST
            advice = ("upgrade pivotwatch" if newer else "open the store with this pivotwatch "
                      "(which migrates it) and export it again")
            raise StoreError(f"{self.path} is an export of a store of schema version "
                             f"{version!r}; this pivotwatch reads version {LATEST}: {advice}")
        return manifest

    def _register(self, name: str) -> None:
        """Make the export's table `name` a temporary view of this store's session, once:
        its partitions read as Hive partitions, which are then dropped, so that its columns
        are the store's. A name the export lacks is left to Ibis, which says it is unknown."""
        entry = self.tables.get(name)
        if entry is None or name in self._registered:
            return
        schema = _schema(entry["columns"])
        reader = self.spark.read if schema is None else self.spark.read.schema(schema)
        if entry["partition_by"]:
            where = f"{self.uri}/{name}"
            frame = reader.option("basePath", where).parquet(where)
            frame = frame.drop(*entry["partition_by"])
        else:
            frame = reader.parquet(f"{self.uri}/{name}.parquet")
        columns = [c["name"] for c in entry["columns"]]
        if frame.columns != columns:
            raise StoreError(f"table {name} of {self.path} has columns {frame.columns}, its "
                             f"manifest says {columns}")
        frame.createOrReplaceTempView(name)
        self._registered.add(name)

    # -- the store protocol ---------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        return name in self.tables

    def ibis(self):
        """An Ibis backend (PySpark) whose `.table(name)` is the export's table."""
        if self._ibis is None:
            self._ibis = _lazy_backend(self._register)().connect(self.spark)
        return self._ibis

    def to_pandas(self, expr):
        return expr.to_pandas()

    def close(self) -> None:
        """Forget this store's tables; the process's Spark session stays for the next."""
        for name in self._registered:
            self.spark.catalog.dropTempView(name)
        self._registered.clear()

    def __enter__(self) -> SparkStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
