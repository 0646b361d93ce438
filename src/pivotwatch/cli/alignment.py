"""`pivotwatch alignment`: how alike two countries vote in the UN General Assembly."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    YEAR_FROM,
    YEAR_TO,
    err,
    handle_errors,
    out,
    parse_year,
    shown,
    store,
    write_atomically,
    write_data,
)
from pivotwatch.cli.frames import SUFFIXES, Format, check_output, emit, missing, records
from pivotwatch.markup import strict_json

# Each figure says whose it is; the two are never mixed in one column.
VOTES = "votes (pivotwatch, from roll calls)"
PUBLISHED = "published (Voeten et al.)"


class By(StrEnum):
    year = "year"
    session = "session"


def register(app: typer.Typer) -> None:
    app.command("alignment")(alignment)


def periods(column) -> list[str]:
    """The periods of a table in time order, "all" last. The rows come partner by partner,
    and a partner lacks the years before it voted (PRK joined the UN in 1991): taking the
    periods in the order met would start at the first partner's first year."""
    from pivotwatch.analysis.alignment import ALL

    found = set(column)
    return sorted(found - {ALL}, key=int) + ([ALL] if ALL in found else [])


def _table(df, title: str, partners: list[str]) -> Table:
    from pivotwatch.analysis.alignment import THIN

    table = Table(title=title, title_justify="left", caption=(
        "roll calls = both voted (yes, abstain or no; absences are not votes); share = "
        "identical / roll calls; kappa = agreement beyond chance over yes / abstain / no (– "
        "where undefined: both always voted one way); S = Signorino-Ritter, abstain halfway "
        "between yes and no (-1 … +1); * after the roll calls = fewer than "
        f"{THIN} both voted: too thin to read. See docs/alignment.md"),
        caption_justify="left")
    for name in ("period", "partner"):
        table.add_column(name, no_wrap=True)
    for name in ("roll calls", "identical", "share", "kappa", "S"):
        table.add_column(name, justify="right", no_wrap=True)
    rows = {(r["period"], r["partner"]): r for r in df.to_dict(orient="records")}
    for period in periods(df["period"]):
        for partner in partners:
            r = rows.get((period, partner))
            if r is None:
                table.add_row(period, partner, "0", "–", "–", "–", "–")
                continue
            # the mark sits on the count, not the period: a period is one label for every
            # partner, thin for some and not for others
            thin = period != "all" and r["roll_calls"] < THIN
            table.add_row(period, partner, f"{r['roll_calls']:,}" + ("*" if thin else ""),
                          f"{r['identical']:,}",
                          f"{r['share'] * 100:.1f}%",
                          "–" if missing(r["kappa"]) else f"{r['kappa']:+.3f}",
                          f"{r['s_score']:+.3f}")
        if len(partners) > 1:
            table.add_section()
    return table


def _published_table(df, title: str, min_votes: int) -> Table:
    agreeing = bool(df["agreement"].notna().any())  # none in the year file: columns left out
    table = Table(title=title, title_justify="left", caption=(
        ("agreement = share of votes on which the partner agreed with the focus, as Voeten "
         "publishes it (by session; – where his file has no column for the focus); "
         if agreeing else "") +
        "distance = |ideal point of the partner − the focus's|, with a 90% interval from "
        "their posterior quantiles (conservative); rank 1 = closest, among the partners / "
        f"among all states with at least {min_votes} votes in the period "
        "(PIVOTWATCH_MIN_VOTES, --min-votes), of the states so counted; a state with fewer "
        "votes has no rank (–), whatever its agreement. See docs/alignment.md"),
        caption_justify="left")
    for name in ("period", "partner"):
        table.add_column(name, no_wrap=True)
    names = ["votes", *(("agreement", "agreement rank") if agreeing else ()), "distance",
             "90% interval", "distance rank"]
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)

    def rank(partners, everyone, states) -> str:
        if missing(partners):
            return "–"
        return f"{partners} / {everyone} of {states}"

    for partner, part in df.groupby("partner", sort=False):
        for r in part.to_dict(orient="records"):
            interval = ("–" if missing(r["distance_low"])
                        else f"{r['distance_low']:.2f}–{r['distance_high']:.2f}")
            agreement = (
                "–" if missing(r["agreement"]) else f"{r['agreement'] * 100:.1f}%",
                rank(r["agreement_rank_partners"], r["agreement_rank_all"],
                     r["ranked_states"]))
            table.add_row(
                str(r["period"]), partner, "–" if missing(r["n_votes"]) else str(r["n_votes"]),
                *(agreement if agreeing else ()),
                "–" if missing(r["ideal_distance"]) else f"{r['ideal_distance']:.3f}", interval,
                rank(r["distance_rank_partners"], r["distance_rank_all"], r["ranked_states"]))
        table.add_section()
    return table


