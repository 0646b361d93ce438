"""`pivotwatch partners`: each partner's share of the focus country's events, rank and trend."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    DIMENSION,
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
from pivotwatch.cli.frames import Format, check_output, emit, missing


class Freq(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


def register(app: typer.Typer) -> None:
    app.command("partners")(partners)


def _pct(v) -> str:
    return "–" if missing(v) else f"{v * 100:.1f}%"


def _shares_table(df, title: str, freq: str) -> Table:
    from pivotwatch.analysis.indicators import period_label  # Ibis loads only here

    table = Table(title=title, title_justify="left", caption=(
        "share = the partner's events with the focus country / the focus country's events with "
        "all these partners (– where the set had none: no share, not 0%); coop share = the same "
        "for cooperative events (QuadClass 1-2); per 10k = events per 10,000 events involving "
        "either country (all rows loaded); rank 1 = largest share, equal shares rank equal"),
        caption_justify="left")
    for name in ("period", "partner"):
        table.add_column(name, no_wrap=True)
    for name in ("events", "share", "coop share", "per 10k", "rank"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in df.to_dict(orient="records"):
        table.add_row(
            period_label(row["period"], freq), row["partner"], f"{row['events']:,}",
            _pct(row["share"]), _pct(row["coop_share"]),
            "–" if missing(row["per_10k"]) else f"{row['per_10k']:,.2f}",
            "–" if missing(row["rank"]) else str(int(row["rank"])))
    return table


def _trend_table(trend, last: int, freq: str) -> Table:
    table = Table(title=f"trend of the share over the last {last} {freq}s",
                  title_justify="left", caption=(
                      f"slope = change of the share per {freq} in percentage points (least "
                      "squares on real time: gaps stay gaps); 90% CI from Student's t; "
                      "periods = periods used (those with events for the partner set); "
                      "fewer than 3: too few periods"),
                  caption_justify="left")
    table.add_column("partner", no_wrap=True)
    table.add_column("dimension", no_wrap=True)
    table.add_column(f"slope (pp/{freq})", justify="right", no_wrap=True)
    table.add_column("90% CI", justify="right", no_wrap=True)
    table.add_column("periods", justify="right", no_wrap=True)
    table.add_column("reading", no_wrap=True)
    for row in trend.to_dict(orient="records"):
        if missing(row["slope"]):
            slope = ci = "–"
        else:
            slope = f"{row['slope'] * 100:+.2f}"
            ci = f"[{row['ci_low'] * 100:+.2f}, {row['ci_high'] * 100:+.2f}]"
        table.add_row(row["partner"], row["dimension"], slope, ci, str(row["periods"]),
                      row["note"])
    return table


def _print_trend(trend, last: int, freq: str) -> None:
    """The trend table with the rows that have a slope; the partner-dimension pairs with too
    few periods are one line after it (csv and json keep every row)."""
    from pivotwatch.analysis.partners import MIN_PERIODS, TOO_FEW

    fitted = trend[trend["note"] != TOO_FEW] if not trend.empty else trend
    if not fitted.empty:
        out.print(_trend_table(fitted, last, freq))
    thin = trend[trend["note"] == TOO_FEW] if not trend.empty else trend
    if thin.empty:
        return
    dims = ", ".join(dict.fromkeys(thin["dimension"]))
    what = (f"all {len(trend)} partner-dimension pairs" if fitted.empty
            else f"{len(thin)} of {len(trend)} partner-dimension pairs ({dims})")
    out.print(f"no trend for {what}: {TOO_FEW} (fewer than {MIN_PERIODS} of the last {last} "
              f"{freq}s with events; every row with --trend-only --format csv)")


@handle_errors
def partners(
    focus: str = typer.Option("RUS", "--focus", help="The focus country's code."),
    partner_codes: str = typer.Option("CHN,IND,PRK,IRN,VNM,MNG", "--partners",
                                      help="The partner set, comma-separated codes."),
    freq: Freq = typer.Option(Freq.year, "--freq", help="Period length."),
    dimension: list[str] = DIMENSION,
    start: str = FROM,
    end: str = TO,
    last: int = typer.Option(5, "--last", min=3, help="Periods the trend is fitted over."),
    trend_only: bool = typer.Option(False, "--trend-only", help="Output only the trend "
                                    "(--format and -o then apply to it)."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (csv, json and "
                               "parquet hold the per-period figures, or the trend with "
                               "--trend-only)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Partner ranking: for each period, each partner's share of the focus country's events
    with the whole partner set (all events, cooperative ones, per dimension), events per
    10,000 events involving either country, its rank, and the trend of its share over the
    last periods (least-squares slope with a 90% confidence interval).

    Events are counted in either direction (focus as actor 1 or actor 2). A period in which
    the partner set has no events gives no share (–), not 0%.

    Example: pivotwatch partners --focus RUS --partners CHN,PRK,IRN --dimension all,military
    """
    from pivotwatch.analysis.indicators import period_label
    from pivotwatch.analysis.partners import partners as compute  # Ibis, pandas load here

    dims = split_dimensions(dimension)
    first, final = parse_date(start, "--from"), parse_date(end, "--to", end=True)
    check_output(fmt, output)
    with store(read_only=True) as st:
        df = compute(focus, partner_codes, freq=freq.value, dimensions=dims, start=first,
                     end=final, last=last, store=st)
    import pandas as pd

    trend = pd.DataFrame(df.attrs["trend"])
    for note in df.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {shown(note)}")
    frame = trend if trend_only else df
    if emit(frame, fmt, output):
        return
    name = f"{df.attrs['focus']} with {', '.join(df.attrs['partners'])}"
    if df.empty:
        out.print(f"no data for {name}: the store has no daily counts in that range")
        return
    if not trend_only:
        silent = []  # dimensions with no events in any period: one line after the tables
        for dim, part in df.groupby("dimension", sort=False):
            title = f"{name}: shares by {freq.value}, dimension {dim}"
            empty = sorted(set(part.loc[part.set_events == 0, "period"]))
            kept = part[part.set_events > 0]
            if kept.empty:
                silent.append(dim)
                continue
            out.print(_shares_table(kept, title, freq.value))
            if empty:
                labels = ", ".join(period_label(p, freq.value) for p in empty)
                out.print(f"  no events with these partners (no shares) in: {labels}")
        if silent:
            out.print(f"{name}: no events with these partners in any period for dimension "
                      f"{', '.join(silent)}")
    _print_trend(trend, last, freq.value)
    if int(df["events"].sum()) == 0:
        out.print(f"The store holds no events of {df.attrs['focus']} with these partners in "
                  "these periods: there are no shares to rank.")
