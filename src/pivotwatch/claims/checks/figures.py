"""Figures checked against the curated reference tables: Russia–DPRK trade in USD
(`reference_trade`), refined-petroleum deliveries in barrels (`reference_fuel`) and the UNSCR
2397 caps (`reference_caps`).

Trade: each figure against its own calendar year (the year written with it; else paired in
order when a claim gives as many years as figures; the latest reference year, said as
"latest", only when the claim names no time; a period that is not one calendar year is not
compared) and its role and flow (:mod:`.roles`: a goal only with a `target` row; a part of a
flow, a change or money that is not trade never; the total, or one direction).
Fuel: figures of different bases (reported to the UN, government estimate, open-source
estimate) are never mixed or added; a figure is compared with rows of the basis named nearest
it (any basis when the text names none) whose period overlaps its own (written after it, else
the claim's). A row contradicts only when it covers the whole period the claim speaks of; a
lower bound, or a figure reported to the UN when the claim does not say it is that one, never
contradicts a larger figure. A cap figure is compared with the cap of its oil (crude or
refined). A claim that deliveries exceeded the cap (or did not) is checked against the cap
and every delivery figure for that year, never against the cap it names, and the explanation
gives each.
"""

from __future__ import annotations

import re
from datetime import date

from pivotwatch.claims.actors import sources_of
from pivotwatch.claims.checks.events import FORUM_ACTORS
from pivotwatch.claims.checks.refdata import ReferenceData, RefFuel, RefTrade
from pivotwatch.claims.checks.roles import (
    commodity,
    is_change,
    is_target,
    names_trade,
    other_money,
    trade_flow,
)
from pivotwatch.claims.checks.text import (
    agrees,
    claim_span,
    claimed,
    money,
    spans,
    whole_year,
    years_of,
)
from pivotwatch.claims.model import Claim, Quantity, TimeRef
from pivotwatch.claims.verdicts import NO_REFERENCE, Evidence, Verdict, VerdictKind
from pivotwatch.sources.reference_figures import BASES

TRADE_TOPICS = frozenset({"trade_volume", "trade_target"})
# The end point of a change ("from $X in 2019 to $Y"): not the year of the start point
_TO = re.compile(r"\bto\s+(?:about\s+|around\s+|some\s+)?$", re.IGNORECASE)
# What may stand between a figure and the year it is for: "$34.4 million in 2023",
# "$1 billion in trade by 2020"
_YEAR_OF = re.compile(r"(?:\s+[\w'-]+){0,3}?\s+(?:in|for|during|by|of)\s+(?:the\s+year\s+)?",
                      re.IGNORECASE)
_CAP = re.compile(r"\bcap(?:ped|s)?\b|\bceiling\b|\blimit(?:s|ed)?\b", re.IGNORECASE)
_COMPARED = re.compile(r"\b(?:twice|double|triple|times|half|thrice)\b|%|\bper ?cent\b",
                       re.IGNORECASE)
_FUEL = re.compile(r"\b(?:petroleum|fuel|oil|diesel|gasoline|barrels?|deliveries)\b",
                   re.IGNORECASE)
_PRICE_CAP = re.compile(r"\bprice\s+cap", re.IGNORECASE)
# A figure that is the cap itself: "capped ... at 500,000", "a ceiling of", "may import no
# more than", or "a 500,000-barrel cap" after it.
_CAP_BEFORE = re.compile(r"(?:\b(?:cap(?:ped|s)?|ceiling|limit(?:ed|s)?)\b(?:\s+[\w'-]+){0,8}?"
                         r"\s+(?:at|of|to|is|was)|\b(?:may|can|could|allowed to|permitted to)\s+"
                         r"(?:\w+\s+){0,2}?(?:no more than|up to|at most))\s*$", re.IGNORECASE)
_CAP_AFTER = re.compile(r"^[\s-]*(?:barrels?)?[\s-]*(?:(?:a|per)\s+year\s*)?(?:annual\s+)?"
                        r"(?:(?:crude|oil|refined|petroleum|products?|fuel|import)\s+){0,3}"
                        r"(?:cap|ceiling|limit)\b", re.IGNORECASE)
