"""Level shifts and spikes in a dyad's normalised series (`pivotwatch changes`).

What is detected
    For each dimension, the series is `per_10k` (dyad events per 10,000 events involving either
    country) by period. Two kinds of change are reported:

    * a **level shift**: the mean of the series moves to a new level and stays there for at
      least two usable periods. Found by penalised change-point detection (``ruptures``, PELT,
      L2 cost, minimum segment length 2) on the standardised series.
    * a **spike**: one period far from its neighbours, i.e. with a robust z-score
      ``|x_t - m_t| / sigma > 5``, where ``m_t`` is the median of the five periods centred on t
      (a running median keeps level shifts intact) and ``sigma`` is the robust noise scale
      below. A period inside the series must also be that far, on the same side, from the
      median of its two neighbours before and from that of its two neighbours after (a period
      at the edge of a shift is close to one of them). Spikes are reported as such and replaced
      by ``m_t`` before the shift search, so a single loud month never shows up as a shift.

Noise scale and penalty
    ``sigma`` comes from first differences, which remove the level, so a shift barely moves
    it: ``s0 = 1.4826 * MAD(diff)``, then one reweighting step for efficiency, ``sigma =
    sqrt(mean(d^2 for |d| <= 3 s0) / 0.9733) / sqrt(2)`` (0.9733 undoes the truncation for
    Gaussian noise). The few large differences that spikes and shifts make are ignored. When
    more than half the differences are equal (sparse counts), the MAD is 0 and the standard
    deviation of the differences over sqrt(2) is used instead. The series is standardised to
    ``(x - median) / sigma`` and PELT minimises ``sum of squared residuals + pen * (number of
    changes)`` with the BIC-style penalty ``pen = c * log(n) * sigma_z^2`` (``sigma_z = 1``
    after standardising), n the number of usable periods. ``c = PENALTY_C = 5`` was calibrated
    by simulation (`false_positive_rate`): on stationary Gaussian noise of 24 to 60 periods,
    at most ``FPR_TARGET`` (5%) of series may show any shift; the measured rates (1.5% at
    24 periods, under 1% from 36) are in `docs/changes.md`.

Thin periods
    A period is left out of the fit, and listed as thin, when it has no data at all (a coverage
    gap), no volume, or fewer than ``min_events`` dyad events in total (all dimensions). With
    fewer than ``MIN_PERIODS`` usable periods a dimension is "too short to test".

What it cannot tell
    A shift in per_10k is a shift in how often the news codes the dyad, relative to the news
    about either country: a change in media attention, in GDELT's sources or coding, or a burst
    of duplicate reports of one story moves it just as a real change does. The events listed
    behind each change are there to judge which it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

PENALTY_C = 5.0  # calibrated: see false_positive_rate() and docs/changes.md
FPR_TARGET = 0.05  # documented ceiling: share of stationary series with any reported shift
SPIKE_Z = 5.0  # robust z-score beyond which one period is a spike
SPIKE_WINDOW = 5  # periods in the running median that spikes are measured against
MIN_SIZE = 2  # a level shift lasts at least this many periods (one period is a spike)
MIN_PERIODS = 8  # fewer usable periods: too short to test
MIN_EVENTS = 5  # default: periods with fewer dyad events (all dimensions) are thin
TOO_SHORT = "too short"
TESTED = "tested"


@dataclass
class Shift:
    index: int  # position in the input series where the new level starts
    direction: str  # "up" or "down"
    before: float  # mean of the segment before
    after: float  # mean of the segment after
    size: float  # after - before, in the series' units
    ratio: float | None  # after / before (None when before is 0)
    z: float  # size / sigma


@dataclass
class Spike:
    index: int
    direction: str
    value: float
    baseline: float  # the running median it is measured against
    size: float  # value - baseline
    ratio: float | None
    z: float


@dataclass
class Detection:
    status: str  # TESTED or TOO_SHORT
    usable: int  # usable periods
    sigma: float | None = None
    penalty: float | None = None
    shifts: list[Shift] = field(default_factory=list)
    spikes: list[Spike] = field(default_factory=list)


def robust_sigma(x: np.ndarray) -> float:
    """Noise scale from first differences: 1.4826 * MAD(diff) / sqrt(2), refined by one
    reweighting step (root mean square of the differences within 3 of those scales)."""
    if len(x) < 3:
        return 0.0
    d = np.diff(x)
    d = d - np.median(d)
    spread = 1.4826 * float(np.median(np.abs(d)))
    if spread <= 0:
        return float(np.std(d, ddof=1)) / math.sqrt(2)
    # one reweighting step: the root mean square of the differences within 3 MAD-sigmas,
    # corrected for the truncation (E[z^2 | |z| < 3] = 0.9733 for Gaussian z)
    kept = d[np.abs(d) <= 3 * spread]
    return math.sqrt(float(np.mean(kept**2)) / 0.9733) / math.sqrt(2)


def _ratio(after: float, before: float) -> float | None:
    return after / before if before else None


def detect(values: Sequence[float] | np.ndarray | pd.Series, usable: Sequence[bool] | None = None,
           *, c: float = PENALTY_C, spike_z: float = SPIKE_Z,
           min_periods: int = MIN_PERIODS) -> Detection:
    """Find level shifts and spikes in one series.

    `values` in period order; `usable` (same length) marks the periods to analyse, the others
    (thin periods, NaN) are skipped. Indices in the result refer to positions in `values`."""
    import ruptures as rpt  # loaded only when a series is tested

    raw = np.asarray(values, dtype=float)
    mask = np.ones(len(raw), bool) if usable is None else np.asarray(usable, bool).copy()
    mask &= ~np.isnan(raw)
    where = np.flatnonzero(mask)
    x = raw[where]
    n = len(x)
    if n < min_periods:
        return Detection(TOO_SHORT, n)
    sigma = robust_sigma(x)
    if sigma <= 0:  # a constant series: nothing moves
        return Detection(TESTED, n, sigma=0.0, penalty=None)

    # Spikes: far from the running median of their neighbourhood.
    local = pd.Series(x).rolling(SPIKE_WINDOW, center=True, min_periods=1).median().to_numpy()
    spikes, clean = [], x.copy()
    for i in np.flatnonzero(np.abs(x - local) / sigma > spike_z):
        size = float(x[i] - local[i])
        sides = [np.median(x[max(i - 2, 0):i]), np.median(x[i + 1:i + 3])] if 0 < i < n - 1 \
            else []
        if any(np.sign(size) * (x[i] - side) / sigma <= spike_z for side in sides):
            continue  # at a level shift's edge: near the level on one side, so no spike
        spikes.append(Spike(int(where[i]), "up" if size > 0 else "down", float(x[i]),
                            float(local[i]), size, _ratio(float(x[i]), float(local[i])),
                            size / sigma))
        clean[i] = local[i]

    # Level shifts: PELT on the standardised, spike-free series.
    z = (clean - np.median(clean)) / sigma
    penalty = c * math.log(n)
    bkps = rpt.Pelt(model="l2", min_size=MIN_SIZE, jump=1).fit(z.reshape(-1, 1)).predict(
        pen=penalty)
    bounds = [0, *bkps]
    shifts = []
    for k in range(1, len(bounds) - 1):
        before = float(clean[bounds[k - 1]:bounds[k]].mean())
        after = float(clean[bounds[k]:bounds[k + 1]].mean())
        size = after - before
        shifts.append(Shift(int(where[bounds[k]]), "up" if size > 0 else "down", before, after,
                            size, _ratio(after, before), size / sigma))
    return Detection(TESTED, n, sigma=sigma, penalty=penalty, shifts=shifts, spikes=spikes)


def false_positive_rate(n: int, reps: int = 1000, *, c: float = PENALTY_C, seed: int = 0,
                        spikes: bool = False) -> float:
    """Share of `reps` stationary Gaussian series of length `n` in which `detect` reports any
    shift (or, with spikes=True, any spike)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        d = detect(rng.normal(10.0, 1.0, n), c=c)
        hits += bool(d.spikes if spikes else d.shifts)
    return hits / reps


