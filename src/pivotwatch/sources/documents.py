"""Documents (plain text, Markdown, HTML, web pages and RSS/Atom feed items) for the claims stage.

`read_document` and `read_feed` turn bytes into `Document` records without the store: the
claims command can use them directly. `load_documents` loads files, URLs and feeds into the
`documents` table through the same one-transaction record loader as every other source, so each
document carries the `file_id` of the file (or the cached download) it came from. A document is
keyed by the xxh3 of its normalised text: the same text from two places is stored once.

HTML: page furniture is dropped before the text is read (see `drop_furniture`): what a reader
skips around an article (menus, banners, cookie notices, tickers, "Most read" lists, share bars)
would otherwise become claims.

Feeds: an item's text is its full content when the feed carries it (Atom <content>, RSS
<content:encoded>), else its summary or description. Only an item with neither is fetched from
its link, as a web page loaded on its own (with the feed's URL, the item's title and date).
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers import expat

import xxhash
from lxml import etree

from pivotwatch.errors import PivotwatchError, SourceError
from pivotwatch.sources import doctext
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.fetch import AddressPolicy, fetch
from pivotwatch.sources.records import (
    Batch,
    Expectations,
    Parsed,
    Reject,
    expand,
    load_records,
    read_bytes,
)
from pivotwatch.store.store import utcnow

SOURCE = "documents"
FORMATS = ("text", "markdown", "html", "feed-item")
COLUMNS = ("doc_id", "title", "url", "published", "format", "text", "n_chars", "source_name",
           "feed_url", "fetched_at")
DEFAULT_MAX_BYTES = 5 << 20
MAX_TITLE = 300
MAX_FRONT_MATTER = 64 << 10  # characters; real front matter is a few lines

_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
             ".html": "html", ".htm": "html", ".xhtml": "html", ".rss": "feed", ".atom": "feed",
             ".xml": "feed"}
_MEDIA = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text",
          "text/markdown": "markdown", "text/x-markdown": "markdown",
          "application/rss+xml": "feed", "application/atom+xml": "feed",
          "application/x-rss+xml": "feed",
          "application/rdf+xml": "feed", "application/xml": "feed", "text/xml": "feed"}
ACCEPTED_MEDIA = frozenset(_MEDIA)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class Document:
    """One document as the claims stage reads it."""

    doc_id: str                 # xxh3-128 of `text`
    title: str | None
    url: str | None             # where it is published (after redirects), if on the web
    published: datetime | None  # when known (UTC for feeds)
    format: str                 # text | markdown | html | feed-item
    text: str                   # one paragraph, "- " list item or "| a | b |" row per line
    source_name: str | None     # the publisher (site or feed name), else the host or file
    feed_url: str | None = None

    @property
    def n_chars(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Origin:
    """What is known about a document besides its bytes: where and how it was fetched."""

    url: str | None = None          # final URL after redirects
    media_type: str | None = None
    charset: str | None = None
    fetched_at: datetime | None = None
    feed_url: str | None = None     # set for a page fetched from a feed item's link
    title: str | None = None        # the feed item's, used when the page has none
    published: datetime | None = None
    source_name: str | None = None


@dataclass
class Feed:
    """A feed read: its items with text, items to fetch from their links, and bad items."""

    title: str | None
    layout: str
    items: int
    documents: list[Document] = field(default_factory=list)
    links: list[tuple[str, Origin]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    notes: tuple[str, ...] = ()


# -- bytes to text ---------------------------------------------------------------------------

def read_input(source: Path | bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file (gzip, bzip2 or a one-file zip decompressed) or the bytes given."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        path = Path(source)
        if path.is_dir():
            raise SourceError(f"{name}: is a directory; give the documents in it")
        if not path.is_file():
            raise SourceError(f"{name}: no such file")
        if path.stat().st_size > max_bytes:
            raise SourceError(_too_big(name, path.stat().st_size, max_bytes))
        data = read_bytes(path, name, limit=max_bytes)
    if len(data) > max_bytes:
        raise SourceError(_too_big(name, len(data), max_bytes))
    if not data.strip():
        raise SourceError(f"{name}: empty document")
    return data


def _too_big(name: str, size: int, cap: int) -> str:
    return (f"{name}: {size:,} bytes, over the {cap:,}-byte cap for a document "
            f"(raise PIVOTWATCH_MAX_DOCUMENT_BYTES to load it)")


def decode(data: bytes, name: str, *, charset: str | None = None, markup: bool = False) -> str:
    """`data` as text: a BOM, else UTF-8, else a declared charset; never a guess.

    Declared means the HTTP Content-Type's charset, or (for markup) the HTML <meta> charset or
    the XML declaration's encoding. Binary data and undeclared non-UTF-8 text are SourceErrors.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec), name)
            except UnicodeDecodeError as exc:
                raise SourceError(f"{name}: starts with a {codec} byte-order mark but is not "
                                  f"{codec} ({exc.reason} at byte {exc.start})") from exc
    if data.startswith(b"%PDF-"):
        raise SourceError(f"{name}: a PDF; only text, Markdown, HTML and RSS/Atom are read")
    if b"\x00" in data:
        raise SourceError(f"{name}: binary data (NUL bytes), not a text document")
    try:
        return _checked(data.decode("utf-8"), name)
    except UnicodeDecodeError as exc:
        utf8_error = f"{exc.reason} at byte {exc.start}"
    declared = [charset]
    if markup:
        xml = _XML_ENCODING.match(data)
        declared += [doctext.html_charset(data), xml.group(1).decode() if xml else None]
    for candidate in filter(None, declared):
        try:
            info = codecs.lookup(candidate)
        except LookupError:
            raise SourceError(f"{name}: declares an unknown charset {candidate!r}") from None
        # Python also names transforms (rot13, hex, zlib) as codecs; a page's charset is text
        if not getattr(info, "_is_text_encoding", True):
            raise SourceError(f"{name}: declares {candidate!r}, which is not a text encoding")
        codec = info.name
        if codec.replace("-", "").replace("_", "") == "utf8":
            raise SourceError(f"{name}: not UTF-8 text ({utf8_error}) though it declares "
                              f"{candidate}")
        try:
            return _checked(data.decode(codec), name)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: not {candidate} as declared ({exc.reason} at byte "
                              f"{exc.start})") from exc
    raise SourceError(f"{name}: not UTF-8 text ({utf8_error}) and no charset declared; "
                      f"convert it to UTF-8")


