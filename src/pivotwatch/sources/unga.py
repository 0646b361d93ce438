"""UN General Assembly roll-call votes: the `unvotes` layout and the Voeten layout.

unvotes (the R package's data) comes as three CSV files, each recognised by its header:
votes (`rcid,country,country_code,vote`, ISO2 codes), roll calls (`rcid,session,
importantvote,date,unres,amend,para,short,descr`) and issue tags (`rcid,short_name,issue`).
Voeten's `UNVotesPublished` is one file with a row per roll call and country
(`rcid,session,vote,ccode,member,importantvote,date,unres,me,nu,di,hr,co,ec,year`),
Correlates-of-War country codes and vote codes 1 yes, 2 abstain, 3 no, 8 absent, 9 not a
member. Both use the same rcids.

Only yes, no and abstain are votes; Voeten's absences and non-member rows are counted in the
notes, not stored and not rejected. Country codes go through the crosswalk
(`taxonomy.countrycodes`): a code it cannot map (a historical state with no successor) is a
reject with the crosswalk's reason. Within one file, the same (rcid, country) twice with
different votes rejects every such row; the same vote twice rejects the repeats. A vote the
store already holds with the same value is a duplicate (not added); with a different value
(Voeten and unvotes disagree on a few dozen votes) it is a reject that names both values.

Votes and roll calls may come in any order and from different files: votes are stored even
when their roll call is not (yet) loaded, and the analysis joins them by rcid. Roll calls are
kept one row per (rcid, layout), so the unvotes roll calls, the unvotes issue tags and the
Voeten roll calls all keep what they say (see docs/alignment.md for how they are merged).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pivotwatch.errors import SourceError, UsageError
from pivotwatch.settings import get_settings
from pivotwatch.sources.context import Context, IngestReport, attempt, process_workdir
from pivotwatch.sources.records import (
    MAX_REJECTS,
    RAW_CHARS,
    UNCLOSED,
    Batch,
    CsvFile,
    Expectations,
    FileResult,
    Parsed,
    Reject,
    expand,
    load_records,
    open_capped,
    quotes_close,
    read_bytes,
    too_many_rejects,
)
from pivotwatch.store.store import Store, ident, one_line
from pivotwatch.taxonomy.countrycodes import from_name, to_iso3, why_unmapped

SOURCE = "unga"
ISSUES = {"me": "Palestinian conflict", "nu": "Nuclear weapons and nuclear material",
          "di": "Arms control and disarmament", "hr": "Human rights", "co": "Colonialism",
          "ec": "Economic development"}
VOTES = ("yes", "no", "abstain")
VOETEN_VOTES = {"1": "yes", "2": "abstain", "3": "no"}
VOETEN_NOT_VOTES = {"8": "absent", "9": "not a member"}

# layout -> (required columns, optional columns), in the files' own order
LAYOUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "unvotes-votes": (("rcid", "country_code", "vote"), ("country",)),
    "unvotes-roll-calls": (("rcid", "session", "importantvote", "date", "unres", "short",
                            "descr"), ("amend", "para")),
    "unvotes-issues": (("rcid", "short_name"), ("issue",)),
    "voeten": (("rcid", "session", "vote", "ccode", "importantvote", "date", "unres",
                *ISSUES), ("member", "year")),
}
ROLL_CALL_COLUMNS = ("rcid", "layout", "session", "date", "important", "resolution",
                     "amendment", "paragraph", "short", "description", "issues")
VOTE_COLUMNS = ("rcid", "country", "vote")
EXPECT = Expectations(min_rows=1, max_reject_share=0.5)
# Rows one file may hold: about three times the largest real file of each layout
# (un_votes.csv: 870,109 rows; Voeten's UNVotesPublished: 1,066,613 rows of which 738,764 are
# votes, 5,429 roll calls; un_roll_calls.csv: 6,203; un_roll_call_issues.csv: ~5,300). A file
# is parsed in a scratch database that spills to disk, but the store's insert costs ~135
# bytes a vote in memory and roll calls are made into Python records: the 9 million shortest
# rows a records file could hold would need several GiB. At these caps the worst file peaks
# under 0.9 GB RSS (benchmarks/ingest_rss.py).
MAX_ROWS = {"unvotes-votes": 2_600_000, "voeten": 2_600_000, "unvotes-roll-calls": 200_000,
            "unvotes-issues": 200_000}
MAX_ROLL_CALLS = 200_000  # distinct rcids in one Voeten file
_BLOCK_ROWS = 50_000  # rows handed to the scratch database at a time
_SCRATCH_MEMORY = "128MB"  # the scratch database's memory; it spills the rest to disk
_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".gz")


def bundled_sample() -> list[Path]:
    """The bundled sample: the watched countries' votes and the roll calls and issues they
    need (roll calls first, so a load in this order is complete at every step)."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "unga"))
    return [folder / n for n in ("un_roll_calls.csv.gz", "un_roll_call_issues.csv.gz",
                                 "un_votes_watched.csv.gz")]


