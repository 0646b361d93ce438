"""A small, resumable HTTP downloader with retries, size/MD5 checks and an address policy.

A file is streamed to `<dest>.part` and renamed onto `dest` only once it is complete and
matches the size and MD5 its index declares, so `dest` never holds a partial or bad file.
An interrupted transfer resumes from the bytes already in `.part` with a `Range` request.
Connection errors, timeouts, 5xx answers and truncated bodies are retried with exponential
backoff; a 404 (or another 4xx) fails at once.

URLs come from users and from index files, so every hop (redirects are followed by hand, at
most `MAX_REDIRECTS`) goes through `sources/fetch.py::target`: http(s) only, the host resolved
once, its addresses checked against the `AddressPolicy`, and the connection made to the
address that was checked. Each file has a deadline covering all its attempts
(PIVOTWATCH_DOWNLOAD_DEADLINE), checked between chunks, and a file with no declared size is
capped at PIVOTWATCH_MAX_MEMBER_BYTES.

Stopping: `download_all` runs its downloads in daemon threads and waits for them with a timed
wait, so an interrupt reaches the main thread at once. On its way out it sets a `Stop`, which
the workers check between chunks and which shuts down the sockets they are reading from, so a
read blocked on a silent server returns at once; the `.part` files stay for the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from pivotwatch.errors import DownloadError, IntegrityError, SourceError
from pivotwatch.settings import get_settings
from pivotwatch.sources.fetch import (
    MAX_REDIRECTS,
    REDIRECTS,
    AddressPolicy,
    BadRedirect,
    httpx_errors,
    new_client,
    target,
)

log = logging.getLogger(__name__)

CHUNK = 1 << 20  # bytes read at a time when hashing a file
BASE_DELAY = 0.2  # seconds before the first retry; doubled for each further one
MAX_DELAY = 30.0
RETRY_STATUS = {408, 429}  # 4xx answers that are worth another try, besides every 5xx
POLL = 0.25  # seconds between the main thread's looks at an interrupt while it waits
STOP_WAIT = 5.0  # seconds download_all waits for its workers to stop once told to

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


class _Stopped(Exception):
    """The download was told to stop; its `.part` is kept for the next run."""


class Stop:
    """Tells running downloads to stop: checked between chunks, and it shuts down the sockets
    being read so that a read waiting on a silent server returns at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True (at once) if told to stop meanwhile."""
        return self._event.wait(max(seconds, 0))

    def set(self) -> None:
        with self._lock:
            self._event.set()
            for sock in self._sockets:
                _shutdown(sock)

    @contextlib.contextmanager
    def watching(self, response: httpx.Response) -> Iterator[None]:
        """While the body of `response` is read, a stop shuts its socket down."""
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            yield
            return
        with self._lock:
            self._sockets.add(sock)
            if self._event.is_set():
                _shutdown(sock)
        try:
            yield
        finally:
            with self._lock:
                self._sockets.discard(sock)


def _shutdown(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for an SSLSocket: its override drops the TLS state
    # under the reading thread's feet.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@dataclass(frozen=True)
class _Rules:
    """What one file's download may do: where it may connect, until when, how many bytes."""

    url: str  # as asked for; what messages name
    policy: AddressPolicy
    timeout: float  # seconds one connect or read may wait
    seconds: int  # the deadline, as set
    deadline: float  # time.monotonic() by which the whole download must be done
    max_bytes: int  # cap on a body whose size no index declares
    stop: Stop

    @classmethod
    def make(cls, url: str, policy: AddressPolicy | None, timeout: float,
             stop: Stop | None) -> _Rules:
        settings = get_settings()
        if policy is None:
            policy = AddressPolicy.from_setting(settings.allow_private_urls)
        return cls(url, policy, timeout, settings.download_deadline,
                   time.monotonic() + settings.download_deadline, settings.max_member_bytes,
                   stop or Stop())

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        """Raise if the download must end now: told to stop, or past its deadline."""
        if self.stop.is_set():
            raise _Stopped(self.url)
        if self.left() <= 0:
            raise DownloadError(f"{self.url}: not complete after {self.seconds:,} s, the "
                                f"deadline for one download (PIVOTWATCH_DOWNLOAD_DEADLINE); "
                                f"run again to resume")

    def http_timeout(self) -> httpx.Timeout:
        """Each connect or read waits at most `timeout`, and never past the deadline."""
        self.check()
        return httpx.Timeout(min(self.timeout, max(self.left(), 0.01)))


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


