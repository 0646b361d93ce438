"""The context a connector works in: the store, the settings, progress and the work area.

Connectors never open the database themselves; they load through the context's store and
report each file to its progress listener.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

try:
    import fcntl
except ImportError:  # Windows: no flock, so stale work dirs are not recognised there
    fcntl = None  # type: ignore[assignment]

from pivotwatch.errors import PivotwatchError
from pivotwatch.settings import DEFAULT_COUNTRIES, Settings, get_settings
from pivotwatch.store.store import Store


class Progress(Protocol):
    def planned(self, total: int, what: str) -> None: ...
    def finished(self, name: str, outcome: object) -> None: ...


class _Silent:
    def planned(self, total: int, what: str) -> None:
        pass

    def finished(self, name: str, outcome: object) -> None:
        pass


@dataclass
class Context:
    store: Store
    countries: Sequence[str] = DEFAULT_COUNTRIES
    settings: Settings = field(default_factory=get_settings)
    progress: Progress = field(default_factory=_Silent)

    @property
    def workdir(self) -> Path:
        """This process's scratch space for decompressed files; emptied as each file is done.
        The first use removes what killed processes left behind."""
        return process_workdir(self.settings.cache / "work")


# A work dir is `<pid>-<time>` holding a file `lock` that its process keeps flock-ed while it
# lives. The kernel drops the lock when the process ends however it ends (kill -9 included),
# so a dir whose lock can be taken is stale. A new dir is locked under a hidden name and then
# renamed, so no other process ever sees a live dir unlocked. Dirs without a lock (of older
# versions, or of a process killed while making its dir) go once an hour old.
_LOCK = "lock"
_NEW = ".new-"
_UNLOCKED_AGE = 3600.0
_held: dict[tuple[int, Path], Path] = {}  # (pid, root) -> this process's dir; its lock stays open


def process_workdir(root: Path) -> Path:
    """This process's own dir under `root`, made (after removing stale ones) on first use."""
    key = (os.getpid(), root)  # a forked child makes its own
    if key in _held and _held[key].is_dir():
        return _held[key]
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_workdirs(root)
    new = Path(tempfile.mkdtemp(dir=root, prefix=_NEW))
    fd = os.open(new / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    mine = root / f"{os.getpid()}-{time.time_ns()}"
    new.rename(mine)
    _held[key] = mine
    atexit.register(_release, mine, fd, os.getpid())
    return mine


def _release(path: Path, fd: int, pid: int) -> None:
    if os.getpid() == pid:  # not in a forked child that exits normally
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


def _lock_free(lock: Path) -> bool | None:
    """Whether no live process holds `lock`; None when there is no lock file."""
    try:
        fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock just taken
    return True


def remove_stale_workdirs(root: Path) -> list[Path]:
    """Remove the dirs under `root` of processes that are gone; never a live one's."""
    if fcntl is None:
        return []
    removed = []
    for entry in root.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            continue
        free = None if entry.name.startswith(_NEW) else _lock_free(entry / _LOCK)
        if free is None:
            try:
                free = time.time() - entry.stat().st_mtime > _UNLOCKED_AGE
            except OSError:
                continue
        if free:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@dataclass
class IngestReport:
    """What one ingest command did, file by file."""

    results: list = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)  # not event exports: not tried

    @property
    def ok(self) -> bool:
        return not self.failures

    def total(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.results)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def notes(self) -> list[str]:
        return [f"{r.name}: {note}" for r in self.results for note in r.notes]


def attempt(ctx: Context, report: IngestReport, name: str, load: Callable[[], object]) -> None:
    """Run one file's load and note its outcome; a PivotwatchError does not stop the rest."""
    try:
        result = load()
    except PivotwatchError as exc:
        report.failures.append((name, str(exc)))
        ctx.progress.finished(name, exc)
    else:
        report.results.append(result)
        ctx.progress.finished(name, result)
