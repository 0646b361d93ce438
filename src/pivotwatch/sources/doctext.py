"""Text for claim extraction from plain text, Markdown and HTML: one block per line.

The claims stage splits sentences, bullets and table rows, so this module keeps those apart:
each paragraph (its hard wraps joined) is one line, each list item a line starting with "- ",
each table row one line "| cell | cell |". Markup is dropped, never echoed: HTML is parsed
(nothing in it runs) and script, style and other non-text elements are removed with their
content; raw HTML inside Markdown is stripped the same way.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

import lxml.html
from lxml import etree

# -- lines -----------------------------------------------------------------------------------

# C0/C1 controls (but tab and newline) and bidi overrides: never useful in a claim, and
# dangerous when a title or line is printed to a terminal.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_line(text: str) -> str:
    return " ".join(_CONTROLS.sub(" ", text).split())


def _kind(line: str) -> str:
    return "row" if line.startswith("|") else "item" if line.startswith("- ") else "para"


def normalise(lines: list[str]) -> str:
    """NFC, whitespace collapsed per line, one blank line between blocks: the text a document is
    keyed by. The rows of a table and the items of a list stay on adjacent lines; every other
    line is a block of its own, so claim extraction never reads a paragraph as the continuation
    of the list item or paragraph before it."""
    kept = [line for line in (clean_line(unicodedata.normalize("NFC", raw)) for raw in lines)
            if line]
    out: list[str] = []
    for prev, line in zip([None, *kept], kept, strict=False):
        if prev is not None and (_kind(line) == "para" or _kind(line) != _kind(prev)):
            out.append("")
        elif _SEPARATOR.match(line) and len(out) >= 2 and out[-2].startswith("|"):
            out.insert(len(out) - 1, "")  # a header row after rows: a new table begins
        out.append(line)
    return "\n".join(out)


def plain(text: str) -> str:
    """Text that may hold tags or entities (a title, a feed field) as one plain line."""
    return clean_line(html.unescape(_tags_to_space(text)))


def table_row(cells: list[str]) -> str:
    # A pipe inside a cell is escaped so that " | " always separates cells.
    return "| " + " | ".join(clean_line(c).replace("|", "\\|") for c in cells) + " |"


def header_rule(row: str) -> str:
    """The separator written under a header row, so claim extraction knows the first row says
    what the columns hold ("Year | Trade (USD)") and is not itself a claim."""
    return "|" + " --- |" * (row.count(" | ") + 1)


# -- plain text and Markdown -----------------------------------------------------------------

_BULLET = re.compile(r"^(\s*)(?:[-*+\u2022]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_HEADING = re.compile(r"#{1,6}\s+")  # then the text, less closing #s: see _heading
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# a link target may hold balanced parentheses: [x](javascript:alert('1')) is one link
_TARGET = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)"
_IMAGE = re.compile(r"!\[([^\]]*)\]" + _TARGET)
_LINK = re.compile(r"\[([^\]]+)\]" + _TARGET + r"|\[([^\]]+)\]\[[^\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|~~)(?=\S)(.+?)(?<=\S)\1")  # what _emphasis does
# Possessive, and only from the first backtick of a run: a run with no closing backtick after
# it fails once, not once per backtick (a run of 5 MiB of backticks took hours).
_CODE = re.compile(r"(?<!`)`++([^`]+)`+")
_BLOCK_NAMES = ("script", "style", "noscript", "template", "iframe")
# what _drop_html_blocks does:
_HTML_BLOCK = re.compile(r"<(script|style|noscript|template|iframe)\b.*?</\1\s*>",
                         re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--.*?-->", re.DOTALL)


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in _PIPE_SPLIT.split(body)]


def _inline(text: str) -> str:
    """Markdown inline markup reduced to its text.

    Linear in the text, whatever it holds: a paragraph is one line, and a regular expression
    tried at every opener (`*`, `[`, `<`) that has no closer runs to the end of the line each
    time (`'*a ' * N` took minutes for 300 KB). So each step gives the same result as a plain
    `.sub()` of its pattern but tries the pattern only where it can match.
    """
    text = _bracketed(_IMAGE, "![", text, lambda m: m.group(1))
    text = _bracketed(_LINK, "[", text, lambda m: m.group(1) or m.group(2))
    text = _CODE.sub(lambda m: m.group(1), text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _emphasis(text)
    return html.unescape(_tags_to_space(text))


def _bracketed(pattern: re.Pattern, opener: str, text: str, repl) -> str:
    """`pattern.sub(repl, text)` for a pattern that starts `opener` and a label up to the
    first `]`: every opener before that `]` reads the same rest of the line, so when the
    first one fails to match the others are skipped."""
    out, pos = [], 0
    at = text.find(opener)
    while at != -1:
        match = pattern.match(text, at)
        if match:
            out += [text[pos:at], repl(match)]
            pos = match.end()
            at = text.find(opener, pos)
            continue
        close = text.find("]", at + len(opener))
        if close == -1:
            break
        at = text.find(opener, close)
    out.append(text[pos:])
    return "".join(out)


class _Closers:
    """The first closing delimiter (one preceded by a non-space) at or after a position, for
    positions asked in increasing order: each stretch of the text is searched once."""

    def __init__(self, text: str, delimiter: str) -> None:
        self.text, self.delimiter = text, delimiter
        self.start, self.found = 0, -2  # the first closer at or after `start` is `found`

    def after(self, start: int) -> int:
        if self.start <= start <= self.found or (self.found == -1 and start >= self.start):
            return self.found
        at = self.text.find(self.delimiter, start)
        while at != -1 and self.text[at - 1].isspace():
            at = self.text.find(self.delimiter, at + 1)
        self.start, self.found = start, at
        return at


def _emphasis(text: str) -> str:
    """`_EMPHASIS.sub(lambda m: m.group(2), text)`, found without a regular expression that
    searches from every delimiter to the end of the line. No match spans a line break."""
    return "\n".join(_emphasis_line(line) for line in text.split("\n"))


def _emphasis_line(text: str) -> str:
    # Each step either matches or finds that one delimiter has no closer left (it is then no
    # longer searched for), so the line is read a bounded number of times.
    order = ("**", "__", "*", "~~")  # the pattern's alternatives, in its order
    closers = {d: _Closers(text, d) for d in order}
    live = list(order)
    out, pos, at = [], 0, 0
    while live:
        match = _openers(tuple(live)).search(text, at)
        if match is None:
            break
        at = match.start()
        for delim in list(live):
            inner = at + len(delim)
            if not text.startswith(delim, at) or inner >= len(text) or text[inner].isspace():
                continue
            end = closers[delim].after(inner + 1)  # .+? : one character at least
            if end == -1:
                live.remove(delim)  # no closer after here: it cannot match from now on
                continue
            out += [text[pos:at], text[inner:end]]
            pos = at = end + len(delim)
            break
        # else a delimiter was dropped: search again from `at` for the others
    out.append(text[pos:])
    return "".join(out)


@functools.cache
def _openers(delimiters: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(d) + r"(?=\S)" for d in delimiters))


def _drop_html_blocks(text: str) -> str:
    """`_HTML_BLOCK.sub(" ", text)`, searching for each element's end tag once: an element
    with none left after it is no longer looked for (`'<script ' * N` searched to the end of
    the text from every opener)."""
    live = list(_BLOCK_NAMES)
    out, pos, at = [], 0, 0
    while live and (opener := _block_openers(tuple(live)).search(text, at)) is not None:
        name = opener.group(1).lower()
        close = _block_end(name).search(text, opener.end())
        if close is None:
            live.remove(name)  # no end tag after here, so none after any later opener
            at = opener.start()
            continue
        out += [text[pos:opener.start()], " "]
        pos = at = close.end()
    out.append(text[pos:])
    return "".join(out)


@functools.cache
def _block_openers(names: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"<(" + "|".join(names) + r")\b", re.IGNORECASE)


@functools.cache
def _block_end(name: str) -> re.Pattern:
    return re.compile(r"</" + name + r"\s*>", re.IGNORECASE)


def _tags_to_space(text: str) -> str:
    """`_HTML_TAG.sub(" ", text)`, not tried after the last `>`, where no tag or comment can
    end (an opener there would search to the end of the text)."""
    end = text.rfind(">") + 1
    return _HTML_TAG.sub(" ", text[:end]) + text[end:]


def text_lines(text: str, *, markdown: bool) -> tuple[list[str], str | None]:
    """Lines of a plain-text or Markdown document, and its first heading (Markdown)."""
    if markdown:
        text = _drop_html_blocks(text)
    raw = text.split("\n")
    lines: list[str] = []
    paragraph: list[str] = []
    heading: str | None = None
    in_table = in_fence = False
    fix = _inline if markdown else (lambda s: s)

    def flush() -> None:
        if paragraph:
            lines.append(fix(" ".join(paragraph)))
            paragraph.clear()

    for i, line in enumerate(raw):
        stripped = line.strip()
        if markdown and _FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:  # code: kept line by line, never joined
            lines.append(line)
            continue
        if not stripped:
            flush()
            in_table = False
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if "|" in stripped and (stripped.startswith("|") or in_table or _SEPARATOR.match(nxt)):
            flush()
            if not _SEPARATOR.match(stripped):
                lines.append(table_row([fix(c) for c in _cells(stripped)]))
            elif in_table and lines and lines[-1].startswith("|"):
                lines.append(header_rule(lines[-1]))  # the row above is the header
            in_table = True
            continue
        in_table = False
        bullet = _BULLET.match(line)
        if bullet and not (markdown and _RULE.match(line)):
            flush()
            lines.append("- " + fix(bullet.group(2)))
            continue
        if markdown:
            if _RULE.match(line) or (_SETEXT.match(line) and not paragraph):
                flush()
                continue
            if _SETEXT.match(line):  # the paragraph above was a heading
                heading = heading or fix(" ".join(paragraph))
                flush()
                continue
            title = _heading(stripped)
            if title is not None:
                flush()
                lines.append(fix(title))
                heading = heading or clean_line(lines[-1])
                continue
            stripped = stripped.lstrip(">").strip() if stripped.startswith(">") else stripped
        if lines and lines[-1].startswith("- ") and not paragraph and line[:1].isspace():
            lines[-1] += " " + fix(stripped)  # a wrapped list item continues
            continue
        paragraph.append(stripped)
    flush()
    return lines, heading


def _heading(line: str) -> str | None:
    r"""The text of an ATX heading (`## Title ##`), or None if `line` is none: what
    `^#{1,6}\s+(.*?)\s*#*\s*$` captures, without trying every split of the line's end
    (cubic in a long run of spaces)."""
    match = _HEADING.match(line)
    return line[match.end():].rstrip().rstrip("#").rstrip() if match else None


# -- HTML ------------------------------------------------------------------------------------

# Removed with everything inside them: nothing here is text a reader sees.
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
         "canvas", "math", "head", "select", "button", "input", "textarea", "form", "dialog")
# Page furniture, dropped when the text comes from the whole body.
_FURNITURE = ("nav", "header", "footer", "aside", "menu")
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "figure",
           "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "dl", "address",
           "details", "summary", "caption", "hr", "body", "center", "fieldset", "legend"}


_BREAK = "\u2028"  # a <br>: a line break that source newlines (mere whitespace) are not


class _Lines:
    """Walks an HTML tree, writing one line per block, list item and table row."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        for part in "".join(self.buffer).split(_BREAK):
            text = clean_line(part)
            if text:
                self.lines.append(text)
        self.buffer = []

    def text_of(self, el) -> str:
        """All text under `el` (tables and lists in it flattened), as one line."""
        sub = _Lines()
        sub.walk(el, inline_only=True)
        sub.flush()
        return " ".join(sub.lines)

    def walk(self, el, inline_only: bool = False) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "br":
            self.buffer.append(" " if inline_only else _BREAK)
        elif tag in ("ul", "ol") and not inline_only:
            self.flush()
            self._list(el)
        elif tag == "table" and not inline_only:
            self.flush()
            first = True
            for row in el.iter("tr"):
                if row.getparent() is not None and _nearest_table(row) is el:
                    tags = [c.tag.lower() for c in row if isinstance(c.tag, str)
                            and c.tag.lower() in ("td", "th")]
                    cells = [self.text_of(c) for c in row if isinstance(c.tag, str)
                             and c.tag.lower() in ("td", "th")]
                    if any(cells):
                        self.lines.append(table_row(cells))
                        if first and set(tags) == {"th"}:  # a header row of <th> cells
                            self.lines.append(header_rule(self.lines[-1]))
                        first = False
        else:
            block = tag in _BLOCKS or tag == "li"
            if block:
                self.buffer.append(" ") if inline_only else self.flush()
            if el.text and tag:
                self.buffer.append(el.text)
            for child in el:
                self.walk(child, inline_only)
                if child.tail:
                    self.buffer.append(child.tail)
            if block:
                self.buffer.append(" ") if inline_only else self.flush()

    def _list(self, el) -> None:
        for item in el:
            if not isinstance(item.tag, str) or item.tag.lower() != "li":
                continue
            nested = [c for c in item if isinstance(c.tag, str) and c.tag.lower() in ("ul", "ol")]
            for sub in nested:
                item.remove(sub)
            text = self.text_of(item)
            if text:
                self.lines.append("- " + text)
            for sub in nested:  # nested items are items too, one level flattened
                self._list(sub)


