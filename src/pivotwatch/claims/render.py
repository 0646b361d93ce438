"""The claims audit for people (a terminal table, Markdown, standalone HTML) and machines (JSON).

Every piece of document text is escaped before it reaches HTML (``_h``: ``html.escape`` after
``visible``), so a document's markup or scripts are shown as text, never run, and a control
character or bidi override is a visible escape (``\\u202e``), as on the terminal and in
Markdown; each cell is bidi-isolated and wraps anywhere. The page itself has no script, and
the JSON is strict (a non-finite number is null).
The JSON schema is stable: ``{"schema", "counts", "documents": [{"doc_id", "title",
"source", "doc_date", "counts", "missing_tables", "claims": [...]}]}``, each claim with its
text, offsets, ``mark`` (the checked span), extracted fields, ``verdict``, ``explanation``,
``check`` and ``evidence`` (source, key, date, text, url).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from pivotwatch.claims.audit import Audit, AuditedClaim
from pivotwatch.claims.verdicts import ORDER, Evidence
from pivotwatch.markup import CSP_META, REL, http_url, md_link, md_text, strict_json, visible
from pivotwatch.markup import md_url as md_url  # re-exported for the briefing's section

SCHEMA = "pivotwatch.claims.audit/1"
STYLES = {"supported": "green", "contradicted": "red", "inconsistent": "magenta",
          "unverified": "yellow", "not_checkable": "dim"}


def totals(audits: Sequence[Audit]) -> dict[str, int]:
    counts = {v.value: 0 for v in ORDER}
    for a in audits:
        for verdict, n in a.counts.items():
            counts[verdict] += n
    return counts


def summary_line(audits: Sequence[Audit]) -> str:
    """"14 claims in 2 documents: 6 supported, 1 contradicted, ..." (every verdict listed)."""
    counts = totals(audits)
    n = sum(counts.values())
    docs = f" in {len(audits)} documents" if len(audits) != 1 else ""
    return f"{n} claim{'s' if n != 1 else ''}{docs}: " + ", ".join(
        f"{c} {v.replace('_', ' ')}" for v, c in counts.items())


def document_summary(audits: Sequence[Audit], a: Audit) -> str | None:
    """A document's own count line (with the tables it needed but found empty), or None where
    it would only repeat `summary_line` (a single document with every table loaded)."""
    missing = f"not loaded: {', '.join(a.missing)}" if a.missing else ""
    if len(audits) == 1:
        return missing or None
    return a.summary() + (f" ({missing})" if missing else "")


def not_checkable(a: Audit) -> list[AuditedClaim]:
    """The claims no loaded source can speak to, in document order."""
    return [item for item in a.claims if item.verdict.verdict.value == "not_checkable"]


def omitted_line(n: int) -> str:
    """What a view that shows only checkable claims says about the rest."""
    return (f"{n} not-checkable claim{'s' if n != 1 else ''} (no loaded source speaks to "
            f"{'them' if n != 1 else 'it'}) not in the table")


def _evidence_line(e: Evidence) -> str:
    when = f" {e.date}" if e.date else ""
    return f"[{e.source}{when}] {e.text}" + (f" <{e.url}>" if e.url else "")


def to_json(audits: Sequence[Audit]) -> str:
    return strict_json({"schema": SCHEMA, "counts": totals(audits),
                        "documents": [a.to_dict() for a in audits]}, ensure_ascii=False,
                       indent=2)


def print_table(audits: Sequence[Audit], console: Console, *, all_claims: bool = True) -> None:
    """One table per document: number, verdict, claim, explanation and evidence."""
    for a in audits:
        table = Table(title=_plain(a.title or a.source or a.doc_id, 200), show_lines=True,
                      expand=False)
        for name in ("#", "verdict", "claim", "explanation", "evidence"):
            table.add_column(name, overflow="fold")
        for item in a.claims:
            v = item.verdict
            if not all_claims and v.verdict.value == "not_checkable":
                continue
            table.add_row(str(item.claim.index + 1),
                          f"[{STYLES[v.verdict.value]}]{v.verdict.value}[/]",
                          _plain(item.claim.text, 160), _plain(v.explanation, 200),
                          _plain("\n".join(_evidence_line(e) for e in v.evidence[:3]), 400))
        console.print(table)
        if not all_claims and (omitted := len(not_checkable(a))):
            console.print(omitted_line(omitted), markup=False)
        if a.missing:
            console.print(f"not loaded: {', '.join(a.missing)}", markup=False)
    console.print(summary_line(audits), markup=False)


def _plain(text: str, limit: int) -> str:
    """A terminal cell: one line, cut at `limit`, controls and bidi overrides as visible
    escapes (an ANSI escape or U+202E in a document or the store never reaches the
    terminal; the rule of `pivotwatch.cli.common.shown`), Rich markup shown as text."""
    from rich.markup import escape

    text = " ".join(str(text).split())
    return escape(visible(text if len(text) <= limit else text[: limit - 1] + "…"))


def _h(text: object) -> str:
    """Text for HTML: escaped, with controls and bidi controls as visible escapes (tab and
    newline kept: HTML shows them as space)."""
    return html.escape(visible(text, keep="\t\n"))


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped, and no raw HTML or links."""
    return md_text(text)


