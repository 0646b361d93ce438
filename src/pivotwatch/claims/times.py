"""Time references in prose, resolved to spans of days.

Handles ISO dates, "19 June 2024", "June 19, 2024", "September 2023", "January-April 2023",
"October and November 2024", "18-19 June 2024", "Q1 2024", "early 2024", "the first half of
2024" (or "H1 2024"), ranges of years ("2018-2019", "between 2018 and 2020"), bare years ("in
2023"), "since 2022" (open to the document date) and "by 2030", and "last year" / "this
month" relative to the document date when it is known.

References that point back ("the previous year", "a year earlier", "that month", "that same
year", "in March alone") resolve against the nearest earlier time in the text, not the
document's date: "$20 million the previous year" after "in 2023" is 2022. Only when no
earlier time is given does "the previous year" fall back to the document's date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import compress

from pivotwatch.claims.model import TimeRef, new_time
from pivotwatch.claims.tokens import Tokens, tokenize

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
# A month name. The lookahead of its first letters lets a word that starts otherwise fail at
# once: case-insensitive, the regex engine would try the twelve names one by one, in each of
# the alternatives of _PATTERN that take a month.
_M = r"(?=[adfjmnos])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
     r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_Y = r"(?:19|20)\d{2}"
# The lookahead after the word start lists every alternative's first character: a word that
# starts otherwise is passed over without trying the alternatives one by one. The lookaheads
# before the alternatives that start with words do the same for each of them (the regex
# engine cannot skip a case-insensitive word by its first letter by itself).
_PATTERN = re.compile(
    r"(?<![\w-])(?=[\dabdefhjlmnopqst])(?:"
    rf"(?P<iso>(?P<iy>{_Y})-(?P<im>[01]\d)-(?P<id>[0-3]\d))"
    rf"|(?P<drange>(?P<d1>\d{{1,2}})\s*[-–]\s*(?P<d2>\d{{1,2}})\s+(?P<drm>{_M})\s+(?P<dry>{_Y}))"
    rf"|(?P<dmy>(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm>{_M})\s*,?\s+(?P<dy>{_Y}))"
    rf"|(?P<mdy>(?P<mm>{_M})\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>{_Y}))"
    rf"|(?=[bf])(?P<mspan>(?:between|from)\s+(?P<sm1>{_M})\s+(?P<sy1>{_Y})\s+(?:and|to|until)"
    rf"\s+(?P<sm2>{_M})\s+(?P<sy2>{_Y}))"
    rf"|(?=[sf])(?P<msince>(?:since|from)\s+(?P<msm>{_M})\s+(?P<msy>{_Y}))"
    rf"|(?P<mrange>(?P<m1>{_M})\s*(?:-|–|to|and)\s*(?P<m2>{_M})\s+(?P<mry>{_Y}))"
    rf"|(?P<month>(?P<mo>{_M})\s*,?\s+(?:of\s+)?(?P<moy>{_Y}))"
    rf"|(?=[qfst])(?P<quarter>(?:Q(?P<q>[1-4])|(?P<qw>first|second|third|fourth)\s+quarter\s+of)"
    rf"\s+(?P<qy>{_Y}))"
    rf"|(?=[emlbsfh])(?P<part>(?P<pw>early|mid|late|end\s+of|beginning\s+of|start\s+of|"
    rf"(?:first|second)\s+half\s+of|H[12])[\s-]+(?P<py>{_Y}))"
    rf"|(?=[bf12])(?P<yrange>(?:between\s+(?P<b1>{_Y})\s+and|(?:from\s+)?(?P<y1>{_Y})\s*(?:-|–|to))"
    rf"\s*(?P<y2>(?:19|20)?\d{{2}}))"
    rf"|(?=[sf])(?P<since>(?:since|from)\s+(?P<sy>{_Y}))"
    rf"|(?=b)(?P<by>by\s+(?P<by_y>{_Y}))"
    rf"|(?P<year>{_Y})"
    r"|(?=[lntp])(?P<rel>(?P<rw>last|this|next|past)\s+(?P<ru>year|month))"
    r")(?![\w-])", re.IGNORECASE)
# Where a time reference may be: a year, or "year"/"month" after a relative word. The
# pattern starts with a plain character class (the lookarounds come after it), which lets the
# regex engine skip ahead quickly; scanning a document with _PATTERN itself is far slower.
_YEAR_ANCHOR = re.compile(r"(?:1(?<!\d1)9|2(?<!\d2)0)\d\d(?!\d)")
_RELATIVE_UNITS = frozenset({"year", "month"})
_RELATIVE = re.compile(r"\b(?:last|this|next|past)", re.IGNORECASE)
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# early: January-April, mid: May-August, late/end: September-December; the first half (H1):
# January-June, the second (H2): July-December.
_PARTS = {"early": (1, 4), "beginning of": (1, 4), "start of": (1, 4), "mid": (5, 8),
          "first half of": (1, 6), "h1": (1, 6), "second half of": (7, 12), "h2": (7, 12),
          "late": (9, 12), "end of": (9, 12)}
# A "year" followed by one of these is a count, not a year ("2000 troops").
_COUNT_AFTER = re.compile(r"\s+(?:troops|soldiers|barrels|tonnes|tons|shells|containers|"
                          r"workers|people|km)\b", re.IGNORECASE)


# Words before "year" or "month" that point back to a time already given, and the shift in
# units from it: "that (same) year", "the same month", "the previous year", "the following
# month". After the unit: "a year earlier", "a month later", "the year before" (at the end of
# a clause; "a year before the treaty" counts from the treaty). "That period" and "the same
# period" are the earlier time itself, whatever its length.
_ANAPHOR_UNITS = frozenset({"year", "month", "period", "years", "months"})
# "two years later", "18 months earlier": a count of units before the shift word.
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_SHIFT_BEFORE = {"previous": -1, "preceding": -1, "following": 1}
_SHIFT_AFTER = {"earlier": -1, "later": 1, "before": -1, "after": 1}
_SENTENCE_OPENING = re.compile(r"[.!?\n][\s\"'*-]*(?:(?:in|during)\s+)?$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"\s*(?:[,.;:)]|$)")
# A month name with no year after a preposition: "in March alone", "during May".
_MONTH_NAMES = frozenset(name.lower() for name in calendar.month_name if name)
_MONTH_PREPOSITIONS = frozenset({"in", "during"})  # "by March" is a deadline, not the month
_MARKS = _ANAPHOR_UNITS | _MONTH_NAMES


@dataclass(frozen=True)
class _Anaphor:
    """A time that points back: ``unit`` year or month, shifted by ``shift`` from the
    nearest earlier time, or that time itself (``unit`` period); or the ``month`` (1-12) of
    that time's year."""

    begin: int
    end: int
    unit: str
    shift: int = 0
    month: int = 0


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_of(short: str, first: int) -> int:
    return int(short) if len(short) == 4 else first // 100 * 100 + int(short)


