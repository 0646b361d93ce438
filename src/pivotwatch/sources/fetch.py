"""Fetch one web document safely: public addresses only, capped in size and time.

A URL given by a user (or found in a feed) must not make pivotwatch reach into the machine it
runs on or its network: before each request the host is resolved and every address it
resolves to is checked; private, loopback, link-local, multicast, reserved and unspecified
addresses are refused unless explicitly allowed. Redirects are followed by hand, at most
`MAX_REDIRECTS`, and each hop is checked the same way. The body is capped while it streams,
and one deadline covers the whole fetch, redirects included.

DNS rebinding: a host could resolve to a public address when checked and to a private one when
connected to. To close that gap the request goes to the address that was checked (the URL's
host is kept in the Host header and, for https, as the TLS server name, so certificates are
still verified against the name). What remains unchecked is name resolution itself, which
cannot be given a timeout here; it counts against nothing but the operating system's limits.

Redirect targets that are not http(s) (`javascript:`, `data:`, `mailto:`) are refused by a
response hook, before httpx tries to build a request for them (it fails with an error of its
own, not an `httpx.HTTPError`). `httpx_errors()` is every exception httpx raises: a fetch
turns each into a one-line DownloadError naming the URL, so none reaches the user as a
traceback.

The GDELT downloader (`sources/http.py`) checks its hops with the same `target()` and uses
the same `new_client()`. httpx is imported by the functions that reach the network, not with
this module: reading a local document (which names `AddressPolicy`) does not need it.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from pivotwatch.errors import DownloadError, SourceError, UsageError
from pivotwatch.markup import printable
from pivotwatch.store.store import utcnow

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "pivotwatch (+https://github.com/pivotwatch; document ingest)"
DEFAULT_PORTS = {"http": 80, "https": 443}


def httpx_errors() -> tuple[type[Exception], ...]:
    """Every exception httpx raises: httpx.InvalidURL, CookieConflict and the StreamErrors
    are not httpx.HTTPErrors."""
    import httpx

    return (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses a fetch may reach: none, all, or the networks listed.

    `trusted` origins (scheme, host, port), such as a GDELT mirror the user named, are reached
    whatever their address; a redirect away from one is checked like any other hop.
    """

    allow_all: bool = False
    networks: tuple[Network, ...] = ()
    trusted: frozenset[tuple[str, str, int]] = frozenset()

    @classmethod
    def from_setting(cls, text: str, allow_private: bool | str = False) -> AddressPolicy:
        """The policy from PIVOTWATCH_ALLOW_PRIVATE_URLS, widened by `allow_private`.

        The setting is empty (nothing private), `all`/`1`/`true`/`yes`, or addresses and
        networks separated by commas (e.g. `127.0.0.1,10.0.0.0/8`). `allow_private` may be
        True (everything) or a string in the same form.
        """
        if allow_private is True:
            return cls(allow_all=True)
        words = [w.strip() for part in (text, allow_private or "") for w in str(part).split(",")]
        words = [w for w in words if w and w.lower() not in ("0", "false", "no", "none")]
        if any(w.lower() in ("all", "1", "true", "yes") for w in words):
            return cls(allow_all=True)
        networks = []
        for word in words:
            try:
                networks.append(ipaddress.ip_network(word, strict=False))
            except ValueError:
                raise UsageError(f"PIVOTWATCH_ALLOW_PRIVATE_URLS: {word!r} is not an address or "
                                 f"network (use 'all' or e.g. 127.0.0.1,10.0.0.0/8)") from None
        return cls(networks=tuple(networks))

    def allows(self, ip: IPAddress) -> bool:
        return self.allow_all or any(ip in net for net in self.networks
                                     if net.version == ip.version)

    def trusting(self, url: str) -> AddressPolicy:
        """This policy, also reaching the origin of `url` (e.g. `http://127.0.0.1:8000`)."""
        origin = _origin(url)
        if origin is None:
            return self
        return AddressPolicy(self.allow_all, self.networks, self.trusted | {origin})


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None if it has none."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        return scheme, parts.hostname, parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None


