"""A fake GDELT 2.0 server on 127.0.0.1 for the watcher's tests, and the export files it serves.

It serves what `pivotwatch watch` reads from GDELT: `gdeltv2/lastupdate.txt` (three lines,
`size md5 url`, naming the newest export, mentions and GKG files), `gdeltv2/masterfilelist.txt`
(every file published so far, in the same form) and the zipped exports. A test publishes
files between cycles (`publish`), so the indexes change as the real ones do every 15 minutes.
The URLs in the indexes name GDELT's own host, as the real ones do; the watcher moves them
onto the mirror it was given.

Faults, per file stamp:

* `publish(..., served=BYTES)`: the indexes declare the size and MD5 of the good zip, the
  server sends BYTES (a corrupt copy);
* `unavailable[stamp] = k`: answer 503 to the next k requests for the export (or, keyed
  "lastupdate.txt" or "masterfilelist.txt", for that index);
* `stall(stamp)`: hold the next request for the export until `release()` (or the server
  closes); `arrived(stamp)` is set when that request comes in.

It also takes POSTs on `/hook...` paths (a webhook receiver; `posts`), with the same
`stall("hook")`.

The export files are built from real GDELT rows (`real_exports`, `weekly_export`): whole
files from ../shared/data/gdelt, else the bundled sample's extracts of the same files.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pivotwatch.sources.gdelt.layout import V2
from pivotwatch.sources.gdelt.sample import sample_dir

GDELT_HOST = "http://data.gdeltproject.org"
SHARED_EVENTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "gdelt" / "v2" / \
    "events"
STALL_LIMIT = 60.0  # seconds a stalled answer waits at most, so no test can hang on it
_COL = {name: i for i, name in enumerate(V2.columns)}


def events_dir() -> Path:
    """Whole real GDELT 2.0 exports where ../shared has them, else the bundled extracts."""
    return SHARED_EVENTS if SHARED_EVENTS.is_dir() else sample_dir()


def real_exports() -> dict[str, bytes]:
    """{stamp: plain content} of the five real exports (four of 2015-02-18, one of 2019)."""
    return {p.name[:14]: p.read_bytes()
            for p in sorted(events_dir().glob("[0-9]" * 14 + ".export.CSV"))}


def zipped(stamp: str, content: bytes) -> bytes:
    """`content` as GDELT ships it: one member `<stamp>.export.CSV` in a zip. The member's
    time is the stamp's, so the same content always gives the same bytes."""
    when = datetime.strptime(stamp, "%Y%m%d%H%M%S")
    info = zipfile.ZipInfo(f"{stamp}.export.CSV", date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, content)
    return buf.getvalue()