# "exceeded the cap"; after the cap is named, "remained above it"
_OVER = r"\b(exceed\w*|above|over|beyond|breach\w*|more than|past|surpass\w*)\b"
_UNDER = r"\b(below|under|within|short of)\b"
_EXCEEDS = re.compile(_OVER + r"[^.]{0,40}\bcap\b", re.IGNORECASE)
_WITHIN = re.compile(_UNDER + r"[^.]{0,40}\bcap\b", re.IGNORECASE)
_EXCEEDS_IT = re.compile(_OVER + r"\s+(?:it|that|this)\b", re.IGNORECASE)
_WITHIN_IT = re.compile(_UNDER + r"\s+(?:it|that|this)\b", re.IGNORECASE)
_DENIED = re.compile(r"(?:\b(?:not|never|no)|n't)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_BASIS_WORDS = (
    ("reported_to_un", re.compile(r"\b(?:russia|moscow)\w*(?:'s)?\s+(?:\w+\s+){0,2}?report|"
                                  r"\b(?:report\w*|told|inform\w*|brief\w*|wrote|submi\w*)"
                                  r"\s+(?:\w+\s+){0,4}?(?:to\s+)?the\s+(?:un|united nations|"
                                  r"1718|sanctions committee|committee|security council)\b|"
                                  r"\bnotif\w*|\b1718\b|"
                                  r"(?<!us )(?<!u\.s\. )(?<!american )\bofficial(?:ly)?\b",
                                  re.IGNORECASE)),
    ("government_estimate", re.compile(r"white house|\b(?:us|u\.s\.|american) (?:government|"
                                       r"officials?)|\bus said|washington", re.IGNORECASE)),
    ("open_source_estimate", re.compile(r"open[- ]source|tracking|satellite imagery|tanker",
                                        re.IGNORECASE)),
)
# What ends the words that go with a figure: a clause or sentence break
_PERIOD_BREAK = re.compile(r"[;.:()—]|,\s", re.IGNORECASE)
_FLOW_WORDS = {"total": "total trade", "dprk_imports_from_rus": "DPRK imports from Russia",
               "dprk_exports_to_rus": "DPRK exports to Russia", "target": "trade target"}


def _provenance(row: RefTrade) -> str:
    """Who gives a reference figure and how firm it is: "Russian official", "Russian
    official, inferred, an estimate" (a figure the curators derived is not the source's)."""
    notes = [*row.flags, *(["an estimate"] if row.is_estimate else [])]
    return ", ".join(dict.fromkeys([row.reporter, *notes]))


def _trade_evidence(row: RefTrade) -> Evidence:
    what = _FLOW_WORDS.get(row.flow, row.flow)
    notes = [*row.flags, *(["an estimate"] if row.is_estimate else [])]
    flags = f" ({', '.join(dict.fromkeys(notes))})" if notes else ""
    return Evidence("reference_trade", row.key, str(row.year),
                    f"{row.year} {what}: {money(row.value)} per {row.reporter}{flags}",
                    row.urls[0] if row.urls else None)


def _fuel_evidence(row: RefFuel) -> Evidence:
    amount = "no volume given" if row.barrels is None else f"{row.barrels:,.0f} barrels"
    if "lower_bound" in row.flags and row.barrels is not None:
        amount = "at least " + amount
    period = f"{row.start:%b %Y}" if (row.start.year, row.start.month) == (
        row.end.year, row.end.month) else f"{row.start:%b %Y}–{row.end:%b %Y}"
    return Evidence("reference_fuel", row.key, f"{row.start}/{row.end}",
                    f"{period}, {BASES.get(row.basis, row.basis)}: {amount}",
                    row.urls[0] if row.urls else None)


def _year_of(t: TimeRef) -> int | None:
    """The calendar year a time reference names: one whole year, or the end of "by 2020"."""
    if whole_year(t):
        return t.start.year
    if t.start is None and t.end is not None and (t.end.month, t.end.day) == (12, 31):
        return t.end.year
    return None


def _own_year(claim: Claim, q: Quantity) -> int | None:
    """The calendar year written with a figure: "$34.4 million in 2023", "$1 billion in trade
    by 2020", "$47.9 million for 2019"."""
    for t in claim.times:
        between = claim.text[q.end - claim.start:t.begin - claim.start]
        if 0 <= t.begin - q.end <= 40 and _YEAR_OF.fullmatch(between) and _year_of(t):
            return _year_of(t)
    return None


