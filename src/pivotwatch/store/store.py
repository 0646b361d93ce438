"""The embedded store: one DuckDB file, its schema, and per-file transactions."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pivotwatch.errors import StoreError, UsageError
from pivotwatch.settings import get_settings
from pivotwatch.store.schema import DERIVED_SINCE, LATEST, MIGRATIONS

if TYPE_CHECKING:
    import duckdb


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier (DuckDB's rules: double quotes, inner ones doubled).
    For names the code chose; text read from a file is never made into an identifier."""
    if "\x00" in name:
        raise ValueError("an identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'


# DuckDB's message when another process holds the file: 'Could not set lock on file "...":
# Conflicting lock is held in /usr/bin/python3 (PID 1234)...'
_LOCKED = re.compile(r"Could not set lock on file.*?\(PID (\d+)\)", re.DOTALL)


def one_line(exc: BaseException) -> str:
    # split at newlines only: a CR or form feed in a file name is part of the name
    return str(exc).strip().split("\n")[0].strip() if str(exc).strip() else type(exc).__name__


class Store:
    """A pivotwatch store. Use `open_store()` to get one."""

    def __init__(self, path: Path | str, *, read_only: bool = False, create: bool = False,
                 memory_limit: str = "1GB", wait: float = 0.0, command: str | None = None):
        self.path = Path(path)
        self.prepared_shapes: dict = {}  # compiled query shapes (store/prepared.py)
        self._tables: frozenset[str] | None = None  # has_table's cache
        # small facts read from the store (the watched countries of the loaded files, how the
        # derived tables were built), kept until the next transaction through this store
        self.memo: dict = {}
        if create and read_only:
            raise UsageError("a store opened read-only cannot be created: drop read_only")
        if str(path) != ":memory:" and not self.path.exists():
            if not create:
                # a mistyped path must not become a new, empty store that answers "no data"
                new = "" if read_only else ", or open_store(path, create=True) for a new one"
                raise StoreError(f"no store at {self.path}: load data first (pivotwatch "
                                 f"ingest ...){new}")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create store {self.path}: {exc.strerror or exc}") \
                    from exc
        self.con = self._connect(str(path), read_only, wait, command)
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        # Inserts do not need to keep the file's row order; dropping it lets DuckDB
        # load in parallel with bounded memory.
        self.con.execute("SET preserve_insertion_order = false")
        self._ibis = None
        self._migrate(read_only)

    def _connect(self, path: str, read_only: bool, wait: float,
                 command: str | None) -> duckdb.DuckDBPyConnection:
        """Connect; while another process holds the file's lock, retry for `wait` seconds.
        DuckDB is imported here, not with the module: code that only names the Store (the
        claims checks, the loaders' types) starts without it."""
        import duckdb

        deadline = time.monotonic() + wait
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except duckdb.Error as exc:
                holder = _LOCKED.search(str(exc))
                if holder is None:
                    raise StoreError(f"cannot open store {self.path}: {one_line(exc)}") \
                        from exc
                if time.monotonic() >= deadline:
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise StoreError(
                        f"another process (PID {holder.group(1)}), such as a pivotwatch ingest, "
                        f"holds the store {self.path}{waited}; run "
                        f"{f'`{command}`' if command else 'the command'} again when it has "
                        f"finished") from None
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def count(self, table: str) -> int:
        """Rows in one of the store's tables, 0 when it is absent (a store made before the
        table existed); ``table`` is a name from the code, quoted."""
        if not self.has_table(table):
            return 0
        return int(self.con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0])

    # -- schema -----------------------------------------------------------------
    def schema_version(self) -> int:
        has_meta = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchall()[0][0]
        if not has_meta:
            return 0
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(rows[0][0]) if rows else 0

    def _migrate(self, read_only: bool) -> None:
        version = self.schema_version()
        if version > LATEST:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this "
                f"pivotwatch knows ({LATEST}); upgrade pivotwatch"
            )
        if version == LATEST:
            return
        if read_only:
            raise StoreError(f"store {self.path} needs migrating; open it writable once")
        for number, _title, statements in MIGRATIONS:
            if number <= version:
                continue
            with self.transaction():
                if number == 1:
                    self.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
                for sql in statements:
                    self.con.execute(sql)
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(number)]
                )
        if version < DERIVED_SINCE:
            from pivotwatch.store import derived

            if version:  # a store built before the derived tables: fill them from its rows
                derived.rebuild(self)
            else:  # a new store: empty tables, built the way this pivotwatch builds them
                with self.transaction() as con:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('derived', ?)",
                                [derived.fingerprint()])

    # -- transactions -----------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Everything inside commits together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        self._tables = None  # a transaction may create or drop tables
        self.memo.clear()  # ... and change what is remembered of the store's contents
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- files ------------------------------------------------------------------
    def loaded_file(self, file_id: str) -> dict | None:
        """The `files` row of a loaded file with this content hash, or None."""
        cur = self.con.execute(
            "SELECT * FROM files WHERE file_id = ? AND status = 'loaded'", [file_id]
        )
        # fetch everything: DuckDB refuses other work while a result is left unread
        rows = cur.fetchall()
        if not rows:
            return None
        return dict(zip([d[0] for d in cur.description], rows[0], strict=True))

    def record_failure(self, *, file_id: str, source: str, name: str, error: str,
                       size_bytes: int | None, started_at: datetime) -> None:
        """Note a file that could not be loaded; none of its rows are in the store.

        The row's key is the source and the content hash: the same bytes failing as another
        source (a CSV tried as Comtrade, then as a sanctions list) must not replace that
        source's row, which `status` counts and lists per source."""
        file_id = f"failed:{source}:{file_id}"
        with self.transaction() as con:
            con.execute(
                """INSERT OR REPLACE INTO files (file_id, source, name, size_bytes, status, error,
                       started_at, finished_at) VALUES (?, ?, ?, ?, 'failed', ?, ?, ?)""",
                [file_id, source, name, size_bytes, error, started_at, utcnow()],
            )

    # -- analysis ---------------------------------------------------------------
    # What the analysis functions use of a store, and all that another engine's store
    # (Spark over a Parquet export, BigQuery over GDELT's tables) provides: `engine`,
    # `ibis()`, `has_table()`, `to_pandas()`.
    engine = "duckdb"

    def has_table(self, name: str) -> bool:
        # the names are read once (a catalogue query costs milliseconds, and the dyad figures
        # ask several times a call), and again after each transaction
        if self._tables is None:
            self._tables = frozenset(name for (name,) in self.con.execute(
                "SELECT table_name FROM information_schema.tables").fetchall())
        return name in self._tables

    def to_pandas(self, expr):
        """Run an Ibis expression built on `ibis()`'s tables (other engines check its cost
        first)."""
        return expr.to_pandas()

    def ibis(self):
        """An Ibis backend over this store's connection (created once)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(path: Path | str | None = None, *, read_only: bool = False,
               create: bool = False, command: str | None = None) -> Store:
    """Open the store at `path` or $PIVOTWATCH_DB, migrating it if needed (unless read-only).

    A missing store is a StoreError ("no store at PATH ..."); `create=True` makes an empty one
    instead, as the ingest commands do. So a mistyped path in a notebook fails at once rather
    than opening a new, empty store whose every answer is "no data".

    DuckDB lets one process write a file, or several read it. A reader waits up to
    $PIVOTWATCH_LOCK_WAIT seconds for a writer to finish; a writer fails at once, saying
    which process holds the store and that `command` can be run again.

        store = open_store("pivotwatch.duckdb", read_only=True)
    """
    settings = get_settings()
    return Store(path or settings.db, read_only=read_only, create=create,
                 memory_limit=settings.memory_limit,
                 wait=settings.lock_wait if read_only else 0.0, command=command)


@contextlib.contextmanager
def reading(store: Store | None = None) -> Iterator[Store]:
    """`store` as given, or, when None, the default store opened read-only on the configured
    engine ($PIVOTWATCH_ENGINE: the DuckDB store at $PIVOTWATCH_DB, Spark over
    $PIVOTWATCH_SPARK_PATH, BigQuery; store/engines.py) and closed on the way out: for
    library functions that take `store=None`.

        with reading(store) as st:
            return compute(st)
    """
    if store is not None:
        yield store
        return
    from pivotwatch.store.engines import open_engine

    with open_engine(read_only=True) as own:
        yield own


