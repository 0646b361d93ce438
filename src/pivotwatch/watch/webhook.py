"""Alerts to a webhook: one JSON POST per batch, retried when the failure may pass.

The body is ``{"alerts": [alert.to_dict(), ...]}`` (strict JSON, ``markup.strict_json``). The
batch's key (``deliver.batch_key``, a hash of its alert ids) goes in ``Idempotency-Key`` and
``X-Pivotwatch-Batch``: a batch sent again after a lost answer carries the same key, so the
receiver can drop it.

A connection error, a timeout, a name that does not resolve, ``408``, ``425``, ``429`` and
every ``5xx`` are tried again after a pause (0.5 s, doubled each time, or what ``Retry-After``
asks, at most ``MAX_DELAY``); another ``4xx`` gives up at once, since sending the same request
again will not change the answer. A redirect is not followed (a POST that is redirected is
not a POST any more): the answer says to give the final URL.

The URL is a setting, but the address policy applies as to any fetch
(``sources/fetch.py``): http(s) only, no user name or password in it, the host resolved and
checked (no private, loopback or link-local address unless allowed), the request sent to the
checked address, no proxy from the environment. At most ``MAX_RESPONSE_BYTES`` of an answer
are read, and only to quote it in an error. A webhook URL often carries its secret in the
path (Slack's, Discord's), so messages name only its scheme, host and port.

Time: each attempt waits at most ``timeout`` seconds for a connection and for each read, and
stops reading an answer once ``timeout`` has passed; so a call takes at most about
``(retries + 1) * 2 * timeout`` seconds plus the pauses.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from pivotwatch.errors import DeliveryError, DownloadError, SourceError, UsageError
from pivotwatch.markup import printable, strict_json
from pivotwatch.sources.fetch import AddressPolicy, BadRedirect, httpx_errors, new_client, target
from pivotwatch.watch.deliver import batch_key
from pivotwatch.watch.model import Alert

USER_AGENT = "pivotwatch (+https://github.com/pivotwatch; alert webhook)"
BASE_DELAY = 0.5  # seconds before the first retry; doubled for each further one
MAX_DELAY = 30.0  # the longest pause, whatever Retry-After asks
MAX_RETRIES = 10
MAX_TIMEOUT = 600.0
MAX_RESPONSE_BYTES = 64 << 10
RETRY_STATUS = {408, 425, 429}  # 4xx answers worth another try, besides every 5xx


class _Retry(Exception):
    """A failure that another attempt may cure, with the pause the server asked for."""

    def __init__(self, why: str, delay: float | None = None) -> None:
        super().__init__(why)
        self.delay = delay


def shown(url: str) -> str:
    """The URL as messages name it: scheme, host and port, never its path or query."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(a malformed URL)"
    host = f"[{host}]" if ":" in host else host
    return printable(f"{parts.scheme}://{host}{port}/", 120) + ("\u2026" if parts.path.strip("/")
                                                                 or parts.query else "")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (capped), or None for a date or nothing."""
    text = (value or "").strip()
    return min(float(text), MAX_DELAY) if text.isdigit() else None


def _quote(resp, deadline: float) -> str:
    """The start of an answer's body, one line, read within the byte cap and the time."""
    chunks, size = [], 0
    for chunk in resp.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
            break
    text = b"".join(chunks)[:MAX_RESPONSE_BYTES].decode("utf-8", "replace")
    return printable(" ".join(text.split()), 200)


def _post(http, url: str, label: str, body: bytes, headers: dict[str, str],
          policy: AddressPolicy, timeout: float) -> None:
    """One POST; returns on a 2xx, raises _Retry or DeliveryError otherwise."""
    import httpx

    try:
        direct, host, extensions = target(url, policy, label)
    except DownloadError as exc:  # the name did not resolve: perhaps for a moment
        raise _Retry(str(exc).removeprefix(f"{label}: ")) from None
    except SourceError as exc:  # refused by the policy or not an http(s) URL
        raise DeliveryError(str(exc)) from None
    deadline = time.monotonic() + timeout
    try:
        with http.stream("POST", direct, content=body, headers={**headers, **host},
                         extensions=extensions, timeout=httpx.Timeout(timeout)) as resp:
            status, reason = resp.status_code, printable(resp.reason_phrase or "", 60)
            if status < 300:
                return
            answer = _quote(resp, deadline) if status >= 400 else ""
    except BadRedirect as exc:
        raise DeliveryError(str(exc.refused(label))) from None
    except httpx.TimeoutException:
        raise _Retry(f"no answer within {timeout:g} s") from None
    except httpx.TransportError as exc:
        raise _Retry(f"{type(exc).__name__}: {printable(' '.join(str(exc).split()), 200)}"
                     ) from None
    except httpx_errors() as exc:
        raise DeliveryError(f"{label}: {type(exc).__name__}: "
                            f"{printable(' '.join(str(exc).split()), 200)}") from None
    what = f"HTTP {status} {reason}".strip() + (f": {answer}" if answer else "")
    if status < 400:
        raise DeliveryError(f"{label}: {what}: a webhook's redirect is not followed "
                            f"(give the URL it redirects to)")
    if status >= 500 or status in RETRY_STATUS:
        raise _Retry(what, _retry_after(resp.headers.get("Retry-After")))
    raise DeliveryError(f"{label}: {what}")


def post_webhook(url: str, alerts: Sequence[Alert], *, policy: AddressPolicy,
                 timeout: float = 10, retries: int = 3) -> None:
    """POST `alerts` as one JSON batch to `url`; DeliveryError (one line) when the webhook
    refuses them or cannot be reached after `retries` more tries. No alert, no request."""
    if not alerts:
        return
    if not 0 < timeout <= MAX_TIMEOUT:
        raise UsageError(f"webhook timeout must be above 0 and at most {MAX_TIMEOUT:g} s, "
                         f"not {timeout:g}")
    if not 0 <= retries <= MAX_RETRIES:
        raise UsageError(f"webhook retries must be 0 to {MAX_RETRIES}, not {retries}")
    label = f"webhook {shown(url)}"
    body = strict_json({"alerts": [a.to_dict() for a in alerts]}, ensure_ascii=False).encode()
    key = batch_key(alerts)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "Idempotency-Key": key, "X-Pivotwatch-Batch": key}
    with new_client() as http:
        for attempt in range(retries + 1):
            try:
                _post(http, url, label, body, headers, policy, timeout)
                return
            except _Retry as exc:
                if attempt == retries:
                    raise DeliveryError(f"{label}: failed after {retries + 1} attempt(s): "
                                        f"{exc}") from None
                pause = exc.delay if exc.delay is not None else BASE_DELAY * 2 ** attempt
                time.sleep(min(pause, MAX_DELAY))