def _years_for(claim: Claim, figures: list[Quantity]) -> dict[Quantity, list[int]] | str:
    """The calendar year(s) each figure is compared with, or why there is none. A figure
    written with its year takes it; otherwise the years are paired with the figures in order
    when there are as many of each ("from $X in 2019 to $Y in 2023"), and a figure is compared
    with every named year that no other figure took. An empty list: the latest year when the
    claim names no time at all, no year otherwise."""
    timed = [t for t in claim.times if t.start or t.end]
    if not claim.times:
        return {q: [] for q in figures}  # no period: the latest year
    years = list(dict.fromkeys(t.start.year for t in timed if whole_year(t)))
    if not years:
        named = ", ".join(f"'{t.raw}'" for t in claim.times)
        return (f"the claim's period ({named}) is not one calendar year; the reference trade "
                "figures are yearly")
    own = {q: _own_year(claim, q) for q in figures}
    if len(years) == len(figures) > 1 and not any(own.values()):
        return {q: [y] for q, y in zip(figures, years, strict=True)}
    free = [y for y in years if y not in own.values()]

    def end_point(q: Quantity) -> bool:
        return bool(_TO.search(claim.text[:q.start - claim.start]))

    return {q: [own[q]] if own[q] else free or ([] if end_point(q) else years)
            for q in figures}


def check_trade(claim: Claim, ref: ReferenceData) -> list[Verdict]:
    """Each USD figure of a trade claim against the reference row of its year and flow."""
    # a dollar figure of trade, exports or imports between the two is a trade figure whatever
    # the topic extraction gave the sentence ("trade including fuel reached $47.9 million")
    between = names_trade(claim.text)
    figures = [q for q in claim.quantities if q.unit == "usd" and not other_money(claim, q) and
               (q.topic in TRADE_TOPICS or claim.topic in TRADE_TOPICS or between)]
    if not figures:
        return []
    if "reference_trade" in ref.missing:
        return [Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="trade",
                        rule="trade.not-loaded")]
    # another country named beside them (Russia-China trade) is not Russia-North Korea trade
    # (a country that only reports the figure, "South Korea's trade agency said", is no party)
    others = set(claim.actors) - {"RUS", "PRK"} - FORUM_ACTORS - sources_of(claim.text)
    if not {"RUS", "PRK"} <= set(claim.actors) or others:
        return [Verdict(VerdictKind.UNVERIFIED, "the reference trade figures cover "
                        "Russia–North Korea only", check="trade", rule="trade.other-pair")]
    paired = _years_for(claim, figures)
    if isinstance(paired, str):  # a goal is still dated by the year it is for
        return [_trade_claim(claim, q, [], ref, len(figures) == 1) if is_target(claim, q) else
                Verdict(VerdictKind.UNVERIFIED, paired, check="trade",
                        rule="trade.one-calendar-year") for q in figures]
    found = [_trade_claim(claim, q, named, ref, len(figures) == 1)
             for q, named in paired.items()]
    return found + _direction(claim, paired, found)


# A claim without a time compared with the latest year must be about now: not in the past
# tense ("made up", "was", "reached"), unless it says "now", "currently", "a year".
_PAST = re.compile(r"\b(?:was|were|had|made up|reached|stood|totalled|totaled|amounted|came to|"
                   r"fell|rose|grew|dropped|peaked|recovered)\b", re.IGNORECASE)
_NOW = re.compile(r"\b(?:is|are|now|currently|today|annual(?:ly)?|a year|per year|each year|"
                  r"has been|have been|remains?|stands)\b", re.IGNORECASE)
_RISE = re.compile(r"\b(?:rose|risen|rising|grew|grown|growing|increased|climbed|jumped|surged|"
                   r"soared|doubled|tripled|expanded|recovered|rebounded)\b", re.IGNORECASE)
_FALL = re.compile(r"\b(?:fell|fallen|falling|dropped|declined|decreased|shrank|shrunk|plunged|"
                   r"collapsed|slumped|halved|contracted)\b", re.IGNORECASE)


