"""Cross-site request forgery protection for the dashboard's writes, without a server session.

Every write (an audit of an upload or a URL, later a source refresh) is a POST that must prove
it was sent by a page of this dashboard:

- the browser holds a random nonce in a cookie (`HttpOnly`, `SameSite=Strict`: another site's
  page neither reads it nor makes the browser send it);
- the form carries a token, the HMAC of that nonce under a secret made afresh for each
  application (a token from another run of the dashboard, or of another one, is worth nothing);
- the request's `Origin` (or `Referer` when a browser sends no Origin) names this site.

A request that fails any of the three is refused with 403 before anything is done with it.
GET never writes, so it needs none of this. The page that holds a form must let the browser
send its origin: the dashboard's `Referrer-Policy: no-referrer` makes a browser send
`Origin: null` on a POST, so such a page declares `<meta name="referrer"
content="same-origin">` (the origin still goes to no other site).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "pivotwatch_csrf"
FIELD = "csrf"  # the form field that carries the token
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class Csrf:
    """The tokens of one application: `token(request)` for a form, `check_origin` and
    `check_token` for the POST that form sends."""

    def __init__(self) -> None:
        self.secret = secrets.token_bytes(32)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def nonce(request: Request) -> str | None:
        value = request.cookies.get(COOKIE, "")
        return value if _NONCE.match(value) else None

    def token(self, request: Request) -> tuple[str, str]:
        """(nonce, token) for a page's forms: the visitor's nonce, or a new one when it has
        none (`set_cookie` gives it to the browser)."""
        nonce = self.nonce(request) or secrets.token_urlsafe(32)
        return nonce, self._sign(nonce)

    @staticmethod
    def set_cookie(response: Response, nonce: str) -> Response:
        response.set_cookie(COOKIE, nonce, httponly=True, samesite="strict", path="/")
        return response

    @staticmethod
    def check_origin(request: Request) -> None:
        """403 unless the request's Origin (else its Referer) is this site's own origin.
        Checked before the body is read."""
        own = f"{request.url.scheme}://{request.url.netloc}".lower()
        origin = request.headers.get("origin")
        if origin is None:
            referer = request.headers.get("referer")
            if not referer:
                raise HTTPException(403, "refused: the request names no origin (a form of "
                                    "this site sends one)")
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin.lower() != own:
            raise HTTPException(403, "refused: the request comes from another site")

    def check_token(self, request: Request, given: object) -> None:
        """403 unless `given` (the form's token) is this application's HMAC of the cookie's
        nonce."""
        nonce = self.nonce(request)
        if nonce is None or not isinstance(given, str) or not hmac.compare_digest(
                given.encode(), self._sign(nonce).encode()):
            raise HTTPException(403, "refused: the form's token is missing or wrong (reload "
                                "the page and send it again)")


_APPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def csrf_for(site) -> Csrf:
    """The one `Csrf` of the application that `site` serves, shared by every page module
    that writes."""
    found = _APPS.get(site)
    if found is None:
        found = _APPS[site] = Csrf()
    return found
