"""What the three sanctions connectors share: the row they build, safe XML, country mapping.

XML is parsed by libxml2 (lxml) set never to load a DTD, resolve an entity, reach the network
or build a huge tree; a document that has a DOCTYPE at all is then refused, whatever its
encoding and wherever the declaration sits (the lists have none), as is an XInclude element.
The parser reads the encoding from the BOM and the XML declaration (UTF-16 lists load).

Each connector turns its list into `Designation`s; `build()` checks them (no id, no name and
the same id twice are rejected with reasons) and makes the `sanctions` batch. Countries are
mapped to ISO3 through the project's crosswalk; text it cannot map keeps its entry and is
counted in the load's notes, so one odd nationality never costs a designation. Each country
an entry names goes to the column for where the list names it: nationality, address, a
vessel's flag, place of birth, or remarks (`places.py` reads free text).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import xxhash
from lxml import etree

from pivotwatch.errors import SourceError
from pivotwatch.sources.records import Batch, Parsed, Reject, check_rejects
from pivotwatch.taxonomy.countrycodes import MAX_NAME, from_name, to_iso3

KINDS = ("person", "entity", "vessel", "aircraft")
COLUMNS = ("entry_key", "list", "list_id", "published_at", "from_delta", "removed", "kind",
           "name", "aliases", "programmes", "listed_on", "nationalities", "address_countries",
           "remarks", "birth_countries", "flag_countries", "remark_countries")
# Country fields that say "not known" rather than naming a country. "na" would otherwise be
# read as Namibia's ISO2 code.
_NOT_GIVEN = {"", "na", "n/a", "none", "unknown", "none identified", "not known"}
# The crosswalk tries every country's pattern on a name (about 0.15 ms); a list names the
# same few countries thousands of times.
_from_name = lru_cache(maxsize=4096)(from_name)


@dataclass
class Designation:
    list_id: str
    kind: str | None
    name: str | None
    record: int  # 1-based record (XML) or line (JSON) number in the file
    raw: str
    aliases: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    listed_on: date | None = None
    nationalities: list[str] = field(default_factory=list)
    address_countries: list[str] = field(default_factory=list)
    remarks: str | None = None
    removed: bool = False
    birth_countries: list[str] = field(default_factory=list)
    flag_countries: list[str] = field(default_factory=list)  # a vessel's flag state
    remark_countries: list[str] = field(default_factory=list)  # named in remarks or comments


def clean(text: str | None) -> str:
    """Text with runs of whitespace (the lists pad names and break lines) made one space."""
    return " ".join((text or "").split())


def unique(values) -> list[str]:
    """The non-empty values, cleaned, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for v in values:
        v = clean(v)
        if v:
            seen.setdefault(v, None)
    return list(seen)


