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
- every HTML page we write starts with the same Content-Security-Policy (``CSP``): no script,
  no remote resource, even if something slipped through.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# no script, no fetch, no form, no <base>; inline styles and data: images only
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
MAX_URL_CHARS = 8192  # longer is not a link (and no reader follows it)
REL = "noopener noreferrer"

# C0 and C1 controls and DEL: never part of a URL or of a line we write
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# what may not appear inside a link: controls, any whitespace, a backslash (browsers read it
# as '/', so "http:\\evil" is not what it seems)
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\\\s]")
_SCHEME = re.compile(r"(?i)^(https?)://")
_MD = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|", "&": "&amp;",
                     "<": "&lt;", ">": "&gt;"})


def http_url(url: object) -> str | None:
    """The URL when it may become a link: an absolute http(s) URL with a host, after leading
    and trailing whitespace and control characters are stripped; otherwise None.

    The scheme is matched case-insensitively on the text itself, so entity or percent tricks
    (``&#106;avascript:``, ``%6Aavascript:``) and protocol-relative ``//host`` never match."""
    if not isinstance(url, str):
        return None
    url = url.strip("".join(map(chr, range(0x21))) + "\x7f")
    if not url or len(url) > MAX_URL_CHARS or _NOT_IN_URL.search(url):
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
    ``&`` as entities), and no link, image or table syntax (``[``, ``]``, ``|`` and ``\\``
    escaped)."""
    return " ".join(_CONTROL.sub(" ", str(text)).split()).translate(_MD)


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
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") \
        else f"{fence}{text}{fence}"


def sql_literal(value: object) -> str:
    """A value as one SQL string literal ('' doubled) for SQL text shown to a reader."""
    return "'" + str(value).replace("'", "''") + "'"
