"""Hostile input at the terminal and at the store's lock (issue 9, defect 12 and concurrency).

Names and values written by strangers reach the terminal only with their control characters
and bidi overrides escaped and their Rich markup shown as text; a store held by another
process gives one line that names the store and the command to run again.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.cli.common import shown
from pivotwatch.errors import SourceError
from pivotwatch.store import open_store

runner = CliRunner()

# what a terminal would act on: C0 (but the newlines between lines), DEL, C1, bidi controls
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                 r"\u202a-\u202e\u2066-\u2069]")
# an ESC sequence that clears the screen and one that sets the window title, a right-to-left
# override that makes 'fdp.exe' read 'exe.pdf', a CR that overwrites the line, a backspace
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\u202efdp\r\bname"


def run(*args: str):
    return runner.invoke(app, list(args))


def lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def test_shown_escapes_controls_bidi_and_markup():
    assert shown("a\x1b[31mb") == "a\\x1b[31mb"
    assert shown("x\u202ey\u2066z\u2069\u200f") == "x\\u202ey\\u2066z\\u2069\\u200f"
    assert shown("cr\rbs\bdel\x7fc1\x9bnul\x00nl\ntab\t") == \
        "cr\\x0dbs\\x08del\\x7fc1\\x9bnul\\x00nl\\x0atab\\x09"
    assert shown("[red]x[/red]") == "\\[red]x\\[/red]"
    assert shown("[red]x", markup=False) == "[red]x"
    assert shown("Пхеньян – 平壤 ✓") == "Пхеньян – 平壤 ✓"  # letters and symbols are kept


def test_failing_file_names_reach_the_terminal_escaped(tmp_path):
    db = str(tmp_path / "s.duckdb")
    bad = tmp_path / f"{HOSTILE}[bold]x.export.CSV"
    bad.write_text("not\ta\tgdelt\tfile\n")
    good = write(tmp_path / "good.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    result = run("--db", db, "ingest", "gdelt", str(good), str(bad))
    assert result.exit_code == 1
    assert not RAW.search(result.output)
    escaped = "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202efdp\\x0d\\x08name[bold]x.export.CSV"
    assert f"failed: {tmp_path}/{escaped}: not a GDELT event export" in result.output
    assert lines(result)[-1] == "error: 1 file(s) could not be loaded (see above)"
    # the stored failure, printed by status, is escaped the same way
    status = run("--db", db, "status")
    assert status.exit_code == 0 and not RAW.search(status.output)
    assert f"failed: {tmp_path}/{escaped}: not a GDELT event export" in status.output


def test_failing_vote_file_name_is_escaped(tmp_path):
    bad = tmp_path / f"{HOSTILE}.csv"
    bad.write_text("a,b\n1,2\n")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "unvotes", str(bad))
    assert result.exit_code == 1
    assert not RAW.search(result.output)
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202efdp\\x0d\\x08name.csv" in result.output
    # the only file, failed: one error line, no summary table
    assert len(lines(result)) == 1 and lines(result)[0].startswith("error: ")


def test_document_names_and_titles_are_escaped(tmp_path):
    doc = tmp_path / f"{HOSTILE}[link=https:x.test]doc.md"
    doc.write_text("# Title \u202egnp.exe [red]loud[/red]\n\nRussia and North Korea signed "
                   "a treaty on 19 June 2024.\n")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "documents", str(doc))
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output)
    assert "\\x1b[2J" in result.output and "[link=https:x.test]doc.md" in result.output
    assert "gnp.exe [red]loud[/red]" in result.output  # the title, markup shown as text


def test_values_quoted_by_error_messages_are_escaped(tmp_path):
    db = str(tmp_path / "s.duckdb")
    open_store(db, create=True).close()
    result = run("--db", db, "indicators", "--dyad", "RUS-\x1b[2J\u202eKRP")
    assert result.exit_code == 2
    assert lines(result) == ["error: unknown country code '\\x1b[2J\\u202eKRP': not in the "
                             "CAMEO country table (e.g. RUS, PRK, CHN, IND, IRN, VNM, MNG)"]
    missing = tmp_path / f"{HOSTILE}.md"
    claims = run("--db", db, "claims", "--format", "json", str(missing))
    assert claims.exit_code == 1
    assert not RAW.search(claims.output)
    assert "evil\\x1b[2J" in claims.output


# --- SIGTERM and SIGINT, in process --------------------------------------------------------

def _signalled(monkeypatch, number: int, swallowed: bool):
    """`status` receives `number` while it reads the store; with `swallowed`, the way DuckDB
    and a loader report it: a failure of the file being read, not a KeyboardInterrupt."""
    import pivotwatch.cli.status as status_cli

    def reading(store):
        try:
            os.kill(os.getpid(), number)
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt:
            if swallowed:
                raise SourceError("x.csv: Query interrupted") from None
            raise
        return []

    monkeypatch.setattr(status_cli, "store_status", reading)


@pytest.mark.parametrize("number, code, what", [(signal.SIGTERM, 143, "terminated"),
                                                (signal.SIGINT, 130, "interrupted")])
@pytest.mark.parametrize("swallowed", [False, True])
def test_signals_give_one_line_and_their_exit_code(tmp_path, monkeypatch, number, code, what,
                                                   swallowed):
    db = str(tmp_path / "s.duckdb")
    open_store(db, create=True).close()
    before = {n: signal.getsignal(n) for n in (signal.SIGINT, signal.SIGTERM)}
    _signalled(monkeypatch, number, swallowed)
    started = time.monotonic()
    result = run("--db", db, "status")
    assert time.monotonic() - started < 4
    assert result.exit_code == code
    assert lines(result) == [f"error: {what}; what was committed stays, run again to go on"]
    # the command's handlers are gone once it ends
    assert {n: signal.getsignal(n) for n in before} == before


# --- the store's lock ----------------------------------------------------------------------

HOLD = ("import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n")


@pytest.fixture
def held(tmp_path):
    """Hold the store open for writing in another process for the seconds given."""
    db = tmp_path / "s.duckdb"
    open_store(db, create=True).close()
    procs = []

    def hold(seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "held"
        procs.append(proc)
        return proc

    yield db, hold
    for proc in procs:
        proc.kill()
        proc.wait()


def _locked_line(db, pid: int, command: str, waited: str = "") -> str:
    return (f"error: another process (PID {pid}), such as a pivotwatch ingest, holds the store "
            f"{db}{waited}; run `{command}` again when it has finished")


def test_reader_waits_for_the_lock_then_fails_in_one_line(held, monkeypatch):
    db, hold = held
    holder = hold(30)
    monkeypatch.setenv("PIVOTWATCH_LOCK_WAIT", "1")
    started = time.monotonic()
    result = run("--db", str(db), "status")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert lines(result) == [_locked_line(db, holder.pid, "pivotwatch status", " (waited 1 s)")]
    assert 1 <= elapsed < 2.5


def test_reader_gets_the_store_when_the_writer_finishes_in_time(held, monkeypatch):
    db, hold = held
    hold(0.5)
    monkeypatch.setenv("PIVOTWATCH_LOCK_WAIT", "10")
    started = time.monotonic()
    result = run("--db", str(db), "status")
    assert result.exit_code == 0, result.output
    assert "empty store" in result.output
    assert time.monotonic() - started < 5


def test_second_writer_fails_at_once_and_changes_nothing(held, monkeypatch):
    db, hold = held
    holder = hold(30)
    monkeypatch.setenv("PIVOTWATCH_LOCK_WAIT", "10")  # writers do not wait
    started = time.monotonic()
    result = run("--db", str(db), "ingest", "reference")
    assert time.monotonic() - started < 1.5
    assert result.exit_code == 1
    assert lines(result) == [_locked_line(db, holder.pid, "pivotwatch ingest reference")]
    holder.kill()
    holder.wait()
    with open_store(db, read_only=True) as st:
        assert st.con.execute("SELECT count(*) FROM files").fetchone()[0] == 0


@pytest.mark.parametrize(("kill", "what", "code"), [(signal.SIGINT, "interrupted", 130),
                                                    (signal.SIGTERM, "terminated", 143)])
def test_a_signal_while_the_command_line_starts_is_one_line(tmp_path, kill, what, code):
    """The console script takes signals before its slow imports (Typer, DuckDB): no
    traceback, no silent death, the usual line and exit code."""
    started = ("import signal, os, sys\n"
               "from pivotwatch import entry\n"
               "number = int(sys.argv[1])\n"
               "def slow_import():\n"
               "    os.kill(os.getpid(), number)\n"
               "    import time; time.sleep(5)\n"
               "import builtins\n"
               "real = builtins.__import__\n"
               "def hooked(name, *a, **k):\n"
               "    if name == 'pivotwatch.cli': slow_import()\n"
               "    return real(name, *a, **k)\n"
               "builtins.__import__ = hooked\n"
               "sys.argv = ['pivotwatch', 'status']\n"
               "entry.main()\n")
    proc = subprocess.run([sys.executable, "-c", started, str(int(kill))], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, check=False)
    assert proc.returncode == code
    assert proc.stderr == f"error: {what}; what was committed stays, run again to go on\n"
