"""What a claim asserts happened: its predicate words, the kinds of event they name, and who
did it to whom.

A timeline row may speak about a claim only when it records the event the claim asserts: its
event type is one the claim's predicate words name (``data/claims/predicate_terms.csv``), its
doer and receiver are the claim's (for a directed event: "Kim visited Moscow" is not matched by
Putin's visit to Pyongyang), and its date is in the claim's period (checked by the caller).
A claim with no predicate word asserts no event and gets no event evidence, however many
words it shares with a row.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from pivotwatch.claims.actors import find_actors
from pivotwatch.claims.tokens import tokenize
from pivotwatch.errors import SourceError

DIRECTIONS = ("forward", "reverse", "none")
# Rows done by a forum (the UN, the MSMT) are not done by a country the claim names.
FORUMS = frozenset({"UNO", "IGO"})
# Rows whose first actor is who confirmed or reported the event, not who did it (Gerasimov
# confirming that DPRK soldiers fought in Kursk): their order says nothing of the direction.
REPORTED = frozenset({"deployment_confirmed", "monitoring_report", "statement",
                      "policy_statement"})
# A passive before the predicate ("were supplied", "was hosted"): the doer follows "by"/"from".
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_DOER_AFTER = re.compile(r"\b(?:by|from)\s+$", re.IGNORECASE)
_RECEIVER_AFTER = re.compile(r"\b(?:to|into|in|for)\s+(?:the\s+)?$", re.IGNORECASE)
# A predicate inside a time or setting phrase is context, not what the claim asserts: "the
# treaty was signed during Kim's visit", "the turn began with the 2012 APEC summit".
_SETTING = re.compile(r"\b(?:during|after|following|before|since|amid|at|with|ahead of|"
                      r"on the sidelines of)\s+(?:[\w'’.-]+\s+){0,4}$", re.IGNORECASE)
# A purpose ("visited Moscow *to sign* the treaty") says why, not what happened.
_PURPOSE = re.compile(r"\b(?:to|in order to|so as to)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Predicate:
    """One predicate word of a claim: where it is, the event types it names, and the doer and
    receiver the claim gives it (ISO3 codes, None when the words do not say)."""

    term: str
    start: int
    end: int
    kinds: frozenset[str]
    direction: str
    doer: str | None
    receiver: str | None
    setting: bool = False   # in a time or setting phrase ("during Kim's visit"): context


@cache
def _terms() -> tuple[re.Pattern, dict[str, tuple[frozenset[str], str]]]:
    """One regex over every term (longest first, each a named group) and group name ->
    (event types, direction)."""
    text = (files("pivotwatch") / "data" / "claims" / "predicate_terms.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    groups: dict[str, tuple[frozenset[str], str]] = {}
    patterns: dict[str, str] = {}
    for n, row in enumerate(csv.DictReader(lines), 2):
        term = (row.get("term") or "").strip().lower()
        kinds = frozenset(k.strip() for k in (row.get("event_types") or "").split(";")
                          if k.strip())
        if not term or not kinds or row.get("direction") not in DIRECTIONS \
                or term in patterns:
            raise SourceError(f"predicate_terms.csv, row {n}: a new term, event types and a "
                              f"direction ({', '.join(DIRECTIONS)})")
        name = f"t{len(groups)}"
        groups[name] = (kinds, row["direction"])
        body = r"[\W_]+".join(re.escape(w) for w in term.rstrip("*").split())
        ending = "[a-z]*" if term.endswith("*") else ""
        patterns[term] = f"(?P<{name}>{body}{ending})"
    ordered = sorted(patterns, key=len, reverse=True)
    regex = re.compile(r"\b(?:" + "|".join(patterns[t] for t in ordered) + r")\b",
                       re.IGNORECASE)
    return regex, groups


@lru_cache(maxsize=4096)
def predicates(text: str) -> tuple[Predicate, ...]:
    """The predicate words of a claim's text, in order, each with its doer and receiver
    (cached: several checks ask about the same claim)."""
    regex, table = _terms()
    found = list(regex.finditer(text))
    if not found:
        return ()
    mentions = [(m.start, m.end, m.payload) for m in find_actors(tokenize(text))]
    out = []
    for m in found:
        kinds, direction = table[m.lastgroup]
        doer, receiver = _roles(text, m.start(), m.end(), mentions, direction)
        setting = bool(_SETTING.search(text, max(0, m.start() - 60), m.start())) or \
            bool(out) and bool(_PURPOSE.search(text, max(0, m.start() - 12), m.start()))
        out.append(Predicate(m.group(0), m.start(), m.end(), kinds, direction, doer, receiver,
                             setting))
    return tuple(out)


def asserted(found: tuple[Predicate, ...]) -> tuple[Predicate, ...]:
    """The predicates that say what the claim asserts: those outside time and setting
    phrases, or all of them when every one is in such a phrase ("At the 2019 summit.")."""
    return tuple(p for p in found if not p.setting) or found


def _roles(text: str, start: int, end: int, mentions: list[tuple[int, int, str]],
           direction: str) -> tuple[str | None, str | None]:
    """(doer, receiver) of a directed predicate, from the countries around it.

    Active forward ("X visited Y", "X sent troops to Y"): X does it, Y or "to Y" receives it.
    Passive forward ("shells were supplied to Y by X"): "by/from X" does it, "to Y" or the
    country before receives it. Reverse ("Y hosted X", "Y received shells from X") and its
    passive ("X was hosted by Y") swap the roles."""
    if direction == "none":
        return None, None
    before = [code for _, e, code in mentions if e <= start]
    subject = before[-1] if before else None
    by = to = obj = None
    for s, _, code in mentions:
        if s < end or s - end > 60:
            continue
        lead = text[max(end, s - 12):s]
        if _DOER_AFTER.search(lead):
            by = by or code
        elif _RECEIVER_AFTER.search(lead):
            to = to or code
        elif obj is None and by is None and to is None:
            obj = code
    passive = bool(_PASSIVE.search(text, max(0, start - 30), start))
    if direction == "forward":
        doer, receiver = (by, to or subject) if passive else (subject or by, to or obj)
    else:
        doer, receiver = (subject, by) if passive else (by or obj, subject)
    # "Pyongyang confirmed ... through KCNA": one country named twice is no direction
    return doer, receiver if receiver != doer else None


def direction_clash(found: tuple[Predicate, ...], kind: str, actor1: str,
                    actor2: str | None) -> bool:
    """Whether a row of this kind, done by ``actor1`` to ``actor2``, runs the other way from
    every predicate of the claim that names the kind and says who did it, or is done by
    someone else ("China vetoed" is not Russia's veto)."""
    said = [p for p in found if kind in p.kinds and p.direction != "none"
            and (p.doer or p.receiver)]
    if not said or kind in REPORTED:
        return False
    parties = {actor1, actor2} - {None}
    if all(p.doer and p.doer not in parties and actor1 not in FORUMS for p in said):
        return True
    if not actor2 or actor1 == actor2:
        return False
    return all(p.doer == actor2 and p.doer != actor1 or
               p.receiver == actor1 and p.receiver != actor2 for p in said)
