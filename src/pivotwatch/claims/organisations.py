"""Organisations named in prose, resolved against ``data/reference/organizations.csv``.

Exact matches come first: a canonical name or alias in any case, an acronym in its own case.
Then every other capitalised name built around an organisation word ("... Organisation",
"... Council", "Panel of ...") is compared with the reference names word by word, after
folding spelling variants (organization/organisation, center/centre, plurals): the same words
make a ``variant``; the same words but for one or two letters inside some of them (at least
one word exact) make a ``misspelt`` name ("Shanghai Cooperaton Organisation"), which the
checks note and read as the organisation; sharing at least half the words (a misspelt word
counts as shared), one of them distinctive, with a whole word replaced, makes a
``wrong_name`` of the closest organisation ("Shanghai Security Organisation", "Shanghai
Cooperation Association"); a word only added or left out ("Open Source Intelligence Centre",
"Intelligence Service") makes another body or a short form, not a wrong name. Anything else
is ``unresolved``. A misspelt head word
("Organisaton", "Commitee") is found too, but such a name is kept only when it is a
misspelling of a reference name. A possessive before a name is its owner, not part of it
("Seoul's National Intelligence Agency"). Legitimate aliases never reach this step because
the exact match has already claimed their span.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pivotwatch.claims.lexicon import Organisation, actor_index, organisation_index, organisations
from pivotwatch.claims.model import OrgMention, new_org
from pivotwatch.claims.tokens import Tokens

_HEAD_WORDS = ("Organi[sz]ations?", "Councils?", "Committees?", "Panels?", "Programmes?",
               "Programs?", "Team", "Agency", "Centre", "Center", "Service", "Union", "Alliance",
               "Forum", "Bank", "Fund", "Community", "Association", "Commission", "Group")
# A head word at a word start. The pattern opens with the class of initials and checks the
# word start and the rest after it, so the regex engine can skip ahead: with \b first, a
# scan of a long document is three times slower.
_HEAD = re.compile(
    "[" + "".join(sorted({w[0] for w in _HEAD_WORDS})) + r"](?<!\w.)(?:"
    + "|".join(f"(?<={w[0]}){w[1:]}" for w in _HEAD_WORDS) + r")\b")
_NAME_WORD = re.compile(r"[A-Z][\w'’-]*|\d{4}|of|for|on|and|the")
_RIGHT = re.compile(r"(?:\s+(?:of|for|on)(?:\s+the)?(?:\s+[A-Z][\w'’-]*)+)?")
_UN_WORDS = frozenset({"un", "unsc", "u", "n"})
_POSSESSIVE = re.compile(r"['’]s$")
_STOP = frozenset({"of", "for", "on", "and", "the"})
_GENERIC = frozenset({"organisation", "council", "committee", "panel", "programme", "team",
                      "agency", "centre", "service", "union", "alliance", "forum", "bank",
                      "fund", "community", "association", "commission", "group", "un",
                      "united", "nations", "international", "national"})
# Letters a misspelt word may get wrong: one in a word of up to six letters, two in a longer
# one; a word under four letters must be exact ("UN" is no misspelling of "EU").
_TYPO_SHORT, _TYPO_LONG, _TYPO_MIN = 6, 2, 4
_FOLD = {"organization": "organisation", "center": "centre", "program": "programme",
         "expert": "experts", "defense": "defence"}


def _words(name: str) -> frozenset[str]:
    out = set()
    for word in re.findall(r"[^\W_]+", name.lower()):
        if word in _STOP:
            continue
        word = _FOLD.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = _FOLD.get(word[:-1], word[:-1])
        out.add(word)
    return frozenset(out)


@cache
def _reference_words() -> list[tuple[frozenset[str], frozenset[str], Organisation]]:
    """(words, place words, organisation) of every reference name."""
    return [(_words(name), _places(name), org) for org in organisations()
            for name in _names(org)]


def _places(name: str) -> frozenset[str]:
    """The words of a name that say whose or where it is: countries and their adjectives
    ("DPRK", "North Korea", "Russian") and "UN". Adding, dropping or swapping them makes
    another body or a short form ("UN Sanctions Committee"), never a wrong name."""
    words = re.findall(r"[^\W_]+", name)
    zeros = [0] * len(words)
    hits = actor_index().find([w.lower() for w in words], words, zeros, zeros)
    named = " ".join(w for h in hits for w in words[h.first:h.last])
    return _words(named) | (_words(name) & _UN_WORDS)


def _names(org: Organisation) -> tuple[str, ...]:
    """An organisation's names: canonical, aliases, and an acronym of several words ("1718
    Committee"), which is a name as much as an alias is."""
    acronym = (org.acronym,) if len(org.acronym.split()) > 1 else ()
    return (org.canonical, *org.aliases, *acronym)


