"""UN General Assembly ideal points and agreement, as E. Voeten publishes them.

Two layouts, each recognised by its columns (CSV, plain or compressed, or Stata `.dta`):

* **voeten-sessions** (`IdealpointestimatesAll_Jun2024.csv`): one row per state and General
  Assembly session, `ccode,session,NVotesAll,IdealPointAll,QO%All,...,Q100%All,iso3c,
  Countryname,USAgree,RUSSAgree,BrazilAgree,ChinaAgree,IndiaAgree,IsraelAgree` ("NA" is
  missing). Its ideal point is estimate `all`; each agreement column it fills gives one
  `un_published_agreement` row (RUSSAgree: the state's agreement with Russia), with the
  state's NVotesAll.
* **voeten-years** (`IdealpointsJuly2025.dta` or `.csv.gz`): one row per state and calendar
  year, `ccode,iso3c,countryname,year,idealpointfp,idealpointall,idealpointlegacy,nvotesfp,
  qofp,...,q100fp,nvotesall,qoall,...,q100all,nvotesLegacy` (empty is missing). It gives
  estimates `final_passage` (…fp), `all` (…all) and `legacy` (idealpointlegacy, session-based,
  without quantiles).

A period is dated by its last day: a year by 31 December, session s by 31 August of 1946 + s
(session 78 opened in September 2023 and closed before September 2024). The country is the
file's `iso3c` when the crosswalk knows it, else its Correlates-of-War `ccode` (Yugoslavia's
345 is Serbia's; the USSR's 365 is Russia's); a state with no successor (the GDR,
Czechoslovakia, the two Yemens before 1990) is a reject with the crosswalk's reason, and so
is a row whose two codes name different countries.

A row with a bad number (not a plain decimal, an ideal point or quantile beyond ±10, quantiles
out of order, an agreement outside 0–1, a vote count that is not a whole number) is rejected
whole, with its reason. The same state, period and estimate on two rows with different
figures rejects both rows; with the same figures the repeat adds nothing. Figures the store
already holds from another file of the same layout with other values (another release:
Voeten re-estimates the whole scale each time) are rejects that name both values, and a file
most of whose figures differ fails: two releases are never mixed in one store.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from importlib import resources
from pathlib import Path

import pyarrow as pa
import xxhash

from pivotwatch.errors import SourceError, UsageError
from pivotwatch.markup import printable
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.records import (
    RAW_CHARS,
    Batch,
    CsvFile,
    Expectations,
    FileResult,
    Parsed,
    Reject,
    check_rejects,
    decimal,
    expand,
    first_line,
    load_records,
    read_bytes,
    shown,
    source_cap,
)
from pivotwatch.store.store import Store, one_line
from pivotwatch.taxonomy.countrycodes import to_iso3, why_unmapped

SOURCE = "idealpoints"
SESSIONS, YEARS = "voeten-sessions", "voeten-years"
# A real file holds ~190 states a period: 11,238 rows for 78 sessions, 11,440 for 79 years,
# of which some 130 are rejected (states with no successor). A file of one year of every
# state gives ~570 records: fewer is not a release of the estimates.
EXPECT = Expectations(min_rows=500, max_reject_share=0.1)
# Rows (states x periods) one file may hold: about five times a real file. Each row becomes
# up to four Python records while the file loads (some 2 KB), so the cap bounds memory too.
MAX_ROWS = 60_000
# Bytes one file may hold once decompressed: ~13 times the year file as CSV (2.4 MB), ~24
# times its .dta (1.3 MB); held in memory while a .dta is read.
MAX_BYTES = 32 << 20
# No estimate comes near it (the real ones lie within ±5 with every quantile); a larger
# value is a corrupted file, not a position.
MAX_POINT = 10.0
# Recorded votes one state can cast in a period: at most 232 in the real files.
MAX_VOTES = 5_000
FIRST_YEAR, LAST_YEAR = 1946, 2100  # the UN's first General Assembly, and a bound
MISSING = ("", "NA", ".")

QUANTILES = ("q0", "q5", "q10", "q50", "q90", "q95", "q100")
IDEAL_COLUMNS = ("row_key", "layout", "country", "period_kind", "period", "period_end",
                 "estimate", "n_votes", "ideal_point", *QUANTILES)
AGREEMENT_COLUMNS = ("row_key", "layout", "country", "focus", "period_kind", "period",
                     "period_end", "agreement", "n_votes")
_IDEAL_SCHEMA = pa.schema(
    [(c, pa.int32() if c in ("period", "n_votes") else pa.date32() if c == "period_end"
      else pa.float64() if c == "ideal_point" or c in QUANTILES else pa.string())
     for c in IDEAL_COLUMNS])
_AGREEMENT_SCHEMA = pa.schema(
    [(c, pa.int32() if c in ("period", "n_votes") else pa.date32() if c == "period_end"
      else pa.float64() if c == "agreement" else pa.string()) for c in AGREEMENT_COLUMNS])


@dataclass(frozen=True)
class Estimate:
    """One estimate's columns in a layout: its name in the store, the ideal point, the vote
    count and the seven posterior quantiles (each with the names it may go by; none for an
    estimate published without them)."""

    name: str
    point: str
    votes: str
    quantiles: tuple[tuple[str, ...], ...] = ()


def _quantiles(pattern: str) -> tuple[tuple[str, ...], ...]:
    # Voeten writes the 0th quantile with a letter O ("QO%All", "qofp"); a digit is taken too
    return ((pattern.format("O"), pattern.format("o"), pattern.format("0")),
            *((pattern.format(q),) for q in ("5", "10", "50", "90", "95", "100")))


@dataclass(frozen=True)
class Layout:
    name: str
    period_kind: str  # session | year
    period: str  # the period's column
    required: tuple[str, ...]  # the columns that name the layout
    estimates: tuple[Estimate, ...]
    agreement: dict[str, str]  # column -> ISO3 of the focus country it is agreement with
    other: tuple[str, ...]  # columns known and not read (row numbers, names)

    def known(self) -> set[str]:
        names = {self.period, "ccode", "iso3c", *self.agreement, *self.other}
        for e in self.estimates:
            names.update((e.point, e.votes, *(n for q in e.quantiles for n in q)))
        return names


LAYOUTS = (
    Layout(SESSIONS, "session", "session",
           ("ccode", "iso3c", "session", "NVotesAll", "IdealPointAll"),
           (Estimate("all", "IdealPointAll", "NVotesAll", _quantiles("Q{}%All")),),
           {"USAgree": "USA", "RUSSAgree": "RUS", "BrazilAgree": "BRA", "ChinaAgree": "CHN",
            "IndiaAgree": "IND", "IsraelAgree": "ISR"},
           ("", "Countryname")),
    Layout(YEARS, "year", "year",
           ("ccode", "iso3c", "year", "idealpointfp", "idealpointall", "nvotesfp",
            "nvotesall"),
           (Estimate("final_passage", "idealpointfp", "nvotesfp", _quantiles("q{}fp")),
            Estimate("all", "idealpointall", "nvotesall", _quantiles("q{}all")),
            Estimate("legacy", "idealpointlegacy", "nvotesLegacy")),
           {}, ("countryname",)),
)
_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".dta")
_ISO3 = re.compile(r"[A-Z]{3}", re.ASCII)
_CCODE = re.compile(r"\d{1,4}(\.0*)?", re.ASCII)
_WHOLE = re.compile(r"\d{1,6}(\.0*)?", re.ASCII)


def bundled_sample() -> list[Path]:
    """The bundled extracts of both layouts (see data/sample/unga/README.md)."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "unga"))
    return [folder / n for n in ("idealpoints_sessions.csv.gz", "idealpoints_years.csv.gz")]


