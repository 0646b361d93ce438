"""Parsers for the CAMEO and GDELT lookup tables (tab-separated, one header row).

The copies of these tables that circulate differ in small ways, and every parser here accepts
all of them:

* LF or CRLF line ends, with or without a newline after the last line, with or without a BOM;
* text encoded twice as UTF-8 (``Ã’hirdÃ“``), which is decoded back once;
* the upstream garble of code 044, ``Meet at a ÒhirdÓlocation`` (Mac-Roman quotes read as
  Latin-1, the "t" and a space lost), which is repaired to ``Meet at a "third" location``;
* in the event-code table, a line with a second code merged into its description
  (``1056<TAB>Demand de-escalation ...engagement106:[-5.0] Demand withdrawal``), which is split
  back into its two codes, and QuadClass lines (``1<TAB>Verbal Cooperation``), which are skipped.

Codes stay strings, so ``'01'``, ``'010'`` and ``'0874'`` keep their leading zeros. Descriptions
lose surrounding spaces (some copies keep trailing spaces, others strip them). A code listed twice
with different labels (the ethnic table has ``bod`` for both Bodo and Tibetan) gets its labels
joined with ``"; "``.
"""

from __future__ import annotations

import re

from pivotwatch.errors import SourceError

# Known damage in circulating copies -> the intended text.
_REPAIRS = {"ÒhirdÓ": '"third" '}
_EVENT_CODE = re.compile(r"\d{2,4}")
_QUAD_CLASS = re.compile(r"\d")
# A second code merged into a description: "<text><code>:[<goldstein>] <description>".
_MERGED = re.compile(r"(?P<head>.*?)\s*(?P<code>\d{2,4}):\[[-+]?\d+(?:\.\d+)?\]\s*(?P<tail>.*)")


def decode(data: bytes) -> str:
    """Bytes of a lookup file -> text, undoing a double UTF-8 encoding line by line.

    Bytes that are not UTF-8 are read as Latin-1, which is how the 044 garble arises.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return "\n".join(_undo_double_utf8(line) for line in text.splitlines())


def _undo_double_utf8(line: str) -> str:
    """'Ã’' -> 'Ò' when the line is UTF-8 that was read as cp1252 (or Latin-1) and encoded again.

    A line that is not such mojibake fails the round trip and is kept as it is.
    """
    if line.isascii():
        return line
    for misread_as in ("cp1252", "latin-1"):
        try:
            return line.encode(misread_as).decode("utf-8")
        except UnicodeError:
            continue
    return line


def _repair(label: str) -> str:
    for garbled, intended in _REPAIRS.items():
        label = label.replace(garbled, intended)
    return label.strip()


def _rows(text: str, name: str) -> list[tuple[int, str, str]]:
    """(line number, code, label) for each data line; the header and blank lines are dropped."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or lineno == 1:
            continue
        code, sep, label = line.partition("\t")
        if not sep or not code.strip():
            raise SourceError(f"{name}, line {lineno}: expected '<code><TAB><label>'")
        rows.append((lineno, code.strip(), _repair(label)))
    return rows


def _add(table: dict[str, str], code: str, label: str) -> None:
    known = table.get(code)
    if known is None:
        table[code] = label
    elif label not in known.split("; "):
        table[code] = f"{known}; {label}"


def parse_labels(text: str, name: str = "lookup") -> dict[str, str]:
    """A CODE<TAB>LABEL table (countries, actor types, known groups, ethnic, religion)."""
    table: dict[str, str] = {}
    for _, code, label in _rows(text, name):
        _add(table, code, label)
    return table


def parse_event_codes(text: str, name: str = "CAMEO.eventcodes.txt") -> dict[str, str]:
    """The CAMEO event-code table -> {code: description}, in file order."""
    table: dict[str, str] = {}
    for lineno, code, label in _rows(text, name):
        if _QUAD_CLASS.fullmatch(code):
            continue
        if not _EVENT_CODE.fullmatch(code):
            raise SourceError(f"{name}, line {lineno}: {code!r} is not a CAMEO event code")
        while merged := _MERGED.fullmatch(label):
            _add(table, code, merged["head"])
            code, label = merged["code"], merged["tail"]
        _add(table, code, label)
    return table


def parse_goldstein(text: str, name: str = "CAMEO.goldsteinscale.txt") -> dict[str, float]:
    """The Goldstein-scale table -> {event code: score from -10 to +10}."""
    table: dict[str, float] = {}
    for lineno, code, value in _rows(text, name):
        try:
            score = float(value)
        except ValueError:
            raise SourceError(f"{name}, line {lineno}: {value!r} is not a number") from None
        if not _EVENT_CODE.fullmatch(code) or not -10 <= score <= 10:
            raise SourceError(f"{name}, line {lineno}: bad row {code!r} -> {value!r}")
        if table.setdefault(code, score) != score:
            raise SourceError(f"{name}, line {lineno}: code {code} listed twice, differently")
    return table