@cache
def _year(year: int) -> tuple[date, date, str]:
    return date(year, 1, 1), date(year, 12, 31), "year"


def _resolve(m: re.Match, doc_date: date | None) -> tuple[date | None, date | None, str] | None:
    # The alternative that matched is the last group to close; most are a bare year.
    if m.lastgroup == "year":
        return _year(int(m.group("year")))
    g = m.group
    if g("iso"):
        day = date(int(g("iy")), int(g("im")), int(g("id")))
        return day, day, "day"
    if g("drange"):
        y, mo = int(g("dry")), _month(g("drm"))
        return date(y, mo, int(g("d1"))), date(y, mo, int(g("d2"))), "day"
    if g("dmy") or g("mdy"):
        y, mo, d = (g("dy"), g("dm"), g("dd")) if g("dmy") else (g("my"), g("mm"), g("md"))
        day = date(int(y), _month(mo), int(d))
        return day, day, "day"
    if g("mspan"):  # "between September 2023 and February 2024"
        start = date(int(g("sy1")), _month(g("sm1")), 1)
        end = _month_end(int(g("sy2")), _month(g("sm2")))
        return (start, end, "months") if start <= end else None
    if g("msince"):  # "since September 2023": open to the document's date
        return date(int(g("msy")), _month(g("msm")), 1), doc_date, "since"
    if g("mrange"):
        y = int(g("mry"))
        return date(y, _month(g("m1")), 1), _month_end(y, _month(g("m2"))), "month"
    if g("month"):
        y, mo = int(g("moy")), _month(g("mo"))
        return date(y, mo, 1), _month_end(y, mo), "month"
    if g("quarter"):
        y = int(g("qy"))
        q = int(g("q")) if g("q") else _QUARTERS[g("qw").lower()]
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter"
    if g("part"):
        y = int(g("py"))
        first, last = _PARTS[re.sub(r"\s+", " ", g("pw").lower())]
        return date(y, first, 1), _month_end(y, last), "part_year"
    if g("yrange"):
        y1 = int(g("y1") or g("b1"))
        y2 = _year_of(g("y2"), y1)
        if y2 <= y1:
            return None
        return date(y1, 1, 1), date(y2, 12, 31), "years"
    if g("since"):
        return date(int(g("sy")), 1, 1), doc_date, "since"
    if g("by"):
        return None, date(int(g("by_y")), 12, 31), "by"
    if doc_date is None:
        return None, None, "relative"
    shift = {"last": -1, "previous": -1, "past": -1, "this": 0, "next": 1}[g("rw").lower()]
    if g("ru").lower() == "year":
        y = doc_date.year + shift
        return date(y, 1, 1), date(y, 12, 31), "year"
    months = doc_date.year * 12 + doc_date.month - 1 + shift
    y, mo = divmod(months, 12)
    return date(y, mo + 1, 1), _month_end(y, mo + 1), "month"


