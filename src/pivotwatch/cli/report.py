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
) -> None:
    """Write an evidence-backed briefing on a dyad: key judgments with confidence, the
    strategic picture and partner ranking, one section per dimension with its series,
    changes and curated reference events, outlook, indicators to watch, method and sources,
    and the rows behind every figure. The HTML file renders offline (no scripts, no CDN).

    Example: pivotwatch report --dyad RUS-PRK --from 2015-01-01 -o out/briefing.html
    """
    from pivotwatch.report.briefing import build_briefing  # Ibis and charts load only here
    from pivotwatch.report.render import html, markdown

    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise UsageError(f"cannot write {output.name}: give a .html, .pdf or .md file")
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with store(read_only=True) as st:
        briefing = build_briefing(st, dyad, freq=freq.value, start=first, end=last,
                                  generated=generated)
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
    out.print("Key judgments:")
    for j in briefing.judgments:
        out.print(shown(f"- {j.text} [{j.confidence}]"))
    failures = briefing.claims.failures if briefing.claims else []
    for item, reason in failures:
        err.print(f"[red]error:[/red] {shown(f'{item}: {reason}')}")
    if failures:  # the briefing is written and says which documents it could not read
        raise fail(f"{len(failures)} of {len(set(documents))} document(s) could not be read", 1)
