"""Split a document into checkable units: sentences, bullet items and table rows.

Input is plain text as ``sources/documents.py`` produces it (tables flattened to lines
``| cell | cell |`` or ``cell | cell``, list items as lines starting ``- ``) or raw Markdown.
Headings, table header rows and separator rows are structure, not claims, and yield no unit.
Offsets are into the text as given.
"""

from __future__ import annotations

import re
from itertools import accumulate

from pivotwatch.claims.model import Kind, Unit, new_unit

# A unit as extraction handles it: the fields of :class:`Unit`, in order.
Span = tuple[Kind, int, int, str | None, int]

TITLE_WORDS = 10
_HEADING = re.compile(r"\s{0,3}#{1,6}\s")
_BULLET = re.compile(r"(\s*)(?:[-*+•]|\d{1,2}[.)])\s+")
_SEPARATOR_CELL = re.compile(r":?-{2,}:?")
_CELL = re.compile(r"[^|]+")
# A sentence ends at . ! ? or an ellipsis, perhaps followed by closing quotes or brackets,
# then white space and more text.
_END = re.compile(r"(\.{3}|…|[.!?])[\"'”’)\]*]*(?=\s+\S)")
# Words whose trailing full stop is not the end of a sentence.
ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "gov",
    "sen", "rep", "st", "mt", "ft", "no", "nos", "vs", "v", "approx", "est", "ca", "cf", "etc",
    "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "fig", "inc", "ltd", "corp", "co", "dept", "min", "max", "avg", "pres", "amb",
))
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")
# Header cells of a table whose separator row was dropped when it was flattened.
HEADER_WORDS = frozenset((
    "aspect", "details", "detail", "indicator", "indicators", "value", "values", "figure",
    "figures", "dimension", "area", "item", "items", "category", "metric", "metrics", "source",
    "sources", "year", "years", "date", "dates", "event", "events", "description", "notes",
    "note", "status", "claim", "claims", "field", "topic", "country", "countries", "partner",
    "partners", "measure", "period", "amount", "key", "facts", "fact", "assessment", "comment",
    "comments", "type", "name", "estimate", "estimates",
))


