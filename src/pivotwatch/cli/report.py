"""`pivotwatch report`: the briefing as HTML or Markdown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from pivotwatch.cli.common import (
    DYAD,
    FROM,
    TO,
    err,
    fail,
    handle_errors,
    out,
    parse_date,
    shown,
    store,
    write_atomically,
)
from pivotwatch.cli.indicators import Freq
from pivotwatch.errors import UsageError

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".pdf": "pdf"}


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@handle_errors
def report(
    dyad: str = DYAD,
    output: Path = typer.Option(..., "-o", "--output",
                                help="The briefing file: .html (charts inline), .pdf or .md."),
    freq: Freq = typer.Option(Freq.year, "--freq", help="Period length."),
    start: str = FROM,
    end: str = TO,
    documents: list[str] = typer.Option(None, "--documents", metavar="FILE_OR_URL",
                                        help="Audit the claims of these documents in a "
                                        "'Claims audit' section (repeat the option)."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Let --documents URLs reach private and loopback "
                                       "addresses."),
    since: str = typer.Option(None, "--since", metavar="FILE_OR_DATE",
                              help="Add 'What changed' against an earlier assessment: a date "
                              "(YYYY, YYYY-MM or YYYY-MM-DD) or a JSON file written by "
                              "`pivotwatch assess --format json`."),
) -> None:
    """Write a briefing on a dyad, judgment first: the bottom line and a scorecard of six
    dimensions (level, direction, confidence, strongest evidence) with each source's
    freshness; the pair against the focus's other partners and the levels by year; one
    section per dimension with the evidence that carries it; what changed (--since);
    outlook and indicators to watch; method; appendices with the rows behind the figures.
    The HTML file renders offline (no scripts, no CDN) and on a phone.

    Example: pivotwatch report --dyad RUS-PRK --since 2024-06-30 -o out/briefing.html
    """
    from pivotwatch.report.briefing import build_briefing  # Ibis and charts load only here
    from pivotwatch.report.render import html, markdown

    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise UsageError(f"cannot write {output.name}: give a .html, .pdf or .md file")
    first, last = parse_date(start, "--from"), parse_date(end, "--to", end=True)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with store(read_only=True) as st:
        briefing = build_briefing(st, dyad, freq=freq.value, start=first, end=last,
                                  generated=generated, since=since)
        if documents:
            from pivotwatch.report.audit_section import claims_section

            briefing.claims = claims_section(st, list(dict.fromkeys(documents)),
                                             allow_private=allow_private)
        text = markdown(briefing) if kind == "markdown" else html(briefing)
    if kind == "pdf":
        import weasyprint  # the HTML, laid out for print by WeasyPrint

        write_atomically(output, lambda tmp: weasyprint.HTML(string=text).write_pdf(tmp))
    else:
        write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    out.print(f"wrote {shown(output)}")
    out.print(shown(f"Bottom line: {briefing.bottom_line}"))
    for c in briefing.changes:
        out.print(shown(f"- changed since {briefing.since}: {c.dimension} {c.was} → {c.now}"))
    failures = briefing.claims.failures if briefing.claims else []
    for item, reason in failures:
        err.print(f"[red]error:[/red] {shown(f'{item}: {reason}')}")
    if failures:  # the briefing is written and says which documents it could not read
        raise fail(f"{len(failures)} of {len(set(documents))} document(s) could not be read", 1)
