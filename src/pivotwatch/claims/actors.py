"""Countries named in prose: names, adjectives, capitals, leaders and institutions.

Terms come from ``data/claims/actors.csv`` (case-insensitive unless marked exact, with common
misspellings listed). A capitalised word of five or more letters that no term matches but that
is one edit (insertion, deletion, substitution or swap of neighbours) from a single-word name,
adjective or capital also counts ("Moskow", "Beijng"); shorter words are left alone because
one edit turns too many of them into something else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import compress
from operator import attrgetter, itemgetter

from pivotwatch.claims.lexicon import Match, actor_codes, fuzzy_actor_names
from pivotwatch.claims.tokens import Tokens, tokenize

# Real words one edit from a watched name, which must not be read as it.
NOT_MISSPELLINGS = frozenset({"prussian", "prussia", "indiana", "indians", "chinas", "korean",
                              "koreans", "russell", "indies", "iranians", "japans", "mongol",
                              "green", "greed", "greet", "parts", "parks", "pairs", "trench",
                              "somalis", "berliner", "danish", "canadas"})


def _within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or
    transposition of adjacent letters."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:] or (
            i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])
    return a[i + 1:] == b[i:] if la > lb else a[i:] == b[i + 1:]


@lru_cache(maxsize=4096)
def fuzzy_actor(word: str) -> str | None:
    """The ISO3 code of the one watched name a capitalised word misspells, or None."""
    low = word.lower()
    if len(low) < 5 or not low.isalpha() or low in NOT_MISSPELLINGS:
        return None
    table = fuzzy_actor_names()
    found = set()
    for key in {low} | {low[:k] + low[k + 1:] for k in range(len(low))}:
        for name, iso3 in table.get(key, ()):
            if _within_one_edit(low, name):
                found.add(iso3)
    return found.pop() if len(found) == 1 else None


def find_actors(tok: Tokens) -> list[Match]:
    """Actor mentions in a tokenised document (payload: ISO3 code), in order."""
    index = actor_codes()
    hits = index.find(tok.lows, tok.words, tok.starts, tok.ends)
    found = [h for h in hits if h.payload is not None]  # None: a place, not an actor
    words, lows = tok.words, tok.lows
    # Capitalised words, found in one C-level pass, and their misspelt names (cached, None
    # for most): only the few that misspell one take a Python step.
    capitalised = list(compress(range(len(words)), map(str.isupper, map(itemgetter(0), words))))
    codes = list(map(fuzzy_actor, map(words.__getitem__, capitalised)))
    covered = None
    for i, iso3 in compress(zip(capitalised, codes, strict=True), codes):
        if covered is None:
            covered = {k for h in hits for k in range(h.first, h.last)}
        if i in covered or lows[i] in index:
            continue
        found.append(Match(i, i + 1, tok.starts[i], tok.ends[i], iso3))
    found.sort(key=attrgetter("start"))
    return found


# Who says it, not who it is about: "the South Korean trade agency said", "Seoul estimated",
# "according to Japan's defence ministry".
_SAYS_AFTER = re.compile(r"(?:['’]s)?(?:[ \t]+[\w-]+){0,4}?[ \t]+(?:said|says|reported|reports|"
                         r"estimated|estimates|told|claimed|claims|believes|assessed|noted)\b")
_ACCORDING = re.compile(r"\b(?:according to|citing|cited by|per)[ \t]+(?:the[ \t]+)?"
                        r"(?:[\w-]+[ \t]+){0,3}$", re.IGNORECASE)


def is_source(text: str, mention: Match) -> bool:
    """Whether a country mention names the source of the claim ("Seoul said", "the South
    Korean trade agency said", "according to Japan's defence ministry")."""
    return bool(_SAYS_AFTER.match(text, mention.end, mention.end + 50)) or \
        bool(_ACCORDING.search(text, max(0, mention.start - 40), mention.start))


def sources_of(text: str) -> set[str]:
    """The countries a claim names only as the source of what it says ("Russia and North
    Korea traded $60 million, the South Korean trade agency said": South Korea)."""
    mentions = find_actors(tokenize(text))
    said = {m.payload for m in mentions if is_source(text, m)}
    return said - {m.payload for m in mentions if not is_source(text, m)}

