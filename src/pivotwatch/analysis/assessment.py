"""The assessment: how close two countries are, in what, which way it moves and how sure we are.

For a dyad and one as-of date, every signal in the (signal, dimension, weight) list
(`data/assessment/signals.csv`, or a caller's own) reads the evidence dated on or before that
date (`analysis/signals.py`); `analysis/judgment.py` turns each dimension's readings into a
level, a direction and a confidence with its strongest evidence and caveats; a few plain
sentences (the bottom line) are written from the judgments, with no model. The same
judgments are made for the focus with each of its partners (the comparison) and as of each
year or quarter end over a range (the history). docs/assessment.md states the rules.

Nothing here calls `date.today()`: without an as-of date the assessment is made as of the
newest dated evidence about the pair, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pivotwatch import taxonomy
from pivotwatch.analysis.dossier import REFERENCE_PAIR, Dossier, latest_date, load_dossier
from pivotwatch.analysis.dyads import parse_dyad
from pivotwatch.analysis.judgment import (
    DIMENSIONS,
    Confidence,
    Direction,
    Judgment,
    Level,
    Rules,
    judge,
    label,
    load_rules,
)
from pivotwatch.analysis.partners import DEFAULT_PARTNERS
from pivotwatch.analysis.signals import SIGNALS
from pivotwatch.errors import UsageError
from pivotwatch.store.store import reading

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

FREQS = ("year", "quarter")
MAX_HISTORY_POINTS = 200


@dataclass(frozen=True)
class PartnerCell:
    """One cell of the comparison: the focus with one partner on one dimension."""

    partner: str
    dimension: str
    level: Level | None
    direction: Direction
    confidence: Confidence
    focus_pair: bool = False  # the dyad being assessed

    def to_dict(self) -> dict:
        return {"partner": self.partner, "dimension": self.dimension,
                "level": None if self.level is None else int(self.level),
                "level_label": "no data" if self.level is None else self.level.label,
                "direction": self.direction.value, "confidence": self.confidence.value,
                "focus_pair": self.focus_pair}


@dataclass(frozen=True)
class Assessment:
    dyad: str
    as_of: date
    as_of_basis: str              # "given" or "newest evidence about the pair"
    bottom_line: str
    judgments: tuple[Judgment, ...]
    partners: tuple[PartnerCell, ...] = ()
    sources: tuple[dict, ...] = ()
    notes: tuple[str, ...] = ()   # what the whole assessment cannot tell, in words

    def judgment(self, dimension: str) -> Judgment:
        return next(j for j in self.judgments if j.dimension == dimension)

    def to_dict(self) -> dict:
        return {"dyad": self.dyad, "as_of": self.as_of.isoformat(),
                "as_of_basis": self.as_of_basis, "bottom_line": self.bottom_line,
                "dimensions": [j.to_dict() for j in self.judgments],
                "partners": [c.to_dict() for c in self.partners],
                "sources": list(self.sources), "notes": list(self.notes)}


# --- judging -------------------------------------------------------------------------------

def judgments(d: Dossier, partner: str, as_of: date, rules: Rules) -> tuple[Judgment, ...]:
    """The six dimensions' judgments for the focus with `partner` as of `as_of`."""
    out = []
    for dim in DIMENSIONS:
        readings = [SIGNALS[name](d, partner, dim, as_of, rules, weight)
                    for name, dimension, weight in rules.signals
                    if dimension == dim and name in SIGNALS]
        out.append(judge(dim, readings, rules))
    return tuple(out)


def check_signals(rules: Rules) -> None:
    unknown = sorted({name for name, _, _ in rules.signals if name not in SIGNALS})
    if unknown:
        raise UsageError(f"unknown signal {unknown[0]!r}: choose from {', '.join(SIGNALS)}")


# --- the bottom line -----------------------------------------------------------------------

def name(code: str) -> str:
    return taxonomy.countries().get(code, code)


