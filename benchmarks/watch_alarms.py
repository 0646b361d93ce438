#!/usr/bin/env python
"""How often do the watch's series rules raise an alert when nothing changed, and how soon do
they see a change of known size? Replays of simulated dyads built from real GDELT data.

The two rules measured are the ones `pivotwatch watch` runs on a dyad's series:

- **volume_jump** (`pivotwatch.watch.jumps.jump`, `JumpRule()`), called every week on the
  weekly events and media volume of each of a dyad's 7 series (the 6 dimensions and "all"),
  the last element being the latest whole week;
- **change_point** (`pivotwatch.analysis.changes.detect`) on the monthly per_10k series of
  each of the 7, replayed month by month: at month m it runs on months 0..m (months with fewer
  than `changes.MIN_EVENTS` dyad events are thin, as in `pivotwatch changes`), and a shift or
  spike at index m-1 or later that no earlier month reported is an alert.

How a dyad is simulated (all of it from real data, no change planted unless asked):

- **media volume**: the real daily series of GDELT 1.0 daily exports, 2013-04-01..2020-12-28
  (`../shared/data/gdelt/v1/meta/filesizes`: 2,825 real file sizes; rows = bytes / the
  deflated bytes per row of the real GDELT 2.0 exports). It is made stationary (divided by its
  centred 29-day median) and block-bootstrapped by whole real calendar weeks (Monday-Sunday),
  so the weekday pattern and bursty weeks are the real ones; scaled to the rows about either
  country (the real share of rows with RUS or CHN as an actor). Both rules are scale-free in
  the volume, so the scale is for the reader only.
- **the dyad's events**: each day Poisson with mean rate x volume (the rate set so the dyad
  has `level` events a week on average), each event given the dimensions of a real row drawn
  at random (multinomial over the real dyadic rows' dimension profiles: CAMEO code through the
  package's dimension map, energy by source URL, as `store/derived.py` tags them).
- model **poisson**: the above; model **gamma-poisson** (negative binomial): the day's mean is
  also multiplied by a gamma day factor and a gamma week factor, with variances set to the real
  volume's own day-to-day residual variation (after trend and weekday) and the rest of its
  week-to-week variation. Real news about one pair is far burstier than the total volume (a
  summit, a visit); neither model reproduces that, so the rates at rest are lower bounds.
  "gamma-poisson-xK" puts K times the real variation on the dyad: a stress test.

Besides the rules as they stand, `--search` measures other JumpRule settings, among them the
rule as it stood before these measurements (`BEFORE`: 4 baseline weeks, a plain binomial
test), and every run measures change_point with and without the watcher's guard (`guarded`:
enough events of the dimension in the changed month or the month before); `--partial N`
measures change_point on the current, partial month, which the watcher no longer tests.

Planted shifts multiply the dyad's rate (every dimension) by 1.5 or 2.0 from a known week
(month) on. Detection: the dyad's "all" series fires within `DETECT_WEEKS` weeks of the shift
(volume_jump) or within `DETECT_MONTHS` months (change_point; a shift needs two months of the
new level to be seen); delay is counted from the shift's week (month), 0 = that week.

    python benchmarks/watch_alarms.py                  # the table (~4-5 min on 2 busy cores)
    python benchmarks/watch_alarms.py --replays 600 --cp-replays 50 --jobs 4
    python benchmarks/watch_alarms.py --quick          # a smoke run (~10 s), as the test does
    python benchmarks/watch_alarms.py --models gamma-poisson-x3 --search

Writes the table to benchmarks/work/watch-alarms.md and the figures to watch-alarms.json.
Not part of the test suite (tests/test_watch_alarms.py runs pieces of it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pivotwatch import taxonomy  # noqa: E402
from pivotwatch.analysis import changes  # noqa: E402
from pivotwatch.sources.gdelt.layout import V2  # noqa: E402
from pivotwatch.watch.jumps import JumpRule, jump  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "gdelt"
SAMPLE = ROOT / "src" / "pivotwatch" / "data" / "sample" / "gdelt"
WORK = ROOT / "benchmarks" / "work"

SERIES = ("all", *taxonomy.DIMENSIONS)  # what the watcher checks per dyad, every week
LEVELS = (5, 30, 150, 1000)  # dyad events a week ("all"): thin RUS-PRK ... thick RUS-CHN
MODELS = ("poisson", "gamma-poisson")
FACTORS = (1.5, 2.0)
MONTH_DAYS = 365.25 / 12
WEEKS_PER_MONTH = MONTH_DAYS / 7
TARGET = 1.0  # false alerts per dyad-month at most (issue 14)

REST_WEEKS = 156  # a replay at rest: 3 years of weeks, every week from the 5th checked
SHIFT_WEEK = 20  # planted shift: first week at the new rate
DETECT_WEEKS = 4  # detected when an alert comes in weeks SHIFT_WEEK .. +3
CP_HISTORY = 24  # change_point at rest: months 24..35 checked on all history before them
CP_CHECKED = 12
CP_SHIFT = 24  # planted: first month at the new rate
DETECT_MONTHS = 3  # detected when an alert comes in months CP_SHIFT .. +2
PARTIAL_STEP = 3  # days between the checks of a partial month (the watcher: every cycle)
CP_SETTINGS = ("default", f"dimension >= {changes.MIN_EVENTS} events")
TRIM = 29  # days in the centred median that makes the volume stationary


# --- the real data ------------------------------------------------------------------------

@dataclass
class RealData:
    """What the simulations draw from, with where each piece came from."""

    profiles: np.ndarray  # (P, 7) 0/1: the series each real dimension profile counts in
    shares: np.ndarray  # (P,) share of the real dyadic rows with that profile
    rows: int  # real dyadic rows behind the shares
    weeks: np.ndarray  # (K, 7) real whole weeks of stationary daily volume (mean 1)
    volume_per_day: float  # mean rows a day about either country
    day_cv: float | None  # residual day-to-day variation of the real volume
    week_cv: float | None  # ... and week-to-week
    notes: list[str] = field(default_factory=list)

    @property
    def dimension_shares(self) -> dict[str, float]:
        return {s: float(self.shares @ self.profiles[:, i]) for i, s in enumerate(SERIES)}


def _export_lines(folder: Path) -> list[list[str]]:
    rows = []
    for path in sorted(folder.glob("*.export.CSV")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            fields = line.split("\t")
            if len(fields) == V2.width:
                rows.append(fields)
    return rows


def dimension_profiles(rows: list[list[str]]) -> tuple[np.ndarray, np.ndarray, int]:
    """The dimension profiles of the real rows with two different countries as actors (what a
    dyad is made of), tagged as the store tags them, and the share of each."""
    col = {name: i for i, name in enumerate(V2.columns)}
    a1, a2 = col["Actor1CountryCode"], col["Actor2CountryCode"]
    code, url = col["EventCode"], col["SOURCEURL"]
    counts: Counter[tuple[str, ...]] = Counter()
    for r in rows:
        if r[a1] and r[a2] and r[a1] != r[a2]:
            dims = set(taxonomy.dimensions_for(r[code]))
            if taxonomy.is_energy_url(r[url]):
                dims.add("energy")
            counts[tuple(sorted(dims))] += 1
    keys = sorted(counts)
    profiles = np.array([[1, *(d in k for d in taxonomy.DIMENSIONS)] for k in keys], dtype=int)
    n = sum(counts.values())
    return profiles, np.array([counts[k] / n for k in keys]), n


def daily_volume(filesizes: Path, bytes_per_row: float) -> tuple[np.ndarray, np.ndarray]:
    """The GDELT 1.0 daily exports' rows (estimated from their real sizes), day by day from the
    first to the last (NaN for a missing day), and each day's weekday (0 = Monday)."""
    import pandas as pd

    sizes = {}
    for line in filesizes.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].endswith(".export.CSV.zip"):
            sizes[pd.Timestamp(parts[1][:8])] = int(parts[0]) / bytes_per_row
    s = pd.Series(sizes).sort_index()
    s = s.reindex(pd.date_range(s.index[0], s.index[-1]))
    return s.to_numpy(float), s.index.day_of_week.to_numpy()


