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
import codecs
import csv
import gzip
import io
import lzma
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import xxhash

from pivotwatch.errors import QualityError, SourceError, UsageError
from pivotwatch.markup import printable
from pivotwatch.settings import get_settings
from pivotwatch.sources.inputs import hash_file
from pivotwatch.store.store import Store, ident, one_line, utcnow

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass
class FileResult:
    """What loading one file did, for any source: loaded (with its counts) or skipped
    (already loaded: the same content hash)."""

    name: str
    status: str  # loaded | skipped
    file_id: str
    layout: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    notes: tuple[str, ...] = ()


@dataclass
class Batch:
    """Rows for one table; `columns` name the table's columns in the rows' order."""

    table: str
    columns: Sequence[str]
    rows: list[tuple] | pa.Table


@dataclass(slots=True)  # a file may have many: small objects
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


# What a file may hold once decompressed: a records file is parsed from a stream, a JSON file
# whole in memory; neither ever above the cap on one decompressed member.
RECORD_FILE = ("PIVOTWATCH_MAX_RECORD_FILE_BYTES", "a records file")
JSON_FILE = ("PIVOTWATCH_MAX_JSON_BYTES", "a JSON file (parsed whole in memory)")
# No row of any record table comes near this many characters (a Comtrade row with all its
# columns is under 1 KiB); a longer one is a reject, not a row.
MAX_ROW_CHARS = 64 << 10
RAW_CHARS = 2000  # of a rejected row's text kept in `rejects`
# A file with more rejected rows than this is not a file of its source at all, and holding
# them would cost memory without bound (a real Comtrade file rejects a few percent of its rows:
# 4,286 of 173,358 in the EU wood imports file).
MAX_REJECTS = 250_000
_DECOMPRESS_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError)
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


def cap_of(setting: tuple[str, str]) -> tuple[int, str]:
    """(bytes, environment variable) of a size cap: `setting`'s own, or the cap on one
    decompressed member where that is lower."""
    settings = get_settings()
    own = {RECORD_FILE: settings.max_record_file_bytes, JSON_FILE: settings.max_json_bytes}
    if settings.max_member_bytes < own[setting]:
        return settings.max_member_bytes, "PIVOTWATCH_MAX_MEMBER_BYTES"
    return own[setting], setting[0]


def too_big(name: str, setting: tuple[str, str]) -> str:
    cap, env = cap_of(setting)
    return (f"{name}: over {cap:,} bytes once decompressed, the cap for {setting[1]} "
            f"(raise {env} to load it)")


@contextmanager
def _decompressed(path: Path, name: str, cap: int, message: str) -> Iterator[IO[bytes]]:
    """The file's content as a binary stream: decompressed when it is gzip, bzip2 or a
    one-member zip (a zip whose member declares more than `cap` bytes fails at once).
    Errors while reading it are the reader's to turn into SourceError."""
    with ExitStack() as stack:
        raw = stack.enter_context(path.open("rb"))
        magic = raw.read(4)
        raw.seek(0)
        try:
            if magic[:2] == b"\x1f\x8b":
                fh = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
            elif magic[:3] == b"BZh":
                fh = stack.enter_context(bz2.BZ2File(raw))
            elif magic == b"PK\x03\x04":
                zf = stack.enter_context(zipfile.ZipFile(raw))
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise SourceError(f"{name}: a zip must hold exactly one file "
                                      f"(it holds {len(members)})")
                if members[0].file_size > cap:
                    raise SourceError(message)
                fh = stack.enter_context(zf.open(members[0]))
            else:
                fh = raw
        # RuntimeError, NotImplementedError: an encrypted member, an unknown method
        except (*_DECOMPRESS_ERRORS, RuntimeError, NotImplementedError) as exc:
            raise SourceError(f"{name}: cannot decompress: {one_line(exc)}") from None
        yield fh


