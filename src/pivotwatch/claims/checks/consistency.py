"""Internal consistency: the same figure for the same subject stated differently in one document.

Two figures are compared when they measure the same subject (topic and unit; a cap is not a
delivery, a target is not a recorded value) over the same period: the same span of days, a
yearly rate given without a period ("around $100 million annually") against a figure for one
year or another such rate, or a yearly rate over several years ("$500 million a year since
2022") against a figure for one year inside them. Figures of one unit in one sentence, and
forecasts, are never compared. Beyond ``CONSISTENCY_TOLERANCE`` (after the slack of "about"
and of bounds) both places are flagged, each citing the other.
"""

from __future__ import annotations

import re

from pivotwatch.claims.checks.events import FORUM_ACTORS
from pivotwatch.claims.checks.figures import fuel_basis, trade_flow
from pivotwatch.claims.checks.text import NOT_COUNTS, claimed, tolerance
from pivotwatch.claims.model import Bound, Claim, Modality, Quantity
from pivotwatch.claims.verdicts import CONSISTENCY_TOLERANCE, Evidence, Verdict, VerdictKind

_TARGET = re.compile(r"\b(target|goal|aim)\b", re.IGNORECASE)
_CAP = re.compile(r"\bcap(?:ped|s)?\b|\bceiling\b|\blimit", re.IGNORECASE)


def _subject(claim: Claim, q: Quantity) -> tuple | None:
    """What a figure measures: topic, unit, cap or not, the countries (trade between Russia
    and China is not trade between Russia and North Korea), the direction of a trade flow
    and the basis of a fuel figure (a figure reported to the UN is not an open-source
    estimate); then the rate's period."""
    topic = q.topic or claim.topic
    if topic is None or q.unit in NOT_COUNTS:
        return None
    detail = None
    if topic in ("trade_volume", "trade_target"):
        topic = "trade_target" if _TARGET.search(claim.text) else "trade_volume"
        detail = trade_flow(claim, q)
    elif q.unit == "barrels":
        detail = fuel_basis(claim.text)
    actors = frozenset(claim.actors) - FORUM_ACTORS
    return topic, q.unit, bool(_CAP.search(claim.text)), actors, detail, q.per


def _period(claim: Claim) -> tuple | None:
    """The one span of days the claim's figures refer to, or None (no period, or several)."""
    spans = {(t.start, t.end) for t in claim.times if t.start and t.end}
    return spans.pop() if len(spans) == 1 else None


def _rate_span(claim: Claim, q: Quantity) -> tuple | None:
    """(first day, last day or None) of a yearly rate given over a span ("$X a year since
    2022"), or None."""
    spans = {(t.start, t.end) for t in claim.times if t.start}
    return spans.pop() if q.per == "year" and len(spans) == 1 else None


def _one_year(p: tuple | None) -> bool:
    return bool(p) and p[0].year == p[1].year and \
        (p[0].month, p[0].day, p[1].month, p[1].day) == (1, 1, 12, 31)


def _comparable(a: Claim, qa: Quantity, b: Claim, qb: Quantity) -> bool:
    """Same span of days; a yearly rate without a period against a one-year figure or another
    such rate; or a yearly rate over a span of years against a one-year figure inside it."""
    pa, pb = _period(a), _period(b)
    if pa is not None and pa == pb:
        return True
    untimed_rate = [c for c, q in ((a, qa), (b, qb)) if not c.times and q.per == "year"]
    if len(untimed_rate) == 2:
        return True
    if len(untimed_rate) == 1 and (_one_year(pa) or _one_year(pb)):
        return True
    for year, (rate, q) in ((pa, (b, qb)), (pb, (a, qa))):
        span = _rate_span(rate, q)
        if _one_year(year) and span and span != year and span[0] <= year[0] and \
                (span[1] is None or year[1] <= span[1]):
            return True
    return False


def _range(q: Quantity) -> tuple[float, float]:
    tol = tolerance(q) if q.bound is Bound.APPROX else 0.0
    low, high = q.value, q.high if q.high is not None else q.value
    if q.bound is Bound.MIN:
        return low * (1 - tol), float("inf")
    if q.bound is Bound.MAX:
        return 0.0, high * (1 + tol)
    return low * (1 - tol), high * (1 + tol)


def _differ(qa: Quantity, qb: Quantity) -> bool:
    (la, ha), (lb, hb) = _range(qa), _range(qb)
    if la <= hb and lb <= ha:
        return False
    gap = lb - ha if lb > ha else la - hb
    return gap > CONSISTENCY_TOLERANCE * max(ha if ha != float("inf") else la,
                                             hb if hb != float("inf") else lb)


def _place(claim: Claim) -> Evidence:
    return Evidence("document", f"{claim.doc_id}:{claim.start}-{claim.end}", None, claim.text)


def check_consistency(claims: list[Claim]) -> dict[int, list[Verdict]]:
    """Claim index -> an 'inconsistent' verdict for each figure another place contradicts."""
    figures = [(c, q, s) for c in claims if c.checkable and c.modality is not Modality.FORECAST
               for q in c.quantities for s in [_subject(c, q)] if s]
    out: dict[int, list[Verdict]] = {}
    for i, (a, qa, sa) in enumerate(figures):
        for b, qb, sb in figures[i + 1:]:
            if a.index == b.index or sa[:5] != sb[:5] or not _comparable(a, qa, b, qb):
                continue
            if not _differ(qa, qb):
                continue
            for this, q, other, oq in ((a, qa, b, qb), (b, qb, a, qa)):
                out.setdefault(this.index, []).append(Verdict(
                    VerdictKind.INCONSISTENT, f"{claimed(q)} here, but {claimed(oq)} in "
                    f"\"{other.text[:80]}\" (same subject and period)",
                    (_place(this), _place(other)), "consistency"))
    return out
