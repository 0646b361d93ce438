"""The claim lexicons, loaded once from ``pivotwatch/data/claims/`` and the reference data.

Every lexicon is a CSV of terms; a term matches whole words of a text, ignoring case (unless
its ``match`` column says ``exact``) and the punctuation between words, so "N. Korea",
"n korea" and "N Korea" are the same term. :class:`PhraseIndex` does that matching on the
token list of a whole document in one pass, longest term first.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import compress
from typing import Any, NamedTuple

from pivotwatch.errors import SourceError
from pivotwatch.taxonomy import DIMENSIONS

_DATA = files("pivotwatch") / "data"
TOKEN = re.compile(r"[^\W_]+")
ACTOR_KINDS = ("name", "adjective", "capital", "head", "leader", "institution", "misspelling",
               "city", "place")
MODALITY_CATEGORIES = ("hedge", "forecast", "recommendation", "opinion", "rule", "meta")


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the matcher sees them."""
    return TOKEN.findall(text)


class Match(NamedTuple):
    """A lexicon term found in a text: token positions [first, last) and the term's payload.
    A named tuple, not a dataclass: hundreds are made per document and it builds faster."""

    first: int
    last: int
    start: int
    end: int
    payload: Any


class PhraseIndex:
    """Terms (as token sequences) -> payloads, matched longest first on a token list.

    The terms are a trie of lower-cased words: a node is ``(children, entries)``, its
    entries ``(words as written or None, payload)`` in the order they were added, the words
    set for a term that must match in its own case.
    """

    def __init__(self) -> None:
        self._root: dict[str, tuple[dict, list[tuple[tuple[str, ...] | None, Any]]]] = {}
        self._single: dict[str, Any] | None = None

    def add(self, term: str, payload: Any, *, exact: bool = False) -> None:
        words = tuple(tokens(term))
        if not words:
            raise SourceError(f"lexicon term {term!r} has no words")
        children = self._root
        for word in words:
            node = children.setdefault(word.lower(), ({}, []))
            children = node[0]
        entries = node[1]
        if any((ex is not None) == exact for ex, _ in entries):
            return  # an explicit term listed earlier wins over a generated plural
        entries.append((words if exact else None, payload))
        self._single = None

    def __contains__(self, word: str) -> bool:
        """Whether a lower-cased word starts a term."""
        return word in self._root

    def _singles(self) -> dict[str, Any]:
        """Words that are a whole term in any case and start no longer one -> the payload:
        most matches, which then need no walk down the trie."""
        if self._single is None:
            self._single = {word: entries[0][1] for word, (children, entries)
                            in self._root.items()
                            if not children and entries and entries[0][0] is None}
        return self._single

    def find(self, lows: list[str], words: list[str], starts: list[int],
             ends: list[int]) -> list[Match]:
        """Non-overlapping matches in a token list (lower-cased and original), left to right."""
        found: list[Match] = []
        root = self._root
        single = self._singles()
        n, free = len(lows), 0  # tokens before ``free`` belong to a match already
        # Only words that start a term are tried; finding them is one C-level pass.
        for i in compress(range(n), map(root.__contains__, lows)):
            if i < free:
                continue
            low = lows[i]
            if low in single:
                found.append(Match(i, i + 1, starts[i], ends[i], single[low]))
                free = i + 1
                continue
            children, entries = root[low]
            node = children.get(lows[i + 1]) if i + 1 < n else None
            if node is None:  # no longer term goes on here: only the one-word term can match
                for exact, payload in entries:
                    if exact is None or (words[i],) == exact:
                        found.append(Match(i, i + 1, starts[i], ends[i], payload))
                        free = i + 1
                        break
                continue
            ends_here = [(i + 1, entries)] if entries else []  # term ends, shortest first
            j = i + 2
            if node[1]:
                ends_here.append((j, node[1]))
            while node[0] and j < n:
                node = node[0].get(lows[j])
                if node is None:
                    break
                j += 1
                if node[1]:
                    ends_here.append((j, node[1]))
            match = None
            for j, entries in reversed(ends_here):  # the longest term wins
                for exact, payload in entries:
                    if exact is None or tuple(words[i:j]) == exact:
                        match = Match(i, j, starts[i], ends[j - 1], payload)
                        break
                if match:
                    break
            if match:
                found.append(match)
                free = match.last
        return found