def _relative_anchors(text: str, tok: Tokens, units: list[int]) -> list[tuple[int, int]]:
    """Spans of "last year", "this month"... (a relative word, white space, the unit);
    ``units``: the positions of the words "year" and "month"."""
    found = []
    starts, ends, size = tok.starts, tok.ends, len(text)
    # The unit is a whole word ("year_" is none: the underscore joins words in a regex).
    for i in units:
        start, end = starts[i], ends[i]
        if end < size and text[end] == "_":
            continue
        q = start
        while q > 0 and text[q - 1].isspace():
            q -= 1
        if q == start:
            continue
        if q >= 4 and _RELATIVE.fullmatch(text, q - 4, q):  # last, this, next, past
            found.append((q - 4, end))
    return found


def _candidates(text: str, tok: Tokens, units: list[int]):
    """Matches of the full pattern, tried only near a year or a relative phrase: the full
    pattern is slow to try at every position of a long document."""
    anchors = [m.span() for m in _YEAR_ANCHOR.finditer(text)]
    relative = _relative_anchors(text, tok, units)
    if relative:
        anchors = sorted(anchors + relative)
    free = 0
    for pos, end in anchors:
        if pos < free:
            continue
        lo, hi = max(free, pos - 30), min(len(text), end + 32)  # room for "and February 2024"
        m = _PATTERN.search(text, lo, hi)
        while m and m.end() <= pos:
            m = _PATTERN.search(text, m.end(), hi)
        if m and m.start() <= pos < m.end():
            free = m.end()
            yield m


def _spaced(text: str, tok: Tokens, i: int) -> bool:
    """Whether only white space separates word ``i`` from word ``i + 1``."""
    return text[tok.ends[i]:tok.starts[i + 1]].isspace()


def _unit_anaphor(text: str, tok: Tokens, i: int) -> _Anaphor | None:
    """The time pointing back around the word "year", "month" or "period" at ``i``, if it
    is one."""
    lows, starts, ends = tok.lows, tok.starts, tok.ends
    if text[ends[i]:ends[i] + 1] in ("-", "_"):  # "year-on-year", "month_end"
        return None
    unit, before = lows[i], lows[i - 1] if i and _spaced(text, tok, i - 1) else ""
    first = i - 2 if i > 1 and lows[i - 2] in ("the", "that") and _spaced(text, tok, i - 2) \
        else i - 1
    plural = unit in ("years", "months")  # counted only: "two years later"
    if not plural and (before == "that" or before == "same" and first == i - 2):
        return _Anaphor(starts[first], ends[i], unit)
    if unit == "period":
        return None
    if not plural and before in _SHIFT_BEFORE:
        return _Anaphor(starts[first], ends[i], unit, _SHIFT_BEFORE[before])
    count = int(not plural) if before == "the" else _COUNTS.get(before) or \
        (int(before) if before.isdigit() and len(before) < 3 else 0)  # not "the years after"
    if count and i + 1 < len(lows) and _spaced(text, tok, i):
        after = lows[i + 1]
        if after in ("earlier", "later") or after in _SHIFT_AFTER and \
                _CLAUSE_END.match(text, ends[i + 1]):
            return _Anaphor(starts[i - 1], ends[i + 1], unit.rstrip("s"),
                            count * _SHIFT_AFTER[after])
    return None


def _anaphors(text: str, tok: Tokens, units: list[int], months: list[int]) -> list[_Anaphor]:
    """Times that point back ("the previous year", "that month", "in March alone"), in
    order; ``units`` and ``months``: the positions of the words "year", "month" and
    "period" and of month names. A month name counts when it is capitalised, follows a
    preposition and has no year or day after it (those are read by the full pattern)."""
    lows, words = tok.lows, tok.words
    found = [a for i in units if i and (a := _unit_anaphor(text, tok, i))]
    for i in months:
        if i and words[i][0].isupper() and lows[i - 1] in _MONTH_PREPOSITIONS and \
                not (i + 1 < len(lows) and lows[i + 1][0].isdigit()):
            found.append(_Anaphor(tok.starts[i], tok.ends[i], "month", month=_month(lows[i])))
    return sorted(found, key=lambda a: a.begin)