# --- reading --------------------------------------------------------------------------------

def _header(data: bytes, name: str) -> list[str]:
    first = data.split(b"\n", 1)[0].split(b"\r", 1)[0]  # CRLF, LF or CR line ends
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from exc
    return [c.strip() for c in next(csv.reader([text.rstrip("\r")]), [])]


def _csv_line(cells: list[str]) -> str:
    """Cells as one CSV line, quoted where needed, so the header shown is the one read."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def detect_layout(header: list[str], name: str) -> tuple[str, list[str]]:
    """The layout a header names, and the columns it has that the layout does not know."""
    for layout, (required, _) in LAYOUTS.items():
        if set(required) <= set(header):
            # a known name given twice: the second is read as an extra column
            kept = _columns(header, layout)
            return layout, [c for c, k in zip(header, kept, strict=True) if k != c]
    shown = _csv_line(header[:8]) + (",..." if len(header) > 8 else "")
    raise SourceError(f"{name}: not a UN votes file: its header ({shown}) is none of unvotes "
                      "votes (rcid,country,country_code,vote), roll calls (rcid,session,"
                      "importantvote,date,...), issues (rcid,short_name,issue) or Voeten "
                      "(rcid,session,vote,ccode,...)")


def _columns(header: list[str], layout: str) -> list[str]:
    """The name each column gets in the tables this module queries: the layout's own name for
    a column it knows (first occurrence), `extra_<position>` for any other. Header text read
    from the file never becomes an identifier in SQL."""
    required, optional = LAYOUTS[layout]
    known = set(required + optional)
    names: list[str] = []
    for position, cell in enumerate(header):
        names.append(cell if cell in known and cell not in names else f"extra_{position}")
    return names


@contextmanager
def _scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """A scratch database on disk in this process's work dir, with little memory: a file's rows
    are parsed there, so a big file spills to disk instead of growing the process."""
    folder = Path(tempfile.mkdtemp(prefix="unga-",
                                   dir=process_workdir(get_settings().cache / "work")))
    try:
        con = duckdb.connect(str(folder / "scratch.duckdb"), config={
            "memory_limit": _SCRATCH_MEMORY, "temp_directory": str(folder / "spill"),
            "preserve_insertion_order": False})
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _too_many_rows(name: str, layout: str) -> SourceError:
    return SourceError(f"{name}: more than {MAX_ROWS[layout]:,} rows, the most a {layout} file "
                       "may hold (about three times the largest real one); split it")


class _Lines(io.RawIOBase):
    """The votes file as a stream of whole, well-formed lines for Arrow's fast CSV reader.

    Arrow joins lines while a quote is open and numbers no rejected row, so every line is
    judged here first: a blank line is passed over; a line that is not UTF-8, whose quotes
    do not close on it, with the wrong number of fields or over the line cap is a reject with
    its physical line number; the others go on, and `lines` holds the number of each, so
    the n-th row Arrow reads is line `lines[n]`."""

    def __init__(self, stream: IO[bytes], width: int, bad: list[Reject], cap: int):
        self._stream, self._width, self._bad, self._cap = stream, width, bad, cap
        self.lines = array("q")
        self._number = 0
        self._pending = b""
        self._out = bytearray()
        self._skipping = False  # inside an overlong line, up to its end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._out) < len(buffer):
            chunk = self._stream.read(1 << 20)
            if not chunk:
                if self._pending or self._skipping:
                    self._physical(self._pending)
                    self._pending = b""
                break
            lines = (self._pending + chunk).split(b"\n")
            self._pending = lines.pop()
            for line in lines:
                self._physical(line)
            if len(self._pending) > self._cap:  # an overlong line: drop it as it comes
                self._skipping, self._pending = True, self._pending[:RAW_CHARS]
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        del self._out[:n]
        return n

    def _physical(self, line: bytes) -> None:
        """One LF-ended line: a bare CR inside it ends a line too, as the other CSV loaders
        read it (Arrow would break the record there and fail the whole file)."""
        line = line.removesuffix(b"\r")
        if self._skipping or b"\r" not in line:
            self._line(line)
            return
        for piece in line.split(b"\r"):
            self._line(piece)

    def _reject(self, reason: str, raw: bytes) -> None:
        self._bad.append(Reject(self._number, reason,
                                raw[:RAW_CHARS].decode("utf-8", "replace")))

    def _line(self, line: bytes) -> None:
        self._number += 1
        if self._skipping:
            self._skipping = False
            self._reject(f"line longer than {self._cap:,} bytes (PIVOTWATCH_MAX_LINE_BYTES); "
                         "not read", line)
            return
        if not line.strip():
            return
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._reject(f"not UTF-8 ({exc.reason} at byte {exc.start})", line)
            return
        if b'"' in line:
            if not quotes_close(text):
                self._reject(UNCLOSED, line)
                return
            width = len(next(csv.reader([text])))
        else:
            width = line.count(b",") + 1
        if width != self._width:
            self._reject(f"{width} fields, expected {self._width}", line)
            return
        self.lines.append(self._number)
        self._out += line
        self._out += b"\n"


def _read_votes(con, path: Path, name: str, header: list[str], names: list[str],
                layout: str) -> list[Reject]:
    """`_read` for the large layouts, whose values never span lines: lines judged by `_Lines`,
    parsed by Arrow a block at a time."""
    bad: list[Reject] = []
    seen = 0  # rows read so far, the header row included
    first: list[str] = []
    try:
        with open_capped(path, name) as stream:
            lines = _Lines(stream, len(names), bad, get_settings().max_line_bytes)
            reader = pacsv.open_csv(
                io.BufferedReader(lines, 1 << 20),
                read_options=pacsv.ReadOptions(block_size=4 << 20, column_names=names),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
            for batch in reader:
                if not batch.num_rows:
                    continue
                numbers = pa.array(lines.lines[seen:seen + batch.num_rows], pa.int64())
                chunk = pa.Table.from_batches([batch]).append_column("line", numbers)
                if not seen:
                    first = [batch.column(c)[0].as_py().strip() for c in names]
                    chunk = chunk.slice(1)
                seen += batch.num_rows
                if seen - 1 > MAX_ROWS[layout]:
                    raise _too_many_rows(name, layout)
                if len(bad) > MAX_REJECTS:
                    raise too_many_rejects(name, layout, bad[0])
                con.register("_chunk", chunk)
                con.execute("INSERT INTO rawt SELECT * FROM _chunk")
                con.unregister("_chunk")
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
        raise SourceError(f"{name}: cannot be read as CSV: {one_line(exc)}") from exc
    if bad and bad[0].line == 1 or first != header:
        raise SourceError(f"{name}: the header line cannot be read as CSV (an unbalanced quote "
                          "or a line break inside a column name?)")
    return bad


def _read(con, path: Path, name: str, header: list[str], layout: str) -> list[Reject]:
    """Read the file into table `rawt` of `con`, a block at a time: every column as text,
    named by `_columns`, with `line`, the physical line (the header is line 1). A row with the
    wrong number of fields, a quote that does not close on its line, or an overlong line is a
    reject with its line; blank lines are passed over."""
    names = _columns(header, layout)
    width = len(names)
    con.execute(f"CREATE TABLE rawt ({', '.join(f'{ident(c)} VARCHAR' for c in names)}, "
                "line BIGINT)")
    if layout in ("unvotes-votes", "voeten"):  # the large ones: Arrow reads them fast
        return _read_votes(con, path, name, header, names, layout)
    bad: list[Reject] = []
    rows = 0
    columns: list[list[str]] = [[] for _ in names]
    lines: list[int] = []

    def flush() -> None:
        block = pa.table({**{c: pa.array(v, pa.string()) for c, v in zip(names, columns,
                                                                            strict=True)},
                          "line": pa.array(lines, pa.int64())})
        con.register("_block", block)
        con.execute("INSERT INTO rawt SELECT * FROM _block")
        con.unregister("_block")
        for column in columns:
            column.clear()
        lines.clear()

    # roll-call descriptions may hold line breaks; in any other column one means a quote that
    # does not close, joining lines into one record
    texts = {"short", "descr"} if layout == "unvotes-roll-calls" else set()
    with CsvFile(path, name, repeated_names=True, multiline=bool(texts)) as f:
        if f.header != header:
            raise SourceError(f"{name}: the header line cannot be read as CSV (an unbalanced "
                              "quote or a line break inside a column name?)")
        for row in f.rows():
            if row.fields is None or len(row.fields) != width:
                problem = row.problem or f"{len(row.fields or ())} fields, expected {width}"
                bad.append(Reject(row.line, problem, row.raw))
                if len(bad) > MAX_REJECTS:
                    raise too_many_rejects(name, layout, bad[0])
                continue
            broken = [c for c, v in zip(names, row.fields, strict=True)
                      if "\n" in v and c not in texts]
            if broken:
                bad.append(Reject(row.line, f"a line break inside {broken[0]} (a quote that "
                                  "does not close on its line?)", row.raw))
                continue
            rows += 1
            if rows > MAX_ROWS[layout]:
                raise _too_many_rows(name, layout)
            for column, value in zip(columns, row.fields, strict=True):
                column.append(value)
            lines.append(row.line)
            if len(lines) >= _BLOCK_ROWS:
                flush()
    if lines:
        flush()
    return bad


# --- votes ----------------------------------------------------------------------------------

def _country(code: str, name: str, scheme: str) -> tuple[str | None, str | None]:
    """(ISO3, None) of a vote's country code (or, without a code, its name), or (None, the
    reason it maps to nothing)."""
    code_s, name_s = code.strip(), name.strip()
    if code_s:
        iso3 = to_iso3(code_s, scheme)
        return iso3, None if iso3 else f"country {code_s}: {why_unmapped(code_s, scheme)}"
    # unvotes leaves a few historical states without a code: use the name
    iso3 = from_name(name_s)
    return iso3, None if iso3 else (
        f"no country code for {name_s!r}: {why_unmapped(name_s, 'name')}" if name_s
        else "no country code")


_CMAP = pa.schema([("code", pa.string()), ("name", pa.string()), ("iso3", pa.string()),
                   ("why", pa.string())])


def _country_map(con, name: str, layout: str, scheme: str) -> None:
    """Table `cmap` (code, name) -> ISO3 or the reason it maps to nothing, one row per
    distinct key of table `t`, mapped a block at a time. A file whose unmapped keys alone
    reject more than MAX_REJECTS rows fails here, before more keys are mapped."""
    con.execute("CREATE TABLE cmap (code VARCHAR, name VARCHAR, iso3 VARCHAR, why VARCHAR)")
    cur = con.cursor()  # reads the keys while `con` writes the map
    try:
        keys = cur.execute("SELECT code, name, count(*) FILTER (WHERE NOT skip), min(line) "
                           "FROM t GROUP BY ALL")
        rejected = 0
        while block := keys.fetchmany(20_000):
            rows: dict[str, list] = {"code": [], "name": [], "iso3": [], "why": []}
            for code, key_name, counted, line in block:
                iso3, why = _country(code, key_name, scheme)
                for col, value in zip(rows, (code, key_name, iso3, why), strict=True):
                    rows[col].append(value)
                if why:
                    rejected += counted
                    if rejected > MAX_REJECTS:
                        raise too_many_rejects(name, layout, Reject(line, why, ""))
            con.register("_keys", pa.table(rows, schema=_CMAP))
            con.execute("INSERT INTO cmap SELECT * FROM _keys")
            con.unregister("_keys")
    finally:
        cur.close()


def _votes(con, name: str, layout: str, store: Store
           ) -> tuple[pa.Table, list[Reject], dict[str, int]]:
    """Normalise the votes of table `rawt`; returns the votes to offer, the rejects and the
    non-vote counts (Voeten's absences and non-member rows)."""
    voeten = layout == "voeten"
    code_col = ident("ccode" if voeten else "country_code")
    columns = [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'rawt' "
        "ORDER BY ordinal_position").fetchall()]
    name_col = ident("country") if "country" in columns else "''"
    raw_cols = [c for c in columns if c != "line"]
    skip = "trim(vote) IN ('8', '9')" if voeten else "false"
    # The name matters only without a code (see _country); a code with a letter or digit is
    # never blank once stripped, so its name is left out of the key, and a file that gives
    # every row its own name costs one key per code, not one per row.
    con.execute(f"""
        CREATE TABLE t AS
        SELECT line, rcid, {code_col} AS code, vote, {skip} AS skip,
               CASE WHEN regexp_matches({code_col}, '[0-9A-Za-z]') THEN ''
                    ELSE {name_col} END AS name
        FROM rawt""")
    _country_map(con, name, layout, "cow" if voeten else "iso2")
    if voeten:
        vote_sql = "CASE trim(t.vote) WHEN '1' THEN 'yes' WHEN '2' THEN 'abstain' " \
                   "WHEN '3' THEN 'no' END"
        bad_vote = "'vote code ' || q(t.vote) || ' is not 1, 2, 3, 8 or 9'"
    else:
        vote_sql = "CASE lower(trim(t.vote)) WHEN 'yes' THEN 'yes' WHEN 'no' THEN 'no' " \
                   "WHEN 'abstain' THEN 'abstain' END"
        bad_vote = "'vote ' || q(t.vote) || ' is not yes, no or abstain'"
    con.execute("CREATE OR REPLACE MACRO q(s) AS '''' || s || ''''")
    con.execute(f"""
        CREATE TABLE n AS
        SELECT t.line, TRY_CAST(trim(t.rcid) AS INTEGER) AS rcid, cmap.iso3 AS country,
               {vote_sql} AS vote, t.skip, trim(t.vote) AS code_vote,
               CASE WHEN TRY_CAST(trim(t.rcid) AS INTEGER) IS NULL
                         OR TRY_CAST(trim(t.rcid) AS INTEGER) <= 0
                    THEN 'rcid ' || q(t.rcid) || ' is not a positive whole number'
                    WHEN {vote_sql} IS NULL THEN {bad_vote}
                    WHEN cmap.iso3 IS NULL THEN cmap.why END AS why
        FROM t JOIN cmap ON t.code = cmap.code AND t.name = cmap.name""")
    skipped = dict(con.execute("SELECT code_vote, count(*) FROM n WHERE skip GROUP BY ALL")
                   .fetchall())
    # within the file: conflicting votes reject every row of the pair; repeats reject the rest
    # (grouped first: windows over every row would cost seconds on 870k rows)
    con.execute("""
        CREATE TABLE d AS
        SELECT rcid, country, count(DISTINCT vote) AS versions, min(line) AS first,
               array_to_string(list_sort(list(DISTINCT vote)), ', ') AS votes
        FROM n WHERE why IS NULL AND NOT skip GROUP BY ALL HAVING count(*) > 1""")
    con.execute("""
        CREATE TABLE w AS
        SELECT n.line, 'rcid ' || n.rcid || ', ' || n.country || ': ' ||
               CASE WHEN d.versions > 1 THEN 'conflicting votes in this file (' || d.votes || ')'
                    ELSE 'repeats line ' || d.first || ' (same vote)' END AS why
        FROM n JOIN d USING (rcid, country)
        WHERE n.why IS NULL AND NOT n.skip AND (d.versions > 1 OR n.line > d.first)""")
    bad_rows = """SELECT line, why FROM n WHERE why IS NOT NULL AND NOT skip
                  UNION ALL SELECT line, why FROM w WHERE why IS NOT NULL"""
    (count,) = con.execute(f"SELECT count(*) FROM ({bad_rows})").fetchall()[0]
    if count > MAX_REJECTS:
        line, why = con.execute(f"SELECT * FROM ({bad_rows}) ORDER BY line LIMIT 1").fetchall()[0]
        raise too_many_rejects(name, layout, Reject(line, why, ""))
    good = con.sql("SELECT rcid, country, vote, line FROM n WHERE why IS NULL AND NOT skip "
                   "AND line NOT IN (SELECT line FROM w) ORDER BY rcid, country").to_arrow_table()
    # against the store: the same vote is a duplicate (the loader skips it), another is a reject
    cur = store.con.cursor()  # its own connection: the store's may hold an unread result
    cur.register("_unga_new", good)
    try:
        clash = cur.execute("""
            SELECT n.line, 'rcid ' || n.rcid || ', ' || n.country || ': ' || n.vote
                   || ' here, but the store already holds ' || s.vote || ' from another file'
            FROM _unga_new n JOIN un_votes s USING (rcid, country)
            WHERE s.vote <> n.vote""").fetchmany(MAX_REJECTS + 1)
    finally:
        cur.close()
    if count + len(clash) > MAX_REJECTS:
        raise too_many_rejects(name, layout, Reject(*min(clash), ""))
    reasons = con.execute(bad_rows).fetchall() + clash
    rejects = _with_raw(con, reasons, raw_cols)
    if clash:
        lines = pa.array([line for line, _ in clash], pa.int64())
        good = good.filter(pc.invert(pc.is_in(good["line"], lines)))
    return good.select(list(VOTE_COLUMNS)), rejects, skipped