def _emit_both(votes, published, fmt: Format, output: Path | None) -> bool:
    """Both tables as data, apart: JSON as {"votes": [...], "published": [...]}, CSV and
    parquet as one table whose `source` column says whose each row is. False when the
    caller prints tables."""
    import pandas as pd

    if output is None and fmt is Format.table:
        return False
    if output is not None and fmt is Format.table:
        fmt = SUFFIXES.get(output.suffix.lower(), Format.csv)
    if fmt is Format.json:
        text = strict_json({"votes": records(votes), "published": records(published)},
                           indent=1)
        if output is None:
            write_data(text + "\n")
        else:
            write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
            out.print(f"wrote {len(votes):,} + {len(published):,} rows to {shown(output)}")
        return True
    pub = published.assign(period=published["period"].astype(str),
                           period_end=published["period_end"].map(lambda d: d.isoformat()),
                           ranked_states=published["ranked_states"].astype("Int64"))
    both = pd.concat([votes.assign(source=VOTES), pub.assign(source=PUBLISHED)],
                     ignore_index=True)
    both = both[["source", *(c for c in both.columns if c != "source")]]
    both.attrs = {}
    return emit(both, fmt, output)


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
    start: str = YEAR_FROM,
    end: str = YEAR_TO,
    published: bool = typer.Option(False, "--published", help="Also show E. Voeten's "
                                   "published figures, apart: agreement (by session), "
                                   "ideal-point distance with a 90% interval, and ranks "
                                   "(load them with `pivotwatch ingest idealpoints`)."),
    min_votes: int = typer.Option(None, "--min-votes", min=0, help="With --published: rank "
                                  "only states with at least this many votes in the period "
                                  "(default PIVOTWATCH_MIN_VOTES, 20)."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (csv, json and "
                               "parquet hold every count behind every figure)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Voting alignment in the UN General Assembly: on the roll calls both countries voted in
    (yes, no or abstain), the share of identical votes, Cohen's kappa and Signorino-Ritter S,
    per year or session and per issue, for the focus country with each partner, and over the
    whole range ("all").

    Load the votes first with `pivotwatch ingest unvotes`. The data end in 2019 (unvotes) or
    2015 (Voeten). With --published, E. Voeten's published figures follow in a table of their
    own (to 2024: agreement by session, ideal-point distance by session or year, and ranks):
    as JSON under "published" beside "votes", as CSV in rows whose `source` column says so.

    Example: pivotwatch alignment RUS PRK --by year --from 2010 --issue all,nu,hr

    Example: pivotwatch alignment RUS PRK --partners CHN,IND --by session --published
    """
    from pivotwatch.analysis.alignment import WATCHED_PARTNERS, check_issues
    from pivotwatch.analysis.alignment import alignment as compute  # Ibis, pandas load here
    from pivotwatch.analysis.alignment import published as compute_published
    from pivotwatch.errors import UsageError
    from pivotwatch.settings import get_settings

    issues = [i for item in (issue or []) for i in item.split(",")]
    start, end = parse_year(start, "--from"), parse_year(end, "--to")
    check_output(fmt, output)
    chosen = [partner] if partner else []
    rest = partners.split(",") if partners else list(WATCHED_PARTNERS)
    chosen += [p for p in rest if p.strip().upper() != focus.strip().upper()]
    if min_votes is not None and not published:
        raise UsageError("--min-votes goes with --published")
    pub = None
    with store(read_only=True) as st:
        if not published:
            df = compute(focus, chosen, store=st, by=by.value, issues=issues,
                         first_year=start, last_year=end)
        else:
            check_issues(issues)
            pub = compute_published(focus, chosen, store=st, first_year=start,
                                    last_year=end, min_votes=min_votes)
            pub = pub[pub["period_kind"] == by.value].reset_index(drop=True)
            try:
                df = compute(focus, chosen, store=st, by=by.value, issues=issues,
                             first_year=start, last_year=end)
            except UsageError as exc:  # the published figures stand without the votes
                err.print(f"[yellow]warning:[/yellow] {VOTES}: {shown(exc)}")
                df = _no_votes(focus, chosen)
    for note in df.attrs.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {shown(note)}")
    if pub is not None and _emit_both(df, pub, fmt, output):
        return
    if pub is None and emit(df, fmt, output):
        return
    names = df.attrs["partners"]
    if df.empty and not df.attrs.get("absent"):
        out.print(f"no roll calls on which {df.attrs['focus']} and {', '.join(names)} both "
                  f"voted in that range ({VOTES})")
    for name, part in df.groupby("issue", sort=False):
        title = f"{df.attrs['focus']}: UN General Assembly voting alignment by {by.value}, " \
                f"issue {name}: {VOTES}"
        out.print(_table(part, title, names))
    if pub is None:
        return
    title = f"{df.attrs['focus']}: UN General Assembly, by {by.value}: {PUBLISHED}"
    if pub.empty:
        other = "session" if by.value == "year" else "year"
        out.print(f"no {PUBLISHED} figures by {by.value} for {', '.join(names)} in that "
                  f"range (try --by {other})")
        return
    out.print(_published_table(pub, title, min_votes if min_votes is not None
                               else get_settings().min_votes))
    if by.value == "year":
        out.print("Voeten publishes agreement by session only: --by session shows it.")


def _no_votes(focus: str, partners: list[str]):
    """An empty vote-level table, for when only the published figures are loaded."""
    import pandas as pd

    from pivotwatch.analysis.alignment import check_codes

    focus, codes = check_codes(focus, partners)
    df = pd.DataFrame(columns=["period", "partner", "issue", "roll_calls", "identical",
                               "share", "kappa", "s_score"])
    df.attrs.update(focus=focus, partners=codes, warnings=[], absent=True)
    return df
