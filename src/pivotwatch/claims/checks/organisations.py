"""Organisation names and memberships against `data/reference/organizations.csv`.

A wrong name (a word of an organisation's name replaced, such as "Shanghai Security
Organisation") is contradicted with the canonical name; a misspelt one (a letter or two wrong
inside a word, "Shanghai Cooperaton Organisation") is noted and read as the organisation, so
the claim is judged on what it says of it. A membership claim ("X is a member / an observer /
a dialogue partner of Y", "X joined Y", "X is not part of Y") is checked for each country named
before the role word against the members, observers and dialogue partners on record (a
country set against them, "Vietnam, unlike India, ...", is not checked; "neither X nor Y"
denies the role to both); a claim that names no organisation refers to the last one the
document named. A founding date is
checked against the date in the organisation's notes.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from pivotwatch.claims.actors import find_actors
from pivotwatch.claims.lexicon import Organisation, organisations
from pivotwatch.claims.model import Claim
from pivotwatch.claims.tokens import tokenize
from pivotwatch.claims.verdicts import Evidence, Verdict, VerdictKind
from pivotwatch.taxonomy.countrycodes import from_name

_ROLES = (("dialogue partner", re.compile(r"\bdialogue partners?\b", re.IGNORECASE)),
          ("observer", re.compile(r"\bobservers?\b", re.IGNORECASE)),
          ("member", re.compile(r"\b(?:full )?members?(?:hip)?\b|\bjoin(?:ed|s)?\b|\bpart of\b"
                                r"|\bbelong(?:s|ed)? to\b", re.IGNORECASE)))
_FOUNDED = re.compile(r"\b(founded|established|set up|created)\b", re.IGNORECASE)
_NOTE_FOUNDED = re.compile(r"Founded (\d{4})-(\d{2})-(\d{2})")
_DIALOGUE = re.compile(r"Dialogue partners[^:]*:\s*([A-Z;]+)")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
# What refers back to the organisation named before: "the organisation", "the bloc", or "It"
# opening the sentence.
_ANAPHOR = re.compile(r"\bthe\s+(?:organi[sz]ation|bloc|grouping|group|alliance|forum|club)\b|"
                      r"^\s*(?:It|Its)\b", re.IGNORECASE)
# An organisation-like name after a role word: an acronym ("CSTO", "BRICS+") or capitalised
# words ("Eurasian Economic Union").
_ORG_AFTER = re.compile(r".{0,40}?\b(?:of|in|to|at|joined|join|joins)\s+(?:the\s+)?"
                        r"([A-Z]{2,8}\+?(?![\w-])|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)")
# A role of something named: "a member of X", "an observer in X", "joined X".
_ROLE_OF = re.compile(r"[\w ]{0,25}?\b(?:of|in|joined|join|joins)\s+(?:the\s+)?[A-Z]")
_JOINED = re.compile(r"\bjoin(?:ed|s)?\b|\bbecame\b|\badmitted\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:join(?:ed|s)?|admitted|became|left|withdr[e]?w\w*|suspended|"
                     r"upgraded|granted|expelled)\b", re.IGNORECASE)


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


# Between two countries of one list: a comma, "and", "nor", a slash, or an aside that likens
# them ("Vietnam, like Mongolia, is").
_LIST_GAP = re.compile(r"^(?:\s*,\s*|\s*,?\s+(?:and|&|nor)\s+|\s*/\s*|\s*,\s*(?:like|as with|"
                       r"along with|together with|as well as)\s+)$", re.IGNORECASE)
# An aside that sets countries against the subject, up to its comma: ", unlike India,",
# "Unlike India,", ", but not Vietnam,".
_CONTRAST = re.compile(r"(?:^|,)\s*(?:unlike|in contrast to|as opposed to|contrary to|"
                       r"(?:but |though |and )?not)\b[^,;]*,", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r";|\b(?:but|while|whereas|although|though|and)\b", re.IGNORECASE)
_NEITHER = re.compile(r"\bneither\s+(?:the\s+)?$", re.IGNORECASE)
# A negation that belongs to the role word after it ("not a full member", "neither a member
# nor an observer", "not a member, observer or dialogue partner").
_ROLE_NEGATION = re.compile(r"(?:\b(?:not|never|neither|nor|no longer)|n't)(?:[\s,]+(?:yet|even|"
                            r"been|become|a|an|the|full|formal|permanent|members?|observers?|"
                            r"dialogue|partners?|or|nor|and))*(?:[\s,]+(?!only\b)\w+)?[\s,]+$",
                            re.IGNORECASE)
# A negation of the whole clause, after the role it denies ("X, an observer according to
# some, has never held that status").
_CLAUSE_NEGATION = re.compile(r"(?:\b(?:not|never|no longer)\b|n't\b)", re.IGNORECASE)


def _another_clause(text: str) -> bool:
    """True when ``text`` (between a role word and a negation) opens a clause about another
    country ("..., but Vietnam", "; Vietnam"): the negation is that country's. A country in
    an aside ("according to several Russian commentators") opens none."""
    breaks = list(_CLAUSE_BREAK.finditer(text))
    if not breaks:
        return False
    rest = text[breaks[-1].end():]
    return bool(find_actors(tokenize(rest))) or any(
        from_name(m.group()) for m in _CAPITALISED.finditer(rest))


def _subjects(text: str, before: int) -> tuple[list[str], bool]:
    """The countries the role word is about, and whether "neither" opens their list: the last
    country named before it and those listed with it ("China, Russia and India are members",
    "Neither Mongolia nor Vietnam is"); "After the Ukraine war, Iran joined" is about Iran
    only. A country set against them in an aside ("Vietnam, unlike India, has never joined")
    is not one of them: the sentence implies the opposite of it, which it does not assert."""
    mentions = [(m.start, m.end, m.payload) for m in find_actors(tokenize(text[:before]))]
    for m in _CAPITALISED.finditer(text[:before]):
        if any(a <= m.start() < b for a, b, _ in mentions):
            continue
        code = from_name(m.group())
        if code:
            mentions.append((m.start(), m.end(), code))
    asides = [a.span() for a in _CONTRAST.finditer(text, 0, before)]
    mentions = sorted(m for m in mentions if not any(a <= m[0] < b for a, b in asides))
    if not mentions:
        return [], False
    chain = [mentions[-1]]
    for m in reversed(mentions[:-1]):
        if not _LIST_GAP.match(text[m[1]:chain[-1][0]]):
            break
        chain.append(m)
    neither = bool(_NEITHER.search(text, 0, chain[-1][0]))
    return list(dict.fromkeys(code for _, _, code in reversed(chain))), neither


def _names(claim: Claim) -> tuple[list[Verdict], list[Verdict]]:
    """Wrong names (contradicted) and misspelt names (notes) among the claim's
    organisations."""
    wrong, notes = [], []
    for mention in claim.organisations:
        org = organisation(mention.canonical) if mention.canonical else None
        if mention.matched_as == "wrong_name" and org:
            wrong.append(Verdict(VerdictKind.CONTRADICTED, f"'{mention.raw}' is not the name "
                                 f"of an organisation on record: it is {_name(org)}",
                                 (_evidence(org),), "organisations", "organisations.wrong-name"))
        elif mention.matched_as == "misspelt" and org:
            notes.append(Verdict(VerdictKind.UNVERIFIED, f"'{mention.raw}' is read as "
                                 f"{_name(org)} (misspelt)", (_evidence(org),), "organisations",
                                 "organisations.misspelt-name"))
    return wrong, notes


def check_organisations(claim: Claim, previous: Organisation | None,
                        now: date | None = None) -> list[Verdict]:
    """Wrong names, memberships and founding dates of the organisations a claim names (or
    refers back to: "the bloc"); ``now``: the document's date, after which the lists on
    record are today's (a claim about an earlier period is never refuted by them). A
    misspelling's note comes last, so that a check of the same strength decides before it."""
    wrong, notes = _names(claim)
    return [*wrong, *_contents(claim, previous, now), *notes]


