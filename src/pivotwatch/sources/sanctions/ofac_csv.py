"""OFAC's SDN list in its CSV files: SDN.CSV (one row an entry) and ADD.CSV (addresses).

sdn.csv rows: ent_num, name, type, program, title, call sign, vessel type, tonnage, GRT,
vessel flag, vessel owner, remarks. add.csv rows: ent_num, add_num, address,
city/state/postal code, country, address remarks. OFAC writes `-0-` (often `-0- `) for an
empty field and gives no header row; a copy with a header row added (the shared sancbook copy
names the columns `ID,Name,Type,Country,...,Details`, its "Country" being the programme) is
read the same way: columns are read by position, never by a header's names, and a first row
whose first field is a column name (ent_num, ID) is passed over. The end-of-file mark OFAC
writes (0x1A, alone or followed by commas) is passed over too.

* Kind: type `-0-` is an entity; individual, vessel and aircraft as named.
* Programmes: "[DPRK3] [RUSSIA-EO14024]", or "DPRK3] [RUSSIA-EO14024" as OFAC writes them.
* Vessel flag: `flag_countries`; remarks read item by item (`places.read_remarks`):
  nationality, citizen, POB and Vessel Flag items to their columns, a.k.a. names to the
  aliases, other countries named to `remark_countries`.
* Addresses: add.csv, loaded with its sdn.csv as one load (`ingest sanctions sdn.csv
  add.csv`), joined by ent_num; its country column gives `address_countries`.
* Publication date: a date in the sdn file's name (else the add file's): YYYY-MM-DD, YYYYMMDD,
  or YYYY-MM, a month recorded as its last day (the latest the list can be from, so an as-of
  date inside that month does not count it). Without one it is unknown (NULL), said in the
  notes, and the list counts in no as-of query. The CSV gives no listing date.
* Title, call sign, vessel type, tonnage, GRT and vessel owner are read past, not stored.
"""

from __future__ import annotations

import calendar
import csv
import re
from datetime import datetime
from pathlib import Path

from pivotwatch.errors import SourceError
from pivotwatch.markup import printable
from pivotwatch.sources.records import CsvFile, Parsed, Reject, check_rejects, source_cap
from pivotwatch.sources.sanctions.common import Countries, Designation, build, clean, unique
from pivotwatch.sources.sanctions.ofac import LIST
from pivotwatch.sources.sanctions.places import read_remarks