@contextlib.contextmanager
def _get(client: httpx.Client, headers: dict[str, str],
         rules: _Rules) -> Iterator[httpx.Response]:
    """The response to GET `rules.url`, redirects followed by hand, each hop checked."""
    current = rules.url
    for _hop in range(MAX_REDIRECTS + 1):
        label = rules.url if current == rules.url else f"{rules.url}: redirected to {current}"
        try:
            direct, host, extensions = target(current, rules.policy, label)
        except DownloadError as exc:  # the name did not resolve: perhaps for a moment
            raise _Transient(str(exc).removeprefix(f"{label}: ")) from exc
        try:
            with client.stream("GET", direct, headers={**headers, **host},
                               extensions=extensions, timeout=rules.http_timeout()) as response:
                if response.status_code in REDIRECTS and "Location" in response.headers:
                    current = urljoin(current, response.headers["Location"])
                    continue
                with rules.stop.watching(response):
                    yield response
                return
        except BadRedirect as exc:  # raised by the client's hook, before the body is read
            raise exc.refused(label) from None
    raise DownloadError(f"{rules.url}: more than {MAX_REDIRECTS} redirects")


def _attempt(client: httpx.Client, part: Path, size: int | None, rules: _Rules) -> None:
    """One GET of the URL into `part`, resuming from what `part` already holds."""
    url = rules.url
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
        with _get(client, headers, rules) as response:
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
                offset = 0
            _receive(response, part, mode, offset, size, rules)
            declared = response.headers.get("Content-Length")
            if declared is not None and response.num_bytes_downloaded < int(declared):
                raise _Transient(f"truncated body: got {response.num_bytes_downloaded} of "
                                 f"{declared} bytes")
    except httpx.TransportError as exc:
        rules.check()  # a read cut short by a stop or by the deadline is no transient failure
        raise _Transient(f"{type(exc).__name__}: {_one_line(exc)}") from exc
    except httpx_errors() as exc:  # e.g. httpx.InvalidURL, which is no httpx.HTTPError
        raise DownloadError(f"{url}: {type(exc).__name__}: {_one_line(exc)}") from exc


def _receive(response: httpx.Response, part: Path, mode: str, offset: int, size: int | None,
             rules: _Rules) -> None:
    """Write the body to `part` (from `offset`) as it arrives, within the caps and deadline.

    Chunks are written as they arrive, so a cut or stopped transfer keeps every byte it got.
    The raw bytes are kept: a Content-Encoding is not undone (we asked for none), so a
    compressed answer can neither grow past the cap in memory nor pass the MD5 check.
    """
    cap = size if size is not None else rules.max_bytes
    declared = response.headers.get("Content-Length", "")
    if size is None and declared.isdigit() and offset + int(declared) > cap:
        raise SourceError(f"{rules.url}: {offset + int(declared):,} bytes, over the {cap:,}-byte "
                          f"cap for one download (PIVOTWATCH_MAX_MEMBER_BYTES)")
    got = offset
    with part.open(mode) as fh:
        for chunk in response.iter_raw():
            got += len(chunk)
            if got > cap:
                break
            fh.write(chunk)
            rules.check()
    if got > cap:
        part.unlink(missing_ok=True)
        if size is not None:
            raise IntegrityError(f"{rules.url}: the server sent more than the {size:,} bytes "
                                 f"the index declares")
        raise SourceError(f"{rules.url}: over the {cap:,}-byte cap for one download "
                          f"(PIVOTWATCH_MAX_MEMBER_BYTES)")
    # A body that ends with the connection would look complete after a stop shut it down.
    rules.check()


def _transfer(client: httpx.Client, part: Path, size: int | None, retries: int,
              rules: _Rules) -> None:
    """Fill `part` with the body of the URL, retrying transient failures `retries` times."""
    part.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        rules.check()
        try:
            _attempt(client, part, size, rules)
            return
        except _Transient as exc:
            if attempt == retries:
                raise DownloadError(
                    f"{rules.url}: failed after {retries + 1} attempt(s): {exc}") from exc
            delay = min(BASE_DELAY * 2 ** attempt, MAX_DELAY, max(rules.left(), 0))
            log.info("%s: %s; retrying in %.1f s", rules.url, exc, delay)
            if rules.stop.wait(delay):
                raise _Stopped(rules.url) from exc


