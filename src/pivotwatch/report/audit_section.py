"""The briefing's "Claims audit" section: the documents given with `pivotwatch report
--documents`, audited against the same store (see docs/claims.md).

`claims_section` builds the data; the HTML template and the Markdown renderer show its summary
counts, then each checkable claim with its verdict, explanation and evidence links (http(s)
only: any other URL is shown as text, see `pivotwatch.markup`). The claim's
sentence is escaped here, with the checked span in <mark>, and handed to the template as
Markup; everything else is escaped by the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from markupsafe import Markup

from pivotwatch.claims.audit import audit_inputs
from pivotwatch.claims.render import marked_sentence, summary_line, totals
from pivotwatch.markup import http_url, md_link, md_text

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.store import Store


@dataclass
class ClaimsSection:
    summary: str
    counts: dict[str, int]
    documents: list[dict] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def claims_section(store: Store | None, inputs: list[str], *, doc_date: date | None = None,
                   allow_private: bool | str = False) -> ClaimsSection:
    """Audit the documents; unreadable ones are listed in ``failures`` with their reason."""
    audits, failures = audit_inputs(list(inputs), store=store, doc_date=doc_date,
                                    allow_private=allow_private)
    documents = []
    for a in audits:
        claims = []
        for item in a.claims:
            v = item.verdict
            if v.verdict.value == "not_checkable":
                continue
            claims.append({
                "n": item.claim.index + 1, "verdict": v.verdict.value,
                "text": item.claim.text, "sentence": Markup(marked_sentence(item)),
                "explanation": v.explanation,
                "evidence": [{"label": f"{e.source}{' ' + e.date if e.date else ''}: {e.text}",
                              "url": http_url(e.url), "raw_url": e.url or None}
                             for e in v.evidence[:3]]})
        documents.append({"title": a.title or a.source or a.doc_id, "summary": a.summary(),
                          "missing": list(a.missing), "claims": claims})
    # reasons often start with the input's name already: say it once
    failures = [(n, r[len(n) + 2:] if r.startswith(f"{n}: ") else r) for n, r in failures]
    return ClaimsSection(summary_line(audits) if audits else "no document could be read",
                         totals(audits), documents, failures)


def markdown_lines(section: ClaimsSection, title: str = "Claims audit") -> list[str]:
    """The section as Markdown lines (a heading, the counts, one table per document)."""
    out = [f"## {title}", "", section.summary, ""]
    out += [f"> Not read: {md_text(name)}: {md_text(reason)}"
            for name, reason in section.failures]
    for doc in section.documents:
        summary = doc["summary"] + (f" (not loaded: {', '.join(doc['missing'])})"
                                    if doc["missing"] else "")
        out += [f"### {md_text(doc['title'])}", "", md_text(summary), "",
                "| # | verdict | claim | explanation | evidence |", "|---|---|---|---|---|"]
        for c in doc["claims"]:
            evidence = "<br>".join(
                md_link(e["label"], e["url"]) if e["url"] or not e["raw_url"]
                else md_text(f"{e['label']} ({e['raw_url'][:200]})") for e in c["evidence"])
            out.append(f"| {c['n']} | {c['verdict']} | {md_text(c['text'])} | "
                       f"{md_text(c['explanation'])} | {evidence} |")
        out.append("")
    return out
