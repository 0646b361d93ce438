"""What a store holds, per source: files, rows, rejects and date coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pivotwatch.store.store import Store


@dataclass(frozen=True)
class SourceStatus:
    source: str
    files_loaded: int
    files_failed: int
    rows_read: int
    rows_kept: int
    rows_rejected: int
    rows_duplicate: int
    events: int  # records in the store from this source (events, votes, flows, ...)
    first_day: date | None
    last_day: date | None
    days_with_counts: int
    days_in_both_versions: int  # days counted from GDELT 1.0 and 2.0 files: counted twice
    failures: tuple[tuple[str, str], ...]


# where each source keeps its records, and the date each record is about
_FACTS = {  # GDELT's are read whole (store_status)
    "reference": [("reference_events", "date"), ("reference_trade", "make_date(year, 1, 1)"),
                  ("reference_fuel", "period_start"), ("reference_caps", "adopted"),
                  ("reference_measures", "as_of")],
    "unga": [("un_votes", "NULL::DATE"), ("un_roll_calls", "date")],
    "comtrade": [("trade_flows", "make_date(year, 1, 1)")],
    "idealpoints": [("un_ideal_points", "period_end"), ("un_published_agreement", "period_end")],
    "sanctions": [("sanctions", "listed_on")],
    "documents": [("documents", "published::DATE")],
}


def store_status(store: Store) -> list[SourceStatus]:
    """One SourceStatus per source that has files in the store."""
    con = store.con
    out = []
    sources = [r[0] for r in con.execute("SELECT DISTINCT source FROM files ORDER BY 1").fetchall()]
    for source in sources:
        (loaded, failed, read, kept, rejected, dup) = con.execute(
            """SELECT count(*) FILTER (WHERE status = 'loaded'),
                      count(*) FILTER (WHERE status = 'failed'),
                      coalesce(sum(rows_read), 0), coalesce(sum(rows_kept), 0),
                      coalesce(sum(rows_rejected), 0), coalesce(sum(rows_duplicate), 0)
               FROM files WHERE source = ?""", [source]).fetchall()[0]
        if source == "gdelt":
            # every event and daily count is a GDELT file's: read the tables whole (a join
            # with `files` costs seconds at 100 M events), the covered days from the derived
            # total_daily, and look for days counted from both versions only when both were
            # loaded
            events, first, last = con.execute(
                "SELECT count(*), min(day), max(day) FROM events").fetchall()[0]
            (days,) = con.execute("SELECT count(DISTINCT day) FROM total_daily").fetchall()[0]
            (versions,) = con.execute(
                """SELECT count(DISTINCT gdelt_version) FROM files
                   WHERE source = 'gdelt' AND status = 'loaded'""").fetchall()[0]
        else:
            union = " UNION ALL ".join(
                f"SELECT {day} AS day FROM {table} WHERE file_id IN "
                f"(SELECT file_id FROM files WHERE source = $source)"
                for table, day in _FACTS.get(source, [("events", "day")]))
            events, first, last = con.execute(
                f"SELECT count(*), min(day), max(day) FROM ({union})", {"source": source}
            ).fetchall()[0]
            days, versions = 0, 0
        both = 0
        if versions > 1:
            (both,) = con.execute(
                """SELECT count(*) FROM (
                     SELECT d.day FROM daily_counts d JOIN files f USING (file_id)
                     WHERE f.source = ? GROUP BY d.day
                     HAVING count(DISTINCT f.gdelt_version) > 1)""", [source]).fetchall()[0]
        failures = tuple(con.execute(
            "SELECT name, error FROM files WHERE source = ? AND status = 'failed' ORDER BY name",
            [source]).fetchall())
        out.append(SourceStatus(source, loaded, failed, int(read), int(kept), int(rejected),
                                int(dup), events, first, last, days, both, failures))
    return out


@dataclass(frozen=True)
class WatchHealth:
    """How the watcher (`pivotwatch watch`) stands: its cycles, alerts, deliveries, sources."""

    cycles: int
    last: tuple | None  # (cycle_id, status, started_at, finished_at) of the newest cycle
    interrupted: int
    alerts: int
    undelivered: tuple[tuple[str, int, int], ...]  # (channel, still trying, given up)
    source_errors: tuple[tuple[str, str], ...]  # (source, its last error)


def watch_health(store: Store, max_attempts: int) -> WatchHealth | None:
    """None for a store that was never watched."""
    if not store.has_table("watch_cycles") or not store.count("watch_cycles"):
        return None
    con = store.con
    last = con.execute("SELECT cycle_id, status, started_at, finished_at FROM watch_cycles "
                       "ORDER BY cycle_id DESC LIMIT 1").fetchall()[0]
    interrupted = con.execute("SELECT count(*) FROM watch_cycles WHERE status IN "
                              "('interrupted', 'failed')").fetchall()[0][0]
    undelivered = con.execute(
        """SELECT channel, count(*) FILTER (WHERE attempts < ?),
                  count(*) FILTER (WHERE attempts >= ?)
           FROM watch_deliveries WHERE delivered_at IS NULL GROUP BY channel ORDER BY channel""",
        [max_attempts, max_attempts]).fetchall()
    errors = con.execute("SELECT source, error FROM watch_sources WHERE error IS NOT NULL "
                         "ORDER BY source").fetchall()
    return WatchHealth(store.count("watch_cycles"), tuple(last), int(interrupted),
                       store.count("watch_alerts"), tuple(map(tuple, undelivered)),
                       tuple(map(tuple, errors)))