def _checked(text: str, name: str) -> str:
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise SourceError(f"{name}: binary data ({controls:,} control characters), "
                          f"not a text document")
    if not text.strip():
        raise SourceError(f"{name}: empty document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(name: str, data: bytes, media_type: str | None = None) -> str:
    """text, markdown, html or feed: from the media type, else the suffix, else the content."""
    by_media = _MEDIA.get(media_type or "")
    suffixes = [s for s in Path(urlsplit(name).path).suffixes[-2:]
                if s.lower() not in (".gz", ".bz2", ".zip")]
    by_suffix = _SUFFIXES.get(suffixes[-1].lower()) if suffixes else None
    head = data[:2048]
    for bom, codec in _BOMS[1:]:  # UTF-16 or UTF-32 markup is sniffed as the text it is
        if head.startswith(bom):
            head = data[:8192].decode(codec, "ignore").encode("utf-8")[:2048]
            break
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    sniffed = "feed" if _FEED_ROOT.search(head) else "html" if _HTML_ROOT.match(
        re.sub(rb"^(<\?xml[^>]*>|<!--.*?-->|\s)*", b"", head, flags=re.DOTALL)) else None
    if by_media == "text" and by_suffix == "markdown":
        return "markdown"
    if by_media == "feed" or (by_media is None and by_suffix == "feed"):
        if sniffed != "feed":
            raise SourceError(f"{name}: XML but not an RSS or Atom feed")
        return "feed"
    return by_media or by_suffix or sniffed or "text"


# -- documents ---------------------------------------------------------------------------------

def doc_id(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _title(text: str | None) -> str | None:
    title = doctext.plain(text or "")
    return title[:MAX_TITLE] or None


def _when(value: object) -> datetime | None:
    """A datetime from a front-matter or metadata date (date, datetime or ISO text)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).replace(
                tzinfo=None)
        except ValueError:
            return None
    return None


def _front_matter(text: str, name: str) -> tuple[str, dict]:
    """The text after a YAML front matter block, and the block's mapping ({} when it is not
    readable YAML: a title or date it cannot give is taken from the text). The safe loader
    builds no Python objects; a block over MAX_FRONT_MATTER characters, or nested deeper than
    the parser can follow, refuses the document."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    import yaml  # only a document with front matter needs the YAML reader

    block = match.group(1)
    if len(block) > MAX_FRONT_MATTER:
        raise SourceError(f"{name}: front matter of {len(block):,} characters, over the "
                          f"{MAX_FRONT_MATTER:,} allowed")
    try:
        meta = yaml.safe_load(block)
    except RecursionError as exc:
        raise SourceError(f"{name}: front matter nested too deeply to read") from exc
    except (yaml.YAMLError, ValueError, TypeError, AttributeError):
        meta = None  # malformed YAML, or a value its constructor refuses (date 2020-13-45)
    return text[match.end():], meta if isinstance(meta, dict) else {}


def _from_text(text: str, fmt: str, name: str, origin: Origin) -> Document:
    meta: dict = {}
    if fmt == "markdown":
        text, meta = _front_matter(text, name)
    lines, heading = doctext.text_lines(text, markdown=fmt == "markdown")
    body = doctext.normalise(lines)
    if not body:
        raise SourceError(f"{name}: empty document")
    first = body.split("\n", 1)[0]
    title = _title(meta.get("title") if isinstance(meta.get("title"), str) else None) \
        or heading or origin.title or (first if len(first) <= 200 else None)
    return Document(doc_id(body), _title(title), origin.url, _when(meta.get("date"))
                    or origin.published, fmt, body, origin.source_name or _site(name, origin),
                    origin.feed_url)


# -- page furniture ---------------------------------------------------------------------------

# Elements that are furniture wherever they are. (Scripts, styles, forms and other non-text
# elements are removed by `doctext` with their content.)
_FURNITURE_TAGS = frozenset({"nav", "aside", "menu", "marquee"})
# The page's own header and footer; inside an article, a section or the main content they are
# that part's header (its headline, byline) and footer, as in HTML's ARIA mapping.
_PAGE_TAGS = frozenset({"header", "footer"})
_SECTIONING = frozenset({"article", "section", "main"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search",
                              "menu", "menubar"})
# Words of a class, id or aria-label that name furniture ("cookie-banner", "mostRead",
# "share-bar", aria-label="Related stories"), as whole words of the name.
_FURNITURE_WORDS = frozenset({
    "cookie", "cookies", "consent", "gdpr", "ticker", "breaking", "popular", "trending",
    "related", "recommended", "newsletter", "newsletters", "subscribe", "subscription",
    "share", "sharing", "social", "promo", "promoted", "sponsored", "ad", "ads", "advert",
    "adverts", "advertisement", "sidebar", "comments", "breadcrumb", "breadcrumbs"})
_FURNITURE_PAIRS = frozenset({("most", "read"), ("most", "popular"), ("most", "viewed"),
                              ("most", "shared"), ("read", "next")})
# Only these can be furniture: selecting them in libxml2 skips the plain paragraphs.
# What a furniture word is joined to in one class name ("jp-relatedposts", "sharebar",
# "cookiebanner", "adslot"); "shareable" or "commentary" stay words of their own.
_CONTAINER_WORDS = frozenset({"posts", "links", "list", "bar", "box", "tools", "buttons",
                              "icons", "banner", "notice", "slot", "unit", "container",
                              "wrapper", "widget", "block", "module", "area", "strip"})
_CANDIDATES = etree.XPath("//*[@class or @id or @role or @aria-label] | //nav | //aside | //menu"
                          " | //marquee | //header | //footer")
# Headings that title furniture (letters only, lower case: "Comments (12)" is "comments").
_FURNITURE_HEADINGS = frozenset({
    "most read", "most popular", "most viewed", "most shared", "most read stories",
    "related", "related stories", "related articles", "related content", "related coverage",
    "recommended", "recommended for you", "more stories", "read more", "read next",
    "trending", "trending now", "popular now", "you may also like", "you might also like",
    "sign up to our newsletter", "newsletter", "share this article", "share this story",
    "comments"})
_HEADINGS = etree.XPath("//h2 | //h3 | //h4 | //h5 | //h6")
_JOINED_PAIRS = frozenset(a + b for a, b in _FURNITURE_PAIRS)  # "mostread"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_LETTERS = re.compile(r"[^a-z]+")


def _label_words(el) -> list[str]:
    """The words of an element's class, id and aria-label, split at case changes, hyphens
    and underscores: "c-mostRead__list" -> c, most, read, list."""
    words: list[str] = []
    for value in (el.get("class"), el.get("id"), el.get("aria-label")):
        if value:
            words += [w for w in _NOT_LETTERS.split(_CAMEL.sub(" ", value).lower()) if w]
    return words


def _named_furniture(el) -> bool:
    """True when an element's class, id or aria-label says it is furniture: a furniture word,
    a pair such as "most read", or a furniture word joined to a container word."""
    words = _label_words(el)
    return any(w in _FURNITURE_WORDS or w in _JOINED_PAIRS or _compound(w) for w in words) or \
        any(pair in _FURNITURE_PAIRS for pair in zip(words, words[1:], strict=False))


def _compound(word: str) -> bool:
    """True for a furniture word and a container word written as one ("relatedposts")."""
    return any(word.startswith(f) and word[len(f):] in _CONTAINER_WORDS
               for f in _FURNITURE_WORDS if len(word) > len(f))


def _furniture_kind(el) -> str | None:
    """"certain" for an element that is furniture by its tag or role, "likely" for the page's
    header or footer and for an element whose class, id or aria-label says so (pages misuse
    both), else None. The page's <html> and <body> are never furniture."""
    tag = el.tag.lower()
    if tag in ("html", "body"):
        return None
    if tag in _FURNITURE_TAGS or (el.get("role") or "").lower() in _FURNITURE_ROLES:
        return "certain"
    if tag in _PAGE_TAGS and not any(
            isinstance(a.tag, str) and (a.tag.lower() in _SECTIONING or a.get("role") == "main")
            for a in el.iterancestors()):
        return "likely"
    return "likely" if _named_furniture(el) else None


def drop_furniture(tree) -> None:
    """Remove page furniture from a parsed page: menus, the page's header and footer, asides,
    elements whose class, id or aria-label names cookie or consent banners, tickers,
    "Most read" / related / recommended lists, newsletter boxes, share bars, promotions and
    advertising, sidebars, comments or breadcrumbs, and blocks that a heading titles so
    ("Most read", "Related stories"; pages with generated class names say it only there).
    The article stays: its main content (<main>, role=main, else its longest <article>) and
    what contains it are never removed, and a page header or footer, or an element that is
    furniture only by its name or heading, is kept when it holds more than half of the page's
    text (a layout wrapper such as "content-with-sidebar", or a <header> around an unmarked
    article)."""
    region = doctext._main_region(tree)
    keep = {region, *region.iterancestors()} if region is not None else set()
    total = _text_size(tree)
    doomed = []
    for el in _CANDIDATES(tree):
        kind = _furniture_kind(el) if el not in keep else None
        if kind == "certain" or kind == "likely" and 2 * _text_size(el) <= total:
            doomed.append(el)
        elif kind == "likely" and el.tag.lower() in _PAGE_TAGS:
            el.tag = "div"  # the page's text: `doctext` would drop a <header> whole
    doomed += _titled_furniture(tree, keep, total)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _titled_furniture(tree, keep: set, total: int) -> list:
    """Blocks a furniture heading opens: the heading's parent when it is a block of its own
    (not the article, not most of the page), else the heading and the list after it."""
    out = []
    for heading in _HEADINGS(tree):
        title = " ".join(_NOT_LETTERS.split(heading.text_content().lower())).strip()
        if title not in _FURNITURE_HEADINGS:
            continue
        parent = heading.getparent()
        if parent is not None and parent not in keep and parent.tag not in ("html", "body") \
                and 2 * _text_size(parent) <= total:
            out.append(parent)
            continue
        out.append(heading)
        after = heading.getnext()
        if after is not None and isinstance(after.tag, str) and after.tag.lower() in ("ul", "ol"):
            out.append(after)
    return out


_HIDDEN_TEXT = ("script", "style", "noscript", "template", "head")


def _text_size(el) -> int:
    """Characters of text under an element, less scripts and styles (removed later, and often
    far longer than the text a reader sees)."""
    hidden = sum(len(h.text_content()) for h in el.iter(*_HIDDEN_TEXT) if h is not el)
    return len(el.text_content()) - hidden


def _from_html(text: str, name: str, origin: Origin, fmt: str = "html",
               main_text: bool = True) -> Document:
    try:
        tree = doctext.parse_html(text)
    except doctext.TooComplex as exc:
        raise SourceError(f"{name}: {exc}; not read") from None
    if tree is None:
        raise SourceError(f"{name}: empty document")
    title = doctext.html_title(tree)
    drop_furniture(tree)
    body = doctext.normalise(doctext.html_lines(text, tree, main_text=main_text))
    if not body:
        raise SourceError(f"{name}: empty document (no text once markup is removed)")
    published, site = None, None
    if main_text:
        # Only dates the page declares (meta tags, <time>, JSON-LD): a year guessed from the
        # body ("in 2019 they met") would become the document date and shift every relative
        # time and every "is this forecast past?" decision.
        import trafilatura  # a page's declared dates; text and Markdown need none of it

        meta = trafilatura.extract_metadata(
            text, extensive=False, date_config={"extensive_search": False,
                                                "original_date": True})
        if meta is not None:
            title = meta.title or title
            published, site = _when(meta.date), meta.sitename
    return Document(doc_id(body), _title(origin.title if fmt == "feed-item" else title)
                    or _title(origin.title), origin.url, published or origin.published, fmt,
                    body, origin.source_name or _title(site) or _site(name, origin),
                    origin.feed_url)


def _site(name: str, origin: Origin) -> str:
    host = urlsplit(origin.url or name).hostname
    return host or Path(name).name


def read_document(source: Path | bytes, name: str, *, fmt: str | None = None,
                  origin: Origin = Origin(), max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """One text, Markdown or HTML document from a file or bytes; SourceError if unusable.

    `fmt` forces text, markdown or html; by default it comes from `origin.media_type`,
    the name's suffix, or the content. A feed is refused here: use `read_feed`.
    """
    data = read_input(source, name, max_bytes)
    fmt = fmt or detect_format(name, data, origin.media_type)
    if fmt == "feed":
        raise SourceError(f"{name}: an RSS/Atom feed, not a single document")
    if fmt not in ("text", "markdown", "html"):
        raise SourceError(f"{name}: unknown document format {fmt!r}")
    text = decode(data, name, charset=origin.charset, markup=fmt == "html")
    if fmt == "html":
        return _from_html(text, name, origin)
    return _from_text(text, fmt, name, origin)


# -- feeds -------------------------------------------------------------------------------------

def _entry_text(entry) -> tuple[str, str] | None:
    """(value, media type) of the item's full content, else of its summary; None if neither."""
    for item in entry.get("content") or []:
        if (item.get("value") or "").strip():
            return item["value"], item.get("type") or "text/html"
    detail = entry.get("summary_detail") or {}
    summary = entry.get("summary") or ""
    return (summary, detail.get("type") or "text/html") if summary.strip() else None


def _entry_date(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6]) if parsed else None


class _Prolog(Exception):
    """Raised from an expat handler to stop reading at the first element or entity."""


def refuse_entities(text: str, name: str) -> None:
    """SourceError if the XML's DOCTYPE declares an entity. feedparser would expand internal
    entities into the stored text (and falls back to a lenient parser that expands them with
    no amplification guard), so a feed that declares any is refused. The prolog is read by
    expat, the parser feedparser uses, up to the first element; one expat cannot read is
    refused if it holds an entity declaration at all."""
    parser = expat.ParserCreate()
    found: list[str] = []

    def entity(entity_name, *_):
        found.append(entity_name)
        raise _Prolog

    def element(*_):
        raise _Prolog

    parser.EntityDeclHandler = entity
    parser.StartElementHandler = element
    try:
        parser.Parse(text, True)  # text: expat reads it as UTF-8, whatever it declares
    except _Prolog:
        pass
    except expat.ExpatError:
        if "<!entity" in text.lower():
            found.append("?")
    if found:
        raise SourceError(f"{name}: XML that declares entities is refused (a feed needs "
                          "none; entity expansion is unsafe)")


def read_feed(source: Path | bytes, name: str, *, feed_url: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES) -> Feed:
    """The items of an RSS or Atom feed as Documents; SourceError if it is not a feed, or if
    it declares XML entities."""
    data = read_input(source, name, max_bytes)
    refuse_entities(decode(data, name, markup=True), name)  # also the documents' gate
    import feedparser  # only feeds need it

    # Bytes, never a string: feedparser fetches a string that looks like a URL or a path.
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise SourceError(f"{name}: not a readable RSS/Atom feed" +
                          (f" ({doctext.clean_line(str(problem))})" if problem else " (no items)"))
    feed_title = _title(parsed.feed.get("title"))
    site = feed_title or _site(name, Origin(url=feed_url))
    feed = Feed(feed_title, f"feed-{parsed.get('version') or 'unknown'}", len(parsed.entries))
    if parsed.get("bozo"):
        feed.notes = (f"the feed is not well-formed "
                      f"({doctext.clean_line(str(parsed.get('bozo_exception')))})",)
    seen: dict[str, int] = {}
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link") or None
        origin = Origin(url=link, title=_title(entry.get("title")),
                        published=_entry_date(entry), source_name=site,
                        feed_url=feed_url or name)
        found = _entry_text(entry)
        raw = doctext.clean_line(entry.get("title") or link or "")
        if found is None:
            if link and urlsplit(link).scheme in ("http", "https"):
                feed.links.append((link, origin))
            elif link:
                feed.rejects.append(Reject(number, "item has no text, and its link is not "
                                           "http(s), so it is not fetched", raw))
            else:
                feed.rejects.append(Reject(number, "item has no content, summary or link", raw))
            continue
        value, media = found
        try:
            if "html" in media:
                doc = _from_html(value, f"{name} item {number}", origin, "feed-item",
                                 main_text=False)
            else:
                doc = _from_text(value, "text", f"{name} item {number}", origin)
        except SourceError as exc:
            why = str(exc).removeprefix(f"{name} item {number}: ")
            feed.rejects.append(Reject(number, "item text is empty" if why.startswith(
                "empty document") else why, raw))
            continue
        doc = Document(doc.doc_id, doc.title, doc.url, doc.published, "feed-item", doc.text,
                       doc.source_name, doc.feed_url)
        if doc.doc_id in seen:
            feed.rejects.append(Reject(number, f"same text as item {seen[doc.doc_id]}", raw))
            continue
        seen[doc.doc_id] = number
        feed.documents.append(doc)
    return feed


# -- loading -----------------------------------------------------------------------------------

def _row(doc: Document, fetched_at: datetime | None) -> tuple:
    return (doc.doc_id, doc.title, doc.url, doc.published, doc.format, doc.text, doc.n_chars,
            doc.source_name, doc.feed_url, fetched_at or utcnow())


def _parsed(docs: list[Document], layout: str, rows_read: int, fetched_at: datetime | None,
            rejects: list[Reject] | None = None, notes: tuple[str, ...] = ()) -> Parsed:
    return Parsed(layout, rows_read, [Batch("documents", COLUMNS,
                                            [_row(d, fetched_at) for d in docs])],
                  rejects or [], notes)


def _cache(ctx: Context, fetched) -> Path:
    """Write a download into the cache, named by its content hash; the store loads it there."""
    folder = ctx.settings.cache / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    fmt = _MEDIA.get(fetched.media_type, "html")
    dest = folder / (xxhash.xxh3_64_hexdigest(fetched.content) + {
        "html": ".html", "text": ".txt", "markdown": ".md", "feed": ".xml"}[fmt])
    if not dest.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(fetched.content)
        os.replace(tmp, dest)
    return dest


def _download(ctx: Context, url: str, policy: AddressPolicy,
              hints: Origin = Origin()) -> tuple[Path, Origin]:
    got = fetch(url, policy=policy, max_bytes=ctx.settings.max_document_bytes,
                timeout=ctx.settings.fetch_timeout, accept=ACCEPTED_MEDIA)
    origin = Origin(url=got.final_url, media_type=got.media_type or None, charset=got.charset,
                    fetched_at=got.fetched_at, feed_url=hints.feed_url, title=hints.title,
                    published=hints.published, source_name=hints.source_name)
    return _cache(ctx, got), origin


def _load_document(ctx: Context, report: IngestReport, name: str, path: Path,
                   origin: Origin) -> None:
    cap = ctx.settings.max_document_bytes

    def parse(p: Path, n: str) -> Parsed:
        doc = read_document(p, n, origin=origin, max_bytes=cap)
        return _parsed([doc], f"document-{doc.format}", 1, origin.fetched_at)

    attempt(ctx, report, name, lambda: load_records(
        ctx.store, path, name, source=SOURCE, parse=parse, expect=Expectations(min_rows=1)))


def _load_feed(ctx: Context, report: IngestReport, name: str, path: Path, origin: Origin,
               policy: AddressPolicy) -> None:
    cap = ctx.settings.max_document_bytes
    feed_url = origin.url

    def parse(p: Path, n: str) -> Parsed:
        feed = read_feed(p, n, feed_url=feed_url, max_bytes=cap)
        return _parsed(feed.documents, feed.layout, feed.items, origin.fetched_at,
                       feed.rejects, feed.notes)

    try:
        feed = read_feed(path, name, feed_url=feed_url, max_bytes=cap)
    except SourceError:
        feed = None  # loaded below all the same, so that the failure is recorded
    # a feed of links alone is recorded too (its items with bad links are its rejects); the
    # pages it links to are loaded below, each as a file of its own
    expect = Expectations(min_rows=0 if feed and feed.links else 1)
    attempt(ctx, report, name, lambda: load_records(
        ctx.store, path, name, source=SOURCE, parse=parse, expect=expect))
    for link, hints in feed.links if feed else []:
        try:
            page, page_origin = _download(ctx, link, policy, hints)
        except PivotwatchError as exc:
            report.failures.append((link, str(exc)))
            ctx.progress.finished(link, exc)
            continue
        _load_document(ctx, report, link, page, page_origin)


def _is_feed(name: str, path: Path, origin: Origin) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    try:
        return detect_format(name, head, origin.media_type) == "feed"
    except SourceError:
        return False  # XML that is not a feed: read_document says so


def load_documents(ctx: Context, inputs: list[str],
                   allow_private: bool | str = False) -> IngestReport:
    """Load files, http(s) URLs and feeds into `documents`; each failure is one line.

    `allow_private` lets URLs reach private, loopback and link-local addresses: True for all,
    or addresses and networks such as "127.0.0.1,10.0.0.0/8" (added to the setting
    PIVOTWATCH_ALLOW_PRIVATE_URLS).
    """
    policy = AddressPolicy.from_setting(ctx.settings.allow_private_urls, allow_private)
    # a folder stands for the documents in it (by suffix); URLs and files stay as given
    inputs = [name for item in inputs for name in (
        [p for p, _ in expand([item], tuple(_SUFFIXES))[0]]
        if "://" not in item and Path(item).is_dir() else [item])]
    report = IngestReport()
    ctx.progress.planned(len(inputs), "documents")
    for item in inputs:
        try:
            if "://" in item:
                path, origin = _download(ctx, item, policy)
            else:
                path, origin = Path(item), Origin()
        except PivotwatchError as exc:
            report.failures.append((item, str(exc)))
            ctx.progress.finished(item, exc)
            continue
        if _is_feed(item, path, origin):
            _load_feed(ctx, report, item, path, origin, policy)
        else:
            _load_document(ctx, report, item, path, origin)
    return report