def _nearest_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


# libxml2 stops reading at this depth and keeps what it read so far; real pages nest a few
# dozen levels.
MAX_HTML_DEPTH = 256


class TooComplex(ValueError):
    """HTML nested deeper than libxml2 reads (its text past that point would be lost), or with
    more tags than a page is read with in bounded memory."""


# lxml's tree costs about 1.5 KB a tag: 655,000 tags in a 5 MB page peaked at 1.26 GB. A
# long article has a few thousand tags; a page of more is not read.
MAX_HTML_TAGS = 250_000


def parse_html(text: str):
    """An lxml tree of `text` (never fetched from, never run); None when nothing parses.

    TooComplex if the markup nests deeper than MAX_HTML_DEPTH levels or has more than
    MAX_HTML_TAGS tags (counted before parsing)."""
    tags = text.count("<")
    if tags > MAX_HTML_TAGS:
        raise TooComplex(f"HTML with {tags:,} tags, more than the {MAX_HTML_TAGS:,} a page is "
                         "read with")
    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        tree = None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message.lower()
           for e in parser.error_log):
        raise TooComplex(f"HTML nested deeper than {MAX_HTML_DEPTH} levels")
    return tree


def _strip(tree, furniture: bool) -> None:
    for el in list(tree.iter(etree.Comment, etree.ProcessingInstruction)):
        el.drop_tree()
    doomed = [el for el in tree.iter() if isinstance(el.tag, str) and (
        el.tag.lower() in _DROP or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or (furniture and (el.tag.lower() in _FURNITURE
                           or el.get("role", "").lower() in _FURNITURE_ROLES)))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _main_region(tree):
    """The page's marked main content (<main>, role=main, or its longest <article>), or None."""
    for candidate in tree.xpath("//main | //*[@role='main']"):
        return candidate
    articles = tree.xpath("//article")
    return max(articles, key=lambda a: len(a.text_content())) if articles else None


def _structure(lines: list[str]) -> int:
    return sum(1 for line in lines if line.startswith(("- ", "| ")))


TRAFILATURA_MAX_BLOCKS = 2_000


def _trafilatura_lines(text: str) -> list[str]:
    """Trafilatura's main text, as lines: its txt output writes a block a line, list items
    as "- " lines and table rows as pipe rows (with a separator row under the header).
    Trafilatura (with its URL and date libraries) is imported here, by the HTML path only:
    it costs ~0.2 s, which a text or Markdown document never needs."""
    import trafilatura

    out = trafilatura.extract(text, include_tables=True, include_formatting=False,
                              include_links=False, include_comments=False, include_images=False)
    lines = []
    for line in (out or "").split("\n"):
        if line.strip().startswith("|"):
            if not _SEPARATOR.match(line.strip()):
                lines.append(table_row(_cells(line)))
            elif lines and lines[-1].startswith("|"):
                lines.append(header_rule(lines[-1]))
        elif line.strip():
            lines.append(line)
    return lines


def html_lines(text: str, tree=None, *, main_text: bool = True) -> list[str]:
    """The main text of an HTML page as lines.

    A page that marks its main content (<main>, <article>) is read from there. Otherwise
    trafilatura picks the main text, unless its result loses list items or table rows that
    the body has (it does on short pages); then the whole body is read, less nav, header,
    footer and aside. `main_text=False` (a feed item's content) reads it all.
    """
    tree = tree if tree is not None else parse_html(text)
    if tree is None:
        return []
    _strip(tree, furniture=False)
    for pre in tree.iter("pre"):  # preformatted text keeps its line breaks
        for node in pre.iter():
            if node.text:
                node.text = node.text.replace("\n", _BREAK)
            if node is not pre and node.tail:
                node.tail = node.tail.replace("\n", _BREAK)
    region = _main_region(tree)
    walker = _Lines()
    if region is not None:
        walker.walk(region)
        walker.flush()
        if walker.lines:
            return walker.lines
    _strip(tree, furniture=True)
    body = tree.find("body") if tree.find("body") is not None else tree
    walker = _Lines()
    walker.walk(body)
    walker.flush()
    # Trafilatura's fallback (jusText) takes time quadratic in the blocks: 8,000 short blocks
    # took 7 s and a 5 MiB page of them over ten minutes. An article has a few hundred; a page
    # of more is read whole.
    picked = (_trafilatura_lines(etree.tostring(tree, encoding="unicode"))
              if main_text and len(walker.lines) <= TRAFILATURA_MAX_BLOCKS else [])
    if picked and _structure(picked) >= _structure(walker.lines):
        return picked
    return walker.lines


def html_title(tree) -> str | None:
    """<title>, else the first <h1>."""
    for path in ("//title", "//h1"):
        for el in tree.xpath(path):
            title = clean_line(el.text_content())
            if title:
                return title
    return None


def html_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag within its first 4 KB."""
    head = data[:4096].decode("ascii", errors="replace")
    match = re.search(r"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", head,
                      re.IGNORECASE)
    return match.group(1) if match else None