def _direction(claim: Claim, paired: dict[Quantity, list[int]],
               found: list[Verdict]) -> list[Verdict]:
    """A change "from $X in 2019 to $Y in 2023" said to rise (or fall) when the two figures,
    each dated by its own year, run the other way: the figures may each be right and the
    sentence still wrong ("rose from $47.9 million in 2019 to $34.4 million in 2023")."""
    dated = [(named[0], q) for q, named in paired.items() if len(named) == 1]
    if len(dated) != 2 or dated[0][0] >= dated[1][0]:
        return []
    (y1, q1), (y2, q2) = dated
    verb = _RISE.search(claim.text, 0, q2.start) or _FALL.search(claim.text, 0, q2.start)
    if verb is None:
        return []
    rises = bool(_RISE.fullmatch(verb.group()))
    if q1.value == q2.value or (q2.value > q1.value) == rises:
        return []
    said, went = ("rose", "fell") if rises else ("fell", "rose")
    evidence = tuple(e for v in found for e in v.evidence)
    return [Verdict(VerdictKind.CONTRADICTED, f"the claim says trade {said}, but its own "
                    f"figures, {claimed(q1)} in {y1} and {claimed(q2)} in {y2}, say it {went}",
                    evidence, "trade", "trade.direction-of-change")]


def _trade_claim(claim: Claim, q: Quantity, named: list[int], ref: ReferenceData,
                 alone: bool) -> Verdict:
    """One USD figure against the reference rows of its flow and year(s) ``named``;
    ``alone``: the claim's only figure (a goal then takes every year the claim names)."""
    if is_change(claim, q):
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is a change in trade, not its "
                       "level; the reference figures are levels", check="trade",
                       rule="trade.change-not-level")
    flow = trade_flow(claim, q)
    if flow is None:
        return Verdict(VerdictKind.UNVERIFIED, f"the text does not say who exported "
                       f"{claimed(q)} to whom", check="trade", rule="trade.flow-unknown")
    if flow == "world":
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is North Korea's trade with all "
                       "its partners; the reference figures are its trade with Russia",
                       check="trade", rule="trade.all-partners")
    if flow == "part":
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is a part of a trade flow (one "
                       "kind of goods, or an item within it); the reference figures are totals "
                       "and flows", check="trade", rule="trade.part-of-total")
    if flow == "target":  # a goal is dated by the year it is for: "set in 2014 for 2020"
        own = _own_year(claim, q)
        every = sorted({d.year for t in claim.times for d in (t.start, t.end) if d})
        # "set in April 2014 a goal for 2020": the year a goal is for, not the month it was set
        every = [y for y in every if y in {_year_of(t) for t in claim.times}] or every
        named = [own] if own else every if alone else []
        if claim.times and not named:
            return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is a goal whose year the "
                           "text does not give", check="trade", rule="trade.target-year")
    elif claim.times and not named:
        return Verdict(VerdictKind.UNVERIFIED, f"the text does not say which year {claimed(q)} "
                       "is for", check="trade", rule="trade.figure-year")
    rows = [r for r in ref.trade if r.flow == flow]
    years, label = [y for y in named if any(r.year == y for r in rows)], ""
    if not named and rows:
        if flow != "target" and _PAST.search(claim.text) and not _NOW.search(claim.text):
            # "exports made up $82.2 million of that": a past year the sentence does not name
            return Verdict(VerdictKind.UNVERIFIED, f"the text does not say which past year "
                           f"{claimed(q)} is for", check="trade", rule="trade.figure-year")
        years, label = [max(r.year for r in rows)], "latest "
    if not years:
        return Verdict(VerdictKind.UNVERIFIED, f"no reference {_FLOW_WORDS[flow]} figure for "
                       f"{', '.join(map(str, named)) or 'any year'}", check="trade",
                       rule="trade.no-row")
    return _trade_figure(q, years, rows, flow, label)


def _trade_figure(q: Quantity, years: list[int], rows: list[RefTrade], flow: str,
                  label: str) -> Verdict:
    mismatched: list[RefTrade] = []
    for year in years:
        for row in (r for r in rows if r.year == year):
            if agrees(q, row.value):
                return Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} matches the {label}"
                               f"reference {_FLOW_WORDS[flow]} for {year}, {money(row.value)} "
                               f"({_provenance(row)})", (_trade_evidence(row),), "trade",
                               "trade.same-year-and-flow")
            mismatched.append(row)
    evidence = tuple(_trade_evidence(r) for r in mismatched)
    firm = [r for r in mismatched if not {"inferred", "partial_year"} & set(r.flags)]
    if not firm:
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} differs from the {label}reference "
                       f"figure, but that figure is inferred or partial", evidence, "trade",
                       "trade.inferred-never-contradicts")
    row = firm[0]
    return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} differs from the {label}reference "
                   f"{_FLOW_WORDS[flow]} for {row.year}, {money(row.value)} "
                   f"({_provenance(row)})", evidence, "trade",
                   "trade.same-year-and-flow")


