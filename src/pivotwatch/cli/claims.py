"""`pivotwatch claims`: audit the claims of documents against the loaded data."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from pivotwatch.cli.common import (
    err,
    fail,
    handle_errors,
    out,
    parse_date,
    shown,
    state,
    write_atomically,
    write_data,
)
from pivotwatch.errors import UsageError


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"
    html = "html"


SUFFIXES = {".json": AuditFormat.json, ".md": AuditFormat.md, ".markdown": AuditFormat.md,
            ".html": AuditFormat.html, ".htm": AuditFormat.html}


def register(app: typer.Typer) -> None:
    app.command("claims")(claims)


def _store():
    """The store, read only, when it exists; None otherwise (the checks then say what is
    not loaded)."""
    from pivotwatch.settings import get_settings
    from pivotwatch.store import open_store

    path = Path(state.db or get_settings().db)
    if not path.exists():
        err.print(f"note: no store at {shown(path, markup=False)}: only the document's own "
                  "consistency and the organisation lists are checked", markup=False)
        return None
    return open_store(path, read_only=True, command=state.command)


@handle_errors
def claims(
    inputs: list[str] = typer.Argument(..., metavar="FILE_OR_URL...",
                                       help="Text, Markdown or HTML files, or http(s) URLs."),
    fmt: AuditFormat = typer.Option(None, "--format", help="table (default on a terminal), "
                                    "json, md or html; with -o, taken from the suffix."),
    output: Path = typer.Option(None, "-o", "--output", help="Write the audit to this file."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Let URLs reach private and loopback addresses."),
    on: str = typer.Option(None, "--date", help="The documents' date (YYYY-MM-DD): resolves "
                           "'last year' and tells forecasts of the future from the past."),
    explain: bool = typer.Option(False, "--explain", help="Print the path to each verdict: "
                                 "what was found in the claim, which checks ran and the rule "
                                 "that decided it (in JSON: each claim's 'checks' and 'rule')."),
) -> None:
    """Check each claim of the documents against the loaded data: reference trade and fuel
    figures, the curated timeline and GDELT events, organisations, UN votes and sanctions;
    same figures stated differently within a document are flagged. Each claim gets a verdict
    (supported, contradicted, inconsistent, unverified, not checkable) with its explanation
    and evidence; the last line counts claims by verdict. Verdicts are findings: the command
    exits 0 unless an input cannot be read (1) or an option is wrong (2). See docs/claims.md.

    Example: pivotwatch --db study.duckdb claims article.md https://example.org/a -o audit.md
    """
    from pivotwatch.claims.audit import audit_inputs
    from pivotwatch.claims.render import print_table, summary_line, to_html, to_json, to_markdown

    doc_date = parse_date(on, "--date")
    if fmt is None and output is not None:
        fmt = SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise UsageError(f"-o {output}: name a .json, .md or .html file, or give --format")
    fmt = fmt or AuditFormat.table
    if output is not None and fmt is AuditFormat.table:
        raise UsageError("--format table prints to the terminal; give json, md or html with -o")
    if explain and (output is not None or fmt is not AuditFormat.table):
        raise UsageError("--explain prints to the terminal; the JSON output carries the same "
                         "path in each claim's 'checks' and 'rule'")
    st = _store()
    try:
        # the same input named twice is audited once
        audits, failures = audit_inputs(list(dict.fromkeys(inputs)), store=st, doc_date=doc_date,
                                        allow_private=allow_private)
    finally:
        if st is not None:
            st.close()
    for item, reason in failures:
        err.print(f"[red]error:[/red] {shown(reason if item in reason else f'{item}: {reason}')}")
    if audits or fmt is AuditFormat.json:  # JSON stays valid JSON when nothing could be read
        render = {AuditFormat.json: to_json, AuditFormat.md: to_markdown,
                  AuditFormat.html: to_html}
        if explain:
            from pivotwatch.claims.explain import explain as explained

            write_data(explained(audits) + "\n")
            sys.stdout.flush()  # the path, then the count line on stderr after it
            err.print(summary_line(audits), markup=False)
        elif fmt is AuditFormat.table:
            print_table(audits, out)
        elif output is not None:
            text = render[fmt](audits)
            write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
            out.print(f"wrote {shown(output, markup=False)}", markup=False)
            out.print(summary_line(audits), markup=False)
        else:
            write_data(render[fmt](audits) + "\n")
            err.print(summary_line(audits), markup=False)  # stdout stays machine-readable
    if failures:
        raise fail(f"{len(failures)} of {len(set(inputs))} input(s) could not be read", 1)

