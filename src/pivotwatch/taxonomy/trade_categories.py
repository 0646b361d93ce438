"""HS chapters to the trade categories analysts use, read from data/trade_categories.csv.

The table must cover chapters 1 to 99 exactly once, so every HS code gets one category; a
code of another shape (services, a Comtrade aggregate other than TOTAL) gets none.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib.resources import files

TOTAL = "TOTAL"  # Comtrade's "all commodities" code
TOTAL_CATEGORY = "total"
_HS = re.compile(r"^\d{2}(\d{2}){0,2}$")


@cache
def _ranges() -> tuple[tuple[int, int, str, str], ...]:
    text = (files("pivotwatch") / "data" / "trade_categories.csv").read_text("utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append((int(row["first_chapter"]), int(row["last_chapter"]),
                     row["category"].strip(), row["label"].strip()))
    covered = sorted(c for first, last, _, _ in rows for c in range(first, last + 1))
    if covered != list(range(1, 100)):  # a broken table would file codes silently as nothing
        raise ValueError("data/trade_categories.csv must cover HS chapters 1-99 exactly once")
    return tuple(rows)


def categories() -> dict[str, str]:
    """Category name -> label, in the table's order ('other' last)."""
    found = {name: label for _, _, name, label in _ranges() if name != "other"}
    return found | {"other": "other"}


def category_of(hs_code: str) -> str | None:
    """The category of a 2-, 4- or 6-digit HS code, 'total' for TOTAL, None for anything else."""
    code = hs_code.strip().upper()
    if code == TOTAL:
        return TOTAL_CATEGORY
    if not _HS.match(code):
        return None
    chapter = int(code[:2])
    for first, last, name, _ in _ranges():
        if first <= chapter <= last:
            return name
    return None  # chapter 00
