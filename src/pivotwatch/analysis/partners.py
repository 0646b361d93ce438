"""Partner ranking: each partner's share of a focus country's events with a set of partners.

It answers "where does North Korea stand in Russia's turn to the East, and is it rising?".

The per-period figures are Ibis expressions (`partner_events`, `partner_volume`,
`partner_shares`) that take and return Ibis tables and import no engine, built from the same
functions as the dyad indicators (`tag_dimensions`, `volume`, `period_start`). The trend is a
small per-partner regression done in plain Python on the result (`partner_trend`), and
`partners()` wires both to a store, like `pivotwatch.indicators`. Only `partners()` and
`partner_trend()` touch pandas, and they import it when called.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from statistics import NormalDist
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from pivotwatch.analysis.indicators import (
    COOPERATIVE,
    FREQS,
    INDICATOR_COLUMNS,
    PER_10K,
    dimension_grid,
    nullable,
    period_number,
    period_start,
    tag_dimensions,
    volume,
    within,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

DEFAULT_PARTNERS = ("CHN", "IND", "PRK", "IRN", "VNM", "MNG")
DEFAULT_LAST = 5
MIN_PERIODS = 3  # fewer periods with data than this: "too few periods", no slope
CONFIDENCE = 0.90
TOO_FEW = "too few periods"


# --- Ibis: per-period shares ---------------------------------------------------------------

def partner_events(events: ir.Table, focus: str, partners: Sequence[str]) -> ir.Table:
    """Events between `focus` and any of `partners` (either direction), with a `partner`
    column naming the other country."""
    partners = list(partners)
    a1, a2 = events.actor1_country, events.actor2_country
    keep = ((a1 == focus) & a2.isin(partners)) | ((a2 == focus) & a1.isin(partners))
    picked = events.filter(keep)
    return picked.mutate(partner=ibis.ifelse(picked.actor1_country == focus,
                                             picked.actor2_country, picked.actor1_country))


def partner_volume(daily_counts: ir.Table, focus: str, partners: Sequence[str],
                   freq: str) -> ir.Table:
    """Per period and partner: events involving the focus country or that partner (every row
    loaded, the indicators' denominator), and the days the store has counts for."""
    parts = [volume(daily_counts, [focus, p], freq).mutate(partner=ibis.literal(p))
             for p in partners]
    return ibis.union(*(nullable(t) for t in parts), distinct=False)


def partner_shares(events: ir.Table, daily_counts: ir.Table, code_dimensions: ir.Table, *,
                   focus: str, partners: Sequence[str], freq: str, dimensions: Sequence[str],
                   energy_pattern: str, start: date | None = None,
                   end: date | None = None) -> ir.Table:
    """Per period, partner and dimension: the focus country's events with the partner
    (either direction) and its share of the focus country's events with the whole partner set.

    Columns: period, partner, dimension, events, cooperative, set_events, set_cooperative
    (the sums over all partners), share = events / set_events, coop_share = cooperative /
    set_cooperative (null where the partner set has no such events in the period: no share,
    not 0%), volume (events involving the focus or the partner), per_10k = events per 10,000
    of volume, rank (1 = largest share in the period and dimension, equal shares get the same
    rank; null where share is null) and days_covered.

    Every period for which the store has daily counts appears, for every partner and
    dimension; periods with no data at all are absent (a coverage gap, not a zero).
    """
    partners = list(partners)
    picked = within(partner_events(events, focus, partners), start, end)
    tagged = tag_dimensions(picked.select(*INDICATOR_COLUMNS, "partner"), code_dimensions,
                            energy_pattern)
    tagged = tagged.filter(tagged.dimension.isin(list(dimensions)))
    tagged = tagged.mutate(period=period_start(tagged.day, freq))
    stats = tagged.group_by(["period", "partner", "dimension"]).aggregate(
        n_events=tagged.count(),
        n_coop=tagged.quad_class.isin(COOPERATIVE).sum(),
    )
    vol = partner_volume(within(daily_counts, start, end), focus, partners, freq)
    return _shares(stats, vol, dimensions)


def partner_rows(dyad_daily: ir.Table, focus: str, partners: Sequence[str]) -> ir.Table:
    """`dyad_daily` rows between `focus` and any of `partners`, with a `partner` column."""
    t = dyad_daily
    everyone = [focus, *partners]
    picked = t.filter(t.actor1_country.isin(everyone), t.actor2_country.isin(everyone))
    picked = picked.filter((picked.actor1_country == focus) | (picked.actor2_country == focus))
    return picked.mutate(partner=ibis.ifelse(picked.actor1_country == focus,
                                             picked.actor2_country, picked.actor1_country))


def partner_volume_daily(country_daily: ir.Table, pair_daily: ir.Table,
                         total_daily: ir.Table, focus: str, partners: Sequence[str],
                         freq: str) -> ir.Table:
    """`partner_volume` from the derived daily tables, as one grouped query whatever the
    number of partners: volume(p) = T(focus) + T(p) - P(focus, p) per period."""
    partners = list(partners)
    days = total_daily.mutate(period=period_start(total_daily.day, freq))
    covered = days.group_by("period").aggregate(days_covered=days.day.nunique())
    ones = country_daily.filter(country_daily.country.isin([focus, *partners]))
    ones = ones.mutate(period=period_start(ones.day, freq))
    t = ones.group_by(["period", "country"]).aggregate(t=ones.events.sum())
    t_focus = t.filter(t.country == focus).select("period", t_focus=t.t)
    t_partner = t.filter(t.country != focus).select("period", partner=t.country, t_partner=t.t)
    c1, c2 = pair_daily.country1, pair_daily.country2
    both = pair_daily.filter(((c1 == focus) & c2.isin(partners))
                             | ((c2 == focus) & c1.isin(partners)))
    both = both.mutate(period=period_start(both.day, freq),
                       partner=ibis.ifelse(both.country1 == focus, both.country2,
                                           both.country1))
    p = both.group_by(["period", "partner"]).aggregate(p=both.events.sum())
    grid = covered.mutate(partner=ibis.array(partners).unnest())
    joined = (grid.left_join(t_focus, "period")
              .left_join(t_partner, ["period", "partner"])
              .left_join(p, ["period", "partner"]))
    return joined.select(
        period=grid.period, days_covered=grid.days_covered,
        volume=(joined.t_focus.fill_null(0) + joined.t_partner.fill_null(0)
                - joined.p.fill_null(0)),
        partner=grid.partner)


def partner_shares_daily(dyad_daily: ir.Table, country_daily: ir.Table, pair_daily: ir.Table,
                         total_daily: ir.Table, *, focus: str, partners: Sequence[str],
                         freq: str, dimensions: Sequence[str], start: date | None = None,
                         end: date | None = None) -> ir.Table:
    """`partner_shares` (same columns, same numbers) from the derived daily tables."""
    partners = list(partners)
    rows = within(partner_rows(dyad_daily, focus, partners), start, end)
    rows = rows.filter(rows.dimension.isin(list(dimensions)))
    rows = rows.mutate(period=period_start(rows.day, freq))
    stats = rows.group_by(["period", "partner", "dimension"]).aggregate(
        n_events=rows.events.sum(), n_coop=rows.cooperative.sum())
    vol = partner_volume_daily(within(country_daily, start, end),
                               within(pair_daily, start, end), within(total_daily, start, end),
                               focus, partners, freq)
    return _shares(stats, vol, dimensions, literal=True)


def _shares(stats: ir.Table, vol: ir.Table, dimensions: Sequence[str], *,
            literal: bool = False) -> ir.Table:
    """Shares, ranks and normalisation from per-period partner stats and volumes
    (`literal`: as `dimension_grid`'s)."""
    grid = dimension_grid(vol, dimensions, literal=literal)
    joined = grid.left_join(stats, ["period", "partner", "dimension"])
    filled = joined.select(
        period=grid.period, partner=grid.partner, dimension=grid.dimension,
        events=joined.n_events.fill_null(0), cooperative=joined.n_coop.fill_null(0),
        volume=grid.volume, days_covered=grid.days_covered)

    # Sums over the partner set and the rank, with plain aggregates and equi-joins (no window
    # functions, which not every engine translates). rank = 1 + partners with more events in
    # the period and dimension: the shares there share one denominator, so this ranks by
    # share, and integer ties are exact where float ties might not be.
    group = ["period", "dimension"]
    sums = filled.group_by(group).aggregate(set_events=filled.events.sum(),
                                            set_cooperative=filled.cooperative.sum())
    other = filled.select(period_o=filled.period, dimension_o=filled.dimension,
                          events_o=filled.events)
    pairs = filled.join(other, [filled.period == other.period_o,
                                filled.dimension == other.dimension_o])
    ahead = pairs.group_by(["period", "partner", "dimension"]).aggregate(
        ahead=(pairs.events_o > pairs.events).cast("int64").sum())
    totals = filled.join(sums, group).join(ahead, ["period", "partner", "dimension"])
    totals = totals.mutate(place=totals.ahead + 1)
    share = ibis.ifelse(totals.set_events > 0, totals.events / totals.set_events.cast("float64"),
                        ibis.null("float64"))
    coop_share = ibis.ifelse(totals.set_cooperative > 0,
                             totals.cooperative / totals.set_cooperative.cast("float64"),
                             ibis.null("float64"))
    per_10k = ibis.ifelse(totals.volume > 0, totals.events * PER_10K / totals.volume,
                          ibis.null("float64"))
    rank = ibis.ifelse(totals.set_events > 0, totals.place.cast("int64"), ibis.null("int64"))
    return totals.select(
        "period", "partner", "dimension", "events", "cooperative", "set_events",
        "set_cooperative", share=share, coop_share=coop_share, volume=totals.volume,
        per_10k=per_10k, rank=rank, days_covered=totals.days_covered,
    ).order_by(["period", "dimension", "partner"])


# --- the trend: OLS slope of the share with a 90% interval ---------------------------------

# One-sided 95% quantiles of Student's t (two-sided 90% interval) for 1..30 degrees of
# freedom, from the standard tables (scipy.stats.t.ppf(0.95, df), six decimals).
_T95 = (6.313752, 2.919986, 2.353363, 2.131847, 2.015048, 1.943180, 1.894579, 1.859548,
        1.833113, 1.812461, 1.795885, 1.782288, 1.770933, 1.761310, 1.753050, 1.745884,
        1.739607, 1.734064, 1.729133, 1.724718, 1.720743, 1.717144, 1.713872, 1.710882,
        1.708141, 1.705618, 1.703288, 1.701131, 1.699127, 1.697261)


def t_quantile_95(df: int) -> float:
    """The 0.95 quantile of Student's t with `df` degrees of freedom (the half-width factor of
    a two-sided 90% interval). A table for df 1..30; beyond, the Cornish-Fisher expansion
    around the normal quantile (error below 1e-6 there)."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(_T95):
        return _T95[df - 1]
    z = NormalDist().inv_cdf(0.95)
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


def ols_slope(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least-squares slope of ys on xs and its two-sided 90% confidence interval
    (slope ± t(0.95, n-2) × standard error). Needs at least 3 points."""
    n = len(xs)
    if n < MIN_PERIODS or len(ys) != n:
        raise ValueError(f"a slope with an interval needs at least {MIN_PERIODS} points")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    sse = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(sse / (n - 2) / sxx)
    half = t_quantile_95(n - 2) * se
    return slope, slope - half, slope + half


def partner_trend(df: pd.DataFrame, last: int = DEFAULT_LAST,
                  freq: str = "year") -> pd.DataFrame:
    """Per partner and dimension: the OLS slope of `share` over the last `last` periods of
    the per-period frame (share per `freq` period, a fraction: 0.01 = one percentage point),
    with a 90% confidence interval from Student's t.

    x is the period on a real time axis (`period_number`), so a period without events for the
    partner set (share null) or without data is left out without closing the gap. With fewer
    than 3 periods with a share, `note` says "too few periods" and slope and interval are NaN.
    """
    import pandas as pd

    if last < 1:
        raise ValueError("last must be at least 1")
    periods = sorted(set(df["period"]))[-last:] if len(df) else []
    position = {p: period_number(p, freq) for p in periods}
    rows = []
    recent = df[df["period"].isin(position)] if len(df) else df
    # one pass over the rows (groups in order of first appearance), not a filter per pair
    groups = recent.groupby(["partner", "dimension"], sort=False) if len(recent) else []
    for (partner, dimension), sub in groups:
        sub = sub[sub["share"].notna()]
        xs = [float(position[p]) for p in sub["period"]]
        ys = [float(s) for s in sub["share"]]
        row = {"partner": partner, "dimension": dimension, "periods": len(xs),
               "first": min(sub["period"]) if len(xs) else None,
               "last": max(sub["period"]) if len(xs) else None,
               "slope": math.nan, "ci_low": math.nan, "ci_high": math.nan, "note": ""}
        if len(xs) < MIN_PERIODS:
            row["note"] = TOO_FEW
        else:
            row["slope"], row["ci_low"], row["ci_high"] = ols_slope(xs, ys)
            if row["ci_low"] > 0:
                row["note"] = "rising"
            elif row["ci_high"] < 0:
                row["note"] = "falling"
            else:
                row["note"] = "no clear trend"
        rows.append(row)
    columns = ["partner", "dimension", "periods", "first", "last", "slope", "ci_low",
               "ci_high", "note"]
    return pd.DataFrame(rows, columns=columns)


# --- the API -------------------------------------------------------------------------------

def _check_codes(focus: str, partners: Sequence[str] | str | None) -> tuple[str, list[str]]:
    from pivotwatch import taxonomy
    from pivotwatch.errors import UsageError

    focus = taxonomy.validate_country(focus)
    if partners is None:
        partners = DEFAULT_PARTNERS
    if isinstance(partners, str):
        partners = partners.split(",")
    codes: list[str] = []
    for item in partners:
        if not item.strip():
            continue
        code = taxonomy.validate_country(item)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise UsageError("give at least one partner country code")
    if focus in codes:
        raise UsageError(f"the focus country {focus} cannot also be one of its partners")
    return focus, codes


def partners(focus: str = "RUS", partners: Sequence[str] | str | None = None, *,
             store: Store | None = None, freq: str = "year",
             dimensions: Sequence[str] | None = None, start: date | None = None,
             end: date | None = None, last: int = DEFAULT_LAST) -> pd.DataFrame:
    """Partner ranking per period, partner and dimension, as a DataFrame (see
    `pivotwatch partners` and `partner_shares` for the columns).

    `df.attrs["trend"]` holds the trend over the last `last` periods as a list of records,
    dates as ISO text (`pandas.DataFrame(df.attrs["trend"])`, or `partner_trend(df, last)`
    for a frame with dates);
    `df.attrs["warnings"]` lists what the figures cannot tell (files that did not watch the
    focus country or a partner)."""
    import pandas as pd

    from pivotwatch import taxonomy
    from pivotwatch.analysis.dyads import (
        check_dimensions,
        code_dimensions,
        coverage_warnings,
        daily_route,
    )
    from pivotwatch.errors import UsageError
    from pivotwatch.store import derived, prepared, reading

    if freq not in FREQS:
        raise UsageError(f"unknown frequency {freq!r}: choose from {', '.join(FREQS)}")
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    if last < MIN_PERIODS:
        raise UsageError(f"--last {last}: a trend needs at least {MIN_PERIODS} periods")
    focus, codes = _check_codes(focus, partners)
    dims = check_dimensions(dimensions)
    with reading(store) as st:
        warnings = []
        for code in codes:
            try:
                warnings += coverage_warnings(st, focus, code)
            except UsageError as exc:  # nobody watched this pair: say so, go on with others
                warnings.append(str(exc))
        con = st.ibis()
        if daily_route(st, warnings):
            values = {"focus": focus, **{f"p{i}": p for i, p in enumerate(codes)},
                      **({"start": start} if start else {}), **({"end": end} if end else {})}
            n = len(codes)

            def build(v):
                return partner_shares_daily(
                    *(con.table(t) for t in derived.TABLES), focus=v["focus"],
                    partners=[v[f"p{i}"] for i in range(n)], freq=freq, dimensions=dims,
                    start=v.get("start"), end=v.get("end"))

            shape = ("partners", n, freq, tuple(dims), bool(start), bool(end))
            df = prepared.run(st, shape, build, values)
        else:
            df = st.to_pandas(partner_shares(
                con.table("events"), con.table("daily_counts"), code_dimensions(),
                focus=focus, partners=codes, freq=freq, dimensions=dims,
                energy_pattern=taxonomy.energy_pattern(), start=start, end=end))
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["rank"] = df["rank"].astype("Int64")
    df = df.sort_values(["period", "dimension", "partner"], kind="stable",
                        key=lambda s: s.map({c: i for i, c in enumerate(codes)})
                        if s.name == "partner" else s).reset_index(drop=True)
    trend = partner_trend(df, last, freq)
    df.attrs["warnings"] = list(dict.fromkeys(warnings))
    # plain, JSON-friendly records (dates as ISO text), so that attrs survive to_parquet
    df.attrs["trend"] = [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in rec.items()}
        for rec in trend.to_dict(orient="records")]
    df.attrs["focus"] = focus
    df.attrs["partners"] = codes
    df.attrs["last"] = last
    return df