def period_end(kind: str, period: int) -> date:
    """The last day a period covers: 31 December of a year, 31 August of 1946 + session."""
    return date(period, 12, 31) if kind == "year" else date(1946 + period, 8, 31)


def detect_layout(columns: list[str], name: str) -> Layout:
    for layout in LAYOUTS:
        if set(layout.required) <= set(columns):
            return layout
    listed = shown(columns, 8)
    raise SourceError(f"{name}: not a UN ideal-points file: its columns ({listed}) are "
                      "neither Voeten's session file (ccode,session,NVotesAll,IdealPointAll,"
                      "...,iso3c) nor his year file (ccode,iso3c,year,idealpointfp,"
                      "idealpointall,nvotesfp,nvotesall,...)")


# --- one row --------------------------------------------------------------------------------

def _shown(text: str) -> str:
    return repr(printable(text, 40))


def _number(values: dict[str, str], column: str) -> float | None:
    text = (values.get(column) or "").strip()
    if text in MISSING:
        return None
    try:
        value = decimal(text)
    except ValueError:
        raise ValueError(f"{column} {_shown(text)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{column} {_shown(text)} is not a finite number")
    return value


def _whole(values: dict[str, str], column: str, low: int, high: int) -> int | None:
    text = (values.get(column) or "").strip()
    if text in MISSING:
        return None
    if not _WHOLE.fullmatch(text) or not low <= int(float(text)) <= high:
        raise ValueError(f"{column} {_shown(text)} is not a whole number from {low} to "
                         f"{high:,}")
    return int(float(text))


