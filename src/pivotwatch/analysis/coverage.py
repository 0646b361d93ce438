"""What the store lacks: the rows its loaders rejected (with their reasons), and the days on
which it holds no GDELT counts.

A rejected row is kept in `rejects` with its file, line, reason and text, so that a reader can
see what was left out and why; `reject_counts` and `reject_sample` read it by source. The
GDELT counts per day come from the derived `total_daily` (docs/scale.md), or from
`daily_counts` where the derived table is absent; a day with no counts in a range is a
coverage gap (nothing loaded), not a day without events. `gaps` gives those days as runs.

The expressions take and return Ibis tables and import no engine; the functions taking a
store wire them to it and return pandas.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

RAW_SHOWN = 300  # characters of a rejected row's text in a sample


# --- Ibis ----------------------------------------------------------------------------------

def rejects_by_source(rejects: ir.Table, files: ir.Table) -> ir.Table:
    """(source, reason, rejects, files): rejected rows per source and reason, most first."""
    joined = rejects.join(files.select("file_id", "source"), "file_id")
    return (joined.group_by(["source", "reason"])
            .aggregate(rejects=joined.count(), files=joined.file_id.nunique())
            .order_by(["source", ibis.desc("rejects"), "reason"]))


def rejected_rows(rejects: ir.Table, files: ir.Table, source: str | None = None) -> ir.Table:
    """(source, file, line, reason, raw): each rejected row with its file's source and name,
    by source, file and line; `raw` cut to RAW_SHOWN characters."""
    f = files.select("file_id", "source", file=files.name)
    joined = rejects.join(f, "file_id")
    if source is not None:
        joined = joined.filter(joined.source == source)
    return (joined.select("source", "file", "line", "reason", raw=joined.raw.substr(0, RAW_SHOWN))
            .order_by(["source", "file", "line"]))


def events_per_day(counts: ir.Table, start: date | None = None,
                   end: date | None = None) -> ir.Table:
    """(day, events): every counted GDELT event per day, from `total_daily` or
    `daily_counts` (both hold partial sums per file: they are added here), by day."""
    if start is not None:
        counts = counts.filter(counts.day >= start)
    if end is not None:
        counts = counts.filter(counts.day <= end)
    return (counts.group_by("day").aggregate(events=counts.events.sum().cast("int64"))
            .order_by("day"))


# --- the API -------------------------------------------------------------------------------

def reject_counts(*, store: Store) -> pd.DataFrame:
    """Rejected rows per source and reason, with the number of files they came from."""
    con = store.ibis()
    return store.to_pandas(rejects_by_source(con.table("rejects"), con.table("files")))


def reject_sample(*, store: Store, limit: int, source: str | None = None) -> pd.DataFrame:
    """The first `limit` rejected rows (of `source`, or of every source), by source, file and
    line; `df.attrs["total"]` is how many there are in all."""
    con = store.ibis()
    rows = rejected_rows(con.table("rejects"), con.table("files"), source)
    df = store.to_pandas(rows.limit(limit))
    df.attrs["total"] = int(store.to_pandas(rows.count()))
    return df


def daily_events(*, store: Store, start: date | None = None,
                 end: date | None = None) -> pd.DataFrame:
    """GDELT events counted per day between `start` and `end` (days with no counts are
    absent: see `gaps`). Empty for a store without GDELT counts."""
    import pandas as pd

    table = "total_daily" if store.has_table("total_daily") else "daily_counts"
    df = store.to_pandas(events_per_day(store.ibis().table(table), start, end))
    df["day"] = [d.date() if hasattr(d, "date") else d for d in pd.to_datetime(df["day"])]
    return df


def gaps(days: list[date], start: date, end: date) -> list[tuple[date, date, int]]:
    """The runs of days from `start` to `end` that are not in `days`: (first, last, days)."""
    held = sorted(d for d in set(days) if start <= d <= end)
    runs, cursor = [], start
    for d in [*held, end + timedelta(days=1)]:
        if d > cursor:
            last = d - timedelta(days=1)
            runs.append((cursor, last, (last - cursor).days + 1))
        cursor = max(cursor, d + timedelta(days=1))
    return runs
