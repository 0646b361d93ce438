"""Kill and interrupt a load at random points (issue 9): the store always holds whole files,
and a re-run completes to the same tables as a clean run.

`pivotwatch ingest sample` (GDELT extracts, UN votes and ideal points, Comtrade and sanctions
files: 19 files) runs in a subprocess and gets SIGKILL, SIGTERM or SIGINT at seeded random points.
After each kill every `files` row marked loaded has exactly its rows_kept records and
rows_rejected rejects, and no row belongs to a file that is not marked loaded. SIGTERM and
SIGINT end with the one-line message and exit 143 and 130.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

import pivotwatch
from pivotwatch.store import open_store

SEED = 20240619
SRC = Path(pivotwatch.__file__).resolve().parents[1]  # the pivotwatch under test
# as the console script runs (pivotwatch.entry), its slow imports done before 'ready'
CHILD = ("import sys\n"
         "import pivotwatch.cli\n"
         "from pivotwatch.entry import main\n"
         "print('ready', file=sys.stderr, flush=True)\n"
         "main()\n")
# where each source's records are; a loaded file's rows_kept counts its rows in these
RECORDS = ("events", "un_votes", "un_roll_calls", "un_ideal_points", "un_published_agreement",
           "trade_flows", "sanctions",
           "reference_events", "reference_trade", "reference_fuel", "reference_caps",
           "documents")
# columns that differ between two loads of the same files
VOLATILE = {"files": ("started_at", "finished_at"), "documents": ("fetched_at",)}
MESSAGES = {signal.SIGTERM: ("terminated", 143), signal.SIGINT: ("interrupted", 130)}


def _env() -> dict[str, str]:
    env = dict(os.environ)  # PIVOTWATCH_CACHE and the rest, from isolated_settings
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["COLUMNS"] = "160"
    return env


def _default_sigint() -> None:
    # a shell that starts jobs in the background ignores SIGINT for them; undo that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "--db", str(db), "ingest", "sample"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), preexec_fn=_default_sigint)
    assert proc.stderr.readline().strip() == "ready"
    return proc


def _run(db: Path, kill: int | None = None, after: float = 0.0) -> tuple[int, str, str, float]:
    """Run the load; with `kill`, send that signal `after` seconds past start-up."""
    proc = _start(db)
    started = time.monotonic()
    if kill is not None:
        try:
            proc.wait(timeout=after)
        except subprocess.TimeoutExpired:
            proc.send_signal(kill)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err, time.monotonic() - started


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "ORDER BY 1").fetchall()]


def _assert_whole_files(db: Path) -> int:
    """The store equals a state of whole files; returns how many are loaded."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        if "files" not in _tables(con):  # killed while the schema was made: nothing loaded
            return 0
        loaded = con.execute("SELECT file_id, name, rows_kept, rows_rejected FROM files "
                             "WHERE status = 'loaded'").fetchall()
        kept = {fid: 0 for fid, *_ in loaded}
        with_file = [t for t in _tables(con) if t != "files" and "file_id" in
                     [c[0] for c in con.execute(f'DESCRIBE "{t}"').fetchall()]]
        for table in with_file:
            for fid, n in con.execute(f'SELECT file_id, count(*) FROM "{table}" '
                                      "GROUP BY file_id").fetchall():
                assert fid in kept, f"{n} row(s) of {table} belong to no loaded file ({fid})"
                if table in RECORDS:
                    kept[fid] += n
        rejects = dict(con.execute("SELECT file_id, count(*) FROM rejects "
                                   "GROUP BY file_id").fetchall())
        for fid, name, rows_kept, rows_rejected in loaded:
            assert kept[fid] == rows_kept, f"{name}: {kept[fid]} records, rows_kept {rows_kept}"
            assert rejects.get(fid, 0) == rows_rejected, name
        return len(loaded)
    finally:
        con.close()


def _snapshot(db: Path) -> dict[str, tuple]:
    """Per table: row count and an order-free checksum of its content."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        snap = {}
        for table in _tables(con):
            skip = VOLATILE.get(table, ())
            cols = ", ".join(f'"{c[0]}"' for c in con.execute(f'DESCRIBE "{table}"').fetchall()
                             if c[0] not in skip)
            snap[table] = con.execute(f'SELECT count(*), coalesce(sum(hash({cols})), 0) '
                                      f'FROM (SELECT {cols} FROM "{table}")').fetchone()
        return snap
    finally:
        con.close()


def test_kills_leave_whole_files_and_a_rerun_equals_a_clean_run(tmp_path):
    rng = random.Random(SEED)
    clean = tmp_path / "clean.duckdb"
    code, out, err, span = _run(clean)
    assert code == 0, err
    total = _assert_whole_files(clean)
    assert total == 20
    reference = _snapshot(clean)

    interrupted = 0
    for store, kills in (("a", (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)),
                         ("b", (signal.SIGTERM, signal.SIGINT, signal.SIGKILL))):
        db = tmp_path / f"{store}.duckdb"
        for kill in kills:
            code, out, err, _ = _run(db, kill, 0.2 + rng.random() * 0.7 * span)
            # a signal after Python has put the default handlers back (interpreter shutdown,
            # the work done and the summary printed) ends the process by that signal
            finished = code in (0, -kill) and "ingest summary" in out
            if kill == signal.SIGKILL:
                assert code in (-signal.SIGKILL, 0), err
            elif not finished:
                what, expected = MESSAGES[kill]
                assert code == expected, err
                # (standard output may hold the start of the summary, if it came that late)
                assert [line for line in err.splitlines() if line.strip()] == \
                    [f"error: {what}; what was committed stays, run again to go on"]
            interrupted += not finished
            if db.exists():
                assert _assert_whole_files(db) <= total
        code, out, err, _ = _run(db)
        assert code == 0, err
        assert _assert_whole_files(db) == total
        assert _snapshot(db) == reference
    assert interrupted >= 4  # the kills landed during loads, not after them


SECOND = ("import os, signal, sys, time\n"
          "import pivotwatch.cli.status as status\n"
          "from pivotwatch.cli import main\n"
          "def stuck(store):\n"
          "    try:\n"
          "        os.kill(os.getpid(), signal.SIGTERM)\n"
          "        time.sleep(10)\n"
          "    except KeyboardInterrupt:\n"
          "        print('first', file=sys.stderr, flush=True)\n"
          "        os.kill(os.getpid(), signal.SIGTERM)  # a clean-up that hangs: stop now\n"
          "        time.sleep(10)\n"
          "    print('not stopped', flush=True)\n"
          "    return []\n"
          "status.store_status = stuck\n"
          "main()\n")


def test_a_second_signal_stops_at_once(tmp_path):
    db = tmp_path / "s.duckdb"
    open_store(db, create=True).close()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", SECOND, "--db", str(db), "status"],
                          capture_output=True, text=True, env=_env(), timeout=60,
                          preexec_fn=_default_sigint)
    assert proc.returncode == 143
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "first", "error: terminated again: stopped at once; what was committed stays, run "
                 "again to go on"]
    assert time.monotonic() - started < 8