@lru_cache(maxsize=4096)  # ~200 states a file, each on many rows
def country(iso3c: str, ccode: str) -> str:
    """The row's ISO3 code: its iso3c when the crosswalk knows it, else its COW code; for a
    code that maps to nothing, the reason (text with a space: never an ISO3 code)."""
    iso, cow = iso3c.strip().upper(), ccode.strip()
    if iso in MISSING[1:]:
        iso = ""
    if iso and not _ISO3.fullmatch(iso):
        raise ValueError(f"iso3c {_shown(iso3c)} is not a three-letter code")
    if cow in MISSING[1:]:
        cow = ""
    if cow and not _CCODE.fullmatch(cow):
        raise ValueError(f"ccode {_shown(ccode)} is not a Correlates of War number")
    by_iso = to_iso3(iso, "iso3") if iso else None
    by_cow = to_iso3(cow, "cow") if cow else None
    if by_iso and by_cow and by_iso != by_cow:
        raise ValueError(f"iso3c {iso} and ccode {cow} ({by_cow}) name different countries")
    if by_iso or by_cow:
        return by_iso or by_cow
    if not iso and not cow:
        raise ValueError("no country: iso3c and ccode are empty")
    return "country " + (f"{iso} (ccode {cow})" if iso and cow else iso or cow) + ": " + (
        why_unmapped(cow, "cow") if cow else why_unmapped(iso, "iso3"))


def _estimate(values: dict[str, str], e: Estimate) -> tuple | None:
    """(n_votes, ideal point, q0 ... q100) of one estimate, or None when the row has none."""
    point = _number(values, e.point)
    votes = _whole(values, e.votes, 0, MAX_VOTES)
    qs = [None if not q else next((_number(values, n) for n in q if n in values), None)
          for q in (e.quantiles or ((),) * len(QUANTILES))]
    if point is None:
        given = [n for n, v in ((e.votes, votes), ("quantiles", any(v is not None
                                                                      for v in qs))) if v]
        if given:
            raise ValueError(f"{given[0]} given without {e.point}")
        return None
    for column, value in ((e.point, point), *zip(QUANTILES, qs, strict=True)):
        if value is not None and abs(value) > MAX_POINT:
            raise ValueError(f"{column} {value:g} is beyond ±{MAX_POINT:g}, where no ideal "
                             "point lies")
    known = [q for q in qs if q is not None]
    if any(a > b for a, b in zip(known, known[1:], strict=False)):
        raise ValueError(f"the quantiles of {e.point} are not in increasing order")
    if known and not known[0] <= point <= known[-1] and len(known) == len(QUANTILES):
        raise ValueError(f"{e.point} {point:g} lies outside its own quantiles "
                         f"({known[0]:g} to {known[-1]:g})")
    return (votes, point, *qs)


@dataclass
class _Line:
    line: int
    raw: str
    ideal: list[tuple]  # rows of un_ideal_points
    agreement: list[tuple]  # rows of un_published_agreement


def _key(*parts: object) -> str:
    return xxhash.xxh3_128_hexdigest("\x1f".join(str(p) for p in parts).encode())