def _with_raw(con, reasons: list[tuple[int, str]], raw_cols: list[str]) -> list[Reject]:
    if not reasons:
        return []
    con.register("reasons", pa.table({"line": [r[0] for r in reasons],
                                      "why": [r[1] for r in reasons]}))
    fields = ", ".join(ident(c) for c in raw_cols)
    rows = con.execute(f"""SELECT reasons.line, why, concat_ws(',', {fields})
                           FROM reasons JOIN rawt USING (line) ORDER BY reasons.line""")
    return [Reject(line, why, raw) for line, why, raw in rows.fetchall()]


# --- roll calls -----------------------------------------------------------------------------

def _int(text: str, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a whole number") from None
    if value <= 0:
        raise ValueError(f"{what} {text!r} is not positive")
    return value


def _flag(text: str, what: str) -> bool | None:
    text = text.strip()
    if text in ("", "NA"):
        return None
    if text not in ("0", "1"):
        raise ValueError(f"{what} {text!r} is not 0 or 1")
    return text == "1"


def _day(text: str, voeten: bool) -> date:
    text = text.strip()
    try:
        if voeten:  # M/D/YYYY
            month, day, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not a real date "
                         f"({'M/D/YYYY' if voeten else 'YYYY-MM-DD'})") from None


def _text(value: str) -> str | None:
    value = " ".join(value.split())
    return value or None