def _mention(raw: str, org: Organisation | None, how: str, start: int, end: int) -> OrgMention:
    if org is None:
        return new_org(raw, None, None, how, (), (), start, end)
    return new_org(raw, org.canonical, org.acronym or None, how, org.members, org.observers,
                      start, end)


def _distance(a: str, b: str, limit: int) -> int:
    """Letters to change, add, drop or swap to turn ``a`` into ``b`` (optimal string
    alignment), or ``limit + 1`` as soon as it must be more than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(row[j] + 1, cur[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], before[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        before, row = row, cur
    return row[-1]


@lru_cache(maxsize=1 << 16)
def is_typo(word: str, right: str) -> bool:
    """True when ``word`` is ``right`` with one or two letters wrong (one in a word of up to
    six letters): a slip, not another word ("Cooperaton", not "Association")."""
    if word == right or min(len(word), len(right)) < _TYPO_MIN:
        return False
    limit = 1 if len(right) <= _TYPO_SHORT else _TYPO_LONG
    # Each edit adds or removes at most two distinct letters: a cheap test that rules out
    # most pairs of words before the distance is computed.
    if len(set(word) ^ set(right)) > 2 * limit:
        return False
    return _distance(word, right, limit) <= limit


def _typo_pairs(wrong: frozenset[str], right: frozenset[str]) -> int:
    """How many of the ``wrong`` words are misspellings of distinct ``right`` words."""
    left = set(right)
    pairs = 0
    for word in sorted(wrong):
        match = next((r for r in sorted(left) if is_typo(word, r)), None)
        if match is not None:
            left.discard(match)
            pairs += 1
    return pairs


@lru_cache(maxsize=1 << 12)  # a document names the same bodies again and again
def resolve_name(raw: str) -> tuple[Organisation | None, str]:
    """Resolve an organisation-like name that matched no reference name exactly: variant,
    misspelt, wrong_name or unresolved (see the module docstring)."""
    words, places = _words(raw), _places(raw)
    best, best_score = None, 0.0
    for ref, ref_places, org in _reference_words():
        if words == ref:
            return org, "variant"
        shared = words & ref
        if not shared:  # a name misspelt in every word is no longer that name
            continue
        extra, missing = words - ref, ref - words
        pairs = _typo_pairs(extra, missing)
        if pairs and pairs == len(extra) == len(missing):
            return org, "misspelt"
        # A wrong name shares a distinctive word and has a word replaced, not only a word added
        # ("Open Source Intelligence Centre") or left out ("Intelligence Service"), nor only
        # its place ("UN Sanctions Committee" for the DPRK sanctions committee).
        added = len(extra - places) - pairs
        dropped = len(missing - ref_places) - pairs
        if not shared - _GENERIC or added <= 0 or dropped <= 0:
            continue
        score = (len(shared) + pairs) / (len(words | ref) - pairs)
        if score > best_score:
            best, best_score = org, score
    if best is not None and best_score >= 0.5:
        return best, "wrong_name"
    return None, "unresolved"


def _word_back(text: str, lo: int, end: int) -> tuple[int, str] | None:
    """The last word of ``text[lo:end]`` and where it starts, when white space follows it to
    the end: what ``re.search(r"(\\S+)\\s+$")`` finds there, at a fraction of the cost (the
    regex tries every position of the window)."""
    window = text[lo:end]
    kept = window.rstrip()
    if not kept or len(kept) == len(window):
        return None
    word = kept.rsplit(None, 1)[-1]
    return lo + len(kept) - len(word), word


def _extend_left(text: str, pos: int) -> int:
    """Where a name ending at a head word at ``pos`` starts: up to six capitalised words (or
    connecting words) back, stopping at punctuation and at a possessive, the name's owner."""
    start = pos
    for _ in range(6):
        back = _word_back(text, max(0, start - 40), start)
        if not back or not _NAME_WORD.fullmatch(back[1]) or _POSSESSIVE.search(back[1]):
            break
        start = back[0]
    return start


