"""`pivotwatch measures`: the dated quantitative measures, one row per published figure."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import DYAD, cell, handle_errors, out, parse_date, shown, store
from pivotwatch.cli.frames import Format, emit, missing

FORMAT = typer.Option(Format.table, "--format", help="Output format.")
OUTPUT = typer.Option(None, "-o", "--output", help="Write to this file (its suffix picks the "
                      "format: .csv, .json, .parquet).")


def register(app: typer.Typer) -> None:
    app.command("measures")(measures)


def _figure(v) -> str:
    return "–" if missing(v) else f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def _change(v) -> str:
    return "" if missing(v) else f"{v:+,.0f}" if float(v).is_integer() else f"{v:+,}"


@handle_errors
def measures(
    dyad: str = DYAD,
    measure: list[str] = typer.Option(None, "--measure", help="Only these measures (e.g. "
                                      "troops_deployed); repeat or separate with commas."),
    as_of: str = typer.Option(None, "--as-of", metavar="DATE", help="Leave out figures "
                              "published after this date (YYYY-MM-DD; YYYY or YYYY-MM: its "
                              "last day)."),
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
) -> None:
    """Dated quantitative measures between two countries (munitions containers, shells,
    troops, tanker port calls, grain...), one row per published figure with its publisher,
    basis (cumulative, for a period, a bound, announced) and sources, from the curated
    `measures.csv`.

    Figures are never added. A series is one measure of one flow by one publisher on one
    basis; `change` compares a figure only with the previous figure of its own series.

    Example: pivotwatch measures --dyad RUS-PRK --measure troops_deployed --as-of 2024-12-31
    """
    from pivotwatch.analysis.dyads import parse_dyad
    from pivotwatch.analysis.measures import known_measures
    from pivotwatch.analysis.measures import measures as compute

    a, b = parse_dyad(dyad)
    day = parse_date(as_of, "--as-of", end=True)
    with store(read_only=True) as st:
        df = compute(a, b, store=st, measure=measure, as_of=day)
        known = known_measures(store=st) if df.empty else []
    if emit(df, fmt, output):
        return
    if df.empty:
        if not known:
            out.print("No measures are loaded: load the reference tables with `pivotwatch "
                      "ingest reference`.")
        else:
            out.print(f"No figures for {a}-{b} with these options"
                      f"{f' published by {day}' if day else ''}. Measures loaded: "
                      f"{shown(', '.join(known))}.")
        return
    title = f"{a}-{b} measures" + (f", as published by {day}" if day else "")
    table = Table(title=title, title_justify="left", caption=(
        "One row per published figure, never added. change: against the previous figure of "
        "the same measure, publisher and basis only. Confidence and sources with --format "
        "json."),
        caption_justify="left")
    for name in ("measure", "flow", "published", "period", "figure", "change", "basis",
                 "publisher"):
        table.add_column(name, justify="right" if name in ("figure", "change") else "left",
                         no_wrap=name not in ("basis", "publisher"))
    for row in df.to_dict(orient="records"):
        start, end = row["period_start"], row["period_end"]
        period = "" if start is None and end is None else f"{start or '?'}–{end or '?'}"
        change = _change(row["change"])
        if change and not missing(row["change_note"]):
            change += " *"
        table.add_row(cell(row["measure"]), f"{row['from_country']}→{row['to_country']}",
                      str(row["as_of"]), period,
                      f"{_figure(row['value'])} {shown(row['unit'])}", change,
                      cell(row["basis_label"]), cell(row["publisher"]))
    out.print(table)
    if df["change_note"].notna().any():
        out.print("* counted from another start than the previous figure of its series "
                  "(see change_note with --format json).")