_XINCLUDE = ("{http://www.w3.org/2001/XInclude}", "{http://www.w3.org/2003/XInclude}")
_REFUSED = ("XML with a DOCTYPE or ENTITY declaration is refused (sanctions lists have none; "
            "entity expansion is unsafe)")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def parse_xml(data: bytes, name: str) -> etree._Element:
    """The root of an XML document; a DTD (and with it any entity), or XInclude, is refused."""
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # the parser's own log: the exception's may hold errors of earlier parses
        errors = [e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"
                  and "entit" in e.message.lower()]
        if errors:  # an entity bomb stops the parser before the DOCTYPE can be checked
            raise SourceError(f"{name}: {_REFUSED}") from exc
        raise SourceError(f"{name}: malformed XML: {' '.join(str(exc).split())}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise SourceError(f"{name}: {_REFUSED}")
    if any(isinstance(el.tag, str) and el.tag.startswith(_XINCLUDE) for el in root.iter()):
        raise SourceError(f"{name}: XML with an XInclude element is refused (sanctions lists "
                          "have none; it would read other files)")
    return root


def to_text(el: etree._Element) -> str:
    """An element's XML (without the text after it), cut to what a reject keeps."""
    return etree.tostring(el, encoding="unicode", with_tail=False)[:2000]


class Countries:
    """Maps country names or codes to ISO3 and remembers the text it could not map."""

    def __init__(self) -> None:
        self.unmapped: Counter[str] = Counter()

    def names(self, values) -> list[str]:
        """ISO3 codes of English country names ('Russian Federation', 'Sudan/South Sudan')."""
        found = []
        for value in values:
            text = clean(value)
            if text.lower() in _NOT_GIVEN:
                continue
            if len(text) > MAX_NAME:  # no country name; parts of it would each be tried
                self.unmapped[text] += 1
                continue
            parts = [p.strip() for p in text.split("/")] if "/" in text else [text]
            codes = [_from_name(p) for p in parts if p.lower() not in _NOT_GIVEN]
            if codes and all(codes):
                found.extend(codes)
            else:
                self.unmapped[text] += 1
        return unique(found)

    def codes(self, values) -> list[str]:
        """ISO3 codes of ISO2 codes ('ru', 'kp'), as FollowTheMoney writes countries."""
        found = []
        for value in values:
            text = clean(value)
            if not text:
                continue
            iso3 = to_iso3(text, "iso2")
            if iso3:
                found.append(iso3)
            else:
                self.unmapped[text] += 1
        return unique(found)

    def note(self) -> tuple[str, ...]:
        if not self.unmapped:
            return ()
        shown = ", ".join(f"{_short(t)!r} ({n})" for t, n in self.unmapped.most_common(8))
        more = " ..." if len(self.unmapped) > 8 else ""
        return (f"{sum(self.unmapped.values())} nationality or address value(s) not mapped to "
                f"a country (flags and places of birth included), entries kept without them: "
                f"{shown}{more}",)


def parse_day(text: str | None) -> date | None:
    """A listing date: YYYY-MM-DD (an XML Schema zone such as -04:00, or a time part, is
    dropped: the day is what the list states) or None when empty; ValueError otherwise."""
    text = clean(text)
    if not text:
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2}|[T ].*)?$", text)
    if not match:
        raise ValueError(f"listing date {text[:100]!r} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"listing date {text[:100]!r} is not a day of the calendar") from None


def entry_key(list_name: str, published: datetime | None, d: Designation, delta: bool) -> str:
    """A version's key: the same entry published again unchanged gets the same key."""
    parts = [list_name, d.list_id, published.isoformat() if published else "", str(delta),
             str(d.removed), d.kind or "", d.name or "", "|".join(d.aliases),
             "|".join(d.programmes), d.listed_on.isoformat() if d.listed_on else "",
             "|".join(d.nationalities), "|".join(d.address_countries), d.remarks or "",
             "|".join(d.birth_countries), "|".join(d.flag_countries),
             "|".join(d.remark_countries)]
    return xxhash.xxh3_128_hexdigest("\x1f".join(parts).encode())


def build(list_name: str, layout: str, published: datetime | None, entries: list[Designation],
          rejects: list[Reject], notes: list[str], *, rows_read: int,
          delta: bool = False, name: str | None = None) -> Parsed:
    """Check the designations and make the `sanctions` batch; the same list id twice is
    rejected (each time after the first), as are entries without an id or a name."""
    rows, first_seen = [], {}
    for d in entries:
        check_rejects(name or list_name, rejects, layout, "record")
        if not d.list_id:
            rejects.append(Reject(d.record, "entry without an id", d.raw))
            continue
        if d.list_id in first_seen:
            rejects.append(Reject(d.record, f"duplicate entry {d.list_id!r} (first at record "
                                            f"{first_seen[d.list_id]})", d.raw))
            continue
        first_seen[d.list_id] = d.record
        if not d.removed and not d.name:
            rejects.append(Reject(d.record, f"entry {d.list_id!r} has no name", d.raw))
            continue
        if d.kind is not None and d.kind not in KINDS:
            rejects.append(Reject(d.record, f"entry {d.list_id!r}: unknown kind {d.kind!r}",
                                  d.raw))
            continue
        rows.append((entry_key(list_name, published, d, delta), list_name, d.list_id,
                     published, delta, d.removed, d.kind, d.name, d.aliases, d.programmes,
                     d.listed_on, d.nationalities, d.address_countries, d.remarks,
                     d.birth_countries, d.flag_countries, d.remark_countries))
    rejects.sort(key=lambda r: r.line or 0)
    return Parsed(layout, rows_read, [Batch("sanctions", COLUMNS, rows)], rejects, tuple(notes))


def unknown_fields(seen: Counter, known: set[str], what: str) -> tuple[str, ...]:
    """A note naming fields the connector does not know (a new or renamed field is said)."""
    extra = sorted(k for k in seen if k not in known)
    if not extra:
        return ()
    more = f" ... and {len(extra) - 20} more" if len(extra) > 20 else ""
    return (f"{what} not read (unknown to this connector): "
            + ", ".join(f"{_short(k)} ({seen[k]})" for k in extra[:20]) + more,)


def _short(text: str, limit: int = 60) -> str:
    """Text from the file cut for a note (a name can be 100 KiB long)."""
    return text if len(text) <= limit else text[:limit] + "..."
