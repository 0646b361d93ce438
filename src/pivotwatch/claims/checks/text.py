"""Small text helpers the checks share: content words, figures, claim time spans."""

from __future__ import annotations

import re
from datetime import date

from pivotwatch.claims.model import Bound, Claim, Quantity, TimeRef

_WORD = re.compile(r"[a-z][a-z0-9-]+")
# Words too common in this domain to say two texts are about the same thing.
_STOP_WORDS = """
a an the and or of in on at to for from by with as is was were are be been has have had it
its this that these those their there which who whom while after before since during into
over under than then also not no but if so such more most less about around some any all
other first last new two one three said says say according reported reports per s including
russia russian russians moscow kremlin north korea korean koreans dprk pyongyang kim jong un
putin south both sides side country countries state states year years month months day days
far east region
"""
_STOP = frozenset(_STOP_WORDS.split())
_BY = re.compile(r"\b(?:by|until|up to|through)\s+(?:the\s+)?(?:early|mid|late|end of)?[\s-]*$",
                 re.IGNORECASE)
# Units that say how long or how big something is, not how many: never compared.
NOT_COUNTS = frozenset({"years", "months", "days", "mm", "percent", "km", "kv"})
# A denied event: "did not", "has never", "was not held", "No troops were deployed", "There
# was no summit" ("never been closer", "not only", "no longer" and "is not a ..." describe,
# they do not deny that something happened).
NEGATION = re.compile(r"\b(?:did|has|have|had)(?:\s+not\b|n[’']?t\b)"
                      r"|\b(?:was|were)(?:\s+not|n[’']?t)"
                      r"\s+(?:\w+ed|held|made|met|sent|built|given|paid|sold|taken|seen|done)\b"
                      r"|\bnever\b(?!\s+(?:before|so|more))(?!\s+been\s+(?:so|more|closer|better))"
                      r"|\bfailed to\b|\b(?:\w+ed|sent|held|made|gave|took)\s+no\b"
                      r"|^\W*no\s+(?!longer\b|doubt\b|one\s+(?:doubts|denies))"
                      r"|\bthere\s+(?:was|were|has\s+been|have\s+been|is|are)\s+no\b",
                      re.IGNORECASE)
# "has never visited" and "no ... since 2011" deny it at any time: a record of it refutes them
# without a period in the claim.
EVER = re.compile(r"\bnever\b|^\W*no\b|\bthere\s+\w+(?:\s+been)?\s+no\b", re.IGNORECASE)


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The distinctive words of a text, lower-cased and crudely stemmed."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def claim_span(claim: Claim, text: str, t: TimeRef) -> tuple[date | None, date | None]:
    """The days a time reference covers; "by November 2024" is open at the start."""
    before = text[max(0, t.begin - 20):t.begin]
    if _BY.search(before):
        return None, t.end
    return t.start, t.end


def spans(claim: Claim, text: str) -> list[tuple[date | None, date | None]]:
    """Every span the claim's time references cover (unresolved ones left out)."""
    return [claim_span(claim, text, t) for t in claim.times if t.start or t.end]


def overlaps(a: tuple[date | None, date | None], b: tuple[date, date]) -> bool:
    start, end = a
    return (start is None or start <= b[1]) and (end is None or end >= b[0])


def whole_year(t: TimeRef) -> bool:
    """True when a time reference is one calendar year (not a month or part of one)."""
    return bool(t.start and t.end and t.start.year == t.end.year
                and (t.start.month, t.start.day, t.end.month, t.end.day) == (1, 1, 12, 31))


def years_of(claim: Claim) -> list[int]:
    """The single years the claim names (a one-year span), in order."""
    out = []
    for t in claim.times:
        if t.start and t.end and t.start.year == t.end.year:
            out.append(t.start.year)
    return list(dict.fromkeys(out))


def tolerance(q: Quantity) -> float:
    from pivotwatch.claims.verdicts import APPROX_TOLERANCE, EXACT_TOLERANCE

    return APPROX_TOLERANCE if q.bound is Bound.APPROX else EXACT_TOLERANCE


def agrees(q: Quantity, reference: float, *, reference_is_lower_bound: bool = False) -> bool | None:
    """True when the claimed figure agrees with a reference figure, False when it does not,
    None when the reference (a lower bound) cannot say."""
    tol = tolerance(q)
    low = q.value
    high = q.high if q.high is not None else q.value
    if reference_is_lower_bound:
        if q.bound is Bound.MIN:
            return abs(reference - low) <= tol * max(reference, low)
        if high < reference * (1 - tol):
            return False  # the claim is below what is known to be the least
        return None
    if q.bound is Bound.MIN:
        return reference >= low * (1 - tol)
    if q.bound is Bound.MAX:
        return reference <= high * (1 + tol)
    return low * (1 - tol) <= reference <= high * (1 + tol)


def same_figure(q: Quantity, value: float) -> bool:
    """True when a figure written in a record is the claimed one: a bound ("more than
    10,000") is taken at its value here, so that it does not match every smaller number."""
    tol = tolerance(q)
    high = q.high if q.high is not None else q.value
    return q.value * (1 - tol) <= value <= high * (1 + tol)


_LATER = re.compile(r"[^.;]{0,60}\b(?:until|till)\b", re.IGNORECASE)


def denial_at(text: str) -> int | None:
    """Where a claim's denial of what it names starts ("did not visit", "has never held"), or
    None; "did not acknowledge it until April" says that it did, later."""
    return next((m.start() for m in NEGATION.finditer(text) if not _LATER.match(text, m.end())),
                None)


def negated(text: str) -> bool:
    """True when a claim denies what it names (see :func:`denial_at`)."""
    return denial_at(text) is not None


def money(value: float) -> str:
    if value >= 1e9:
        return f"${value / 1e9:,.2f} billion"
    if value >= 1e6:
        return f"${value / 1e6:,.2f} million"
    return f"${value:,.0f}"


def claimed(q: Quantity) -> str:
    """A claimed figure in words: "about 34,000,000", "more than 165,000"."""
    word = {Bound.APPROX: "about ", Bound.MIN: "more than ", Bound.MAX: "less than "}.get(
        q.bound, "")
    value = money(q.value) if q.unit == "usd" else f"{q.value:,.0f}"
    if q.high is not None:
        value += f"–{q.high:,.0f}"
    unit = "" if q.unit in ("usd", "count") else f" {q.unit}"
    return f"{word}{value}{unit}" + (f" a {q.per}" if q.per else "")
