"""The assessment as Markdown and as flat rows: the bottom line, the six judgments with their
strongest evidence, the partner comparison and each source's freshness.

Every piece of text from data goes through `markup.md_text` (no raw HTML, link or table
syntax) and every link through `markup.md_link` (http(s) only).
"""

from __future__ import annotations

from collections.abc import Sequence

from pivotwatch.analysis.assessment import Assessment
from pivotwatch.analysis.judgment import DIMENSIONS
from pivotwatch.markup import md_link, md_text

ARROWS = {"rising": "↑", "steady": "→", "falling": "↓", "unknown": "?"}


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(md_text(c) if not str(c).startswith("[") else str(c)
                             for c in cells) + " |"


def markdown(a: Assessment) -> str:
    lines = [f"# Assessment: {md_text(a.dyad)} as of {a.as_of.isoformat()}", "",
             f"_As-of date: {md_text(a.as_of_basis)}._", "", md_text(a.bottom_line), "",
             "## Judgments", "",
             "| dimension | level | direction | confidence | strongest evidence | caveats |",
             "|---|---|---|---|---|---|"]
    for j in a.judgments:
        first = j.evidence[0] if j.evidence else None
        evidence = md_link(f"{first.date or ''} {first.text}".strip(), first.url) if first \
            else "–"
        lines.append(_row([j.dimension, j.level_label, f"{ARROWS[j.direction.value]} "
                           f"{j.direction.value}", j.confidence.value, evidence,
                           "; ".join(j.caveats) or "–"]))
    for j in a.judgments:
        lines += ["", f"### {md_text(j.dimension)}: {md_text(j.level_label)}, "
                      f"{md_text(j.direction.value)}, {md_text(j.confidence.value)} confidence",
                  "", "| signal | source | kind | level | direction | reading |",
                  "|---|---|---|---|---|---|"]
        for r in j.readings:
            lines.append(_row([r.signal, r.source, r.kind.value,
                               "no data" if r.level is None else r.level.label,
                               r.direction.value, r.summary + (" (stale)" if r.stale else "")]))
        if j.evidence:
            lines += ["", "Evidence:"]
            lines += [f"- {md_text(e.date or 'undated')}: "
                      f"{md_link(e.text, e.url)} ({md_text(e.source)} {md_text(e.key)})"
                      for e in j.evidence]
    if a.partners:
        lines += ["", "## Partner comparison", "",
                  "| partner | " + " | ".join(DIMENSIONS) + " |",
                  "|---|" + "---|" * len(DIMENSIONS)]
        for partner in dict.fromkeys(c.partner for c in a.partners):
            cells = {c.dimension: c for c in a.partners if c.partner == partner}
            label = f"{partner} (this dyad)" if any(c.focus_pair for c in cells.values()) \
                else partner
            lines.append(_row([label, *(
                "no data" if cells[d].level is None else
                f"{cells[d].level} {ARROWS[cells[d].direction.value]} "
                f"({cells[d].confidence.value})" for d in DIMENSIONS)]))
    if a.sources:
        lines += ["", "## Sources", "", "| source | latest | rows | stale |", "|---|---|---|---|"]
        for s in a.sources:
            lines.append(_row([s["source"], s.get("latest") or "none", s.get("rows", ""),
                               "stale" if s.get("stale") else "–"]))
    return "\n".join(lines) + "\n"


def rows(found: Sequence[Assessment]) -> list[dict]:
    """One flat row per as-of date and dimension (CSV)."""
    out = []
    for a in found:
        for j in a.judgments:
            first = j.evidence[0] if j.evidence else None
            out.append({"dyad": a.dyad, "as_of": a.as_of.isoformat(),
                        "dimension": j.dimension,
                        "level": None if j.level is None else int(j.level),
                        "level_label": j.level_label, "direction": j.direction.value,
                        "confidence": j.confidence.value, "sources": "; ".join(j.sources),
                        "caveats": "; ".join(j.caveats),
                        "evidence": None if first is None else first.text,
                        "evidence_url": None if first is None else first.url})
    return out
