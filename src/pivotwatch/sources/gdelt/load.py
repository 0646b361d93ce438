"""Stream one GDELT event export into the store, in one transaction.

DuckDB's CSV reader parses the file in parallel with bounded memory; a row that does not parse
(wrong column count, a bad or empty number or date, invalid UTF-8) goes to `rejects` with its
line number. Two scans run inside the file's transaction: the first counts every valid row into
`daily_counts` (the media-volume denominator) and collects the rejects; the second keeps the
events that involve a watched country. Both read the same typed columns, so they accept and
reject the same rows; a check makes sure of it.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pivotwatch.errors import QualityError, SourceError
from pivotwatch.sources.gdelt.layout import (
    ALTERNATE,
    BY_WIDTH,
    OPTIONAL_NUMBERS,
    STORE_COLUMNS,
    TYPED,
    Layout,
)
from pivotwatch.sources.inputs import hash_file, plain_file, sniff_widths
from pivotwatch.store.store import Store, one_line, utcnow

SOURCE = "gdelt"

# Data-quality expectations, checked after each file: below them the file fails as a whole.
MIN_VALID_ROWS = 1
MAX_REJECT_SHARE = 0.5

# Empty fields are read as empty strings (not NULL) so that an empty number is a cast error
# with a line number; this byte never occurs in GDELT text.
_NULL_SENTINEL = "\\x01"

_scan_ids = itertools.count(1)


@dataclass
class FileResult:
    name: str
    status: str  # loaded | skipped
    file_id: str
    layout: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scan(path: Path, layout: Layout, tag: str) -> str:
    """A read_csv call that parses `layout` and sends bad rows to temp tables `tag`_*."""
    columns = "{" + ", ".join(f"{_quote(c)}: {_quote(t)}"
                              for c, t in layout.duckdb_columns().items()) + "}"
    return (
        f"read_csv({_quote(str(path))}, delim='\\t', quote='', escape='', header=false, "
        f"auto_detect=false, columns={columns}, dateformat='%Y%m%d', encoding='utf-8', "
        f"nullstr=E'{_NULL_SENTINEL}', store_rejects=true, "
        f"rejects_table='{tag}_errors', rejects_scan='{tag}_scans')"
    )


def _country(column: str) -> str:
    return f"nullif(\"{column}\", '')"


def _store_expr(gdelt: str, layout: Layout) -> str:
    if not layout.has(gdelt):
        return "NULL"
    if gdelt in TYPED:
        return f'"{gdelt}"'
    if gdelt in OPTIONAL_NUMBERS:
        return f"TRY_CAST(\"{gdelt}\" AS {OPTIONAL_NUMBERS[gdelt]})"
    return f"nullif(\"{gdelt}\", '')"


def _detect_layout(path: Path, name: str) -> Layout:
    widths = sniff_widths(path)
    if not widths:
        raise SourceError(f"{name}: empty file")
    known = Counter(w for w in widths if w in BY_WIDTH)
    if not known:
        raise SourceError(
            f"{name}: not a GDELT event export (line 1 has {widths[0]} tab-separated "
            f"columns; expected 57, 58 or 61)"
        )
    return BY_WIDTH[known.most_common(1)[0][0]]


_REASON = """
    arg_min(
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
             THEN 'wrong column count: expected {width}, found '
                  || (length(csv_line) - length(replace(csv_line, chr(9), '')) + 1)
             WHEN error_type = 'CAST' AND error_message LIKE '%string "" to%'
             THEN 'empty ' || column_name
             WHEN error_type = 'CAST'
             THEN 'bad value in ' || column_name || ': '
                  || regexp_replace(error_message,
                                    '^.*Could not convert string (".*") to ''(\\w+)''.*$',
                                    '\\1 is not a valid \\2')
             ELSE lower(error_type::VARCHAR) || ': ' || error_message
        END,
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') THEN -1
             ELSE column_idx END)"""


class _FileLoad:
    """The work of loading one plain file; runs inside one store transaction.

    Scan A stages (id, day, actor countries) of every row that parses; scan B inserts the
    watched events. B reads more columns than A, so it rejects every row A rejects and perhaps
    more (a bad byte in a name): B's rejects are the file's rejects, and rows only B rejected
    leave the staging table before anything is counted.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, file_id: str, countries: Sequence[str]):
        self.con = con
        self.file_id = file_id
        self.watched = "(" + ", ".join(_quote(c) for c in countries) + ")"
        self.valid = 0  # rows that parsed, repeated ids included
        self.inserted = 0  # events stored
        self.unparsed = 0  # lines that did not parse
        self.rejected = 0  # rows rejected: unparsed lines and repeats of an id in the file
        self.overlap = 0  # rows whose GLOBALEVENTID was already loaded from another file

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(query, params or []).fetchall()

    def run(self, path: Path, layout: Layout, line_map: list[int] | None,
            totals: list[tuple] | None, workdir: Path) -> None:
        tag = f"pw_scan{next(_scan_ids)}"
        try:
            lo, hi = self._stage(path, layout, tag)
            self.inserted += self._insert_events(path, layout, tag, lo, hi)
            alternates = self._rejects(tag, layout, line_map)
            self._count(tag, lo, hi, totals)
        finally:
            for suffix in ("rows", "ids", "a_errors", "a_scans", "b_errors", "b_scans"):
                self.sql(f"DROP TABLE IF EXISTS {tag}_{suffix}")
        if alternates:
            # GDELT 1.0 rows of the other 1.0 layout (57 vs 58 columns): read them with it.
            with tempfile.TemporaryDirectory(dir=workdir, prefix="alt-") as tmp:
                alt_path = Path(tmp) / "rows.tsv"
                with alt_path.open("w", encoding="utf-8", newline="\n") as fh:
                    fh.writelines(raw.rstrip("\r\n") + "\n" for _, raw in alternates)
                # Given totals already cover these rows; otherwise count them now.
                self.run(alt_path, ALTERNATE[layout.width], [line for line, _ in alternates],
                         None if totals is None else [], workdir)

    def _stage(self, path: Path, layout: Layout, tag: str) -> tuple[int, int]:
        self.sql(
            f"""CREATE TEMP TABLE {tag}_rows AS
                SELECT GLOBALEVENTID AS id, SQLDATE AS day, {_country('Actor1CountryCode')} AS a1,
                       {_country('Actor2CountryCode')} AS a2
                FROM {_scan(path, layout, tag + '_a')}"""
        )
        lo, hi = self.sql(f"SELECT min(id), max(id) FROM {tag}_rows")[0]
        return (lo or 0), (hi or 0)

    def _insert_events(self, path: Path, layout: Layout, tag: str, lo: int, hi: int) -> int:
        select = ", ".join(f"{_store_expr(g, layout)} AS {col}"
                           for col, g in STORE_COLUMNS.items())
        a1, a2 = _country("Actor1CountryCode"), _country("Actor2CountryCode")
        # The id range lets DuckDB skip other files' row groups in the anti-join.
        (inserted,) = self.sql(
            f"""INSERT INTO events BY NAME
                SELECT {select}, {layout.version} AS gdelt_version, ? AS file_id
                FROM {_scan(path, layout, tag + '_b')} s
                WHERE ({a1} IN {self.watched} OR {a2} IN {self.watched})
                  AND NOT EXISTS (SELECT 1 FROM events e
                                  WHERE e.event_id BETWEEN ? AND ?
                                    AND e.event_id = s.GLOBALEVENTID)""",
            [self.file_id, lo, hi],
        )[0]
        return int(inserted)

    def _rejects(self, tag: str, layout: Layout, line_map: list[int] | None):
        """Store the file's rejects; return (line, raw) of rows of the alternate layout."""
        rows = self.sql(
            f"""SELECT line, {_REASON.format(width=layout.width)} AS reason,
                       any_value(csv_line) AS raw
                FROM {tag}_b_errors GROUP BY line ORDER BY line"""
        )
        staged_anyway = {line for (line,) in self.sql(
            f"""SELECT DISTINCT line FROM {tag}_b_errors
                EXCEPT SELECT DISTINCT line FROM {tag}_a_errors""")}
        other = ALTERNATE.get(layout.width)
        alternates, keep = [], []
        for line, reason, raw in rows:
            original = line_map[line - 1] if line_map else line
            if line_map is None and other and raw.count("\t") + 1 == other.width:
                alternates.append((original, raw))
            else:
                keep.append((self.file_id, original, reason, raw))
            if line in staged_anyway:
                # parsed by scan A (id, date and countries are fine): take it out again
                self.sql(
                    f"""DELETE FROM {tag}_rows WHERE rowid = (
                          SELECT min(rowid) FROM {tag}_rows WHERE id = ?)""",
                    [int(raw.split("\t", 1)[0])],
                )
        if keep:
            self.con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)", keep)
        self.unparsed += len(keep)
        self.rejected += len(keep)
        return alternates

    def _count(self, tag: str, lo: int, hi: int, totals: list[tuple] | None) -> None:
        """Daily counts and counted ids, each GLOBALEVENTID once across all files."""
        self.sql(
            f"""CREATE TEMP TABLE {tag}_ids AS
                SELECT id, count(*) AS n, any_value(day) AS day, any_value(a1) AS a1,
                       any_value(a2) AS a2
                FROM {tag}_rows r
                WHERE NOT EXISTS (SELECT 1 FROM counted_ids c
                                  WHERE c.event_id BETWEEN ? AND ? AND c.event_id = r.id)
                GROUP BY id""",
            [lo, hi],
        )
        (staged,) = self.sql(f"SELECT count(*) FROM {tag}_rows")[0]
        new_ids, new_rows = self.sql(f"SELECT count(*), coalesce(sum(n), 0) FROM {tag}_ids")[0]
        self.valid += int(staged)
        self.overlap += int(staged - new_rows)
        repeats = self.sql(
            f"SELECT id, n - 1 FROM {tag}_ids WHERE n > 1 ORDER BY id LIMIT 1000")
        if repeats:
            extra = int(new_rows - new_ids)
            self.rejected += extra
            self.con.executemany(
                "INSERT INTO rejects VALUES (?, NULL, ?, NULL)",
                [(self.file_id, f"GLOBALEVENTID {eid} repeated {k} more time(s) in this file; "
                  "counted and kept once") for eid, k in repeats])
        if totals is None:
            self.sql(
                f"""INSERT INTO daily_counts SELECT ?, day, a1, a2, count(*) FROM {tag}_ids
                    GROUP BY ALL""", [self.file_id])
        elif totals:
            if staged != new_rows:
                raise QualityError(
                    "this extract's events were already loaded from its original file; "
                    "its daily counts would be counted twice")
            self.con.executemany("INSERT INTO daily_counts VALUES (?, ?, ?, ?, ?)",
                                 [(self.file_id, *row) for row in totals])
        self.sql(f"INSERT INTO counted_ids SELECT id FROM {tag}_ids")

    def count_ids(self, ranges: Iterable[tuple[int, int]]) -> None:
        """Mark the ids of an extract's original file as counted (its totals cover them)."""
        for first, last in ranges:
            self.sql(
                """INSERT INTO counted_ids SELECT r.range FROM range(?, ? + 1) r
                   WHERE NOT EXISTS (SELECT 1 FROM counted_ids c WHERE c.event_id = r.range)""",
                [first, last])

    def drop_repeated_events(self) -> None:
        """Keep the first stored row of a GLOBALEVENTID the file repeats (already rejected)."""
        self.sql(
            """DELETE FROM events WHERE rowid IN (
                 SELECT rowid FROM (
                   SELECT rowid, row_number() OVER (PARTITION BY event_id ORDER BY rowid) AS k
                   FROM events WHERE file_id = ?) WHERE k > 1)""",
            [self.file_id],
        )
        (self.inserted,) = self.sql("SELECT count(*) FROM events WHERE file_id = ?",
                                    [self.file_id])[0]


