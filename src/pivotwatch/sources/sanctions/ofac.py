"""The US Treasury OFAC lists in the `sdnList.xsd` XML (the SDN list and the Consolidated
non-SDN list share it).

Root `sdnList`, in the namespace `http://tempuri.org/sdnList.xsd` (to 2024) or, since OFAC's
Sanctions List Service, `https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/
exports/XML` (the 2025 files); another namespace is read the same way and said in the notes.
`publshInformation` (sic) gives Publish_Date (MM/DD/YYYY) and Record_Count, and each
`sdnEntry` has a `uid`, an `sdnType` (Individual, Entity, Vessel, Aircraft) and a
`programList`. This layout gives no listing date: `listed_on` stays NULL.

A vessel's flag (`vesselInfo/vesselFlag`) goes to `flag_countries` (before migration 8 it was
stored with the nationalities: `analysis.sanctions` still reads such rows as flags); the
country of a `placeOfBirth` to `birth_countries`; the remarks are read item by item
(`places.read_remarks`): nationality, flag and place-of-birth items to their columns, any
other country named to `remark_countries`.
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
from pivotwatch.sources.sanctions.places import countries_in, read_remarks

LIST = "ofac"
NAMESPACE = "http://tempuri.org/sdnList.xsd"
NAMESPACES = (NAMESPACE, "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/"
              "exports/XML")
KINDS = {"individual": "person", "entity": "entity", "vessel": "vessel",
         "aircraft": "aircraft"}
_KNOWN = {"uid", "firstName", "lastName", "title", "sdnType", "remarks", "programList",
          "idList", "akaList", "addressList", "nationalityList", "citizenshipList",
          "dateOfBirthList", "placeOfBirthList", "vesselInfo"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def is_root(tag: str) -> bool:
    """Whether an XML root is OFAC's `sdnList`, in any namespace."""
    return _local(tag) == "sdnList"


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
    d.remarks = f.text(el, "remarks") or None
    said = read_remarks(d.remarks)
    citizens = [c.text for c in f.all(el, "nationalityList/nationality/country")
                + f.all(el, "citizenshipList/citizenship/country")]
    d.nationalities = countries.names(citizens + said.nationalities)
    d.flag_countries = countries.names([v.text for v in f.all(el, "vesselInfo/vesselFlag")]
                                       + said.flags)
    d.address_countries = countries.names(c.text for c in f.all(el, "addressList/address/country"))
    births = [countries_in(p.text) for p in f.all(el, "placeOfBirthList/placeOfBirthItem/"
                                                      "placeOfBirth")]
    d.birth_countries = unique([c for found in births for c in found] + said.births)
    d.remark_countries = unique(said.countries)
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
    if f.prefix and f.prefix.strip("{}") not in NAMESPACES:
        notes.append(f"namespace {f.prefix.strip('{}')[:200]!r} is not one this connector "
                     "knows; read as OFAC's sdnList")
    return build(LIST, "ofac-xml", published, entries, rejects, notes, rows_read=len(elements),
                 name=name)
