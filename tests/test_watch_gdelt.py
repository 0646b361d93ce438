"""The watcher against a fake GDELT server (issue 14): `pivotwatch watch --once` cycles read
`lastupdate.txt`, `masterfilelist.txt` and zipped real exports from 127.0.0.1
(`tests/gdelt_server.py`), which change between cycles as each test drives them.

1. A sequence with new files, a corrupt file, a 503 and a gap of hours ends as a one-shot
   `pivotwatch ingest gdelt` of the good files; the corrupt one is retried a bounded number
   of cycles and kept as failed with its reason.
2. The Atom feed is valid after every cycle and never repeats an entry.
3. The week-on-week rule alerts for a planted jump and stays silent at rest.
4. A watcher killed mid-cycle (SIGKILL) and run again ends as an uninterrupted one, with no
   alert stored or delivered twice; a second watcher on the store is refused meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from gdelt_server import (
    FakeGdelt,
    pair_of,
    real_exports,
    real_rows,
    weekly_export,
    zipped,
)
from lxml import etree
from typer.testing import CliRunner

import pivotwatch
from pivotwatch.cli import app
from pivotwatch.store.store import ident
from pivotwatch.watch.jumps import JumpRule
from pivotwatch.watch.rules import load_rules

SRC = Path(pivotwatch.__file__).resolve().parents[1]  # the pivotwatch under test
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
WAIT = 60  # seconds any wait on a subprocess or the server may take at most
# Columns that say when or under which name a file was loaded, not what it holds: the
# watcher names a file by its URL, the one-shot ingest by its path. Every other column of
# every table the loads write is compared (events' file_id is the hash of the content).
VOLATILE = {"files": {"name", "started_at", "finished_at"}}
# The rows compared: a file the watcher gave up on has a `failed` row the one-shot ingest of
# the good files cannot have.
ONLY = {"files": "WHERE status = 'loaded'"}
PAIR = frozenset({"RUS", "CHN"})
MONDAY = date(2015, 1, 12)  # the first of the planted scenario's whole weeks


@pytest.fixture()
def gdelt(monkeypatch):
    """The fake GDELT server, named as the trusted mirror (PIVOTWATCH_GDELT_BASE); one try
    per download, so a 503 fails the cycle's attempt at once."""
    with FakeGdelt() as server:
        monkeypatch.setenv("PIVOTWATCH_GDELT_BASE", server.base)
        monkeypatch.setenv("PIVOTWATCH_RETRIES", "0")
        yield server


def watch_args(db: Path, server: FakeGdelt, *extra: str) -> list[str]:
    return ["--db", str(db), "watch", "--once", "--create", "--gdelt", server.base,
            "--no-sanctions",
            "--dyad", "RUS-CHN", "--format", "json", *extra]


