"""The UN Security Council Consolidated List (scsanctions.un.org, `sc-sanctions.xsd`).

Root `CONSOLIDATED_LIST` (attribute `dateGenerated`), with `INDIVIDUALS/INDIVIDUAL` and
`ENTITIES/ENTITY`. The regime is `UN_LIST_TYPE` (DPRK, Iran, Al-Qaida, ...), the list's own id
`REFERENCE_NUMBER` (KPi.033), the listing date `LISTED_ON` (kept as `listed_on`).
Nationalities, address countries and the country of a place of birth are English names; the
countries `COMMENTS1` names are found as whole words (`places.countries_in`). The list has no
vessel type: the DPRK regime designates shipping companies as entities (vessels named by the
1718 Committee are not entries of this XML), so every ENTITY is recorded as an entity. The
2025 lists (and the 2018 one) have this same layout.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from lxml import etree

from pivotwatch.errors import SourceError
from pivotwatch.sources.records import Parsed, Reject, check_rejects
from pivotwatch.sources.sanctions.common import (
    Countries,
    Designation,
    build,
    clean,
    parse_day,
    to_text,
    unique,
    unknown_fields,
)
from pivotwatch.sources.sanctions.places import countries_in

LIST = "un_sc"
ROOT = "CONSOLIDATED_LIST"
_GROUPS = {"INDIVIDUALS": ("INDIVIDUAL", "person"), "ENTITIES": ("ENTITY", "entity")}
# Fields of an entry this connector knows: those it stores and those it leaves out on
# purpose (dates and places of birth, documents, sort keys, list bookkeeping).
_KNOWN = {
    "DATAID", "VERSIONNUM", "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME",
    "UN_LIST_TYPE", "REFERENCE_NUMBER", "LISTED_ON", "COMMENTS1", "DESIGNATION", "TITLE",
    "NATIONALITY", "LIST_TYPE", "LAST_DAY_UPDATED", "INDIVIDUAL_ALIAS", "ENTITY_ALIAS",
    "INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS", "INDIVIDUAL_DATE_OF_BIRTH",
    "INDIVIDUAL_PLACE_OF_BIRTH", "INDIVIDUAL_DOCUMENT", "SORT_KEY", "SORT_KEY_LAST_MOD",
    "NAME_ORIGINAL_SCRIPT", "GENDER", "SUBMITTED_BY", "SUBMITTED_ON", "DELISTED_ON",
}


def generated_at(root: etree._Element, name: str) -> datetime | None:
    """The list's `dateGenerated`, in UTC without a zone (the store's convention)."""
    text = clean(root.get("dateGenerated"))
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text)
        return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp
    except (ValueError, OverflowError) as exc:  # overflow: year 1 or 9999 moved to UTC
        raise SourceError(f"{name}: dateGenerated {text[:100]!r} is not a timestamp") \
            from exc


def _entry(el: etree._Element, kind: str, record: int, countries: Countries) -> Designation:
    raw = to_text(el)
    ref = clean(el.findtext("REFERENCE_NUMBER"))
    if kind == "person":
        name = clean(" ".join(el.findtext(t) or "" for t in
                              ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")))
    else:
        name = clean(el.findtext("FIRST_NAME"))
    d = Designation(ref, kind, name, record, raw)
    d.aliases = unique([a.text for a in el.findall("./*/ALIAS_NAME")]
                       + [el.findtext("NAME_ORIGINAL_SCRIPT")])
    d.programmes = unique([el.findtext("UN_LIST_TYPE")])
    d.listed_on = parse_day(el.findtext("LISTED_ON"))
    d.nationalities = countries.names(v.text for v in el.findall("NATIONALITY/VALUE"))
    d.address_countries = countries.names(
        c.text for c in el.findall("INDIVIDUAL_ADDRESS/COUNTRY") + el.findall(
            "ENTITY_ADDRESS/COUNTRY"))
    d.birth_countries = countries.names(
        c.text for c in el.findall("INDIVIDUAL_PLACE_OF_BIRTH/COUNTRY"))
    d.remarks = clean(el.findtext("COMMENTS1")) or None
    d.remark_countries = countries_in(d.remarks)
    return d


def parse(root: etree._Element, name: str) -> Parsed:
    """A parsed UN consolidated list: one designation per INDIVIDUAL and ENTITY."""
    countries, entries, rejects = Countries(), [], []
    fields: Counter[str] = Counter()
    groups = [child.tag for child in root if child.tag not in _GROUPS]
    record = 0
    for group, (tag, kind) in _GROUPS.items():
        for container in root.findall(group):
            for el in container:
                record += 1
                check_rejects(name, rejects, "un-sc-xml", "record")
                if el.tag != tag:
                    rejects.append(Reject(record, f"unexpected <{el.tag}> in <{group}>",
                                          to_text(el)))
                    continue
                fields.update(child.tag for child in el)
                try:
                    entries.append(_entry(el, kind, record, countries))
                except ValueError as exc:
                    ref = clean(el.findtext("REFERENCE_NUMBER"))
                    rejects.append(Reject(record, f"entry {ref!r}: {exc}",
                                          to_text(el)))
    if record == 0:
        raise SourceError(f"{name}: a UN consolidated list without INDIVIDUAL or ENTITY "
                          "entries")
    notes = [*countries.note(), *unknown_fields(fields, _KNOWN, "entry fields")]
    if groups:
        notes.append(f"sections not read: {', '.join(sorted(set(groups)))}")
    return build(LIST, "un-sc-xml", generated_at(root, name), entries, rejects, notes,
                 rows_read=record, name=name)
