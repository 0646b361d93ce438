"""`pivotwatch claims --explain`: the path to each verdict, in plain lines.

For each claim: what the extractor found (countries, topic, the predicate words with who did
it to whom, figures with their unit and bound, times with the days they cover, modality,
organisations), every check that ran with its verdict and the rule that decided it, the rule
that decided the claim, and each row of evidence. Document text is passed through
``visible`` so control characters show as escapes.
"""

from __future__ import annotations

from pivotwatch.claims.audit import Audit, AuditedClaim
from pivotwatch.claims.model import Claim
from pivotwatch.claims.predicates import asserted, predicates
from pivotwatch.markup import visible


def _number(value: float) -> str:
    """A figure in full with thousands separators: 240,000,000,000, 34,400,000, 0.5."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _found(claim: Claim) -> list[str]:
    """What the extractor found in a claim, one line per part it has."""
    c = claim
    who = " ".join(c.actors) + (" (inferred)" if c.actors_inferred else "") if c.actors else "none"
    lines = [f"countries {who} · topic {c.topic or 'none'} · modality {c.modality.value}"]
    found = predicates(c.text)
    if found:
        main = asserted(found)
        parts = []
        for p in found:
            role = f" {p.doer or '?'}→{p.receiver or '?'}" if p.direction != "none" else ""
            note = "" if p in main else ", context"
            parts.append(f"{p.term}{role} ({', '.join(sorted(p.kinds))}{note})")
        lines.append("predicates: " + "; ".join(parts))
    else:
        lines.append("predicates: none (asserts no event: no timeline evidence)")
    if c.quantities:
        lines.append("figures: " + "; ".join(
            f"{q.raw} = {_number(q.value)} {q.unit}{'/' + q.per if q.per else ''} ({q.bound.value})"
            for q in c.quantities))
    if c.times:
        lines.append("times: " + "; ".join(
            f"{t.raw} ({t.precision}: {t.start or '…'} to {t.end or '…'})" for t in c.times))
    if c.organisations:
        lines.append("organisations: " + "; ".join(
            f"{o.raw} → {o.canonical or '?'} ({o.matched_as})" for o in c.organisations))
    return lines


def explain_claim(item: AuditedClaim) -> list[str]:
    """The lines that explain one claim's verdict."""
    c, v = item.claim, item.verdict
    lines = [f"[{c.index}] {c.kind.value}: {visible(c.text)}"]
    if c.checkable:
        first, *rest = _found(c)
        lines += [f"    found: {first}", *(f"           {line}" for line in rest)]
    else:
        lines.append(f"    not checkable: {c.reason.value if c.reason else 'nothing to check'}")
    for step in item.trail:
        lines.append(f"    check {step.check or 'audit'} → {step.verdict.value} "
                     f"[{step.rule or step.check}]: {visible(step.explanation)}")
    lines.append(f"    decided by [{v.rule or v.check}] → {v.verdict.value}")
    for e in v.evidence:
        lines.append(f"    evidence {e.source}:{e.key}" + (f" ({e.date})" if e.date else "")
                     + f": {visible(e.text)}" + (f" <{e.url}>" if e.url else ""))
    return lines


def explain(audits: list[Audit]) -> str:
    """Every claim of every document, explained."""
    out = []
    for a in audits:
        out.append(f"# {visible(a.source or a.title or a.doc_id)}")
        for item in a.claims:
            out += explain_claim(item)
    return "\n".join(out)