def parse_row(values: dict[str, str], layout: Layout, line: int, raw: str) -> _Line:
    """One row (column -> text) as its records; ValueError says why it is rejected."""
    code = country(values.get("iso3c") or "", values.get("ccode") or "")
    if " " in code:  # a reason, not a code
        raise ValueError(code)
    if layout.period_kind == "year":
        period = _whole(values, layout.period, FIRST_YEAR, LAST_YEAR)
    else:
        period = _whole(values, layout.period, 1, LAST_YEAR - 1946)
    if period is None:
        raise ValueError(f"no {layout.period}")
    end = period_end(layout.period_kind, period)
    ideal = []
    for e in layout.estimates:
        figures = _estimate(values, e)
        if figures is not None:
            ideal.append((_key(layout.name, code, layout.period_kind, period, e.name),
                          layout.name, code, layout.period_kind, period, end, e.name,
                          *figures))
    votes = _whole(values, layout.estimates[0].votes, 0, MAX_VOTES)
    agreement = []
    for column, focus in layout.agreement.items():
        share = _number(values, column)
        if share is None:
            continue
        if not 0 <= share <= 1:
            raise ValueError(f"{column} {share:g} is not a share from 0 to 1")
        agreement.append((_key(layout.name, code, layout.period_kind, period, focus),
                          layout.name, code, focus, layout.period_kind, period, end, share,
                          votes))
    if not ideal and not agreement:
        raise ValueError(f"{code} {layout.period_kind} {period}: no ideal point and no "
                         "agreement figure")
    return _Line(line, raw, ideal, agreement)


# --- reading --------------------------------------------------------------------------------

def _cap(name: str) -> tuple[int, str]:
    return source_cap(name, MAX_BYTES, "an ideal-points file")


def _is_stata(path: Path, name: str) -> bool:
    if name.lower().endswith(".dta") or path.name.lower().endswith(".dta"):
        return True
    return read_bytes(path, name, limit=16, head=True).startswith(b"<stata_dta>")


def _too_many(name: str) -> SourceError:
    return SourceError(f"{name}: more than {MAX_ROWS:,} rows, the most an ideal-points file "
                       "may hold (about five times a real one)")


# (line or record number, values by column or None, raw text, why the row cannot be read)
_Rows = Iterator[tuple[int, dict | None, str, str | None]]


def _csv_rows(f: CsvFile) -> _Rows:
    """The rows of an open CSV file, with why each unusable one cannot be read."""
    width = len(f.header)
    for row in f.rows():
        problem = row.problem
        if problem is None and len(row.fields or ()) != width:
            problem = f"{len(row.fields or ())} fields, expected {width}"
        yield row.line, None if problem else row.values, row.raw, problem


def _stata_text(value, kind: str) -> str:
    """A .dta cell as the CSV export writes it: a float32 by its shortest repr (so the .dta
    and the .csv.gz of one release give the same numbers), a missing value as ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "f" and hasattr(value, "dtype") and value.dtype.itemsize == 4:
        return str(value)
    if kind in "iu":
        return str(int(value))
    if kind == "f":
        return repr(float(value))
    text = str(value)
    return "" if text.lower() in ("nan", "<na>") else text


def _stata_rows(path: Path, name: str, notes: list[str]) -> tuple[list[str], _Rows]:
    """The columns and rows of a Stata file, read whole (under the cap) with pandas; what
    pandas warns of goes to `notes`."""
    import pandas as pd

    data = read_bytes(path, name, capped=_cap(name))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_stata(io.BytesIO(data), convert_dates=False,
                                  convert_categoricals=False, preserve_dtypes=True)
        for warning in caught[:3]:  # such as strings read as latin-1, not UTF-8
            notes.append(f"pandas: {printable(' '.join(str(warning.message).split()), 160)}")
    except (MemoryError, RecursionError):
        raise SourceError(f"{name}: cannot be read as a Stata .dta file (it declares more "
                          "than it holds)") from None
    except Exception as exc:  # noqa: BLE001 - any failure of the parser is the file's
        raise SourceError(f"{name}: cannot be read as a Stata .dta file "
                          f"({printable(type(exc).__name__ + ': ' + one_line(exc), 160)})"
                          ) from None
    del data
    columns = [str(c) for c in frame.columns]
    if len(frame) > MAX_ROWS:
        raise _too_many(name)
    kinds = [frame[c].dtype.kind for c in frame.columns]

    def rows():
        for number, record in enumerate(frame.itertuples(index=False, name=None), start=1):
            values = {c: _stata_text(v, k) for c, v, k in zip(columns, record, kinds,
                                                               strict=True)}
            raw = ",".join(values.values())[:RAW_CHARS]
            yield number, values, raw, None

    return columns, rows()


def _what(record: tuple) -> str:
    """What a record is about: 'PRK session 77 estimate all', 'PRK session 77 agreement with
    RUS'."""
    if len(record) == len(IDEAL_COLUMNS):
        return f"{record[2]} {record[3]} {record[4]} estimate {record[6]}"
    return f"{record[2]} {record[4]} {record[5]} agreement with {record[3]}"