def _contents(claim: Claim, previous: Organisation | None, now: date | None) -> list[Verdict]:
    """Memberships and founding dates of the organisation a claim names or refers back to."""
    out: list[Verdict] = []
    named = [organisation(m.canonical) for m in claim.organisations if m.canonical]
    org = next((o for o in named if o and (o.members or o.observers)), None)
    roles = sorted(((m.start(), name, bool(_ROLE_NEGATION.search(claim.text, 0, m.start())))
                    for name, p in _ROLES for m in p.finditer(claim.text)))
    if org is None and roles:
        unknown = _unknown_organisation(claim, roles[0][0])
        if unknown:
            return [*out, Verdict(VerdictKind.UNVERIFIED, f"{unknown} is not among the "
                                  "organisations on record", check="organisations",
                                  rule="organisations.not-on-record")]
    if org is None and not claim.organisations and roles and (
            _ANAPHOR.search(claim.text) or not _ROLE_OF.match(claim.text, roles[0][0])):
        # "the organisation", "the bloc", a leading "It", or a role of nothing named ("Pakistan
        # is a full member."): the organisation the document named last
        org = previous
    if org is None:
        return out
    if roles and not any(denied for _, _, denied in roles):
        later = _CLAUSE_NEGATION.search(claim.text, roles[0][0])
        if later and _another_clause(claim.text[roles[0][0]:later.start()]):
            later = None  # "India is a member, but Vietnam is not": another country's clause
        roles = [(at, name, bool(later)) for at, name, _ in roles]
    if roles:
        past = _past(claim, now)
        asked = []
        for at, name, denied in roles:
            # each role word is about the countries named last before it: "Iran joined the
            # SCO, and Mongolia remains an observer" makes Mongolia, not Iran, an observer
            subjects, neither = _subjects(claim.text, at)
            asked.append((name, denied or neither, tuple(subjects)))
        for name, denied, subjects in dict.fromkeys(asked):
            found = _membership(org, name, denied, list(subjects))
            if past:  # the list on record is today's: it cannot refute what was so then
                found = [_in_the_past(v, org, iso3, past) for v, iso3
                         in zip(found, subjects, strict=True)]
            out += found
    founded = _FOUNDED.search(claim.text)
    if founded and claim.times:
        out.append(_founding(claim, org))
    return out


