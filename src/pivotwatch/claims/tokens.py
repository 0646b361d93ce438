"""A document's words with their offsets, computed once and shared by every lexicon step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from pivotwatch.claims.lexicon import TOKEN

_WORDS = re.compile(f"({TOKEN.pattern})")


@dataclass(frozen=True)
class Tokens:
    """Parallel lists: each word as written, lower-cased, and its [start, end) offsets."""

    words: list[str]
    lows: list[str]
    starts: list[int]
    ends: list[int]


def tokenize(text: str) -> Tokens:
    """The words of ``text`` (runs of letters and digits; punctuation separates them)."""
    # Splitting on the words (kept by the group) gives separator, word, separator, ...; the
    # running total of their lengths gives every offset without one match object per word.
    parts = _WORDS.split(text)
    offsets = list(accumulate(map(len, parts)))
    words = parts[1::2]
    return Tokens(words, list(map(str.lower, words)), offsets[0:-1:2], offsets[1::2])