def _rows(name: str, header: tuple[str, ...]) -> list[dict[str, str]]:
    text = (_DATA / "claims" / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != header:
        raise SourceError(f"{name}: expected the header {','.join(header)}")
    rows = list(reader)
    for lineno, row in enumerate(rows, 2):
        if any(not (row.get(col) or "").strip() for col in header):
            raise SourceError(f"{name}, row {lineno}: every column needs a value")
        if row.get("match", "any") not in ("any", "exact"):
            raise SourceError(f"{name}, row {lineno}: match must be 'any' or 'exact'")
    return rows


@dataclass(frozen=True)
class Actor:
    iso3: str
    kind: str


@cache
def actor_index() -> PhraseIndex:
    """Actor terms -> :class:`Actor` (ISO3 and kind), from ``actors.csv``."""
    index = PhraseIndex()
    for row in _rows("actors.csv", ("term", "iso3", "kind", "match")):
        if row["kind"] not in ACTOR_KINDS:
            raise SourceError(f"actors.csv: {row['term']!r} has unknown kind {row['kind']!r}")
        index.add(row["term"], Actor(row["iso3"], row["kind"]), exact=row["match"] == "exact")
    return index


@cache
def actor_codes() -> PhraseIndex:
    """The actor terms -> ISO3 code, or None for a place ("Sea of Japan"), which is matched
    only so that the name inside it is not: what :func:`actor_index` holds, in the form
    ``find_actors`` returns, so that its matches need no rebuilding."""
    actor_index()  # checks the kinds
    index = PhraseIndex()
    for row in _rows("actors.csv", ("term", "iso3", "kind", "match")):
        index.add(row["term"], None if row["kind"] == "place" else row["iso3"],
                  exact=row["match"] == "exact")
    return index


@cache
def heads_of_state() -> frozenset[str]:
    """Lower-cased words (joined by spaces) of the actor terms naming a head of state."""
    return frozenset(" ".join(tokens(row["term"].lower()))
                     for row in _rows("actors.csv", ("term", "iso3", "kind", "match"))
                     if row["kind"] == "head")


@cache
def fuzzy_actor_names() -> dict[str, list[tuple[str, str]]]:
    """One-deletion neighbourhoods of single-word names, adjectives and capitals of five or
    more letters -> [(name, iso3)], for finding misspellings one edit away."""
    table: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("actors.csv", ("term", "iso3", "kind", "match")):
        word = row["term"].lower()
        if row["kind"] in ("name", "adjective", "capital") and word.isalpha() and len(word) >= 5:
            for key in {word} | {word[:k] + word[k + 1:] for k in range(len(word))}:
                table.setdefault(key, []).append((word, row["iso3"]))
    return table


@dataclass(frozen=True)
class Term:
    dimension: str
    topic: str
    weight: int


@cache
def dimension_index() -> PhraseIndex:
    """Dimension terms (and their plurals) -> :class:`Term`, from ``dimension_terms.csv``."""
    index = PhraseIndex()
    rows = _rows("dimension_terms.csv", ("term", "dimension", "topic", "weight"))
    for row in rows:
        if row["dimension"] not in DIMENSIONS:
            raise SourceError(f"dimension_terms.csv: {row['term']!r} has unknown dimension "
                              f"{row['dimension']!r} (known: {', '.join(DIMENSIONS)})")
        index.add(row["term"], Term(row["dimension"], row["topic"], int(row["weight"])))
    for row in rows:  # plurals after every explicit term, so an explicit one wins
        index.add(row["term"] + "s", Term(row["dimension"], row["topic"], int(row["weight"])))
    return index


@cache
def modality_index() -> PhraseIndex:
    """Modality terms -> category (hedge, forecast, recommendation, opinion)."""
    index = PhraseIndex()
    for row in _rows("modality_terms.csv", ("term", "category", "match")):
        if row["category"] not in MODALITY_CATEGORIES:
            raise SourceError(f"modality_terms.csv: {row['term']!r} has unknown category "
                              f"{row['category']!r}")
        index.add(row["term"], row["category"], exact=row["match"] == "exact")
    return index


@dataclass(frozen=True)
class Organisation:
    canonical: str
    acronym: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]
    observers: tuple[str, ...]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


@cache
def organisations() -> tuple[Organisation, ...]:
    """The reference organisations (``data/reference/organizations.csv``)."""
    text = (_DATA / "reference" / "organizations.csv").read_text(encoding="utf-8")
    return tuple(
        Organisation(row["canonical_name"].strip(), row["acronym"].strip(),
                     _split(row["aliases"]), _split(row["member_states"]),
                     _split(row["observers"]))
        for row in csv.DictReader(text.splitlines()))


@cache
def organisation_index() -> PhraseIndex:
    """Canonical names, aliases (any case) and acronyms (exact case) -> (Organisation, how)."""
    index = PhraseIndex()
    for org in organisations():
        index.add(org.canonical, (org, "canonical"))
        for alias in org.aliases:
            index.add(alias, (org, "alias"))
    for org in organisations():
        if org.acronym:
            # Upper-case acronyms of three letters or more are no English words, so they match
            # in any case ("nis" in a lower-case draft); "PoE" must keep its case.
            # One with a number ("1718 Committee") is no English phrase either.
            loose = org.acronym.isupper() and len(org.acronym.replace(" ", "")) >= 3 or \
                any(ch.isdigit() for ch in org.acronym)
            index.add(org.acronym, (org, "acronym"), exact=not loose)
    return index
