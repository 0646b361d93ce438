"""Counted figures of a claim (troops, containers, shells, tonnes) against the figures written
in the timeline's descriptions.

A figure matches a record only when the record gives the same number (within the tolerance
of :mod:`pivotwatch.claims.verdicts`) of the same thing counted: soldiers, troops and
personnel are one unit, containers, shells or tonnes others; a bare number takes the unit of
its text when that text counts one kind of thing only. The figure's year must be the claim's:
a record dated 2018 that says "238,200 t in 2014" gives that figure for 2014. Of several
matches the nearest figure wins, and it is the evidence cited first. When the figure is the
point of the claim (a count with a unit) and no record gives it, the claim is unverified with
the event as context, or contradicted when a record of the same event, unit and calendar year
gives one clearly different figure. A figure for a year still to come is no past count,
whatever the claim's modality, and an increment ("50,000 more troops") is never refuted by a
total on record.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from pivotwatch.claims.checks.refdata import ReferenceData, RefEvent
from pivotwatch.claims.checks.text import NOT_COUNTS, agrees, claimed, overlaps, same_figure, spans
from pivotwatch.claims.model import Bound, Claim, Quantity
from pivotwatch.claims.quantities import find_quantities
from pivotwatch.claims.verdicts import CONTRADICTION_FACTOR, Evidence, Verdict, VerdictKind

# Units that are not things counted (money and barrels have checks of their own).
NOT_COUNTED = NOT_COUNTS | {"usd", "eur", "rub", "cny", "gbp", "barrels"}
_ANY_UNIT = re.compile(r"\b(troops|soldiers|servicemen|personnel|fighters|engineers|deminers|"
                       r"sappers|builders|workers|labou?rers|shells|rounds|containers|missiles?|drones|"
                       r"launchers|guns|launches|tanker (?:calls|visits)|tankers|ships|vessels|"
                       r"tonnes|tons)\b", re.IGNORECASE)
_UNIT_OF = {"soldiers": "troops", "servicemen": "troops", "personnel": "troops",
            "fighters": "troops", "engineers": "troops", "deminers": "troops",
            "builders": "troops", "sappers": "troops", "labourers": "workers",
            "laborers": "workers",
            "rounds": "shells", "vessels": "ships", "tons": "tonnes", "missile": "missiles",
            "tanker calls": "tanker_calls", "tanker visits": "tanker_calls"}
# "reached 238,200 t in 2014": the year a figure is for, written just after it.
_FIGURE_YEAR = re.compile(r"[^;,.()]{0,30}?\b(?:in|for|during)\s+((?:19|20)\d{2})\b")
# The same in a claim, where "by 2026" also dates a figure.
_CLAIM_YEAR = re.compile(r"[^;,.()]{0,30}?\b(?:in|for|during|by)\s+((?:19|20)\d{2})\b")
# A figure added to what is already there: "50,000 more troops", "an additional 6,000".
_MORE_AFTER = re.compile(r"\s*(?:(?:thousand|million)\s+)?"
                         r"(?:more|additional|further|extra|new|fresh)\b", re.IGNORECASE)
_MORE_BEFORE = re.compile(r"\b(?:additional|further|extra|another|more)\s+(?:of\s+)?$",
                          re.IGNORECASE)


def event_evidence(row: RefEvent) -> Evidence:
    return Evidence("reference_events", row.key, row.when, row.description,
                    row.urls[0] if row.urls else None)


def _kinds(text: str) -> frozenset[str]:
    """The kinds of thing a text counts."""
    return frozenset(_UNIT_OF.get(u.lower(), u.lower()) for u in _ANY_UNIT.findall(text))


def unit_of(q: Quantity, text: str) -> str:
    """What a claimed figure counts: its own unit, else the one kind of thing its text counts,
    else "count" (a bare number, compared by number alone, as nothing says what it counts)."""
    if q.unit != "count":
        return q.unit
    kinds = _kinds(text)
    return next(iter(kinds)) if len(kinds) == 1 else "count"


Figure = tuple[float, float | None, frozenset[str], Bound, int, str]

# What happened to the people a figure counts: "5,000 killed" is not "5,000 sent".
_FATES = (("killed", re.compile(r"\b(?:killed|dead|died|deaths?|fatalit\w*)\b", re.IGNORECASE)),
          ("wounded", re.compile(r"\b(?:wounded|injured|injuries)\b", re.IGNORECASE)),
          ("casualties", re.compile(r"\bcasualt\w*\b", re.IGNORECASE)))
_CLAUSE_END = re.compile(r"[;.()]|\d")
# Between a fate word and the figure it counts: "killed: about 2,000", "deaths of some 600".
_JUST_BEFORE = re.compile(r"\W*(?:(?:of|at|were|was|to|by|about|some|around|nearly|almost|"
                          r"roughly|at least|more than|over|up to|an estimated)\W+)*",
                          re.IGNORECASE)


def fate(text: str, start: int, end: int) -> str:
    """What the figure at text[start:end] counts of the people: 'killed', 'wounded',
    'casualties', or 'present' (sent, deployed, fighting): a fate word after it before the next
    number or the end of its clause ("about 600 dead and 4,100 wounded"), else one just before
    it ("killed: about 2,000", "deaths of some 600"; not "4,100 wounded among some 15,000")."""
    stop = _CLAUSE_END.search(text, end)
    after = text[end:stop.start() if stop else len(text)][:60]
    before = text[max(0, start - 40):start]
    for word, pattern in _FATES:
        if pattern.search(after):
            return word
    for word, pattern in _FATES:
        found = list(pattern.finditer(before))
        if found and _JUST_BEFORE.fullmatch(before[found[-1].end():]):
            return word
    return "present"


@lru_cache(maxsize=1024)
def record_figures(description: str, year: int) -> tuple[Figure, ...]:
    """(value, high, units, bound, year, fate) of each counted figure in a record's
    description: its own unit, or for a bare number every kind of thing the text counts ("170
    mm guns and 240 mm launchers ... about 120 of each"); ``year`` (the record's) unless the
    text gives the figure's own year; what befell those counted (:func:`fate`)."""
    out = []
    for q in find_quantities(description):
        if q.unit in NOT_COUNTED:
            continue
        own = _FIGURE_YEAR.match(description, q.end)
        units = frozenset({q.unit}) if q.unit != "count" else _kinds(description)
        out.append((q.value, q.high, units, q.bound, int(own.group(1)) if own else year,
                    fate(description, q.start, q.end)))
    return tuple(out)


def _same_unit(unit: str, units: frozenset[str]) -> bool:
    return unit == "count" or unit in units


def counts(claim: Claim) -> list[Quantity]:
    """Figures of things counted (troops, containers, shells, "13 in favour"); a bare number
    in brackets ("[2]", the "2" of "alert(2)") is a footnote or code, never compared."""
    def bracketed(q) -> bool:
        at = q.start - claim.start
        return claim.text[at - 1:at] in ("(", "[") and \
            claim.text[q.end - claim.start:q.end - claim.start + 1] in (")", "]")

    return [q for q in claim.quantities if q.unit not in NOT_COUNTED
            and not (q.unit == "count" and bracketed(q))]


def pointed(claim: Claim) -> list[Quantity]:
    """The counts with a unit: a claim that gives one is about that figure."""
    return [q for q in counts(claim) if unit_of(q, claim.text) != "count"]


def future_year(claim: Claim, q: Quantity, periods: list, now: date) -> int | None:
    """The year after ``now`` a figure is about ("as many as 50,000 more troops in 2026"),
    or None: its own year written after it, else the claim's, when every period the claim
    names starts after ``now``. A figure about the future is not a count on record, whatever
    the claim's modality."""
    own = _CLAIM_YEAR.match(claim.text, q.end - claim.start)
    if own:
        year = int(own.group(1))
        return year if year > now.year else None
    starts = [start for start, _ in periods]
    if starts and all(start is not None and start > now for start in starts):
        return min(starts).year
    return None


def is_increment(claim: Claim, q: Quantity) -> bool:
    """Whether a figure is added to an earlier one ("50,000 more troops", "an additional
    6,000 troops", "a further 1,000"): not the total a record counts, so never refuted by it."""
    at, end = q.start - claim.start, q.end - claim.start
    number_end = at + len(q.raw.split()[0]) if q.raw.split() else end
    return bool(_MORE_BEFORE.search(claim.text[max(0, at - 20):at]) or
                _MORE_AFTER.match(claim.text, number_end))


def _in_period(periods: list, year: int) -> bool:
    return not periods or any(overlaps(p, (date(year, 1, 1), date(year, 12, 31)))
                              for p in periods)


def _when(row: RefEvent, year: int) -> str:
    return row.when if year == row.date.year else f"{year}, in a record of {row.when}"


def check_counts(claim: Claim, text: str, rows: list[RefEvent], ref: ReferenceData, now: date,
                 troop_types: frozenset[str]) -> list[Verdict]:
    """Each count of the claim against the records' figures (``rows``: the records of the
    claim's event, best first, cited as context); ``troop_types``: the event types whose
    troop figures bound a troop count (empty when the claim is not about troops)."""
    out = []
    periods = spans(claim, text)
    for q in counts(claim):
        unit = unit_of(q, claim.text)
        later = future_year(claim, q, periods, now)
        if later:
            out.append(Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is a figure for {later}, "
                               "still to come: no past count speaks for or against it",
                               check="events", rule="counts.future-figure"))
            continue
        hits = []
        befell = fate(claim.text, q.start - claim.start, q.end - claim.start)
        for r in ref.events:
            if r.date > now:
                continue
            for value, high, runit, _, year, rfate in record_figures(r.description,
                                                                    r.date.year):
                if _same_unit(unit, runit) and _in_period(periods, year) and \
                        rfate == befell and \
                        any(same_figure(q, v) for v in (value, high) if v is not None):
                    near = min(abs(v - q.value) for v in (value, high) if v is not None)
                    hits.append((near, r not in rows, -r.date.toordinal(), r, year))
        if hits:
            _, _, _, row, year = min(hits, key=lambda h: h[:3])
            context = [r for r in rows if r is not row][:2]
            out.append(Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} is the figure on record "
                               f"({_when(row, year)})",
                               tuple(event_evidence(r) for r in (row, *context)), "events",
                               "counts.same-thing-and-year"))
            continue
        found = None if is_increment(claim, q) else \
            _differs(claim, q, unit, rows, periods) or \
            _beyond_every_estimate(claim, q, ref, troop_types)
        if found:
            out.append(found)
        elif rows:
            row = rows[0]
            out.append(Verdict(VerdictKind.UNVERIFIED, f"the event is on record ({row.when}, "
                               f"{row.event_type.replace('_', ' ')}), but not the figure "
                               f"{claimed(q)}", (event_evidence(row),), "events",
                               "counts.figure-not-on-record"))
    return out


