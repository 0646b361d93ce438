"""Dyad indicators, written once as Ibis expressions.

Every function here takes and returns Ibis tables (or plain dates and text) and imports no
engine: the caller's connection decides whether DuckDB, Spark or BigQuery runs them.
`analysis/dyads.py::indicators` wires them to a store.

Two routes give the same table: `dyad_indicators` from the event rows and `daily_counts`
(the reference, and the route for a GDELT table without derived tables, such as BigQuery's),
and `dyad_indicators_daily` from the derived daily tables (store/derived.py), which a store
keeps at ingest so that a dyad's figures never scan the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

# the event tagging is the derived tables' (store/derived.py), so that both agree
from pivotwatch.store.derived import (  # noqa: F401 - ALL and nullable re-exported
    ALL,
    CONFLICTUAL,
    COOPERATIVE,
    SUM_COLUMNS,
    nullable,
    tag_dimensions,
)

FREQS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
# The event columns the figures read (event_id keeps each event distinct when tagged): an
# engine billed by the bytes it reads (BigQuery) reads these only. The derived sums read the
# same.
INDICATOR_COLUMNS = SUM_COLUMNS
# a float64 literal: Spark reads a bare 10000.0 as a decimal (digits differ at the 15th)
PER_10K = ibis.literal(10_000.0, "float64")


def dyad_events(events: ir.Table, a: str, b: str, *, directed: bool = False) -> ir.Table:
    """Events between `a` and `b` (a as actor 1 only, when directed)."""
    a_to_b = (events.actor1_country == a) & (events.actor2_country == b)
    if directed:
        return events.filter(a_to_b)
    return events.filter(a_to_b | ((events.actor1_country == b) & (events.actor2_country == a)))


def within(table: ir.Table, start: date | None, end: date | None) -> ir.Table:
    if start is not None:
        table = table.filter(table.day >= start)
    if end is not None:
        table = table.filter(table.day <= end)
    return table


def period_start(day: ir.DateValue, freq: str) -> ir.DateValue:
    return day.truncate(FREQS[freq])


def period_label(day: date, freq: str) -> str:
    """A period start as readers write the period: 2024, 2024-Q3, 2024-07, 2024-W27 (ISO
    week) or 2024-07-01."""
    if freq == "year":
        return f"{day:%Y}"
    if freq == "quarter":
        return f"{day:%Y}-Q{(day.month - 1) // 3 + 1}"
    if freq == "month":
        return f"{day:%Y-%m}"
    if freq == "week":
        return f"{day:%G-W%V}"
    return f"{day:%Y-%m-%d}"


def period_number(day: date, freq: str) -> float:
    """A period start's position on a time axis counted in periods of `freq`, so that trends
    are fitted on real time: a year with no data between two others is a gap, not nothing."""
    if freq == "year":
        return float(day.year)
    if freq == "quarter":
        return float(day.year * 4 + (day.month - 1) // 3)
    if freq == "month":
        return float(day.year * 12 + day.month - 1)
    return day.toordinal() / (7 if freq == "week" else 1)


def involving(daily_counts: ir.Table, countries: Sequence[str]) -> ir.Table:
    """Daily counts of events (all rows, before any filter) involving any of `countries`."""
    keep = daily_counts.actor1_country.isin(countries) | daily_counts.actor2_country.isin(
        countries)
    return daily_counts.filter(keep)


def volume(daily_counts: ir.Table, countries: Sequence[str], freq: str) -> ir.Table:
    """Per period: events involving either country, and the days the store has counts for."""
    counts = involving(daily_counts, countries)
    all_days = daily_counts.mutate(period=period_start(daily_counts.day, freq))
    covered = all_days.group_by("period").aggregate(days_covered=all_days.day.nunique())
    counts = counts.mutate(period=period_start(counts.day, freq))
    vol = counts.group_by("period").aggregate(volume=counts.events.sum())
    return covered.left_join(vol, "period").select(
        covered.period, covered.days_covered, vol.volume.fill_null(0).name("volume"))


def dyad_indicators(events: ir.Table, daily_counts: ir.Table, code_dimensions: ir.Table, *,
                    a: str, b: str, freq: str, dimensions: Sequence[str],
                    energy_pattern: str, start: date | None = None, end: date | None = None,
                    directed: bool = False) -> ir.Table:
    """Per period and dimension: event counts, cooperation/conflict, Goldstein, mentions, tone,
    and events per 10,000 events involving either country (the media-volume normalisation).

    Every period for which the store has daily counts appears, with zeros where the dyad had
    no events; periods with no data at all are absent (a coverage gap, not a zero).
    """
    dyad = within(dyad_events(events, a, b, directed=directed), start, end)
    tagged = tag_dimensions(dyad.select(*INDICATOR_COLUMNS), code_dimensions, energy_pattern)
    tagged = tagged.filter(tagged.dimension.isin(list(dimensions)))
    tagged = tagged.mutate(period=period_start(tagged.day, freq))
    stats = tagged.group_by(["period", "dimension"]).aggregate(
        events=tagged.count(),
        cooperative=tagged.quad_class.isin(COOPERATIVE).sum(),
        conflictual=tagged.quad_class.isin(CONFLICTUAL).sum(),
        goldstein_sum=tagged.goldstein.sum(),
        goldstein_mean=tagged.goldstein.mean(),
        mentions=tagged.num_mentions.sum(),
        avg_tone=tagged.avg_tone.mean(),
    )
    vol = volume(within(daily_counts, start, end), [a, b], freq)
    return _on_grid(stats, vol, dimensions)


def dimension_grid(table: ir.Table, dimensions: Sequence[str], *,
                   literal: bool = False) -> ir.Table:
    """Each row of `table` once per dimension. `literal` writes the dimensions into the query
    (an unnested array) instead of an in-memory table, so that the query stands alone and
    can be compiled once and run again (store/prepared.py)."""
    if literal:
        return table.mutate(dimension=ibis.array(list(dimensions)).unnest())
    return table.cross_join(ibis.memtable({"dimension": list(dimensions)}))


def _on_grid(stats: ir.Table, vol: ir.Table, dimensions: Sequence[str], *,
             literal: bool = False) -> ir.Table:
    """The per-period stats on the grid of covered periods x dimensions, zeros where the
    dyad had no events, with the volume normalisation."""
    grid = dimension_grid(vol, dimensions, literal=literal)
    joined = grid.left_join(stats, ["period", "dimension"])
    n = joined.events.fill_null(0)
    per_10k = ibis.ifelse(joined.volume > 0, n * PER_10K / joined.volume, ibis.null())
    return joined.select(
        period=grid.period,
        dimension=grid.dimension,
        events=n,
        cooperative=joined.cooperative.fill_null(0),
        conflictual=joined.conflictual.fill_null(0),
        goldstein_sum=joined.goldstein_sum.fill_null(0.0),
        goldstein_mean=joined.goldstein_mean,
        mentions=joined.mentions.fill_null(0),
        avg_tone=joined.avg_tone,
        volume=grid.volume,
        per_10k=per_10k,
        days_covered=grid.days_covered,
    ).order_by(["period", "dimension"])


# --- the same from the derived daily tables ------------------------------------------------

def pair_rows(dyad_daily: ir.Table, a: str, b: str, *, directed: bool = False) -> ir.Table:
    """`dyad_daily` rows of the pair (a as actor 1 only, when directed). Written as two IN
    filters (one per column) so that an engine can skip row groups by their min/max."""
    t = dyad_daily
    if directed:
        return t.filter(t.actor1_country == a, t.actor2_country == b)
    return t.filter(t.actor1_country.isin([a, b]), t.actor2_country.isin([a, b]))


def volume_daily(country_daily: ir.Table, pair_daily: ir.Table, total_daily: ir.Table,
                 a: str, b: str, freq: str, pair: tuple[str, str] | None = None) -> ir.Table:
    """`volume` from the derived tables: per covered period, events involving a or b
    (T(a) + T(b) - P(a, b)) and the days covered. `pair` is (a, b) sorted, given by a
    caller that builds the query with stand-in values (whose order is not the codes')."""
    days = total_daily.mutate(period=period_start(total_daily.day, freq))
    covered = days.group_by("period").aggregate(days_covered=days.day.nunique())
    ones = country_daily.filter(country_daily.country.isin([a, b]))
    ones = ones.mutate(period=period_start(ones.day, freq))
    t = ones.group_by("period").aggregate(t=ones.events.sum())
    lo, hi = pair or sorted((a, b))
    both = pair_daily.filter(pair_daily.country1 == lo, pair_daily.country2 == hi)
    both = both.mutate(period=period_start(both.day, freq))
    p = both.group_by("period").aggregate(p=both.events.sum())
    joined = covered.left_join(t, "period").left_join(p, "period")
    return joined.select(
        period=covered.period, days_covered=covered.days_covered,
        volume=(joined.t.fill_null(0) - joined.p.fill_null(0)))


def daily_stats(rows: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Per `keys`, the indicator sums of `dyad_daily` rows (means from sums and counts)."""
    g = rows.group_by(list(keys))
    goldstein_n, tone_n = rows.goldstein_n.sum(), rows.tone_n.sum()
    return g.aggregate(
        events=rows.events.sum(),
        cooperative=rows.cooperative.sum(),
        conflictual=rows.conflictual.sum(),
        goldstein_sum=rows.goldstein_sum.sum(),
        goldstein_mean=ibis.ifelse(goldstein_n > 0, rows.goldstein_sum.sum() / goldstein_n,
                                   ibis.null("float64")),
        mentions=rows.mentions.sum(),
        avg_tone=ibis.ifelse(tone_n > 0, rows.tone_sum.sum() / tone_n, ibis.null("float64")),
    )


def dyad_indicators_daily(dyad_daily: ir.Table, country_daily: ir.Table,
                          pair_daily: ir.Table, total_daily: ir.Table, *, a: str, b: str,
                          freq: str, dimensions: Sequence[str], start: date | None = None,
                          end: date | None = None, directed: bool = False,
                          pair: tuple[str, str] | None = None) -> ir.Table:
    """`dyad_indicators` (same columns, same numbers) from the derived daily tables; `pair`
    as for `volume_daily`."""
    rows = within(pair_rows(dyad_daily, a, b, directed=directed), start, end)
    rows = rows.filter(rows.dimension.isin(list(dimensions)))
    rows = rows.mutate(period=period_start(rows.day, freq))
    stats = daily_stats(rows, ["period", "dimension"])
    vol = volume_daily(within(country_daily, start, end), within(pair_daily, start, end),
                       within(total_daily, start, end), a, b, freq, pair)
    return _on_grid(stats, vol, dimensions, literal=True)
