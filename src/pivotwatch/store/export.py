"""`pivotwatch export parquet DIR`: the store's tables as Parquet files with a manifest, for
engines that read files rather than a DuckDB store (Spark, `store/spark.py`).

Tables with a `day` column (events, daily counts, the derived daily tables) are written
Hive-partitioned by the year and month of `day` (`events/year=2024/month=6/data_0.parquet`),
so that an engine reading a span of time opens only that span's files; the others are one file
each. Every table and view of the store is written: one whose name cannot be a directory name
is listed under `skipped` with the reason, never dropped unseen. `manifest.json` records what
was written (pivotwatch and schema versions, the time, and per table its rows, columns and
types, partitioning and files with their sizes and hashes), so a reader checks what it reads.

The export is written into a new folder beside DIR and renamed into place at the end: a
failed or interrupted export leaves DIR as it was. DIR must be new, empty, or an earlier
export (which is replaced); any other folder is refused, so a typo cannot wipe a user's files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import xxhash

from pivotwatch.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.store.store import Store

FORMAT = "pivotwatch-parquet"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PARTITION_SOURCE = "day"  # tables with this DATE column are partitioned by its year and month
PARTITIONS = ("year", "month")
# A table name becomes a directory name: plain names only (a store's own tables all are).
_SAFE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_CHUNK = 1 << 20


def _tables(store: Store) -> list[tuple[str, str]]:
    """(name, 'table' | 'view') for every table and view of the store's main schema."""
    rows = store.con.execute(
        """SELECT table_name, table_type FROM information_schema.tables
           WHERE table_schema = 'main' AND table_catalog = current_database()
           ORDER BY table_name""").fetchall()
    return [(name, "view" if kind == "VIEW" else "table") for name, kind in rows]


def _columns(store: Store, table: str) -> list[dict[str, str]]:
    rows = store.con.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'main' AND table_catalog = current_database()
             AND table_name = ? ORDER BY ordinal_position""", [table]).fetchall()
    return [{"name": name, "type": kind} for name, kind in rows]


def _hashes(path: Path) -> tuple[str, str]:
    xxh, sha = xxhash.xxh3_128(), hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            xxh.update(chunk)
            sha.update(chunk)
    return xxh.hexdigest(), sha.hexdigest()


def _files(root: Path, table: str) -> list[dict]:
    found = [root / f"{table}.parquet"] if (root / f"{table}.parquet").is_file() else sorted(
        p for p in (root / table).rglob("*") if p.is_file())
    listed = []
    for path in found:
        xxh3, sha256 = _hashes(path)
        listed.append({"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size,
                       "xxh3_128": xxh3, "sha256": sha256})
    return listed


def _version() -> str:
    """pivotwatch's version as installed (the package's metadata: the store layer does not
    import the package's top)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pivotwatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def read_manifest(directory: Path) -> dict | None:
    """The manifest of an earlier export in `directory`, or None when there is none (or it is
    not one of ours)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise UsageError(f"cannot export to {target}: it is a file, not a directory")
    if target.is_dir() and any(target.iterdir()) and read_manifest(target) is None:
        raise UsageError(f"{target} is not empty and holds no pivotwatch export "
                         f"({MANIFEST}); choose a new or empty directory")


def _write_table(store: Store, root: Path, table: str, kind: str) -> dict:
    """COPY one table or view into `root`; its manifest entry. The table name is a code-
    checked plain name, quoted; the path is bound."""
    from pivotwatch.store.store import ident

    columns = _columns(store, table)
    names = [c["name"] for c in columns]
    rows = int(store.con.execute(f"SELECT count(*) FROM {ident(table)}").fetchall()[0][0])
    dated = any(c["name"] == PARTITION_SOURCE and c["type"] == "DATE" for c in columns)
    # a table whose own columns are named year or month could not take the partition columns;
    # an empty one would write no file at all (so no schema) when partitioned
    partitioned = dated and rows > 0 and not set(PARTITIONS) & set(names)
    if partitioned:
        day = ident(PARTITION_SOURCE)
        store.con.execute(
            f"COPY (SELECT *, year({day}) AS year, month({day}) AS month "
            f"FROM {ident(table)}) TO $path (FORMAT parquet, PARTITION_BY (year, month))",
            {"path": str(root / table)})
    else:
        store.con.execute(f"COPY {ident(table)} TO $path (FORMAT parquet)",
                          {"path": str(root / f"{table}.parquet")})
    return {"kind": kind, "rows": rows, "columns": columns,
            "partition_by": list(PARTITIONS) if partitioned else [],
            "partition_source": PARTITION_SOURCE if partitioned else None,
            "files": _files(root, table)}


def export_parquet(store: Store, directory: Path | str, *,
                   now: datetime | None = None) -> dict:
    """Write every table of `store` (a DuckDB store) to `directory` as Parquet, with
    `manifest.json`; returns the manifest. See the module's docstring for the layout and the
    guarantees."""
    target = Path(directory)
    _check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.export-"))
    except OSError as exc:
        raise UsageError(f"cannot export to {target}: {exc.strerror or exc}") from exc
    try:
        tables: dict[str, dict] = {}
        skipped: list[dict[str, str]] = []
        # one transaction: every table is read from the same snapshot of the store
        with store.transaction():
            for name, kind in _tables(store):
                if not _SAFE_NAME.fullmatch(name):
                    skipped.append({"name": name, "reason": "its name is not a plain lower-"
                                    "case identifier, so it cannot be a directory name"})
                    continue
                tables[name] = _write_table(store, work, name, kind)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "pivotwatch_version": _version(), "schema_version": store.schema_version(),
            "exported_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "partitioning": {"columns": list(PARTITIONS), "of": PARTITION_SOURCE},
            "tables": tables, "skipped": skipped,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        _put_in_place(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _put_in_place(work: Path, target: Path) -> None:
    """Rename the finished export to `target`; an earlier export there is moved aside first
    and removed once the new one is in place."""
    old = None
    if target.is_dir():
        if any(target.iterdir()):
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            target.rename(old / "export")
        else:
            target.rmdir()
    umask = os.umask(0)
    os.umask(umask)
    work.chmod(0o777 & ~umask)  # mkdtemp makes 0700; give the folder the usual mode
    work.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
