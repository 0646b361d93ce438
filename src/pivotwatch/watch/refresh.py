"""Refresh the watched sources: GDELT 2.0's new exports, the sanctions lists that changed, the
watched feeds. A source that fails is reported and tried again next cycle; the others go on.

**GDELT** (`refresh_gdelt`): GDELT publishes a 15-minute export and names it in
`gdeltv2/lastupdate.txt`. The store remembers the stamp of the newest export taken (its
`position`). The next export after it is taken from `lastupdate.txt`; after downtime (the
newest is more than one slot ahead) the missing ones come from `masterfilelist.txt` (through
the GDELT connector's cached index, `sources/gdelt/remote.py`), oldest first and at most
`max_files` a cycle, so a long gap is closed over several cycles. Each file is downloaded
with the connector's size and MD5 checks and resume, and loaded in its own transaction; one
that fails (a 503 past the retries, a wrong checksum) is kept in `watch_retries` and tried
again the next cycles, up to `MAX_FILE_ATTEMPTS`. The position moves only after the loads, so
a watcher killed mid-cycle takes the same files again, and the loader skips those already in
the store (by content hash): nothing is lost or loaded twice. The first cycle on a store
takes only the newest export: watching is not backfilling (`pivotwatch ingest gdelt --from`
does that). `gdelt` may also name a folder on disk: every export in it newer than the
position is taken, oldest first (a mirror, or exports dropped there by another tool).

**Sanctions lists** (`refresh_sanctions`): each list is fetched with the validators of the
copy last loaded (`If-None-Match`, `If-Modified-Since`); a 304, or a body with the same hash,
is "unchanged". A changed list is loaded by the sanctions connector.

**Feeds** (`refresh_feeds`): RSS/Atom feeds through the documents connector, which reads each
item (and its linked page) into `documents`; the claims audit reads them from there.

Every download obeys the address policy: private addresses only where allowed
(PIVOTWATCH_ALLOW_PRIVATE_URLS, `--allow-private`), GDELT's mirror when the user named it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import xxhash

from pivotwatch.errors import PivotwatchError, SourceError
from pivotwatch.sources import http
from pivotwatch.sources.context import Context, IngestReport
from pivotwatch.sources.fetch import AddressPolicy, fetch
from pivotwatch.sources.gdelt import remote
from pivotwatch.sources.gdelt.ingest import load_one
from pivotwatch.store.store import one_line, utcnow
from pivotwatch.watch import state

log = logging.getLogger(__name__)

MAX_FILE_ATTEMPTS = 3   # cycles a failed GDELT export is tried in before it is given up
MAX_INDEX_BYTES = 1 << 16  # lastupdate.txt holds three lines
LIST_TIMEOUT = 300      # seconds for one sanctions list (OFAC's XML is tens of megabytes)
SLOT = timedelta(minutes=15)
_STAMP = re.compile(r"^(\d{14})\.export\.csv(\.zip)?$", re.IGNORECASE)


@dataclass
class SourceReport:
    """What one source did in a cycle."""

    source: str
    fetched: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    unchanged: bool = False
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0  # files already in the store (loaded before, by another command or cycle)
    rejected: int = 0  # rows of the loaded files rejected, with their reasons (`status`)

    def to_dict(self) -> dict:
        return {"source": self.source, "fetched": len(self.fetched), "loaded": self.loaded,
                "skipped": self.skipped, "unchanged": self.unchanged, "errors": self.errors,
                "rows": self.rows, "rejected": self.rejected}


def _stamp(name: str) -> str | None:
    match = _STAMP.match(name)
    return match.group(1) if match else None


def _when(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S")


def _absorb(report: SourceReport, ingest: IngestReport) -> set[str]:
    """Copy an ingest's outcome into `report`; the names that failed."""
    for result in ingest.results:
        if getattr(result, "status", "loaded") != "loaded":
            report.skipped += 1  # already in the store (or a cycle run again after a kill)
            continue
        report.loaded.append(result.name)
        report.rows += int(getattr(result, "rows_kept", 0) or 0)
        report.rejected += int(getattr(result, "rows_rejected", 0) or 0)
    report.errors += [f"{name}: {error}" for name, error in ingest.failures]
    return {name for name, _ in ingest.failures}