def _keyed(rows: list[dict], key: Callable[[dict], object], make: Callable[[dict], tuple],
           raw_cols: list[str]) -> tuple[list[tuple], list[Reject]]:
    """Rows made into records, one per key: a key given twice the same way keeps the first
    and rejects the repeats; given differently, every row of it is rejected."""
    made: dict[object, list[tuple[int, tuple]]] = {}
    rejects: list[Reject] = []

    def raw(row: dict) -> str:
        return ",".join(row[c] for c in raw_cols)

    for row in rows:
        try:
            k, record = key(row), make(row)
        except ValueError as exc:
            rejects.append(Reject(row["line"], str(exc), raw(row)))
            continue
        made.setdefault(k, []).append((row["line"], record, row))
    good = []
    for k, items in made.items():
        first_line, first, _ = items[0]
        if any(record != first for _, record, _ in items[1:]):
            rejects += [Reject(line, f"{k}: given {len(items)} times with different values",
                               raw(row)) for line, _, row in items]
            continue
        good.append(first)
        rejects += [Reject(line, f"{k}: repeats line {first_line}", raw(row))
                    for line, _, row in items[1:]]
    return good, rejects


def _roll_calls(rows: list[dict], raw_cols: list[str]) -> tuple[list[tuple], list[Reject]]:
    def make(r: dict) -> tuple:
        return (_int(r["rcid"], "rcid"), "unvotes-roll-calls", _int(r["session"], "session"),
                _day(r["date"], False), _flag(r["importantvote"], "importantvote"),
                _text(r["unres"]), _flag(r.get("amend", ""), "amend"),
                _flag(r.get("para", ""), "para"), _text(r["short"]), _text(r["descr"]), None)

    return _keyed(rows, lambda r: f"rcid {_int(r['rcid'], 'rcid')}", make, raw_cols)


