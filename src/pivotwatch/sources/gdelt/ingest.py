"""Entry points of the GDELT connector: load local files or URLs, or a date range."""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

from pivotwatch.errors import PivotwatchError, SourceError, UsageError
from pivotwatch.sources import http
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.sources.gdelt import remote
from pivotwatch.sources.gdelt.layout import BY_WIDTH
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.records import first_line
from pivotwatch.store.store import utcnow

_GLOB_CHARS = set("*?[")
# In a directory, files that look like event exports: *.csv / *.tsv (zipped or not) and the
# 1.0 archive's yearly and monthly zips; never GDELT's mentions or GKG files.
_EXPORT_NAME = re.compile(r"(?i)(\.(csv|tsv)(\.zip)?|^\d{4}(\d{2})?\.zip)$")
_NOT_EVENTS = re.compile(r"(?i)\.(mentions|gkg)\.")


def looks_like_export(path: Path) -> bool:
    """By its name, and for a plain .csv/.tsv in a folder by its first line too: GDELT's
    16-column mentions files and the codebook's schema tables (tableId,dataType,...) share
    the suffix but not the 57, 58 or 61 tab-separated columns of an export."""
    if not _EXPORT_NAME.search(path.name) or _NOT_EVENTS.search(path.name):
        return False
    if path.name.lower().endswith(".zip"):
        return True  # read at load time: a wrong one fails with its reason
    return first_line(path).count("\t") + 1 in BY_WIDTH


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def expand_inputs(inputs: Iterable[str],
                  passed_over: list[str]) -> Iterator[tuple[str, Path | None]]:
    """(name, path) for every file named by paths, directories or globs; URLs have no path.

    Files in a directory that do not look like event exports are added to `passed_over`."""
    for item in inputs:
        if _is_url(item):
            yield item, None
        elif _GLOB_CHARS & set(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if Path(p).is_file())
            if not matches:
                yield item, Path(item)  # reported below as missing
            yield from ((m, Path(m)) for m in matches)
        elif Path(item).is_dir():
            files = sorted(p for p in Path(item).rglob("*")
                           if p.is_file() and not p.name.startswith("."))
            exports = [p for p in files if looks_like_export(p)]
            passed_over += [str(p) for p in files if p not in exports]
            yield from ((str(p), p) for p in exports)
        else:
            yield item, Path(item)


def _failed(ctx: Context, report: IngestReport, name: str, exc: Exception) -> None:
    """A file that failed before its load began: a download. It gets its `failed` row as a
    file that fails to load does (load.py), so `status` lists it."""
    if not isinstance(exc, PivotwatchError):  # not one of ours: it may not name the file
        exc = SourceError(f"{name}: {type(exc).__name__}: {' '.join(str(exc).split())}")
    if _is_url(name):
        ctx.store.record_failure(file_id="url-" + hashlib.sha1(name.encode()).hexdigest(),
                                 source="gdelt", name=name, error=str(exc), size_bytes=None,
                                 started_at=utcnow())
    report.failures.append((name, str(exc)))
    ctx.progress.finished(name, exc)


def load_one(ctx: Context, report: IngestReport, name: str, path: Path, **extra) -> None:
    """Load one file into the store and note the outcome; a failure does not raise."""
    attempt(ctx, report, name, lambda: load_file(ctx.store, path, name=name,
                                                 countries=ctx.countries,
                                                 workdir=ctx.workdir, **extra))


def _url_cache_path(ctx: Context, url: str) -> Path:
    digest = hashlib.sha1(url.encode()).hexdigest()[:12]
    name = Path(url.split("?")[0]).name[-100:]  # a file name has a length limit
    return ctx.settings.cache / "gdelt" / "urls" / f"{digest}-{name}"


def _downloads(ctx: Context, jobs: list[http.Download], policy: AddressPolicy):
    # closing(): an interrupt while a file loads stops the downloads still running at once.
    return closing(http.download_all(jobs, workers=ctx.settings.download_workers,
                                     retries=ctx.settings.retries, policy=policy))


def ingest_paths(ctx: Context, inputs: list[str],
                 allow_private: bool | str = False) -> IngestReport:
    """Load GDELT exports from paths, directories, globs or http(s) URLs.

    A file that cannot be loaded is reported and skipped; the others still load. URLs may
    reach private addresses only if `allow_private` or PIVOTWATCH_ALLOW_PRIVATE_URLS allows it
    (or they are on the mirror named in PIVOTWATCH_GDELT_BASE).
    """
    report = IngestReport()
    named = list(expand_inputs(inputs, report.passed_over))
    ctx.progress.planned(len(named), "files")
    urls = [name for name, path in named if path is None]
    fetched: dict[str, Path | Exception] = {}
    if urls:
        jobs = [http.Download(url=u, dest=_url_cache_path(ctx, u)) for u in urls]
        with _downloads(ctx, jobs, remote.address_policy(ctx.settings, allow_private)) as done:
            for job, outcome in done:
                fetched[job.url] = outcome
    for name, path in named:
        if path is None:
            outcome = fetched[name]
            if isinstance(outcome, Exception):
                _failed(ctx, report, name, outcome)
                continue
            path = outcome
        elif not path.is_file():
            _failed(ctx, report, name, SourceError(f"{name}: no such file"))
            continue
        load_one(ctx, report, name, path)
    return report


def ingest_range(ctx: Context, start: date, end: date, version: int = 2,
                 allow_private: bool | str = False) -> IngestReport:
    """Download (with cache, retries, resume and checksums) and load a date range."""
    if version not in (1, 2):
        raise UsageError(f"unknown GDELT version {version}: use 1 or 2")
    policy = remote.address_policy(ctx.settings, allow_private)
    files = remote.plan(version, start, end, base=ctx.settings.gdelt_base,
                        cache=ctx.settings.cache, policy=policy)
    report = IngestReport()
    ctx.progress.planned(len(files), "files")
    jobs = [remote.to_download(f, ctx.settings.cache) for f in files]
    with _downloads(ctx, jobs, policy) as done:
        for job, outcome in done:
            if isinstance(outcome, Exception):
                _failed(ctx, report, job.url, outcome)
            else:
                load_one(ctx, report, job.url, outcome)
    return report
