"""A local HTTP server for download tests: serves a directory on 127.0.0.1 with faults.

It answers `Range: bytes=N-` / `bytes=N-M` with 206 and Content-Range, records every request,
and can be told, per path (the URL path, e.g. "/gdeltv2/x.zip"), to:

* `cut_after[path] = n`: on the first request for the path, send only n body bytes (of the
  declared length) and drop the connection;
* `fail_first[path] = k`: answer 500 to the first k requests;
* `html.add(path)`: answer 200 with an HTML error page instead of the file;
* `ignore_range.add(path)`: answer 200 with the whole file even to a Range request;
* `delay = seconds`: wait before each answer (to make parallel downloads overlap);
* `types[suffix] = media type`: the Content-Type of such files (default: a zip's).

A path with no file behind it gets 404. Use it as a context manager.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Service unavailable</title></head>"
             b"<body><h1>Sorry</h1><p>The file is temporarily unavailable.</p></body></html>\n")

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the name http.server calls
        srv = self.server.owner
        path = unquote(urlsplit(self.path).path)
        with srv.lock:
            srv.requests.append(Request(path, {k.lower(): v for k, v in self.headers.items()}))
            srv.counts[path] += 1
            count = srv.counts[path]
            srv.active += 1
            srv.max_active = max(srv.max_active, srv.active)
        try:
            time.sleep(srv.delay)
            self._answer(path, count)
        finally:
            with srv.lock:
                srv.active -= 1

    def _answer(self, path: str, count: int):
        srv = self.server.owner
        if count <= srv.fail_first.get(path, 0):
            self._send(500, b"internal error\n", "text/plain")
            return
        if path in srv.html:
            self._send(200, HTML_PAGE, "text/html; charset=utf-8")
            return
        file = (srv.root / path.lstrip("/")).resolve()
        if srv.root not in file.parents or not file.is_file():
            self._send(404, b"not found\n", "text/plain")
            return
        data = file.read_bytes()
        status, start, stop, extra = 200, 0, len(data), {"Accept-Ranges": "bytes"}
        match = _RANGE.match(self.headers.get("Range", ""))
        if match and path not in srv.ignore_range:
            start = int(match.group(1))
            stop = min(int(match.group(2)) + 1, len(data)) if match.group(2) else len(data)
            if start >= len(data):
                self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
                return
            status = 206
            extra["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
        body = data[start:stop]
        cut = srv.cut_after.get(path) if count == 1 else None
        if cut is None or cut >= len(body):
            self._send(status, body, srv.media_type(path), extra)
            return
        self.send_response(status)
        self.send_header("Content-Type", srv.media_type(path))
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body[:cut])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: LocalServer):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request, client_address):
        """Clients that hang up (as the download tests make them) are not errors here."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """Serve `root` on 127.0.0.1 at an ephemeral port, in a background thread."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.counts: Counter[str] = Counter()
        self.active = 0
        self.max_active = 0
        self.delay = 0.0
        self.cut_after: dict[str, int] = {}
        self.fail_first: dict[str, int] = {}
        self.html: set[str] = set()
        self.ignore_range: set[str] = set()
        self.types: dict[str, str] = {}  # suffix (".xml") -> Content-Type; else a zip's
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def media_type(self, path: str) -> str:
        return self.types.get(Path(path).suffix.lower(), "application/zip")

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")

    def requests_for(self, path: str) -> list[Request]:
        path = "/" + path.lstrip("/")
        return [r for r in self.requests if r.path == path]
