"""What the CLI's commands share: the global options, consoles and error handling.

Kept light: every command imports this module, so the store (DuckDB) is imported only when a
command opens it.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from pivotwatch import taxonomy
from pivotwatch.errors import PivotwatchError, UsageError
from pivotwatch.markup import visible
from pivotwatch.settings import DEFAULT_COUNTRIES

if TYPE_CHECKING:
    from pivotwatch.store import Store

# Piped output is not cut to 80 columns: tables stay readable in files and logs.
out = Console(highlight=False, soft_wrap=True,
              width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class _State:
    db: Path | None = None
    engine: str | None = None  # --engine and the engine's options; None: the setting
    parquet: str | None = None
    project: str | None = None
    max_gb: float | None = None
    command: str = "pivotwatch"  # the running command, for "run ... again" advice
    signal: int | None = None  # SIGINT or SIGTERM, once received during a command


state = _State()


# Options several commands share, declared once.
DYAD = typer.Option("RUS-PRK", "--dyad", help="Two country codes, e.g. RUS-PRK.")
DIMENSION = typer.Option(None, "--dimension", help="Limit to these dimensions (all, economic, "
                         "energy, military, political, security, humanitarian); repeat the "
                         "option or separate with commas.")
FROM = typer.Option(None, "--from", help="First day: YYYY-MM-DD, or YYYY or YYYY-MM for "
                    "the first day of that year or month.")
TO = typer.Option(None, "--to", help="Last day: YYYY-MM-DD, or YYYY or YYYY-MM for the "
                  "last day of that year or month.")
YEAR_FROM = typer.Option(None, "--from", help="First year (YYYY; a date stands for its "
                         "year).")
YEAR_TO = typer.Option(None, "--to", help="Last year (YYYY; a date stands for its year).")


def split_dimensions(values: list[str] | None) -> list[str]:
    """--dimension a --dimension b,c -> [a, b, c]."""
    return [d for item in (values or []) for d in item.split(",")]


# The commands whose analysis runs on every engine; the others need the DuckDB store.
# what runs off the DuckDB store, per engine (BigQuery has GDELT's events, not UN votes)
ANY_ENGINE = {"spark": ("indicators", "partners", "changes", "alignment"),
              "bigquery": ("indicators", "partners", "changes")}


def set_engine(engine: str | None, *, parquet: str | None, project: str | None,
               max_gb: float | None) -> None:
    """Keep the global engine options (checked: a bad one is a one-line error, exit 2)."""
    from pivotwatch.settings import ENGINES

    if engine is not None and engine.strip().lower() not in ENGINES:
        raise fail(f"unknown engine {engine!r} for --engine: choose from "
                   f"{', '.join(ENGINES)}", UsageError.exit_code)
    if max_gb is not None and not 0 < max_gb < float("inf"):
        raise fail(f"--max-gb must be a positive number of gigabytes, not {max_gb:g}",
                   UsageError.exit_code)
    state.engine = engine.strip().lower() if engine is not None else None
    state.parquet, state.project, state.max_gb = parquet, project, max_gb


def store(read_only: bool = False, create: bool | None = None) -> Store:
    """The store on the chosen engine (--engine, else PIVOTWATCH_ENGINE); a DuckDB reader
    waits up to PIVOTWATCH_LOCK_WAIT seconds for a writer to finish. Writers (the ingest
    commands) create it when missing unless `create=False`; readers refuse a missing one.
    Only the commands of ANY_ENGINE run on Spark or BigQuery; the others, and every writer,
    say they need DuckDB."""
    from pivotwatch.settings import check_engine_setting, get_settings
    from pivotwatch.store.engines import open_engine

    engine = state.engine or check_engine_setting(get_settings().engine)
    name = state.command.removeprefix("pivotwatch ")
    runs = ANY_ENGINE.get(engine)
    if runs is not None and (not read_only or name not in runs):
        raise UsageError(f"`{state.command}` needs the DuckDB store (--engine duckdb); "
                         f"--engine {engine} runs {', '.join(runs)}")
    return open_engine(engine, db=state.db, parquet=state.parquet, project=state.project,
                       max_gb=state.max_gb, read_only=read_only, create=create,
                       command=state.command)


def shown(text: object, *, markup: bool = True) -> str:
    """Text that may come from input (a file name, a value, a title), safe to print: control
    characters and bidi overrides written as escapes (ESC as `\\x1b`, U+202E as `\\u202e`),
    and Rich markup escaped unless `markup=False` (for prints that do not read markup)."""
    text = visible(text)  # the rule HTML and Markdown output follow too (pivotwatch.markup)
    return escape(text) if markup else text


def write_data(text: str) -> None:
    """CSV, JSON or Markdown on standard output: as is into a pipe or file, but with control
    characters escaped line by line on a terminal, which would act on them."""
    if sys.stdout.isatty():
        text = "\n".join(shown(line, markup=False) for line in text.split("\n"))
    sys.stdout.write(text)


def cell(value: object) -> str | None:
    """A table cell that may come from input: `shown()`, or empty when missing."""
    from pivotwatch.cli.frames import missing

    return None if missing(value) else shown(value)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {shown(message)}", markup=True)
    return typer.Exit(code)


def _interrupted() -> typer.Exit:
    what, code = (("terminated", 143) if state.signal == signal.SIGTERM
                  else ("interrupted", 130))
    return fail(f"{what}; what was committed stays, run again to go on", code)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM stops a command as Ctrl-C does: KeyboardInterrupt in the main thread, so the
    open transaction rolls back (a file loads whole or not at all) and the command says so.
    A second signal stops at once: what is not committed is lost, never half-written."""
    state.signal = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        if state.signal is not None:  # DuckDB keeps only committed transactions
            what = "terminated" if signum == signal.SIGTERM else "interrupted"
            os.write(2, f"error: {what} again: stopped at once; what was committed stays, "
                        f"run again to go on\n".encode())
            os._exit(128 + signum)
        state.signal = signum
        raise KeyboardInterrupt

    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) is not signal.SIG_IGN:  # nohup and the like: still ignored
            previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _duckdb_interrupt(exc: Exception) -> bool:
    """Whether `exc` is DuckDB's InterruptException. DuckDB is looked up, not imported: a
    command that has not imported it cannot have raised it."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.InterruptException)


def handle_errors(func: Callable) -> Callable:
    """Turn a PivotwatchError into a one-line message and its exit code, and SIGINT or SIGTERM
    into 'interrupted' or 'terminated' with exit code 130 or 143."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ingest = func.__module__.endswith(".ingest")
        state.command = f"pivotwatch {'ingest ' if ingest else ''}{func.__name__}"
        try:
            with _stop_on_signals():
                return func(*args, **kwargs)
        except KeyboardInterrupt:
            raise _interrupted() from None
        except Exception as exc:
            # DuckDB reports an interrupted query as RuntimeError('Query interrupted'), which
            # a loader may have wrapped: after a signal, whatever ends the command is it.
            if state.signal is not None or _duckdb_interrupt(exc):
                raise _interrupted() from None
            if isinstance(exc, PivotwatchError):
                raise fail(str(exc), exc.exit_code) from None
            raise
        finally:
            state.signal = None

    return wrapper


_DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def parse_date(text: str | None, option: str, *, end: bool = False) -> date | None:
    """A day from YYYY, YYYY-MM or YYYY-MM-DD (or YYYYMMDD): a year or month stands for its
    first day, or with `end` (--to, --as-of) for its last. UsageError, one line, otherwise."""
    if text is None:
        return None
    text = text.strip()
    if match := _PARTIAL.fullmatch(text):
        year, month = int(match[1]), int(match[2] or (12 if end else 1))
        if year >= 1 and 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1)
    for candidate in (text, f"{text[:4]}-{text[4:6]}-{text[6:]}" if len(text) == 8 else None):
        if candidate is None:
            continue
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    raise UsageError(f"bad date for {option}: {text!r} (use {_DATE_FORMS})")


def parse_year(text: str | None, option: str) -> int | None:
    """A year option (--from/--to of yearly figures): YYYY, or a date in it (YYYY-MM,
    YYYY-MM-DD), which stands for its year."""
    if text is None:
        return None
    return parse_date(text, option).year


def parse_countries(text: str | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_COUNTRIES
    codes = tuple(taxonomy.validate_country(c.strip()) for c in text.split(",") if c.strip())
    if not codes:
        raise UsageError("--countries needs at least one country code")
    return codes


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
