"""The first computation of a page after the store changes takes seconds (the dyad page
assesses the pair as of each year since 2015); `warm` asks for the watched pages once, as a
visitor would, right after the server starts, so the first analyst to open them does not wait.
It runs in the background and gives up quietly: a page it could not make is made on the
first real visit, with the error shown there."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import httpx

WAIT_FOR_START = 30.0  # seconds for the server to begin listening
PAGE_TIMEOUT = 600.0  # seconds for one page on a large store


def base_url(host: str, port: int) -> str:
    """Where this machine reaches a server bound to `host`: loopback for a wildcard bind."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def paths(dyads: Sequence[str]) -> list[str]:
    return ["/", *(f"/dyad/{d}" for d in dyads)]


def warm(base: str, dyads: Sequence[str], token: str | None, started) -> None:
    """Ask for the overview and each dyad's page once `started()` is true."""
    deadline = time.monotonic() + WAIT_FOR_START
    while not started() and time.monotonic() < deadline:
        time.sleep(0.1)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, headers=headers, timeout=PAGE_TIMEOUT) as client:
        for path in paths(dyads):
            try:
                client.get(path)
            except httpx.HTTPError:
                return  # the server stopped, or cannot answer: nothing to warm


def start(base: str, dyads: Sequence[str], token: str | None, started) -> threading.Thread:
    thread = threading.Thread(target=warm, args=(base, dyads, token, started), daemon=True,
                              name="pivotwatch-warm")
    thread.start()
    return thread