# --- the store side ----------------------------------------------------------------------------


@dataclass
class Thin:
    period: date
    reason: str  # "no data", "no volume", "N events < min"


@dataclass
class Change:
    dimension: str
    kind: str  # "shift" or "spike"
    period: date  # the period the change starts (the spike's period)
    direction: str
    before: float  # per-10k level before (a spike: its running median)
    after: float  # per-10k level after (a spike: its value)
    size: float  # after - before, per 10k
    ratio: float | None
    z: float  # size in noise units (sigma)
    evidence_periods: list[date] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # top events by mentions


@dataclass
class DimensionResult:
    dimension: str
    status: str  # TESTED, TOO_SHORT
    periods: int  # periods with data
    usable: int
    sigma: float | None
    penalty: float | None
    changes: list[Change] = field(default_factory=list)


@dataclass
class ChangeReport:
    dyad: str
    freq: str
    min_events: int
    start: date | None
    end: date | None
    dimensions: list[DimensionResult]
    thin: list[Thin]
    notes: list[str]
    series: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def changes(self) -> list[Change]:
        return [c for d in self.dimensions for c in d.changes]

    def to_dict(self) -> dict:
        def iso(d):
            return d.isoformat() if d else None

        return {
            "dyad": self.dyad, "freq": self.freq, "min_events": self.min_events,
            "from": iso(self.start), "to": iso(self.end),
            "method": {"detector": "ruptures PELT, L2 cost, min segment 2",
                       "penalty": f"{PENALTY_C} * log(n) on the series standardised by "
                                  "sigma = 1.4826 * MAD(diff) / sqrt(2)",
                       "spike": f"|x - running median({SPIKE_WINDOW})| / sigma > {SPIKE_Z}",
                       "min_periods": MIN_PERIODS},
            "notes": self.notes,
            "thin": [{"period": iso(t.period), "reason": t.reason} for t in self.thin],
            "dimensions": [{
                "dimension": d.dimension, "status": d.status, "periods": d.periods,
                "usable": d.usable, "sigma": d.sigma, "penalty": d.penalty,
                "changes": [{
                    "kind": c.kind, "period": iso(c.period), "direction": c.direction,
                    "before": c.before, "after": c.after, "size": c.size, "ratio": c.ratio,
                    "z": c.z, "evidence_periods": [iso(p) for p in c.evidence_periods],
                    "events": [{k: iso(v) if isinstance(v, date) else v for k, v in e.items()}
                               for e in c.events]} for c in d.changes]}
                for d in self.dimensions],
        }


