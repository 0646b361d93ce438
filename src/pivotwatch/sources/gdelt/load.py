"""Stream one GDELT event export into the store, in one transaction.

DuckDB's CSV reader parses the file in parallel with bounded memory, every column as text; a
row that does not split (wrong column count, invalid UTF-8) goes to `rejects` with its line
number. Two scans run inside the file's transaction. Scan A stages (id, day, actor countries)
of every row and judges its checked values (`scans.reason`); scan B inserts the valid events
that involve a watched country. B reads more columns than A, so it rejects every row A
rejects and perhaps more (a bad byte in a name): B's rejects are the file's rejects, and rows
only B rejected leave the staging table. A row with a bad value (QuadClass 1000, SQLDATE
2015021) splits fine, so the reader gives no line number for it: `_ValueRejects` finds its
line by the row's checked values, and it becomes a reject too. The staged rows then give
`daily_counts` (the media-volume denominator), each GLOBALEVENTID once across all files.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path

import duckdb
import numpy as np
import xxhash

from pivotwatch.errors import QualityError, SourceError
from pivotwatch.sources.gdelt.layout import ALTERNATE, BY_WIDTH, STORE_COLUMNS, Layout
from pivotwatch.sources.gdelt.scans import (
    REJECT_REASON,
    country,
    ident,
    key,
    reason,
    scan,
    store_expr,
    typed,
    valid,
)
from pivotwatch.sources.inputs import hash_file, plain_file, read_lines, sniff_widths
from pivotwatch.sources.records import FileResult
from pivotwatch.store import derived
from pivotwatch.store.store import Store, one_line, utcnow

SOURCE = "gdelt"

# Data-quality expectations, checked after each file: below them the file fails as a whole.
MIN_VALID_ROWS = 1
MAX_REJECT_SHARE = 0.5

_scan_ids = itertools.count(1)


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


class _FileLoad:
    """The work of loading one plain file; runs inside one store transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file_id: str, countries: Sequence[str]):
        self.con = con
        self.file_id = file_id
        self.watched = list(countries)
        self.last_day = f"{date.today().year + 1}1231"  # the last SQLDATE accepted
        self.valid = 0  # rows that parsed, repeated ids included
        self.inserted = 0  # events stored
        self.unparsed = 0  # lines that did not parse
        self.repeats = 0  # rows repeating a GLOBALEVENTID seen earlier in the file
        self.overlap = 0  # ids already loaded from another file

    @property
    def rejected(self) -> int:
        return self.unparsed + self.repeats

    def sql(self, query: str, params: list | dict | None = None) -> list[tuple]:
        return self.con.execute(query, params or []).fetchall()

    def reject_lines(self, lines: Iterable[tuple[int, str, str]]) -> None:
        """Reject the lines blanked before parsing: (line number, reason, raw text)."""
        rows = iter(lines)  # in batches: a file may have millions of bad lines
        while batch := list(itertools.islice(rows, 10_000)):
            numbers, reasons, raws = zip(*batch, strict=True)
            self.sql("""INSERT INTO rejects SELECT ?, unnest(?::BIGINT[]), unnest(?::VARCHAR[]),
                                                   unnest(?::VARCHAR[])""",
                     [self.file_id, list(numbers), list(reasons), list(raws)])
            self.unparsed += len(batch)

    def run(self, path: Path, layout: Layout, line_map: list[int] | None,
            totals: list[tuple] | None, workdir: Path) -> None:
        """Load `path` read as `layout`; `line_map` maps its lines to the original file's.

        Temp tables live in the file's transaction: on an error the rollback removes them."""
        tag = f"pw_scan{next(_scan_ids)}"
        lo, hi, bad = self._stage(path, layout, tag)
        self.inserted += self._insert_events(path, layout, tag, lo, hi, bad > 0)
        if bad:
            _ValueRejects(self, layout, tag).find(path, bad)
        alternates = self._rejects(tag, layout, line_map, bool(bad))
        self._count(tag, lo, hi, totals)
        for suffix in ("rows", "ids", "bad", "a_errors", "a_scans", "b_errors", "b_scans"):
            self.sql(f"DROP TABLE IF EXISTS {tag}_{suffix}")
        if alternates:
            # GDELT 1.0 rows of the other 1.0 layout (57 vs 58 columns): read their original
            # bytes again with that layout.
            raw = read_lines(path, alternates)
            with tempfile.TemporaryDirectory(dir=workdir, prefix="alt-") as tmp:
                alt_path = Path(tmp) / "rows.tsv"
                with alt_path.open("wb") as fh:
                    fh.writelines(raw[n] + b"\n" for n in alternates)
                originals = [line_map[n - 1] if line_map else n for n in alternates]
                # Given totals already cover these rows; otherwise count them now.
                self.run(alt_path, ALTERNATE[layout.width], originals,
                         None if totals is None else [], workdir)

    def _stage(self, path: Path, layout: Layout, tag: str) -> tuple[int, int, int]:
        """Stage every row A reads; return the valid rows' id range and the bad rows' count.

        A bad row keeps its checked values (`key`, NULL for a valid row) until its line is
        found; its reason is worked out then (cheaper than for every row here)."""
        self.sql(
            f"""CREATE TEMP TABLE {tag}_rows AS
                SELECT {typed('GLOBALEVENTID')} AS id, {typed('SQLDATE')} AS day,
                       {country('Actor1CountryCode')} AS a1, {country('Actor2CountryCode')} AS a2,
                       CASE WHEN {valid(layout)} THEN NULL ELSE {key(layout)} END AS key
                FROM {scan(layout, tag + '_a')}""",
            {"path": str(path), "last_day": self.last_day},
        )
        lo, hi, bad = self.sql(
            f"""SELECT min(id) FILTER (WHERE key IS NULL), max(id) FILTER (WHERE key IS NULL),
                       count(key) FROM {tag}_rows""")[0]
        return (lo or 0), (hi or 0), int(bad)

    def _insert_events(self, path: Path, layout: Layout, tag: str, lo: int, hi: int,
                       check: bool) -> int:
        """Insert the watched events; with `check`, only those whose values are valid.

        Without bad rows in scan A (the usual case) B needs no check, as B's rows are among
        A's, and reads the checked columns typed (cheaper than text and a cast)."""
        fast = not check
        select = ", ".join(f"{store_expr(g, layout, fast)} AS {col}"
                           for col, g in STORE_COLUMNS.items())
        a1, a2 = country("Actor1CountryCode"), country("Actor2CountryCode")
        watched = f"list_contains($watched, {a1}) OR list_contains($watched, {a2})"
        # checked only where watched: CASE keeps DuckDB from checking every row
        keep = f"CASE WHEN {watched} THEN {valid(layout)} ELSE false END" if check else watched
        # The id range lets DuckDB skip other files' row groups in the anti-join.
        (inserted,) = self.sql(
            f"""INSERT INTO events BY NAME
                SELECT {select}, {layout.version} AS gdelt_version, $file_id AS file_id
                FROM {scan(layout, tag + '_b', typed_read=fast)} s
                WHERE ({keep})
                  AND NOT EXISTS (SELECT 1 FROM events e
                                  WHERE e.event_id BETWEEN $lo AND $hi
                                    AND e.event_id = {typed('GLOBALEVENTID', fast)})""",
            {"path": str(path), "file_id": self.file_id, "watched": self.watched, "lo": lo,
             "hi": hi, **({"last_day": self.last_day} if check else {})},
        )[0]
        return int(inserted)

    def _rejects(self, tag: str, layout: Layout, line_map: list[int] | None,
                 bad_values: bool) -> list[int]:
        """Store the rejects of scan B and the rows with bad values; return the lines that
        have the alternate layout."""
        self.sql(
            f"""CREATE TEMP TABLE {tag}_rej AS
                SELECT line, {REJECT_REASON.format(width=layout.width)} AS reason,
                       trim(any_value(csv_line), chr(10) || chr(13)) AS raw,
                       length(any_value(csv_line))
                         - length(replace(any_value(csv_line), chr(9), '')) + 1 AS width
                FROM {tag}_b_errors GROUP BY line"""
        )
        if bad_values:  # a line B could not read keeps B's reason
            self.sql(f"""INSERT INTO {tag}_rej SELECT line, reason, raw, NULL FROM {tag}_bad
                         WHERE line NOT IN (SELECT line FROM {tag}_rej)""")
        other = ALTERNATE.get(layout.width)
        alternate_width = other.width if other and line_map is None else -1
        alternates = [line for (line,) in self.sql(
            f"SELECT line FROM {tag}_rej WHERE width = ? ORDER BY line", [alternate_width])]
        # lines of a re-read file map back to the original file's through line_map
        line = "list_extract(?::BIGINT[], line::BIGINT)" if line_map else "line"
        (kept,) = self.sql(
            f"""INSERT INTO rejects SELECT ?, {line}, reason, raw FROM {tag}_rej
                WHERE width IS DISTINCT FROM ? ORDER BY line""",
            [self.file_id, *([line_map] if line_map else []), alternate_width])[0]
        self.unparsed += int(kept)
        self.sql(f"DROP TABLE {tag}_rej")
        # Rows that scan A parsed (their id, date and countries are fine) but B rejected
        # are in the staging table: take them out before counting.
        self.sql(
            f"""CREATE TEMP TABLE {tag}_b_only AS
                SELECT TRY_CAST(split_part(trim(csv_line, chr(10) || chr(13)), chr(9), 1)
                                AS BIGINT) AS id,
                       count(*) AS k
                FROM (SELECT DISTINCT line, csv_line FROM {tag}_b_errors
                      WHERE line NOT IN (SELECT line FROM {tag}_a_errors)
                        {f"AND line NOT IN (SELECT line FROM {tag}_bad)" if bad_values else ""})
                GROUP BY 1"""
        )
        self.sql(
            f"""DELETE FROM {tag}_rows WHERE rowid IN (
                  SELECT rowid FROM (
                    SELECT r.rowid AS rowid, d.k,
                           row_number() OVER (PARTITION BY r.id ORDER BY r.rowid) AS n
                    FROM {tag}_rows r JOIN {tag}_b_only d ON r.id = d.id)
                  WHERE n <= k)"""
        )
        self.sql(f"DROP TABLE {tag}_b_only")
        return alternates

    def _count(self, tag: str, lo: int, hi: int, totals: list[tuple] | None) -> None:
        """Daily counts and counted ids, each GLOBALEVENTID once across all files.

        Written as streaming anti-joins against `counted_ids` (restricted to this file's id
        range) so that memory does not grow with the file; only ids the file repeats are
        grouped."""
        self.sql(
            f"""CREATE TEMP TABLE {tag}_ids AS
                SELECT id, count(*) - 1 AS extra FROM {tag}_rows GROUP BY id HAVING count(*) > 1"""
        )
        (repeats,) = self.sql(f"SELECT coalesce(sum(extra), 0) FROM {tag}_ids")[0]
        if repeats:
            self.sql(
                f"""INSERT INTO rejects
                    SELECT ?, NULL, 'GLOBALEVENTID ' || id || ' repeated ' || extra
                                    || ' more time(s) in this file; counted and kept once', NULL
                    FROM {tag}_ids ORDER BY id""", [self.file_id])
            self.sql(
                f"""DELETE FROM {tag}_rows WHERE rowid IN (
                      SELECT rowid FROM (
                        SELECT rowid, row_number() OVER (PARTITION BY id ORDER BY rowid) AS k
                        FROM {tag}_rows WHERE id IN (SELECT id FROM {tag}_ids))
                      WHERE k > 1)""")
        self.repeats += int(repeats)
        new = f"""FROM {tag}_rows r WHERE NOT EXISTS (
                    SELECT 1 FROM counted_ids c
                    WHERE c.event_id BETWEEN $lo AND $hi AND c.event_id = r.id)"""
        span = {"lo": lo, "hi": hi}
        rows, fresh = self.sql(
            f"SELECT (SELECT count(*) FROM {tag}_rows), (SELECT count(*) {new})", span)[0]
        self.valid += int(rows) + int(repeats)
        self.overlap += int(rows - fresh)
        if totals is None:
            self.sql(f"""INSERT INTO daily_counts
                         SELECT $file_id, day, a1, a2, count(*) {new} GROUP BY ALL""",
                     {**span, "file_id": self.file_id})
        elif totals:
            if rows != fresh:
                raise QualityError(
                    "this extract's events were already loaded from its original file; "
                    "its daily counts would be counted twice")
            self.con.executemany("INSERT INTO daily_counts VALUES (?, ?, ?, ?, ?)",
                                 [(self.file_id, *row) for row in totals])
        self.sql(f"INSERT INTO counted_ids SELECT id {new}", span)

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


