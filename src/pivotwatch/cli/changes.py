"""`pivotwatch changes`: level shifts and spikes in a dyad's normalised series."""

from __future__ import annotations

import csv
import io
import math
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    DIMENSION,
    DYAD,
    FROM,
    TO,
    err,
    handle_errors,
    out,
    parse_date,
    shown,
    split_dimensions,
    store,
    write_atomically,
    write_data,
)
from pivotwatch.markup import strict_json


class Freq(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


_SUFFIXES = {".csv": Format.csv, ".json": Format.json}
CSV_COLUMNS = ["dimension", "kind", "period", "direction", "before_per_10k", "after_per_10k",
               "size_per_10k", "ratio", "z", "top_event_ids", "top_urls"]


def register(app: typer.Typer) -> None:
    app.command("changes")(changes)


def _num(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:,.{digits}f}"


def _csv(report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in report.changes:
        writer.writerow([c.dimension, c.kind, c.period.isoformat(), c.direction, c.before,
                         c.after, c.size, "" if c.ratio is None else c.ratio, c.z,
                         " ".join(str(e["event_id"]) for e in c.events),
                         " ".join(e["source_url"] or "" for e in c.events)])
    return buf.getvalue()


def _runs(thin, freq: str) -> list[str]:
    """Runs of adjacent thin periods with the same reason, as 'first…last (reason)'."""
    from pivotwatch.analysis.changes import next_period
    from pivotwatch.analysis.indicators import period_label

    runs: list[list] = []
    for t in thin:
        if runs and runs[-1][2] == t.reason and next_period(runs[-1][1], freq) == t.period:
            runs[-1][1] = t.period
        else:
            runs.append([t.period, t.period, t.reason])
    text = []
    for first, last, reason in runs:
        span = period_label(first, freq)
        if last != first:
            span += f"…{period_label(last, freq)}"
        text.append(f"{span} ({reason})")
    return text


def _print_table(report) -> None:
    from pivotwatch.analysis.indicators import period_label

    freq = report.freq
    out.print(f"[bold]{report.dyad} changes by {freq}[/bold] (per_10k: dyad events per 10,000 "
              "events involving either country)")
    for note in report.notes:
        out.print(f"note: {shown(note)}")
    # periods with data but few events are listed; gaps in the data are one line
    gaps = [t for t in report.thin if t.reason in ("no data", "no volume")]
    thin = [t for t in report.thin if t.reason not in ("no data", "no volume")]
    if thin:
        out.print(f"too thin, not analysed ({len(thin)} {freq}s with fewer than "
                  f"{report.min_events} {shown(report.dyad)} events): "
                  + shown("; ".join(_runs(thin, freq))))
    if gaps:
        out.print(f"no data, not analysed: {len(gaps)} {freq}s between "
                  f"{period_label(gaps[0].period, freq)} and "
                  f"{period_label(gaps[-1].period, freq)} (nothing loaded for either country)")
    short: dict[tuple[int, int], list[str]] = {}
    for d in report.dimensions:
        if d.status != "tested":  # grouped: one line per (usable, periods)
            short.setdefault((d.usable, d.periods), []).append(shown(d.dimension))
    for (usable, periods), names in short.items():
        out.print(f"{', '.join(names)}: too short to test ({usable} usable of {periods} "
                  f"{freq}s with data)")
    for d in report.dimensions:
        dimension = shown(d.dimension)
        if d.status != "tested":
            continue
        if not d.changes:
            out.print(f"{dimension}: no shift or spike in {d.usable} usable {freq}s")
        else:
            out.print(f"{dimension}: {len(d.changes)} change(s) in {d.usable} usable {freq}s "
                      f"(noise sigma {_num(d.sigma)} per 10k)")
    if not report.changes:
        return
    table = Table(title="changes", title_justify="left", caption=(
        "shift: the mean level changes from this period on (before/after = segment means); "
        "spike: one period far from its neighbours (before = running median); z = size in "
        "noise units"), caption_justify="left")
    for col in ("dimension", "kind", "period", "dir.", "before", "after", "size", "ratio", "z"):
        table.add_column(col, justify="left" if col in ("dimension", "kind", "period", "dir.")
                         else "right", no_wrap=True)
    for c in report.changes:
        table.add_row(shown(c.dimension), c.kind, period_label(c.period, freq), c.direction,
                      _num(c.before), _num(c.after), _num(c.size), _num(c.ratio), _num(c.z, 1))
    out.print(table)
    for c in report.changes:
        span = ", ".join(period_label(p, freq) for p in c.evidence_periods)
        out.print(f"\n[bold]{shown(c.dimension)} {c.kind} {c.direction} at "
                  f"{period_label(c.period, freq)}[/bold]: top events by mentions in {span}")
        if not c.events:
            out.print("  (no events of this dimension in those periods)")
        for e in c.events:
            actors = f"{e['actor1_name'] or e['actor1_country'] or '?'} → " \
                     f"{e['actor2_name'] or e['actor2_country'] or '?'}"
            out.print(shown(f"  {e['event_id']}  {e['day']}  {e['event_code']} "
                            f"{e['event_label']}  {actors}  mentions {e['num_mentions']}  "
                            f"{e['source_url'] or '(no url)'}"))


@handle_errors
def changes(
    dyad: str = DYAD,
    freq: Freq = typer.Option(Freq.month, "--freq", help="Period length."),
    dimension: list[str] = DIMENSION,
    start: str = FROM,
    end: str = TO,
    min_events: int = typer.Option(5, "--min-events", min=0, help="Periods with fewer dyad "
                                   "events (all dimensions) are too thin and not analysed."),
    top: int = typer.Option(5, "--top", min=0, help="Events listed behind each change."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (csv: one row "
                               "per change; json: the whole report)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Level shifts and spikes in each dimension's per_10k series, with the events behind
    each change (top events by mentions, with their source URLs).

    Shifts: ruptures PELT (L2 cost) on the series standardised by a robust noise scale, with a
    BIC-style penalty calibrated for at most 5% false alarms on stationary noise. Spikes: one
    period more than 5 robust standard deviations from its neighbours' median. Periods with
    fewer than --min-events dyad events are too thin and left out; see docs/changes.md.

    Example: pivotwatch changes --dyad RUS-PRK --freq month --dimension military,energy
    """
    from pivotwatch.analysis.changes import changes as compute  # pandas, Ibis load only here

    dims = split_dimensions(dimension)
    first, last = parse_date(start, "--from"), parse_date(end, "--to", end=True)
    with store(read_only=True) as st:
        report = compute(dyad, store=st, dimensions=dims, freq=freq.value, start=first,
                         end=last, min_events=min_events, top=top)
    if output is not None:
        if fmt is Format.table:
            fmt = _SUFFIXES.get(output.suffix.lower(), Format.json)
        text = _csv(report) if fmt is Format.csv else strict_json(report.to_dict(), indent=1)
        write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        out.print(f"wrote {len(report.changes):,} changes to {shown(output)}")
        for note in report.notes:
            err.print(f"note: {shown(note)}")
        return
    if fmt is Format.table:
        _print_table(report)
    elif fmt is Format.csv:
        for note in report.notes:
            err.print(f"note: {shown(note)}")
        write_data(_csv(report))
    else:
        write_data(strict_json(report.to_dict(), indent=1, default=str) + "\n")