_STARTS = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def thin_periods(series: pd.DataFrame, freq: str, min_events: int) -> list[Thin]:
    """Thin periods of an indicators frame (its 'all' rows), coverage gaps included."""
    rows = series[series.dimension == "all"].set_index("period")
    if rows.empty:
        return []
    grid = pd.date_range(min(rows.index), max(rows.index), freq=_STARTS[freq]).date
    thin = []
    for p in grid:
        if p not in rows.index:
            thin.append(Thin(p, "no data"))
            continue
        r = rows.loc[p]
        if not r.volume or not r.days_covered:
            thin.append(Thin(p, "no volume"))
        elif r.events < min_events:
            thin.append(Thin(p, f"{int(r.events)} events < {min_events}"))
    return thin


def top_events(store, a: str, b: str, dimension: str | None, first: date, last: date,
               limit: int = 5) -> list[dict]:
    """The dyad's events of `dimension` (None: of any) between two days, most mentioned
    first."""
    import ibis

    from pivotwatch import taxonomy
    from pivotwatch.analysis.dyads import code_dimensions
    from pivotwatch.analysis.indicators import dyad_events, tag_dimensions, within

    # The pair's events in the window first, in one pass over the events (the tagging's
    # union would read them three times), then tagged in memory: the same tagging, on a few
    # rows.
    columns = ["event_id", "day", "event_code", "actor1_code", "actor1_name", "actor1_country",
               "actor2_code", "actor2_name", "actor2_country", "quad_class", "goldstein",
               "num_mentions", "source_url"]
    window = within(dyad_events(store.ibis().table("events"), a, b), first, last)
    rows = store.to_pandas(window.select(*columns))
    if rows.empty:
        return []
    tagged = ibis.memtable(rows)
    if dimension is not None:
        tagged = tag_dimensions(tagged, code_dimensions(), taxonomy.energy_pattern())
        tagged = tagged.filter(tagged.dimension == dimension)
    expr = tagged.order_by([ibis.desc("num_mentions"), "day", "event_id"]).limit(limit).select(
        *columns)
    df = expr.to_pandas()  # in memory, whatever the store's engine
    labels = taxonomy.event_codes()
    records = []
    for row in df.to_dict(orient="records"):
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        row["day"] = pd.Timestamp(row["day"]).date()
        row["event_id"] = int(row["event_id"])
        row["num_mentions"] = None if row["num_mentions"] is None else int(row["num_mentions"])
        row["event_label"] = labels.get(row["event_code"] or "", "")
        records.append(row)
    return records