def _join(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def bottom_line(focus: str, partner: str, as_of: date, found: Sequence[Judgment],
                sources: Sequence[dict]) -> str:
    """Two to four sentences: which dimensions lead, what changed since the baseline, how
    sure, and the largest caveat."""
    pair = f"{name(focus)}–{name(partner)}"
    seen = [j for j in found if j.level is not None]
    if not seen:
        return (f"As of {as_of.day} {as_of:%B %Y}, no loaded source holds evidence about "
                f"{pair} ties; load the reference tables, UN votes or sanctions lists first.")
    by_level: dict[Level, list[str]] = {}
    for j in sorted(seen, key=lambda j: -int(j.level)):
        by_level.setdefault(j.level, []).append(j.dimension)
    parts = [f"{lvl.label} in {_join(dims)}" for lvl, dims in by_level.items()]
    missing = [j.dimension for j in found if j.level is None]
    first = f"As of {as_of.day} {as_of:%B %Y}, {pair} ties are {_join(parts)}"
    first += f"; no source speaks to {_join(missing)}." if missing else "."
    moved = {d: [j.dimension for j in seen if j.direction == d]
             for d in (Direction.RISING, Direction.FALLING)}
    if moved[Direction.RISING] or moved[Direction.FALLING]:
        bits = [f"{_join(v)} {'rose' if k == Direction.RISING else 'fell'}"
                for k, v in moved.items() if v]
        second = f"Against the three years before, {_join(bits)}."
    else:
        second = "Against the three years before, nothing moved beyond the thresholds."
    sure = {c: [j.dimension for j in seen if j.confidence == c] for c in Confidence}
    third = "Confidence is " + _join([f"{c.value} for {_join(v)}" for c, v in sure.items()
                                      if v]) + "."
    return " ".join([first, second, third, _largest_caveat(seen, sources)]).strip()


def _largest_caveat(seen: Sequence[Judgment], sources: Sequence[dict]) -> str:
    top = max(int(j.level) for j in seen)
    for j in sorted(seen, key=lambda j: -int(j.level)):
        if int(j.level) == top and top >= Level.MODERATE and len(j.sources) == 1:
            return f"The {j.dimension} judgment rests on one source only ({j.sources[0]})."
    dates: dict[str, set[str]] = {}
    for r in (r for j in seen for r in j.readings):
        if r.stale and r.level is not None and r.latest:
            dates.setdefault(label(r.signal), set()).add(r.latest)
    if dates:
        stale = [f"{source} (latest {', '.join(sorted(days))})"
                 for source, days in sorted(dates.items())]
        return f"Some judgments rest on figures more than a year old: {_join(stale)}."
    if not any(r.kind.value == "event data" and r.level is not None
               for j in seen for r in j.readings):
        return "GDELT holds no events for the pair: no judgment uses media volume."
    return ""


# --- the API -------------------------------------------------------------------------------

def _sources(store: Store, as_of: date, rules: Rules) -> tuple[dict, ...]:
    from pivotwatch.analysis.freshness import freshness

    return tuple(f.to_dict() for f in freshness(store, as_of,
                                                stale_after_days=int(rules.stale_days)))


def _partner_list(focus: str, partner: str, partners: Sequence[str] | str | None) -> list[str]:
    if partners is None:
        chosen = list(DEFAULT_PARTNERS)
    else:
        items = partners.split(",") if isinstance(partners, str) else list(partners)
        chosen = [taxonomy.validate_country(p.strip()) for p in items if p.strip()]
    return [p for p in dict.fromkeys([partner, *chosen]) if p != focus]


def assess(dyad: str = "RUS-PRK", *, store: Store | None = None, as_of: date | None = None,
           partners: Sequence[str] | str | None = None, compare: bool = True,
           signals_file: Path | None = None) -> Assessment:
    """The assessment of `dyad` as of `as_of` (default: the newest dated evidence about the
    pair), with the same judgments for the focus and each partner when `compare`.

    Example: `pivotwatch.assess("RUS-PRK", as_of=date(2024, 12, 31)).bottom_line`
    """
    focus, partner = parse_dyad(dyad)
    rules = load_rules(signals_file)
    check_signals(rules)
    others = _partner_list(focus, partner, partners)

    with reading(store) as st:
        d = load_dossier(st, focus, others if compare else [partner])
        return _assess(d, st, focus, partner, as_of, rules, compare)


def assess_dossier(d: Dossier, st: Store, partner: str, *, as_of: date | None = None,
                   signals_file: Path | None = None) -> Assessment:
    """`assess` without the comparison, on a dossier already read (`load_dossier(st, focus,
    [partner])`): for a caller that reads the same rows for other purposes (the watcher)."""
    rules = load_rules(signals_file)
    check_signals(rules)
    return _assess(d, st, d.focus, partner, as_of, rules, False)


def _assess(d: Dossier, st: Store, focus: str, partner: str, as_of: date | None,
            rules: Rules, compare: bool) -> Assessment:
    basis = "given"
    if as_of is None:
        as_of = latest_date(d, partner)
        basis = "newest evidence about the pair"
        if as_of is None:
            raise UsageError(f"the store holds no dated evidence about {focus}-{partner}: "
                             "load the reference tables (pivotwatch ingest reference), UN "
                             "votes or sanctions lists, or give --as-of")
    found = judgments(d, partner, as_of, rules)
    cells: list[PartnerCell] = []
    if compare:
        for p in d.partners:
            each = found if p == partner else judgments(d, p, as_of, rules)
            cells += [PartnerCell(p, j.dimension, j.level, j.direction, j.confidence,
                                  p == partner) for j in each]
    sources = _sources(st, as_of, rules)
    return Assessment(f"{focus}-{partner}", as_of, basis,
                      bottom_line(focus, partner, as_of, found, sources), found,
                      tuple(cells), sources, _notes(d, partner, as_of, rules, compare))


def _notes(d: Dossier, partner: str, as_of: date, rules: Rules, compare: bool) -> tuple[str, ...]:
    notes = []
    newest = latest_date(d, partner)
    if newest is not None and (as_of - newest).days > rules.stale_days:
        notes.append(f"the as-of date is {(as_of - newest).days} days after the newest evidence "
                     f"about the pair ({newest.isoformat()}): the recent windows hold nothing "
                     "newer, so levels read from the last 12 months fall to none or no data")
    others = [p for p in d.partners if {d.focus, p} != REFERENCE_PAIR]
    if compare and others and {d.focus, partner} == REFERENCE_PAIR:
        notes.append("the curated tables (key events, published estimates, reference trade, "
                     "fuel) cover Russia–DPRK only: " + ", ".join(others) + " are judged on UN "
                     "votes, sanctions lists, Comtrade and GDELT alone, so a 'no data' cell "
                     "there means no such source, not no ties")
    return tuple(notes)


def period_ends(start: int, end: int, freq: str = "year") -> list[date]:
    """Year ends (or quarter ends) from `start` to `end`, inclusive."""
    if freq not in FREQS:
        raise UsageError(f"unknown frequency {freq!r}: choose from {', '.join(FREQS)}")
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    quarters = ((3, 31), (6, 30), (9, 30), (12, 31)) if freq == "quarter" else ((12, 31),)
    days = [date(y, m, d) for y in range(start, end + 1) for m, d in quarters]
    if len(days) > MAX_HISTORY_POINTS:
        raise UsageError(f"a history of {len(days)} points is too long (at most "
                         f"{MAX_HISTORY_POINTS}): shorten the range or use --freq year")
    return days


def history(dyad: str = "RUS-PRK", *, store: Store | None = None, start: int = 2015,
            end: int | None = None, freq: str = "year", until: date | None = None,
            signals_file: Path | None = None) -> list[Assessment]:
    """The judgments as of each year (or quarter) end from `start` to `end` (default: the
    year of the newest evidence about the pair): the trajectory, and the backtest of the
    rules against the record. No partner comparison. With `until`, the periods end there and
    the last point is `until` itself, so a trajectory ends on the assessment it explains."""
    focus, partner = parse_dyad(dyad)
    rules = load_rules(signals_file)
    check_signals(rules)
    if end is not None:
        period_ends(start, end, freq)  # a bad range fails before the store is read

    with reading(store) as st:
        d = load_dossier(st, focus, [partner])
        last = end
        if last is None:
            newest = latest_date(d, partner)
            if newest is None:
                raise UsageError(f"the store holds no dated evidence about {focus}-{partner}")
            last = newest.year
        days = period_ends(start, last, freq)
        if until is not None:
            days = [day for day in days if day < until] + [until]
        return [_assess(d, st, focus, partner, day, rules, False) for day in days]


def history_frame(found: Sequence[Assessment]) -> pd.DataFrame:
    """One row per as-of date and dimension: level, label, direction, confidence, sources."""
    import pandas as pd

    rows = [{"dyad": a.dyad, "as_of": a.as_of, "dimension": j.dimension,
             "level": None if j.level is None else int(j.level), "level_label": j.level_label,
             "direction": j.direction.value, "confidence": j.confidence.value,
             "sources": "; ".join(j.sources)}
            for a in found for j in a.judgments]
    return pd.DataFrame(rows, columns=["dyad", "as_of", "dimension", "level", "level_label",
                                       "direction", "confidence", "sources"])
