"""Whether a record is about the people and places a claim names.

A record of another event can share a claim's dyad, kind and month ("Belousov visited
Pyongyang" and "Putin did not visit Pyongyang"): before it may settle a denial, every proper
name of the claim must appear in the record's description, in the order the claim gives them
(the one who did it before where it was done). Names are the claim's capitalised words (months,
days and sentence openers left out) and the countries, capitals and leaders it names in any
case ("putin", "moscow's"). A country's names and the DPRK-style acronyms stand for each other;
a capital stands for its country, and a country for its capital only as a place ("did not
visit North Korea" is refuted by a visit to Pyongyang, "did not visit Pyongyang" is not by a
visit to North Korea). A capital that opens the sentence is the government ("Pyongyang did not
send..."), so it stands for its country too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pivotwatch.claims.actors import find_actors
from pivotwatch.claims.tokens import tokenize

# ISO3 -> (names of the country, its capital); only the countries the project watches, whose
# names the timeline uses.
_COUNTRIES = {
    "PRK": (("North Korea", "North Korean", "DPRK", "Democratic People's Republic of Korea"),
            "Pyongyang"),
    "RUS": (("Russia", "Russian Federation"), "Moscow"),
    "CHN": (("China", "PRC", "People's Republic of China"), "Beijing"),
    "KOR": (("South Korea", "ROK", "Republic of Korea"), "Seoul"),
    "IND": (("India",), "New Delhi"),
    "IRN": (("Iran",), "Tehran"),
    "VNM": (("Vietnam", "Viet Nam"), "Hanoi"),
    "MNG": (("Mongolia",), "Ulaanbaatar"),
    "USA": (("United States", "US", "USA"), "Washington"),
}
_COUNTRY_OF = {n.lower(): iso for iso, (names, _) in _COUNTRIES.items() for n in names}
_CAPITAL_OF = {capital.lower(): iso for iso, (_, capital) in _COUNTRIES.items()}
# Capitalised words in a row ("Kim Jong Un", "Republic of Korea"); a possessive ends a name
# ("Moscow's Victory Day parade": Moscow, then Victory Day).
_CAPITALISED = re.compile(r"[A-Z][\w.-]*(?:['’]s\b|(?:[ \t]+(?:of[ \t]+)?[A-Z][\w.-]*)*"
                          r"(?:['’]s\b)?)")
_POSSESSIVE = re.compile(r"['’]s$")
_NOT_NAME_WORDS = """
the a an in on at by to of for from and or but as after before during since until when while
it its he she they their this that these those there here his her we our who what which
according reports report officials some many most few all no not never yet also however
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday
"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


@dataclass(frozen=True)
class Name:
    """A name of the claim and the spellings a record may give it in."""

    text: str
    start: int
    spellings: tuple[str, ...]


def _spellings(name: str, opens: bool) -> tuple[str, ...]:
    low = name.lower()
    if low in _COUNTRY_OF:
        names, capital = _COUNTRIES[_COUNTRY_OF[low]]
        return (*names, capital)
    if low in _CAPITAL_OF and opens:
        names, capital = _COUNTRIES[_CAPITAL_OF[low]]
        return (capital, *names)
    return (name,)


def claim_names(text: str, before: int) -> list[Name]:
    """The proper names of a claim, in order; ``before``: where the verb the claim denies
    starts, so that a capital before it is read as its government."""
    found: dict[str, tuple[int, int]] = {}
    for m in _CAPITALISED.finditer(text):
        words = m.group().split()
        start = m.start()
        while words and words[0].lower().strip(".") in _NOT_NAMES:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
            words = words[1:]
        while words and words[-1].lower().strip(".") in _NOT_NAMES:
            words = words[:-1]
        name = _POSSESSIVE.sub("", " ".join(words)).rstrip(".")
        if len(name) > 1 and name.lower() not in found:
            found[name.lower()] = (start, start + len(name))
    for m in find_actors(tokenize(text)):
        raw = _POSSESSIVE.sub("", text[m.start:m.end])
        if raw.lower() not in found and not any(a <= m.start < b for a, b in found.values()):
            found[raw.lower()] = (m.start, m.start + len(raw))
    names = []
    for start, end in sorted(found.values()):
        # a name inside a longer one ("Kim" in "Kim Jong Un") adds nothing
        if any(a <= start and end <= b and (a, b) != (start, end) for a, b in found.values()):
            continue
        names.append(Name(text[start:end], start, _spellings(text[start:end], start < before)))
    return names


def _first(spellings: tuple[str, ...], record: str) -> int | None:
    hits = [m.start() for s in spellings
            for m in [re.search(rf"(?<!\w){re.escape(s)}(?!\w)", record, re.IGNORECASE)] if m]
    return min(hits) if hits else None


def _last(spellings: tuple[str, ...], record: str) -> int | None:
    hits = [m.start() for s in spellings
            for m in re.finditer(rf"(?<!\w){re.escape(s)}(?!\w)", record, re.IGNORECASE)]
    return max(hits) if hits else None


def same_people_and_places(names: list[Name], record: str, before: int) -> bool:
    """True when a record names every one of the claim's ``names`` (a claim that names none
    cannot be matched), and those before the denied verb (who did it) come in the record
    before the last mention of those after it (where, to whom)."""
    if not names:
        return False
    if any(_first(n.spellings, record) is None for n in names):
        return False
    doers = [n for n in names if n.start < before]
    rest = [n for n in names if n.start >= before]
    return all(_first(d.spellings, record) < _last(r.spellings, record)
               for d in doers for r in rest if not set(d.spellings) & set(r.spellings))


def missing_names(names: list[Name], record: str) -> list[str]:
    """The claim's names a record does not give."""
    return [n.text for n in names if _first(n.spellings, record) is None]