def _issue_tags(rows: list[dict], raw_cols: list[str]) -> tuple[list[tuple], list[Reject]]:
    def make(r: dict) -> tuple:
        code = r["short_name"].strip().lower()
        if code not in ISSUES:
            raise ValueError(f"issue {r['short_name']!r} is not one of {', '.join(ISSUES)}")
        label = " ".join(r.get("issue", "").split())
        if label and label.lower() != ISSUES[code].lower():
            raise ValueError(f"issue {label!r} does not match short name {code!r} "
                             f"({ISSUES[code]})")
        return (_int(r["rcid"], "rcid"), code)

    def key(r: dict) -> str:
        return f"rcid {_int(r['rcid'], 'rcid')} issue {r['short_name'].strip().lower()}"

    pairs, rejects = _keyed(rows, key, make, raw_cols)
    tags: dict[int, set[str]] = {}
    for rcid, code in pairs:
        tags.setdefault(rcid, set()).add(code)
    good = [(rcid, "unvotes-issues", None, None, None, None, None, None, None, None,
             [c for c in ISSUES if c in codes]) for rcid, codes in sorted(tags.items())]
    return good, rejects


def _voeten_roll_calls(con, name: str) -> tuple[list[tuple], list[Reject]]:
    """One roll call per rcid from the Voeten rows (every row repeats its roll call's facts:
    rows that disagree reject the roll call)."""
    (calls,) = con.execute("SELECT count(DISTINCT rcid) FROM rawt "
                           "WHERE TRY_CAST(trim(rcid) AS INTEGER) > 0").fetchall()[0]
    if calls > MAX_ROLL_CALLS:
        raise SourceError(f"{name}: more than {MAX_ROLL_CALLS:,} roll calls, the most a voeten "
                          "file may hold (the UN has held some 6,000 recorded votes)")
    facts = ["session", "importantvote", "date", "unres", *ISSUES]
    listed = ", ".join(ident(c) for c in facts)
    # distinct versions first, then counted per rcid: a plain grouping spills to disk where
    # count(DISTINCT ...) over millions of rows would not
    rows = con.execute(f"""
        WITH v AS (SELECT rcid, {listed}, min(line) AS line FROM rawt
                   WHERE TRY_CAST(trim(rcid) AS INTEGER) > 0 GROUP BY ALL)
        SELECT rcid, min(line) AS line, count(*) AS versions,
               {", ".join(f"any_value({ident(c)}) AS {ident(c)}" for c in facts)}
        FROM v GROUP BY rcid""")
    columns = [d[0] for d in rows.description]
    good, rejects = [], []
    for values in rows.fetchall():
        r = dict(zip(columns, values, strict=True))
        try:
            if r["versions"] > 1:
                raise ValueError(f"rcid {r['rcid']}: its rows disagree on the roll call's "
                                 "session, date, resolution or issues")
            flags = {c: _flag(r[c], c) for c in ISSUES}
            good.append((_int(r["rcid"], "rcid"), "voeten", _int(r["session"], "session"),
                         _day(r["date"], True), _flag(r["importantvote"], "importantvote"),
                         _text(r["unres"]), None, None, None, None,
                         [c for c, on in flags.items() if on]))
        except ValueError as exc:
            rejects.append(Reject(r["line"], f"roll call: {exc}", ",".join(
                f"{c}={r[c]}" for c in ("rcid", *facts))))
    return good, rejects