def _one_year(t: TimeRef) -> int | None:
    """The calendar year a resolved time lies in, or None when it spans several."""
    return t.start.year if t.start and t.end and t.start.year == t.end.year else None


def _back(a: _Anaphor, last: TimeRef | None,
          doc_date: date | None) -> tuple[date | None, date | None, str] | None:
    """The span of a time pointing back from ``last`` (the nearest earlier time), or None
    when it cannot be told. With no earlier time, a shifted year or month ("the previous
    year") counts from the document's date, as "last year" does."""
    if last is None:
        if not a.shift or a.month:
            return None
        if doc_date is None:
            return None, None, "relative"
        last = new_time("", doc_date, doc_date, "day", 0, 0)
    if a.unit == "period":
        return (last.start, last.end, last.precision) if last.start else None
    year = _one_year(last)
    if a.month:
        return (date(year, a.month, 1), _month_end(year, a.month), "month") if year else None
    if a.unit == "year":
        if a.shift:  # a year before a span of years is before its first year
            year = (last.start.year if a.shift < 0 else last.end.year) + a.shift
        return _year(year) if year else None
    if year is None or last.start.month != last.end.month:
        return None
    y, mo = divmod(year * 12 + last.start.month - 1 + a.shift, 12)
    return date(y, mo + 1, 1), _month_end(y, mo + 1), "month"


def _opens_sentence(text: str, at: int) -> bool:
    """Whether offset ``at`` opens a sentence, perhaps after "In" or "During" (the text's
    start counts as a line break)."""
    window = text[max(0, at - 12):at]
    return bool(_SENTENCE_OPENING.search("\n" + window if at <= 12 else window))


def _with_anaphors(text: str, found: list[TimeRef], anaphors: list[_Anaphor],
                   doc_date: date | None) -> list[TimeRef]:
    """``found`` with the times pointing back resolved and merged in, in order of offset;
    one that overlaps a time of ``found`` is part of it and drops. The antecedent of each is
    the nearest earlier time written out, pointed back to without a shift, or shifted at the
    opening of a sentence."""
    merged: list[TimeRef] = []
    last, pending = None, iter(anaphors)
    a = next(pending, None)
    for t in [*found, None]:
        while a is not None and (t is None or a.begin < t.begin):
            clear = (not merged or merged[-1].finish <= a.begin) and \
                (t is None or a.end <= t.begin)
            resolved = _back(a, last, doc_date) if clear else None
            if resolved is not None:
                merged.append(new_time(text[a.begin:a.end], *resolved, a.begin, a.end))
                # A shifted time inside a sentence is a point of comparison ("up from $20
                # million the previous year"), not the time the text goes on about; one that
                # opens a sentence ("The previous year, ...") is.
                if merged[-1].start and (not a.shift or _opens_sentence(text, a.begin)):
                    last = merged[-1]
            a = next(pending, None)
        if t is not None:
            merged.append(t)
            last = t if t.start and t.end else last
    return merged


def find_times(text: str, doc_date: date | None = None,
               tok: Tokens | None = None) -> list[TimeRef]:
    """Every time reference in ``text``, in order. ``tok``: the text's tokens, when the
    caller has them already."""
    found: list[TimeRef] = []
    tok = tok or tokenize(text)
    # One pass over the words finds both the units ("year", "month", "period") and the
    # month names.
    marks = list(compress(range(len(tok.lows)), map(_MARKS.__contains__, tok.lows)))
    units = [i for i in marks if tok.lows[i] in _ANAPHOR_UNITS]
    relative = [i for i in units if tok.lows[i] in _RELATIVE_UNITS]
    for m in _candidates(text, tok, relative):
        if m.group("year") and _COUNT_AFTER.match(text, m.end()):
            continue
        try:
            resolved = _resolve(m, doc_date)
        except ValueError:  # 31 February and the like: not a date
            continue
        if resolved is not None:
            start, end, precision = resolved
            found.append(new_time(m.group(), start, end, precision, m.start(), m.end()))
    anaphors = _anaphors(text, tok, units, [i for i in marks if tok.lows[i] in _MONTH_NAMES])
    return _with_anaphors(text, found, anaphors, doc_date) if anaphors else found