def _repeats(lines: list[_Line]) -> tuple[list[_Line], list[Reject], int]:
    """Within the file: a state, period and estimate (or focus) given on two rows with
    different figures rejects every such row; given the same way, the repeat adds nothing.
    Returns the rows kept (repeats taken out), the rejects and the records repeated."""
    seen: dict[str, tuple[int, tuple]] = {}
    clashing: dict[str, str] = {}  # key -> why
    for item in lines:
        for record in (*item.ideal, *item.agreement):
            first = seen.setdefault(record[0], (item.line, record))
            if first[1] != record and record[0] not in clashing:
                clashing[record[0]] = (f"{_what(record)}: given on line {first[0]} and line "
                                       f"{item.line} with different figures")
    clashes: dict[int, str] = {}
    if clashing:
        for item in lines:
            why = next((clashing[r[0]] for r in (*item.ideal, *item.agreement)
                        if r[0] in clashing), None)
            if why:
                clashes[item.line] = why
    kept, rejects, repeated = [], [], 0
    owner: dict[str, int] = {}
    for item in lines:
        if item.line in clashes:
            rejects.append(Reject(item.line, clashes[item.line], item.raw))
            continue
        fresh_ideal = [r for r in item.ideal if owner.setdefault(r[0], item.line) == item.line]
        fresh_agree = [r for r in item.agreement
                       if owner.setdefault(r[0], item.line) == item.line]
        dropped = len(item.ideal) + len(item.agreement) - len(fresh_ideal) - len(fresh_agree)
        repeated += dropped
        if not fresh_ideal and not fresh_agree:
            first = owner[(item.ideal or item.agreement)[0][0]]
            rejects.append(Reject(item.line, f"repeats line {first}", item.raw))
            continue
        kept.append(_Line(item.line, item.raw, fresh_ideal, fresh_agree))
    return kept, rejects, repeated


