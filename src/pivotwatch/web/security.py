"""What every response of the dashboard carries, and who may ask for one.

The pages show text written by strangers (articles, GDELT URLs, list entries), so every
response forbids inline scripts and framing (`Content-Security-Policy`), sniffing and referrers.
Bound to a loopback address the dashboard answers anyone on the machine; bound to any other
address it answers only requests that carry the token (`PIVOTWATCH_TOKEN`), as
`Authorization: Bearer TOKEN` or, for a browser's first visit, `?token=TOKEN`, which sets a
cookie for the rest of the visit. The token is compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

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


def check_binding(host: str, token: str | None) -> str | None:
    """The token the server will require: None on a loopback address; UsageError when another
    address is asked for without a token long enough."""
    if is_loopback(host):
        return None
    if not token or len(token) < MIN_TOKEN:
        raise UsageError(f"serving on {host} (not loopback) needs PIVOTWATCH_TOKEN set to a "
                         f"secret of at least {MIN_TOKEN} characters")
    return token


def _given(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query_params.get("token") or request.cookies.get(COOKIE)


class Guard(BaseHTTPMiddleware):
    """The security headers on every response; the token when one is required."""

    def __init__(self, app, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next) -> Response:
        if self.token is not None:
            given = _given(request) or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                response: Response = PlainTextResponse("a token is required", status_code=401)
            else:
                response = await call_next(request)
                if request.query_params.get("token"):
                    response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
        else:
            response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response
