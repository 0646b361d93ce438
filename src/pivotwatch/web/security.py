"""What every response of the dashboard carries, and who may ask for one.

The pages show text written by strangers (articles, GDELT URLs, list entries), so every
response forbids inline scripts and framing (`Content-Security-Policy`), sniffing and referrers.
Bound to a loopback address the dashboard answers anyone on the machine who asks for it by a
loopback name (not a page of another site that rebinds its name to 127.0.0.1); bound to any other
address it answers only requests that carry the token (`PIVOTWATCH_TOKEN`), as
`Authorization: Bearer TOKEN` or, for a browser's first visit, `?token=TOKEN`, which sets a
cookie for the rest of the visit. The token is compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from pivotwatch.errors import UsageError

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
COOKIE = "pivotwatch_token"
MIN_TOKEN = 16  # characters: a short token is guessed


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# The names a dashboard without a token answers to. A page of another site whose name its
# owner points at 127.0.0.1 (DNS rebinding) reaches the port with that name in `Host`: were it
# answered, the page could read every view and pass the CSRF origin check, being "same-origin"
# to itself. "testserver" is Starlette's TestClient, which crosses no network.
LOCAL_NAMES = ("localhost", "testserver")


def local_host(header: str) -> bool:
    """Whether a request's `Host` names this machine's loopback (a name in LOCAL_NAMES, a
    `*.localhost` name, a loopback address), with or without a port."""
    host = header.strip().lower()
    host = host[:host.find("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
    return host in LOCAL_NAMES or host.endswith(".localhost") or is_loopback(host)


def check_binding(host: str, token: str | None) -> str | None:
    """The token the server will require: None on a loopback address; UsageError when another
    address is asked for without a token long enough."""
    if is_loopback(host):
        return None
    if not token or len(token) < MIN_TOKEN:
        raise UsageError(f"serving on {host} (not loopback) needs PIVOTWATCH_TOKEN set to a "
                         f"secret of at least {MIN_TOKEN} characters")
    return token


def cookie_value(token: str) -> str:
    """What the cookie holds: a value derived from the token, not the token itself, so a
    copied cookie jar does not give away the secret for the header or the link."""
    return hmac.new(token.encode(), b"pivotwatch dashboard cookie", "sha256").hexdigest()


def _allowed(request: Request, token: str) -> bool:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return hmac.compare_digest(auth[7:].strip().encode(), token.encode())
    if (given := request.query_params.get("token")) is not None:
        return hmac.compare_digest(given.encode(), token.encode())
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), cookie_value(token).encode())


def _without_token(request: Request) -> str:
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return request.url.path + (f"?{query}" if query else "")


class Guard:
    """The security headers on every response; the token when one is required. A plain ASGI
    middleware (Starlette's BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app, token: str | None) -> None:
        self.app = app
        self.token = token

    def refusal(self, request: Request) -> Response | None:
        """The answer given instead of the page, or None to let the request through."""
        if self.token is not None:
            if not _allowed(request, self.token):
                return PlainTextResponse("a token is required", status_code=401)
            if "token" in request.query_params and request.method in ("GET", "HEAD"):
                # the first visit by link: the cookie carries on, and the address bar (and
                # any link copied from it, and the history) loses the token
                response = RedirectResponse(_without_token(request), status_code=303)
                response.set_cookie(COOKIE, cookie_value(self.token), httponly=True,
                                    samesite="strict")
                return response
        elif not local_host(request.headers.get("host", "")):
            return PlainTextResponse("this dashboard answers only at a loopback address "
                                     "(127.0.0.1, localhost)", status_code=400)
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name == "Cache-Control" and name in headers:
                        continue  # a fixed file of the package says how long it keeps
                    headers[name] = value
            await send(message)

        refused = self.refusal(Request(scope))
        if refused is not None:
            await refused(scope, receive, with_headers)
        else:
            await self.app(scope, receive, with_headers)
