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
from collections.abc import Callable
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pivotwatch.errors import SourceError, UsageError
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.gdelt.load import FileResult
from pivotwatch.sources.records import (
    Batch,
    Expectations,
    Parsed,
    Reject,
    expand,
    load_records,
    read_bytes,
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
_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".gz")


def bundled_sample() -> list[Path]:
    """The bundled sample: the watched countries' votes and the roll calls and issues they
    need (roll calls first, so a load in this order is complete at every step)."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "unga"))
    return [folder / n for n in ("un_roll_calls.csv.gz", "un_roll_call_issues.csv.gz",
                                 "un_votes_watched.csv.gz")]


# --- reading --------------------------------------------------------------------------------

def _header(data: bytes, name: str) -> list[str]:
    first = data.split(b"\n", 1)[0]
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


def _read(data: bytes, name: str, header: list[str], layout: str
          ) -> tuple[pa.Table, list[Reject]]:
    """Every column as text, named by `_columns`, with `line` (the header is line 1); rows
    with the wrong number of fields become rejects."""
    bad: list[Reject] = []

    def invalid(row) -> str:
        bad.append(Reject(row.number, f"{row.actual_columns} fields, expected "
                          f"{row.expected_columns}", row.text or ""))
        return "skip"

    names = _columns(header, layout)
    try:
        # Read positionally: the header row is read as data and checked against the header
        # parsed above, so a header the two readers see differently is refused, not guessed.
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(block_size=16 << 20, column_names=names),
            # quoted descriptions in the roll calls can hold line breaks
            parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                              invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
        raise SourceError(f"{name}: cannot be read as CSV: {one_line(exc)}") from exc
    first = [table[c][0].as_py().strip() for c in names] if table.num_rows else []
    if bad and bad[0].line == 1 or first != header:
        raise SourceError(f"{name}: the header line cannot be read as CSV (an unbalanced quote "
                          "or a line break inside a column name?)")
    table = table.slice(1)
    # Line numbers count records; they are file lines unless a quoted value breaks a line.
    lines = pa.array(range(2, table.num_rows + 2), pa.int64())
    return table.append_column("line", lines), bad


# --- votes ----------------------------------------------------------------------------------

def _country_map(keys: list[tuple[str, str]], scheme: str) -> pa.Table:
    """(code, name) -> ISO3 or the reason it maps to nothing; computed once per distinct key."""
    rows = {"code": [], "name": [], "iso3": [], "why": []}
    for code, name in keys:
        code_s, name_s = code.strip(), name.strip()
        if code_s:
            iso3 = to_iso3(code_s, scheme)
            why = None if iso3 else f"country {code_s}: {why_unmapped(code_s, scheme)}"
        else:  # unvotes leaves a few historical states without a code: use the name
            iso3 = from_name(name_s)
            why = None if iso3 else (
                f"no country code for {name_s!r}: {why_unmapped(name_s, 'name')}"
                if name_s else "no country code")
        for col, value in zip(rows, (code, name, iso3, why), strict=True):
            rows[col].append(value)
    return pa.table(rows, schema=pa.schema([("code", pa.string()), ("name", pa.string()),
                                            ("iso3", pa.string()), ("why", pa.string())]))


def _votes(con, table: pa.Table, layout: str, store: Store) -> tuple[pa.Table, list[Reject],
                                                                     dict[str, int]]:
    """Normalise one file's votes; returns the votes to offer, the rejects and the
    non-vote counts (Voeten's absences and non-member rows)."""
    voeten = layout == "voeten"
    code_col = "ccode" if voeten else "country_code"
    name_col = "country" if "country" in table.column_names else None
    names = table[name_col] if name_col else pa.array([""] * table.num_rows, pa.string())
    codes = pa.table({"code": table[code_col], "name": names})
    keys = codes.group_by(["code", "name"]).aggregate([]).to_pylist()
    cmap = _country_map([(k["code"], k["name"]) for k in keys], "cow" if voeten else "iso2")
    raw_cols = [c for c in table.column_names if c != "line"]
    t = table.select(["line", "rcid", code_col, "vote"]).rename_columns(
        ["line", "rcid", "code", "vote"]).append_column("name", names)
    con.register("t", t)
    con.register("cmap", cmap)
    con.register("rawt", table.select(["line", *raw_cols]))
    if voeten:
        vote_sql = "CASE trim(t.vote) WHEN '1' THEN 'yes' WHEN '2' THEN 'abstain' " \
                   "WHEN '3' THEN 'no' END"
        bad_vote = "'vote code ' || q(t.vote) || ' is not 1, 2, 3, 8 or 9'"
        skip = "trim(t.vote) IN ('8', '9')"
    else:
        vote_sql = "CASE lower(trim(t.vote)) WHEN 'yes' THEN 'yes' WHEN 'no' THEN 'no' " \
                   "WHEN 'abstain' THEN 'abstain' END"
        bad_vote = "'vote ' || q(t.vote) || ' is not yes, no or abstain'"
        skip = "false"
    con.execute("CREATE OR REPLACE MACRO q(s) AS '''' || s || ''''")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE n AS
        SELECT t.line, TRY_CAST(trim(t.rcid) AS INTEGER) AS rcid, cmap.iso3 AS country,
               {vote_sql} AS vote, {skip} AS skip, trim(t.vote) AS code_vote,
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
        CREATE OR REPLACE TEMP TABLE d AS
        SELECT rcid, country, count(DISTINCT vote) AS versions, min(line) AS first,
               array_to_string(list_sort(list(DISTINCT vote)), ', ') AS votes
        FROM n WHERE why IS NULL AND NOT skip GROUP BY ALL HAVING count(*) > 1""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE w AS
        SELECT n.line, 'rcid ' || n.rcid || ', ' || n.country || ': ' ||
               CASE WHEN d.versions > 1 THEN 'conflicting votes in this file (' || d.votes || ')'
                    ELSE 'repeats line ' || d.first || ' (same vote)' END AS why
        FROM n JOIN d USING (rcid, country)
        WHERE n.why IS NULL AND NOT n.skip AND (d.versions > 1 OR n.line > d.first)""")
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
            WHERE s.vote <> n.vote""").fetchall()
    finally:
        cur.close()
    reasons = con.execute("""
        SELECT line, why FROM n WHERE why IS NOT NULL AND NOT skip
        UNION ALL SELECT line, why FROM w WHERE why IS NOT NULL""").fetchall() + clash
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