# --- fuel -----------------------------------------------------------------------------------

def fuel_basis(text: str, at: int | None = None) -> str | None:
    """The basis a text names for its fuel figures (reported to the UN, government estimate,
    open-source estimate), or None. With ``at`` (a figure's offset) and several bases named,
    the one named nearest the figure: "Russia told the committee it sent 15,279 barrels;
    open-source tracking shows 1 million barrels"."""
    found = [(m.start(), m.end(), basis) for basis, pattern in _BASIS_WORDS
             for m in pattern.finditer(text)]
    if not found:
        return None
    if at is None or len({basis for _, _, basis in found}) == 1:
        return min(found, key=lambda f: [b for b, _ in _BASIS_WORDS].index(f[2]))[2]
    return min(found, key=lambda f: min(abs(f[0] - at), abs(f[1] - at)))[2]


def _cap_row(ref: ReferenceData, commodity: str):
    rows = [c for c in ref.caps if c.commodity == commodity]
    return rows[-1] if rows else None


def _is_cap(claim: Claim, q: Quantity, stance: str | None) -> bool:
    """True when a barrel figure is the cap itself, not a delivery compared with it: placed
    as the cap ("capped at X", "an X-barrel cap"), in a table row about the cap, or a yearly
    figure in a sentence about the cap that compares nothing with it ("twice the cap")."""
    at = q.start - claim.start
    if _CAP_BEFORE.search(claim.text[max(0, at - 80):at]) or \
            _CAP_AFTER.match(claim.text[at + len(q.raw):at + len(q.raw) + 40]):
        return True
    if claim.subject and _CAP.search(claim.subject) or \
            claim.context and _CAP.search(claim.context):  # a row of a table of the caps
        return True
    return (q.per == "year" and bool(_CAP.search(claim.text)) and stance is None
            and not _COMPARED.search(claim.text))


def _cap_stance(text: str) -> str | None:
    """'exceeds' or 'within' for a claim about deliveries and the cap, None otherwise; "did
    not exceed the cap" is 'within'. The G7 price cap on Russian oil is another matter."""
    text = _PRICE_CAP.sub("price-limit", text)
    over, under = _EXCEEDS.search(text), _WITHIN.search(text)
    cap = _CAP.search(text)
    if cap and not (over or under):  # "the cap is 500,000 barrels ... remained above it"
        over, under = _EXCEEDS_IT.search(text, cap.end()), _WITHIN_IT.search(text, cap.end())
    if over:
        denied = _DENIED.search(text, max(0, over.start() - 30), over.start())
        return "within" if denied else "exceeds"
    return "within" if under else None


