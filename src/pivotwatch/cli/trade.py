"""`pivotwatch trade` and `pivotwatch fuel`: Comtrade flows beside the reference figures."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    YEAR_FROM,
    YEAR_TO,
    cell,
    err,
    handle_errors,
    out,
    parse_year,
    shown,
    store,
)
from pivotwatch.cli.frames import Format, emit, missing
from pivotwatch.errors import UsageError

FORMAT = typer.Option(Format.table, "--format", help="Output format.")
OUTPUT = typer.Option(None, "-o", "--output", help="Write to this file (its suffix picks the "
                      "format: .csv, .json, .parquet).")


class By(StrEnum):
    year = "year"
    category = "category"


def register(app: typer.Typer) -> None:
    app.command("trade")(trade)
    app.command("fuel")(fuel)


def _usd(v) -> str:
    return "–" if missing(v) else f"{v:,.0f}"


def _check_years(first: str | None, last: str | None) -> tuple[int | None, int | None]:
    """--from/--to as years (a date stands for its year), in range and in order."""
    start, end = parse_year(first, "--from"), parse_year(last, "--to")
    for value, option in ((start, "--from"), (end, "--to")):
        if value is not None and not 1900 <= value <= 2100:
            raise UsageError(f"{option} {value}: give a year such as 2018")
    if start is not None and end is not None and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    return start, end


@handle_errors
def trade(
    a: str = typer.Argument(..., metavar="COUNTRY", help="ISO3 code, e.g. RUS."),
    b: str = typer.Argument(..., metavar="PARTNER", help="ISO3 code, e.g. PRK."),
    by: By = typer.Option(By.year, "--by", help="year: each year's total over all "
                          "commodities; category: per trade category."),
    category: list[str] = typer.Option(None, "--category", help="Only these categories "
                                       "(energy, food_agriculture, minerals_metals, arms, "
                                       "machinery_vehicles, other, all); repeat or separate "
                                       "with commas."),
    start: str = YEAR_FROM,
    end: str = YEAR_TO,
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
) -> None:
    """Trade between two countries from UN Comtrade, each side's own reports and mirror
    figures (the partner's reports), next to the curated reference figures for the same
    years (Russia-North Korea only), each with its basis and sources.

    North Korea reports nothing to Comtrade: its figures are its partners' reports. Import
    values are CIF and export values FOB, so mirror and reported figures differ; nothing is
    adjusted (see docs/trade.md). Reference figures are shown beside Comtrade's, never added.

    Example: pivotwatch trade RUS PRK --by category --category energy,food_agriculture
    """
    from pivotwatch.analysis.trade import trade_with_reference  # Ibis, pandas load here

    start, end = _check_years(start, end)
    with store(read_only=True) as st:
        df = trade_with_reference(a, b, store=st, by=by.value, categories=category,
                                  start=start, end=end)
    for note in df.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {shown(note)}")
    if emit(df, fmt, output):
        return
    a_, b_ = df.attrs["countries"]
    if df.empty:
        out.print(f"No figures for {a_}-{b_} in that span: no Comtrade flows loaded for the "
                  "pair and no reference figures.")
        return
    table = Table(title=f"{a_}-{b_} trade, USD", title_justify="left", caption=(
        "comtrade: UN Comtrade; basis \"reported by X\" = X's own report, \"mirror\" = the "
        "partner's report read from the other side (imports CIF, exports FOB). reference: "
        "curated figures, shown beside Comtrade's and never added to them; sources with "
        "--format json."),
        caption_justify="left")
    for name in ("year", "source", "country", "flow", "category"):
        table.add_column(name, no_wrap=True)
    table.add_column("USD", justify="right", no_wrap=True)
    for name in ("basis", "valuation / coverage", "note"):
        table.add_column(name)
    for row in df.to_dict(orient="records"):
        detail = " / ".join(v for v in (row["valuation"], row["coverage"]) if not missing(v))
        # flags come from markers in the note ("PARTIAL YEAR: ..."): the note says them
        note = "" if missing(row["note"]) else row["note"]
        table.add_row(str(row["year"]), *map(cell, (row["source"], row["country"], row["flow"],
                      row["category"])), _usd(row["value_usd"]), *map(cell, (row["basis"],
                      detail, note)))
    out.print(table)
    if df.attrs.get("loaded_flows", 0) == 0:
        out.print("No trade data is loaded: the rows above are reference figures only. Load "
                  "Comtrade files with `pivotwatch ingest comtrade FILE...`.")


@handle_errors
def fuel(
    supplier: str = typer.Argument("RUS", metavar="SUPPLIER", help="ISO3 code, e.g. RUS."),
    recipient: str = typer.Argument("PRK", metavar="RECIPIENT", help="PRK: the cap limits "
                                    "North Korea's imports."),
    start: str = YEAR_FROM,
    end: str = YEAR_TO,
    fmt: Format = FORMAT,
    output: Path = OUTPUT,
) -> None:
    """Refined-petroleum deliveries to North Korea against the UNSCR 2397 cap (500,000
    barrels a year), one row per published figure with its basis (reported to the UN,
    government estimate, open-source estimate), caveats and sources.

    Figures of different bases, or with overlapping periods, are never added; lower bounds
    say so. The cap limits North Korea's imports from all suppliers together, so one
    supplier's share of it is a floor for the whole.

    Example: pivotwatch fuel RUS PRK --from 2018
    """
    from pivotwatch.analysis.trade import country, fuel_vs_cap

    if country(recipient) != "PRK":
        raise UsageError("the fuel figures and the UNSCR 2397 cap cover deliveries to North "
                         "Korea (PRK) only")
    start, end = _check_years(start, end)
    with store(read_only=True) as st:
        df = fuel_vs_cap(supplier, store=st, start=start, end=end)
        (loaded,) = st.con.execute("SELECT count(*) FROM reference_fuel").fetchall()[0]
    if emit(df, fmt, output):
        return
    if df.empty:
        out.print("No fuel figure for that supplier falls in that span." if loaded else
                  "No fuel figures are loaded: load the reference tables with `pivotwatch "
                  "ingest reference`.")
        return
    table = Table(title=f"refined petroleum, {country(supplier)} to PRK, against the cap",
                  title_justify="left", caption=(
                      "share = barrels / the annual cap in force (a one-supplier figure: the "
                      "cap counts every supplier). Rows are never added; sources with "
                      "--format json."), caption_justify="left")
    for name in ("period", "barrels", "basis", "cap", "share", "caveats", "confidence"):
        table.add_column(name, justify="right" if name in ("barrels", "cap", "share") else
                         "left", no_wrap=name in ("period", "barrels", "cap", "share"))
    for row in df.to_dict(orient="records"):
        share = "–" if missing(row["share_of_cap"]) else f"{row['share_of_cap']:.0%}"
        table.add_row(f"{row['period_start']:%Y-%m-%d}–{row['period_end']:%Y-%m-%d}",
                      _usd(row["barrels"]), cell(row["basis_label"]),
                      _usd(row["cap_barrels"]), share, cell(row["caveats"]),
                      cell(row["confidence"]))
    out.print(table)
