"""What the CLI's commands share: the global options, consoles and error handling."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from pivotwatch import taxonomy
from pivotwatch.errors import PivotwatchError, UsageError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.store import Store, open_store

# Piped output is not cut to 80 columns: tables stay readable in files and logs.
out = Console(highlight=False, soft_wrap=True,
              width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class _State:
    db: Path | None = None


state = _State()


# Options several commands share, declared once.
DYAD = typer.Option("RUS-PRK", "--dyad", help="Two country codes, e.g. RUS-PRK.")
DIMENSION = typer.Option(None, "--dimension", help="Limit to these dimensions (all, economic, "
                         "energy, military, political, security, humanitarian); repeat the "
                         "option or separate with commas.")
FROM = typer.Option(None, "--from", help="First day (YYYY-MM-DD).")
TO = typer.Option(None, "--to", help="Last day (YYYY-MM-DD).")


def split_dimensions(values: list[str] | None) -> list[str]:
    """--dimension a --dimension b,c -> [a, b, c]."""
    return [d for item in (values or []) for d in item.split(",")]


def store(read_only: bool = False) -> Store:
    return open_store(state.db, read_only=read_only)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    return typer.Exit(code)


def handle_errors(func: Callable) -> Callable:
    """Turn a PivotwatchError into a one-line message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PivotwatchError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except (KeyboardInterrupt, duckdb.InterruptException):
            raise fail("interrupted; what was committed stays, run again to go on", 130) from None

    return wrapper


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    for candidate in (text, f"{text[:4]}-{text[4:6]}-{text[6:]}" if len(text) == 8 else None):
        if candidate is None:
            continue
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    raise UsageError(f"bad date for {option}: {text!r} (use YYYY-MM-DD)")


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