def stationary_weeks(rows: np.ndarray, weekday: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Whole real Monday-Sunday weeks of the daily series divided by its centred 29-day median
    (trend out, weekday pattern and bursts kept), and the residual variation that is left by
    day (after the weekday pattern) and by week."""
    import pandas as pd

    s = pd.Series(rows)
    level = s.rolling(TRIM, center=True, min_periods=TRIM // 2).median()
    ratio = (s / level).to_numpy()
    starts = [i for i in np.flatnonzero(weekday == 0) if i + 7 <= len(ratio)]
    weeks = np.array([ratio[i:i + 7] for i in starts])
    weeks = weeks[~np.isnan(weeks).any(axis=1)]
    weeks = weeks / weeks.mean()
    by_day = weeks / weeks.mean(axis=0)  # each day over its weekday's mean
    day_cv = float(by_day.std())
    week_cv = float(weeks.mean(axis=1).std())
    return weeks, day_cv, week_cv


def load(shared: Path | None = SHARED) -> RealData:
    """The real data: the full GDELT 2.0 exports and GDELT 1.0 file sizes in ../shared when
    there, else the bundled sample's rows and a flat volume (no gamma-poisson model)."""
    notes = []
    if shared is not None and (shared / "v1" / "meta" / "filesizes").is_file():
        folder = shared / "v2" / "events"
        rows = _export_lines(folder)
        raw = b"".join(p.read_bytes() for p in sorted(folder.glob("*.export.CSV")))
        bytes_per_row = len(zlib.compress(raw, 6)) / len(rows)
        col = {name: i for i, name in enumerate(V2.columns)}
        either = sum(1 for r in rows if {"RUS", "CHN"} & {r[col["Actor1CountryCode"]],
                                                          r[col["Actor2CountryCode"]]})
        volume, weekday = daily_volume(shared / "v1" / "meta" / "filesizes", bytes_per_row)
        weeks, day_cv, week_cv = stationary_weeks(volume, weekday)
        per_day = float(np.nanmean(volume)) * either / len(rows)
        notes += [
            f"rows: {len(rows):,} real GDELT 2.0 export rows ({folder})",
            f"volume: {np.isfinite(volume).sum():,} real GDELT 1.0 daily file sizes, "
            f"{len(weeks)} whole weeks; {bytes_per_row:.1f} deflated bytes a row (the 2.0 "
            f"exports'), {either / len(rows):.1%} of rows about RUS or CHN: "
            f"{per_day:,.0f} rows a day about either country",
            f"residual variation of the real volume: {day_cv:.3f} day to day (after trend and "
            f"weekday), {week_cv:.3f} week to week",
        ]
    else:
        rows = _export_lines(SAMPLE)
        weeks, day_cv, week_cv, per_day = np.ones((1, 7)), None, None, 10_000.0
        notes += [f"rows: {len(rows):,} rows of the bundled sample ({SAMPLE}); ../shared "
                  "absent: flat volume, no gamma-poisson model"]
    profiles, shares, n = dimension_profiles(rows)
    data = RealData(profiles, shares, n, weeks, per_day, day_cv, week_cv, notes)
    notes.append(f"{n:,} real dyadic rows, {len(shares)} dimension profiles; share of the "
                 "dyad's events by series: " + ", ".join(
                     f"{k} {v:.1%}" for k, v in data.dimension_shares.items()))
    return data


# --- simulation ---------------------------------------------------------------------------

def gamma_cvs(data: RealData) -> tuple[float, float]:
    """The day and week gamma factors' CVs: the day's is the real day-to-day residual; the
    week's is what the real week-to-week variation has beyond the days' averaging out."""
    if data.day_cv is None or data.week_cv is None:
        raise ValueError("the gamma-poisson model needs the real volume series (../shared)")
    return data.day_cv, math.sqrt(max(data.week_cv**2 - data.day_cv**2 / 7, 0.0))


def _burst(model: str) -> float:
    """How many times the real volume's variation a gamma-poisson model puts on the dyad:
    1 for "gamma-poisson", k for "gamma-poisson-xk" (a stress test, not a measurement)."""
    if model == "gamma-poisson":
        return 1.0
    if model.startswith("gamma-poisson-x"):
        return float(model.removeprefix("gamma-poisson-x"))
    raise ValueError(f"unknown model {model!r}")


def _gamma(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    if cv <= 0:
        return np.ones(size)
    k = 1 / cv**2
    return rng.gamma(k, 1 / k, size)


def simulate(data: RealData, level: float, model: str, weeks: int, rng: np.random.Generator,
             shift_day: int | None = None, factor: float = 1.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """One dyad, day by day: events (days, 7 series) and the media volume (days,)."""
    days = weeks * 7
    volume = data.weeks[rng.integers(0, len(data.weeks), weeks)].reshape(-1)
    volume = volume * data.volume_per_day
    mean = volume * (level / 7 / data.volume_per_day)
    if model != "poisson":
        burst = _burst(model)
        day_cv, week_cv = gamma_cvs(data)
        mean = mean * _gamma(rng, burst * day_cv, days) * np.repeat(
            _gamma(rng, burst * week_cv, weeks), 7)
    if shift_day is not None:
        mean[shift_day:] *= factor
    total = rng.poisson(mean)
    per_profile = rng.multinomial(total, data.shares)  # (days, P)
    return per_profile @ data.profiles, volume


def by_period(events: np.ndarray, volume: np.ndarray, length: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """Daily events and volume summed into periods of `length` days (7: weeks; 30.44:
    months, the last partial one dropped)."""
    period = np.floor(np.arange(len(volume)) / length).astype(int)
    whole = period < int(len(volume) // length)
    n = int(len(volume) // length)
    ev = np.zeros((n, events.shape[1]), dtype=np.int64)
    np.add.at(ev, period[whole], events[whole])
    return ev, np.bincount(period[whole], weights=volume[whole], minlength=n)


# --- the rules, replayed ------------------------------------------------------------------

Rule = JumpRule
# the rule as it stood before the measurements below: a plain binomial test over 4 weeks
BEFORE = JumpRule(baseline_weeks=4, dispersion_weeks=0)


def jump_alerts(events: np.ndarray, volume: np.ndarray, rule: Rule,
                weeks: range, series: range | tuple[int, ...] = range(len(SERIES))
                ) -> list[tuple[int, int]]:
    """(week, series) of every alert the rule raises when called at each week of `weeks` on
    the weeks up to it, as the watcher calls it."""
    out = []
    for w in weeks:
        if w < rule.baseline_weeks:
            continue
        # jump reads the last baseline_weeks + 1 weeks, and up to dispersion_weeks before the
        # latest for the series' dispersion, as the watcher passes them
        first = max(w - max(rule.baseline_weeks, rule.dispersion_weeks), 0)
        for s in series:
            if jump(events[first:w + 1, s], volume[first:w + 1], rule) is not None:
                out.append((w, s))
    return out


def cp_alerts(per_10k: np.ndarray, usable: np.ndarray, months: range
              ) -> list[tuple[int, str, int, str]]:
    """(month, kind, index, direction) of every change `detect` reports, replayed month by
    month, at index m-1 or later and not reported at an earlier month."""
    seen, out = set(), []
    for m in months:
        d = changes.detect(per_10k[:m + 1], usable[:m + 1])
        for kind, found in (("shift", d.shifts), ("spike", d.spikes)):
            for c in found:
                # keyed as the watcher keys it: the period and direction, not the kind (a
                # shift first shows as a spike at the latest month)
                if c.index >= m - 1 and (c.index, c.direction) not in seen:
                    seen.add((c.index, c.direction))
                    out.append((m, kind, c.index, c.direction))
    return out


def monthly_series(events: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per month: per_10k of each series (months, 7) and whether the month is usable (enough
    dyad events, as `pivotwatch changes` judges)."""
    ev, vol = by_period(events, volume, MONTH_DAYS)
    per_10k = ev * 1e4 / vol[:, None]
    return per_10k, ev[:, 0] >= changes.MIN_EVENTS


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _key(level: float, model: str) -> tuple[int, int]:
    return int(level * 100), 0 if model == "poisson" else round(_burst(model) * 100)


def jump_rest(data: RealData, level: float, model: str, replays: int, seed: int,
              rules: dict[str, Rule]) -> dict[str, np.ndarray]:
    """Per rule, the false alerts per dyad-month at rest of each replay (rows) and series
    (columns): the dyad's figure is a row's sum."""
    out = {name: np.zeros((replays, len(SERIES))) for name in rules}
    for r in range(replays):
        events, volume = simulate(data, level, model, REST_WEEKS, _rng(seed, 1, *_key(
            level, model), r))
        ev, vol = by_period(events, volume, 7)
        for name, rule in rules.items():
            checked = range(rule.baseline_weeks, REST_WEEKS)
            for _, s in jump_alerts(ev, vol, rule, checked):
                out[name][r, s] += 1 / (len(checked) / WEEKS_PER_MONTH)
    return out


def jump_planted(data: RealData, level: float, model: str, factor: float, replays: int,
                 seed: int, rules: dict[str, Rule]) -> dict[str, list[int | None]]:
    """Per rule, the delay in weeks from the planted shift to the first alert of the "all"
    series within DETECT_WEEKS (None: not detected), per replay."""
    out: dict[str, list[int | None]] = {name: [] for name in rules}
    weeks = SHIFT_WEEK + DETECT_WEEKS
    for r in range(replays):
        events, volume = simulate(data, level, model, weeks, _rng(
            seed, 2, *_key(level, model), int(factor * 100), r), SHIFT_WEEK * 7, factor)
        ev, vol = by_period(events, volume, 7)
        for name, rule in rules.items():
            hits = jump_alerts(ev, vol, rule, range(SHIFT_WEEK, weeks), series=(0,))
            out[name].append(hits[0][0] - SHIFT_WEEK if hits else None)
    return out


def guarded(alerts: list[tuple[int, str, int, str]], counts: np.ndarray
            ) -> list[tuple[int, str, int, str]]:
    """The alerts whose changed month or the month before holds at least
    `changes.MIN_EVENTS` events of the series (`counts`, by month): a guard the watcher could
    add, so that one or two events of a sparse dimension do not make a spike."""
    return [a for a in alerts
            if counts[max(a[2] - 1, 0):a[2] + 1].max() >= changes.MIN_EVENTS]


def cp_rest(data: RealData, level: float, model: str, replays: int, seed: int
            ) -> dict[str, np.ndarray]:
    """The false change_point alerts per dyad-month at rest of each replay (rows) and series
    (columns), as the rule stands ("default") and with the guard (`guarded`)."""
    out = {name: np.zeros((replays, len(SERIES))) for name in CP_SETTINGS}
    months = CP_HISTORY + CP_CHECKED
    for r in range(replays):
        events, volume = simulate(data, level, model, math.ceil(months * MONTH_DAYS / 7) + 1,
                                  _rng(seed, 3, *_key(level, model), r))
        per_10k, usable = monthly_series(events, volume)
        counts, _ = by_period(events, volume, MONTH_DAYS)
        checked = range(CP_HISTORY, months)
        for s in range(len(SERIES)):
            alerts = cp_alerts(per_10k[:, s], usable, checked)
            out[CP_SETTINGS[0]][r, s] = len(alerts) / CP_CHECKED
            out[CP_SETTINGS[1]][r, s] = len(guarded(alerts, counts[:, s])) / CP_CHECKED
    return out


def cp_partial_rest(data: RealData, level: float, model: str, replays: int, seed: int,
                    step: int = 1) -> np.ndarray:
    """`cp_rest` as the watcher runs it, every cycle: the series ends with the current,
    partial month (its events and volume so far), checked every `step` days of each checked
    month. False alerts per dyad-month of each replay (rows) and series (columns)."""
    out = np.zeros((replays, len(SERIES)))
    months = CP_HISTORY + CP_CHECKED
    for r in range(replays):
        events, volume = simulate(data, level, model, math.ceil(months * MONTH_DAYS / 7) + 1,
                                  _rng(seed, 3, *_key(level, model), r))
        whole, whole_volume = by_period(events, volume, MONTH_DAYS)
        for s in range(len(SERIES)):
            seen: set[tuple[str, int, str]] = set()
            for m in range(CP_HISTORY, months):
                first, end = math.ceil(m * MONTH_DAYS), math.ceil((m + 1) * MONTH_DAYS)
                for day in range(first, end, step):
                    ev = np.append(whole[:m, s], events[first:day + 1, s].sum())
                    total = np.append(whole[:m, 0], events[first:day + 1, 0].sum())
                    vol = np.append(whole_volume[:m], volume[first:day + 1].sum())
                    d = changes.detect(ev * 1e4 / vol, total >= changes.MIN_EVENTS)
                    for kind, found in (("shift", d.shifts), ("spike", d.spikes)):
                        for c in found:
                            fact = (kind, c.index, c.direction)
                            if c.index >= m - 1 and fact not in seen:
                                seen.add(fact)
                                out[r, s] += 1 / CP_CHECKED
    return out


def cp_planted(data: RealData, level: float, model: str, factor: float, replays: int,
               seed: int) -> dict[str, list[int | None]]:
    """The delay in months from the planted shift to the first new upward change of the "all"
    series within DETECT_MONTHS (None: not detected), per replay, without and with the
    guard."""
    out: dict[str, list[int | None]] = {name: [] for name in CP_SETTINGS}
    months = CP_SHIFT + DETECT_MONTHS
    for r in range(replays):
        start = math.ceil(CP_SHIFT * MONTH_DAYS)
        events, volume = simulate(data, level, model, math.ceil(months * MONTH_DAYS / 7) + 1,
                                  _rng(seed, 4, *_key(level, model), int(factor * 100), r),
                                  start, factor)
        per_10k, usable = monthly_series(events, volume)
        counts, _ = by_period(events, volume, MONTH_DAYS)
        # month CP_SHIFT - 1 runs first so that what it already reported is not new
        alerts = cp_alerts(per_10k[:, 0], usable, range(CP_SHIFT - 1, months))
        for name, kept in zip(CP_SETTINGS, (alerts, guarded(alerts, counts[:, 0])),
                              strict=True):
            hits = [a for a in kept if a[0] >= CP_SHIFT and a[3] == "up"]
            out[name].append(hits[0][0] - CP_SHIFT if hits else None)
    return out


# --- figures ------------------------------------------------------------------------------

@dataclass
class Rest:
    mean: float
    low: float  # 95% interval of the mean (bootstrap over replays)
    high: float
    replays: int
    by_series: dict[str, float] = field(default_factory=dict)


@dataclass
class Detected:
    rate: float
    median_delay: float | None
    replays: int


def rest(per_series: np.ndarray, seed: int = 0) -> Rest:
    """The dyad's mean (the rows' sums over the series), its 95% interval by a bootstrap over
    the replays, and each series' share of it."""
    values = per_series.sum(axis=1)
    rng = np.random.default_rng(seed)
    means = rng.choice(values, (2000, len(values))).mean(axis=1)
    return Rest(float(values.mean()), float(np.quantile(means, 0.025)),
                float(np.quantile(means, 0.975)), len(values),
                {s: float(v) for s, v in zip(SERIES, per_series.mean(axis=0), strict=True)})


def detected(delays: list[int | None]) -> Detected:
    hit = [d for d in delays if d is not None]
    return Detected(len(hit) / len(delays), float(np.median(hit)) if hit else None, len(delays))


@dataclass
class Cell:
    rule: str
    name: str  # the rule's settings
    level: float
    model: str
    rest: Rest
    shifts: dict[str, Detected]  # "+50%", "+100%"


def measure_cell(data: RealData, level: float, model: str, replays: int, cp_replays: int,
                 seed: int, rules: dict[str, Rule], change_point: bool,
                 partial: int = 0) -> list[Cell]:
    """The cells of one activity level and model: one per jump rule, change_point without
    and with the guard, and (`partial` replays) change_point on partial months."""
    at_rest = jump_rest(data, level, model, replays, seed, rules)
    planted = {f: jump_planted(data, level, model, f, replays, seed, rules) for f in FACTORS}
    cells = [Cell("volume_jump", name, level, model, rest(at_rest[name]),
                  {_label(f): detected(planted[f][name]) for f in FACTORS}) for name in rules]
    if change_point and cp_replays:
        at_rest = cp_rest(data, level, model, cp_replays, seed)
        planted = {f: cp_planted(data, level, model, f, cp_replays, seed) for f in FACTORS}
        cells += [Cell("change_point", name, level, model, rest(at_rest[name]),
                       {_label(f): detected(planted[f][name]) for f in FACTORS})
                  for name in CP_SETTINGS]
    if partial:
        cells.append(Cell("change_point", f"partial month, every {PARTIAL_STEP} days", level,
                          model, rest(cp_partial_rest(data, level, model, partial, seed,
                                                      PARTIAL_STEP)), {}))
    return cells


def measure(data: RealData, *, levels=LEVELS, models=MODELS, replays: int = 300,
            cp_replays: int = 20, seed: int = 0, rules: dict[str, Rule] | None = None,
            change_point: bool = True, jobs: int = 1, partial: int = 0) -> list[Cell]:
    """Every cell; each replay has its own seed (seed, what, level, model, replay), so a
    figure does not depend on the order, on `jobs` or on the other cells measured."""
    rules = rules or {"default": JumpRule()}
    work = [(data, level, model, replays, cp_replays, seed, rules, change_point, partial)
            for model in models for level in levels]
    if jobs <= 1:
        return [c for args in work for c in measure_cell(*args)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return [c for cells in pool.map(measure_cell, *zip(*work, strict=True)) for c in cells]


def _label(factor: float) -> str:
    return f"+{round((factor - 1) * 100)}%"


def table(cells: list[Cell]) -> str:
    head = ("| rule | settings | model | events/week | false alerts per dyad-month at rest "
            "(95% CI) | +50%: detected, median delay | +100%: detected, median delay | "
            "replays |\n|---|---|---|---:|---|---|---|---:|")
    lines = [head]
    for c in cells:
        unit = "wk" if c.rule == "volume_jump" else "mo"
        shifts = []
        for f in FACTORS:
            d = c.shifts.get(_label(f))
            if d is None:
                shifts.append("not measured")
                continue
            delay = "-" if d.median_delay is None else f"{d.median_delay:g} {unit}"
            shifts.append(f"{d.rate:.0%}, {delay}")
        flag = " **over 1**" if c.rest.mean > TARGET else ""
        lines.append(f"| {c.rule} | {c.name} | {c.model} | {c.level:g} | {c.rest.mean:.3f} "
                     f"({c.rest.low:.3f}-{c.rest.high:.3f}){flag} | {shifts[0]} | "
                     f"{shifts[1]} | {c.rest.replays} |")
    return "\n".join(lines)


def sources(cells: list[Cell]) -> str:
    lines = ["| rule | settings | model | events/week | " + " | ".join(SERIES) + " |",
             "|---|---|---|---:|" + "---:|" * len(SERIES)]
    for c in cells:
        lines.append(f"| {c.rule} | {c.name} | {c.model} | {c.level:g} | " + " | ".join(
            f"{c.rest.by_series[s]:.3f}" for s in SERIES) + " |")
    return "\n".join(lines)


SEARCH: dict[str, Rule] = {  # alternatives tried with --search
    "default": JumpRule(),
    "min_events=30": JumpRule(min_events=30),
    "max_p=1e-4": JumpRule(max_p=1e-4),
    "baseline_weeks=4": JumpRule(baseline_weeks=4),
    "min_events=30,max_p=1e-4": JumpRule(min_events=30, max_p=1e-4),
    "before: 4 weeks, no dispersion": BEFORE,
    "8 weeks, no dispersion": JumpRule(dispersion_weeks=0),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replays", type=int, default=300,
                   help="volume_jump replays per cell (3 dyad-years each at rest)")
    p.add_argument("--cp-replays", type=int, default=20,
                   help="change_point replays per cell (12 checked months each at rest)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", help="comma-separated: poisson, gamma-poisson, and "
                   "gamma-poisson-xK (K times the real variation, a stress test); default "
                   "the first two")
    p.add_argument("--jobs", type=int, default=1, help="processes (cells run in parallel)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 20 and 2 replays, levels 30 and 1000")
    p.add_argument("--search", action="store_true",
                   help="also measure alternative JumpRule settings (volume_jump only)")
    p.add_argument("--no-shared", action="store_true",
                   help="use the bundled sample only (flat volume, poisson model)")
    p.add_argument("--partial", type=int, default=0, metavar="N",
                   help="also N replays of change_point run on the partial current month, as "
                   "the watcher runs it (slow: ~14 s a replay and cell)")
    p.add_argument("--out", type=Path, default=WORK / "watch-alarms.md")
    args = p.parse_args(argv)

    started = time.perf_counter()
    data = load(None if args.no_shared else SHARED)
    models = tuple(args.models.split(",")) if args.models else MODELS
    if data.day_cv is None:
        models = ("poisson",)
    levels = (30, 1000) if args.quick else LEVELS
    replays, cp_replays = (20, 2) if args.quick else (args.replays, args.cp_replays)
    cells = measure(data, levels=levels, models=models, replays=replays,
                    cp_replays=cp_replays, seed=args.seed, jobs=args.jobs,
                    partial=args.partial)
    if args.search:
        alternatives = {k: v for k, v in SEARCH.items() if k != "default"}
        cells += measure(data, levels=levels, models=models, replays=replays, seed=args.seed,
                         rules=alternatives, change_point=False, jobs=args.jobs)
    seconds = time.perf_counter() - started
    command = "python benchmarks/watch_alarms.py " + " ".join(sys.argv[1:] if argv is None
                                                              else argv)
    text = "\n".join([
        f"`{command.strip()}`: {seconds:.0f} s, seed {args.seed}; series per dyad: "
        f"{len(SERIES)} ({', '.join(SERIES)})", "", *[f"- {n}" for n in data.notes], "",
        table(cells), "", "Where the false alerts at rest come from (alerts per dyad-month "
        "by series):", "", sources(cells)])
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({
        "command": command, "seconds": seconds, "seed": args.seed, "notes": data.notes,
        "cells": [asdict(c) for c in cells]}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