def next_period(p: date, freq: str) -> date:
    """The first day of the period after the one starting on `p`."""
    return (pd.Timestamp(p) + pd.tseries.frequencies.to_offset(_STARTS[freq])).date()


def period_end(p: date, freq: str) -> date:
    return next_period(p, freq) - pd.Timedelta(days=1)


def changes(dyad: str = "RUS-PRK", *, store=None, dimensions: Sequence[str] | None = None,
            freq: str = "month", start: date | None = None, end: date | None = None,
            min_events: int = MIN_EVENTS, top: int = 5, evidence_periods: int = 2
            ) -> ChangeReport:
    """Level shifts and spikes in each dimension's per_10k series of a dyad, with the events
    behind each change (see the module docstring for the method)."""
    from pivotwatch.analysis.dyads import check_dimensions, indicators, parse_dyad
    from pivotwatch.errors import UsageError
    from pivotwatch.store import reading

    if freq not in _STARTS:
        raise UsageError(f"unknown frequency {freq!r}: choose from {', '.join(_STARTS)}")
    if min_events < 0:
        raise UsageError("--min-events must be 0 or more")
    a, b = parse_dyad(dyad)
    dims = check_dimensions(dimensions)
    with reading(store) as store:
        series = indicators(dyad, store=store, freq=freq, start=start, end=end,
                            dimensions=sorted({"all", *dims}, key=[*dims, "all"].index))
        notes = list(series.attrs.get("warnings", []))
        thin = thin_periods(series, freq, min_events)
        thin_set = {t.period for t in thin}
        results = []
        if series.empty:
            notes.append(f"no data for {a}-{b}: the store has no daily counts in that range")
        elif int(series.loc[series.dimension == "all", "events"].sum()) == 0:
            notes.append(f"the store holds no {a}-{b} events in these periods")
        for dim in dims:
            rows = series[series.dimension == dim].sort_values("period").reset_index(drop=True)
            usable = [p not in thin_set for p in rows.period]
            det = detect(rows.per_10k.to_numpy(dtype=float), usable)
            result = DimensionResult(dim, det.status, len(rows), det.usable, det.sigma,
                                     det.penalty)
            ok = [i for i, u in enumerate(usable) if u]
            found = [("shift", s) for s in det.shifts] + [("spike", s) for s in det.spikes]
            for kind, s in sorted(found, key=lambda ks: ks[1].index):
                if kind == "shift":
                    follow = [rows.period[i] for i in ok if i >= s.index][:evidence_periods]
                    before, after = s.before, s.after
                else:
                    follow = [rows.period[s.index]]
                    before, after = s.baseline, s.value
                change = Change(dim, kind, rows.period[s.index], s.direction, before, after,
                                s.size, s.ratio, s.z, follow)
                if top and follow:
                    change.events = top_events(store, a, b, dim, follow[0],
                                               period_end(follow[-1], freq), top)
                result.changes.append(change)
            results.append(result)
        short = [r.dimension for r in results if r.status == TOO_SHORT]
        if short and not series.empty:
            usable_n = max(r.usable for r in results)
            gaps = sum(t.reason in ("no data", "no volume") for t in thin)
            notes.append(f"too short to test: {usable_n} usable {freq}s (need {MIN_PERIODS}) "
                         f"for {', '.join(short)}; {len(thin) - gaps} {freq}s have fewer "
                         f"than {min_events} {a}-{b} events and {gaps} have no data")
        return ChangeReport(f"{a}-{b}", freq, min_events, start, end, results, thin, notes,
                            series)
