"""Which GDELT files cover a date range: read the remote indexes and build the download plan.

GDELT 2.0 lists every 15-minute file in `gdeltv2/masterfilelist.txt` (`size md5 url`, about
115 MB); GDELT 1.0 lists its daily, monthly and yearly archives in `events/md5sums` and
`events/filesizes`. The indexes are cached under `{cache}/gdelt/v1|v2/` and fetched again
when the cached copy is older than MAX_AGE, or when its last whole day is before the end of
the requested range and it is older than MIN_AGE (GDELT adds files every 15 minutes, so a
younger copy is as current as the server's). If a refresh fails, a cached copy that covers
the range is used, with a warning.

Every download goes through the address policy (`address_policy`): the mirror the user named
in PIVOTWATCH_GDELT_BASE is reached whatever its address, anything else only if public or
allowed by --allow-private / PIVOTWATCH_ALLOW_PRIVATE_URLS.
"""

from __future__ import annotations

import calendar
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pivotwatch.errors import DownloadError, SourceError, UsageError
from pivotwatch.settings import Settings, get_settings
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.sources.http import Download, fetch_text

log = logging.getLogger(__name__)

MAX_AGE = 6 * 3600  # seconds a cached index is trusted
MIN_AGE = 15 * 60  # a copy younger than this is not refetched even if it ends early
TAIL_BYTES = 1 << 16  # how much of the end of a cached master list shows its last entry

_V2_EXPORT = re.compile(r"(\d{14})\.export\.csv\.zip", re.IGNORECASE)
_V2_STAMP = re.compile(r"/(\d{14})\.[^/\s]*$")
_V1_DAILY = re.compile(r"(\d{8})\.export\.csv\.zip", re.IGNORECASE)
_V1_ARCHIVE = re.compile(r"(\d{4})(\d{2})?\.zip", re.IGNORECASE)
_MD5 = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class RemoteFile:
    """One GDELT file to fetch; `day` is the first day it covers."""

    url: str
    name: str
    size: int | None
    md5: str | None
    day: date

    @property
    def version(self) -> int:
        """2 for a GDELT 2.0 15-minute file (14-digit timestamp name), else 1."""
        return 2 if re.match(r"\d{14}\.", self.name) else 1


@dataclass
class IndexScan:
    """The files of an index that fall in a range, and what the index as a whole covers."""

    files: list[RemoteFile] = field(default_factory=list)
    skipped: int = 0  # malformed lines
    first: date | None = None  # first day any listed file covers
    last: date | None = None  # last day any listed file covers


def address_policy(settings: Settings, allow_private: bool | str = False) -> AddressPolicy:
    """Where GDELT downloads may connect: the user's policy, plus the mirror they named.

    Only a PIVOTWATCH_GDELT_BASE set in the environment is trusted; the built-in host is
    public and is checked like any other (a resolver answering with a private address for it
    is refused).
    """
    policy = AddressPolicy.from_setting(settings.allow_private_urls, allow_private)
    if os.environ.get("PIVOTWATCH_GDELT_BASE", "").strip():
        policy = policy.trusting(settings.gdelt_base)
    return policy


def cache_path(remote_file: RemoteFile, cache: Path) -> Path:
    """Where `remote_file` is kept locally: `{cache}/gdelt/v1|v2/<name>`."""
    return cache / "gdelt" / f"v{remote_file.version}" / remote_file.name


def to_download(remote_file: RemoteFile, cache: Path) -> Download:
    """The downloader job for `remote_file`, into its cache path."""
    return Download(remote_file.url, cache_path(remote_file, cache), remote_file.size,
                    remote_file.md5)


def _rebase(url: str, base: str) -> str:
    """`url` moved onto `base`, keeping the path after the host."""
    parts = urlsplit(url)
    return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def _widen(scan: IndexScan, first: date, last: date) -> None:
    scan.first = first if scan.first is None else min(scan.first, first)
    scan.last = last if scan.last is None else max(scan.last, last)


def _day_of(digits: str, known: dict[str, date | None]) -> date | None:
    """The date of a `YYYYMMDD` string, or None if it is none; memoised in `known`."""
    if digits not in known:
        try:
            known[digits] = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            known[digits] = None
    return known[digits]


def parse_master_list(lines: Iterable[str], start: date, end: date, base: str) -> IndexScan:
    """The GDELT 2.0 event exports of a `masterfilelist.txt` stamped in [start, end]."""
    scan = IndexScan()
    days: dict[str, date | None] = {}
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3 or len(fields[1]) != 32 or not fields[0].isdigit():
            scan.skipped += 1
            continue
        name = fields[2].rsplit("/", 1)[-1]
        match = _V2_EXPORT.fullmatch(name)
        if not match:
            continue  # mentions, gkg
        day = _day_of(match.group(1)[:8], days)
        if day is None or not _MD5.fullmatch(fields[1]):
            scan.skipped += 1
            continue
        _widen(scan, day, day)
        if start <= day <= end:
            scan.files.append(RemoteFile(_rebase(fields[2], base), name, int(fields[0]),
                                         fields[1].lower(), day))
    return scan


def _v1_period(name: str) -> tuple[date, date] | None:
    """The first and last day a GDELT 1.0 events file covers, or None if not an event file."""
    if match := _V1_DAILY.fullmatch(name):
        day = datetime.strptime(match.group(1), "%Y%m%d").date()
        return day, day
    if match := _V1_ARCHIVE.fullmatch(name):
        year = int(match.group(1))
        if match.group(2) is None:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(match.group(2))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return None


