"""`pivotwatch alignment`: how alike two countries vote in the UN General Assembly."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import err, handle_errors, out, shown, store
from pivotwatch.cli.frames import Format, check_output, emit, missing


class By(StrEnum):
    year = "year"
    session = "session"


def register(app: typer.Typer) -> None:
    app.command("alignment")(alignment)


def _table(df, title: str, partners: list[str]) -> Table:
    from pivotwatch.analysis.alignment import THIN

    table = Table(title=title, title_justify="left", caption=(
        "roll calls = both voted (yes, abstain or no; absences are not votes); share = "
        "identical / roll calls; kappa = agreement beyond chance over yes / abstain / no (– "
        "where undefined: both always voted one way); S = Signorino-Ritter, abstain halfway "
        "between yes and no (-1 … +1); * = fewer than "
        f"{THIN} roll calls both voted: too thin to read. See docs/alignment.md"),
        caption_justify="left")
    for name in ("period", "partner"):
        table.add_column(name, no_wrap=True)
    for name in ("roll calls", "identical", "share", "kappa", "S"):
        table.add_column(name, justify="right", no_wrap=True)
    rows = {(r["period"], r["partner"]): r for r in df.to_dict(orient="records")}
    for period in dict.fromkeys(df["period"]):
        for partner in partners:
            r = rows.get((period, partner))
            if r is None:
                table.add_row(period, partner, "0", "–", "–", "–", "–")
                continue
            thin = period != "all" and r["roll_calls"] < THIN
            table.add_row(f"{period}*" if thin else period, partner, f"{r['roll_calls']:,}",
                          f"{r['identical']:,}",
                          f"{r['share'] * 100:.1f}%",
                          "–" if missing(r["kappa"]) else f"{r['kappa']:+.3f}",
                          f"{r['s_score']:+.3f}")
        if len(partners) > 1:
            table.add_section()
    return table


@handle_errors
def alignment(
    focus: str = typer.Argument(..., metavar="FOCUS", help="The focus country (ISO3 or CAMEO "
                                "code, e.g. RUS)."),
    partner: str = typer.Argument(None, metavar="[PARTNER]", help="A partner to compare "
                                  "(e.g. PRK); shown first, before --partners."),
    by: By = typer.Option(By.year, "--by", help="Period: calendar year of the vote or UN "
                          "General Assembly session."),
    issue: list[str] = typer.Option(None, "--issue", help="Issues: all (every roll call), me, "
                                    "nu, di, hr, co, ec; repeat the option or separate with "
                                    "commas (default: all)."),
    partners: str = typer.Option(None, "--partners", help="More partners, comma-separated "
                                 "(default CHN,IND,IRN,VNM,MNG, less the focus)."),
    start: int = typer.Option(None, "--from", help="First year."),
    end: int = typer.Option(None, "--to", help="Last year."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (csv, json and "
                               "parquet hold every count behind every figure)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Voting alignment in the UN General Assembly: on the roll calls both countries voted in
    (yes, no or abstain), the share of identical votes, Cohen's kappa and Signorino-Ritter S,
    per year or session and per issue, for the focus country with each partner, and over the
    whole range ("all").

    Load the votes first with `pivotwatch ingest unvotes`. The data end in 2019 (unvotes) or
    2015 (Voeten).

    Example: pivotwatch alignment RUS PRK --by year --from 2010 --issue all,nu,hr
    """
    from pivotwatch.analysis.alignment import WATCHED_PARTNERS
    from pivotwatch.analysis.alignment import alignment as compute  # Ibis, pandas load here

    issues = [i for item in (issue or []) for i in item.split(",")]
    check_output(fmt, output)
    chosen = [partner] if partner else []
    rest = partners.split(",") if partners else list(WATCHED_PARTNERS)
    chosen += [p for p in rest if p.strip().upper() != focus.strip().upper()]
    with store(read_only=True) as st:
        df = compute(focus, chosen, store=st, by=by.value, issues=issues, first_year=start,
                     last_year=end)
    for note in df.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {shown(note)}")
    if emit(df, fmt, output):
        return
    names = df.attrs["partners"]
    if df.empty:
        out.print(f"no roll calls on which {df.attrs['focus']} and {', '.join(names)} both "
                  "voted in that range")
        return
    for name, part in df.groupby("issue", sort=False):
        title = f"{df.attrs['focus']}: UN General Assembly voting alignment by {by.value}, " \
                f"issue {name}"
        out.print(_table(part, title, names))