def _voeten_roll_calls(con) -> tuple[list[tuple], list[Reject]]:
    """One roll call per rcid from the Voeten rows (every row repeats its roll call's facts:
    rows that disagree reject the roll call)."""
    facts = ["session", "importantvote", "date", "unres", *ISSUES]
    listed = ", ".join(ident(c) for c in facts)
    rows = con.execute(f"""
        SELECT rcid, min(line) AS line, count(DISTINCT ({listed})) AS versions,
               {", ".join(f"any_value({ident(c)}) AS {ident(c)}" for c in facts)}
        FROM rawt WHERE TRY_CAST(trim(rcid) AS INTEGER) > 0 GROUP BY rcid""")
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
    data = read_bytes(path, name)
    if not data.strip():
        raise SourceError(f"{name}: empty file")
    header = _header(data, name)
    layout, extra = detect_layout(header, name)
    table, bad = _read(data, name, header, layout)
    notes = [f"ignored column(s) {', '.join(extra)}"] if extra else []
    rows_read = table.num_rows + len(bad)
    raw_cols = [c for c in table.column_names if c != "line"]
    batches: list[Batch] = []
    if layout in ("unvotes-roll-calls", "unvotes-issues"):
        rows = table.to_pylist()
        make = _roll_calls if layout == "unvotes-roll-calls" else _issue_tags
        good, rejects = make(rows, raw_cols)
        batches.append(Batch("un_roll_calls", ROLL_CALL_COLUMNS, good))
        return Parsed(layout, rows_read, batches, bad + rejects, tuple(notes))
    con = duckdb.connect()
    try:
        votes, rejects, skipped = _votes(con, table, layout, store)
        if layout == "voeten":
            calls, call_rejects = _voeten_roll_calls(con)
            rejects += call_rejects
            batches.append(Batch("un_roll_calls", ROLL_CALL_COLUMNS, calls))
            not_votes = ", ".join(f"{skipped[c]:,} {VOETEN_NOT_VOTES[c]} (code {c})"
                                  for c in sorted(skipped))
            if not_votes:
                notes.append(f"rows that are not votes, neither stored nor rejected: "
                             f"{not_votes}")
    finally:
        con.close()
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
