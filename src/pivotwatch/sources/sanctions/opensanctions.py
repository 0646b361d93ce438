"""OpenSanctions FollowTheMoney (FtM) entities: a whole export or a delta stream.

An export is newline-delimited JSON, one entity a line (`id`, `schema`, `properties`,
`datasets`, `target`, `first_seen`, `last_seen`, `last_change`). A delta has one
`{"op": "ADD" | "MOD" | "DEL", "entity": {...}}` a line. Persons, organisations, companies,
legal entities and public bodies, vessels and airplanes that carry a sanction topic are the
designations; an Address, Sanction or other helper entity is not (a Sanction in the same file
gives its entity's programme and listing date). Countries are ISO2 codes: `nationality` and
`citizenship` are nationalities, a Vessel's `flag` its flag, `birthCountry` (and a country
named in `birthPlace`) the place of birth; countries named in `notes` are remark countries.

ADD and MOD both record a new version of the entry, DEL a removal; nothing already stored is
rewritten, and the current state is the latest version (docs/sanctions.md).

Files come from strangers: an entity whose fields have the wrong JSON types (an `id` that is a
number, `properties` that is not an object, a property that is not a list of strings), a line
that is not JSON, nests too deeply or is over PIVOTWATCH_MAX_LINE_BYTES is a reject with its
line and reason; the rest of the file loads. A JSON array (not one entity a line) is parsed
whole, so it is refused above PIVOTWATCH_MAX_JSON_BYTES before parsing.
OpenSanctions data are licensed CC BY-NC 4.0: non-commercial use only.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pivotwatch.errors import SourceError
from pivotwatch.settings import Settings
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
from pivotwatch.sources.sanctions.places import countries_in

LIST = "opensanctions"
SCHEMAS = {"Person": "person", "Organization": "entity", "Company": "entity",
           "LegalEntity": "entity", "PublicBody": "entity", "Vessel": "vessel",
           "Airplane": "aircraft"}
OPS = ("ADD", "MOD", "DEL")
_KEYS = {"id", "caption", "schema", "properties", "referents", "datasets", "first_seen",
         "last_seen", "last_change", "target"}
# A delta's name starts with the export run's timestamp, e.g. 20240527194702-wnk.
_RUN = re.compile(r"^(\d{14})-")


_TEXT = ("schema", "caption")
_STAMPS = ("first_seen", "last_seen", "last_change")
_LISTS = ("datasets", "referents")


def _loads(raw: bytes | str) -> tuple[object, str | None]:
    """(the JSON value, None) or (None, why it is not one)."""
    try:
        return json.loads(raw), None
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:  # not UTF-8, or an integer of more than 4,300 digits
        return None, f"malformed JSON: {' '.join(str(exc).split())[:200]}"


def _read_lines(data: bytes, name: str, settings: Settings):
    """(line, raw text, JSON value or None, why it is not one) for each non-blank line, or
    each item of a JSON array."""
    if data.lstrip()[:1] == b"[":  # a JSON array of entities instead of one a line
        cap = settings.max_json_bytes
        if len(data) > cap:
            raise SourceError(f"{name}: a JSON array of {len(data):,} bytes, over the {cap:,}-"
                              "byte cap for JSON parsed whole (PIVOTWATCH_MAX_JSON_BYTES); "
                              "give the export one entity a line")
        items, problem = _loads(data)
        if problem:
            raise SourceError(f"{name}: {problem}")
        if not isinstance(items, list):
            raise SourceError(f"{name}: not a JSON array of entities")
        for i, item in enumerate(items, 1):
            yield i, json.dumps(item)[:2000], item, None
        return
    cap = settings.max_line_bytes
    for i, line in enumerate(io.BytesIO(data), 1):
        if not line.strip():
            continue
        raw = line[:2000].decode("utf-8", "replace").rstrip("\r\n")
        if len(line) > cap:
            yield i, raw, None, (f"line of {len(line):,} bytes, over the {cap:,}-byte cap "
                                 "(PIVOTWATCH_MAX_LINE_BYTES)")
            continue
        yield i, raw, *_loads(line)


def _problem(entity: dict) -> str | None:
    """Why an entity's fields do not have FollowTheMoney's JSON types, or None."""
    if entity.get("id") in (None, ""):
        return "entity without an id"
    if not isinstance(entity["id"], str):
        return f"entity id {_show(entity['id'])} is not text"
    if not clean(entity["id"]):
        return "entity without an id"
    for key in _TEXT:
        if entity.get(key) is not None and not isinstance(entity[key], str):
            return f"{key} {_show(entity[key])} is not text"
    for key in _STAMPS:
        value = entity.get(key)
        if value is not None and not _is_stamp(value):
            return f"{key} {_show(value)} is not a timestamp"
    for key in _LISTS:
        if not _strings(entity.get(key)):
            return f"{key} {_show(entity[key])} is not a list of strings"
    if entity.get("target") is not None and not isinstance(entity["target"], bool):
        return f"target {_show(entity['target'])} is not true or false"
    props = entity.get("properties")
    if props is None:
        return None
    if not isinstance(props, dict):
        return f"properties {_show(props)} is not an object"
    for key, value in props.items():
        if not _strings(value):
            return f"property {key[:100]!r}: {_show(value)} is not a list of strings"
    return None


def _strings(value: object) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _is_stamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _show(value: object) -> str:
    """A short description of a JSON value for a reason: its type and its start."""
    text = json.dumps(value)
    return f"{text[:40]}{'...' if len(text) > 40 else ''}"


def _designation(entity: dict, line: int, raw: str, sanction: dict,
                 countries: Countries) -> Designation:
    props = entity.get("properties") or {}

    def values(key: str) -> list[str]:
        return props.get(key) or []

    names = unique(values("name"))
    name = clean(entity.get("caption")) or (names[0] if names else "")
    d = Designation(clean(entity["id"]), SCHEMAS[entity["schema"]], name, line, raw)
    d.aliases = [n for n in unique(names + values("alias")) if n != name]
    programmes = unique(values("program") + values("programId") + sanction.get("program", []))
    d.programmes = programmes or unique(entity.get("datasets") or [])
    dates = sorted(filter(None, (parse_day(v) for v in
                                 sanction.get("listingDate", []) + values("createdAt"))))
    d.listed_on = dates[0] if dates else None
    d.nationalities = countries.codes(values("nationality") + values("citizenship"))
    d.address_countries = countries.codes(values("country") + values("jurisdiction")
                                          + sanction.get("address", []))
    d.flag_countries = countries.codes(values("flag"))
    births = [c for place in values("birthPlace") for c in countries_in(place)]
    d.birth_countries = unique(countries.codes(values("birthCountry")) + births)
    d.remarks = "; ".join(unique(values("notes"))) or None
    d.remark_countries = countries_in(d.remarks)
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
        try:
            return datetime.strptime(run.group(1), "%Y%m%d%H%M%S")
        except ValueError as exc:
            raise SourceError(f"{name}: the name starts with {run.group(1)}, which is not the "
                              "run's timestamp (YYYYMMDDHHMMSS)") from exc
    key = "last_change" if delta else "last_seen"
    stamps = [e[key] for _, _, _, e in items if e.get(key)]
    if stamps:  # each checked by _problem
        stamp = datetime.fromisoformat(max(stamps))
        return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp
    if delta:
        raise SourceError(f"{name}: cannot tell when this delta was published: its name does "
                          "not start with the run's timestamp (YYYYMMDDHHMMSS-) and its "
                          "entities have no last_change")
    return None


def _entity(obj: object, delta: bool | None) -> tuple[bool, str | None, dict | None, str | None]:
    """(is a delta operation, op, entity, why it is rejected) of one JSON value."""
    if not isinstance(obj, dict):
        return bool(delta), None, None, "not a JSON object"
    is_op = "op" in obj
    if delta is not None and is_op != delta:
        return is_op, None, None, ("a delta operation among entities" if is_op
                                   else "an entity among delta operations")
    op, entity = (obj.get("op"), obj.get("entity")) if is_op else (None, obj)
    if is_op and op not in OPS:
        return is_op, None, None, f"unknown op {_show(op)} (ADD, MOD or DEL)"
    if not isinstance(entity, dict):
        return is_op, None, None, f"entity {_show(entity)} is not an object"
    return is_op, op, entity, _problem(entity)


def parse(data: bytes, name: str, settings: Settings) -> Parsed:
    """A parsed FtM export or delta (UTF-8 bytes): one designation per sanctioned party."""
    rejects: list[Reject] = []
    items: list[tuple[int, str, str | None, dict]] = []  # line, raw, op, entity
    delta = None
    keys: Counter[str] = Counter()
    rows_read = 0
    for line, raw, obj, problem in _read_lines(data, name, settings):
        rows_read += 1
        if problem is None:
            is_op, op, entity, problem = _entity(obj, delta)
        if problem is not None:
            rejects.append(Reject(line, problem, raw))
            continue
        delta = is_op if delta is None else delta
        keys.update(entity.keys())
        items.append((line, raw, op, entity))
    if delta is None:
        first = f" ({rejects[0].reason}, line {rejects[0].line})" if rejects else ""
        raise SourceError(f"{name}: no FollowTheMoney entity in the file{first}")
    countries, entries, skipped = Countries(), [], Counter()
    linked = _sanctions_by_entity(items)
    for line, raw, op, entity in items:
        if op == "DEL":
            entries.append(Designation(clean(entity["id"]), None, None, line, raw,
                                       removed=True))
            continue
        schema = entity.get("schema")
        topics = (entity.get("properties") or {}).get("topics") or []
        if schema not in SCHEMAS:
            skipped[f"{clean(str(schema))[:60]} entities (not a designated party)"] += 1
        elif entity.get("target") is False or (
                topics and not any(t.startswith("sanction") for t in topics)):
            skipped[f"{schema} entities that are not sanctions targets"] += 1
        else:
            try:
                entries.append(_designation(entity, line, raw, linked.get(entity["id"], {}),
                                            countries))
            except ValueError as exc:
                rejects.append(Reject(line, f"entity {entity['id'][:100]!r}: {exc}", raw))
    notes = [f"skipped {n} {what}" for what, n in sorted(skipped.items())]
    notes += [*countries.note(), *unknown_fields(keys, _KEYS, "entity keys")]
    layout = "opensanctions-ftm-delta" if delta else "opensanctions-ftm"
    return build(LIST, layout, _published(name, items, delta), entries, rejects, notes,
                 rows_read=rows_read, delta=delta, name=name)
