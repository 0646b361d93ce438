"""The watcher's state in the store: cycles, alerts and their deliveries, what each source
held, the facts already seen and each dyad's last assessment (schema migration 10).

Every write is one transaction, so a watcher killed at any point leaves the state as it was
before the write or after it, never between: a cycle run again after a kill repeats only what
was not committed, and an alert's id keeps it from being stored twice.

One watcher per store: `WatchLock` holds an exclusive `flock` on a file beside the store for
as long as the watcher runs. The kernel drops it when the process ends, however it ends, so a
killed watcher never blocks the next one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pivotwatch.errors import StoreError, UsageError
from pivotwatch.store.store import Store, utcnow
from pivotwatch.watch.model import Alert, pair_key

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MAX_DELIVERY_ATTEMPTS = 5  # a channel that failed this often for an alert stops trying it


class WatchLock:
    """An exclusive lock on `<store>.watch.lock`: the second watcher on a store is refused."""

    def __init__(self, db: Path) -> None:
        self.path = Path(f"{db}.watch.lock")
        self.fd: int | None = None

    def __enter__(self) -> WatchLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise StoreError(f"another watcher (PID {holder}) is watching {db_name(self)}; "
                                 "stop it first (one watcher per store)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None


def db_name(lock: WatchLock) -> str:
    return str(lock.path)[: -len(".watch.lock")]


# --- cycles ----------------------------------------------------------------------------------

def start_cycle(store: Store) -> tuple[int, list[int]]:
    """A new cycle's id, and the ids of cycles left `running` by a watcher that is gone (now
    marked `interrupted`). Call only while holding the WatchLock."""
    with store.transaction() as con:
        stale = [r[0] for r in con.execute(
            "SELECT cycle_id FROM watch_cycles WHERE status = 'running' ORDER BY cycle_id"
        ).fetchall()]
        con.execute("UPDATE watch_cycles SET status = 'interrupted' WHERE status = 'running'")
        cycle_id = int(con.execute(
            "SELECT coalesce(max(cycle_id), 0) + 1 FROM watch_cycles").fetchall()[0][0])
        con.execute("INSERT INTO watch_cycles (cycle_id, started_at, status, pid) "
                    "VALUES (?, ?, 'running', ?)", [cycle_id, utcnow(), os.getpid()])
    return cycle_id, stale


def finish_cycle(store: Store, cycle_id: int, status: str, report: dict) -> None:
    with store.transaction() as con:
        con.execute("UPDATE watch_cycles SET status = ?, finished_at = ?, report = ? "
                    "WHERE cycle_id = ?",
                    [status, utcnow(), json.dumps(report, default=str), cycle_id])


def cycles(store: Store, limit: int = 20) -> list[dict]:
    cur = store.con.execute(
        "SELECT cycle_id, started_at, finished_at, status, report FROM watch_cycles "
        "ORDER BY cycle_id DESC LIMIT ?", [limit])
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(names, row, strict=True))
        r["report"] = json.loads(r["report"]) if r["report"] else {}
        out.append(r)
    return out


# --- sources ---------------------------------------------------------------------------------

@dataclass
class SourceState:
    source: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    position: str | None = None
    checked_at: datetime | None = None
    changed_at: datetime | None = None
    error: str | None = None


_SOURCE_COLUMNS = ("source", "url", "etag", "last_modified", "content_hash", "position",
                   "checked_at", "changed_at", "error")  # SourceState's fields, in order
_SELECT_SOURCE = ("SELECT source, url, etag, last_modified, content_hash, position, checked_at, "
                  "changed_at, error FROM watch_sources")


def source_state(store: Store, source: str) -> SourceState:
    rows = store.con.execute(_SELECT_SOURCE + " WHERE source = ?", [source]).fetchall()
    return SourceState(*rows[0]) if rows else SourceState(source)


def save_source(store: Store, state: SourceState) -> None:
    values = [getattr(state, c) for c in _SOURCE_COLUMNS]
    with store.transaction() as con:
        con.execute("INSERT OR REPLACE INTO watch_sources (source, url, etag, last_modified, "
                    "content_hash, position, checked_at, changed_at, error) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


def source_states(store: Store) -> list[SourceState]:
    return [SourceState(*r) for r in store.con.execute(
        _SELECT_SOURCE + " ORDER BY source").fetchall()]


# --- GDELT retries ---------------------------------------------------------------------------

def retries(store: Store, max_attempts: int) -> list[tuple[str, int | None, str | None, int]]:
    """(url, size, md5, attempts) of failed exports still to try again."""
    return [tuple(r) for r in store.con.execute(
        "SELECT url, size_bytes, md5, attempts FROM watch_retries WHERE attempts < ? "
        "ORDER BY url", [max_attempts]).fetchall()]


def note_retry(store: Store, url: str, size: int | None, md5: str | None, error: str) -> None:
    with store.transaction() as con:
        con.execute("""INSERT INTO watch_retries VALUES (?, ?, ?, 1, ?)
                       ON CONFLICT (url) DO UPDATE SET attempts = attempts + 1,
                       error = excluded.error""", [url, size, md5, error])


def clear_retry(store: Store, url: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM watch_retries WHERE url = ?", [url])


# --- facts seen, assessments, alerts ---------------------------------------------------------

def seen(store: Store, dyad: str, rule: str) -> set[str]:
    """The facts `rule` has taken into account for the pair (either order)."""
    return {r[0] for r in store.con.execute(
        "SELECT fact FROM watch_seen WHERE dyad = ? AND rule = ?",
        [pair_key(dyad), rule]).fetchall()}


def last_assessment(store: Store, dyad: str) -> dict | None:
    rows = store.con.execute("SELECT body FROM watch_assessments WHERE dyad = ?",
                             [dyad]).fetchall()
    return json.loads(rows[0][0]) if rows else None


@dataclass
class Outcome:
    """What one dyad's evaluation found, written in one transaction by `record`."""

    dyad: str
    alerts: list[Alert]
    seen: list[tuple[str, str]]        # (rule, fact) to remember without an alert
    assessment: dict | None = None     # the new baseline of the judgment rule
    as_of: object = None


