"""OpenSanctions FollowTheMoney (FtM) entities: a whole export or a delta stream.

An export is newline-delimited JSON, one entity a line (`id`, `schema`, `properties`,
`datasets`, `target`, `first_seen`, `last_seen`, `last_change`). A delta has one
`{"op": "ADD" | "MOD" | "DEL", "entity": {...}}` a line. Persons, organisations, companies,
legal entities and public bodies, vessels and airplanes that carry a sanction topic are the
designations; an Address, Sanction or other helper entity is not (a Sanction in the same file
gives its entity's programme and listing date). Countries are ISO2 codes.

ADD and MOD both record a new version of the entry, DEL a removal; nothing already stored is
rewritten, and the current state is the latest version (docs/sanctions.md).
OpenSanctions data are licensed CC BY-NC 4.0: non-commercial use only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from pivotwatch.errors import SourceError
from pivotwatch.sources.records import Parsed, Reject
from pivotwatch.sources.sanctions.common import (
    Countries,
    Designation,
    build,
    clean,
    parse_day,
    unique,
    unknown_fields,
)

LIST = "opensanctions"
SCHEMAS = {"Person": "person", "Organization": "entity", "Company": "entity",
           "LegalEntity": "entity", "PublicBody": "entity", "Vessel": "vessel",
           "Airplane": "aircraft"}
OPS = ("ADD", "MOD", "DEL")
_KEYS = {"id", "caption", "schema", "properties", "referents", "datasets", "first_seen",
         "last_seen", "last_change", "target"}
# A delta's name starts with the export run's timestamp, e.g. 20240527194702-wnk.
_RUN = re.compile(r"^(\d{14})-")


def _read_lines(text: str, name: str) -> list[tuple[int, str]]:
    if text.lstrip().startswith("["):  # a JSON array of entities instead of one a line
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{name}: malformed JSON: {exc}") from exc
        return [(i, json.dumps(item)) for i, item in enumerate(items, 1)]
    return [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]


def _designation(entity: dict, line: int, raw: str, sanction: dict,
                 countries: Countries) -> Designation:
    props = entity.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("properties is not an object")

    def values(key: str) -> list[str]:
        found = props.get(key) or []
        return [v for v in found if isinstance(v, str)] if isinstance(found, list) else []

    names = unique(values("name"))
    name = clean(entity.get("caption")) or (names[0] if names else "")
    d = Designation(clean(entity.get("id")), SCHEMAS[entity["schema"]], name, line, raw)
    d.aliases = [n for n in unique(names + values("alias")) if n != name]
    programmes = unique(values("program") + values("programId") + sanction.get("program", []))
    d.programmes = programmes or unique(entity.get("datasets") or [])
    dates = sorted(filter(None, (parse_day(v) for v in
                                 sanction.get("listingDate", []) + values("createdAt"))))
    d.listed_on = dates[0] if dates else None
    d.nationalities = countries.codes(values("nationality") + values("citizenship"))
    d.address_countries = countries.codes(values("country") + values("jurisdiction")
                                          + sanction.get("address", []))
    d.remarks = "; ".join(unique(values("notes"))) or None
    return d


def _sanctions_by_entity(items: list[tuple[int, str, str | None, dict]]) -> dict[str, dict]:
    """Programme and listing date of Sanction entities, keyed by the entity they are about;
    the countries of Address entities, keyed by the entity that refers to them."""
    by_entity: dict[str, dict] = {}
    addresses = {}
    for _, _, _, e in items:
        props = e.get("properties") or {}
        if e.get("schema") == "Sanction":
            for target in props.get("entity") or []:
                found = by_entity.setdefault(target, {})
                for key in ("program", "programId"):
                    found.setdefault("program", []).extend(props.get(key) or [])
                found.setdefault("listingDate", []).extend(
                    (props.get("listingDate") or []) + (props.get("startDate") or []))
        elif e.get("schema") == "Address":
            for ref in [e.get("id"), *(e.get("referents") or [])]:
                addresses[ref] = props.get("country") or []
    for _, _, _, e in items:
        refs = (e.get("properties") or {}).get("addressEntity") or []
        countries = [c for ref in refs for c in addresses.get(ref, [])]
        if countries:
            by_entity.setdefault(e.get("id"), {}).setdefault("address", []).extend(countries)
    return by_entity


def _published(name: str, items, delta: bool) -> datetime | None:
    run = _RUN.match(Path(name).name)
    if run:
        return datetime.strptime(run.group(1), "%Y%m%d%H%M%S")
    stamps = [e.get(key) for _, _, _, e in items
              for key in (("last_change",) if delta else ("last_seen",))]
    stamps = [s for s in stamps if isinstance(s, str)]
    if stamps:
        return datetime.fromisoformat(max(stamps))
    if delta:
        raise SourceError(f"{name}: cannot tell when this delta was published: its name does "
                          "not start with the run's timestamp (YYYYMMDDHHMMSS-) and its "
                          "entities have no last_change")
    return None


def parse(text: str, name: str) -> Parsed:
    """A parsed FtM export or delta: one designation per sanctioned party."""
    lines = _read_lines(text, name)
    rejects: list[Reject] = []
    items: list[tuple[int, str, str | None, dict]] = []  # line, raw, op, entity
    delta = None
    keys: Counter[str] = Counter()
    for line, raw in lines:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            rejects.append(Reject(line, f"malformed JSON: {exc.msg} at column {exc.colno}",
                                  raw))
            continue
        if not isinstance(obj, dict):
            rejects.append(Reject(line, "not a JSON object", raw))
            continue
        is_op = "op" in obj
        if delta is None:
            delta = is_op
        if is_op != delta:
            rejects.append(Reject(line, "a delta operation among entities" if is_op
                                  else "an entity among delta operations", raw))
            continue
        op, entity = (obj.get("op"), obj.get("entity")) if is_op else (None, obj)
        if is_op and op not in OPS:
            rejects.append(Reject(line, f"unknown op {op!r} (ADD, MOD or DEL)", raw))
            continue
        if not isinstance(entity, dict) or not clean(entity.get("id")):
            rejects.append(Reject(line, "entity without an id", raw))
            continue
        keys.update(entity.keys())
        items.append((line, raw, op, entity))
    if delta is None:
        raise SourceError(f"{name}: no JSON object in the file")
    countries, entries, skipped = Countries(), [], Counter()
    linked = _sanctions_by_entity(items)
    for line, raw, op, entity in items:
        if op == "DEL":
            entries.append(Designation(clean(entity["id"]), None, None, line, raw[:2000],
                                       removed=True))
            continue
        schema = entity.get("schema")
        topics = (entity.get("properties") or {}).get("topics") or []
        if schema not in SCHEMAS:
            skipped[f"{schema} entities (not a designated party)"] += 1
        elif entity.get("target") is False or (
                topics and not any(str(t).startswith("sanction") for t in topics)):
            skipped[f"{schema} entities that are not sanctions targets"] += 1
        else:
            try:
                entries.append(_designation(entity, line, raw[:2000],
                                            linked.get(entity["id"], {}), countries))
            except ValueError as exc:
                rejects.append(Reject(line, f"entity {entity['id']!r}: {exc}", raw[:2000]))
    notes = [f"skipped {n} {what}" for what, n in sorted(skipped.items())]
    notes += [*countries.note(), *unknown_fields(keys, _KEYS, "entity keys")]
    layout = "opensanctions-ftm-delta" if delta else "opensanctions-ftm"
    return build(LIST, layout, _published(name, items, delta), entries, rejects, notes,
                 rows_read=len(lines), delta=delta)
