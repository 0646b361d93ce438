"""A small, resumable HTTP downloader with retries and size/MD5 checks.

A file is streamed to `<dest>.part` and renamed onto `dest` only once it is complete and
matches the size and MD5 its index declares, so `dest` never holds a partial or bad file.
An interrupted transfer resumes from the bytes already in `.part` with a `Range` request.
Connection errors, timeouts, 5xx answers and truncated bodies are retried with exponential
backoff; a 404 (or another 4xx) fails at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import httpx

from pivotwatch.errors import DownloadError, IntegrityError

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read at a time when hashing a file
BASE_DELAY = 0.2  # seconds before the first retry; doubled for each further one
MAX_DELAY = 30.0
RETRY_STATUS = {408, 429}  # 4xx answers that are worth another try, besides every 5xx

_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(?:\d+|\*)")


@dataclass(frozen=True)
class Download:
    """One file to fetch: where from, where to, and what its index says it must be."""

    url: str
    dest: Path
    size: int | None = None
    md5: str | None = None


class _Transient(Exception):
    """A failure that another attempt may cure."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def part_path(dest: Path) -> Path:
    """Where the bytes of `dest` collect until the download is complete and checked."""
    return dest.with_suffix(dest.suffix + ".part")


def file_md5(path: Path) -> str:
    """The hex MD5 of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _mismatch(path: Path, size: int | None, md5: str | None) -> str | None:
    """Why `path` does not match the expected size/MD5, or None if it does."""
    got = path.stat().st_size
    if size is not None and got != size:
        return f"size mismatch: expected {size} bytes, got {got}"
    if md5 is not None:
        actual = file_md5(path)
        if actual != md5.lower():
            return f"MD5 mismatch: expected {md5.lower()}, got {actual}"
    return None


def _attempt(client: httpx.Client, url: str, part: Path, size: int | None,
             timeout: float) -> None:
    """One GET of `url` into `part`, resuming from what `part` already holds."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset >= size:
        if offset == size:
            return  # complete from an earlier run; the caller checks it
        part.unlink()
        offset = 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            status = response.status_code
            if status >= 500 or status in RETRY_STATUS:
                raise _Transient(f"HTTP {status}")
            if status == 416:
                part.unlink(missing_ok=True)
                raise _Transient("HTTP 416 for a resumed download; restarting from zero")
            if status >= 400:
                raise DownloadError(f"{url}: HTTP {status} {response.reason_phrase}".strip())
            mode = "wb"
            if offset and status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != offset:
                    part.unlink(missing_ok=True)
                    raise _Transient("server answered a resumed request with another range")
                mode = "ab"
            elif offset:
                log.info("%s: server ignored the Range request; restarting from zero", url)
            # Chunks are written as they arrive, so a cut transfer keeps every byte it got.
            with part.open(mode) as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
            declared = response.headers.get("Content-Length")
            if declared is not None and response.num_bytes_downloaded < int(declared):
                raise _Transient(f"truncated body: got {response.num_bytes_downloaded} of "
                                 f"{declared} bytes")
    except httpx.TransportError as exc:
        raise _Transient(f"{type(exc).__name__}: {_one_line(exc)}") from exc


def _transfer(client: httpx.Client, url: str, part: Path, size: int | None, retries: int,
              timeout: float) -> None:
    """Fill `part` with the body of `url`, retrying transient failures `retries` times."""
    part.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            _attempt(client, url, part, size, timeout)
            return
        except _Transient as exc:
            if attempt == retries:
                raise DownloadError(
                    f"{url}: failed after {retries + 1} attempt(s): {exc}") from exc
            delay = min(BASE_DELAY * 2 ** attempt, MAX_DELAY)
            log.info("%s: %s; retrying in %.1f s", url, exc, delay)
            time.sleep(delay)


def _with_client(client: httpx.Client | None, work: Callable[[httpx.Client], Path]) -> Path:
    if client is not None:
        return work(client)
    with httpx.Client(follow_redirects=True) as own:
        return work(own)


def download(url: str, dest: Path, *, size: int | None, md5: str | None, retries: int,
             timeout: float = 60, client: httpx.Client | None = None) -> Path:
    """Fetch `url` into `dest` and return `dest`.

    A `dest` that already matches `size`/`md5` is returned without a request. Raises
    DownloadError (404, other 4xx, or retries exhausted) or IntegrityError (the complete
    file does not match `size`/`md5`; the bad `.part` is deleted).
    """
    if dest.exists():
        problem = _mismatch(dest, size, md5)
        if problem is None:
            return dest
        log.warning("%s: cached copy is stale (%s); downloading it again", dest.name, problem)
        dest.unlink()
    part = part_path(dest)

    def work(http: httpx.Client) -> Path:
        _transfer(http, url, part, size, retries, timeout)
        problem = _mismatch(part, size, md5)
        if problem is not None:
            part.unlink(missing_ok=True)
            raise IntegrityError(f"{dest.name}: {problem} (from {url})")
        os.replace(part, dest)
        return dest

    return _with_client(client, work)


def fetch_text(url: str, dest: Path, max_age_seconds: float, *, retries: int = 3,
               timeout: float = 60, client: httpx.Client | None = None) -> Path:
    """Fetch a small index file into `dest`, reusing a copy younger than `max_age_seconds`.

    The index has no size or checksum to check against, so a refresh always starts afresh
    and replaces `dest` atomically once complete; a failed refresh leaves `dest` as it was.
    """
    if dest.exists() and time.time() - dest.stat().st_mtime < max_age_seconds:
        return dest
    part = part_path(dest)
    part.unlink(missing_ok=True)

    def work(http: httpx.Client) -> Path:
        _transfer(http, url, part, None, retries, timeout)
        os.replace(part, dest)
        return dest

    return _with_client(client, work)


def download_all(items: Iterable[Download], *, workers: int, retries: int,
                 timeout: float = 60) -> Iterator[tuple[Download, Path | Exception]]:
    """Download `items` in parallel; yield `(item, Path or exception)` as each finishes.

    Failures are yielded, not raised, so the caller can go on with the other files. The
    work starts when iteration starts. Stopping the iteration early cancels the files not begun.
    """
    jobs = list(items)
    if not jobs:
        return
    limits = httpx.Limits(max_connections=max(workers, 1))
    with httpx.Client(follow_redirects=True, limits=limits) as client, \
            ThreadPoolExecutor(max_workers=max(workers, 1),
                               thread_name_prefix="pivotwatch-download") as pool:
        pending: dict[Future[Path], Download] = {
            pool.submit(download, job.url, job.dest, size=job.size, md5=job.md5,
                        retries=retries, timeout=timeout, client=client): job
            for job in jobs
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    exc = future.exception()
                    result: Path | Exception = exc if exc is not None else future.result()
                    yield job, result
        finally:
            for future in pending:
                future.cancel()