def to_markdown(audits: Sequence[Audit], *, heading: str = "#") -> str:
    lines = [f"{heading} Claims audit", "", summary_line(audits), ""]
    for a in audits:
        lines += [f"{heading}# {md_cell(a.title or a.source or a.doc_id)}", ""]
        if own := document_summary(audits, a):  # one document: the total above says it
            lines += [md_text(own), ""]
        lines += ["| # | verdict | claim | explanation | evidence |", "|---|---|---|---|---|"]
        for item in a.claims:
            v = item.verdict
            evidence = "<br>".join(_md_evidence(e) for e in v.evidence[:3])
            lines.append(f"| {item.claim.index + 1} | {v.verdict.value} | "
                         f"{md_cell(item.claim.text)} | {md_cell(v.explanation)} | "
                         f"{evidence} |")
        lines.append("")
    return "\n".join(lines)


def _md_evidence(e: Evidence) -> str:
    when = f" {e.date}" if e.date else ""
    return md_link(f"{e.source}{when}: {e.text}", e.url)


def marked_sentence(item: AuditedClaim) -> str:
    """The claim's sentence, escaped, with the checked span in <mark>."""
    c = item.claim
    start, end = item.mark
    start, end = max(start, c.start) - c.start, min(end, c.end) - c.start
    if not 0 <= start < end <= len(c.text) or (start, end) == (0, len(c.text)):
        return f"<mark>{_h(c.text)}</mark>"
    return (_h(c.text[:start]) + "<mark>" + _h(c.text[start:end])
            + "</mark>" + _h(c.text[end:]))


def _html_evidence(e: Evidence) -> str:
    when = f" {_h(e.date)}" if e.date else ""
    text = f"<span class=src>{_h(e.source)}{when}</span> <bdi>{_h(e.text)}</bdi>"
    url = http_url(e.url)
    if url:
        text += f' <a href="{html.escape(url, quote=True)}" rel="{REL}">source</a>'
    elif e.url:  # not http(s): shown, never a link
        text += f" <span class=src><bdi>{_h(e.url[:200])}</bdi></span>"
    return f"<li>{text}</li>"


def claims_html(audits: Sequence[Audit], *, checkable_only: bool = False) -> str:
    """The audit as an HTML fragment (for the briefing or the standalone page)."""
    parts = [f"<p class=summary>{_h(summary_line(audits))}</p>"]
    for a in audits:
        parts.append(f"<h2><bdi>{_h(a.title or a.source or a.doc_id)}</bdi></h2>")
        if len(audits) > 1:
            parts.append(f"<p class=note>{_h(a.summary())}</p>")
        if a.missing:
            parts.append(f"<p class=note>Not loaded: {_h(', '.join(a.missing))}</p>")
        parts.append("<table><thead><tr><th>#</th><th>verdict</th><th>claim</th>"
                     "<th>explanation</th><th>evidence</th></tr></thead><tbody>")
        for item in a.claims:
            v = item.verdict.verdict.value
            if checkable_only and v == "not_checkable":
                continue
            evidence = "".join(_html_evidence(e) for e in item.verdict.evidence[:5])
            parts.append(
                f"<tr class={v}><td>{item.claim.index + 1}</td><td class=verdict>{v}</td>"
                f"<td>{marked_sentence(item)}</td><td>{_h(item.verdict.explanation)}</td>"
                f"<td><ul>{evidence}</ul></td></tr>")
        parts.append("</tbody></table>")
        if checkable_only:
            parts.append(_folded(not_checkable(a)))
    return "\n".join(parts)


def _folded(items: Sequence[AuditedClaim]) -> str:
    """The not-checkable claims a checkable-only view leaves out of its table: counted, and
    listed in a closed <details> (no claim is dropped without a word)."""
    if not items:
        return ""
    rows = "".join(f"<li>{item.claim.index + 1}. {marked_sentence(item)} "
                   f"<span class=src>{_h(item.verdict.explanation)}</span></li>"
                   for item in items)
    return (f"<details class=omitted><summary>{_h(omitted_line(len(items)))}</summary>"
            f"<ul>{rows}</ul></details>")


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;
vertical-align:top;text-align:left;unicode-bidi:isolate;overflow-wrap:anywhere;
word-break:break-word}bdi{unicode-bidi:isolate}mark{background:#ffe58a}.verdict{font-weight:600}
tr.supported .verdict{color:#17692b}tr.contradicted .verdict{color:#b00020}
tr.inconsistent .verdict{color:#7a1fa2}tr.unverified .verdict{color:#8a6d00}
tr.not_checkable{color:#888}ul{margin:0;padding-left:1.2em}.src{color:#555;font-size:.9em}"""


def to_html(audits: Sequence[Audit]) -> str:
    """A standalone page: no scripts, no external resources."""
    return (f"<!DOCTYPE html>\n<html lang=en><head>{CSP_META}<meta charset=utf-8>"
            f"<title>Claims audit</title><style>{_CSS}</style></head><body>"
            f"<h1>Claims audit</h1>\n{claims_html(audits)}\n</body></html>\n")