def _differs(claim: Claim, q: Quantity, unit: str, rows: list[RefEvent],
             periods: list) -> Verdict | None:
    """A record of the claim's event that gives the one figure of that unit for the claim's
    calendar year, clearly different: only a claim about one closed calendar year or part of
    one, and never from a bound ("more than 1,000 containers"); the dead are not compared
    with those sent."""
    if unit == "count" or len(periods) != 1 or q.bound is not Bound.EXACT and \
            q.bound is not Bound.APPROX:
        return None
    start, end = periods[0]
    if start is None or end is None or start.year != end.year:
        return None
    befell = fate(claim.text, q.start - claim.start, q.end - claim.start)
    for r in rows:
        same = [f for f in record_figures(r.description, r.date.year)
                if f[2] == {unit} and f[4] == start.year and f[5] == befell]
        if len(same) == 1 and same[0][3] in (Bound.EXACT, Bound.APPROX) and \
                same[0][1] is None and agrees(q, same[0][0]) is False:
            return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} differs from the figure on "
                           f"record for {start.year}, {same[0][0]:,.0f} {unit} ({r.when})",
                           (event_evidence(r),), "events", "counts.different-figure")
    return None


def _beyond_every_estimate(claim: Claim, q: Quantity, ref: ReferenceData,
                           troop_types: frozenset[str]) -> Verdict | None:
    """A troop count more than ``CONTRADICTION_FACTOR`` times every troop figure on record
    for either party ("fewer than 50,000" is consistent with any smaller estimate)."""
    if not troop_types or unit_of(q, claim.text) not in ("troops", "count") or \
            q.bound is Bound.MAX:
        return None
    known = [(f[1] or f[0], r) for r in ref.events if r.event_type in troop_types
             and set(claim.actors) & {r.actor1, r.actor2}
             for f in record_figures(r.description, r.date.year) if "troops" in f[2]]
    if not known:
        return None
    top, row = max(known, key=lambda item: item[0])
    if q.value <= CONTRADICTION_FACTOR * top:
        return None
    return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} is more than "
                   f"{CONTRADICTION_FACTOR:g} times the largest estimate on record, "
                   f"{top:,.0f} ({row.when})", (event_evidence(row),), "events",
                   "counts.beyond-every-estimate")