def read_bytes(path: Path, name: str, limit: int | None = None, *, head: bool = False,
               setting: tuple[str, str] = RECORD_FILE,
               capped: tuple[int, str] | None = None) -> bytes:
    """The file's content, decompressed when it is gzip, bzip2 or a one-member zip. Reading
    stops as soon as the cap is passed: `limit` bytes when given, else `capped` as (bytes,
    message) (see source_cap), else `setting`'s cap (RECORD_FILE or JSON_FILE). With `head`,
    only the first `limit` bytes (for telling layouts apart), never an error for size."""
    settings = get_settings()
    if capped is not None and limit is None:
        cap, message = capped
    elif limit is None:
        cap, message = cap_of(setting)[0], too_big(name, setting)
    else:
        cap = min(limit, settings.max_member_bytes)
        message = f"{name}: larger than {cap:,} bytes once decompressed"
    # head=True never fails for size, so a zip is never refused for what its member declares
    with _decompressed(path, name, cap if not head else 1 << 62, message) as fh:
        try:
            data = fh.read(cap + 1)
        except _DECOMPRESS_ERRORS as exc:
            raise SourceError(f"{name}: cannot decompress: {one_line(exc)}") from None
    if len(data) > cap:
        if head:
            return data[:cap]
        raise SourceError(message)
    return data


def read_text(path: Path, name: str, *, setting: tuple[str, str] = RECORD_FILE) -> str:
    """The file as UTF-8 text (a BOM is dropped; CRLF read as LF by csv and XML parsers), read
    whole: for formats parsed in memory, under `setting`'s cap."""
    data = read_bytes(path, name, setting=setting)
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


def shown(names: Sequence[str], most: int = 10) -> str:
    """Names read from a file (columns, keys), printable, at most `most` of them."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(printable(n) if n else "(unnamed)" for n in names[:most]) + more


# A number as files write them: ASCII digits, a point, an exponent. Python's float() also
# takes '1_000', other scripts' digits ('１２３', '٣٤٥') and spaces, which no source means.
# 'nan' and 'inf' pass here so that the caller's range check names them.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?i:nan|inf|infinity)",
                      re.ASCII)


def decimal(text: str) -> float:
    """`text` as a float if it is written as a plain decimal number; ValueError otherwise.
    Minus zero is zero."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal number")
    return float(text) + 0.0


def quotes_close(line: str) -> bool:
    """Whether every quoted value that opens on `line` also closes on it. No real records
    file has a value spanning lines; a stray quote would otherwise join every line up to the
    next quote into one record (a thousand votes lost, one made up)."""
    if '"' not in line:
        return True
    try:
        next(csv.reader([line], strict=True), None)
    except csv.Error:
        return False
    return True


UNCLOSED = "a quote opened on this line does not close on it (a value may not span lines)"


class _Capped(io.RawIOBase):
    """A decompressed stream that fails as soon as more than `cap` bytes come out of it."""

    def __init__(self, fh: IO[bytes], name: str, cap: int, message: str):
        self._fh, self._name, self._left, self._message = fh, name, cap, message

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._fh.read(min(len(buffer), self._left + 1))
        except _DECOMPRESS_ERRORS as exc:
            raise SourceError(f"{self._name}: cannot decompress: {one_line(exc)}") from None
        if len(data) > self._left:
            raise SourceError(self._message)
        self._left -= len(data)
        buffer[:len(data)] = data
        return len(data)


@contextmanager
def open_capped(path: Path, name: str, cap: tuple[int, str] | None = None
                ) -> Iterator[io.BufferedReader]:
    """The file's decompressed content as a buffered stream that fails (SourceError) as soon
    as more than the cap comes out of it: `cap` as (bytes, message), else the records-file
    cap (PIVOTWATCH_MAX_RECORD_FILE_BYTES)."""
    size, message = cap or (cap_of(RECORD_FILE)[0], too_big(name, RECORD_FILE))
    with _decompressed(path, name, size, message) as fh:
        yield io.BufferedReader(_Capped(fh, name, size, message), 1 << 16)


