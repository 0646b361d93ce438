"""Load one file of records (votes, trade flows, designations, reference rows) in one transaction.

A connector supplies a `parse` function that reads the file and returns a `Parsed`: the rows
for each table, the rejected rows with their reasons, and what it noticed. This module does the
rest the same way for every source: the content hash (a file loaded before is skipped), the
data-quality expectations, inserts that add only rows not already in the store (each table's
primary key decides), rejects, the `files` row, and a `failed` row when the file is unusable.
Nothing is written unless the whole file is.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pivotwatch.errors import QualityError, SourceError, UsageError
from pivotwatch.sources.gdelt.load import FileResult
from pivotwatch.sources.inputs import hash_file
from pivotwatch.store.store import Store, one_line, utcnow


@dataclass
class Batch:
    """Rows for one table; `columns` name the table's columns in the rows' order."""

    table: str
    columns: Sequence[str]
    rows: list[tuple] | pa.Table


@dataclass
class Reject:
    line: int | None  # 1-based line (or record number) in the file; None when not known
    reason: str
    raw: str


@dataclass
class Parsed:
    layout: str
    rows_read: int
    batches: list[Batch]
    rejects: list[Reject] = field(default_factory=list)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expectations:
    """Data-quality expectations declared beside a source, checked after parsing."""

    min_rows: int = 1
    max_reject_share: float = 0.5


def read_bytes(path: Path, name: str, limit: int = 2 << 30, *, head: bool = False) -> bytes:
    """The file's content, decompressed when it is gzip, bzip2 or a one-member zip. With
    `head`, only its first `limit` bytes (for telling layouts apart), never an error for
    size."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    try:
        if magic[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                data = fh.read(limit + 1)
        elif magic[:3] == b"BZh":
            with bz2.open(path, "rb") as fh:
                data = fh.read(limit + 1)
        elif magic == b"PK\x03\x04":
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise SourceError(f"{name}: a zip must hold exactly one file "
                                      f"(it holds {len(members)})")
                with zf.open(members[0]) as fh:
                    data = fh.read(limit + 1)
        else:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise SourceError(f"{name}: cannot decompress: {one_line(exc)}") from exc
    if len(data) > limit:
        if head:
            return data[:limit]
        raise SourceError(f"{name}: larger than {limit >> 20} MiB once decompressed")
    return data


def read_text(path: Path, name: str) -> str:
    """The file as UTF-8 text (a BOM is dropped; CRLF read as LF by csv and XML parsers)."""
    data = read_bytes(path, name)
    if not data.strip():
        raise SourceError(f"{name}: empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def first_line(path: Path) -> str:
    """The first line of a (possibly compressed) file, for telling layouts apart; '' if none."""
    try:
        data = read_bytes(path, str(path), limit=1 << 16, head=True)
    except SourceError:
        return ""
    return data.decode("utf-8-sig", "replace").split("\n", 1)[0]


def expand(paths: Sequence[str], suffixes: tuple[str, ...],
           accept: Callable[[Path], bool] | None = None
           ) -> tuple[list[tuple[str, Path]], list[str]]:
    """(name, path) for each file given, and for each file in a folder given whose name ends
    in one of `suffixes`; files in a folder that `accept` refuses (another layout, such as a
    code table beside the data) are returned apart as passed over. A file named explicitly is
    always tried, so a wrong one fails with its reason."""
    targets: list[tuple[str, Path]] = []
    passed: list[str] = []
    for text in paths:
        path = Path(text)
        if not path.is_dir():
            targets.append((text, path))
            continue
        found = sorted(p for p in path.iterdir()
                       if p.is_file() and p.name.lower().endswith(suffixes))
        if not found:
            raise UsageError(f"{text}: a folder with no {' or '.join(suffixes)} file")
        for p in found:
            if accept is None or accept(p):
                targets.append((str(p), p))
            else:
                passed.append(str(p))
    return targets, passed


def text_stream(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


def _insert(con, batch: Batch, file_id: str) -> tuple[int, int]:
    """Insert rows not already present; returns (rows offered, rows added)."""
    columns = list(batch.columns)
    if isinstance(batch.rows, pa.Table):
        data = batch.rows.select(columns)
    else:
        if not batch.rows:
            return 0, 0
        values = zip(*batch.rows, strict=True)
        data = pa.table({c: list(v) for c, v in zip(columns, values, strict=True)})
    if data.num_rows == 0:
        return 0, 0
    (before,) = con.execute(f"SELECT count(*) FROM {batch.table}").fetchall()[0]
    con.register("_batch", data)
    try:
        con.execute(f"""INSERT INTO {batch.table} ({", ".join(columns)}, file_id)
                        SELECT {", ".join(columns)}, ? FROM _batch
                        ON CONFLICT DO NOTHING""", [file_id]).fetchall()
    finally:
        con.unregister("_batch")
    (after,) = con.execute(f"SELECT count(*) FROM {batch.table}").fetchone()
    return data.num_rows, after - before


def load_records(store: Store, path: Path, name: str, *, source: str,
                 parse: Callable[[Path, str], Parsed],
                 expect: Expectations = Expectations()) -> FileResult:
    """Parse one file and load its records in one transaction; SourceError if unusable."""
    started = utcnow()
    if not path.is_file():
        raise SourceError(f"{name}: no such file")
    file_id, size = hash_file(path)
    if store.loaded_file(file_id):
        return FileResult(name, "skipped", file_id)
    try:
        parsed = parse(path, name)
        offered = sum(b.rows.num_rows if isinstance(b.rows, pa.Table) else len(b.rows)
                      for b in parsed.batches)
        first = "; ".join(f"line {r.line}: {r.reason}" if r.line else r.reason
                          for r in parsed.rejects[:3])
        rejected = f" ({len(parsed.rejects)} rejected; {first})" if parsed.rejects else ""
        if offered == 0:
            raise QualityError(f"{name}: no valid {parsed.layout} rows{rejected}")
        if offered < expect.min_rows:
            raise QualityError(f"{name}: {offered} valid row(s), fewer than the "
                               f"{expect.min_rows} expected of a {parsed.layout} file{rejected}")
        if len(parsed.rejects) > expect.max_reject_share * max(parsed.rows_read, 1):
            raise QualityError(f"{name}: {len(parsed.rejects)} of {parsed.rows_read} rows are "
                               f"invalid, more than the {expect.max_reject_share:.0%} allowed "
                               f"({first})")
        with store.transaction() as con:
            added = 0
            for batch in parsed.batches:
                added += _insert(con, batch, file_id)[1]
            if parsed.rejects:
                con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)",
                                [(file_id, r.line, r.reason, r.raw[:2000])
                                 for r in parsed.rejects])
            con.execute(
                """INSERT OR REPLACE INTO files (file_id, source, name, size_bytes,
                       content_bytes, layout, rows_read, rows_kept, rows_rejected,
                       rows_duplicate, status, error, started_at, finished_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', NULL, ?, ?)""",
                [file_id, source, name, size, size, parsed.layout, parsed.rows_read, added,
                 len(parsed.rejects), offered - added, started, utcnow()]).fetchall()
            con.execute("DELETE FROM files WHERE name = ? AND status = 'failed'",
                        [name]).fetchall()
        return FileResult(name, "loaded", file_id, layout=parsed.layout,
                          rows_read=parsed.rows_read, rows_kept=added,
                          rows_rejected=len(parsed.rejects), rows_duplicate=offered - added,
                          notes=parsed.notes)
    except SourceError as exc:
        store.record_failure(file_id=file_id, source=source, name=name, error=one_line(exc),
                             size_bytes=size, started_at=started)
        raise
