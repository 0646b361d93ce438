"""Figures checked against the curated reference tables: Russia–DPRK trade in USD
(`reference_trade`), refined-petroleum deliveries in barrels (`reference_fuel`) and the UNSCR
2397 caps (`reference_caps`).

Trade: the claim's year (or the latest reference year when it names none, said as "latest") and
flow (the total unless the text names one direction; a `target` row only for a claim about a
goal or target). Fuel: figures of different bases (reported to the UN, government estimate,
open-source estimate) are never mixed or added; a figure is compared with rows of the basis the
text names (any basis when it names none) whose period overlaps the claim's. A row contradicts
only when it covers the whole period the claim speaks of, and a lower bound never contradicts a
larger figure. A claim that deliveries exceeded the cap is checked against the cap and every
basis for that year, and the explanation gives each.
"""

from __future__ import annotations

import re
from datetime import date

from pivotwatch.claims.checks.refdata import ReferenceData, RefFuel, RefTrade
from pivotwatch.claims.checks.text import agrees, claimed, money, spans, years_of
from pivotwatch.claims.model import Claim, Quantity
from pivotwatch.claims.verdicts import NO_REFERENCE, Evidence, Verdict, VerdictKind
from pivotwatch.sources.reference_figures import BASES

TRADE_TOPICS = frozenset({"trade_volume", "trade_target"})
_TARGET = re.compile(r"\b(target|goal|aim|plan)", re.IGNORECASE)
_DPRK_EXPORTS = re.compile(r"exports?\s+(?:\w+\s+){0,3}to russia|russia\w*\s+imports?\b|"
                           r"imports? from (?:north korea|the dprk)", re.IGNORECASE)
_DPRK_IMPORTS = re.compile(r"imports?\s+(?:\w+\s+){0,3}from russia|russia\w*\s+exports?\b|"
                           r"exports? to (?:north korea|the dprk)", re.IGNORECASE)
_CAP = re.compile(r"\bcap(?:ped|s)?\b|\bceiling\b", re.IGNORECASE)
_EXCEEDS = re.compile(r"\b(exceed\w*|above|over|beyond|breach\w*|more than|past)\b[^.]{0,40}"
                      r"\bcap\b", re.IGNORECASE)
_BASIS_WORDS = (
    ("reported_to_un", re.compile(r"\breport(ed|s)?\b|notif|1718|official", re.IGNORECASE)),
    ("government_estimate", re.compile(r"white house|government|\bus said|washington",
                                       re.IGNORECASE)),
    ("open_source_estimate", re.compile(r"open[- ]source|tracking|satellite imagery|tanker",
                                        re.IGNORECASE)),
)
_FLOW_WORDS = {"total": "total trade", "dprk_imports_from_rus": "DPRK imports from Russia",
               "dprk_exports_to_rus": "DPRK exports to Russia", "target": "trade target"}


def _trade_evidence(row: RefTrade) -> Evidence:
    what = _FLOW_WORDS.get(row.flow, row.flow)
    flags = f" ({', '.join(row.flags)})" if row.flags else ""
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


def _flow(text: str) -> str:
    if _TARGET.search(text):
        return "target"
    if _DPRK_EXPORTS.search(text):
        return "dprk_exports_to_rus"
    if _DPRK_IMPORTS.search(text):
        return "dprk_imports_from_rus"
    return "total"


def check_trade(claim: Claim, ref: ReferenceData) -> list[Verdict]:
    """Each USD figure of a trade claim against the reference row of its year and flow."""
    figures = [q for q in claim.quantities if q.unit == "usd" and
               (q.topic in TRADE_TOPICS or claim.topic in TRADE_TOPICS)]
    if not figures:
        return []
    if "reference_trade" in ref.missing:
        return [Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="trade")]
    if not {"RUS", "PRK"} <= set(claim.actors):
        return [Verdict(VerdictKind.UNVERIFIED, "the reference trade figures cover "
                        "Russia–North Korea only", check="trade")]
    flow = _flow(claim.text)
    rows = [r for r in ref.trade if r.flow == flow]
    years = [y for y in years_of(claim) if any(r.year == y for r in rows)]
    label = ""
    if not years_of(claim) and rows:
        years, label = [max(r.year for r in rows)], "latest "
    if not years:
        named = ", ".join(map(str, years_of(claim)))
        return [Verdict(VerdictKind.UNVERIFIED, f"no reference {_FLOW_WORDS[flow]} figure for "
                        f"{named or 'the period'}", check="trade")]
    return [_trade_figure(q, years, rows, flow, label) for q in figures]