def check_fuel(claim: Claim, text: str, ref: ReferenceData, now: date) -> list[Verdict]:
    """Barrel figures (deliveries or caps) and claims that deliveries exceeded the cap."""
    figures = [q for q in claim.quantities if q.unit == "barrels"]
    stance = _cap_stance(claim.text)
    if stance and not (claim.topic in ("fuel_deliveries", "trade_volume", "crude_oil")
                       or _FUEL.search(claim.text)):
        stance = None
    if not figures and not stance:
        return []
    if "reference_fuel" in ref.missing and "reference_caps" in ref.missing:
        return [Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel", rule="fuel.not-loaded")]
    found, deliveries = [], []
    for q in figures:
        kind = commodity(claim, q)
        if _is_cap(claim, q, stance):
            verdict = _cap_figure(q, ref, kind)
            # the cap named in a claim about exceeding it is not the claim's point: only a
            # wrong cap speaks, the deliveries decide the rest
            if not stance or verdict.verdict is not VerdictKind.SUPPORTED:
                found.append(verdict)
            continue
        deliveries.append(q)
        if kind == "crude_oil":
            found.append(Verdict(VerdictKind.UNVERIFIED, "the reference fuel figures cover "
                                 "refined petroleum, not crude oil", check="fuel",
                                 rule="fuel.crude-not-covered"))
        else:
            found.append(_delivery_figure(claim, text, q, ref))
    if stance and not deliveries:
        found += [v for v in [_against_cap(claim, ref, now, stance)] if v]
    return found


def _cap_figure(q: Quantity, ref: ReferenceData, commodity: str) -> Verdict:
    cap = _cap_row(ref, commodity)
    if cap is None:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel", rule="fuel.not-loaded")
    evidence = (Evidence("reference_caps", cap.key, cap.adopted.isoformat(),
                         f"{cap.instrument}: {commodity.replace('_', ' ')} capped at "
                         f"{cap.value:,.0f} barrels a year", cap.urls[0] if cap.urls else None),)
    if agrees(q, cap.value):
        return Verdict(VerdictKind.SUPPORTED, f"{q.value:,.0f} barrels is the {cap.instrument} "
                       f"cap on {commodity.replace('_', ' ')}", evidence, "fuel",
                       "fuel.cap-of-its-oil")
    return Verdict(VerdictKind.CONTRADICTED, f"{cap.instrument} caps {commodity.replace('_', ' ')}"
                   f" at {cap.value:,.0f} barrels a year, not {claimed(q)}", evidence, "fuel",
                   "fuel.cap-of-its-oil")


def _covers(row: RefFuel, span: tuple[date | None, date | None]) -> bool:
    start, end = span
    return start is not None and end is not None and row.start <= start and row.end >= end


def _floor(row: RefFuel, basis: str | None) -> bool:
    """True when a row only says "at least": a lower bound, or what was reported to the UN
    when the claim does not say it is the reported figure (deliveries go unreported)."""
    return "lower_bound" in row.flags or (row.basis == "reported_to_un"
                                          and basis != "reported_to_un")


def _own_period(claim: Claim, text: str, q: Quantity) -> list[tuple[date | None, date | None]]:
    """The period written just after a figure, in its clause ("500,000 barrels in 2023 and 1
    million barrels in 2024": 2023 for the first), as a one-item list; empty when none is."""
    later = [t for t in claim.times if t.begin >= q.end and (t.start or t.end)]
    if not later:
        return []
    t = min(later, key=lambda t: t.begin)
    between = text[q.end:t.begin]
    if len(between) > 60 or _PERIOD_BREAK.search(between) or \
            any(q.end <= o.start < t.begin for o in claim.quantities):
        return []
    return [claim_span(claim, text, t)]


def _delivery_figure(claim: Claim, text: str, q: Quantity, ref: ReferenceData) -> Verdict:
    if "reference_fuel" in ref.missing:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel", rule="fuel.not-loaded")
    basis = fuel_basis(claim.text, q.start - claim.start) or \
        (fuel_basis(claim.context) if claim.context else None)
    rows = [r for r in ref.fuel if r.barrels is not None and (basis is None or r.basis == basis)]
    periods = _own_period(claim, text, q) or spans(claim, text)
    label = ""
    if not periods and q.per == "year" and rows:
        latest = max(r.start.year for r in rows)
        periods, label = [(date(latest, 1, 1), date(latest, 12, 31))], "latest "
    if not periods:
        return Verdict(VerdictKind.UNVERIFIED, "the claim gives no period to compare the "
                       "reference fuel figures with", check="fuel", rule="fuel.no-period")
    near = [r for r in rows for p in periods
            if (p[0] is None or r.end >= p[0]) and (p[1] is None or r.start <= p[1])]
    near = list(dict.fromkeys(near))
    if not near:
        what = BASES.get(basis, "any basis") if basis else "any basis"
        return Verdict(VerdictKind.UNVERIFIED, f"no reference fuel figure ({what}) for the "
                       "period", check="fuel", rule="fuel.no-row")
    # the row whose period fits the claim's best comes first
    near.sort(key=lambda r: min(abs((r.start - (p[0] or r.start)).days) +
                                abs((r.end - (p[1] or r.end)).days) for p in periods))
    bounds = []
    for row in near:
        verdict = agrees(q, row.barrels, reference_is_lower_bound=_floor(row, basis))
        if verdict is None and "lower_bound" not in row.flags and agrees(q, row.barrels):
            verdict = True  # the very figure reported to the UN
        if verdict:
            return Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} matches the {label}reference "
                           f"figure: {_fuel_evidence(row).text}", (_fuel_evidence(row),), "fuel",
                           "fuel.same-basis-and-period")
        if verdict is None:
            bounds.append(row)
    whole = [r for r in near if any(_covers(r, p) for p in periods) and not _floor(r, basis)]
    evidence = tuple(_fuel_evidence(r) for r in near)
    if whole and not bounds:
        return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} differs from the {label}"
                       f"reference figure: {_fuel_evidence(whole[0]).text}", evidence, "fuel",
                       "fuel.same-basis-and-period")
    if bounds:
        what = "a lower bound" if "lower_bound" in bounds[0].flags else \
            "the figure reported to the UN, which leaves out unreported deliveries"
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is consistent with {what} "
                       f"({_fuel_evidence(bounds[0]).text}), but not confirmed by it",
                       evidence, "fuel", "fuel.reported-basis")
    return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is not among the reference figures "
                   "for parts of that period", evidence, "fuel", "fuel.part-of-period")