# --- one file -------------------------------------------------------------------------------

def parse_file(store: Store, path: Path, name: str) -> Parsed:
    """Read one UN votes file of any of the four layouts (the store is read to tell
    duplicate votes from conflicting ones)."""
    head = read_bytes(path, name, limit=1 << 20, head=True)
    if not head.strip():
        raise SourceError(f"{name}: empty file")
    header = _header(head, name)
    del head
    layout, extra = detect_layout(header, name)
    notes = [f"ignored column(s) {', '.join(extra)}"] if extra else []
    try:
        return _parse(store, path, name, header, layout, notes)
    except duckdb.OutOfMemoryException as exc:
        raise SourceError(f"{name}: too big to parse in the {_SCRATCH_MEMORY} of memory a UN "
                          f"votes file is given ({one_line(exc)[:80]})") from exc


def _parse(store: Store, path: Path, name: str, header: list[str], layout: str,
           notes: list[str]) -> Parsed:
    batches: list[Batch] = []
    with _scratch() as con:
        bad = _read(con, path, name, header, layout)
        (kept,) = con.execute("SELECT count(*) FROM rawt").fetchall()[0]
        rows_read = kept + len(bad)
        raw_cols = _columns(header, layout)
        if layout in ("unvotes-roll-calls", "unvotes-issues"):
            rows = con.sql("SELECT * FROM rawt ORDER BY line").to_arrow_table().to_pylist()
            make = _roll_calls if layout == "unvotes-roll-calls" else _issue_tags
            good, rejects = make(rows, raw_cols)
            batches.append(Batch("un_roll_calls", ROLL_CALL_COLUMNS, good))
            return Parsed(layout, rows_read, batches, bad + rejects, tuple(notes))
        votes, rejects, skipped = _votes(con, name, layout, store)
        if layout == "voeten":
            calls, call_rejects = _voeten_roll_calls(con, name)
            rejects += call_rejects
            batches.append(Batch("un_roll_calls", ROLL_CALL_COLUMNS, calls))
            not_votes = ", ".join(f"{skipped[c]:,} {VOETEN_NOT_VOTES[c]} (code {c})"
                                  for c in sorted(skipped))
            if not_votes:
                notes.append(f"rows that are not votes, neither stored nor rejected: "
                             f"{not_votes}")
    batches.append(Batch("un_votes", VOTE_COLUMNS, votes))
    return Parsed(layout, rows_read, batches, bad + rejects, tuple(notes))


def load_file(store: Store, path: Path, name: str | None = None) -> FileResult:
    """Load one UN votes file (any layout, plain or compressed) in one transaction; raises
    SourceError when it cannot be loaded, leaving nothing of it in the store."""
    return load_records(store, path, name or str(path), source=SOURCE,
                        parse=partial(parse_file, store), expect=EXPECT)


def ingest_unvotes(ctx: Context, paths: list[str]) -> IngestReport:
    """Load UN votes files (unvotes votes, roll calls, issues; Voeten), in any order."""
    if not paths:
        raise UsageError("give the UN votes files to load (un_votes.csv, un_roll_calls.csv, "
                         "un_roll_call_issues.csv or UNVotesPublished*.csv.gz)")
    targets, _ = expand(paths, _SUFFIXES)
    report = IngestReport()
    ctx.progress.planned(len(targets), "UN votes files")
    for name, path in targets:
        attempt(ctx, report, name, lambda name=name, path=path: load_file(ctx.store, path,
                                                                          name))
    return report
