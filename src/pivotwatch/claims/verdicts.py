"""What a check says about a claim: a verdict, a one-line explanation and the evidence behind it.

Verdicts, strongest first (when several checks speak about one claim, the strongest wins):

- ``inconsistent``: the document states the same figure for the same subject differently;
- ``contradicted``: loaded reference data positively say otherwise (a different figure for the
  same period and basis, a different vote, a wrong organisation name or membership);
- ``supported``: loaded data say the same, within the tolerances below;
- ``unverified``: nothing loaded speaks to it. Absence of evidence is never a contradiction;
- ``not_checkable``: opinion, rhetoric, advice, or nothing to check.

Tolerances (relative differences between a claimed figure and a reference figure):
``EXACT_TOLERANCE`` for a figure given plainly ("$34.4 million"), ``APPROX_TOLERANCE`` for one
hedged with "about", "around", "roughly"; a bound ("more than X") holds when the reference is on
its side of X, less ``EXACT_TOLERANCE`` of slack. ``CONSISTENCY_TOLERANCE`` is how far two
figures for the same subject in one document may differ before they are inconsistent.
``CONTRADICTION_FACTOR``: a count (troops, containers) more than this many times the largest
estimate on record for the same dyad and topic is contradicted by the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# One row behind a verdict: the same record as behind an assessment's judgment (table, key,
# date, what it says, first http(s) URL).
from pivotwatch.analysis.judgment import Evidence

EXACT_TOLERANCE = 0.10
APPROX_TOLERANCE = 0.20
CONSISTENCY_TOLERANCE = 0.25
CONTRADICTION_FACTOR = 2.0
NO_REFERENCE = "no reference figures loaded: pivotwatch ingest reference"
NO_EVIDENCE = "no evidence in the loaded data"


class VerdictKind(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    INCONSISTENT = "inconsistent"
    UNVERIFIED = "unverified"
    NOT_CHECKABLE = "not_checkable"


# Which verdict wins when several checks speak about the same claim.
STRENGTH = {VerdictKind.INCONSISTENT: 4, VerdictKind.CONTRADICTED: 3,
            VerdictKind.SUPPORTED: 2, VerdictKind.UNVERIFIED: 1, VerdictKind.NOT_CHECKABLE: 0}
ORDER = tuple(sorted(VerdictKind, key=lambda v: -STRENGTH[v]))


@dataclass(frozen=True)
class Verdict:
    """A check's finding: the verdict, one line a person can follow, and the evidence."""

    verdict: VerdictKind
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    check: str = ""            # which check spoke: consistency, trade, fuel, events, ...
    rule: str = ""             # the rule that decided it, as docs/claims.md names it

    def to_dict(self) -> dict:
        return {"verdict": self.verdict.value, "explanation": self.explanation,
                "check": self.check, "rule": self.rule or self.check,
                "evidence": [e.to_dict() for e in self.evidence]}


def combine(found: list[Verdict]) -> Verdict:
    """The strongest of several checks' verdicts, its explanation first, then the others'
    (after a ';', less the bare "no evidence"); the evidence of all of them is kept."""
    if not found:
        return Verdict(VerdictKind.UNVERIFIED, "no check applies to this claim",
                       rule="audit.no-check-applies")
    best = max(found, key=lambda v: STRENGTH[v.verdict])
    others = [v.explanation for v in found if v is not best and v.explanation != NO_EVIDENCE]
    evidence = tuple(dict.fromkeys(e for v in [best, *found] for e in v.evidence))
    explanation = "; ".join(dict.fromkeys([best.explanation, *others]))
    return Verdict(best.verdict, explanation, evidence, best.check, best.rule)
