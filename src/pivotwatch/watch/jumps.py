"""The week-on-week jump rule: did a dimension's volume-normalised activity rise in the latest
whole week, by how much, and is the rise more than chance?

Bands follow ACLED's conflict-alert convention: a rise of more than ``large`` (25%) over the
baseline is large, one between ``moderate`` and ``large`` (10-25%) moderate. A rise counts
only when it passes two guards, because a handful of GDELT events moves by 25% from one week
to the next all the time:

- **minimum count**: the latest week holds at least ``min_events`` events of the dimension;
- **more than chance**: under "the rate did not change", the latest week's share of the events
  of the latest and the baseline weeks together is binomial with p = its share of the media
  volume; the observed share must be that high with probability below ``max_p``. This test
  carries the baseline's own noise, so a thin baseline does not make a rise look certain.

The baseline is the ``baseline_weeks`` whole weeks before the latest, pooled (events over
volume), so one odd week does not set it. The rate is events per 10,000 of all events about
either country that week (the indicators' per_10k), so a week when the media cover everything
more is not a jump. What it cannot tell: a rise in reporting (one story repeated by many
outlets, GDELT's duplicates) looks the same as a rise in what happened; docs/watch.md gives
the measured false-alarm rate of these defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pivotwatch.errors import UsageError
from pivotwatch.watch.model import Severity


@dataclass(frozen=True)
class JumpRule:
    baseline_weeks: int = 4
    moderate: float = 0.10
    large: float = 0.25
    min_events: int = 20
    max_p: float = 0.001

    def __post_init__(self) -> None:
        if self.baseline_weeks < 1:
            raise UsageError("volume_jump: baseline_weeks must be 1 or more")
        if not 0 <= self.moderate <= self.large:
            raise UsageError("volume_jump: need 0 <= moderate <= large")
        if self.min_events < 1:
            raise UsageError("volume_jump: min_events must be 1 or more")
        if not 0 < self.max_p <= 1:
            raise UsageError("volume_jump: max_p must be in (0, 1]")


@dataclass(frozen=True)
class Jump:
    severity: Severity
    events: int             # in the latest week
    volume: float           # media volume of the latest week
    rate: float             # per 10k, latest week
    baseline_events: int
    baseline_volume: float
    baseline_rate: float    # per 10k, pooled over the baseline weeks
    rise: float | None      # rate / baseline_rate - 1; None when the baseline rate is 0
    p: float                # the binomial tail probability


def jump(events: Sequence[int], volume: Sequence[float], rule: JumpRule = JumpRule()
         ) -> Jump | None:
    """The jump of the last element of `events`/`volume` (weekly, oldest first) over the
    `rule.baseline_weeks` before it, or None when there is none (or too few weeks)."""
    from scipy.stats import binom

    k = rule.baseline_weeks
    if len(events) != len(volume):
        raise ValueError("events and volume differ in length")
    if len(events) < k + 1:
        return None
    n1, v1 = int(events[-1]), float(volume[-1])
    n0, v0 = int(sum(events[-k - 1:-1])), float(sum(volume[-k - 1:-1]))
    if n1 < rule.min_events or v1 <= 0 or v0 <= 0:
        return None
    rate1, rate0 = n1 * 1e4 / v1, n0 * 1e4 / v0
    rise = rate1 / rate0 - 1 if rate0 > 0 else None
    if rise is not None and rise < rule.moderate:
        return None
    p = float(binom.sf(n1 - 1, n1 + n0, v1 / (v1 + v0)))
    if p >= rule.max_p:
        return None
    severity = Severity.LARGE if rise is None or rise >= rule.large else Severity.MODERATE
    return Jump(severity, n1, v1, rate1, n0, v0, rate0, rise, p)