def _cells(line: str, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each non-blank cell of a table line, stripped of spaces."""
    cells = []
    for m in _CELL.finditer(line.rstrip("\n")):
        raw = m.group()
        if raw.strip():
            lead = len(raw) - len(raw.lstrip())
            cells.append((offset + m.start() + lead, offset + m.start() + len(raw.rstrip())))
    return cells


def _is_table(line: str) -> bool:
    stripped = line.strip()
    return "|" in stripped and len([c for c in stripped.strip("|").split("|") if c.strip()]) >= 2


def _is_separator(line: str) -> bool:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return bool(cells) and all(_SEPARATOR_CELL.fullmatch(c) for c in cells if c) \
        and any(cells)


def _looks_like_header(text: str, cells: list[tuple[int, int]]) -> bool:
    for start, end in cells:
        cell = text[start:end]
        words = re.findall(r"[a-z]+", cell.lower())
        if any(ch.isdigit() for ch in cell) or not words or not set(words) <= HEADER_WORDS:
            return False
    return True


def _sentences(text: str, start: int, end: int, kind: Kind, block: int) -> list[Span]:
    pieces = []  # (start, end) of each sentence before trimming
    pos = start
    for m in _END.finditer(text, start, end):
        punct = m.group(1)
        if punct == ".":
            dot = m.start(1)
            space = max(text.rfind(" ", pos, dot), text.rfind("\n", pos, dot),
                        text.rfind("\t", pos, dot))
            word = text[max(space + 1, pos):dot].lstrip("(\"'“‘[*")
            if word.lower() in ABBREVIATIONS or (len(word) == 1 or "." in word) and (
                    _DOTTED.fullmatch(word + ".") or len(word) == 1 and word.isalpha()):
                continue
        elif punct in ("...", "…") and not text[m.end():end].lstrip()[:1].isupper():
            continue
        pieces.append((pos, m.end()))
        pos = m.end()
    pieces.append((pos, end))
    out = []
    for s, e in pieces:  # trim white space; drop pieces with no letters
        piece = text[s:e]
        stripped = piece.strip()
        if any(map(str.isalpha, stripped)):
            s += len(piece) - len(piece.lstrip())
            out.append((kind, s, s + len(stripped), None, block))
    return out


# A line ending in one of these words runs on into the next: it is wrapped, not a title.
_RUNS_ON_WORDS = """a an the and or but nor of in on at to by for from with as than that
which who whose whom into onto over under about after before between during since"""
_RUNS_ON = frozenset(_RUNS_ON_WORDS.split())


def _is_title(text: str, para: list[int], following: str = "") -> bool:
    """A single short line with no closing punctuation: a title, whether a blank line follows
    (Markdown) or the next paragraph starts on the next line (one paragraph per line). A line
    that ends in a word that runs on ("signed a treaty in") or is followed by a line starting
    in lower case ("... to track military" / "collaborations.") is prose wrapped at a fixed
    width, not a title."""
    chunk = text[para[0]:para[1]]
    if "\n" in chunk or len(chunk.split()) > TITLE_WORDS or chunk.rstrip()[-1:] in ".!?,;":
        return False
    if not following.strip():  # a line on its own (a blank line or the end after it)
        return True
    words = chunk.split()
    return not (words and words[-1].lower() in _RUNS_ON) and \
        not following.lstrip()[:1].islower()


def _ends_item(text: str, para: list[int], line: str) -> bool:
    """Whether an unindented line after a list item is a new paragraph rather than the item
    wrapped: the item ended a sentence and the line starts a new one (a list followed by
    prose with no blank line between them)."""
    return line[:1].isupper() and text[para[1] - 1:para[1]] in (".", "!", "?", ":")


def table_header(text: str, start: int) -> str | None:
    """The header row of the table holding the row that starts at ``start`` (its first line,
    when a separator row follows it), or None: a header such as "Year | Russia–North Korea
    trade (USD)" says what the bare figures of every row are about."""
    lines: list[str] = []
    pos = text.rfind("\n", 0, start) + 1  # the row's own line
    while pos > 0:
        begin = text.rfind("\n", 0, pos - 1) + 1
        line = text[begin:pos - 1]
        if not line.strip() or not (_is_table(line) or _is_separator(line)):
            break
        lines.append(line)
        pos = begin
    if len(lines) >= 2 and _is_separator(lines[-2]) and not _is_separator(lines[-1]):
        return lines[-1]
    return None


def split_units(text: str) -> list[Unit]:
    """The sentences, bullet items and table rows of ``text``, in order."""
    return [new_unit(*span) for span in unit_spans(text)]


def unit_spans(text: str) -> list[Span]:
    """:func:`split_units` as tuples, which extraction reads faster than records."""
    raw = text.split("\n")
    if not raw[-1]:
        raw.pop()  # text ending in a newline (or empty) has no line after it
    # (start offset, line text without its line break)
    lines = list(zip(accumulate([len(line) + 1 for line in raw], initial=0),
                     [line.rstrip("\r") for line in raw], strict=False))  # one offset more
    units: list[Span] = []
    block = 0
    para: list[int] = []  # [start, end] of the open paragraph or bullet
    para_kind = Kind.SENTENCE
    i = 0

    def close() -> None:
        nonlocal block
        if para and para_kind is Kind.SENTENCE and _is_title(text, para):
            para.clear()  # a title line, like a heading without its '#'
        if para:
            units.extend(_sentences(text, para[0], para[1], para_kind, block))
            block += 1
            para.clear()

    while i < len(lines):
        start, line = lines[i]
        if not line.strip() or _HEADING.match(line):
            close()
            i += 1
            continue
        if "|" in line and (_is_table(line) or _is_separator(line)):
            close()
            j = i
            while j < len(lines) and lines[j][1].strip() and \
                    (_is_table(lines[j][1]) or _is_separator(lines[j][1])):
                j += 1
            rows = [(s, ln) for s, ln in lines[i:j] if not _is_separator(ln)]
            has_sep = j > i + 1 and _is_separator(lines[i + 1][1])
            for n, (s, ln) in enumerate(rows):
                cells = _cells(ln, s)
                if n == 0 and (has_sep or len(rows) > 1 and _looks_like_header(text, cells)):
                    continue
                subject = text[cells[0][0]:cells[0][1]].strip("*_ ")
                units.append((Kind.TABLE_ROW, cells[0][0], cells[-1][1], subject, block))
            block += 1
            i = j
            continue
        bullet = _BULLET.match(line)
        if bullet:
            close()
            para[:] = [start + bullet.end(), start + len(line)]
            para_kind = Kind.BULLET
        elif para and not (para_kind is Kind.SENTENCE and _is_title(text, para, line)) and \
                not (para_kind is Kind.BULLET and _ends_item(text, para, line)):
            para[1] = start + len(line)  # a continuation line joins the paragraph or item
        else:
            if para and para_kind is Kind.BULLET:
                close()  # prose right after a list item
            para[:] = [start + len(line) - len(line.lstrip()), start + len(line)]
            para_kind = Kind.SENTENCE
        i += 1
    close()
    return units