def _unknown_organisation(claim: Claim, role_at: int) -> str | None:
    """The organisation-like name a membership claim gives that is not on record: one
    extraction left unresolved, else an acronym or capitalised name after the role word
    ("a member of the CSTO", "joined BRICS"); None when it names none."""
    for m in claim.organisations:
        if m.canonical is None:
            return m.raw
    after = _ORG_AFTER.match(claim.text, role_at)
    if after and not from_name(after.group(1)) and \
            not find_actors(tokenize(after.group(1))):
        return after.group(1)
    return None


def _past(claim: Claim, now: date | None) -> tuple[int, str] | None:
    """(last year, words) of the claim's period when it ended before ``now`` ("in 2020",
    "before 2023"), else None: "joined in 2023" says what has been so since, and a claim with
    no period is about now."""
    timed = [t for t in claim.times if t.start or t.end]
    if now is None or not timed or _JOINED.search(claim.text):
        return None
    if any(t.end is None or t.end >= now for t in timed):
        return None
    return max(t.end.year for t in timed if t.end), ", ".join(f"'{t.raw}'" for t in timed)


def _in_the_past(v: Verdict, org: Organisation, iso3: str, period: tuple[int, str]) -> Verdict:
    """A membership verdict for a past period from today's list: it stands only when the list
    agrees and its notes record no change for the country (a founding after the period is
    one); otherwise unverified, never contradicted."""
    year, words = period
    notes = _notes(org.canonical)[0]
    founded = _NOTE_FOUNDED.search(notes)
    changed = _changed(notes, iso3)
    if v.verdict is VerdictKind.SUPPORTED and not changed and \
            not (founded and int(founded.group(1)) > year):
        return Verdict(v.verdict, f"{v.explanation} today, and the notes on record give no "
                       f"change since {words}", v.evidence, v.check,
                       "organisations.membership-past")
    note = f" (the notes say: {changed})" if changed else ""
    return Verdict(VerdictKind.UNVERIFIED, f"the list of {_name(org)} on record describes the "
                   f"present ({v.explanation.split(';')[0]}){note}; it cannot say what was so "
                   f"then ({words})", v.evidence, v.check, "organisations.membership-past")


def _changed(notes: str, iso3: str) -> str | None:
    """The sentence of an organisation's notes that records a change for a country ("Belarus
    joined in 2024"), or None."""
    for sentence in re.split(r"(?<=[.;])\s+", notes):
        if _CHANGE.search(sentence) and any(
                m.payload == iso3 for m in find_actors(tokenize(sentence))):
            return sentence.rstrip(".;")
    return None


def _membership(org: Organisation, role: str, denied: bool,
                subjects: list[str]) -> list[Verdict]:
    """Each country's status against one role the claim gives it, or denies it ("an observer,
    not a full member": observer asserted, member denied)."""
    out = []
    for iso3 in subjects:
        actual = status(org, iso3)
        article = "an" if actual and actual[0] in "aeiou" else "a"
        what = f"{article} {actual}" if actual else "not a member, observer or dialogue partner"
        where = f"{iso3} is {what} of {_name(org)}"
        ok = actual != role if denied else actual == role
        claimed = f"{'an' if role[0] in 'aeiou' else 'a'} {role}"
        line = where if ok else f"{where}; the claim says it is {'not ' * denied}{claimed}"
        verdict = VerdictKind.SUPPORTED if ok else VerdictKind.CONTRADICTED
        out.append(Verdict(verdict, line, (_evidence(org),), "organisations",
                           "organisations.membership"))
    return out


def _founding(claim: Claim, org: Organisation) -> Verdict:
    m = _NOTE_FOUNDED.search(_notes(org.canonical)[0])
    if not m:
        return Verdict(VerdictKind.UNVERIFIED, f"no founding date on record for {_name(org)}",
                       check="organisations", rule="organisations.founding-date")
    year, month = int(m.group(1)), int(m.group(2))
    t = claim.times[0]
    ok = t.start is not None and t.start.year == year and (
        t.precision not in ("day", "month") or t.start.month == month)
    text = f"{_name(org)} was founded on {m.group(1)}-{m.group(2)}-{m.group(3)}"
    return Verdict(VerdictKind.SUPPORTED if ok else VerdictKind.CONTRADICTED, text,
                   (_evidence(org),), "organisations", "organisations.founding-date")


def last_organisation(claim: Claim, previous: Organisation | None) -> Organisation | None:
    """The organisation a later claim's "the organisation" refers to."""
    for mention in reversed(claim.organisations):
        org = organisation(mention.canonical) if mention.canonical else None
        if org and (org.members or org.observers):
            return org
    return previous
