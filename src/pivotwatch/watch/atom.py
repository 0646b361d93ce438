"""Alerts as an Atom feed (RFC 4287) in a file that a feed reader or a web server picks up.

Each alert is one entry whose id is ``urn:pivotwatch:alert:`` and the alert's id, a hash of
the fact that raised it (``watch/model.py``), so a reader never shows the same alert twice:
not when a later cycle sees the fact again, not when a killed cycle runs again.

``write_feed`` merges: the entries already in the file (from earlier cycles) are kept, an
alert already there is not added again, the entries are ordered newest first and the oldest
beyond ``max_entries`` dropped. The file is written whole to a temporary file beside it and
moved over it (``os.replace``), so a reader or a kill never meets half a feed; two writers
to one feed take turns (a ``flock`` on ``.<name>.lock`` beside it). A file at the
path that is not a feed pivotwatch wrote (its id does not start with ``urn:pivotwatch:feed:``)
is refused, never overwritten. The existing file is read as untrusted XML: capped in size, no
DTD, no entity, nothing fetched.

The XML is built with lxml, never by pasting text, so a title holding ``<script>`` or
``]]>`` is escaped. Text is written with its controls as visible escapes
(``markup.visible``, through ``deliver.render_text``); what XML 1.0 cannot hold at all
(U+FFFE, lone surrogates) is dropped. An evidence URL becomes a ``<link rel="related">`` only
when it is an absolute http(s) URL (``markup.http_url``); ``javascript:`` and the like stay in
the text only.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import xxhash
from lxml import etree

from pivotwatch.errors import DeliveryError, UsageError
from pivotwatch.markup import clip, http_url, visible
from pivotwatch.store.store import utcnow
from pivotwatch.watch.deliver import MAX_SUMMARY, line, render_text
from pivotwatch.watch.model import Alert

try:
    import fcntl
except ImportError:  # Windows: no flock, so writers to one feed are not serialised there
    fcntl = None  # type: ignore[assignment]

ATOM = "http://www.w3.org/2005/Atom"
FEED_PREFIX = "urn:pivotwatch:feed:"
ENTRY_PREFIX = "urn:pivotwatch:alert:"
DEFAULT_TITLE = "pivotwatch alerts"
DEFAULT_FEED_ID = FEED_PREFIX + "alerts"  # the feed `pivotwatch alerts --format atom` prints
MAX_FEED_BYTES = 64 << 20  # an existing feed file larger than this is not read
MAX_ENTRIES = 10_000  # the most `max_entries` may be
MAX_LINKS = 20  # related links per entry
LOCK_WAIT = 30.0  # seconds a writer waits for another writing the same feed
SCHEMES = {"rule": "urn:pivotwatch:rule", "dyad": "urn:pivotwatch:dyad",
           "severity": "urn:pivotwatch:severity"}

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+")
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _q(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def xml_text(text: object) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", str(text))


def _stamp(when: datetime) -> str:
    """RFC 3339 in UTC; a naive datetime is taken as UTC (as the store keeps them)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(alert: Alert) -> datetime:
    return alert.raised_at or utcnow()