def _trade_figure(q: Quantity, years: list[int], rows: list[RefTrade], flow: str,
                  label: str) -> Verdict:
    mismatched: list[RefTrade] = []
    for year in years:
        for row in (r for r in rows if r.year == year):
            if agrees(q, row.value):
                return Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} matches the {label}"
                               f"reference {_FLOW_WORDS[flow]} for {year}, {money(row.value)} "
                               f"({row.reporter})", (_trade_evidence(row),), "trade")
            mismatched.append(row)
    evidence = tuple(_trade_evidence(r) for r in mismatched)
    firm = [r for r in mismatched if not {"inferred", "partial_year"} & set(r.flags)]
    if not firm:
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} differs from the {label}reference "
                       f"figure, but that figure is inferred or partial", evidence, "trade")
    row = firm[0]
    return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} differs from the {label}reference "
                   f"{_FLOW_WORDS[flow]} for {row.year}, {money(row.value)} ({row.reporter})",
                   evidence, "trade")


# --- fuel -----------------------------------------------------------------------------------

def _basis(text: str) -> str | None:
    for basis, pattern in _BASIS_WORDS:
        if pattern.search(text):
            return basis
    return None


def _cap_row(ref: ReferenceData, commodity: str):
    rows = [c for c in ref.caps if c.commodity == commodity]
    return rows[-1] if rows else None


def check_fuel(claim: Claim, text: str, ref: ReferenceData, now: date) -> list[Verdict]:
    """Barrel figures (deliveries or caps) and claims that deliveries exceeded the cap."""
    figures = [q for q in claim.quantities if q.unit == "barrels"]
    exceeds = bool(_EXCEEDS.search(claim.text)) and claim.topic in (
        "fuel_deliveries", "trade_volume", "crude_oil") or (
        bool(_EXCEEDS.search(claim.text)) and "petroleum" in claim.text.lower())
    if not figures and not exceeds:
        return []
    if "reference_fuel" in ref.missing and "reference_caps" in ref.missing:
        return [Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel")]
    found = []
    for q in figures:
        crude = q.topic == "crude_oil" or "crude" in claim.text.lower()
        if _CAP.search(claim.text) and q.per == "year":
            found.append(_cap_figure(q, ref, "crude_oil" if crude else "refined_petroleum"))
        elif crude:
            found.append(Verdict(VerdictKind.UNVERIFIED, "the reference fuel figures cover "
                                 "refined petroleum, not crude oil", check="fuel"))
        else:
            found.append(_delivery_figure(claim, text, q, ref))
    if exceeds and not figures:
        found.append(_exceeds_cap(claim, text, ref, now))
    return found


def _cap_figure(q: Quantity, ref: ReferenceData, commodity: str) -> Verdict:
    cap = _cap_row(ref, commodity)
    if cap is None:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel")
    evidence = (Evidence("reference_caps", cap.key, cap.adopted.isoformat(),
                         f"{cap.instrument}: {commodity.replace('_', ' ')} capped at "
                         f"{cap.value:,.0f} barrels a year", cap.urls[0] if cap.urls else None),)
    if agrees(q, cap.value):
        return Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} is the {cap.instrument} cap on "
                       f"{commodity.replace('_', ' ')}", evidence, "fuel")
    return Verdict(VerdictKind.CONTRADICTED, f"{cap.instrument} caps {commodity.replace('_', ' ')}"
                   f" at {cap.value:,.0f} barrels a year, not {claimed(q)}", evidence, "fuel")


def _covers(row: RefFuel, span: tuple[date | None, date | None]) -> bool:
    start, end = span
    return start is not None and end is not None and row.start <= start and row.end >= end