SDN_FIELDS = 12
ADD_FIELDS = 6
LAYOUT = "ofac-sdn-csv"
# The first column's name in a header row someone added (OFAC's own files have none).
HEADER_FIRST = {"ent_num", "ent num", "entnum", "id", "uid"}
KINDS = {"": "entity", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
NULL = "-0-"
EOF_MARK = "\x1a"
_FILES = {"sdn": (SDN_FIELDS, "sdn.csv"), "add": (ADD_FIELDS, "add.csv")}
# sdn.csv and add.csv are read whole into entries (about 1 KB of memory a row); the real
# files are 2.8 MB and 1 MB (January 2023), a few times that in 2025.
MAX_CSV_BYTES = 64 << 20
_DATES = (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
          re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
          re.compile(r"(?<![\d-])(\d{4})-(\d{2})(?![\d-])"))


def layout_of(line: str) -> str | None:
    """'sdn' or 'add' when a file's first line is a row of sdn.csv or add.csv (or a header
    row of one), else None."""
    try:
        return _kind(next(csv.reader([line]), []))
    except csv.Error:
        return None


def _kind(fields: list[str]) -> str | None:
    kind = {SDN_FIELDS: "sdn", ADD_FIELDS: "add"}.get(len(fields))
    first = fields[0].strip().lstrip("\ufeff").lower() if fields else ""
    if kind and (first.isascii() and first.isdigit() or first in HEADER_FIRST):
        return kind
    return None


def _value(text: str | None) -> str:
    text = clean(text)
    return "" if text == NULL else text


def programmes(text: str) -> list[str]:
    """'[DPRK3] [RUSSIA-EO14024]' or 'DPRK3] [RUSSIA-EO14024' as a list of programmes."""
    return unique(re.split(r"\]\s*\[", text.strip().removeprefix("[").removesuffix("]")))


def published(names: list[str]) -> tuple[datetime | None, str]:
    """The publication date a file name gives, and a note saying where it came from."""
    for name in names:
        base = Path(name).name
        for pattern in _DATES:
            match = pattern.search(base)
            if not match:
                continue
            year, month = int(match.group(1)), int(match.group(2))
            day = int(match.group(3)) if match.lastindex == 3 else None
            if not (1990 <= year <= 2100 and 1 <= month <= 12):
                continue
            last = calendar.monthrange(year, month)[1]
            if day is None:
                stamp = datetime(year, month, last)
                return stamp, (f"publication date {stamp:%Y-%m-%d} from the file name "
                               f"({match.group(0)!r} is a month: its last day, the latest "
                               "the list can be from)")
            if 1 <= day <= last:
                stamp = datetime(year, month, day)
                return stamp, f"publication date {stamp:%Y-%m-%d} from the file name"
    return None, ("publication date unknown: the file name has no date (YYYY-MM-DD, YYYYMMDD "
                  "or YYYY-MM), so this list counts in no as-of query")


class _Reader:
    """The rows of one OFAC CSV file by position, with its header row and end mark passed
    over; a row of the wrong width is a reject."""

    def __init__(self, path: Path, name: str, kind: str, rejects: list[Reject], line_of):
        self.path, self.name, self.kind = path, name, kind
        self.width, self.what = _FILES[kind]
        self.rejects, self.line_of = rejects, line_of  # line_of: the reject's line, or None
        self.rows = 0
        self.notes: list[str] = []

    def __iter__(self):
        cap = source_cap(self.name, MAX_CSV_BYTES, "an OFAC CSV file")
        with CsvFile(self.path, self.name, cap=cap, repeated_names=True) as f:
            first = f.header
            if _kind(first) != self.kind:
                raise SourceError(f"{self.name}: not OFAC's {self.what} (first row: "
                                  f"{printable(','.join(first), 120)})")
            if first[0].lower().lstrip("\ufeff") in HEADER_FIRST:
                self.notes.append(f"{self.what}: header row passed over (columns are read by "
                                  f"position, OFAC's layout): {printable(','.join(first), 120)}")
            else:
                yield from self._row(1, first, ",".join(first))
            for row in f.rows():
                if row.problem:
                    self._reject(row.line, row.problem, row.raw)
                    continue
                yield from self._row(row.line, row.fields, row.raw)

    def _row(self, line: int, fields: list[str], raw: str):
        if fields and fields[0].strip() == EOF_MARK and not any(f.strip() for f in fields[1:]):
            return  # OFAC's end-of-file mark
        self.rows += 1
        if len(fields) != self.width:
            self._reject(line, f"{len(fields)} fields; a row of OFAC's {self.what} has "
                               f"{self.width}", raw)
            return
        ent_num = fields[0].strip()
        if not (ent_num.isascii() and ent_num.isdigit()):
            self._reject(line, f"ent_num {printable(ent_num, 60)!r} is not a number", raw)
            return
        yield line, str(int(ent_num)), fields, raw

    def _reject(self, line: int, reason: str, raw: str) -> None:
        check_rejects(self.name, self.rejects, LAYOUT)
        self.rejects.append(self.line_of(line, reason, raw))


def _entry(line: int, ent_num: str, fields: list[str], raw: str,
           countries: Countries) -> Designation:
    kind_text = _value(fields[2])
    d = Designation(ent_num, KINDS.get(kind_text.lower(), kind_text), _value(fields[1]), line,
                    raw)
    d.programmes = programmes(_value(fields[3]))
    d.remarks = _value(fields[11]) or None
    said = read_remarks(d.remarks)
    d.aliases = unique(said.aliases)
    d.nationalities = countries.names(said.nationalities)
    d.flag_countries = countries.names([_value(fields[9]), *said.flags])
    d.birth_countries = unique(said.births)
    d.remark_countries = unique(said.countries)
    return d


def parse(sdn: Path, name: str, addresses: tuple[Path, str] | None = None) -> Parsed:
    """A parsed sdn.csv, with the address countries of its add.csv when given."""
    rejects: list[Reject] = []
    countries = Countries()
    entries: dict[str, Designation] = {}
    listed: list[Designation] = []
    reader = _Reader(sdn, name, "sdn", rejects,
                     lambda line, reason, raw: Reject(line, reason, raw))
    for line, ent_num, fields, raw in reader:
        d = _entry(line, ent_num, fields, raw, countries)
        listed.append(d)
        entries.setdefault(ent_num, d)
    notes = list(reader.notes)
    rows_read = reader.rows
    names = [name]
    if addresses is None:
        notes.append("no add.csv given: entries loaded without address countries (give "
                     "sdn.csv and add.csv in one command)")
    else:
        path, add_name = addresses
        names.append(add_name)
        adds = _Reader(path, add_name, "add", rejects,
                       lambda line, reason, raw: Reject(None, f"{add_name} line {line}: "
                                                              f"{reason}", raw))
        orphans = 0
        found: dict[str, list[str]] = {}
        for _, ent_num, fields, _ in adds:
            if ent_num not in entries:
                orphans += 1
                continue
            found.setdefault(ent_num, []).append(_value(fields[4]))
        for ent_num, values in found.items():
            entries[ent_num].address_countries = countries.names(values)
        rows_read += adds.rows
        notes += adds.notes
        if orphans:
            notes.append(f"{orphans} address row(s) of entries not in {name}: not read")
    if not listed and not rejects:
        raise SourceError(f"{name}: an OFAC sdn.csv without entries")
    stamp, said = published(names)
    notes = [said, *notes, *countries.note()]
    return build(LIST, LAYOUT, stamp, listed, rejects, notes, rows_read=rows_read, name=name)