def cycle(db: Path, server: FakeGdelt, *extra: str, env: dict | None = None) -> dict:
    """One `pivotwatch watch --once` cycle, in process; its JSON report."""
    result = CliRunner().invoke(app, watch_args(db, server, *extra), env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(db: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def loaded_tables(db: Path) -> dict[str, list[tuple]]:
    """Every table the loads write (all but the watcher's own), as sorted rows without the
    VOLATILE columns (and of `files`, the loaded ones)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_name NOT LIKE 'watch\\_%' ESCAPE '\\' "
            "ORDER BY 1").fetchall()]
        out = {}
        for table in tables:
            cols = [c[0] for c in con.execute(f"DESCRIBE {ident(table)}").fetchall()
                    if c[0] not in VOLATILE.get(table, ())]
            got = con.execute(f"SELECT {', '.join(map(ident, cols))} FROM {ident(table)} "
                              f"{ONLY.get(table, '')}").fetchall()
            out[table] = sorted(got, key=lambda r: tuple((v is None, str(v)) for v in r))
        return out
    finally:
        con.close()


def atom_entries(path: Path) -> dict[str, bytes]:
    """The feed at `path` checked against RFC 4287's required elements; {entry id: entry}.
    Fails on an entry id written twice."""
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False,
                                                                no_network=True))
    assert root.tag == f"{ATOM}feed"
    # 4.1.1: exactly one atom:id, atom:title and atom:updated; an atom:author on the feed
    # or on every entry
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    feed_author = root.find(f"{ATOM}author") is not None
    out: dict[str, bytes] = {}
    for entry in root.findall(f"{ATOM}entry"):
        # 4.1.2: exactly one id (an IRI), title and updated; an author unless the feed has
        # one; a summary when the content is not inline text (we check there is one anyway)
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert feed_author or entry.find(f"{ATOM}author") is not None
        assert entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        for link in entry.findall(f"{ATOM}link"):
            assert link.get("href", "").startswith(("http://", "https://")), link.get("href")
        eid = entry.findtext(f"{ATOM}id")
        assert re.match(r"^[a-z][a-z0-9+.-]*:\S+$", eid), eid
        assert eid not in out, f"entry {eid} written twice"
        out[eid] = etree.tostring(entry, method="c14n")
    return out


# --- 1. a sequence of exports ----------------------------------------------------------------


def test_a_sequence_of_exports_ends_as_a_one_shot_ingest_of_the_good_files(gdelt, tmp_path):
    real = real_exports()
    a, b, c, d, e = sorted(real)
    # The fifth real export (2019-10-24 14:30) is re-stamped 2015-02-19 03:30 to place it
    # after a gap of 3 h 45 min (14 slots with no export) after the fourth; its rows are as
    # GDELT wrote them.
    late = "20150219033000"
    zips = {a: zipped(a, real[a]), b: zipped(b, real[b]), c: zipped(c, real[c]),
            d: zipped(d, real[d]), late: zipped(late, real[e])}
    corrupt = bytearray(zips[b])
    corrupt[len(corrupt) // 2] ^= 0xFF  # same size, other bytes: the MD5 does not match
    db, feed = tmp_path / "watch.duckdb", tmp_path / "alerts.atom"
    reports = []

    gdelt.publish(a, zips[a])                     # the first cycle takes only the newest
    reports.append(cycle(db, gdelt, "--feed", str(feed)))
    gdelt.publish(b, zips[b], served=bytes(corrupt))
    reports.append(cycle(db, gdelt, "--feed", str(feed)))
    gdelt.publish(c, zips[c])
    gdelt.unavailable[c] = 1                      # 503 once
    reports.append(cycle(db, gdelt, "--feed", str(feed)))
    gdelt.publish(d, zips[d], latest=False)       # in the master list only
    gdelt.publish(late, zips[late])               # lastupdate.txt jumps 15 slots ahead
    reports.append(cycle(db, gdelt, "--feed", str(feed)))
    reports.append(cycle(db, gdelt, "--feed", str(feed)))  # nothing new
    reports.append(cycle(db, gdelt, "--feed", str(feed)))

    def url(stamp: str) -> str:
        return f"{gdelt.base}/gdeltv2/{stamp}.export.CSV.zip"

    (g1,), (g2,), (g3,), (g4,), (g5,), (g6,) = (r["sources"] for r in reports)
    assert [r["status"] for r in reports] == ["done"] * 6
    assert g1["loaded"] == [url(a)] and not g1["errors"]
    assert g2["loaded"] == [] and len(g2["errors"]) == 1
    assert url(b) in g2["errors"][0] and "MD5 mismatch" in g2["errors"][0]
    assert g3["loaded"] == [] and len(g3["errors"]) == 2
    assert any(url(c) in x and "HTTP 503" in x for x in g3["errors"])
    assert any(url(b) in x and "MD5 mismatch" in x for x in g3["errors"])
    # the catch-up: the 503 export again, the one only the master list names, the newest
    assert g4["loaded"] == [url(c), url(d), url(late)]
    assert len(g4["errors"]) == 1 and "MD5 mismatch" in g4["errors"][0]
    assert ("GET", "/gdeltv2/masterfilelist.txt") in gdelt.requests
    assert g5["unchanged"] and g6["unchanged"] and g5["fetched"] == g6["fetched"] == 0

    # the corrupt export: tried in three cycles (MAX_FILE_ATTEMPTS), never loaded, kept
    # as failed with its reason; the 503 one was tried twice and is no longer pending
    assert gdelt.count(b) == 3 and gdelt.count(c) == 2 and gdelt.count(d) == 1
    ((failed, attempts, error),) = rows(db, "SELECT url, attempts, error FROM watch_retries")
    assert (failed, attempts) == (url(b), 3) and "MD5 mismatch" in error
    assert rows(db, "SELECT position FROM watch_sources WHERE source = 'gdelt'") == [(late,)]

    # the same files loaded in one go into another store
    folder = tmp_path / "good"
    folder.mkdir()
    good = [a, c, d, late]
    for stamp in good:
        (folder / f"{stamp}.export.CSV.zip").write_bytes(zips[stamp])
    other = tmp_path / "oneshot.duckdb"
    result = CliRunner().invoke(app, ["--db", str(other), "ingest", "gdelt",
                                      *(str(folder / f"{s}.export.CSV.zip") for s in good)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output

    watched, oneshot = loaded_tables(db), loaded_tables(other)
    assert watched.keys() == oneshot.keys()
    for table in oneshot:
        assert watched[table] == oneshot[table], table
    assert len(oneshot["events"]) > 1000 and len(oneshot["daily_counts"]) > 100
    names = rows(db, "SELECT name FROM files WHERE status = 'loaded' ORDER BY name")
    assert [n for (n,) in names] == [url(s) for s in good]
    # nothing of the corrupt export's rows is in (its events are in no other file)
    b_ids = [int(line.split(b"\t", 1)[0]) for line in real[b].splitlines()]
    assert rows(db, "SELECT count(*) FROM events WHERE list_contains(?, event_id)",
                [b_ids]) == [(0,)]


def test_an_index_that_fails_is_reported_and_read_again_next_cycle(gdelt, tmp_path):
    """A 503 for lastupdate.txt, then for the master list during a catch-up: the cycle says
    so and moves nothing; the next one takes every export."""
    real = real_exports()
    a, b, c, d = sorted(real)[:4]
    db = tmp_path / "watch.duckdb"
    gdelt.publish(a, zipped(a, real[a]))
    cycle(db, gdelt)
    gdelt.publish(b, zipped(b, real[b]), latest=False)
    gdelt.publish(c, zipped(c, real[c]))
    gdelt.unavailable["lastupdate.txt"] = 1
    (g,) = cycle(db, gdelt)["sources"]
    assert g["loaded"] == [] and len(g["errors"]) == 1 and "lastupdate.txt" in g["errors"][0]
    gdelt.unavailable["masterfilelist.txt"] = 1
    (g,) = cycle(db, gdelt)["sources"]
    assert g["loaded"] == [] and len(g["errors"]) == 1
    assert "masterfilelist.txt" in g["errors"][0] and "503" in g["errors"][0]
    assert rows(db, "SELECT position FROM watch_sources") == [(a,)]
    gdelt.publish(d, zipped(d, real[d]))
    (g,) = cycle(db, gdelt)["sources"]
    assert g["loaded"] == [f"{gdelt.base}/gdeltv2/{s}.export.CSV.zip" for s in (b, c, d)]
    assert not g["errors"] and rows(db, "SELECT count(*) FROM watch_retries") == [(0,)]


def test_a_catch_up_soon_after_another_takes_every_export(gdelt, tmp_path):
    """Two catch-ups a few minutes apart (the watcher behind by more than one slot twice,
    e.g. GDELT publishing late): the second must see the exports listed since the first.
    docs/watch.md: the master list is "fetched again when it does not reach the newest
    day"."""
    real = real_exports()
    a, b, c, d, e = sorted(real)
    late = "20150219001500"  # the 2019 export re-stamped, to follow the fourth
    db = tmp_path / "watch.duckdb"
    gdelt.publish(a, zipped(a, real[a]))
    cycle(db, gdelt)
    gdelt.publish(b, zipped(b, real[b]), latest=False)
    gdelt.publish(c, zipped(c, real[c]))
    (first,) = cycle(db, gdelt)["sources"]
    assert len(first["loaded"]) == 2  # b and c, b from the master list
    gdelt.publish(d, zipped(d, real[d]), latest=False)
    gdelt.publish(late, zipped(late, real[e]))
    (second,) = cycle(db, gdelt)["sources"]
    assert second["loaded"] == [f"{gdelt.base}/gdeltv2/{s}.export.CSV.zip" for s in (d, late)]


def test_an_export_given_up_is_listed_as_failed_by_status(gdelt, tmp_path):
    """docs/watch.md: after its three attempts a failed export "is left, and `pivotwatch
    status` lists it as failed with its reason"."""
    real = real_exports()
    a, b = sorted(real)[:2]
    good = zipped(b, real[b])
    corrupt = bytearray(good)
    corrupt[len(corrupt) // 2] ^= 0xFF
    db = tmp_path / "watch.duckdb"
    gdelt.publish(a, zipped(a, real[a]))
    cycle(db, gdelt)
    gdelt.publish(b, good, served=bytes(corrupt))
    for _ in range(4):
        cycle(db, gdelt)
    assert gdelt.count(b) == 3
    url = f"{gdelt.base}/gdeltv2/{b}.export.CSV.zip"
    ((name, error),) = rows(db, "SELECT name, error FROM files WHERE status = 'failed'")
    assert name == url and "MD5 mismatch" in error
    result = CliRunner().invoke(app, ["--db", str(db), "status"], env={"COLUMNS": "300"},
                                catch_exceptions=False)
    failed = [line for line in result.output.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 1 and url in failed[0] and "MD5 mismatch" in failed[0]


# --- the planted scenario: whole weeks of real rows ------------------------------------------


LAST = JumpRule().baseline_weeks  # the week tested: the one after the baseline weeks


class Weeks:
    """Weekly exports of real rows moved in time: every week the same real rows about Russia
    or China that are not between the two (`about`), plus the real Russia-China rows
    repeated to `base` events a week (more than the rule's `min_events`); `publish(week,
    times)` serves week `week` (0 = the week of MONDAY) with the pair's rows `times` over.
    Each export also holds real rows about neither country dated the next Monday, so the
    week is whole (the rule tests the newest week that ended before the newest day), and
    is stamped that Monday, 00:15."""

    def __init__(self, server: FakeGdelt, base: int = 36) -> None:
        every = real_rows()
        self.pair = [r for r in every if pair_of(r) == PAIR]
        self.about = [r for r in every if pair_of(r) & PAIR and pair_of(r) != PAIR]
        self.neither = [r for r in every if not pair_of(r) & PAIR][:300]
        assert self.pair and len(self.about) > 50, "too few real Russia-China rows"
        self.copies = -(-base // len(self.pair))  # base rounded up to whole copies
        self.server = server
        self.ids: dict[int, list[int]] = {}  # week -> the ids of its pair events

    def monday(self, week: int) -> date:
        return MONDAY + timedelta(weeks=week)

    def stamp(self, week: int) -> str:
        return self.monday(week + 1).strftime("%Y%m%d") + "001500"

    def events(self, week: int, times: int = 1) -> int:
        return len(self.pair) * self.copies * times

    def publish(self, week: int, times: int = 1, latest: bool = True) -> None:
        pair = self.pair * self.copies * times
        first = 10**9 + week * 10**5
        self.ids[week] = list(range(first, first + len(pair)))
        stamp = self.stamp(week)
        content = weekly_export(self.monday(week), [*pair, *self.about], self.neither, first,
                                stamp)
        self.server.publish(stamp, zipped(stamp, content), latest=latest)

    def start(self, db: Path, times: list[int], *extra: str,
              after=lambda report: None) -> list[dict]:
        """Cycle 1 on week 0 alone (a first cycle takes only the newest export); cycle 2
        after weeks 1 to len(times) - 1 appear at once (a catch-up from the master list).
        `after` sees each cycle's report as soon as the cycle ends."""
        self.publish(0, times[0])
        reports = [cycle(db, self.server, *extra)]
        after(reports[-1])
        for week, n in enumerate(times[1:], start=1):
            self.publish(week, n, latest=week == len(times) - 1)
        reports.append(cycle(db, self.server, *extra))
        after(reports[-1])
        return reports


def alerts_of(db: Path) -> list[dict]:
    return [json.loads(body) for (body,) in rows(
        db, "SELECT body FROM watch_alerts ORDER BY alert_id")]


# --- 2. the Atom feed ------------------------------------------------------------------------


def test_the_feed_is_valid_atom_after_every_cycle_and_never_repeats_an_entry(gdelt, tmp_path):
    db, feed = tmp_path / "watch.duckdb", tmp_path / "alerts.atom"
    weeks = Weeks(gdelt)
    seen: dict[str, bytes] = {}  # every entry written so far, as first written

    def check(report: dict) -> None:
        """After each cycle: the feed is valid Atom, keeps every earlier entry unchanged and
        adds one entry for each alert new in the cycle, none of them seen before."""
        now = atom_entries(feed)  # written from the first cycle, empty until an alert
        if not seen and not report["alerts"]:
            assert now == {}
            return
        for eid, entry in seen.items():
            assert now.get(eid) == entry, f"entry {eid} changed or dropped"
        added = set(now) - set(seen)
        assert added == {f"urn:pivotwatch:alert:{a['id']}" for a in report["alerts"]}
        assert report["delivered"] == ({f"feed:{feed}": len(added)} if added else {})
        seen.update(now)

    weeks.start(db, [1] * LAST + [2], "--feed", str(feed), after=check)  # the last doubled
    assert seen, "the planted jump raised no alert"
    weeks.publish(LAST + 1, 3)                                          # the next tripled
    for _ in range(2):                                                  # then nothing new
        check(cycle(db, gdelt, "--feed", str(feed)))
    assert any(a["key"] == f"all week of {weeks.monday(LAST + 1)}" for a in alerts_of(db))
    assert len(seen) == len(alerts_of(db))
    # `pivotwatch alerts --format atom` gives the same entries, valid too
    printed = tmp_path / "printed.atom"
    result = CliRunner().invoke(app, ["--db", str(db), "alerts", "--format", "atom", "-o",
                                      str(printed)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert set(atom_entries(printed)) == set(seen)


# --- 3. alerts for a planted jump, none at rest ----------------------------------------------


@pytest.mark.parametrize("planted", [False, True], ids=["at-rest", "planted"])
def test_the_week_on_week_rule_alerts_for_a_planted_jump_and_not_at_rest(gdelt, tmp_path,
                                                                         planted):
    """Five whole weeks, the default rules. At rest every week has the same events and the
    same media volume; planted, the fifth week has the Russia-China rows twice over."""
    rule = load_rules().jump
    db = tmp_path / "watch.duckdb"
    weeks = Weeks(gdelt)
    times = [1] * LAST + [2 if planted else 1]
    assert weeks.events(LAST) >= rule.min_events  # so a silence is the rule's, not the guard's
    first, second = weeks.start(db, times)
    assert any("volume_jump: RUS-CHN has no media volume" in n for n in first["notes"])
    assert not any("volume_jump" in n for n in second["notes"])  # tested, all five weeks
    jumps = [a for a in alerts_of(db) if a["rule"] == "volume_jump"]
    if not planted:
        assert jumps == []
        return
    monday, sunday = weeks.monday(LAST), weeks.monday(LAST) + timedelta(days=6)
    alert = next(a for a in jumps if a["key"] == f"all week of {monday}")
    assert alert["id"] in [a["id"] for a in second["alerts"]] and alert["severity"] == "large"
    assert alert["dyad"] == "RUS-CHN" and alert["as_of"] == str(sunday)
    # the figures, from what was planted: volume is every event about either country
    n0, n1 = weeks.events(0), weeks.events(LAST, 2)
    v0, v1 = n0 + len(weeks.about), n1 + len(weeks.about)
    assert alert["after"]["events a week"] == n1 and alert["after"]["volume a week"] == v1
    assert alert["before"]["events a week"] == n0 and alert["before"]["volume a week"] == v0
    assert alert["after"]["per_10k"] == pytest.approx(n1 * 1e4 / v1, abs=1e-4)
    assert alert["before"]["per_10k"] == pytest.approx(n0 * 1e4 / v0, abs=1e-4)
    p = float(re.search(r"probability ([0-9.]+e[+-][0-9]+)", alert["summary"]).group(1))
    assert p < rule.max_p
    # the evidence is the planted week's Russia-China events, with their real URLs
    assert alert["evidence"] and {int(e["key"]) for e in alert["evidence"]} <= set(weeks.ids[LAST])
    assert all(e["url"].startswith("http") for e in alert["evidence"])
    # and the command it names shows the same figures
    command = alert["command"].split()
    assert command[:2] == ["pivotwatch", "indicators"]
    result = CliRunner().invoke(app, ["--db", str(db), *command[1:], "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = {r["period"][:10]: r for r in json.loads(result.stdout)}
    assert shown[str(monday)]["events"] == n1
    assert shown[str(monday)]["per_10k"] == pytest.approx(n1 * 1e4 / v1, rel=1e-6)
    assert sum(shown[str(weeks.monday(w))]["events"] for w in range(LAST)) == LAST * n0


# --- 4. killed mid-cycle ---------------------------------------------------------------------


def start_watcher(db: Path, server: FakeGdelt, *extra: str,
                  env: dict | None = None) -> subprocess.Popen:
    """`pivotwatch watch --once` in a process of its own, as the console script runs it."""
    env = {**os.environ, **(env or {})}  # the mirror and the rest, from the fixtures
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.Popen([sys.executable, "-c", "from pivotwatch.entry import main; main()",
                             *watch_args(db, server, *extra)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def kill_when(proc: subprocess.Popen, arrived) -> None:
    """SIGKILL `proc` as soon as the request the server stalls arrives."""
    try:
        for _ in range(WAIT * 10):
            if arrived.wait(0.1):
                break
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"the watcher ended (exit {proc.returncode}) before the stalled "
                            f"request: {err.strip() or out.strip()}")
        else:
            pytest.fail("the stalled request never came")
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL


def watch_state(db: Path, targets: dict[str, str]) -> dict[str, list]:
    """The watcher's tables as an uninterrupted run and a resumed one must agree on: alerts
    (without when and in which cycle they were raised), their deliveries (each channel's
    target, which differs between the runs, named by `targets`), the facts seen, the
    assessments, the position."""

    def channel(name: str) -> str:
        kind, _, target = name.partition(":")
        return f"{kind}:{targets[target]}"

    alerts = []
    for (body,) in rows(db, "SELECT body FROM watch_alerts ORDER BY alert_id"):
        alert = json.loads(body)
        assert alert.pop("raised_at") and alert.pop("cycle_id")
        alerts.append(alert)
    return {
        "alerts": alerts,
        "deliveries": sorted((a, channel(c), n, at is not None, e) for a, c, n, at, e in rows(
            db, "SELECT alert_id, channel, attempts, delivered_at, error FROM watch_deliveries")),
        "seen": rows(db, "SELECT dyad, rule, fact FROM watch_seen ORDER BY ALL"),
        "assessments": rows(db, "SELECT dyad, as_of, body FROM watch_assessments ORDER BY 1"),
        "sources": rows(db, "SELECT source, url, position, error FROM watch_sources ORDER BY 1"),
        "retries": rows(db, "SELECT * FROM watch_retries ORDER BY 1"),
    }


def test_a_watcher_killed_mid_cycle_resumes_without_loss_or_duplicates(gdelt, tmp_path):
    """Two runs of the same cycles: one uninterrupted; one killed (SIGKILL) while it
    downloads the catch-up, and killed again, when run again, while it posts its alerts to
    the webhook (after it stored them and wrote the feed); a third run finishes. The two
    stores, feeds and webhooks end the same."""
    weeks = Weeks(gdelt)
    ref, killed = tmp_path / "ref.duckdb", tmp_path / "killed.duckdb"
    own = {"PIVOTWATCH_CACHE": str(tmp_path / "killed-cache")}  # so it downloads for itself

    def targets(run: str) -> dict[str, str]:
        return {str(tmp_path / f"{run}.atom"): "FEED", f"{gdelt.base}/hook/{run}": "HOOK"}

    def channels(run: str) -> tuple[str, ...]:
        feed, hook = targets(run)
        return ("--feed", feed, "--webhook", hook, "--allow-private")

    weeks.publish(0)
    cycle(ref, gdelt, *channels("ref"))
    cycle(killed, gdelt, *channels("killed"), env=own)
    for week in range(1, LAST + 1):
        weeks.publish(week, 2 if week == LAST else 1, latest=week == LAST)
    done = cycle(ref, gdelt, *channels("ref"))
    assert any(a["rule"] == "volume_jump" for a in done["alerts"])

    # killed while one export of the catch-up is downloading ...
    arrived = gdelt.stall(weeks.stamp(3))
    proc = start_watcher(killed, gdelt, *channels("killed"), env=own)
    try:
        assert arrived.wait(WAIT), "the stalled download never came"
        # ... and meanwhile a second watcher on the same store is refused, in one line
        second = CliRunner().invoke(app, watch_args(killed, gdelt, *channels("killed")),
                                    env=own)
        assert second.exit_code == 1
        assert second.output == (f"error: another watcher (PID {proc.pid}) is watching "
                                 f"{killed}; stop it first (one watcher per store)\n")
    finally:
        kill_when(proc, arrived)
        gdelt.release()
    # nothing of the catch-up is in: its downloads had not all ended
    assert rows(killed, "SELECT count(*) FROM files") == [(1,)]
    assert rows(killed, "SELECT status FROM watch_cycles ORDER BY cycle_id") == \
        [("done",), ("running",)]
    # killed again, when run again, while it posts the alerts it stored to the webhook
    arrived = gdelt.stall("hook")
    kill_when(start_watcher(killed, gdelt, *channels("killed"), env=own), arrived)
    gdelt.release()
    # by then it had loaded the catch-up, stored the alerts and written the feed
    assert rows(killed, "SELECT count(*) FROM files") == [(LAST + 1,)]
    assert len(alerts_of(killed)) == len(done["alerts"])
    assert len(atom_entries(tmp_path / "killed.atom")) == len(done["alerts"])
    assert rows(killed, "SELECT count(*) FROM watch_deliveries WHERE delivered_at IS NULL "
                        "AND channel LIKE 'webhook:%'") == [(len(done["alerts"]),)]
    last = cycle(killed, gdelt, *channels("killed"), env=own)
    assert last["resumed"] == [3] and last["alerts"] == [] and last["stored"] == 0
    # only the webhook was left to deliver (its path, a secret, is not shown)
    ((channel, sent),) = last["delivered"].items()
    assert channel.startswith(f"webhook:{gdelt.base}/") and sent == len(done["alerts"])

    assert [s for (s,) in rows(killed, "SELECT status FROM watch_cycles ORDER BY cycle_id")] \
        == ["done", "interrupted", "interrupted", "done"]
    assert loaded_tables(killed) == loaded_tables(ref)
    assert watch_state(killed, targets("killed")) == watch_state(ref, targets("ref"))
    # the feeds hold the same entries, once each
    feeds = [atom_entries(tmp_path / f"{run}.atom") for run in ("ref", "killed")]
    assert set(feeds[0]) == set(feeds[1]) == \
        {f"urn:pivotwatch:alert:{a['id']}" for a in done["alerts"]}
    # the webhook got the batch once from the uninterrupted run; the killed run sent it again
    # after the kill, with the same idempotency key, so a receiver can drop the repeat
    posts = {run: [(h["idempotency-key"], sorted(a["id"] for a in json.loads(b)["alerts"]))
                   for p, h, b in gdelt.posts if p == f"/hook/{run}"] for run in ("ref", "killed")}
    assert len(posts["ref"]) == 1 and posts["killed"] == posts["ref"] * 2
