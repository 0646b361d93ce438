"""Dated quantitative measures (munitions containers, shells, troops, port calls...) as series.

Policy. Each row of `reference_measures` is one figure as published: a measure of a flow
between two countries, by one publisher, on one basis (cumulative, for a period, a lower or
upper bound, an estimate, an announcement), dated by its publication (`as_of`). Figures are
shown one per row and never added: two publishers' cumulative counts of the same shipments
overlap by an unknown amount, and a bound is not a count. A **series** is one measure of one
flow by one publisher on one basis; `change` is a figure's difference from the previous
figure of its own series (by publication date, then period), and nothing else. The first
figure of a series, or one whose unit differs from the previous one's, has no change. A
cumulative figure counted from another start than the previous one keeps its change, with a
`change_note` saying so.

As of a date, only figures published on or before it exist: a later figure is left out, so
it can change neither a series nor its changes (the earlier figures come first in a series).

`measure_rows` is the Ibis expression (engine-free); `measures` wires it to a store and adds
the changes in pandas, over a table of a few dozen curated rows (window functions are not
translated by every engine, see analysis/partners.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from pivotwatch.errors import UsageError
from pivotwatch.sources.reference_figures import MEASURE_BASES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

# the order of the rows: measure, publisher, publication, then what tells figures apart
ORDER = ["measure", "publisher", "as_of", "period_end", "period_start", "basis", "row_key"]
COLUMNS = ["measure", "series", "from_country", "to_country", "dimension", "publisher",
           "publisher_kind", "basis", "basis_label", "as_of", "period_start", "period_end",
           "value", "unit", "previous_as_of", "change", "change_note", "note", "source_urls",
           "confidence"]
SEPARATOR = " | "
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


# --- Ibis ----------------------------------------------------------------------------------

def measure_rows(measures: ir.Table, *, a: str | None = None, b: str | None = None,
                 names: Sequence[str] = (), as_of: date | None = None) -> ir.Table:
    """The published figures of `reference_measures`, one row each, with their `series`
    ("measure | FROM→TO | publisher | basis") and `basis_label`, sorted by ORDER.

    `a` and `b`: figures of flows between the two (either direction); `a` alone: flows from
    or to it. `names`: only these measures. `as_of`: only figures published on or before it.
    """
    t = measures
    if as_of is not None:
        t = t.filter(t.as_of <= as_of)
    if a is not None and b is not None:
        t = t.filter(((t.from_country == a) & (t.to_country == b))
                     | ((t.from_country == b) & (t.to_country == a)))
    elif a is not None:
        t = t.filter((t.from_country == a) | (t.to_country == a))
    if names:
        t = t.filter(t.measure.isin(list(names)))
    series = (t.measure + SEPARATOR + t.from_country + "→" + t.to_country + SEPARATOR
              + t.publisher + SEPARATOR + t.basis)
    label = t.basis.cases(*MEASURE_BASES.items(), else_=t.basis)
    return t.mutate(series=series, basis_label=label).order_by(ORDER)


# --- pandas --------------------------------------------------------------------------------

def with_changes(df: pd.DataFrame) -> pd.DataFrame:
    """`df` (rows of `measure_rows`, in its order) with `previous_as_of` and `change`: the
    difference from the previous figure of the same series, missing for a series' first
    figure or a unit that differs from the previous one's; and `change_note` where a
    cumulative figure counts from another start than the previous one."""
    import pandas as pd

    df = df.copy()
    previous = df.groupby("series", sort=False)[["value", "unit", "as_of", "period_start"]] \
        .shift(1)
    same = previous["unit"].eq(df["unit"])
    df["change"] = (df["value"] - previous["value"]).where(same)
    df["previous_as_of"] = [d if ok and isinstance(d, date) else None
                            for d, ok in zip(previous["as_of"], same, strict=True)]
    # A publisher may restart its count from another day (since mid-2022, then since
    # September 2023): still its series, but the change is then not all new deliveries.
    notes = [f"counted from {start}, the previous figure from {before}"
             if ok and basis.startswith("cumulative") and isinstance(start, date)
             and isinstance(before, date) and start != before else None
             for start, before, basis, ok in zip(df["period_start"], previous["period_start"],
                                                 df["basis"], same, strict=True)]
    # object, not str: the column's type must not depend on whether any note is there
    df["change_note"] = pd.Series(notes, index=df.index, dtype=object)
    return df


def latest_per_series(df: pd.DataFrame) -> pd.DataFrame:
    """The latest figure of each series in `df` (a `measures` frame), with its change from
    the one before: the level and growth a reader (or a signal) takes from a series."""
    if df.empty:
        return df
    return df.groupby("series", sort=False).tail(1).reset_index(drop=True)


# --- the API -------------------------------------------------------------------------------

def _codes(a: str | None, b: str | None) -> tuple[str | None, str | None]:
    from pivotwatch.analysis.trade import country

    if a is None and b is not None:
        a, b = b, None
    a = country(a) if a is not None else None
    b = country(b) if b is not None else None
    if a is not None and a == b:
        raise UsageError(f"give two different countries (got {a} twice)")
    return a, b


def check_names(measure: str | Sequence[str] | None) -> list[str]:
    """--measure a --measure b,c -> [a, b, c], each a lower_case_word."""
    items = [measure] if isinstance(measure, str) else list(measure or [])
    names = [n.strip().lower() for item in items for n in item.split(",") if n.strip()]
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        raise UsageError(f"bad measure name {bad[0][:40]!r}: measures are lower_case_words "
                         "such as troops_deployed")
    return names


def _days(values) -> list:
    return [None if v is None or v != v else (v.date() if hasattr(v, "date") else v)
            for v in values]


def measures(a: str | None = None, b: str | None = None, *, store: Store,
             measure: str | Sequence[str] | None = None,
             as_of: date | None = None) -> pd.DataFrame:
    """Each measure as a dated series: one row per published figure with its publisher,
    publisher kind, basis and sources, sorted by measure, publisher and publication date;
    `series` names the comparable series a figure belongs to and `change` its difference
    from the previous figure of that series only (see the module's policy). Figures
    published after `as_of` are left out: the same rows, with the same changes, as keeping
    `df[df.as_of <= as_of]` of the frame without `as_of` (one call serves many dates).
    Columns: COLUMNS."""
    a, b = _codes(a, b)
    names = check_names(measure)
    expr = measure_rows(store.ibis().table("reference_measures"), a=a, b=b, names=names,
                        as_of=as_of)
    df = expr.to_pandas()
    for column in ("as_of", "period_start", "period_end"):  # days, not midnight timestamps
        df[column] = _days(df[column])
    df["source_urls"] = [list(u) for u in df["source_urls"]]
    return with_changes(df)[COLUMNS].reset_index(drop=True)


def known_measures(*, store: Store) -> list[str]:
    """The measures the store holds figures of, sorted."""
    t = store.ibis().table("reference_measures")
    return sorted(t.select("measure").distinct().to_pandas()["measure"].tolist())

