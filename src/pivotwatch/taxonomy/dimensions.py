"""The dimension map: CAMEO event codes and code prefixes -> dimensions of a relationship.

The map is a CSV file (``cameo_prefix,dimensions,note``, ``#`` comment lines allowed) in which
the row with the longest prefix of an event code decides that code's dimensions. The packaged
default is ``pivotwatch/data/dimensions.csv``; a user file in the same layout replaces it whole.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pivotwatch.errors import UsageError

DIMENSIONS = ("economic", "energy", "military", "political", "security", "humanitarian")
HEADER = ("cameo_prefix", "dimensions", "note")
_PREFIX = re.compile(r"\d{2,4}")


@dataclass(frozen=True)
class DimensionMap:
    """A parsed dimension map: ``rows`` maps each listed prefix to its dimensions."""

    source: str
    rows: Mapping[str, tuple[str, ...]]

    def dimensions_for(self, event_code: str) -> tuple[str, ...]:
        """The dimensions of the longest listed prefix of ``event_code``; () when none matches."""
        for length in range(len(event_code), 1, -1):
            dims = self.rows.get(event_code[:length])
            if dims is not None:
                return dims
        return ()


class _Fault(Exception):
    """A fault in one line of a map; the caller adds the file name and line number."""


def parse_dimension_map(text: str, source: str, known_codes: Collection[str]) -> DimensionMap:
    """Parse and validate a dimension-map CSV; any fault raises a one-line UsageError.

    ``source`` names the file in messages; every prefix must be a code in ``known_codes``.
    """
    rows: dict[str, tuple[str, ...]] = {}
    first_seen: dict[str, int] = {}
    header: tuple[str, ...] = ()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = tuple(f.strip() for f in next(csv.reader([line])))
        try:
            if not header:
                header = _header(fields)
                continue
            prefix, dims = _row(fields, len(header), known_codes)
            if prefix in rows:
                raise _Fault(f"prefix {prefix!r} is listed twice (first on line "
                             f"{first_seen[prefix]})")
        except _Fault as fault:
            raise UsageError(f"dimension map {source}, line {lineno}: {fault}") from None
        rows[prefix] = dims
        first_seen[prefix] = lineno
    if not rows:
        raise UsageError(f"dimension map {source}: no rows (expected a header and prefix rows)")
    return DimensionMap(source, rows)


def _header(fields: tuple[str, ...]) -> tuple[str, ...]:
    if fields not in (HEADER[:2], HEADER):
        raise _Fault(f"expected the header {','.join(HEADER)}, got {','.join(fields)!r}")
    return fields


def _row(fields: tuple[str, ...], width: int,
         known_codes: Collection[str]) -> tuple[str, tuple[str, ...]]:
    """One data row -> (prefix, dimensions in DIMENSIONS order); '' dimensions -> ()."""
    if not 2 <= len(fields) <= width:
        raise _Fault(f"expected {width} comma-separated fields, got {len(fields)}")
    prefix, field = fields[0], fields[1]
    if not _PREFIX.fullmatch(prefix):
        raise _Fault(f"malformed prefix {prefix!r}: write a CAMEO code of 2 to 4 digits")
    if prefix not in known_codes:
        raise _Fault(f"prefix {prefix!r} is not a CAMEO event code")
    names = {name.strip().lower() for name in field.split(";") if name.strip()}
    unknown = sorted(names.difference(DIMENSIONS))
    if unknown:
        raise _Fault(f"unknown dimension {unknown[0]!r} (choose from {', '.join(DIMENSIONS)})")
    return prefix, tuple(d for d in DIMENSIONS if d in names)
