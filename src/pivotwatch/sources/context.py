"""The context a connector works in: the store, the settings, progress and the work area.

Connectors never open the database themselves; they load through the context's store and
report each file to its progress listener.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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
        """Scratch space for decompressed files; emptied as each file is done."""
        return self.settings.cache / "work"


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
