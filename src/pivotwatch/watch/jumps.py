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
volume), so one odd week does not set it.

**Overdispersion.** The binomial test assumes the only noise is counting noise, which shrinks
relative to the count as the count grows; real week-to-week swings do not (a summit week, a
story copied by many outlets). So the test is done quasi-binomially: the counts are divided by
the series' own dispersion, Pearson's X^2/df of the up to ``dispersion_weeks`` weeks before the
latest around their pooled rate (at least 1), before the tail probability is taken. A rise
that is ordinary for this series' swings is then not "more than chance". docs/watch.md gives
what this costs in detection and gains in false alarms (measured by
benchmarks/watch_alarms.py). The rate is events per 10,000 of all events about
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
    baseline_weeks: int = 8
    moderate: float = 0.10
    large: float = 0.25
    min_events: int = 20
    max_p: float = 0.001
    dispersion_weeks: int = 26  # 0: plain binomial test

    def __post_init__(self) -> None:
        if self.baseline_weeks < 1:
            raise UsageError("volume_jump: baseline_weeks must be 1 or more")
        if not 0 <= self.moderate <= self.large:
            raise UsageError("volume_jump: need 0 <= moderate <= large")
        if self.min_events < 1:
            raise UsageError("volume_jump: min_events must be 1 or more")
        if not 0 < self.max_p <= 1:
            raise UsageError("volume_jump: max_p must be in (0, 1]")
        if self.dispersion_weeks < 0 or self.dispersion_weeks == 1:
            raise UsageError("volume_jump: dispersion_weeks must be 0 (off) or 2 or more")


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
    p: float                # the tail probability, counts divided by `dispersion`
    dispersion: float = 1.0  # the series' X^2/df over the weeks before the latest (>= 1)


def dispersion(events: Sequence[int], volume: Sequence[float]) -> float:
    """Pearson's X^2 / df of weekly counts around their pooled rate (expected count of a week
    = pooled rate x its volume), at least 1; 1 with fewer than two usable weeks."""
    pairs = [(float(n), float(v)) for n, v in zip(events, volume, strict=True) if v > 0]
    total_n, total_v = sum(n for n, _ in pairs), sum(v for _, v in pairs)
    if len(pairs) < 2 or total_n <= 0:
        return 1.0
    x2 = sum((n - v * total_n / total_v) ** 2 / (v * total_n / total_v) for n, v in pairs)
    return max(1.0, x2 / (len(pairs) - 1))


def jump(events: Sequence[int], volume: Sequence[float], rule: JumpRule = JumpRule()
         ) -> Jump | None:
    """The jump of the last element of `events`/`volume` (weekly, oldest first, no week
    missing) over the `rule.baseline_weeks` before it, or None when there is none (or too few
    weeks). Weeks before those (up to `rule.dispersion_weeks` before the latest in all) serve
    only to measure the series' dispersion."""
    from scipy.special import betainc

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
    d = rule.dispersion_weeks
    phi = dispersion(events[-d - 1:-1], volume[-d - 1:-1]) if d else 1.0
    # P(X >= n1) for X ~ Binomial(trials, share), with the counts divided by phi (a
    # quasi-binomial test): the regularised incomplete beta takes non-whole counts
    hits, trials = n1 / phi, (n1 + n0) / phi
    share = v1 / (v1 + v0)
    p = 1.0 if hits <= 0 else float(betainc(hits, trials - hits + 1, share)) \
        if trials - hits + 1 > 0 else 1.0
    if p >= rule.max_p:
        return None
    severity = Severity.LARGE if rise is None or rise >= rule.large else Severity.MODERATE
    return Jump(severity, n1, v1, rate1, n0, v0, rate0, rise, p, phi)