def source_cap(name: str, most: int, what: str) -> tuple[int, str]:
    """(bytes, message) of a cap a loader sets below the records-file cap because it holds a
    file's records in memory: `most` bytes, or the records-file cap where that is lower."""
    cap = cap_of(RECORD_FILE)[0]
    if cap <= most:
        return cap, too_big(name, RECORD_FILE)
    return most, (f"{name}: over {most:,} bytes once decompressed, the most {what} "
                  f"(held in memory while it is parsed) may hold")


def too_many_rejects(name: str, layout: str, first: Reject, unit: str = "line") -> QualityError:
    """The failure of a file with more than MAX_REJECTS rejected rows."""
    return QualityError(f"{name}: more than {MAX_REJECTS:,} rows rejected; not a {layout} file "
                        f"({unit} {first.line}: {printable(first.reason, 120)})")


@dataclass
class CsvRow:
    line: int  # the line the row ends on
    # as csv.DictReader gives it: a missing field is None, extra fields are a list under None;
    # None when the row is not usable, and `problem` says why
    values: dict | None
    raw: str  # the row's text (its fields joined by commas), cut to RAW_CHARS
    problem: str | None = None
    fields: list[str] | None = None  # the fields in file order (None when not usable)


class CsvFile:
    """A CSV file read row by row from its decompressed stream, never whole, so memory holds
    one line at a time. Hostile input stops here: reading fails as soon as the file passes
    its cap (PIVOTWATCH_MAX_RECORD_FILE_BYTES); a line over PIVOTWATCH_MAX_LINE_BYTES, a
    field the csv module refuses, or a row over `max_row` characters becomes a row with a
    `problem` (the connector makes it a reject with its line), and reading goes on. A
    header with a name twice fails the file: which column is meant cannot be told.

        with CsvFile(path, name) as f:
            for row in f.rows(): ...
    """

    def __init__(self, path: Path, name: str, *, max_row: int = MAX_ROW_CHARS,
                 cap: tuple[int, str] | None = None, repeated_names: bool = False,
                 multiline: bool = False):
        self.path, self.name, self.max_row, self.cap = path, name, max_row, cap
        self.repeated_names = repeated_names  # the caller reads columns by position
        # a quoted value may span lines (the caller checks which columns may hold one)
        self.multiline = multiline
        self.header: list[str] = []
        self._stack = ExitStack()
        self._overlong: set[int] = set()
        self._unclosed: dict[int, str] = {}  # line -> its text, cut to RAW_CHARS
        self._max_line = get_settings().max_line_bytes

    def __enter__(self) -> CsvFile:
        try:
            stream = self._stack.enter_context(open_capped(self.path, self.name, self.cap))
            # fields up to a whole line (the default, 128 KiB, made long fields a traceback)
            csv.field_size_limit(self._max_line)
            self._reader = csv.reader(self._lines(stream))
            self.header = self._read_header()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def _lines(self, stream: io.BufferedReader) -> Iterator[str]:
        """Each physical line as text; an overlong line is skipped unread and stands as a
        blank line (so numbering holds), noted in `_overlong`."""
        offset = number = 0
        while True:
            raw = stream.readline(self._max_line + 1)
            if not raw:
                return
            start = offset
            offset += len(raw)
            if len(raw) > self._max_line:
                while not raw.endswith(b"\n"):
                    raw = stream.readline(1 << 20)
                    if not raw:
                        break
                    offset += len(raw)
                number += 1
                self._overlong.add(number)
                yield "\n"
                continue
            if start == 0 and raw.startswith(codecs.BOM_UTF8):
                raw, start = raw[3:], 3
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(f"{self.name}: not UTF-8 text ({exc.reason} at byte "
                                  f"{start + exc.start}, line {number + 1})") from None
            # a bare CR ends a line too (as when reading with newline="")
            for piece in _BARE_CR.split(text) if "\r" in text[:-2] else (text,):
                if piece:
                    number += 1
                    if not self.multiline and not quotes_close(piece):
                        # stands as a blank line, so the next line starts a record of its own
                        if len(self._unclosed) <= MAX_REJECTS:
                            self._unclosed[number] = piece.rstrip("\r\n")[:RAW_CHARS]
                        yield "\n"
                        continue
                    yield piece

    def _overlong_reason(self) -> str:
        return (f"line longer than {self._max_line:,} bytes (PIVOTWATCH_MAX_LINE_BYTES); "
                "not read")

    def _read_header(self) -> list[str]:
        try:
            first = next(self._reader, None)
        except csv.Error as exc:
            raise SourceError(f"{self.name}: unreadable header: {one_line(exc)}") from None
        if 1 in self._overlong:
            raise SourceError(f"{self.name}: header {self._overlong_reason()}")
        if 1 in self._unclosed:
            raise SourceError(f"{self.name}: header: {UNCLOSED}")
        if not first or not any(h.strip() for h in first):
            if first is None or not any(any(f.strip() for f in row)
                                        for row in self._safe_rows()):
                raise SourceError(f"{self.name}: empty file")
            return []
        header = [h.strip() for h in first]
        twice = [h for h, n in Counter(header).items() if h and n > 1]
        if twice and not self.repeated_names:
            raise SourceError(f"{self.name}: column(s) {shown(twice)} appear more than once "
                              "in the header")
        return header

    def _safe_rows(self) -> Iterator[list[str]]:
        while True:
            try:
                yield next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                yield ["?"]

    def rows(self) -> Iterator[CsvRow]:
        """The rows after the header, with their line numbers; blank lines are skipped."""
        header, width, told = self.header, len(self.header), set()
        while True:
            try:
                fields = next(self._reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield CsvRow(self._reader.line_num, None, "", f"unreadable CSV row: "
                                                             f"{one_line(exc)}")
                continue
            line = self._reader.line_num
            if not fields:
                if line in self._overlong:
                    told.add(line)
                    yield CsvRow(line, None, "", self._overlong_reason())
                elif line in self._unclosed:
                    yield CsvRow(line, None, self._unclosed.pop(line), UNCLOSED)
                continue
            raw = ",".join(fields)
            if len(raw) > self.max_row:
                yield CsvRow(line, None, raw[:RAW_CHARS],
                             f"row of {len(raw):,} characters, longer than a real row can be "
                             f"(at most {self.max_row:,})")
                continue
            values: dict = dict(zip(header, fields, strict=False))
            if len(fields) > width:
                values[None] = fields[width:]
            elif len(fields) < width:
                values.update((h, None) for h in header[len(fields):])
            yield CsvRow(line, values, raw[:RAW_CHARS], fields=fields)
        # an overlong line inside a quoted field was read as part of it: still say so
        for line in sorted(self._overlong - told - {1}):
            yield CsvRow(line, None, "", self._overlong_reason())


def expand(paths: Sequence[str], suffixes: tuple[str, ...],
           accept: Callable[[Path], bool] | None = None, *, recursive: bool = False
           ) -> tuple[list[tuple[str, Path]], list[str]]:
    """(name, path) for each file given, and for each file in a folder given whose name ends
    in one of `suffixes`; files in a folder that `accept` refuses (another layout, such as a
    code table beside the data) are returned apart as passed over. A file named explicitly is
    always tried, so a wrong one fails with its reason. With `recursive`, subfolders are
    searched too (hidden files and folders left out)."""
    targets: list[tuple[str, Path]] = []
    passed: list[str] = []
    for text in paths:
        path = Path(text)
        if not path.is_dir():
            targets.append((text, path))
            continue
        listed = (p for p in path.rglob("*") if not any(
            part.startswith(".") for part in p.relative_to(path).parts)) if recursive \
            else path.iterdir()
        found = sorted(p for p in listed if p.is_file() and p.name.lower().endswith(suffixes))
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


def check_rejects(name: str, rejects: list[Reject], layout: str, unit: str = "line") -> None:
    """Fail the file once it has more rejected rows than MAX_REJECTS (called as they come)."""
    if len(rejects) > MAX_REJECTS:
        raise too_many_rejects(name, layout, rejects[0], unit)


def _table(batch: Batch) -> pa.Table:
    """A batch's rows as an Arrow table of its columns."""
    import pyarrow as pa  # here, not with the module: its types and constants need no Arrow

    columns = list(batch.columns)
    if isinstance(batch.rows, pa.Table):
        return batch.rows.select(columns)
    if not batch.rows:
        return pa.table({c: [] for c in columns})
    values = zip(*batch.rows, strict=True)
    return pa.table({c: list(v) for c, v in zip(columns, values, strict=True)})


def _insert(con, batch: Batch, data: pa.Table, file_id: str) -> tuple[int, int]:
    """Insert rows not already present; returns (rows offered, rows added).

    The table and column names come from the connector's constants, never from a file; they
    must also be names the store's schema has, and are quoted as identifiers besides."""
    if data.num_rows == 0:
        return 0, 0
    known = {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ?", [batch.table]).fetchall()}
    unknown = [c for c in (*batch.columns, "file_id") if c not in known]
    if unknown:  # a connector's mistake, never the input's
        raise RuntimeError(f"batch for {batch.table!r} names columns the store does not "
                           f"have: {unknown}")
    table = ident(batch.table)
    columns = ", ".join(ident(c) for c in batch.columns)
    (before,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    con.register("_batch", data)
    try:
        con.execute(f"""INSERT INTO {table} ({columns}, file_id)
                        SELECT {columns}, ? FROM _batch
                        ON CONFLICT DO NOTHING""", [file_id]).fetchall()
    finally:
        con.unregister("_batch")
    (after,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    return data.num_rows, after - before


# Parse failures that are the input's: a file that trips one is a one-line failure with a
# `failed` row, never a traceback. (A connector turns the errors it expects into rejects or
# SourceError itself; this is the net under it.) pyarrow's ArrowException joins them in
# load_records, which imports pyarrow: importing this module does not.
_INPUT_ERRORS = (csv.Error, RecursionError, UnicodeError, ValueError)


def _unreadable(name: str, source: str, exc: BaseException) -> SourceError:
    why = ("nested too deeply to read" if isinstance(exc, RecursionError)
           else printable(f"{type(exc).__name__}: {one_line(exc)}", 200))
    return SourceError(f"{name}: cannot be read as a {source} file ({why})")


def load_records(store: Store, path: Path, name: str, *, source: str,
                 parse: Callable[[Path, str], Parsed],
                 expect: Expectations = Expectations(),
                 read_with: Sequence[Path] = ()) -> FileResult:
    """Parse one file and load its records in one transaction; SourceError if unusable.

    `read_with`: files `parse` reads together with `path` (OFAC's add.csv with its sdn.csv).
    They are one load: the content hash covers them all, so the set is skipped once loaded,
    and a file loaded alone before still loads with its companions."""
    import pyarrow as pa

    started = utcnow()
    if not path.is_file():
        raise SourceError(f"{name}: no such file")
    file_id, size = hash_file(path)
    for other in read_with:
        if not other.is_file():
            raise SourceError(f"{name}: no such file: {other}")
        other_id, other_size = hash_file(other)
        file_id = xxhash.xxh3_128_hexdigest(f"{file_id}+{other_id}".encode())
        size += other_size
    if store.loaded_file(file_id):
        return FileResult(name, "skipped", file_id)
    try:
        try:
            parsed = parse(path, name)
            tables = [_table(b) for b in parsed.batches]
        except (*_INPUT_ERRORS, pa.ArrowException) as exc:
            raise _unreadable(name, source, exc) from exc
        offered = sum(t.num_rows for t in tables)
        first = "; ".join(printable(f"line {r.line}: {r.reason}" if r.line else r.reason,
                                    200) for r in parsed.rejects[:3])
        rejected = f" ({len(parsed.rejects)} rejected; {first})" if parsed.rejects else ""
        if offered == 0 and expect.min_rows > 0:
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
            for batch, table in zip(parsed.batches, tables, strict=True):
                added += _insert(con, batch, table, file_id)[1]
            if parsed.rejects:
                con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)",
                                [(file_id, r.line, r.reason, r.raw[:RAW_CHARS])
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