def _against_cap(claim: Claim, ref: ReferenceData, now: date, stance: str) -> Verdict | None:
    """A claim that deliveries in a year exceeded the cap (or stayed within it) against the cap
    and every figure of that year. Only a figure within one calendar year can show that the
    year exceeded it; a lower bound below the cap shows nothing either way. None when no
    figure is loaded for that year: the fuel check has nothing to say, and the timeline may
    ("its report in May 2025 said supplies were far above the cap")."""
    if commodity(claim) == "crude_oil":
        return Verdict(VerdictKind.UNVERIFIED, "the reference fuel figures cover refined "
                       "petroleum, not crude oil", check="fuel", rule="fuel.crude-not-covered")
    cap = _cap_row(ref, "refined_petroleum")
    rows = [r for r in ref.fuel if r.barrels is not None and r.start <= now]
    if cap is None or not rows:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel", rule="fuel.not-loaded")
    years = years_of(claim) or [max(r.start.year for r in rows)]
    in_years = [r for r in rows if r.start.year in years or r.end.year in years]
    if not in_years:
        return None
    one_year = {r for r in in_years if r.start.year == r.end.year}
    above = [r for r in in_years if r in one_year and r.barrels > cap.value]
    full = [r for r in in_years if r in one_year and _covers(r, (date(r.start.year, 1, 1),
                                                                date(r.start.year, 12, 31)))
            and "lower_bound" not in r.flags and r.barrels <= cap.value]

    def said(r: RefFuel) -> str:
        if r.barrels > cap.value:
            return "above the cap" if r in one_year else "above the cap, but over more than a year"
        return "a lower bound: cannot say" if "lower_bound" in r.flags else "below the cap"

    parts = [f"{_fuel_evidence(r).text} ({said(r)})" for r in in_years]
    evidence = (Evidence("reference_caps", cap.key, cap.adopted.isoformat(),
                         f"{cap.instrument}: refined petroleum capped at {cap.value:,.0f} "
                         "barrels a year", cap.urls[0] if cap.urls else None),
                *(_fuel_evidence(r) for r in in_years))
    detail = f"cap {cap.value:,.0f} barrels a year; " + "; ".join(parts)
    year = years[0]
    if stance == "exceeds":
        if above:
            return Verdict(VerdictKind.SUPPORTED, f"at least one {year} figure exceeds the cap: "
                           f"{detail}", evidence, "fuel", "fuel.above-or-within-cap")
        return Verdict(VerdictKind.UNVERIFIED, f"no loaded {year} figure exceeds the cap, but "
                       f"unreported deliveries may: {detail}", evidence,
                       "fuel", "fuel.above-or-within-cap")
    if above:
        return Verdict(VerdictKind.CONTRADICTED, f"the claim says deliveries stayed within the "
                       f"cap, but a {year} figure exceeds it: {detail}", evidence,
                       "fuel", "fuel.above-or-within-cap")
    if full:
        return Verdict(VerdictKind.SUPPORTED, f"the full-year {year} figure is below the cap "
                       f"(unreported deliveries are not counted): {detail}", evidence,
                       "fuel", "fuel.above-or-within-cap")
    return Verdict(VerdictKind.UNVERIFIED, f"no loaded {year} figure exceeds the cap, but none "
                   f"covers the whole year: {detail}", evidence,
                       "fuel", "fuel.above-or-within-cap")
