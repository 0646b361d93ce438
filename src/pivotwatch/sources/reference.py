"""The reference timeline: curated, sourced events loaded from a CSV of their own.

Rows are checked field by field; a bad row goes to `rejects` with its line and reason. Each
event is keyed by a hash of what identifies it, so a file loaded twice, or two files repeating
an event, add it once. These events are never mixed into GDELT counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import xxhash

from pivotwatch import taxonomy
from pivotwatch.errors import SourceError
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.records import (
    Batch,
    CsvFile,
    Expectations,
    FileResult,
    Parsed,
    Reject,
    check_rejects,
    expand,
    first_line,
    load_records,
    shown,
    source_cap,
)
from pivotwatch.store.store import Store

SOURCE = "reference"
COLUMNS = ("date", "date_precision", "actor1", "actor2", "dimension", "event_type",
           "description", "source_url", "confidence")
PRECISIONS = {"day": re.compile(r"^\d{4}-\d{2}-\d{2}$"), "month": re.compile(r"^\d{4}-\d{2}$"),
              "year": re.compile(r"^\d{4}$")}
CONFIDENCE = ("high", "medium", "low")
EXPECT = Expectations(min_rows=1, max_reject_share=0.5)
# A reference table is curated by hand (the bundled ones hold a few dozen rows) and its rows
# are held as Python records, ~40 bytes of memory a byte of the shortest rows: this cap keeps
# the worst file under ~0.7 GB RSS (benchmarks/ingest_rss.py).
MAX_TABLE_BYTES = 8 << 20
_EVENT_COLUMNS = ("event_key", "date", "date_precision", "actor1", "actor2", "dimension",
                  "event_type", "description", "source_urls", "confidence")
_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


def table_cap(name: str) -> tuple[int, str]:
    return source_cap(name, MAX_TABLE_BYTES, "a reference table")


def bundled_timeline() -> Path:
    return Path(str(resources.files("pivotwatch") / "data" / "reference" / "key_events.csv"))


def _actor(code: str, required: bool) -> str | None:
    code = code.strip().upper()
    if not code:
        if required:
            raise ValueError("actor1 is empty")
        return None
    if code in taxonomy.countries() or code in taxonomy.known_groups() \
            or code in taxonomy.actor_types():
        return code
    raise ValueError(f"unknown actor code {code!r} (not a CAMEO country, group or type code)")


def _date(text: str, precision: str) -> date:
    precision = precision.strip().lower()
    if precision not in PRECISIONS:
        raise ValueError(f"date_precision {precision!r} is not day, month or year")
    text = text.strip()
    if not PRECISIONS[precision].match(text):
        raise ValueError(f"date {text!r} does not match precision {precision!r}")
    parts = [int(p) for p in text.split("-")] + [1, 1]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise ValueError(f"date {text!r} is not a real date") from exc


@dataclass(frozen=True)
class ReferenceEvent:
    key: str
    day: date
    precision: str
    actor1: str
    actor2: str | None
    dimension: str
    event_type: str
    description: str
    source_urls: list[str]
    confidence: str


def parse_row(row: dict[str, str]) -> ReferenceEvent:
    """One CSV row as a ReferenceEvent; ValueError says what is wrong with it."""
    if None in row or any(v is None for v in row.values()):
        raise ValueError("wrong number of fields")
    precision = row["date_precision"].strip().lower()
    day = _date(row["date"], precision)
    actor1, actor2 = _actor(row["actor1"], True), _actor(row["actor2"], False)
    dimension = row["dimension"].strip().lower()
    if dimension not in taxonomy.DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    event_type = row["event_type"].strip().lower()
    if not _TYPE.match(event_type):
        raise ValueError(f"event_type {event_type!r} is not a lower_case_word")
    description = " ".join(row["description"].split())
    if not description:
        raise ValueError("description is empty")
    urls = [u.strip() for u in row["source_url"].split(" ; ") if u.strip()]
    if not urls:
        raise ValueError("no source_url: every reference event needs a source")
    bad = [u for u in urls if not u.startswith(("http://", "https://"))]
    if bad:
        raise ValueError(f"source_url {bad[0]!r} is not an http(s) address")
    confidence = row["confidence"].strip().lower()
    if confidence not in CONFIDENCE:
        raise ValueError(f"confidence {confidence!r} is not high, medium or low")
    key = xxhash.xxh3_128_hexdigest(
        "\x1f".join([day.isoformat(), precision, actor1, actor2 or "", event_type,
                      description]).encode())
    return ReferenceEvent(key, day, precision, actor1, actor2, dimension, event_type,
                          description, urls, confidence)


def _parse_timeline(path: Path, name: str) -> Parsed:
    from pivotwatch.sources.reference_figures import TABLES

    good, bad, read = [], [], 0
    with CsvFile(path, name, cap=table_cap(name)) as f:
        missing = [c for c in COLUMNS if c not in f.header]
        if missing:
            layouts = "; ".join(f"{table}: {', '.join(spec[0])}"
                                for table, spec in TABLES.items())
            raise SourceError(f"{name}: not a reference table: its header has none of the "
                              f"known layouts (timeline: {', '.join(COLUMNS)}; {layouts})")
        for row in f.rows():  # one row at a time: a file is never held whole
            read += 1
            try:
                if row.problem:
                    raise ValueError(row.problem)
                e = parse_row(row.values)
            except ValueError as exc:
                bad.append(Reject(row.line, str(exc), row.raw))
                check_rejects(name, bad, "reference-events")
            else:
                good.append((e.key, e.day, e.precision, e.actor1, e.actor2, e.dimension,
                             e.event_type, e.description, e.source_urls, e.confidence))
    extra = [c for c in f.header if c not in COLUMNS]
    # columns this loader does not know are said, not silently dropped
    notes = (f"ignored column(s) {shown(extra)}",) if extra else ()
    return Parsed("reference-events", read, [Batch("reference_events", _EVENT_COLUMNS, good)],
                  bad, notes)


def load_timeline(store: Store, path: Path, name: str | None = None) -> FileResult:
    """Load one reference timeline CSV in one transaction; raises SourceError if unusable."""
    return load_records(store, path, name or str(path), source=SOURCE, parse=_parse_timeline,
                        expect=EXPECT)


def _is_reference(path: Path) -> bool:
    """A folder's file is a timeline or a figure table (organizations.csv, read by the claims
    audit from the package, is neither)."""
    from pivotwatch.sources import reference_figures as figures

    header = [h.strip() for h in first_line(path).split(",")]
    return all(c in header for c in COLUMNS) or figures.table_for(header) is not None


def ingest_reference(ctx: Context, paths: list[str] | None = None) -> IngestReport:
    """Load reference tables, each routed to its loader by its header: timelines, and the
    trade, fuel, cap and measure figures (all five bundled tables when no path is given)."""
    from pivotwatch.sources import reference_figures as figures

    if paths:
        # every file of a folder that is not taken is named, .csv or not; a folder with no
        # .csv at all is all passed over (and nothing loaded is the CLI's error)
        others = [p for text in paths if Path(text).is_dir()
                  for p in sorted(Path(text).iterdir())
                  if p.is_file() and not p.name.startswith(".")
                  and not p.name.lower().endswith(".csv")]
        given = [text for text in paths if not Path(text).is_dir()
                 or any(p.name.lower().endswith(".csv") for p in Path(text).iterdir())]
        targets, passed = expand(given, (".csv",), _is_reference)
        passed = sorted([*passed, *map(str, others)])
    else:
        targets, passed = [("bundled:key_events.csv", bundled_timeline()),
                           *figures.bundled_figures()], []
    report = IngestReport(passed_over=passed)
    ctx.progress.planned(len(targets), "reference files")
    for name, path in targets:
        load = figures.load_figures if figures.is_figures_file(path, name) else load_timeline
        attempt(ctx, report, name, lambda name=name, path=path, load=load: load(ctx.store, path,
                                                                                 name))
    return report