def _latest(base: str, policy: AddressPolicy, timeout: float) -> remote.RemoteFile:
    """The export `lastupdate.txt` names (its URL moved onto `base`)."""
    url = f"{base}/gdeltv2/lastupdate.txt"
    got = fetch(url, policy=policy, max_bytes=MAX_INDEX_BYTES, timeout=timeout)
    lines = got.content.decode("ascii", errors="replace").splitlines()
    scan = remote.parse_master_list(lines, datetime.min.date(), datetime.max.date(), base)
    if not scan.files:
        raise SourceError(f"{url}: names no GDELT 2.0 event export")
    return max(scan.files, key=lambda f: f.name)


def _missing(ctx: Context, base: str, policy: AddressPolicy, after: str,
             latest: remote.RemoteFile) -> tuple[list[remote.RemoteFile], bool]:
    """The exports stamped after `after` up to `latest`, from the master list, and whether
    the list names `latest`. A cached copy that does not name it is fetched again (GDELT adds
    to the list every 15 minutes; the connector keeps a copy up to 15 minutes)."""
    cached = ctx.settings.cache / "gdelt" / "v2" / "masterfilelist.txt"
    first = _when(after).date()
    for attempt in range(2):
        files = remote.plan(2, first, latest.day, base=base, cache=ctx.settings.cache,
                            retries=ctx.settings.retries, policy=policy)
        found = {f.name: f for f in files
                 if after < (_stamp(f.name) or "") <= _stamp(latest.name)}
        if latest.name in found or attempt:
            break
        cached.unlink(missing_ok=True)
    listed = latest.name in found
    found.setdefault(latest.name, latest)
    return sorted(found.values(), key=lambda f: f.name), listed


def _load_remote(ctx: Context, report: SourceReport, files: list[remote.RemoteFile],
                 policy: AddressPolicy) -> None:
    """Download `files` and load them in time order; the failed ones are kept for retrying."""
    got: dict[str, Path | Exception] = {}
    with closing(http.download_all([remote.to_download(f, ctx.settings.cache) for f in files],
                                   workers=ctx.settings.download_workers,
                                   retries=ctx.settings.retries, policy=policy)) as done:
        for job, outcome in done:
            got[job.url] = outcome
    for f in sorted(files, key=lambda f: f.name):
        outcome = got[f.url]
        report.fetched.append(f.url)
        if isinstance(outcome, Exception):
            error = str(outcome) if isinstance(outcome, PivotwatchError) else \
                f"{f.url}: {one_line(outcome)}"
            report.errors.append(error)
            state.note_retry(ctx.store, f.url, f.size, f.md5, error)
            # as `ingest gdelt` does: `status` lists it, until a later load replaces the row
            ctx.store.record_failure(file_id="url-" + hashlib.sha1(f.url.encode()).hexdigest(),
                                     source="gdelt", name=f.url, error=error,
                                     size_bytes=f.size, started_at=utcnow())
            continue
        ingest = IngestReport()
        load_one(ctx, ingest, f.url, outcome)
        if _absorb(report, ingest):
            state.note_retry(ctx.store, f.url, f.size, f.md5, ingest.failures[0][1])
        else:
            state.clear_retry(ctx.store, f.url)


def _retry_files(ctx: Context, base: str) -> list[remote.RemoteFile]:
    out = []
    for url, size, md5, _attempts in state.retries(ctx.store, MAX_FILE_ATTEMPTS):
        name = url.rsplit("/", 1)[-1]
        stamp = _stamp(name)
        if stamp is None:
            continue
        out.append(remote.RemoteFile(url, name, size, md5, _when(stamp).date()))
    return out


def _folder_exports(folder: Path, after: str | None) -> list[tuple[str, Path]]:
    found = []
    for path in folder.iterdir():
        stamp = _stamp(path.name)
        if stamp and path.is_file() and (after is None or stamp > after):
            found.append((stamp, path))
    return sorted(found)