def _delivery_figure(claim: Claim, text: str, q: Quantity, ref: ReferenceData) -> Verdict:
    if "reference_fuel" in ref.missing:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel")
    basis = _basis(claim.text)
    rows = [r for r in ref.fuel if r.barrels is not None and (basis is None or r.basis == basis)]
    periods = spans(claim, text)
    label = ""
    if not periods and q.per == "year" and rows:
        latest = max(r.start.year for r in rows)
        periods, label = [(date(latest, 1, 1), date(latest, 12, 31))], "latest "
    if not periods:
        return Verdict(VerdictKind.UNVERIFIED, "the claim gives no period to compare the "
                       "reference fuel figures with", check="fuel")
    near = [r for r in rows for p in periods
            if (p[0] is None or r.end >= p[0]) and (p[1] is None or r.start <= p[1])]
    near = list(dict.fromkeys(near))
    if not near:
        what = BASES.get(basis, "any basis") if basis else "any basis"
        return Verdict(VerdictKind.UNVERIFIED, f"no reference fuel figure ({what}) for the "
                       "period", check="fuel")
    # the row whose period fits the claim's best comes first
    near.sort(key=lambda r: min(abs((r.start - (p[0] or r.start)).days) +
                                abs((r.end - (p[1] or r.end)).days) for p in periods))
    bounds = []
    for row in near:
        verdict = agrees(q, row.barrels, reference_is_lower_bound="lower_bound" in row.flags)
        if verdict:
            return Verdict(VerdictKind.SUPPORTED, f"{claimed(q)} matches the {label}reference "
                           f"figure: {_fuel_evidence(row).text}", (_fuel_evidence(row),), "fuel")
        if verdict is None:
            bounds.append(row)
    whole = [r for r in near if any(_covers(r, p) for p in periods)
             and "lower_bound" not in r.flags]
    evidence = tuple(_fuel_evidence(r) for r in near)
    if whole and not bounds:
        return Verdict(VerdictKind.CONTRADICTED, f"{claimed(q)} differs from the {label}"
                       f"reference figure: {_fuel_evidence(whole[0]).text}", evidence, "fuel")
    if bounds:
        return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is consistent with a lower bound "
                       f"({_fuel_evidence(bounds[0]).text}) but not confirmed by it", evidence,
                       "fuel")
    return Verdict(VerdictKind.UNVERIFIED, f"{claimed(q)} is not among the reference figures "
                   "for parts of that period", evidence, "fuel")


def _exceeds_cap(claim: Claim, text: str, ref: ReferenceData, now: date) -> Verdict:
    cap = _cap_row(ref, "refined_petroleum")
    rows = [r for r in ref.fuel if r.barrels is not None and r.start <= now]
    if cap is None or not rows:
        return Verdict(VerdictKind.UNVERIFIED, NO_REFERENCE, check="fuel")
    years = years_of(claim) or [max(r.start.year for r in rows)]
    in_years = [r for r in rows if r.start.year in years or r.end.year in years]
    if not in_years:
        return Verdict(VerdictKind.UNVERIFIED, f"no reference fuel figure for {years[0]}",
                       check="fuel")
    above = [r for r in in_years if r.barrels > cap.value]
    parts = [f"{_fuel_evidence(r).text} ({'above' if r in above else 'below'} the cap)"
             for r in in_years]
    evidence = (Evidence("reference_caps", cap.key, cap.adopted.isoformat(),
                         f"{cap.instrument}: refined petroleum capped at {cap.value:,.0f} "
                         "barrels a year", cap.urls[0] if cap.urls else None),
                *(_fuel_evidence(r) for r in in_years))
    detail = f"cap {cap.value:,.0f} barrels a year; " + "; ".join(parts)
    if above:
        return Verdict(VerdictKind.SUPPORTED, f"at least one {years[0]} figure exceeds the cap: "
                       f"{detail}", evidence, "fuel")
    return Verdict(VerdictKind.UNVERIFIED, f"no loaded {years[0]} figure exceeds the cap, but "
                   f"unreported deliveries may: {detail}", evidence, "fuel")
