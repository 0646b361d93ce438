"""Organisation names and memberships against `data/reference/organizations.csv`.

A wrong name (a near miss of an organisation's name, such as "Shanghai Security Organisation")
is contradicted with the canonical name. A membership claim ("X is a member / an observer /
a dialogue partner of Y", "X joined Y", "X is not part of Y") is checked for each country named
before the role word against the members, observers and dialogue partners on record; a claim
that names no organisation refers to the last one the document named. A founding date is
checked against the date in the organisation's notes.
"""

from __future__ import annotations

import re
from functools import cache

from pivotwatch.claims.actors import find_actors
from pivotwatch.claims.lexicon import Organisation, organisations
from pivotwatch.claims.model import Claim
from pivotwatch.claims.tokens import tokenize
from pivotwatch.claims.verdicts import Evidence, Verdict, VerdictKind
from pivotwatch.taxonomy.countrycodes import from_name

_NEGATION = re.compile(r"\b(not|never|neither|nor|no longer|isn't|wasn't)\b", re.IGNORECASE)
_ROLES = (("dialogue partner", re.compile(r"\bdialogue partners?\b", re.IGNORECASE)),
          ("observer", re.compile(r"\bobservers?\b", re.IGNORECASE)),
          ("member", re.compile(r"\b(?:full )?members?(?:hip)?\b|\bjoin(?:ed|s)?\b|\bpart of\b",
                                re.IGNORECASE)))
_FOUNDED = re.compile(r"\b(founded|established|set up|created)\b", re.IGNORECASE)
_NOTE_FOUNDED = re.compile(r"Founded (\d{4})-(\d{2})-(\d{2})")
_DIALOGUE = re.compile(r"Dialogue partners[^:]*:\s*([A-Z;]+)")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")


@cache
def _notes(canonical: str) -> tuple[str, str]:
    import csv
    from importlib.resources import files

    text = (files("pivotwatch") / "data" / "reference" / "organizations.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["canonical_name"].strip() == canonical:
            url = (row.get("source_url") or "").split(" ; ")[0].strip()
            return row.get("notes") or "", url
    return "", ""


def organisation(canonical: str) -> Organisation | None:
    return next((o for o in organisations() if o.canonical == canonical), None)


def dialogue_partners(org: Organisation) -> tuple[str, ...]:
    m = _DIALOGUE.search(_notes(org.canonical)[0])
    return tuple(c for c in m.group(1).split(";") if c) if m else ()


def _name(org: Organisation) -> str:
    return f"the {org.canonical} ({org.acronym})" if org.acronym else f"the {org.canonical}"


def _evidence(org: Organisation) -> Evidence:
    notes, url = _notes(org.canonical)
    text = (f"{org.canonical}: members {', '.join(org.members) or 'none listed'}; "
            f"observers {', '.join(org.observers) or 'none'}")
    partners = dialogue_partners(org)
    if partners:
        text += f"; dialogue partners {', '.join(partners)}"
    return Evidence("organizations", org.acronym or org.canonical, None, text, url or None)


def status(org: Organisation, iso3: str) -> str | None:
    """member, observer, dialogue partner, or None."""
    if iso3 in org.members:
        return "member"
    if iso3 in org.observers:
        return "observer"
    if iso3 in dialogue_partners(org):
        return "dialogue partner"
    return None


def _subjects(text: str, before: int) -> list[str]:
    """Countries named before ``before``: the lexicon's, then other country names."""
    mentions = find_actors(tokenize(text[:before]))
    found = [m.payload for m in mentions]
    for m in _CAPITALISED.finditer(text[:before]):
        if any(a.start <= m.start() < a.end for a in mentions):
            continue
        code = from_name(m.group())
        if code:
            found.append(code)
    return list(dict.fromkeys(found))


def check_organisations(claim: Claim, previous: Organisation | None) -> list[Verdict]:
    """Wrong names, memberships and founding dates of the organisations a claim names."""
    out = []
    named = [organisation(m.canonical) for m in claim.organisations if m.canonical]
    for mention in claim.organisations:
        org = organisation(mention.canonical) if mention.canonical else None
        if mention.matched_as == "wrong_name" and org:
            out.append(Verdict(VerdictKind.CONTRADICTED, f"'{mention.raw}' is not the name of "
                               f"an organisation on record: it is {_name(org)}",
                               (_evidence(org),), "organisations"))
    org = next((o for o in named if o and (o.members or o.observers)), None) or (
        previous if not named else None)
    if org is None:
        return out
    role = next(((name, m) for name, p in _ROLES for m in [p.search(claim.text)] if m), None)
    if role is not None:
        out += _membership(claim, org, role[0], role[1].start())
    founded = _FOUNDED.search(claim.text)
    if founded and claim.times:
        out.append(_founding(claim, org))
    return out


def _membership(claim: Claim, org: Organisation, role: str, at: int) -> list[Verdict]:
    negated = bool(_NEGATION.search(claim.text))
    out = []
    for iso3 in _subjects(claim.text, at):
        actual = status(org, iso3)
        article = "an" if actual and actual[0] in "aeiou" else "a"
        what = f"{article} {actual}" if actual else "not a member, observer or dialogue partner"
        where = f"{iso3} is {what} of {_name(org)}"
        if negated:
            ok = actual is None or (role != "member" and actual != role)
        else:
            ok = actual == role or (role == "member" and actual == "member")
        verdict = VerdictKind.SUPPORTED if ok else VerdictKind.CONTRADICTED
        out.append(Verdict(verdict, where if ok else f"{where}, not as the claim says",
                           (_evidence(org),), "organisations"))
    return out


def _founding(claim: Claim, org: Organisation) -> Verdict:
    m = _NOTE_FOUNDED.search(_notes(org.canonical)[0])
    if not m:
        return Verdict(VerdictKind.UNVERIFIED, f"no founding date on record for {_name(org)}",
                       check="organisations")
    year, month = int(m.group(1)), int(m.group(2))
    t = claim.times[0]
    ok = t.start is not None and t.start.year == year and (
        t.precision not in ("day", "month") or t.start.month == month)
    text = f"{_name(org)} was founded on {m.group(1)}-{m.group(2)}-{m.group(3)}"
    return Verdict(VerdictKind.SUPPORTED if ok else VerdictKind.CONTRADICTED, text,
                   (_evidence(org),), "organisations")


def last_organisation(claim: Claim, previous: Organisation | None) -> Organisation | None:
    """The organisation a later claim's "the organisation" refers to."""
    for mention in reversed(claim.organisations):
        org = organisation(mention.canonical) if mention.canonical else None
        if org and (org.members or org.observers):
            return org
    return previous