@cache
def _head_words() -> frozenset[str]:
    """The head words that end reference names ("organisation", "committee", "team"): those
    a misspelt name may get wrong."""
    return frozenset(name.split()[-1].lower() for org in organisations()
                     for name in _names(org) if _HEAD.fullmatch(name.split()[-1]))


@cache
def _any_heads() -> re.Pattern:
    """Head words, and capitalised words that start as a reference head word does (its first
    three letters: "Organisaton", "Commitee"), in one pass over the text. Built like
    ``_HEAD``; a word that is no head word is then tested as a misspelling of one."""
    starts = sorted({w[:3].capitalize() for w in _head_words()})
    initials = sorted({w[0] for w in _HEAD_WORDS} | {p[0] for p in starts})
    return re.compile("[" + "".join(initials) + r"](?<!\w.)(?:"
                      + "|".join(f"(?<={w[0]}){w[1:]}" for w in _HEAD_WORDS) + "|"
                      + "|".join(f"(?<={p[0]}){p[1:]}[a-z]{{1,12}}" for p in starts) + r")\b")


def _heads(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, misspelt) of each head word, exact or misspelt, in order."""
    heads = _head_words()
    out = []
    for m in _any_heads().finditer(text):
        word = m.group()
        if _HEAD.fullmatch(word):
            out.append((m.start(), m.end(), False))
        elif any(is_typo(word.lower(), h) for h in heads):
            out.append((m.start(), m.end(), True))
    return out


def _span(text: str, head: int, head_end: int,
          taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the name around a head word, none when it overlaps a name already found
    or is a single word."""
    start = _extend_left(text, head)
    end = _RIGHT.match(text, head_end).end()
    for s, e in taken:  # a name never runs back into one already found
        if s < start < e or start <= s and e <= head:
            start = max(start, e)
    # Trim connecting words at the edges ("the", "and") left by the greedy extension.
    start += re.match(r"[\s,;]*(?:(?:the|of|for|on|and|The)\s+)*", text[start:end]).end()
    if any(s < end and start < e for s, e in taken) or len(text[start:end].split()) < 2:
        return None
    return start, end


def _is_actor(raw: str) -> bool:
    """True for a name that is an actor institution as a whole ("Federation Council")."""
    words = re.findall(r"[^\W_]+", raw)
    zeros = [0] * len(words)
    hits = actor_index().find([w.lower() for w in words], words, zeros, zeros)
    return len(hits) == 1 and hits[0].first == 0 and hits[0].last == len(words)


def find_organisations(text: str, tok: Tokens) -> list[OrgMention]:
    """Organisation mentions in a document, in order: exact names, then names around a head
    word, then names around a misspelt head word that are misspellings of a reference name."""
    found = [_mention(text[h.start:h.end], h.payload[0], h.payload[1], h.start, h.end)
             for h in organisation_index().find(tok.lows, tok.words, tok.starts, tok.ends)]
    taken = [(m.start, m.end) for m in found]
    for head, head_end, loose in _heads(text):
        span = _span(text, head, head_end, taken)
        if span is None or _is_actor(text[span[0]:span[1]]):
            continue
        raw = text[span[0]:span[1]]
        org, how = resolve_name(raw)
        if loose and how != "misspelt":
            continue
        found.append(_mention(raw, org, how, *span))
        taken.append(span)
    found.sort(key=lambda m: m.start)
    return found