def real_rows() -> list[list[str]]:
    """Every row of the real exports, split into its 61 columns."""
    rows = []
    for content in real_exports().values():
        for line in content.decode("utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) == V2.width:
                rows.append(cols)
    return rows


def pair_of(cols: list[str]) -> frozenset[str]:
    return frozenset((cols[_COL["Actor1CountryCode"]], cols[_COL["Actor2CountryCode"]]))


def redate(cols: list[str], event_id: int, day: date, added: str) -> str:
    """A real row moved in time: a new GLOBALEVENTID, SQLDATE `day` (with MonthYear, Year
    and FractionDate to match) and DATEADDED `added`; every other column as GDELT wrote it."""
    out = list(cols)
    out[_COL["GLOBALEVENTID"]] = str(event_id)
    out[_COL["SQLDATE"]] = day.strftime("%Y%m%d")
    out[_COL["MonthYear"]] = day.strftime("%Y%m")
    out[_COL["Year"]] = str(day.year)
    out[_COL["FractionDate"]] = f"{day.year + (day.timetuple().tm_yday - 1) / 365:.4f}"
    out[_COL["DATEADDED"]] = added
    return "\t".join(out)


def weekly_export(monday: date, week_rows: list[list[str]], next_rows: list[list[str]],
                  first_id: int, stamp: str) -> bytes:
    """One export holding a week of events: `week_rows` (real rows) spread evenly over the
    seven days from `monday`, and `next_rows` dated the Monday after (so the week is over
    by the newest day the store holds), with ids from `first_id`."""
    days = [monday + timedelta(days=i % 7) for i in range(len(week_rows))]
    days += [monday + timedelta(days=7)] * len(next_rows)
    lines = [redate(cols, first_id + i, day, stamp)
             for i, (cols, day) in enumerate(zip([*week_rows, *next_rows], days, strict=True))]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Listed:
    stamp: str
    size: int
    md5: str

    def lines(self) -> list[str]:
        """The export's index line, and those of its mentions and GKG files (which the
        watcher must pass over; they are not served)."""
        url = f"{GDELT_HOST}/gdeltv2/{self.stamp}"
        other = hashlib.md5(self.stamp.encode(), usedforsecurity=False).hexdigest()
        return [f"{self.size} {self.md5} {url}.export.CSV.zip",
                f"1234 {other} {url}.mentions.CSV.zip",
                f"5678 {other} {url}.gkg.csv.zip"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.server.owner.answer(self, "GET")

    def do_POST(self):  # noqa: N802
        self.server.owner.answer(self, "POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FakeGdelt):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request, client_address):
        """A client killed mid-answer (as the kill test does) is not an error here."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeGdelt:
    """GDELT 2.0 on 127.0.0.1 at an ephemeral port, in a background thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listed: list[Listed] = []
        self.latest: str | None = None
        self.served: dict[str, bytes] = {}      # stamp -> the bytes sent for its export
        self.unavailable: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.posts: list[tuple[str, dict[str, str], bytes]] = []  # (path, headers, body)
        self._stalls: dict[str, threading.Event] = {}
        self._arrived: dict[str, threading.Event] = {}
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeGdelt:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()  # a stalled answer ends, so the server can stop
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what a test does between cycles ------------------------------------------------------

    def publish(self, stamp: str, good: bytes, *, served: bytes | None = None,
                latest: bool = True) -> None:
        """List the zipped export `good` under `stamp` (its size and MD5 in both indexes);
        serve `served` for it if given (a corrupt copy). `latest`: lastupdate.txt names it."""
        with self.lock:
            self.listed.append(Listed(stamp, len(good),
                                      hashlib.md5(good, usedforsecurity=False).hexdigest()))
            self.listed.sort(key=lambda f: f.stamp)
            self.served[stamp] = good if served is None else served
            if latest:
                self.latest = stamp

    def stall(self, what: str) -> threading.Event:
        """Hold the next request for export `what` (a stamp) or for "hook" until `release`;
        returns the event set when that request arrives."""
        with self.lock:
            self._stalls[what] = threading.Event()
            self._arrived[what] = threading.Event()
            return self._arrived[what]

    def release(self) -> None:
        with self.lock:
            for event in self._stalls.values():
                event.set()
            self._stalls.clear()

    def count(self, stamp: str) -> int:
        """Requests so far for the export `stamp`."""
        path = f"/gdeltv2/{stamp}.export.CSV.zip"
        return sum(1 for _, p in self.requests if p == path)

    # --- answers ------------------------------------------------------------------------------

    def _index(self, path: str) -> bytes | None:
        if path == "/gdeltv2/lastupdate.txt" and self.latest is not None:
            (item,) = (f for f in self.listed if f.stamp == self.latest)
            return ("\n".join(item.lines()) + "\n").encode()
        if path == "/gdeltv2/masterfilelist.txt":
            return "".join(line + "\n" for f in self.listed for line in f.lines()).encode()
        return None

    def _wait(self, handler: _Handler, what: str) -> None:
        with self.lock:
            stall = self._stalls.pop(what, None)
            arrived = self._arrived.get(what)
        if stall is None:
            return
        arrived.set()
        stall.wait(STALL_LIMIT)  # the test's release, or the server's end

    def answer(self, handler: _Handler, method: str) -> None:
        path = urlsplit(handler.path).path
        with self.lock:
            self.requests.append((method, path))
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(min(length, 1 << 22))
            with self.lock:  # recorded as it arrives: a sender killed mid-POST sent it
                self.posts.append((path, {k.lower(): v for k, v in handler.headers.items()},
                                   body))
            self._wait(handler, "hook")
            handler._send(200 if path.startswith("/hook") else 404, b"ok\n")
            return
        with self.lock:
            index = self._index(path)
            name = path.rsplit("/", 1)[-1]
            busy = index is not None and self.unavailable[name] > 0
            if busy:
                self.unavailable[name] -= 1
        if busy:
            handler._send(503, b"Service Unavailable\n")
            return
        if index is not None:
            handler._send(200, index)
            return
        stamp = name[:14]
        with self.lock:
            data = self.served.get(stamp) if path == f"/gdeltv2/{stamp}.export.CSV.zip" \
                else None
            busy = data is not None and self.unavailable[stamp] > 0
            if busy:
                self.unavailable[stamp] -= 1
        if data is None:
            handler._send(404, b"not found\n")
            return
        self._wait(handler, stamp)
        if busy:
            handler._send(503, b"Service Unavailable\n")
            return
        handler._send(200, data, "application/zip")