def record(store: Store, cycle_id: int, outcome: Outcome, channels: Sequence[str]
           ) -> list[Alert]:
    """Store a dyad's alerts (those not stored before), their pending deliveries on
    `channels`, the facts seen and the new assessment, all or nothing. Returns the alerts new
    to the store, as stored (with when and by which cycle they were raised)."""
    now = utcnow()
    added: list[Alert] = []
    with store.transaction() as con:
        for alert in outcome.alerts:
            if con.execute("SELECT count(*) FROM watch_alerts WHERE alert_id = ?",
                           [alert.id]).fetchall()[0][0]:
                continue
            stamped = replace(alert, raised_at=now, cycle_id=cycle_id)
            con.execute("INSERT INTO watch_alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [alert.id, alert.rule, alert.dyad, alert.key, str(alert.severity),
                         alert.title, alert.as_of, now, cycle_id,
                         json.dumps(stamped.to_dict())])
            for channel in channels:
                con.execute("INSERT OR IGNORE INTO watch_deliveries VALUES (?, ?, 0, NULL, NULL)",
                            [alert.id, channel])
            added.append(stamped)
        facts = [*outcome.seen, *((a.rule, a.key) for a in outcome.alerts)]
        if facts:
            con.executemany("INSERT OR IGNORE INTO watch_seen VALUES (?, ?, ?)",
                            [[pair_key(outcome.dyad), rule, fact] for rule, fact in facts])
        if outcome.assessment is not None:
            con.execute("INSERT OR REPLACE INTO watch_assessments VALUES (?, ?, ?, ?)",
                        [outcome.dyad, outcome.as_of, cycle_id,
                         json.dumps(outcome.assessment)])
    return added


def pending(store: Store, channel: str) -> list[Alert]:
    """Alerts not yet delivered on `channel`, oldest first."""
    rows = store.con.execute(
        """SELECT a.body FROM watch_deliveries d JOIN watch_alerts a USING (alert_id)
           WHERE d.channel = ? AND d.delivered_at IS NULL AND d.attempts < ?
           ORDER BY a.raised_at, a.alert_id""", [channel, MAX_DELIVERY_ATTEMPTS]).fetchall()
    return [Alert.from_dict(json.loads(r[0])) for r in rows]