def _sub(parent: etree._Element, name: str, text: str | None = None,
         **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, _q(name), {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def entry(alert: Alert) -> etree._Element:
    """The Atom entry of one alert."""
    element = etree.Element(_q("entry"), nsmap={None: ATOM})
    _sub(element, "id", ENTRY_PREFIX + alert.id)
    _sub(element, "title", line(alert.title) or line(alert.rule), type="text")
    stamp = _stamp(_when(alert))
    _sub(element, "published", stamp)
    _sub(element, "updated", stamp)
    urls = list(dict.fromkeys(u for u in (http_url(e.url) for e in alert.evidence) if u))
    if urls:  # what a reader opens on a click: the first row's source (the article, for a claim)
        _sub(element, "link", rel="alternate", type="text/html", href=urls[0])
    for url in urls[:MAX_LINKS]:
        _sub(element, "link", rel="related", href=url)
    for scheme, term in (("rule", alert.rule), ("dyad", alert.dyad),
                         ("severity", str(alert.severity))):
        _sub(element, "category", term=line(term), scheme=SCHEMES[scheme])
    summary = clip(visible(" ".join(alert.summary.split())), MAX_SUMMARY)
    _sub(element, "summary", summary or line(alert.title), type="text")
    _sub(element, "content", render_text(alert), type="text")
    return element


def _newest_first(alerts: Iterable[Alert]) -> list[Alert]:
    """Each alert once (the first of an id), newest first; equal times keep their order."""
    seen: set[str] = set()
    unique = []
    for alert in alerts:
        if alert.id not in seen:
            seen.add(alert.id)
            unique.append(alert)
    return sorted(unique, key=lambda a: _aware(_when(a)), reverse=True)


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _feed(title: str, feed_id: str, updated: datetime,
          entries: Iterable[etree._Element]) -> bytes:
    root = etree.Element(_q("feed"), nsmap={None: ATOM})
    _sub(root, "id", feed_id)
    _sub(root, "title", line(title) or DEFAULT_TITLE, type="text")
    _sub(root, "updated", _stamp(updated))
    _sub(_sub(root, "author"), "name", "pivotwatch")
    _sub(root, "generator", "pivotwatch")
    root.extend(entries)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _check_id(feed_id: str) -> str:
    if not _URI.fullmatch(feed_id):
        raise UsageError(f"feed id {visible(clip(feed_id, 80))!r} is not a URI "
                         f"(e.g. {DEFAULT_FEED_ID})")
    return feed_id


def feed_xml(alerts: Sequence[Alert], *, title: str = DEFAULT_TITLE,
             feed_id: str = DEFAULT_FEED_ID) -> bytes:
    """A whole Atom feed of `alerts` (each id once, newest first), as UTF-8 XML; its updated
    time is the newest alert's (now when there is none), so the same alerts give the same
    bytes."""
    ordered = _newest_first(alerts)
    updated = _when(ordered[0]) if ordered else utcnow()
    return _feed(title, _check_id(feed_id), updated, (entry(a) for a in ordered))


class _Existing:
    """The feed already in the file: its id and its entries with their updated times."""

    def __init__(self, feed_id: str, entries: list[tuple[datetime, etree._Element]]) -> None:
        self.feed_id = feed_id
        self.entries = entries

    def ids(self) -> set[str]:
        return {(e.findtext(_q("id")) or "").strip() for _, e in self.entries}


def _refuse(path: Path, why: str) -> UsageError:
    return UsageError(f"{path}: {why}; refusing to overwrite it (choose another --feed file)")


def _parsed_time(text: str | None) -> datetime:
    try:
        return _aware(datetime.fromisoformat((text or "").strip()))
    except ValueError:
        return _EPOCH


def _read(path: Path) -> _Existing | None:
    """The pivotwatch feed in `path`, None when there is no file or an empty one; UsageError
    when the file holds anything else."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FEED_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DeliveryError(f"{path}: cannot read the feed: {exc.strerror or exc}") from None
    if not data.strip():
        return None
    if len(data) > MAX_FEED_BYTES:
        raise _refuse(path, f"over {MAX_FEED_BYTES:,} bytes, too big for a pivotwatch feed")
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise _refuse(path, "not a pivotwatch Atom feed (not well-formed XML)") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise _refuse(path, "not a pivotwatch Atom feed (it has a DOCTYPE)")
    if root.tag != _q("feed"):
        raise _refuse(path, "not an Atom feed")
    feed_id = (root.findtext(_q("id")) or "").strip()
    if not feed_id.startswith(FEED_PREFIX):
        raise _refuse(path, "an Atom feed that pivotwatch did not write")
    entries = [(_parsed_time(e.findtext(_q("updated"))), e) for e in root.iterfind(_q("entry"))]
    return _Existing(feed_id, entries)


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a temporary file in the same directory,
    synced, then moved over it. The file keeps its permissions; a new one is 0644."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise DeliveryError(f"{path}: cannot write the feed: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise DeliveryError(f"{path}: cannot write the feed: "
                                f"{exc.strerror or exc}") from None
        raise


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive flock on `.<name>.lock` beside the feed while it is read, merged and
    written, so two writers to one feed take turns instead of one dropping the other's new
    entries. (The feed itself cannot be locked: each write replaces its inode.)"""
    if fcntl is None:
        yield
        return
    lock = path.parent / f".{path.name}.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DeliveryError(f"{path}: cannot write the feed: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DeliveryError(f"{path}: another process has been writing the feed "
                                        f"for over {LOCK_WAIT:g} s ({lock})") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # and with it the lock


def write_feed(path: Path, alerts: Sequence[Alert], *, title: str = DEFAULT_TITLE,
               max_entries: int = 500) -> int:
    """Add `alerts` to the Atom feed in `path` (made if absent) and return how many entries
    were added: alerts already in the feed are not, nor those older than the `max_entries`
    newest. The file is not rewritten when nothing changes."""
    if not 1 <= max_entries <= MAX_ENTRIES:
        raise UsageError(f"max_entries must be 1 to {MAX_ENTRIES:,}, not {max_entries}")
    target = Path(path).resolve()  # a link to the feed (e.g. from a web root) is followed
    if target.exists() and not target.is_file():
        raise _refuse(target, "not a regular file")
    with _locked(target):
        return _merge(target, alerts, title, max_entries)


def _merge(target: Path, alerts: Sequence[Alert], title: str, max_entries: int) -> int:
    """write_feed's work, under the lock."""
    old = _read(target)
    seen = old.ids() if old else set()
    new = [(_aware(_when(a)), entry(a)) for a in _newest_first(alerts)
           if ENTRY_PREFIX + a.id not in seen]
    if old is not None and not new and len(old.entries) <= max_entries:
        return 0
    merged = sorted(new + (old.entries if old else []), key=lambda pair: pair[0],
                    reverse=True)[:max_entries]
    fresh = {id(e) for _, e in new}
    added = sum(1 for _, e in merged if id(e) in fresh)
    feed_id = old.feed_id if old else FEED_PREFIX + xxhash.xxh3_64_hexdigest(str(target).encode())
    _replace(target, _feed(title, feed_id, utcnow(), (e for _, e in merged)))
    return added
