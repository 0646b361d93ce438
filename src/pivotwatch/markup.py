"""Text from strangers in what we write: which URLs become links, and how text is escaped.

Everything a briefing or a claims audit shows may come from a file or page written by someone
else: a GDELT SOURCEURL is whatever a crawler saw, a name is whatever a list says. HTML text is
escaped where it is written (Jinja's autoescape, ``html.escape``); these rules add what
escaping alone does not give:

- only an absolute ``http``/``https`` URL becomes a link (``http_url``); anything else
  (``javascript:``, ``data:``, ``//host``, a URL with a backslash or a line break) is shown as
  text;
- Markdown carries no raw HTML and no link or table syntax from data (``md_text``), and a link
  target is percent-encoded (``md_url``);
- a value shown inside SQL text for a reader to copy is one quoted literal (``sql_literal``);
- control characters and the bidirectional controls that reorder a line (U+202E and its kin)
  are written as visible escapes (``\\x1b``, ``\\u202e``) in every terminal line, HTML page
  and Markdown file (``visible``), so a value can never act on a terminal or reorder the text
  around it; HTML cells are also bidi-isolated;
- a very long value is cut for display in a table (``clip``: the first 300 characters and its
  length); the store keeps it whole;
- every JSON we write is strict JSON: a number that is not finite is ``null`` (``strict_json``).
- every HTML page we write starts with the same Content-Security-Policy (``CSP``): no script,
  no remote resource, even if something slipped through.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import quote, urlsplit

# no script, no fetch, no form, no <base>; inline styles and data: images only
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
MAX_URL_CHARS = 8192  # longer is not a link (and no reader follows it)
REL = "noopener noreferrer"
MAX_SHOWN_CHARS = 300  # a value in a table cell is cut here for display (``clip``)

# What a file or page may hold that a terminal would act on, that reorders a line, or that
# cannot be seen (so two names that look alike differ): C0 controls (ESC, CR, BS, NUL, ...),
# DEL, C1 controls, the bidirectional marks, embeddings, overrides and isolates, and the
# invisible format characters (soft hyphen, zero-width space and joiners, word joiner,
# invisible operators, BOM, Hangul fillers, interlinear annotations, tag characters). One
# rule for the terminal, HTML and Markdown. (Zero-width joiners also shape Persian text and
# emoji; shown as escapes, such text stays readable and can no longer hide a difference.)
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b-\u200f"
                    r"\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0"
                    r"\ufff9-\ufffb\U000e0000-\U000e007f]")

# what may not appear inside a link: controls, any whitespace, a backslash (browsers read it
# as '/', so "http:\\evil" is not what it seems), a bidi control (it would show the URL
# reordered)
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\\\s\u061c\u200e\u200f\u202a-\u202e"
                         r"\u2066-\u2069]")
_SCHEME = re.compile(r"(?i)^(https?)://")
_MD = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|", "`": "\\`", "&": "&amp;",
                     "<": "&lt;", ">": "&gt;"})


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: object, *, keep: str = "") -> str:
    """Text with every control character and bidi control written as a visible escape (ESC as
    ``\\x1b``, U+202E as ``\\u202e``), except the characters in `keep` (HTML keeps tab and
    newline, which it shows as space)."""
    text = str(text)
    if keep:
        return UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escaped(m), text)
    return UNSAFE.sub(_escaped, text)


def printable(text: str, width: int = 40) -> str:
    """Text from a file or server fit for a one-line message: every character that is not
    printable (controls, format and separator characters) escaped, cut to `width`."""
    if len(text) > width:
        text = text[:width - 1] + "\u2026"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def clip(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """A value cut for display: its first `limit` characters and its length when longer
    ("NNN… (100,000 characters)"); shorter text as it is."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def finite(value: object) -> object:
    """`value` with every float that is not finite (NaN, ±inf) replaced by None, through
    dicts, lists and tuples: what JSON can hold."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


# raw in JSON text only inside strings (json.dumps escapes the C0 controls itself)
_JSON_RAW = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def strict_json(value: object, **kwargs) -> str:
    """``json.dumps`` that writes strict JSON (RFC 8259): NaN and ±inf become null, never the
    ``NaN``/``Infinity`` that ``JSON.parse`` refuses. DEL, C1 controls and bidi controls are
    written as ``\\uXXXX`` escapes even with ``ensure_ascii=False``: the same data for a
    parser, and a file that shows in an editor or terminal as it is."""
    text = json.dumps(finite(value), allow_nan=False, **kwargs)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def http_url(url: object) -> str | None:
    """The URL when it may become a link: an absolute http(s) URL with a host, after leading
    and trailing whitespace and control characters are stripped; otherwise None.

    The scheme is matched case-insensitively on the text itself, so entity or percent tricks
    (``&#106;avascript:``, ``%6Aavascript:``) and protocol-relative ``//host`` never match."""
    if not isinstance(url, str):
        return None
    url = url.strip("".join(map(chr, range(0x21))) + "\x7f")
    if not url or len(url) > MAX_URL_CHARS or _NOT_IN_URL.search(url) or UNSAFE.search(url):
        return None
    if not _SCHEME.match(url):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return url if host else None


def md_text(text: object) -> str:
    """Text for Markdown, in a table cell or a line: one line, no raw HTML (``<``, ``>`` and
    ``&`` as entities), no link, image, code or table syntax (``[``, ``]``, `````, ``|`` and
    ``\\`` escaped), and controls and bidi controls as visible escapes (``visible``)."""
    return visible(" ".join(str(text).split())).translate(_MD)


def md_url(url: str) -> str:
    """A URL safe inside a Markdown link target: spaces, pipes, parentheses, quotes and angle
    brackets percent-encoded."""
    return quote(url, safe="/:?#[]@!$&*+,;=%~-._")


def md_link(text: object, url: object) -> str:
    """``[text](url)`` when the URL is http(s); otherwise the text alone, escaped."""
    target = http_url(url)
    return f"[{md_text(text)}]({md_url(target)})" if target else md_text(text)


def md_code(text: object) -> str:
    """Text as one Markdown code span, fenced with more backticks than it holds."""
    text = visible(" ".join(str(text).split()))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") \
        else f"{fence}{text}{fence}"


def sql_literal(value: object) -> str:
    """A value as one SQL string literal ('' doubled) for SQL text shown to a reader."""
    return "'" + str(value).replace("'", "''") + "'"


def template_value(value):
    """Jinja's `finalize` for HTML templates (the briefing, the dashboard): every {{ value }}
    that is a string (not markup we made) with its controls and bidi controls as visible
    escapes before autoescape, so that a U+202E in a GDELT name cannot reorder the text around
    it; tab and newline stay (HTML shows them as space)."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep="\t\n")
    return value

