"""`pivotwatch assess`: how close two countries are, in what, which way, how sure."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    DYAD,
    err,
    fail,
    handle_errors,
    out,
    parse_date,
    parse_year,
    shown,
    store,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    md = "md"
    csv = "csv"


class Freq(StrEnum):
    year = "year"
    quarter = "quarter"


SUFFIXES = {".json": Format.json, ".md": Format.md, ".csv": Format.csv}


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)


def _judgments_table(a) -> Table:
    from pivotwatch.report.assessment_md import ARROWS

    table = Table(title=f"{a.dyad} as of {a.as_of.isoformat()}", title_justify="left",
                  caption="level 0 none … 4 very high; direction: the last 12 months against "
                          "the 3 years before; confidence: how many independent sources see "
                          "ties, their quality and freshness (docs/assessment.md)",
                  caption_justify="left")
    for column in ("dimension", "level", "direction", "confidence", "strongest evidence",
                   "caveats"):
        table.add_column(column, overflow="fold")
    for j in a.judgments:
        first = j.evidence[0] if j.evidence else None
        table.add_row(j.dimension, j.level_label,
                      f"{ARROWS[j.direction.value]} {j.direction.value}", j.confidence.value,
                      shown(f"{first.date or ''} {first.text}".strip()) if first else "–",
                      shown("; ".join(j.caveats)) or "–")
    return table


def _partners_table(a) -> Table:
    from pivotwatch.analysis.judgment import DIMENSIONS
    from pivotwatch.report.assessment_md import ARROWS

    table = Table(title="partner comparison (level, direction, confidence)",
                  title_justify="left")
    table.add_column("partner")
    for d in DIMENSIONS:
        table.add_column(d)
    for partner in dict.fromkeys(c.partner for c in a.partners):
        cells = {c.dimension: c for c in a.partners if c.partner == partner}
        focus = any(c.focus_pair for c in cells.values())
        table.add_row(f"[bold]{partner}[/bold] *" if focus else partner, *(
            "[dim]no data[/dim]" if cells[d].level is None else
            f"{int(cells[d].level)} {ARROWS[cells[d].direction.value]} "
            f"{cells[d].confidence.value[0]}" for d in DIMENSIONS))
    return table


def _print(a) -> None:
    out.print(f"[bold]{a.dyad}[/bold], as of {a.as_of.isoformat()} ({shown(a.as_of_basis)})")
    out.print(shown(a.bottom_line))
    out.print(_judgments_table(a))
    if a.partners:
        out.print(_partners_table(a))
    stale = [s for s in a.sources if s.get("stale") and s.get("rows")]
    if stale:
        out.print("loaded sources whose latest date is more than a year before the as-of "
                  "date: " + ", ".join(f"{shown(s['source'])} (latest "
                                       f"{s.get('latest') or 'none'})" for s in stale))


def _history_table(found) -> Table:
    from pivotwatch.analysis.judgment import DIMENSIONS
    from pivotwatch.report.assessment_md import ARROWS

    table = Table(title=f"{found[0].dyad}: level and direction as of each period end",
                  title_justify="left")
    table.add_column("as of")
    for d in DIMENSIONS:
        table.add_column(d)
    for a in found:
        table.add_row(a.as_of.isoformat(), *(
            "–" if j.level is None else f"{int(j.level)} {ARROWS[j.direction.value]}"
            for j in a.judgments))
    return table


def _write(text: str, output: Path | None) -> None:
    from pivotwatch.cli.common import write_data

    if output is None:
        write_data(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    err.print(f"wrote {shown(str(output))}")


@handle_errors
def assess(
    dyad: str = DYAD,
    as_of: str = typer.Option(None, "--as-of", help="Judge as of this day (YYYY-MM-DD; "
                              "YYYY or YYYY-MM: its last day); default: the newest dated "
                              "evidence about the pair."),
    partners: str = typer.Option(None, "--partners", help="Compare with these partners of "
                                 "the focus (comma-separated; default CHN,IND,PRK,IRN,VNM,MNG)."),
    no_compare: bool = typer.Option(False, "--no-compare", help="Skip the partner comparison."),
    history: bool = typer.Option(False, "--history", help="The judgments as of each period "
                                 "end from --from to --to instead."),
    start: str = typer.Option("2015", "--from", help="First year of the history (a date "
                              "stands for its year)."),
    end: str = typer.Option(None, "--to", help="Last year of the history (default: the "
                            "year of the newest evidence about the pair)."),
    freq: Freq = typer.Option(Freq.year, "--freq", help="History at year or quarter ends."),
    signals: Path = typer.Option(None, "--signals", help="Your own (signal, dimension, "
                                 "weight) CSV instead of the bundled one."),
    fmt: Format = typer.Option(None, "--format", help="table, json, md or csv (default: "
                               "from the -o suffix, else table)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """The assessment of a dyad: per dimension a level (0 none … 4 very high), a direction
    (rising, steady, falling) and a confidence, from every loaded source, with the bottom
    line, the strongest evidence, the partner comparison and each source's freshness.

    Only evidence dated on or before the as-of date counts. docs/assessment.md gives the rules.

    Example: pivotwatch assess --dyad RUS-PRK --as-of 2024-12-31 --format md -o rus-prk.md
    """
    from pivotwatch.analysis import assessment as engine
    from pivotwatch.markup import strict_json
    from pivotwatch.report.assessment_md import markdown, rows

    day = parse_date(as_of, "--as-of", end=True)
    start, end = parse_year(start, "--from"), parse_year(end, "--to")
    if fmt is None:
        fmt = SUFFIXES.get(output.suffix.lower(), Format.table) if output else Format.table
    if fmt is Format.table and output is not None:
        raise fail("--format table prints to the terminal: give -o a .json, .md or .csv name")
    if history:
        if day is not None:
            raise fail("--as-of applies to a single assessment: give --from and --to with "
                       "--history")
        with store(read_only=True) as st:
            found = engine.history(dyad, store=st, start=start, end=end, freq=freq.value,
                                   signals_file=signals)
    else:
        if end is not None:
            raise fail("--to applies to --history only")
        with store(read_only=True) as st:
            found = [engine.assess(dyad, store=st, as_of=day, partners=partners,
                                   compare=not no_compare, signals_file=signals)]
    for a in found[-1:]:
        for note in a.notes:
            err.print(f"[yellow]note:[/yellow] {shown(note)}")
    if fmt is Format.json:
        payload = [a.to_dict() for a in found] if history else found[0].to_dict()
        _write(strict_json(payload, indent=1) + "\n", output)
    elif fmt is Format.md:
        _write("\n".join(markdown(a) for a in found), output)
    elif fmt is Format.csv:
        import pandas as pd

        _write(pd.DataFrame(rows(found)).to_csv(index=False), output)
    elif history:
        out.print(_history_table(found))
    else:
        _print(found[0])