def given_up(store: Store, channel: str) -> int:
    """Alerts `channel` failed `MAX_DELIVERY_ATTEMPTS` times and is no longer tried with."""
    return int(store.con.execute(
        "SELECT count(*) FROM watch_deliveries WHERE channel = ? AND delivered_at IS NULL "
        "AND attempts >= ?", [channel, MAX_DELIVERY_ATTEMPTS]).fetchall()[0][0])


def delivered(store: Store, channel: str, ids: Iterable[str], error: str | None = None) -> int:
    """Note a delivery attempt of `ids` on `channel`: done when `error` is None. Returns how
    many of them have now failed `MAX_DELIVERY_ATTEMPTS` times (given up)."""
    ids = list(ids)
    if not ids:
        return 0
    with store.transaction() as con:
        con.executemany(
            """UPDATE watch_deliveries SET attempts = attempts + 1, error = ?,
               delivered_at = CASE WHEN ? THEN ? ELSE NULL END
               WHERE alert_id = ? AND channel = ?""",
            [[error, error is None, utcnow(), i, channel] for i in ids])
        if error is None:
            return 0
        return int(con.execute(
            """SELECT count(*) FROM watch_deliveries WHERE channel = ? AND attempts >= ?
               AND delivered_at IS NULL AND list_contains(?, alert_id)""",
            [channel, MAX_DELIVERY_ATTEMPTS, ids]).fetchall()[0][0])


def alert_filters(dyad: str | None, rule: str | None, severity: str | None
                  ) -> tuple[str | None, str | None, str | None]:
    """The filters of `alerts` as a user gave them (the CLI's options, the dashboard's query),
    checked and normalised; UsageError with one line for anything else."""
    from pivotwatch.analysis.dyads import parse_dyad
    from pivotwatch.watch.model import Severity
    from pivotwatch.watch.rules import RULES

    dyad, rule, severity = dyad or None, rule or None, severity or None
    if dyad is not None:
        dyad = "-".join(parse_dyad(dyad))
    if rule is not None and rule not in RULES:
        raise UsageError(f"unknown rule {rule!r}: choose from {', '.join(RULES)}")
    if severity is not None and severity not in {s.value for s in Severity}:
        raise UsageError(f"unknown severity {severity!r}: choose from large, moderate, info")
    return dyad, rule, severity


def alerts(store: Store, *, dyad: str | None = None, rule: str | None = None,
           severity: str | None = None, since: datetime | None = None,
           limit: int = 100) -> list[Alert]:
    """Stored alerts, newest first, filtered by the values given (bound, never in the SQL)."""
    rows = store.con.execute(
        """SELECT body FROM (SELECT *, list_sort(string_split(dyad, '-'))[1] || '-' ||
                                   list_sort(string_split(dyad, '-'))[2] AS pair
                             FROM watch_alerts)
           WHERE (? IS NULL OR pair = ?) AND (? IS NULL OR rule = ?)
             AND (? IS NULL OR severity = ?) AND (? IS NULL OR raised_at >= ?)
           ORDER BY raised_at DESC, alert_id LIMIT ?""",
        [dyad, dyad and pair_key(dyad), rule, rule, severity, severity, since, since,
         limit]).fetchall()
    return [Alert.from_dict(json.loads(r[0])) for r in rows]


def deliveries(store: Store, alert_ids: Sequence[str]) -> dict[str, list[dict]]:
    if not alert_ids:
        return {}
    out: dict[str, list[dict]] = {}
    for aid, channel, attempts, at, error in store.con.execute(
            "SELECT alert_id, channel, attempts, delivered_at, error FROM watch_deliveries "
            "WHERE list_contains(?, alert_id) ORDER BY channel", [list(alert_ids)]).fetchall():
        out.setdefault(aid, []).append({"channel": channel, "attempts": attempts,
                                        "delivered_at": at, "error": error})
    return out
