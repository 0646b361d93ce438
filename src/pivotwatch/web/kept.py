"""Responses kept as sent. A page is a function of its URL, the store's version and the day
(freshness is judged as of today): nothing else a visitor sends reaches it (the token is
checked before, by `security.Guard`). So a GET answered 200 is kept and sent again, byte for
byte, while those three are the same, without the handler building its tables again or the
template rendering them (for a large page that costs more than reading the cached data).

Not kept: anything but a GET; the pages that carry a per-visitor value (the claims page's
form token) or a visitor's input; the static files (served from memory already, and varying
by `Accept-Encoding`). Bounded in entries and bytes; the oldest go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException

KEPT_ENTRIES, KEPT_BYTES = 256, 64 << 20
NOT_KEPT = ("/claims", "/static/")  # path prefixes


class Kept:
    """ASGI middleware in front of the routes, behind the Guard (whose headers every answer
    gets, kept or not)."""

    def __init__(self, app, site) -> None:
        self.app = app
        self.site = site
        self.lock = threading.Lock()
        self.sent: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()

    def key(self, scope) -> tuple | None:
        if scope["type"] != "http" or scope["method"] != "GET" or \
                scope["path"].startswith(NOT_KEPT):
            return None
        try:
            version = self.site.pages.version()
        except HTTPException:  # no store: the handler answers that
            return None
        query = tuple(sorted(parse_qsl(scope["query_string"].decode("latin-1"),
                                       keep_blank_values=True)))
        return version, date.today(), scope["path"], query

    async def __call__(self, scope, receive, send) -> None:
        key = self.key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        with self.lock:
            kept = self.sent.get(key)
            if kept is not None:
                self.sent.move_to_end(key)
        if kept is not None:
            status, headers, body = kept
            await send({"type": "http.response.start", "status": status,
                        "headers": list(headers)})  # an outer middleware may add to it
            await send({"type": "http.response.body", "body": body})
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def keep(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        if start.get("status") == 200:
            self.store(key, start["status"], list(start.get("headers", [])), b"".join(chunks))

    def store(self, key: tuple, status: int, headers: list, body: bytes) -> None:
        with self.lock:
            self.sent.pop(key, None)
            self.sent[key] = (status, headers, body)
            total = sum(len(v[2]) for v in self.sent.values())
            while total > KEPT_BYTES or len(self.sent) > KEPT_ENTRIES:
                total -= len(self.sent.popitem(last=False)[1][2])