def refresh_gdelt(ctx: Context, base: str, *, max_files: int,
                  policy: AddressPolicy) -> SourceReport:
    """Take the GDELT exports published since the last cycle (see the module docstring)."""
    report = SourceReport("gdelt")
    saved = state.source_state(ctx.store, "gdelt")
    saved.url, saved.checked_at, saved.error = base, utcnow(), None
    try:
        if "://" not in base:
            folder = Path(base)
            if not folder.is_dir():
                raise SourceError(f"{base}: no such folder of GDELT exports")
            todo = _folder_exports(folder, saved.position)[:max_files]
            for stamp, path in todo:
                ingest = IngestReport()
                load_one(ctx, ingest, str(path), path)
                report.fetched.append(str(path))
                _absorb(report, ingest)
                saved.position = stamp
        else:
            retry = _retry_files(ctx, base)
            latest = _latest(base, policy, ctx.settings.fetch_timeout)
            newest = _stamp(latest.name)
            listed = True
            if saved.position is None:
                todo = [latest]
            elif newest <= saved.position:
                todo = []
            elif _when(newest) - _when(saved.position) <= SLOT:
                todo = [latest]
            else:
                todo, listed = _missing(ctx, base, policy, saved.position, latest)
                if len(todo) > max_files:
                    todo, listed = todo[:max_files], True  # the rest: next cycle
            new = todo  # the retries below do not move the position
            taken = {f.url for f in todo}
            todo = [*(f for f in retry if f.url not in taken), *todo]
            if not todo:
                report.unchanged = True
            _load_remote(ctx, report, todo, policy)
            # Move past what was taken; but when the master list did not yet name the newest
            # export, only to the last one it named, so that the slots between are looked
            # for again next cycle (the newest, loaded now, is then skipped by its hash).
            stamps = [s for f in new if (s := _stamp(f.name)) and (listed or s != newest)]
            if stamps:
                saved.position = max([saved.position or "", *stamps])
        if report.loaded:
            saved.changed_at = utcnow()
    except PivotwatchError as exc:
        report.errors.append(str(exc))
        saved.error = str(exc)
    state.save_source(ctx.store, saved)
    return report


def _suffix(url: str, content: bytes) -> str:
    """A file name suffix the sanctions connector recognises the content by."""
    name = url.split("?")[0].rsplit("/", 1)[-1].lower()
    for suffix in (".xml.gz", ".xml", ".json", ".csv", ".gz"):
        if name.endswith(suffix):
            return suffix
    return ".xml" if content.lstrip()[:1] == b"<" else ".json"


def refresh_sanctions(ctx: Context, lists: dict[str, str],
                      policy: AddressPolicy) -> list[SourceReport]:
    """Fetch each list; load the ones whose content changed since the last cycle."""
    from pivotwatch.sources.sanctions import load_sanctions

    reports = []
    for name, url in lists.items():
        report = SourceReport(f"sanctions:{name}")
        saved = state.source_state(ctx.store, report.source)
        if saved.url != url:  # another URL: its validators say nothing about this one
            saved = state.SourceState(report.source, url)
        saved.checked_at, saved.error = utcnow(), None
        try:
            got = fetch(url, policy=policy, max_bytes=ctx.settings.max_record_file_bytes,
                        timeout=max(ctx.settings.fetch_timeout, LIST_TIMEOUT),
                        validators=(saved.etag, saved.last_modified))
            report.fetched.append(url)
            digest = None if got.not_modified else xxhash.xxh3_128_hexdigest(got.content)
            if got.not_modified or digest == saved.content_hash:
                report.unchanged = True
            else:
                folder = ctx.settings.cache / "watch" / "sanctions"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{name}-{digest[:16]}{_suffix(url, got.content)}"
                path.write_bytes(got.content)
                result = load_sanctions(ctx.store, path, url)
                report.loaded.append(url)
                report.rows += int(getattr(result, "rows_kept", 0) or 0)
                saved.content_hash, saved.changed_at = digest, utcnow()
                path.unlink(missing_ok=True)  # the store holds its rows; the cache need not
            if not got.not_modified:
                saved.etag, saved.last_modified = got.etag, got.last_modified
        except PivotwatchError as exc:
            report.errors.append(str(exc))
            saved.error = str(exc)
        state.save_source(ctx.store, saved)
        reports.append(report)
    return reports


def refresh_feeds(ctx: Context, feeds: Iterable[str],
                  allow_private: bool | str) -> list[SourceReport]:
    """Read each feed's new items into `documents`."""
    from pivotwatch.sources.documents import load_documents

    reports = []
    for url in feeds:
        report = SourceReport(f"feed:{url}")
        saved = state.source_state(ctx.store, report.source)
        saved.url, saved.checked_at, saved.error = url, utcnow(), None
        try:
            ingest = load_documents(ctx, [url], allow_private)
        except PivotwatchError as exc:
            report.errors.append(str(exc))
        else:
            report.fetched.append(url)
            _absorb(report, ingest)
        if report.errors:
            saved.error = report.errors[0]
        elif report.loaded:
            saved.changed_at = utcnow()
        state.save_source(ctx.store, saved)
        reports.append(report)
    return reports