class _ValueRejects:
    """Finds the lines of the rows scan A judged bad (QuadClass 1000, SQLDATE 2015021) and
    stores them in `<tag>_bad` with their reasons; takes them out of the staging table.

    DuckDB's reader numbers only the lines it cannot split, and the store does not keep row
    order, so a bad row's line is found by its checked values: they alone decide that a row is
    bad, so every line carrying them is bad too. One pass over the file matches lines by a
    64-bit hash of those values, which keeps memory at 8 bytes per distinct bad row whatever
    the file. Each reason is then worked out again in SQL from the line's own text by the
    scans' rules, so a hash collision (a good line that matches) comes back valid and is passed
    over. The lines found must add up to the bad rows A counted, or the file fails."""

    BATCH = 50_000  # lines looked up at once
    BATCH_BYTES = 64 << 20
    # Lines of the plain file are at most DuckDB's 2 MB (a longer one is blanked before the
    # scans or rejected by the reader); reading stops at twice that.
    LONGEST = 4 << 20

    def __init__(self, work: _FileLoad, layout: Layout, tag: str):
        self.work, self.layout, self.tag = work, layout, tag
        self.positions = [layout.columns.index(c) for c in layout.checked()]

    def find(self, path: Path, bad: int) -> None:
        tag = self.tag
        self.work.sql(f"CREATE TEMP TABLE {tag}_bad (line BIGINT, reason VARCHAR, raw VARCHAR)")
        hashes = self._bad_hashes()
        self.work.sql(f"CREATE TEMP TABLE {tag}_found (line BIGINT, raw VARCHAR)")
        for numbers, raws in self._matches(path, hashes):
            self.work.sql(f"INSERT INTO {tag}_found SELECT unnest(?), unnest(?)",
                          [numbers, raws])
        fields = ", ".join(f"nullif(s[{k + 1}], chr(1)) AS {ident(c)}"
                           for k, c in enumerate(self.layout.columns) if k in self.positions)
        self.work.sql(
            f"""INSERT INTO {tag}_bad
                SELECT line, reason, raw FROM (
                  SELECT line, raw, {reason(self.layout)} AS reason FROM (
                    SELECT line, raw, {fields}
                    FROM (SELECT line, raw, string_split(raw, chr(9)) AS s FROM {tag}_found)))
                WHERE reason IS NOT NULL
                  AND line NOT IN (SELECT line FROM {tag}_a_errors)""",
            {"last_day": self.work.last_day})
        (found,) = self.work.sql(f"SELECT count(*) FROM {tag}_bad")[0]
        if found != bad:
            raise SourceError(f"found the lines of {found} of the {bad} rows with bad values; "
                              "the file is left unloaded")
        self.work.sql(f"DELETE FROM {tag}_rows WHERE key IS NOT NULL")
        self.work.sql(f"DROP TABLE {tag}_found")

    @staticmethod
    def _hash(values: Iterable[bytes]) -> int:
        return xxhash.xxh3_64_intdigest(b"\t".join(values))

    def _bad_hashes(self) -> np.ndarray:
        result = self.work.con.execute(
            f"SELECT DISTINCT key FROM {self.tag}_rows WHERE key IS NOT NULL")
        parts = [np.empty(0, dtype=np.uint64)]
        while chunk := result.fetchmany(10_000):
            parts.append(np.fromiter(
                (self._hash(b"\x01" if v is None else v.encode() for v in values)
                 for (values,) in chunk), dtype=np.uint64, count=len(chunk)))
        return np.unique(np.concatenate(parts))

    def _matches(self, path: Path, hashes: np.ndarray) -> Iterator[tuple[list, list]]:
        """(line numbers, raw texts) of the lines whose checked values hash into `hashes`."""
        pick = itemgetter(*self.positions)
        width, longest = self.layout.width, self.LONGEST
        numbers: list[int] = []
        keys: list[int] = []
        raws: list[bytes] = []
        size = 0
        with path.open("rb") as fh:
            number = 0
            while line := fh.readline(longest):
                number += 1
                if not line.endswith(b"\n") and len(line) == longest:
                    while (more := fh.readline(longest)) and not more.endswith(b"\n"):
                        pass
                    continue
                body = line.removesuffix(b"\n")
                if number == 1:
                    body = body.removeprefix(b"\xef\xbb\xbf")  # as the reader does
                fields = body.split(b"\t")
                if len(fields) != width:
                    continue
                numbers.append(number)
                keys.append(self._hash(pick(fields)))
                raws.append(body)
                size += len(body)
                if len(numbers) >= self.BATCH or size >= self.BATCH_BYTES:
                    yield self._hits(numbers, keys, raws, hashes)
                    numbers, keys, raws, size = [], [], [], 0
        if numbers:
            yield self._hits(numbers, keys, raws, hashes)

    @staticmethod
    def _hits(numbers: list[int], keys: list[int], raws: list[bytes],
              hashes: np.ndarray) -> tuple[list, list]:
        hit = np.flatnonzero(np.isin(np.array(keys, dtype=np.uint64), hashes))
        return ([numbers[i] for i in hit],
                [raws[i].decode("utf-8", "replace") for i in hit])


def _interrupted(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and "interrupt" in str(exc).lower())


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
                # the file's events are appended after these (the derived tables read them)
                before = con.execute("SELECT (SELECT count(*) FROM events), "
                                     "(SELECT count(*) FROM daily_counts)").fetchall()[0]
                work = _FileLoad(con, file_id, countries)
                work.reject_lines(plain.bad_lines)
                work.run(plain.path, layout, None, totals, workdir)
                work.count_ids(original_ids)
                if work.repeats:
                    work.drop_repeated_events()
                derived.add_file(store, file_id, list(countries), before)
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
    except (SourceError, duckdb.Error, OSError, UnicodeError, RuntimeError) as exc:
        if _interrupted(exc):
            raise KeyboardInterrupt from None
        message = one_line(exc)
        if not message.startswith(name):
            message = f"{name}: {message}"
        if path.is_file():
            store.record_failure(file_id=file_id or "raw-" + hash_file(path)[0], source=SOURCE,
                                 name=name, error=message, size_bytes=path.stat().st_size,
                                 started_at=started)
        raise SourceError(message) from exc
