"""`pivotwatch indicators`: dyad indicators per period and dimension."""

from __future__ import annotations

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
)
from pivotwatch.cli.frames import Format, check_output, emit


class Freq(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


def register(app: typer.Typer) -> None:
    app.command("indicators")(indicators)


# Columns shown in the terminal table (all columns go to csv, json and parquet).
_SHOWN = {"events": "events", "cooperative": "coop", "conflictual": "confl",
          "goldstein_mean": "gold.", "mentions": "ment.", "avg_tone": "tone",
          "volume": "volume", "per_10k": "per 10k", "days_covered": "days"}


def _table(df, title: str, freq: str) -> Table:
    from pivotwatch.analysis.indicators import period_label  # Ibis loads only here

    table = Table(title=title, title_justify="left", caption=(
        "coop/confl = cooperative/conflictual events (QuadClass 1-2/3-4); gold. = mean Goldstein "
        "scale (-10..+10); ment. = mentions; tone = mean average tone; volume = events involving "
        "either country, all rows loaded; per 10k = events per 10,000 of volume; days = days "
        "with data in the period (few days: partial period or late reports only)"),
        caption_justify="left")
    table.add_column("period", no_wrap=True)
    table.add_column("dimension", no_wrap=True)
    for label in _SHOWN.values():
        table.add_column(label, justify="right", no_wrap=True)
    for row in df.to_dict(orient="records"):
        cells = [period_label(row["period"], freq), row["dimension"]]
        for col in _SHOWN:
            v = row[col]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("–")
            elif isinstance(v, float):
                cells.append(f"{v:,.2f}")
            else:
                cells.append(f"{v:,}")
        table.add_row(*cells)
    return table


@handle_errors
def indicators(
    dyad: str = DYAD,
    freq: Freq = typer.Option(Freq.month, "--freq", help="Period length."),
    dimension: list[str] = DIMENSION,
    start: str = FROM,
    end: str = TO,
    directed: bool = typer.Option(False, "--directed", help="Only events with the first "
                                  "country as actor 1 and the second as actor 2."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Dyad indicators per period and dimension: events, cooperation and conflict, Goldstein,
    mentions, tone, and events per 10,000 events involving either country.

    volume: events (all GDELT rows loaded, before filtering) involving either country in the
    period. per_10k = events / volume x 10,000: it corrects for the growth of news volume, not
    for duplicate reports of one event.

    Example: pivotwatch indicators --dyad RUS-CHN --freq day --format csv -o rus-chn.csv
    """
    from pivotwatch.analysis.dyads import indicators as compute  # Ibis, pandas load here
    from pivotwatch.analysis.dyads import parse_dyad

    dims = split_dimensions(dimension)
    first, last = parse_date(start, "--from"), parse_date(end, "--to", end=True)
    check_output(fmt, output)
    with store(read_only=True) as st:
        df = compute(dyad, freq=freq.value, dimensions=dims, start=first, end=last,
                     directed=directed, store=st)
    for note in df.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {shown(note)}")
    if emit(df, fmt, output):
        return
    name = "-".join(parse_dyad(dyad))  # as checked: 'rus-prk' is shown as RUS-PRK
    if df.empty:
        out.print(f"no data for {name}: the store has no daily counts in that range")
        return
    _print_rows(df, name, freq.value)


def _print_rows(df, name: str, freq: str) -> None:
    """The rows with events, then one line about those without (csv and json keep all)."""
    from pivotwatch.analysis.indicators import period_label

    kept = df[df["events"] > 0]
    periods = sorted(set(df["period"]))
    span = period_label(periods[0], freq) + (
        f" to {period_label(periods[-1], freq)}" if len(periods) > 1 else "")
    if kept.empty:
        volume = int(df.loc[df["dimension"] == df["dimension"].iloc[0], "volume"].fillna(0)
                     .sum())
        count = f"{len(periods)} {freq}s" if len(periods) > 1 else f"1 {freq}"
        out.print(f"The store holds no {name} events in the {count} with data ({span}), "
                  f"among {volume:,} events involving either country; every row with "
                  "--format csv.")
        return
    out.print(_table(kept, f"{name} indicators by {freq}", freq))
    quiet = sorted(set(periods) - set(kept["period"]))
    if len(kept) < len(df):
        where = (f"; no events at all in {len(quiet)} of the {len(periods)} {freq}s with data"
                 if quiet else "")
        out.print(f"Not shown: {len(df) - len(kept)} of {len(df)} rows (period and dimension) "
                  f"with no {name} events{where}; every row with --format csv.")
