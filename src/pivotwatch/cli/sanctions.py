"""`pivotwatch sanctions`: designations under a country's programme, and those tying two."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import cell, handle_errors, out, parse_date, shown, store
from pivotwatch.cli.frames import Format, check_output, emit, missing


class ListName(StrEnum):
    un_sc = "un_sc"
    ofac = "ofac"
    opensanctions = "opensanctions"


def register(app: typer.Typer) -> None:
    app.command("sanctions")(sanctions)


def _codes(values) -> str:
    return "–" if missing(values) or len(values) == 0 else ", ".join(values)


def _day(value) -> str:
    # pandas gives NaT, not None, for a missing date
    return "–" if missing(value) or str(value) == "NaT" else str(value)[:10]


def _entries_table(df, title: str, linked: bool) -> Table:
    table = Table(title=title, title_justify="left")
    columns = ["list", "id", "kind", "name", "programme", *(["under", "tie"] if linked else []),
               "listed", "nationality", "address"]
    for name in columns:
        table.add_column(name, no_wrap=name not in ("name",))
    for row in df.to_dict(orient="records"):
        cells = [row["list"], row["list_id"], row["kind"], row["name"],
                 _codes(row["country_programmes"])]
        if linked:
            cells += [row["under"], row["tie"]]
        cells += [_day(row["listed_on"]),
                  _codes(row["nationalities"]), _codes(row["address_countries"])]
        table.add_row(*map(cell, cells))
    return table


def _years_table(df) -> Table:
    table = Table(title="designations by listing year", title_justify="left")
    for name in ("list", "year"):
        table.add_column(name, no_wrap=True)
    table.add_column("designations", justify="right")
    for row in df.to_dict(orient="records"):
        year = "no listing date" if missing(row["year"]) else str(row["year"])
        table.add_row(cell(row["list"]), year, f"{row['designations']:,}")
    return table


def _summary_table(rows: list[dict]) -> Table:
    table = Table(title="designations by list, programme and kind", title_justify="left")
    for name in ("list", "programme", "kind"):
        table.add_column(name, no_wrap=True)
    table.add_column("designations", justify="right")
    for row in rows:
        table.add_row(*map(cell, (row["list"], row["programme"], row["kind"])),
                      f"{row['designations']:,}")
    return table


@handle_errors
def sanctions(
    country: str = typer.Option(..., "--country", help="ISO3 code of the country whose "
                                "sanctions programmes to show, e.g. PRK."),
    linked: str = typer.Option(None, "--linked", help="ISO3 code of a second country: show "
                               "only designations that tie the two (see below)."),
    lists: list[ListName] = typer.Option(None, "--list", help="Only this list (repeat for "
                                         "several): un_sc, ofac, opensanctions."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
    as_of: str = typer.Option(None, "--as-of", metavar="DATE", help="The lists as they stood "
                              "on this day (YYYY-MM-DD; YYYY or YYYY-MM: its last day): "
                              "versions published by then, entries listed by then."),
) -> None:
    """Sanctions designations (persons, entities, vessels) under a country's programmes, from
    the lists loaded with `pivotwatch ingest sanctions`, with counts by list, programme and
    kind.

    With --linked, only designations that tie the two countries: listed under one
    country's programme and naming the other, the tie column says where: nationality,
    address, flag (a vessel's), birth (place of birth) or remarks. Programmes map to
    countries through the bundled sanctions_programmes.csv; each list is a snapshot as of its
    publication date (shown). With --as-of, only list versions published on or before that
    day count, and entries listed after it are left out. See docs/sanctions.md.

    Example: pivotwatch sanctions --country PRK --linked RUS --as-of 2024-12-31
    """
    from pivotwatch.analysis.sanctions import by_year
    from pivotwatch.analysis.sanctions import sanctions as compute  # Ibis, pandas load here

    check_output(fmt, output)
    day = parse_date(as_of, "--as-of", end=True)
    with store(read_only=True) as st:
        df = compute(country, linked, lists=[name.value for name in lists or []], store=st,
                     as_of=day)
    if emit(df, fmt, output):
        return
    a, b = df.attrs["country"], df.attrs["linked"]
    if day is not None:
        left = df.attrs["left_out"]
        out.print(f"As of {day}: {left['versions_published_later']:,} list entry version(s) "
                  f"published later and {left['versions_undated']:,} of unknown publication "
                  f"date left out; {left['entries_listed_later']:,} entry(ies) listed later "
                  "left out.")
        if not df.attrs["lists"]:
            out.print(f"No list loaded was published on or before {day}.")
            return
    for entry in df.attrs["lists"]:
        day = _day(entry["published_at"])
        when = "date unknown" if day == "–" else f"published {day}"
        out.print(f"{shown(entry['list'])}: {entry['entries']:,} current entries, {when}")
    for code, programmes in df.attrs["programmes"].items():
        if not programmes:
            out.print(f"No programme in the programme map names {code}.")
    what = f"tying {a} and {b}" if b else f"under {a}'s programmes"
    if df.empty:
        out.print(f"No designations {what} in the lists loaded.")
        return
    out.print(_entries_table(df, f"{len(df):,} designations {what}", b is not None))
    out.print(_summary_table(df.attrs["summary"]))
    out.print(_years_table(by_year(df)))
