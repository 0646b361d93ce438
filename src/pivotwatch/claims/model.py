"""The records claim extraction produces: units of text and what each one asserts.

Offsets (``start``, ``end``) are character positions in the document text as given, so a
checker can quote or highlight the exact span. Every record is frozen and hashable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a unit of a document is."""

    SENTENCE = "sentence"
    BULLET = "bullet"
    TABLE_ROW = "table_row"


class Modality(StrEnum):
    """How a claim is put: as fact, hedged, as a forecast or as advice."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    FORECAST = "forecast"
    RECOMMENDATION = "recommendation"


class Reason(StrEnum):
    """Why a unit is not checkable."""

    OPINION = "opinion"
    RHETORICAL_QUESTION = "rhetorical question"
    RECOMMENDATION = "recommendation"
    NO_CHECKABLE_CONTENT = "no checkable content"
    TOO_SHORT = "too short"


class Bound(StrEnum):
    """How a figure is qualified: "about 3,000" is approximate, "more than 40" a lower bound."""

    EXACT = "exact"
    APPROX = "approx"
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True)
class Unit:
    """A checkable unit before analysis: a sentence, a bullet item or a table row.

    ``subject`` is the first cell of a table row (what the row is about), else None.
    """

    kind: Kind
    start: int
    end: int
    subject: str | None = None
    block: int = 0  # index of the paragraph, list or table the unit belongs to


@dataclass(frozen=True)
class Quantity:
    """A figure normalised to a number: "$1.5 billion" -> 1.5e9 usd.

    ``high`` is the upper end of a range ("11,000-12,000"); ``per`` the period of a rate
    ("a year" -> "year"); ``topic`` what the figure measures (trade_volume, fuel_deliveries...).
    """

    raw: str
    value: float
    unit: str
    per: str | None
    start: int
    end: int
    topic: str | None = None
    bound: Bound = Bound.EXACT
    high: float | None = None


@dataclass(frozen=True)
class TimeRef:
    """A time reference resolved to a span of days; open ends ("since 2022") are None
    when the document date is unknown. ``precision``: day, month, quarter, part_year, year,
    years (a range of years) or relative (unresolved "last year")."""

    raw: str
    start: date | None
    end: date | None
    precision: str
    begin: int = 0  # character offsets of ``raw`` in the document
    finish: int = 0


@dataclass(frozen=True)
class OrgMention:
    """An organisation named in the text, resolved against the reference organisations.

    ``matched_as``: canonical, acronym, alias, variant (the same words up to spelling or a
    plural), wrong_name (a near miss of a canonical name or alias, such as "Shanghai Security
    Organisation") or unresolved (an organisation-like name that is in no reference row, in which
    case ``canonical`` is None).
    """

    raw: str
    canonical: str | None
    acronym: str | None
    matched_as: str
    members: tuple[str, ...] = ()
    observers: tuple[str, ...] = ()
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Claim:
    """One unit of a document and what it asserts, ready to be checked.

    ``actors`` are ISO3 codes in order of first mention; when the unit names none, those of the
    nearest earlier unit of its block (or the document's two most named) are used and
    ``actors_inferred`` is True. ``checkable`` is False with a ``reason`` for opinion, rhetoric,
    advice and units with nothing to check. A table row's ``context`` is its header row and the
    section heading above the table.
    """

    doc_id: str
    index: int
    kind: Kind
    text: str
    start: int
    end: int
    actors: tuple[str, ...]
    dimensions: tuple[str, ...]
    topic: str | None
    quantities: tuple[Quantity, ...]
    times: tuple[TimeRef, ...]
    modality: Modality
    organisations: tuple[OrgMention, ...]
    checkable: bool
    reason: Reason | None = None
    subject: str | None = None
    actors_inferred: bool = False
    # A table row's header row and the section heading above its table: what its bare
    # cells are about ("| 2014 | $10.2 million |" under "## North Korean imports from Russia")
    context: str | None = None


def maker(cls: type) -> Callable[..., Any]:
    """A constructor of the frozen record ``cls`` from all its field values, in field order.

    The dataclass ``__init__`` of a frozen record sets each field through
    ``object.__setattr__``, which costs more than the rest of building a claim; extraction
    builds hundreds of records a document, so it fills the instance dictionary at once. The
    record is the same: equality, hashing, ``repr`` and ``dataclasses.replace`` work on it.
    """
    names = tuple(f.name for f in fields(cls))
    new = object.__new__

    def make(*values: Any) -> Any:
        record = new(cls)
        record.__dict__.update(zip(names, values, strict=True))
        return record

    return make


new_unit = maker(Unit)
new_quantity = maker(Quantity)
new_time = maker(TimeRef)
new_org = maker(OrgMention)
new_claim = maker(Claim)
