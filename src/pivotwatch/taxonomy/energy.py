"""Energy as a dimension: a heuristic on the words of an event's source URL.

CAMEO has no energy category, so an event counts as energy when the address of the article it
came from has one of the terms in ``pivotwatch/data/energy_terms.csv`` as a whole word after the
host name. The pattern is one regular expression in the syntax shared by Python's ``re`` and RE2
(what DuckDB's ``regexp_matches`` uses): no lookbehind, no lookahead, no backreferences.
"""

from __future__ import annotations

import csv
import re

from pivotwatch.errors import SourceError

_TERM = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
# A separator: anything but a letter or digit, or a %-escape (%20, %2F).
_SEP = r"(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})"
# Scheme and host; what follows the host starts with '/', '?' or '#'.
_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*[/?#]"


def parse_terms(text: str, name: str = "energy_terms.csv") -> tuple[str, ...]:
    """The ``term,note`` CSV (``#`` comment lines allowed) -> its terms, in file order."""
    terms: list[str] = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines or next(csv.reader([lines[0][1]]))[0].strip() != "term":
        raise SourceError(f"{name}: expected the header term,note")
    for lineno, line in lines[1:]:
        term = next(csv.reader([line]))[0].strip()
        if not _TERM.fullmatch(term):
            raise SourceError(f"{name}, line {lineno}: {term!r} is not lower-case words "
                              "separated by single spaces")
        terms.append(term)
    if not terms:
        raise SourceError(f"{name}: no terms")
    return tuple(terms)


def build_pattern(terms: tuple[str, ...]) -> str:
    """One case-insensitive, RE2-compatible regular expression matching URLs with a term.

    A term must stand between separators (or the end of the URL) after the host name; a space
    in a term matches any run of separators, and a trailing 's' is allowed.
    """
    words = "|".join(f"{_SEP}+".join(term.split()) for term in terms)
    return f"(?i){_HOST}(?:.*{_SEP})?(?:{words})s?(?:{_SEP}|$)"
