"""Figures in prose, normalised: "$100 million annually" -> 1e8 usd per year.

A figure is a number (digits, or a number word before a scale: "one million") with what may
surround it: a currency sign, a qualifier before it ("about", "more than"), a second number
making a range ("11,000-12,000"), a scale (million, bn, k), a unit (barrels, troops, %), and a
period ("a year", "annually"). Numbers that are parts of dates, years, or names of things
("resolution 2397", "Article 4", "KN-23") are not figures.
"""

from __future__ import annotations

import bisect
import re
from itertools import compress

from pivotwatch.claims.model import Bound, Quantity, new_quantity
from pivotwatch.claims.tokens import Tokens, tokenize

_SMALL_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_TEENS = ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_NUMBERS = {"a": 1, "half a": 0.5, "a half": 0.5, "dozen": 12, "a dozen": 12,
                 **{w: n for n, w in enumerate(_SMALL_NUMBERS, 1)},
                 **{w: n for n, w in enumerate(_TEENS, 11)},
                 **{w: n for n, w in enumerate(_TENS, 2) for n in [n * 10]}}
# Scale words with each run of a repeated letter written once, so that a misspelt scale
# keeps its scale: "milion", "milllion" and "million" are all "milion".
_SCALES = {"thousand": 1e3, "k": 1e3, "milion": 1e6, "mln": 1e6, "mn": 1e6, "mil": 1e6,
           "m": 1e6, "bilion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9, "trilion": 1e12}
_REPEATED = re.compile(r"(.)\1+")


def _scale(word: str) -> float:
    """The multiplier of a scale word, misspelt or not ("34.4 milion", "1.2 bilion",
    "5 milllion"). Case-insensitive matching also takes Unicode look-alikes ("mıllion" with a
    dotless i, "thouſand" with a long s, "MİLLION"): fold them first."""
    key = word.lower().casefold().replace("ı", "i").replace("\u0307", "")
    return _SCALES.get(_REPEATED.sub(r"\1", key), 1.0)


# Number words that make a figure on their own ("thirteen members", "a dozen"); smaller ones
# ("two countries", "one of") only do before a scale or a unit.
_BIG_WORDS = "|".join(("a dozen", "dozen", *_TEENS, *_TENS))
_WORD_ALT = "|".join(("half a", *_SMALL_NUMBERS, "a"))


def _opening(alternatives: str, more: str = "") -> str:
    """A lookahead for the first characters of the regex ``alternatives`` (each starting with
    a plain character), plus the class items ``more``. Under IGNORECASE the regex engine
    tries every alternative at every position; with this it passes over a position that
    starts none of them at once, several times faster, and matches the same."""
    return "(?=[" + more + "".join(sorted({re.escape(a[0]) for a in alternatives.split("|")})) \
        + "])"


_NUMBER = re.compile(
    _opening(_WORD_ALT + "|" + _BIG_WORDS, r"\d\s$€£U") +
    r"(?<![\w.,])(?P<cur>US\$|\$|€|£)?\s?"
    r"(?:(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<word>\b(?:" + _WORD_ALT + r"))(?=\s+(?:thousand|million|billion|trillion)\b)"
    r"|(?P<big>\b(?:" + _BIG_WORDS + r"))(?![\w-])"
    r"|(?P<small>\b(?:" + "|".join(_SMALL_NUMBERS) + r"))(?=[ \t]+\w))", re.IGNORECASE)
# Where a figure may start: a digit or a currency sign, or a scale word (for "one million").
_START = re.compile(r"[\d$€£]+")
_START_SCALE = re.compile(r"[TtMmBb](?:(?<=[Tt])(?:housand|rillion)|(?<=[MmBb])illion)\b",
                          re.IGNORECASE)
# Number words that may start a figure by themselves (checked further in find_quantities),
# found among the document's tokens: a regex scan for them costs as much as all the rest.
_NUMBER_WORDS = frozenset(("dozen", *_TEENS, *_TENS, *_SMALL_NUMBERS))
_UNITS = {
    "%": "percent", "percent": "percent", "per cent": "percent", "pc": "percent",
    "dollars": "usd", "usd": "usd", "us dollars": "usd", "euros": "eur", "eur": "eur",
    "roubles": "rub", "rubles": "rub", "yuan": "cny",
    "barrels": "barrels", "barrel": "barrels", "bbl": "barrels",
    "tonnes": "tonnes", "tonne": "tonnes", "tons": "tonnes", "ton": "tonnes",
    "metric tons": "tonnes", "t": "tonnes",
    "troops": "troops", "soldiers": "troops", "servicemen": "troops", "personnel": "troops",
    "fighters": "troops", "engineers": "troops", "deminers": "troops", "military builders":
    "troops", "builders": "troops", "sappers": "troops",
    "workers": "workers", "labourers": "workers", "laborers": "workers",
    "shells": "shells", "artillery shells": "shells", "rounds": "shells",
    "containers": "containers", "missiles": "missiles", "ballistic missiles": "missiles",
    "drones": "drones", "rocket launchers": "launchers", "launchers": "launchers",
    "guns": "guns", "tankers": "tankers", "tanker calls": "tanker_calls", "ships": "ships",
    "vessels": "ships", "km": "km", "mm": "mm", "kilometres": "km", "kilometers": "km",
    "years": "years", "year": "years", "months": "months", "month": "months", "days": "days",
    "goats": "goats", "launches": "launches",
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
# The long scale words as typed, with letters doubled or dropped ("milion", "milllion",
# "bilion"); the short ones exactly.
_SCALE_ALT = r"tr+il+i*on|bil+i*on|mil+i*on|thousand|bln|bn|mln|mn|mil|m|b|k"
_PER_ALT = ("a year|per year|per annum|annually|yearly|each year|every year|/year|/yr|"
            "a month|per month|monthly|a week|per week|weekly|a day|per day|daily|/day")
_SUFFIX = re.compile(
    r"(?:[ \t]*(?:-|–|to)[ \t]*(?:US\$|\$|€|£)?"
    r"(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))?"
    r"(?:[ \t]*" + _opening(_SCALE_ALT) + r"(?P<scale>" + _SCALE_ALT + r")(?![\w]))?"
    r"(?:(?:[ \t]*|-)" + _opening(_UNIT_ALT) + r"(?P<unit>" + _UNIT_ALT + r")(?![\w]))?"
    r"(?:[ \t]*" + _opening(_PER_ALT) + r"(?P<per>" + _PER_ALT + r"))?",
    re.IGNORECASE)
# Count nouns may come a few words after their number: "12,000 North Korean soldiers".
COUNT_UNITS = ("troops|soldiers|servicemen|personnel|fighters|engineers|deminers|sappers|"
               "military builders|builders|workers|"
                "labourers|shells|artillery shells|rounds|containers|missiles|ballistic missiles|"
                "drones|rocket launchers|launchers|guns|tankers|tanker calls|barrels")
_LATE_UNIT = re.compile(r"(?:[ \t]+[\w'’-]+){1,3}?[ \t]+(?P<unit>" + COUNT_UNITS + r")\b",
                        re.IGNORECASE)
_LATE_PER = re.compile(
    r"(?:[ \t]+[\w'’,-]+){1,5}?[ \t]+(?P<per>a year|per year|per annum|annually|a month|per month|"
    r"monthly)\b", re.IGNORECASE)
_RATED = frozenset({"usd", "eur", "rub", "cny", "gbp", "barrels", "tonnes"})
_ADJ_PER = re.compile(r"\b(annual|yearly|monthly)\b", re.IGNORECASE)
_PER_WORD = re.compile(r"^(?:(?:a|per|each|every)\s+|/)")
_PERIODS = {"year": "year", "annum": "year", "annually": "year", "yearly": "year", "annual": "year",
            "yr": "year", "month": "month", "monthly": "month", "week": "week",
            "weekly": "week", "day": "day", "daily": "day"}
_QUALIFIERS = (
    r"about|around|some|roughly|approximately|approx\.|an estimated|estimated at|"
    r"estimated|nearly|almost|close to|more than|over|at least|upwards of|in excess of|above|"
    r"exceeding|exceeded|surpassed|topped|up to|as many as|as much as|less than|under|"
    r"fewer than|below|just over|just under|>=?|≥|<=?|≤|~|c\.|ca\.")
_QUALIFIER = re.compile(_opening(_QUALIFIERS) + r"(?P<q>" + _QUALIFIERS + r")\s*$",
                        re.IGNORECASE)
_BOUNDS = {"more than": Bound.MIN, "over": Bound.MIN, "at least": Bound.MIN,
           "upwards of": Bound.MIN, "in excess of": Bound.MIN, "above": Bound.MIN,
           "exceeding": Bound.MIN, "exceeded": Bound.MIN, "surpassed": Bound.MIN,
           "topped": Bound.MIN, "just over": Bound.MIN, "up to": Bound.MAX,
           "as many as": Bound.MAX, "as much as": Bound.MAX,
           "less than": Bound.MAX, "under": Bound.MAX, "fewer than": Bound.MAX,
           "below": Bound.MAX, "just under": Bound.MAX, ">": Bound.MIN, ">=": Bound.MIN,
           "≥": Bound.MIN, "<": Bound.MAX, "<=": Bound.MAX, "≤": Bound.MAX}
_DESIGNATORS = (r"resolutions?|res\.|unscr|article|art\.|no\.|number|section|paragraph|"
                r"chapter|flight|route|highway|kv")
_DESIGNATOR = re.compile(_opening(_DESIGNATORS) + r"(?:" + _DESIGNATORS + r")\s*$",
                         re.IGNORECASE)
_MONTH = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONTH_AFTER = re.compile(r"(?:st|nd|rd|th)?\s+(?:" + _MONTH + r")\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(_opening(_MONTH) + r"\b(?:" + _MONTH + r")\.?\s*$", re.IGNORECASE)
_CAPITALISED_AFTER = re.compile(r"[ \t]+[A-Z]")
_NAME_AFTER = re.compile(r"[ \t]+(?:committees?|panel|commission)\b", re.IGNORECASE)
_NAME_BEFORE = re.compile(r"\w[A-Z][a-z]+\s$|\s[A-Z][a-z]+\s$")
# Unit -> the topic a figure in it measures, whatever the words around it.
UNIT_TOPICS = {"barrels": "fuel_deliveries", "troops": "troops", "shells": "arms_transfer",
               "containers": "arms_transfer", "missiles": "arms_transfer",
               "launchers": "arms_transfer", "guns": "arms_transfer", "drones": "arms_transfer",
               "tanker_calls": "fuel_deliveries", "workers": "labour"}


_ANY_COUNT_UNIT = re.compile(r"\b(?P<unit>" + COUNT_UNITS + r")\b", re.IGNORECASE)


def count_unit_in(text: str) -> str | None:
    """The first count unit a text names ("Shipping containers of munitions" -> containers),
    for the bare figures of a table row whose first cell says what they count."""
    m = _ANY_COUNT_UNIT.search(text)
    return _UNITS[m.group("unit").lower()] if m else None


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and pos < spans[k][1]


def _scale_words(text: str) -> list[tuple[int, int]]:
    """Spans of the matches of _START_SCALE, found with ``str.find`` in the lower-cased text:
    a regex scan of a long document costs several times more. The regex stays for a text
    whose lower case is not aligned with it ("İ" lowers to two characters) or that has a
    letter the regex takes for an i or an s (ı, ſ)."""
    low = text.lower()
    if len(low) != len(text) or "ı" in text or "ſ" in text:
        return [m.span() for m in _START_SCALE.finditer(text)]
    found = []
    size = len(text)
    for stem in ("illion", "housand"):
        p = low.find(stem)
        while p != -1:
            end = p + len(stem)
            if end == size or not (text[end].isalnum() or text[end] == "_"):  # \b after it
                if stem == "housand":
                    if p and low[p - 1] == "t":
                        found.append((p - 1, end))
                elif p and low[p - 1] in "mb":
                    found.append((p - 1, end))
                elif p > 1 and low[p - 2:p] == "tr":
                    found.append((p - 2, end))
            p = low.find(stem, end)
    return found


def _numbers(text: str, spans: list[tuple[int, int]], span_starts: list[int], tok: Tokens):
    """Matches of _NUMBER, tried only near where a figure may start (each digit or currency
    sign, each scale or number word) and not inside a date: trying the pattern at every
    position of a long document is what would make it slow."""
    anchors = [(m.start(), m.end(), False) for m in _START.finditer(text)]
    anchors += [(start, end, True) for start, end in _scale_words(text)]
    anchors += [(tok.starts[i], tok.ends[i], True)
                for i in compress(range(len(tok.lows)), map(_NUMBER_WORDS.__contains__, tok.lows))]
    anchors.sort()
    free = 0
    k, n_spans = 0, len(spans)
    for first, stop, is_word in anchors:
        while k < n_spans and spans[k][1] <= first:
            k += 1
        if k < n_spans and span_starts[k] <= first and stop <= spans[k][1]:
            continue  # the digits of a date: "19 June 2024"
        # A scale word is one anchor; a run of digits and signs is one per character.
        for pos in range(max(first, free), first + 1 if is_word else stop):
            if pos < free:
                continue
            lo = max(free, pos - 12 if is_word else pos - 3)
            hi = min(len(text), (stop if is_word else pos + 1) + 40)
            m = _NUMBER.search(text, lo, hi)
            while m and m.end() + 1 < pos:
                m = _NUMBER.search(text, m.end(), hi)
            if m and m.start() <= pos <= m.end() + 1:
                free = m.end()
                yield m


def find_quantities(text: str, time_spans: list[tuple[int, int]] = (),
                    tok: Tokens | None = None) -> list[Quantity]:
    """Every figure in ``text``, in order; numbers inside ``time_spans`` (dates) are skipped.
    ``tok``: the text's tokens, when the caller has them already."""
    spans = sorted(time_spans)
    span_starts = [s for s, _ in spans]
    found: list[Quantity] = []
    last_end = 0
    for m in _numbers(text, spans, span_starts, tok or tokenize(text)):
        raw_num, currency = m.group("num"), m.group("cur")
        word = small = None
        if raw_num:
            start = m.start("num")
        else:
            group = "word" if m.group("word") else "big" if m.group("big") else "small"
            word, small = m.group(group), group == "small"
            start = m.start(group)
        if currency:
            start = m.start("cur")
        if start < last_end or _inside(spans, span_starts, start):
            continue
        before = text[max(0, start - 30):start]
        # The patterns below end at the end of ``before`` (less white space), so a search
        # need only start as far back as their longest alternative; searching all of it
        # is what made this loop slow.
        tail = len(before.rstrip())
        if start >= 2 and text[start - 1] in "-–/" and text[start - 2].isalnum():
            continue  # KN-23, Ocean-2024, 24/7
        if _DESIGNATOR.search(before, tail - 11 if tail > 11 else 0) or \
                _MONTH_BEFORE.search(before, tail - 10 if tail > 10 else 0):
            continue
        value = _number(raw_num) if raw_num else _WORD_NUMBERS[word.lower()]
        s = _SUFFIX.match(text, m.end())
        scale, unit, per = s.group("scale"), s.group("unit"), s.group("per")
        end = s.end()
        if scale and scale.lower() in ("m", "b", "k") and not currency and \
                not (unit and _UNITS[unit.lower()] == "usd") and \
                not (scale.lower() == "k" and s.start("scale") == m.end()):
            scale, unit, per = None, None, None  # "850 m" is metres, not millions; "12k" is not
            end = m.end()
        if small and not unit:
            continue  # "two countries", "one of them": no figure
        if _NAME_AFTER.match(text, end):
            continue  # "1718 committee", "resolution 2397 panel"
        if not (scale or unit or currency) and _MONTH_AFTER.match(text, m.end()):
            continue  # the day of a date: "23 October"
        if raw_num and not (scale or unit or currency or s.group("num2")) and \
                "," not in raw_num and "." not in raw_num and 1900 <= value <= 2100:
            continue  # a year
        unit_name = _UNITS[unit.lower()] if unit else None
        if currency:
            unit_name = {"$": "usd", "US$": "usd", "€": "eur", "£": "gbp"}.get(
                currency.upper() if currency.upper() == "US$" else currency, "usd")
        if unit_name is None and not scale:
            late = _LATE_UNIT.match(text, end)
            if late and "." not in late.group(0) and ";" not in late.group(0):
                unit_name = _UNITS[late.group("unit").lower()]
            elif _CAPITALISED_AFTER.match(text, end) or _NAME_BEFORE.search(before):
                continue  # "1718 Committee", "Power of Siberia 2"
        elif unit_name is None:
            late = _LATE_UNIT.match(text, end)
            if late and "." not in late.group(0):
                unit_name = _UNITS[late.group("unit").lower()]
        if per is None and unit_name not in (None, "percent", "years", "months", "days"):
            late = _LATE_PER.match(text, end)
            if late and "." not in late.group(0):
                per = late.group("per")
        if per is None and unit_name in _RATED:
            # "annual trade of $1 billion", "$1 billion in annual trade"
            near = _ADJ_PER.search(text, max(0, start - 25), min(len(text), end + 25))
            if near and "." not in text[min(near.end(), start):max(near.start(), end)]:
                per = near.group(1)
        multiplier = _scale(scale) if scale else 1.0
        high = _number(s.group("num2")) * multiplier if s.group("num2") else None
        q = _QUALIFIER.search(before, tail - 13 if tail > 13 else 0)
        bound = Bound.EXACT
        if q:
            bound = _BOUNDS.get(q.group("q").lower(), Bound.APPROX)
        period = None
        if per:
            period = _PERIODS.get(_PER_WORD.sub("", per.lower()))
        found.append(new_quantity(text[start:end], value * multiplier, unit_name or "count", period,
                              start, end, None, bound, high))
        last_end = end
    return found
