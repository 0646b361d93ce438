"""Internal consistency: the same figure for the same subject stated differently in one document.

Two figures are compared when they measure the same subject (topic and unit; a cap is not a
delivery, a target is not a recorded value) over the same period: the same span of days, a
yearly rate given without a period ("around $100 million annually") against a figure for one
year or another such rate, or a yearly rate over several years ("$500 million a year since
2022") against a figure for one year inside them. Figures of one unit in one sentence, and
forecasts, are never compared. Beyond ``CONSISTENCY_TOLERANCE`` (after the slack of "about"
and of bounds) both places are flagged, each citing the other (rule
``consistency.same-quantity``).

A figure for part of a period is not the same quantity as one for the whole ("400,000 barrels
in October and November 2024" beside "1 million barrels in late 2024"), so the two are not
compared as equals. For a quantity that adds up over time (trade, deliveries, casualties),
the part may not exceed the whole: when it does, beyond the same tolerance, both places are
flagged (rule ``consistency.part-exceeds-whole``). Rates and stocks (troops present) are not
added up, so they are never compared this way.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from pivotwatch.claims.checks.events import FORUM_ACTORS
from pivotwatch.claims.checks.figures import fuel_basis, trade_flow
from pivotwatch.claims.checks.text import NOT_COUNTS, claimed, tolerance
from pivotwatch.claims.model import Bound, Claim, Modality, Quantity
from pivotwatch.claims.verdicts import CONSISTENCY_TOLERANCE, Evidence, Verdict, VerdictKind

_TARGET = re.compile(r"\b(target|goal|aim)\b", re.IGNORECASE)
_CAP = re.compile(r"\bcap(?:ped|s)?\b|\bceiling\b|\blimit", re.IGNORECASE)
# Topics whose figures add up over time: a figure for part of a period is at most the whole's.
CUMULATIVE_TOPICS = frozenset({"trade_volume", "fuel_deliveries", "crude_oil", "arms_transfer",
                               "food_aid", "casualties"})
SAME = ("consistency.same-quantity", "same subject and period")
PART = ("consistency.part-exceeds-whole",
        "same subject; one period lies inside the other and the part exceeds the whole")
if TYPE_CHECKING:  # pragma: no cover - numpy is imported where a group is compared
    import numpy as np

MAX_PLACES = 5   # other places an inconsistent figure cites; the rest are counted
SNIPPET = 60     # characters of each place quoted in the explanation
BLOCK = 256      # figures compared at a time (bounds the memory of the comparison)


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
        detail = fuel_basis(claim.text) or (fuel_basis(claim.context) if claim.context else None)
    actors = frozenset(claim.actors) - FORUM_ACTORS
    capped = bool(_CAP.search(claim.text) or claim.context and _CAP.search(claim.context))
    return topic, q.unit, capped, actors, detail, q.per


def _period(claim: Claim, q: Quantity) -> tuple | None:
    """The span of days a figure refers to: the claim's one span; with several, the one in
    the same place in order as the figure among the claim's figures when there are as many
    of each ("from $20 million in 2022 to $34.4 million in 2023", "$34.4 million in 2023, up
    from $20 million the previous year"); else None."""
    spans = list(dict.fromkeys((t.start, t.end) for t in claim.times if t.start and t.end))
    if len(spans) == 1:
        return spans[0]
    if len(spans) == len(claim.quantities) > 1:
        return spans[claim.quantities.index(q)]
    return None


def _rate_span(claim: Claim, q: Quantity) -> tuple | None:
    """(first day, last day or None) of a yearly rate given over a span ("$X a year since
    2022"), or None."""
    spans = {(t.start, t.end) for t in claim.times if t.start}
    return spans.pop() if q.per == "year" and len(spans) == 1 else None


def _one_year(p: tuple | None) -> bool:
    return bool(p) and p[0].year == p[1].year and \
        (p[0].month, p[0].day, p[1].month, p[1].day) == (1, 1, 12, 31)


def _range(q: Quantity) -> tuple[float, float]:
    tol = tolerance(q) if q.bound is Bound.APPROX else 0.0
    low, high = q.value, q.high if q.high is not None else q.value
    if q.bound is Bound.MIN:
        return low * (1 - tol), float("inf")
    if q.bound is Bound.MAX:
        return 0.0, high * (1 + tol)
    return low * (1 - tol), high * (1 + tol)


def _place(claim: Claim) -> Evidence:
    return Evidence("document", f"{claim.doc_id}:{claim.start}-{claim.end}", None, claim.text)


def _features(c: Claim, q: Quantity) -> tuple:
    """What the comparisons need of a figure, as numbers: its span of days (ordinals, 0 when it
    has none), whether it is a yearly rate without a period, whether its span is one calendar
    year, the span of a yearly rate given over years (end ``inf`` when open), its range, and
    whether it is a rate at all."""
    period, rate = _period(c, q), _rate_span(c, q)
    return (period[0].toordinal() if period else 0, period[1].toordinal() if period else 0,
            not c.times and q.per == "year", _one_year(period),
            rate is not None, rate[0].toordinal() if rate else 0,
            rate[1].toordinal() if rate and rate[1] else math.inf, *_range(q), q.per is not None)


def _comparable_to(f: np.ndarray, i: slice) -> np.ndarray:
    """Which figures of ``f`` (one row a figure, the columns of :func:`_features`) rows ``i``
    may be compared with: the same span of days; a yearly rate without a period against a
    one-year figure or another such rate; or a yearly rate over a span of years against a
    one-year figure inside it."""
    ps, pe, untimed, year, rated, rs, re_ = (f[:, k] for k in range(7))
    a = [col[i, None] for col in (ps, pe, untimed, year, rated, rs, re_)]
    aps, ape, auntimed, ayear, arated, ars, are = a
    same = (aps != 0) & (aps == ps) & (ape == pe)
    rates = (auntimed == 1) & ((untimed == 1) | (year == 1)) | (untimed == 1) & (ayear == 1)

    def inside(yps, ype, yyear, rrated, rrs, rre):  # a one-year figure inside a rate's span
        return (yyear == 1) & (rrated == 1) & ~((rrs == yps) & (rre == ype)) & (rrs <= yps) \
            & (ype <= rre)

    return same | rates | inside(aps, ape, ayear, rated, rs, re_) | \
        inside(ps, pe, year, arated, ars, are)


def _differing(f: np.ndarray, i: slice) -> np.ndarray:
    """Which figures of ``f`` lie further from rows ``i`` than ``CONSISTENCY_TOLERANCE``
    (after the slack of "about" and of bounds)."""
    import numpy as np

    la, ha, lb, hb = f[i, 7, None], f[i, 8, None], f[:, 7], f[:, 8]
    apart = (la > hb) | (lb > ha)
    with np.errstate(invalid="ignore"):
        gap = np.where(lb > ha, lb - ha, la - hb)
    scale = np.maximum(np.where(np.isinf(ha), la, ha), np.where(np.isinf(hb), lb, hb))
    return apart & (gap > CONSISTENCY_TOLERANCE * scale)


def _part_exceeds_whole(f: np.ndarray, i: slice) -> np.ndarray:
    """Which figures of ``f`` and rows ``i`` are a part and its whole (one span of days
    strictly inside the other, neither a rate) where the part's figure exceeds the whole's by
    more than ``CONSISTENCY_TOLERANCE`` (after the slack of "about" and of bounds)."""
    ps, pe, low, high, rate = f[:, 0], f[:, 1], f[:, 7], f[:, 8], f[:, 9]
    aps, ape, alow, ahigh, arate = (col[i, None] for col in (ps, pe, low, high, rate))

    def over(sps, spe, slow, wps, wpe, whigh):  # span s inside span w, s's figure above w's
        return (sps != 0) & (wps != 0) & (wps <= sps) & (spe <= wpe) & \
            ((wps != sps) | (wpe != spe)) & (slow > whigh * (1 + CONSISTENCY_TOLERANCE))

    return (arate == 0) & (rate == 0) & (over(aps, ape, alow, ps, pe, high)
                                         | over(ps, pe, low, aps, ape, ahigh))


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[:SNIPPET - 1].rstrip() + "…"


def _flag(this: Claim, q: Quantity, others: list[tuple[Claim, Quantity]], more: int,
          rule: tuple[str, str]) -> Verdict:
    """One verdict for a figure that others contradict: the nearest ``MAX_PLACES`` cited,
    with the rule (its id and its words) that compared them."""
    said = "; ".join(f"{claimed(oq)} in \"{_snippet(other.text)}\"" for other, oq in others)
    tail = f", and {more} more place{'s' * (more != 1)}" if more else ""
    return Verdict(VerdictKind.INCONSISTENT, f"{claimed(q)} here, but {said} ({rule[1]})"
                   f"{tail}", (_place(this), *(_place(o) for o, _ in others)),
                   "consistency", rule[0])


def _cite(this: Claim, q: Quantity, group: list[tuple[Claim, Quantity]], where: np.ndarray,
          found: np.ndarray, rule: tuple[str, str]) -> Verdict:
    """The verdict on one figure that the figures ``found`` (positions in ``group``)
    contradict, citing the ``MAX_PLACES`` nearest to it."""
    import numpy as np

    near = found[np.argsort(np.abs(where[found] - this.start), kind="stable")]
    others = [group[j] for j in near[:MAX_PLACES]]
    return _flag(this, q, others, len(found) - len(others), rule)


def check_consistency(claims: list[Claim]) -> dict[int, list[Verdict]]:
    """Claim index -> an 'inconsistent' verdict for each figure other places contradict,
    citing the ``MAX_PLACES`` nearest of them and counting the rest. Figures are compared a
    block of rows at a time, as arrays, so a long document full of figures stays fast and
    its output bounded."""
    figures = [(c, q, s) for c in claims if c.checkable and c.modality is not Modality.FORECAST
               for q in c.quantities for s in [_subject(c, q)] if s]
    groups: dict[tuple, list[tuple[Claim, Quantity]]] = {}
    for c, q, s in figures:
        groups.setdefault(s[:5], []).append((c, q))
    out: dict[int, list[Verdict]] = {}
    for group_key, group in groups.items():
        if len(group) < 2:
            continue
        import numpy as np  # only a document with two figures of one subject needs it

        f = np.array([_features(c, q) for c, q in group], dtype=float)
        index = np.array([c.index for c, _ in group])
        where = np.array([c.start for c, _ in group])
        cumulative = group_key[0] in CUMULATIVE_TOPICS
        for first in range(0, len(group), BLOCK):
            rows = slice(first, first + BLOCK)
            other = index[rows, None] != index[None, :]
            found = [(SAME, _comparable_to(f, rows) & _differing(f, rows) & other)]
            if cumulative:
                found.append((PART, _part_exceeds_whole(f, rows) & other))
            for rule, hits in found:
                for k in np.flatnonzero(hits.any(axis=1)):
                    this, q = group[first + k]
                    out.setdefault(this.index, []).append(
                        _cite(this, q, group, where, np.flatnonzero(hits[k]), rule))
    return out