@dataclass(frozen=True)
class Fetched:
    """A fetched body and what the server said about it."""

    url: str            # as asked for
    final_url: str      # after redirects
    content: bytes
    media_type: str     # e.g. text/html ('' when the server sent none)
    charset: str | None
    fetched_at: datetime
    # HTTP validators, for a conditional request next time (`fetch(..., validators=...)`)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # the server answered 304: `content` is empty


def _kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public address, or None if it is one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


def _resolve(url: str, host: str, port: int, policy: AddressPolicy) -> IPAddress:
    # `url` here is what error messages name: the URL asked for, and the hop when redirected
    """The address to connect to for `host`; SourceError if any address it has is refused."""
    try:
        literal = ipaddress.ip_address(host)
        addresses = [literal]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DownloadError(f"{url}: cannot resolve host {host!r}: "
                                f"{getattr(exc, 'strerror', None) or exc}") from exc
        addresses = list(dict.fromkeys(
            ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not addresses:
        raise DownloadError(f"{url}: host {host!r} has no address")
    # Every address is checked, not just the first: the client could connect to any of them.
    for ip in addresses:
        kind = _kind(ip)
        if kind and not policy.allows(ip):
            what = f"{host} is {ip}," if str(ip) != host.strip("[]") else f"{ip} is"
            article = "an" if kind[0] in "aeiou" else "a"
            raise SourceError(f"{url}: refused: {what} {article} {kind} address (pass "
                              f"--allow-private or set PIVOTWATCH_ALLOW_PRIVATE_URLS to allow it)")
    return addresses[0]


def target(url: str, policy: AddressPolicy,
           label: str) -> tuple[str, dict[str, str], dict]:
    """The URL to request (host replaced by its checked address), headers and extensions.

    `label` is what error messages name. SourceError if the URL or its address is refused,
    DownloadError if its host does not resolve.
    """
    import httpx

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed [ in the host
        raise SourceError(f"{label}: not a valid URL: {exc}") from None
    url = label
    if parts.scheme not in DEFAULT_PORTS:
        raise SourceError(f"{url}: only http and https URLs can be fetched")
    if not parts.hostname:
        raise SourceError(f"{url}: no host in the URL")
    if parts.username or parts.password:
        raise SourceError(f"{url}: URLs with a user name or password are not fetched")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise SourceError(f"{url}: bad port") from None
    if (parts.scheme, parts.hostname, port) in policy.trusted:
        policy = AddressPolicy(allow_all=True)
    ip = _resolve(url, parts.hostname, port, policy)
    netloc = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc += f":{parts.port}" if parts.port else ""
    direct = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    try:
        httpx.URL(direct)
    except httpx.InvalidURL as exc:  # e.g. control characters in the path
        raise SourceError(f"{url}: not a valid URL: {exc}") from None
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return direct, {"Host": parts.netloc}, extensions  # netloc: no user info, checked above


class BadRedirect(Exception):
    """A redirect to a URL that is not http(s), seen before httpx builds a request for it."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location

    def refused(self, label: str) -> SourceError:
        shown = printable(" ".join(self.location.split()), 200)
        return SourceError(f"{label}: redirected to {shown}: only http and https URLs can be "
                           f"fetched (redirect to a non-http(s) URL refused)")


def _refuse_odd_redirect(response: httpx.Response) -> None:
    # A response hook: httpx calls it before it builds the next request from Location, which
    # for `javascript:alert(1)` fails with httpx.InvalidURL instead of a redirect to refuse.
    if response.status_code not in REDIRECTS or "Location" not in response.headers:
        return
    location = response.headers["Location"]
    try:
        scheme = urlsplit(urljoin(str(response.request.url), location.strip())).scheme
    except ValueError:  # e.g. an unclosed [ in the host: httpx says so as an HTTPError
        return
    if scheme.lower() not in DEFAULT_PORTS:
        raise BadRedirect(location)


def new_client() -> httpx.Client:
    """An httpx client that follows no redirect, uses no proxy and refuses a redirect to a
    non-http(s) URL with BadRedirect."""
    import httpx

    # trust_env=False: a proxy from the environment would connect by name, around the check.
    return httpx.Client(trust_env=False, follow_redirects=False,
                        headers={"User-Agent": USER_AGENT},
                        event_hooks={"response": [_refuse_odd_redirect]})


def _media_type(response: httpx.Response) -> tuple[str, str | None]:
    value = response.headers.get("Content-Type", "")
    media = value.split(";")[0].strip().lower()
    charset = None
    for param in value.split(";")[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return media, charset


def fetch(url: str, *, policy: AddressPolicy, max_bytes: int, timeout: float,
          accept: frozenset[str] | None = None,
          validators: tuple[str | None, str | None] = (None, None)) -> Fetched:
    """GET `url` within the policy and caps; one-line SourceError/DownloadError otherwise.

    `accept`: media types to accept (others fail before the body is read); None takes any.
    `validators`: the (ETag, Last-Modified) of the copy already held; a server that still
    has that version answers 304 and the result has `not_modified` set and no content.
    """
    etag, modified = validators
    conditional = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified))
                   if v and "\r" not in v and "\n" not in v}
    import httpx

    deadline = time.monotonic() + timeout
    with new_client() as http:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            label = url if current == url else f"{url}: redirected to {current}"
            direct, headers, extensions = target(current, policy, label)
            left = deadline - time.monotonic()
            if left <= 0:
                raise DownloadError(f"{url}: took longer than {timeout:g} s")
            try:
                with http.stream("GET", direct, headers={**headers, **conditional},
                                 extensions=extensions, timeout=httpx.Timeout(left),
                                 follow_redirects=False) as resp:
                    if resp.status_code in REDIRECTS and "Location" in resp.headers:
                        current = urljoin(current, resp.headers["Location"])
                        continue
                    if resp.status_code == 304 and conditional:
                        return Fetched(url, current, b"", "", None, utcnow(), etag, modified,
                                       not_modified=True)
                    if resp.status_code >= 400:
                        raise DownloadError(f"{url}: HTTP {resp.status_code} "
                                            f"{resp.reason_phrase}".strip())
                    media, charset = _media_type(resp)
                    if accept is not None and media and media not in accept:
                        raise SourceError(f"{url}: unsupported content type {media}")
                    return Fetched(url, current, _body(url, resp, max_bytes, deadline, timeout),
                                   media, charset, utcnow(), resp.headers.get("ETag"),
                                   resp.headers.get("Last-Modified"))
            except BadRedirect as exc:
                raise exc.refused(label) from None
            except httpx.TimeoutException as exc:
                raise DownloadError(f"{url}: took longer than {timeout:g} s") from exc
            except httpx_errors() as exc:
                detail = printable(" ".join(str(exc).split()), 300) or type(exc).__name__
                raise DownloadError(f"{url}: {detail}") from exc
        raise DownloadError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _body(url: str, resp: httpx.Response, max_bytes: int, deadline: float,
          timeout: float) -> bytes:
    """The response body, stopped as soon as it passes `max_bytes` or the deadline.

    Each read waits at most what was left of the time when the request began, so a server
    that trickles bytes is stopped within twice the limit at worst.
    """
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(f"{url}: {int(declared):,} bytes, over the {max_bytes:,}-byte cap "
                          f"(PIVOTWATCH_MAX_DOCUMENT_BYTES)")
    chunks, size = [], 0
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(f"{url}: over the {max_bytes:,}-byte cap "
                              f"(PIVOTWATCH_MAX_DOCUMENT_BYTES)")
        if time.monotonic() > deadline:
            raise DownloadError(f"{url}: took longer than {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
