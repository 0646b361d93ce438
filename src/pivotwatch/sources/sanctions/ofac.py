"""The US Treasury OFAC lists in the `sdnList.xsd` XML (the SDN list and the Consolidated
non-SDN list share it).

Root `sdnList` in the namespace `http://tempuri.org/sdnList.xsd`; `publshInformation` (sic)
gives Publish_Date (MM/DD/YYYY) and Record_Count, and each `sdnEntry` has a `uid`, an
`sdnType` (Individual, Entity, Vessel, Aircraft) and a `programList`. This layout gives no
listing date. A vessel's flag is its nationality (as a ship's flag state is in the law of the
sea), so it is recorded with the nationalities.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from lxml import etree

from pivotwatch.errors import SourceError
from pivotwatch.sources.records import Parsed
from pivotwatch.sources.sanctions.common import (
    Countries,
    Designation,
    build,
    clean,
    to_text,
    unique,
    unknown_fields,
)

LIST = "ofac"
NAMESPACE = "http://tempuri.org/sdnList.xsd"
ROOTS = (f"{{{NAMESPACE}}}sdnList", "sdnList")
KINDS = {"individual": "person", "entity": "entity", "vessel": "vessel",
         "aircraft": "aircraft"}
_KNOWN = {"uid", "firstName", "lastName", "title", "sdnType", "remarks", "programList",
          "idList", "akaList", "addressList", "nationalityList", "citizenshipList",
          "dateOfBirthList", "placeOfBirthList", "vesselInfo"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Finder:
    """findall/findtext with paths written without the namespace."""

    def __init__(self, root: etree._Element) -> None:
        self.prefix = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""

    def path(self, path: str) -> str:
        return "/".join(f"{self.prefix}{p}" for p in path.split("/"))

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return el.findall(self.path(path))

    def text(self, el: etree._Element, path: str) -> str:
        return clean(el.findtext(self.path(path)))


def _published(f: _Finder, root: etree._Element, name: str) -> tuple[datetime | None, int | None]:
    info = root.find(f.path("publshInformation"))
    if info is None:
        return None, None
    date_text, count_text = f.text(info, "Publish_Date"), f.text(info, "Record_Count")
    try:
        published = datetime.strptime(date_text, "%m/%d/%Y") if date_text else None
        count = int(count_text) if count_text else None
    except ValueError as exc:
        raise SourceError(f"{name}: bad publshInformation ({date_text[:40]!r}, "
                          f"{count_text[:40]!r}): "
                          "expected MM/DD/YYYY and a count") from exc
    return published, count


def _entry(f: _Finder, el: etree._Element, record: int, countries: Countries) -> Designation:
    raw = to_text(el)
    sdn_type = f.text(el, "sdnType")
    kind = KINDS.get(sdn_type.lower(), sdn_type or None)
    name = clean(f"{f.text(el, 'firstName')} {f.text(el, 'lastName')}")
    d = Designation(f.text(el, "uid"), kind, name, record, raw)
    d.aliases = unique(f"{f.text(a, 'firstName')} {f.text(a, 'lastName')}"
                       for a in f.all(el, "akaList/aka"))
    d.programmes = unique(p.text for p in f.all(el, "programList/program"))
    citizens = [c.text for c in f.all(el, "nationalityList/nationality/country")
                + f.all(el, "citizenshipList/citizenship/country")]
    flags = [v.text for v in f.all(el, "vesselInfo/vesselFlag")]
    d.nationalities = countries.names(citizens + flags)
    d.address_countries = countries.names(c.text for c in f.all(el, "addressList/address/country"))
    d.remarks = f.text(el, "remarks") or None
    return d


def parse(root: etree._Element, name: str) -> Parsed:
    """A parsed OFAC list: one designation per sdnEntry. A Record_Count that differs from
    the entries found means a cut or edited file: it is refused."""
    f = _Finder(root)
    published, declared = _published(f, root, name)
    elements = f.all(root, "sdnEntry")
    if declared is not None and declared != len(elements):
        raise SourceError(f"{name}: declares {declared} entries (Record_Count) but holds "
                          f"{len(elements)}")
    if not elements:
        raise SourceError(f"{name}: an OFAC list without sdnEntry elements")
    countries, entries, rejects = Countries(), [], []
    fields: Counter[str] = Counter()
    for record, el in enumerate(elements, 1):
        fields.update(_local(child.tag) for child in el)
        entries.append(_entry(f, el, record, countries))
    notes = [*countries.note(), *unknown_fields(fields, _KNOWN, "entry fields")]
    return build(LIST, "ofac-xml", published, entries, rejects, notes, rows_read=len(elements),
                 name=name)