def _read_pairs(lines: Iterable[str], valid: Callable[[str], bool],
                scan: IndexScan) -> dict[str, str]:
    """`value filename` lines as {filename: value}; malformed lines are counted in `scan`."""
    pairs = {}
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not valid(fields[0]):
            scan.skipped += 1
            continue
        pairs[fields[1]] = fields[0]
    return pairs


def parse_v1_index(md5_lines: Iterable[str], size_lines: Iterable[str], start: date,
                   end: date, base: str) -> IndexScan:
    """The GDELT 1.0 daily, monthly and yearly event files that overlap [start, end]."""
    scan = IndexScan()
    md5s = _read_pairs(md5_lines, lambda v: bool(_MD5.fullmatch(v)), scan)
    sizes = _read_pairs(size_lines, str.isdigit, scan)
    for name in md5s.keys() | sizes.keys():
        try:
            period = _v1_period(name)
        except ValueError:  # digits that are no date, e.g. 20131341
            scan.skipped += 1
            continue
        if period is None:  # GDELT.MASTERREDUCEDV2 and other non-event files
            continue
        first, last = period
        _widen(scan, first, last)
        if first <= end and last >= start:
            size = sizes.get(name)
            md5 = md5s.get(name)
            scan.files.append(RemoteFile(f"{base.rstrip('/')}/events/{name}", name,
                                         int(size) if size else None,
                                         md5.lower() if md5 else None, first))
    return scan


def _last_day_v2(path: Path) -> date | None:
    """The last whole day in a cached master list: the day of its last slot if that is the
    day's final 23:45 slot, else the day before. Only the tail of the file is read."""
    with path.open("rb") as fh:
        fh.seek(max(path.stat().st_size - TAIL_BYTES, 0))
        tail = fh.read().decode("ascii", errors="replace")
    stamps = [m.group(1) for line in tail.splitlines() if (m := _V2_STAMP.search(line.strip()))]
    if not stamps:
        return None
    last = max(stamps)
    try:
        day = datetime.strptime(last[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return day if last[8:] == "234500" else day - timedelta(days=1)


def _last_day_v1(path: Path) -> date | None:
    """The day of the latest daily file in a cached GDELT 1.0 index."""
    days = [m.group(1) for line in path.read_text("ascii", errors="replace").splitlines()
            if (m := _V1_DAILY.search(line))]
    try:
        return datetime.strptime(max(days), "%Y%m%d").date() if days else None
    except ValueError:
        return None


def _cached_index(url: str, path: Path, end: date, last_day: Callable[[Path], date | None],
                  retries: int, policy: AddressPolicy) -> Path:
    """A current enough local copy of the index at `url` for a range ending on `end`."""
    covers = False
    if path.exists():
        last = last_day(path)
        covers = last is not None and last >= end
    try:
        return fetch_text(url, path, MAX_AGE if covers else MIN_AGE, retries=retries,
                          policy=policy)
    except DownloadError as exc:
        if not covers:
            raise
        log.warning("%s; using the cached copy %s, which covers the range", exc, path)
        return path


def _lines(path: Path) -> Iterable[str]:
    with path.open(encoding="ascii", errors="replace") as fh:
        yield from fh


def _check_index(scan: IndexScan, source: str, path: Path) -> None:
    if scan.first is None:
        path.unlink(missing_ok=True)  # so that the next run fetches it again
        raise SourceError(f"{source}: no GDELT event files listed "
                          f"({scan.skipped} unreadable lines); not a GDELT index?")
    if scan.skipped:
        log.warning("%s: skipped %d malformed line(s)", source, scan.skipped)


def plan(version: int, start: date, end: date, *, base: str, cache: Path,
         retries: int | None = None, policy: AddressPolicy | None = None) -> list[RemoteFile]:
    """The GDELT `version` event files covering [start, end] (whole days), in time order.

    `policy`: where the index downloads may connect (default: PIVOTWATCH_ALLOW_PRIVATE_URLS,
    trusting `base`). Raises UsageError for a bad version, `start > end`, or a range with no
    files; SourceError if the index cannot be fetched or read.
    """
    if version not in (1, 2):
        raise UsageError(f"unknown GDELT version {version}; expected 1 or 2")
    if start > end:
        raise UsageError(f"the range start {start} is after its end {end}")
    settings = get_settings()
    retries = settings.retries if retries is None else retries
    if policy is None:
        policy = AddressPolicy.from_setting(settings.allow_private_urls).trusting(base)
    base = base.rstrip("/")
    folder = cache / "gdelt" / f"v{version}"
    folder.mkdir(parents=True, exist_ok=True)
    if version == 2:
        url = f"{base}/gdeltv2/masterfilelist.txt"
        path = _cached_index(url, folder / "masterfilelist.txt", end, _last_day_v2, retries,
                             policy)
        scan = parse_master_list(_lines(path), start, end, base)
        _check_index(scan, url, path)
        what = "GDELT 2.0 event exports"
    else:
        paths = [_cached_index(f"{base}/events/{name}", folder / name, end, _last_day_v1,
                               retries, policy) for name in ("md5sums", "filesizes")]
        scan = parse_v1_index(_lines(paths[0]), _lines(paths[1]), start, end, base)
        _check_index(scan, f"{base}/events/md5sums", paths[0])
        what = "GDELT 1.0 event files"
    if not scan.files:
        raise UsageError(f"no {what} from {start} to {end}; the index covers "
                         f"{scan.first} to {scan.last}")
    return sorted(scan.files, key=lambda f: (f.day, f.name))
