"""How signals become a judgment: a level, a direction and a confidence per dimension.

The rules, in words (the numbers are in `data/assessment/rules.csv`; docs/assessment.md):

- **Level** (0 none, 1 low, 2 moderate, 3 high, 4 very high). Each signal reads its evidence
  and says which level it reaches (`data/assessment/levels.csv`). A dimension's level is the
  highest level that signals with a combined weight of at least the *quorum* (1.0) reach. A
  signal of weight 1.0 (curated events, recorded trade, fuel against the cap, listed
  designations, estimated measures) can carry a level alone; half-weight signals (GDELT, each
  of the UN figures) need a second one. Where no level is carried, signals below the quorum can
  still show *low* (the sub-quorum cap), never more. Adding evidence never lowers a level:
  more evidence can only raise a signal, and more signals can only add weight.
- **Direction** (rising, steady, falling, unknown). Each signal compares its recent window
  (the 12 months up to the as-of date) with its baseline (the three years before, per year);
  a level-based signal at the top of the scale in both says nothing. Each source votes once,
  with its heaviest signal's direction and weight; the dimension takes the direction with
  the most weight behind it; rising and falling with equal weight is steady; no signal with
  a direction is unknown.
- **Confidence** (high, medium, low). Every independent source that sees ties (a signal at
  level 1 or more) adds points: its quality (the rows' `confidence` column: high 1.0, medium
  0.75, low 0.5; recorded and listed data 1.0; GDELT 0.5), halved when the source is stale
  (its latest date more than a year before the as-of date). Signals from one source count
  once. Two points or more is high, one or more medium, less low. Removing a source never
  raises confidence; where sources disagree by two levels or more, the judgment says so in its
  caveats rather than in the confidence.

Records are frozen with `to_dict()`, like `claims/verdicts.py`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

from pivotwatch.errors import UsageError

DIMENSIONS = ("economic", "energy", "military", "political", "security", "humanitarian")
_DATA = files("pivotwatch") / "data" / "assessment"


class Level(IntEnum):
    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    VERY_HIGH = 4

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


class Direction(StrEnum):
    RISING = "rising"
    STEADY = "steady"
    FALLING = "falling"
    UNKNOWN = "unknown"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class SourceKind(StrEnum):
    RECORDED = "recorded"        # trade statistics, UN votes
    CURATED = "curated"          # the sourced reference timeline
    LISTED = "listed"            # sanctions lists
    ESTIMATED = "estimated"      # published estimates: measures, fuel beyond notifications
    EVENT_DATA = "event data"    # GDELT, machine-coded from news


QUALITY = {"high": 1.0, "medium": 0.75, "low": 0.5}
# each signal in words, for caveats and explanations a reader sees
SIGNAL_LABELS = {"curated_events": "curated events", "estimated_measures": "published estimates",
                 "recorded_trade": "recorded trade", "fuel_against_cap": "fuel against the UN cap",
                 "un_published_agreement": "UN voting agreement (published)",
                 "un_ideal_point_distance": "UN ideal-point distance",
                 "un_security_votes": "UN votes on nuclear and arms-control issues",
                 "designations_tying": "sanctions designations", "gdelt_events": "GDELT events"}


def label(signal: str) -> str:
    return SIGNAL_LABELS.get(signal, signal.replace("_", " "))


@dataclass(frozen=True)
class Evidence:
    """One row behind a signal: the table, the row's key, its date, what it says and where it
    is published (first http(s) URL, if any)."""

    source: str
    key: str
    date: str | None
    text: str
    url: str | None = None

    def to_dict(self) -> dict:
        return {"source": self.source, "key": self.key, "date": self.date, "text": self.text,
                "url": self.url}


@dataclass(frozen=True)
class Reading:
    """What one signal says about one dimension as of a date.

    `level` is None when the signal has no evidence for the dyad at all ("no data", never a
    zero). `value`/`baseline` are the figures compared, in `unit`; `source` names the
    independent source (signals from one source count once toward confidence); `quality` is
    0..1 (see QUALITY); `latest` is the date of the newest row the signal read."""

    signal: str
    dimension: str
    weight: float
    source: str
    kind: SourceKind
    level: Level | None
    direction: Direction = Direction.UNKNOWN
    value: float | None = None
    baseline: float | None = None
    unit: str = ""
    summary: str = ""
    quality: float = 1.0
    latest: str | None = None
    stale: bool = False
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict:
        return {"signal": self.signal, "dimension": self.dimension, "weight": self.weight,
                "source": self.source, "kind": self.kind.value,
                "level": None if self.level is None else int(self.level),
                "level_label": None if self.level is None else self.level.label,
                "direction": self.direction.value, "value": self.value,
                "baseline": self.baseline, "unit": self.unit, "summary": self.summary,
                "quality": self.quality, "latest": self.latest, "stale": self.stale,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Judgment:
    """A dimension's judgment: level (None: no evidence at all), direction, confidence, the
    readings it rests on, the strongest evidence and the caveats in words."""

    dimension: str
    level: Level | None
    direction: Direction
    confidence: Confidence
    readings: tuple[Reading, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    caveats: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())  # independent sources that see ties

    @property
    def level_label(self) -> str:
        return "no data" if self.level is None else self.level.label

    def to_dict(self) -> dict:
        return {"dimension": self.dimension,
                "level": None if self.level is None else int(self.level),
                "level_label": self.level_label, "direction": self.direction.value,
                "confidence": self.confidence.value, "sources": list(self.sources),
                "caveats": list(self.caveats),
                "signals": [r.to_dict() for r in self.readings],
                "evidence": [e.to_dict() for e in self.evidence]}


# --- the rule data -------------------------------------------------------------------------

def _rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True)
class Rules:
    """Every number the assessment uses, from `data/assessment/` (or a caller's own files)."""

    numbers: dict[str, float]
    signals: tuple[tuple[str, str, float], ...]            # (signal, dimension, weight)
    levels: dict[str, tuple[str, tuple[float, ...], bool]]  # signal -> (unit, thresholds, higher)
    measures: dict[str, tuple[str, tuple[float, ...]]]      # measure -> (unit, thresholds)
    event_weights: dict[str, float]
    event_also: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def event_dimensions(self, event_type: str, dimension: str) -> tuple[str, ...]:
        """The dimension a curated event is filed under, and those its type also speaks to."""
        return (dimension, *self.event_also.get(event_type, ()))

    def __getattr__(self, name: str) -> float:
        try:
            return self.numbers[name]
        except KeyError:
            raise AttributeError(name) from None


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UsageError(f"{what}: {text!r} is not a number")
    return value


def parse_signals(text: str, where: str) -> tuple[tuple[str, str, float], ...]:
    out = []
    for i, row in enumerate(_rows(text), start=1):
        signal, dim = (row.get("signal") or "").strip(), (row.get("dimension") or "").strip()
        if dim not in DIMENSIONS:
            raise UsageError(f"{where} row {i}: unknown dimension {dim!r}")
        weight = _number(row.get("weight"), f"{where} row {i} weight")
        if not 0 <= weight <= 1:
            raise UsageError(f"{where} row {i}: weight must be between 0 and 1")
        out.append((signal, dim, weight))
    return tuple(out)


def _thresholds(row: dict[str, str], where: str) -> tuple[float, ...]:
    values = tuple(_number(row.get(k), f"{where} {k}")
                   for k in ("low", "moderate", "high", "very_high"))
    return values


@cache
def _bundled(name: str) -> str:
    return (_DATA / name).read_text("utf-8")


def load_rules(signals_file: Path | None = None) -> Rules:
    """The bundled rules; `signals_file` replaces the (signal, dimension, weight) list."""
    numbers = {r["name"]: _number(r["value"], f"rules.csv {r['name']}")
               for r in _rows(_bundled("rules.csv"))}
    if signals_file is None:
        signals = parse_signals(_bundled("signals.csv"), "signals.csv")
    else:
        try:
            text = Path(signals_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {signals_file}: {exc}") from None
        signals = parse_signals(text, str(signals_file))
    levels = {}
    for row in _rows(_bundled("levels.csv")):
        t = _thresholds(row, f"levels.csv {row['signal']}")
        levels[row["signal"]] = (row["unit"], t, row["direction"] == "higher")
    measures = {row["measure"]: (row["unit"], _thresholds(row, f"measures.csv {row['measure']}"))
                for row in _rows(_bundled("measures.csv"))}
    weights, also = {}, {}
    for row in _rows(_bundled("event_weights.csv")):
        kind = row["event_type"]
        weights[kind] = _number(row["weight"], f"event_weights.csv {kind}")
        extra = tuple(d for d in (row.get("also") or "").split(";") if d)
        unknown = [d for d in extra if d not in DIMENSIONS]
        if unknown:
            raise UsageError(f"event_weights.csv {kind}: unknown dimension {unknown[0]!r}")
        also[kind] = extra
    return Rules(numbers, signals, levels, measures, weights, also)


def level_of(value: float | None, thresholds: tuple[float, ...], higher: bool = True) -> Level:
    """The level a value reaches: the number of thresholds it meets (higher is closer), or
    for ranks (higher=False) the number it is at or under."""
    if value is None:
        return Level.NONE
    met = sum(1 for t in thresholds if (value >= t if higher else value <= t))
    return Level(met)


def direction_of(recent: float | None, baseline: float | None, rules: Rules) -> Direction:
    """Rising when `recent` is at least `rising_ratio` times the baseline and larger by at
    least `min_change`; falling in the mirror case; otherwise steady. Unknown without both."""
    if recent is None or baseline is None:
        return Direction.UNKNOWN
    ratio, step = rules.rising_ratio, rules.min_change
    if recent - baseline >= step and recent >= ratio * baseline:
        return Direction.RISING
    if baseline - recent >= step and baseline >= ratio * recent:
        return Direction.FALLING
    return Direction.STEADY


def level_direction(recent: Level | None, baseline: Level | None) -> Direction:
    """For level-based signals: rising when the recent level is above the baseline level.
    Both at the top of the scale is unknown: a level that cannot go higher cannot show a
    rise."""
    if recent is None or baseline is None or recent == baseline == Level.VERY_HIGH:
        return Direction.UNKNOWN
    if recent > baseline:
        return Direction.RISING
    if recent < baseline:
        return Direction.FALLING
    return Direction.STEADY


# --- combining readings --------------------------------------------------------------------

def combined_level(readings: list[Reading], rules: Rules) -> Level | None:
    """The quorum rule (module docstring). None when no reading has evidence."""
    seen = [r for r in readings if r.level is not None]
    if not seen:
        return None
    for candidate in (Level.VERY_HIGH, Level.HIGH, Level.MODERATE, Level.LOW):
        if sum(r.weight for r in seen if r.level >= candidate) >= rules.quorum - 1e-9:
            return candidate
    best = max(r.level for r in seen)
    return Level(min(int(best), int(rules.sub_quorum_cap)))


def combined_direction(readings: list[Reading]) -> Direction:
    """The weighted vote of the module docstring: each source votes once, with the direction
    of its heaviest signal that has one and that signal's weight."""
    votes: dict[str, tuple[float, Direction]] = {}
    for r in readings:
        if r.level is None or r.direction == Direction.UNKNOWN:
            continue
        if r.source not in votes or r.weight > votes[r.source][0]:
            votes[r.source] = (r.weight, r.direction)
    weight = {d: 0.0 for d in (Direction.RISING, Direction.STEADY, Direction.FALLING)}
    for w, d in votes.values():
        weight[d] += w
    if not any(weight.values()):
        return Direction.UNKNOWN
    if weight[Direction.RISING] == weight[Direction.FALLING] and \
            weight[Direction.RISING] >= weight[Direction.STEADY]:
        return Direction.STEADY
    return max(weight, key=lambda d: (weight[d], d == Direction.STEADY))


def confidence_points(readings: list[Reading], rules: Rules) -> tuple[float, list[str]]:
    """Points from each independent source that sees ties (its best reading counts once)."""
    best: dict[str, float] = {}
    for r in readings:
        if r.level is None or r.level < Level.LOW:
            continue
        points = r.quality * (rules.stale_factor if r.stale else 1.0)
        best[r.source] = max(best.get(r.source, 0.0), points)
    return sum(best.values()), sorted(best)


def combined_confidence(readings: list[Reading], rules: Rules) -> tuple[Confidence, list[str]]:
    points, sources = confidence_points(readings, rules)
    if points >= rules.confidence_high - 1e-9:
        return Confidence.HIGH, sources
    if points >= rules.confidence_medium - 1e-9:
        return Confidence.MEDIUM, sources
    return Confidence.LOW, sources


def strongest(readings: list[Reading], n: int = 3) -> tuple[Evidence, ...]:
    """The `n` strongest pieces of evidence: from the readings with the highest level × weight
    first, one per reading in turn so that one source does not fill every slot."""
    ranked = sorted((r for r in readings if r.level is not None and r.evidence),
                    key=lambda r: (-(int(r.level) * r.weight), r.signal))
    picked: list[Evidence] = []
    depth = 0
    while len(picked) < n and any(depth < len(r.evidence) for r in ranked):
        for r in ranked:
            if depth < len(r.evidence) and r.evidence[depth] not in picked:
                picked.append(r.evidence[depth])
                if len(picked) == n:
                    break
        depth += 1
    return tuple(picked)


def caveats(dimension: str, level: Level | None, readings: list[Reading],
            sources: list[str]) -> tuple[str, ...]:
    """What a reader must know next to the judgment, in words."""
    out = []
    if level is None:
        return ("no source holds evidence for this dimension",)
    if level >= Level.LOW and len(sources) == 1:
        out.append(f"rests on one source only ({sources[0]})")
    seen = [r for r in readings if r.level is not None]
    # a zero from silence (no curated event in the window) does not disagree with anything;
    # a zero from a measurement (trade, lists, votes) does
    speaking = [r for r in seen if r.level >= Level.LOW
                or r.kind in (SourceKind.RECORDED, SourceKind.LISTED)]
    if speaking:
        hi = max(speaking, key=lambda r: r.level)
        lo = min(speaking, key=lambda r: r.level)
        if hi.level - lo.level >= 2:
            out.append(f"sources disagree: {label(hi.signal)} say {hi.level.label}, "
                       f"{label(lo.signal)} say {lo.level.label}")
    silent = sorted({f"{label(r.signal)} (latest {r.latest})" for r in readings
                     if r.level is None and r.latest})
    if silent:
        out.append(f"nothing in the window from {', '.join(silent)}")
    stale = sorted({f"{label(r.signal)} (latest {r.latest})" for r in seen
                    if r.stale and r.latest})
    if stale:
        out.append(f"stale, more than a year before the as-of date: {', '.join(stale)}")
    if any(r.kind == SourceKind.EVENT_DATA for r in seen) and \
            all(r.kind == SourceKind.EVENT_DATA for r in seen if r.level):
        out.append("only GDELT media events see ties here: media volume, not verified acts")
    return tuple(out)


def judge(dimension: str, readings: list[Reading], rules: Rules) -> Judgment:
    """One dimension's judgment from its readings (the module docstring's rules)."""
    level = combined_level(readings, rules)
    direction = combined_direction(readings) if level is not None else Direction.UNKNOWN
    confidence, sources = combined_confidence(readings, rules)
    return Judgment(dimension, level, direction, confidence, tuple(readings),
                    strongest(readings), caveats(dimension, level, readings, sources),
                    tuple(sources))