def load_file(store: Store, path: Path, *, name: str | None = None,
              countries: Sequence[str], workdir: Path,
              extract_of: str | None = None, totals: list[tuple] | None = None,
              original_ids: Iterable[tuple[int, int]] = ()) -> FileResult:
    """Load one GDELT export (plain or zip). Raises SourceError if it cannot be loaded.

    Nothing of a file that fails stays in the store; the failure is noted in `files`.
    For filtered extracts such as the bundled sample, `totals` gives the daily counts of the
    original full file as (day, actor1, actor2, events) rows, and `original_ids` the
    (first, last) runs of its GLOBALEVENTIDs, which those totals cover.
    """
    name = name or str(path)
    started = utcnow()
    file_id = None
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        with plain_file(path, workdir, name) as plain:
            file_id = plain.content_hash
            if store.loaded_file(file_id):
                return FileResult(name, "skipped", file_id)
            layout = _detect_layout(plain.path, name)
            with store.transaction() as con:
                work = _FileLoad(con, file_id, countries)
                work.run(plain.path, layout, None, totals, workdir)
                work.count_ids(original_ids)
                if work.rejected > work.unparsed:
                    work.drop_repeated_events()
                read = work.valid + work.unparsed
                if work.valid < MIN_VALID_ROWS:
                    raise QualityError(f"no valid GDELT rows ({work.unparsed} malformed)")
                if work.unparsed > MAX_REJECT_SHARE * read:
                    raise QualityError(
                        f"{work.unparsed} of {read} rows are malformed, more than the "
                        f"{MAX_REJECT_SHARE:.0%} allowed; not a GDELT {layout.name} export?"
                    )
                con.execute(
                    """INSERT OR REPLACE INTO files (file_id, source, name, size_bytes,
                           content_bytes, layout, gdelt_version, extract_of, countries,
                           rows_read, rows_kept, rows_rejected, rows_duplicate, status, error,
                           started_at, finished_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', NULL, ?, ?)""",
                    [file_id, SOURCE, name, plain.size_bytes, plain.content_bytes, layout.name,
                     layout.version, extract_of, ",".join(countries), read, work.inserted,
                     work.rejected, work.overlap, started, utcnow()],
                ).fetchall()
                # an earlier failure under this name is resolved by this load
                con.execute("DELETE FROM files WHERE name = ? AND status = 'failed'",
                            [name]).fetchall()
            return FileResult(name, "loaded", file_id, layout=layout.name, rows_read=read,
                              rows_kept=work.inserted, rows_rejected=work.rejected,
                              rows_duplicate=work.overlap)
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except (SourceError, duckdb.Error, OSError, UnicodeError) as exc:
        message = one_line(exc)
        if not message.startswith(name):
            message = f"{name}: {message}"
        if path.is_file():
            store.record_failure(file_id=file_id or "raw-" + hash_file(path)[0], source=SOURCE,
                                 name=name, error=message, size_bytes=path.stat().st_size,
                                 started_at=started)
        raise SourceError(message) from exc
