"""Organisations named in prose, resolved against ``data/reference/organizations.csv``.

Exact matches come first: a canonical name or alias in any case, an acronym in its own case.
Then every other capitalised name built around an organisation word ("... Organisation",
"... Council", "Panel of ...") is compared with the reference names as a set of words, after
folding spelling variants (organization/organisation, center/centre, plurals): the same words
make a ``variant``; sharing at least half the words, one of them distinctive, makes a
``wrong_name`` of the closest organisation ("Shanghai Security Organisation" for the Shanghai
Cooperation Organisation); anything else is ``unresolved``. Legitimate aliases never reach this
step because the exact match has already claimed their span.
"""

from __future__ import annotations

import re
from functools import cache

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
_STOP = frozenset({"of", "for", "on", "and", "the"})
_GENERIC = frozenset({"organisation", "council", "committee", "panel", "programme", "team",
                      "agency", "centre", "service", "union", "alliance", "forum", "bank",
                      "fund", "community", "association", "commission", "group", "un",
                      "united", "nations", "international", "national"})
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
def _reference_words() -> list[tuple[frozenset[str], Organisation]]:
    pairs = []
    for org in organisations():
        for name in (org.canonical, *org.aliases):
            pairs.append((_words(name), org))
    return pairs


def _mention(raw: str, org: Organisation | None, how: str, start: int, end: int) -> OrgMention:
    if org is None:
        return new_org(raw, None, None, how, (), (), start, end)
    return new_org(raw, org.canonical, org.acronym or None, how, org.members, org.observers,
                      start, end)


def resolve_name(raw: str) -> tuple[Organisation | None, str]:
    """Resolve an organisation-like name that matched no reference name exactly."""
    words = _words(raw)
    best, best_score = None, 0.0
    for ref, org in _reference_words():
        shared = words & ref
        if not shared - _GENERIC:
            continue
        score = len(shared) / len(words | ref)
        if score > best_score:
            best, best_score = org, score
            if words == ref:
                return org, "variant"
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
    connecting words) back, stopping at punctuation."""
    start = pos
    for _ in range(6):
        back = _word_back(text, max(0, start - 40), start)
        if not back or not _NAME_WORD.fullmatch(back[1]):
            break
        start = back[0]
    return start


def find_organisations(text: str, tok: Tokens) -> list[OrgMention]:
    """Organisation mentions in a document, in order."""
    found = [_mention(text[h.start:h.end], h.payload[0], h.payload[1], h.start, h.end)
             for h in organisation_index().find(tok.lows, tok.words, tok.starts, tok.ends)]
    taken = [(m.start, m.end) for m in found]
    actors = actor_index()
    for head in _HEAD.finditer(text):
        start = _extend_left(text, head.start())
        end = _RIGHT.match(text, head.end()).end()
        for s, e in taken:  # a name never runs back into one already found
            if s < start < e or start <= s and e <= head.start():
                start = max(start, e)
        raw = text[start:end]
        # Trim connecting words at the edges ("the", "and") left by the greedy extension.
        lead = re.match(r"[\s,;]*(?:(?:the|of|for|on|and|The)\s+)*", raw).end()
        start, raw = start + lead, raw[lead:]
        if any(s < end and start < e for s, e in taken) or len(raw.split()) < 2:
            continue
        words = re.findall(r"[^\W_]+", raw)
        low = [w.lower() for w in words]
        zeros = [0] * len(words)
        hits = actors.find(low, words, zeros, zeros)
        if len(hits) == 1 and hits[0].first == 0 and hits[0].last == len(words):
            continue  # an actor institution such as "Federation Council"
        org, how = resolve_name(raw)
        found.append(_mention(raw, org, how, start, end))
        taken.append((start, end))
    found.sort(key=lambda m: m.start)
    return found