def _client() -> httpx.Client:
    # One client per file: connections go to checked addresses, and one kept open for a host
    # name must not carry another name's requests (its TLS was verified for the first).
    return new_client()  # no proxy, no redirect followed, none to a non-http(s) URL


def download(url: str, dest: Path, *, size: int | None, md5: str | None, retries: int,
             timeout: float = 60, policy: AddressPolicy | None = None,
             stop: Stop | None = None) -> Path:
    """Fetch `url` into `dest` and return `dest`.

    A `dest` that already matches `size`/`md5` is returned without a request. `policy`: the
    addresses it may reach (default: PIVOTWATCH_ALLOW_PRIVATE_URLS). Raises SourceError (an
    address or URL refused, over the size cap), DownloadError (404, other 4xx, retries
    exhausted, past the deadline) or IntegrityError (the complete file does not match
    `size`/`md5`; the bad `.part` is deleted).
    """
    if dest.exists():
        problem = _mismatch(dest, size, md5)
        if problem is None:
            return dest
        log.warning("%s: cached copy is stale (%s); downloading it again", dest.name, problem)
        dest.unlink()
    part = part_path(dest)
    rules = _Rules.make(url, policy, timeout, stop)
    with _client() as http:
        _transfer(http, part, size, retries, rules)
    problem = _mismatch(part, size, md5)
    if problem is not None:
        part.unlink(missing_ok=True)
        raise IntegrityError(f"{dest.name}: {problem} (from {url})")
    os.replace(part, dest)
    return dest


def fetch_text(url: str, dest: Path, max_age_seconds: float, *, retries: int = 3,
               timeout: float = 60, policy: AddressPolicy | None = None) -> Path:
    """Fetch a small index file into `dest`, reusing a copy younger than `max_age_seconds`.

    The index has no size or checksum to check against, so a refresh always starts afresh
    and replaces `dest` atomically once complete; a failed refresh leaves `dest` as it was.
    """
    if dest.exists() and time.time() - dest.stat().st_mtime < max_age_seconds:
        return dest
    part = part_path(dest)
    part.unlink(missing_ok=True)
    rules = _Rules.make(url, policy, timeout, None)
    with _client() as http:
        _transfer(http, part, None, retries, rules)
    os.replace(part, dest)
    return dest


def download_all(items: Iterable[Download], *, workers: int, retries: int, timeout: float = 60,
                 policy: AddressPolicy | None = None
                 ) -> Iterator[tuple[Download, Path | Exception]]:
    """Download `items` in parallel; yield `(item, Path or exception)` as each finishes.

    Failures are yielded, not raised, so the caller can go on with the other files. The
    work starts when iteration starts. Leaving the iteration early (an interrupt, or closing
    the generator; use `contextlib.closing`) stops every download within moments: those not
    begun are not, those begun keep their `.part` to resume.
    """
    jobs = list(items)
    if not jobs:
        return
    stop = Stop()
    todo: queue.SimpleQueue[Download] = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    done: queue.SimpleQueue[tuple[Download, Path | Exception]] = queue.SimpleQueue()

    def work() -> None:
        while not stop.is_set():
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                result: Path | Exception = download(
                    job.url, job.dest, size=job.size, md5=job.md5, retries=retries,
                    timeout=timeout, policy=policy, stop=stop)
            except _Stopped:
                return
            except Exception as exc:  # yielded to the caller, who reports it
                result = exc
            done.put((job, result))

    # Daemon threads: one stuck where a stop cannot reach it (resolving a name) does not keep
    # the process from exiting.
    threads = [threading.Thread(target=work, name=f"pivotwatch-download-{i}", daemon=True)
               for i in range(min(max(workers, 1), len(jobs)))]
    for thread in threads:
        thread.start()
    try:
        for _ in jobs:
            yield _next(done, threads)
    finally:
        stop.set()
        end = time.monotonic() + STOP_WAIT
        for thread in threads:
            thread.join(max(end - time.monotonic(), 0))


def _next(done: queue.SimpleQueue, threads: list[threading.Thread]):
    # A timed wait: the main thread takes an interrupt within POLL, never stuck in a join.
    while True:
        try:
            return done.get(timeout=POLL)
        except queue.Empty:
            if not any(t.is_alive() for t in threads) and done.empty():
                raise DownloadError("the download workers stopped early") from None