def _close(a: float | int | None, b: float | int | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


# The figures of a record, as positions in its tuple and the columns the store has for them.
_FIGURES = {"un_ideal_points": (range(7, len(IDEAL_COLUMNS)), IDEAL_COLUMNS[7:]),
            "un_published_agreement": (range(7, 9), ("agreement", "n_votes"))}
_STORED = {  # constant SQL: the stored figures of the keys in _ip_keys
    "un_ideal_points": "SELECT row_key, n_votes, ideal_point, q0, q5, q10, q50, q90, q95, q100 "
                       "FROM un_ideal_points WHERE row_key IN (SELECT row_key FROM _ip_keys)",
    "un_published_agreement": "SELECT row_key, agreement, n_votes FROM un_published_agreement "
                              "WHERE row_key IN (SELECT row_key FROM _ip_keys)",
}


def _stored_clashes(store: Store, lines: list[_Line], name: str, layout: str
                    ) -> tuple[list[_Line], list[Reject]]:
    """Rows whose figures differ from those the store holds for the same state, period and
    estimate (from another file of the layout: another release) are rejects naming both."""
    stored: dict[str, tuple] = {}
    cur = store.con.cursor()  # its own connection: the store's may hold an unread result
    try:
        for table, sql in _STORED.items():
            keys = [r[0] for item in lines
                    for r in (item.ideal if table == "un_ideal_points" else item.agreement)]
            if not keys:
                continue
            cur.register("_ip_keys", pa.table({"row_key": pa.array(keys, pa.string())}))
            try:
                stored.update((row[0], row[1:]) for row in cur.execute(sql).fetchall())
            finally:
                cur.unregister("_ip_keys")
    finally:
        cur.close()
    if not stored:
        return lines, []
    kept, rejects = [], []
    overlap = differ = 0  # ideal points the store holds already, and those that differ
    for item in lines:
        why = None
        for table, records in (("un_ideal_points", item.ideal),
                               ("un_published_agreement", item.agreement)):
            positions, columns = _FIGURES[table]
            for record in records:
                old = stored.get(record[0])
                if old is None:
                    continue
                overlap += table == "un_ideal_points"
                for position, column, before in zip(positions, columns, old, strict=True):
                    if not _close(record[position], before):
                        differ += table == "un_ideal_points"
                        why = why or (f"{_what(record)}: {column} {record[position]} here, but "
                                      f"the store holds {before} from another file (another "
                                      "release of the estimates?)")
                        break
        if why:
            rejects.append(Reject(item.line, why, item.raw))
        else:
            kept.append(item)
    # A new release re-estimates every ideal point (the agreement figures of past sessions
    # stay as they were): most of those the store holds differ.
    if differ * 2 > overlap > 0:
        raise SourceError(
            f"{name}: {differ:,} of the {overlap:,} ideal points the store holds for the same "
            f"states and periods from another {layout} file differ: another release of the "
            "estimates, on a scale of its own; releases are not mixed in one store, so load "
            "it into a new one (--db)")
    return kept, rejects


def _table(records: list[tuple], schema: pa.Schema) -> pa.Table:
    if not records:
        return schema.empty_table()
    columns = list(zip(*records, strict=True))
    return pa.Table.from_arrays([pa.array(c, type=t) for c, t in zip(columns, schema.types,
                                                                      strict=True)],
                                schema=schema)


def _read_rows(rows: _Rows, layout: Layout, name: str, unit: str
               ) -> tuple[list[_Line], list[Reject], int]:
    """Each row as its records, or a reject with its reason; and the rows read."""
    lines: list[_Line] = []
    rejects: list[Reject] = []
    read = 0
    for line, values, raw, problem in rows:
        read += 1
        if read > MAX_ROWS:
            raise _too_many(name)
        try:
            if problem is not None:
                raise ValueError(problem)
            lines.append(parse_row(values, layout, line, raw))
        except ValueError as exc:
            rejects.append(Reject(line, str(exc), raw))
            check_rejects(name, rejects, layout.name, unit)
    return lines, rejects, read


def parse_file(store: Store, path: Path, name: str) -> Parsed:
    """Read one ideal-points file of either layout (CSV or .dta); the store is read to tell a
    figure loaded before from one of another release."""
    stata = _is_stata(path, name)
    notes: list[str] = []
    with ExitStack() as stack:
        if stata:
            columns, rows = _stata_rows(path, name, notes)
        else:
            f = stack.enter_context(CsvFile(path, name, cap=_cap(name)))
            columns, rows = f.header, _csv_rows(f)
        layout = detect_layout(columns, name)
        lines, rejects, read = _read_rows(rows, layout, name, "record" if stata else "line")
    extra = [c for c in columns if c not in layout.known()]
    kept, repeated, dropped = _repeats(lines)
    del lines
    kept, clashes = _stored_clashes(store, kept, name, layout.name)
    rejects = sorted([*rejects, *repeated, *clashes], key=lambda r: r.line or 0)
    if extra:  # columns this connector does not know are said, not silently dropped
        notes.append(f"ignored column(s) {shown(extra)}")
    if dropped:
        notes.append(f"{dropped:,} figure(s) repeated within the file, kept once")
    ideal = [r for item in kept for r in item.ideal]
    agreement = [r for item in kept for r in item.agreement]
    return Parsed(layout.name, read, [
        Batch("un_ideal_points", IDEAL_COLUMNS, _table(ideal, _IDEAL_SCHEMA)),
        Batch("un_published_agreement", AGREEMENT_COLUMNS,
              _table(agreement, _AGREEMENT_SCHEMA))], rejects, tuple(notes))


def load_file(store: Store, path: Path, name: str | None = None) -> FileResult:
    """Load one ideal-points file (either layout; CSV plain or compressed, or .dta) in one
    transaction; raises SourceError when it cannot be loaded, leaving nothing of it."""
    return load_records(store, path, name or str(path), source=SOURCE,
                        parse=partial(parse_file, store), expect=EXPECT)


def _is_idealpoints(path: Path) -> bool:
    """A folder's file looks like ideal points (a .dta, or a CSV naming a layout's columns)."""
    if path.name.lower().endswith(".dta"):
        return True
    line = first_line(path)
    return any(all(c in line for c in layout.required) for layout in LAYOUTS)


def ingest_idealpoints(ctx: Context, paths: list[str]) -> IngestReport:
    """Load Voeten's ideal-point files (session-based and year-based), in any order."""
    if not paths:
        raise UsageError("give the ideal-point files to load (IdealpointestimatesAll_Jun2024"
                         ".csv, IdealpointsJuly2025.dta or .csv.gz)")
    targets, passed = expand(paths, _SUFFIXES, _is_idealpoints)
    report = IngestReport(passed_over=passed)
    ctx.progress.planned(len(targets), "ideal-point files")
    for name, path in targets:
        attempt(ctx, report, name, lambda name=name, path=path: load_file(ctx.store, path,
                                                                          name))
    return report
