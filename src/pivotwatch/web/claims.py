"""The claims page (`/claims`): audit a text pasted, a file uploaded or a page at a URL with the
same audit as `pivotwatch claims` (`claims.audit`), and look back at what the watcher audited
in watched feeds.

`GET /claims` shows the three forms and the past audits of watched feeds (the documents the
claims rule has read and the `claim_contradicted` alerts it raised); `GET /claims?doc=ID`
shows the audit of one stored document again. `POST /claims` audits what was sent and shows
the text with each claim highlighted (the escaped text; the `<mark>` elements are the
template's), each claim's verdict, and its evidence. The result's tables download by posting
the audited text again with `table=NAME&format=csv|json`: the same text and date give the
same audit, so the download is what was shown.

A POST is a write in the dashboard's sense (it makes the server fetch and compute on a
stranger's behalf), so it carries the CSRF token of `web/csrf.py`. Inputs are capped before
they are read whole: the body at `MAX_BODY`, a text or file at `MAX_UPLOAD`, and the text
read from it at `MAX_TEXT` characters (the audit's time grows faster than the text). A file
must be text or HTML by its content (a PDF, an image or a feed is 415; the name only chooses
the Markdown reading of a text). A URL is fetched by `claims.audit.read_one`, the CLI's reader,
under the project's address policy (no loopback, private, link-local or metadata address,
by any spelling or redirect, unless PIVOTWATCH_ALLOW_PRIVATE_URLS says so) and its caps
(PIVOTWATCH_MAX_DOCUMENT_BYTES, PIVOTWATCH_FETCH_TIMEOUT). The store is opened read-only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import PurePosixPath

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pivotwatch.errors import DownloadError, PivotwatchError, SourceError
from pivotwatch.web.csrf import FIELD, csrf_for
from pivotwatch.web.site import FORMATS, Grid, Link, Site, download

MAX_UPLOAD = 2 << 20  # bytes of a pasted text or an uploaded file
MAX_BODY = MAX_UPLOAD + (64 << 10)  # the whole request: the input, the form's other fields
# characters of text audited: a long report. The audit's time grows faster than the text
# (figures are compared pairwise): 80,000 characters of repeated figures take about 3 s,
# 160,000 take 11 s; longer texts are for `pivotwatch claims`.
MAX_TEXT = 100_000
MAX_URL = 2000
PAST_LIMIT = 200
INPUTS = ("text", "file", "url", "audited")  # "audited": a result's text, posted again
VERDICTS = ("supported", "contradicted", "inconsistent", "unverified", "not_checkable")
_DOC_ID = re.compile(r"^[0-9a-f]{32}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAGIC = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive"), (b"\x1f\x8b", "gzip data"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"))
ACCEPTED = "text, Markdown or HTML (UTF-8 or with a declared charset)"


# --- reading the request, capped --------------------------------------------------------------

async def _form(request: Request) -> FormData:
    """The form, the body read at most `MAX_BODY` bytes (413 beyond, whatever the request
    declares), then parsed with Starlette's own limits."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"over the {MAX_UPLOAD >> 20} MB cap of this page")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"over the {MAX_UPLOAD >> 20} MB cap of this page")
        chunks.append(chunk)
    body = b"".join(chunks)

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(max_files=1, max_fields=12,
                                                          max_part_size=MAX_BODY)
    except MultiPartException as exc:
        raise HTTPException(400, f"not a form this page sends: {exc.message}") from None


def _text_field(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return ""
    if len(value.encode("utf-8")) > limit:
        raise HTTPException(413, f"{name}: over the {limit >> 20} MB cap of this page"
                            if limit >= 1 << 20 else f"{name}: too long")
    return value


def _day(form: FormData) -> date | None:
    value = _text_field(form, "date", 20).strip()
    if not value:
        return None
    try:
        if not _DAY.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, "date must be YYYY-MM-DD") from None


def _download_choice(request: Request, form: FormData) -> tuple[str | None, str | None]:
    """(table, format) asked for by the form's fields or the URL's query."""
    table = _text_field(form, "table", 40) or request.query_params.get("table") or None
    fmt = _text_field(form, "format", 10) or request.query_params.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        raise HTTPException(400, f"format must be one of {', '.join(FORMATS)}")
    if fmt and not table:
        raise HTTPException(400, "table must be given with format")
    return table, fmt


# --- the three inputs -----------------------------------------------------------------------

def _sniffed_kind(data: bytes, name: str) -> str:
    """text, markdown or html from the bytes; 415 for anything else. The name only chooses
    between text and Markdown, which are the same bytes read two ways."""
    from pivotwatch.sources.documents import decode, detect_format

    head = data.lstrip()
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise HTTPException(415, f"{what}: only {ACCEPTED} is read")
    try:
        decode(data, "the file")
    except SourceError as exc:
        raise HTTPException(415, f"{exc}: only {ACCEPTED} is read") from None
    try:
        kind = detect_format("upload", data)  # no suffix: by the content alone
    except SourceError as exc:
        raise HTTPException(415, str(exc)) from None
    if kind == "feed":
        raise HTTPException(415, "an RSS/Atom feed: give a single document (the watcher "
                            "reads feeds)")
    if kind == "text" and PurePosixPath(name).suffix.lower() in (".md", ".markdown"):
        return "markdown"
    return kind


async def _upload(form: FormData):
    from pivotwatch.sources.documents import read_document

    item = form.get("file")
    if not isinstance(item, UploadFile) or not item.filename:
        raise HTTPException(400, "choose a file to upload")
    if item.size is not None and item.size > MAX_UPLOAD:
        raise HTTPException(413, f"the file is over the {MAX_UPLOAD >> 20} MB cap of this page")
    data = await item.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"the file is over the {MAX_UPLOAD >> 20} MB cap of this page")
    if not data.strip():
        raise HTTPException(400, "the file is empty")
    name = PurePosixPath(item.filename.replace("\\", "/")).name[:120] or "upload"
    kind = _sniffed_kind(data, name)
    return read_document(data, name, fmt=kind, max_bytes=MAX_UPLOAD)


def _pasted(form: FormData):
    from pivotwatch.sources.documents import read_document

    text = _text_field(form, "text", MAX_UPLOAD)
    if not text.strip():
        raise HTTPException(400, "paste some text to audit")
    return read_document(text.encode("utf-8"), "pasted text", fmt="text", max_bytes=MAX_UPLOAD)


def _fetched(form: FormData):
    from pivotwatch.claims.audit import read_one

    url = _text_field(form, "url", MAX_URL).strip()
    if not url:
        raise HTTPException(400, "give the URL of a page to audit")
    # read_one reads a path as a local file: only a URL with an http(s) scheme goes to it
    if not re.match(r"^https?://", url, re.IGNORECASE):
        raise HTTPException(400, "only http and https URLs are fetched")
    return read_one(url)


# --- the audit and what the page shows of it -----------------------------------------------

def _segments(text: str, claims) -> list[dict]:
    """The text cut into plain runs and claims (each claim split around its checked span),
    for the template to escape and mark."""
    out, at = [], 0
    for item in sorted(claims, key=lambda c: (c.claim.start, c.claim.end)):
        c = item.claim
        if c.start < at or c.end <= c.start:
            continue  # overlapping or empty: its row in the table still says it
        if c.start > at:
            out.append({"text": text[at:c.start]})
        lo, hi = (max(item.mark[0], c.start), min(item.mark[1], c.end))
        if lo >= hi or (lo, hi) == (c.start, c.end):  # nothing narrower than the claim
            lo = hi = c.start
        out.append({"claim": c.index + 1, "verdict": item.verdict.verdict.value,
                    "before": text[c.start:lo], "marked": text[lo:hi],
                    "after": text[hi:c.end]})
        at = c.end
    if at < len(text):
        out.append({"text": text[at:]})
    return out


def _grids(result) -> list[Grid]:
    claims, evidence = [], []
    for item in result.claims:
        c, v = item.claim, item.verdict
        number = c.index + 1  # as `pivotwatch claims` numbers them
        claims.append([Link(number, f"#claim-{number}"), v.verdict.value, c.text,
                       v.explanation, v.check or "", len(v.evidence)])
        evidence += [[number, e.source, e.key, e.date, e.text, e.url] for e in v.evidence]
    return [
        Grid("claims", "Claims and their verdicts", ["claim", "verdict", "text",
             "explanation", "check", "evidence"], claims, numeric=("evidence",),
             note="A verdict is a finding about the loaded data, not about the world: "
                  "unverified means the loaded data neither confirm nor contradict it (the "
                  "explanation says what was found)."),
        Grid("evidence", "The evidence behind each verdict", ["claim", "source", "key",
             "date", "evidence", "url"], evidence, links=("url",)),
    ]


def _audited(store, text: str, doc_date: date | None, doc_id: str | None = None) -> dict:
    """The audit of `text` (the CLI's) and what the page shows of it."""
    from pivotwatch.claims.audit import audit

    result = audit(text, store=store, doc_date=doc_date, doc_id=doc_id)
    return {"result": result, "grids": _grids(result),
            "segments": _segments(result.text, result.claims)}


def _audited_read_only(db, text: str, doc_date: date | None) -> dict:
    """`_audited` on the store opened read-only for it (a sent text is not cached)."""
    from pivotwatch.store.store import open_store

    with open_store(db, read_only=True) as store:
        return _audited(store, text, doc_date)


def _past(store) -> dict:
    from pivotwatch.watch.contradictions import RULE
    from pivotwatch.watch.feed_audits import read_documents
    from pivotwatch.watch.state import alerts

    docs = read_documents(store, PAST_LIMIT)
    found = alerts(store, rule=RULE, limit=PAST_LIMIT) if store.has_table("watch_alerts") \
        else []
    return {"grids": [
        Grid("feed-documents", "Feed documents the watcher has read, newest first",
             ["published", "title", "audit", "contradicted claims", "url", "feed"],
             [[d["published"], d["title"] or "", Link("audit again", f"/claims?doc="
               f"{d['doc_id']}"), d["contradicted"], d["url"], d["feed_url"]] for d in docs],
             links=("url", "feed"), numeric=("contradicted claims",),
             note="Read by pivotwatch watch from its watched feeds: audited, or set aside "
                  "as the feed's baseline when it was first watched. \"Audit again\" audits "
                  "the stored text against the data loaded now."),
        Grid("contradicted", "Contradicted claims the watcher raised as alerts, newest first",
             ["raised", "dyad", "claim", "document", "reproduce"],
             [[a.raised_at, a.dyad, a.summary, a.evidence[0].url if a.evidence else None,
               a.command] for a in found], links=("document",)),
    ]}


def _stored(doc_id: str) -> Callable:
    def compute(store) -> dict | None:
        from pivotwatch.watch.feed_audits import stored_document

        doc = stored_document(store, doc_id)
        if doc is None:
            return None
        when = doc.published.date() if doc.published else None
        return {"doc": doc, "date": when, **_audited(store, doc.text, when, doc.doc_id)}
    return compute


def _forms(token: str) -> dict:
    """What the page's forms need: the CSRF token, the verdicts' legend and the caps."""
    return {"token": token, "field": FIELD, "verdicts": VERDICTS,
            "max_mb": MAX_UPLOAD >> 20, "max_chars": MAX_TEXT}


def routes(site: Site) -> list[Route]:
    csrf = csrf_for(site)

    def respond(request: Request, status: int = 200, **context) -> Response:
        """A POST's page: the past audits download by GET; the result's tables by posting
        its text again (the form under it)."""
        past = {g.name for g in context["past"]}

        def download_url(g: Grid, fmt: str) -> str | None:
            return f"/claims?table={g.name}&format={fmt}" if g.name in past else None

        nonce, token = csrf.token(request)
        response = site.render("claims.html.j2", status=status, **_forms(token), repost=True,
                               download_url=download_url, url=lambda **_: "/claims",
                               chart_url=None, charts={}, path="/claims", **context)
        return csrf.set_cookie(response, nonce)

    async def claims_page(request: Request) -> Response:
        doc_id = request.query_params.get("doc")
        past = site.pages.get(("claims-past",), _past)
        if doc_id is None:
            shown, grids = None, past["grids"]
        else:
            if not _DOC_ID.match(doc_id):
                raise HTTPException(400, "doc must be a document id (32 hex digits)")
            shown = await run_in_threadpool(site.pages.get, ("claims-doc", doc_id),
                                            _stored(doc_id))
            if shown is None:
                raise HTTPException(404, "no stored document with that id")
            grids = shown["grids"]
        nonce, token = csrf.token(request)
        response = site.page(request, "claims.html.j2", grids, stem="audit", **_forms(token),
                             shown=shown, past=past["grids"], problem=None, form={},
                             repost=False)
        return csrf.set_cookie(response, nonce) if response.media_type == "text/html" \
            else response

    async def claims_post(request: Request) -> Response:
        csrf.check_origin(request)
        form = await _form(request)
        csrf.check_token(request, form.get(FIELD))
        which = _text_field(form, "input", 20)
        if which not in INPUTS:
            raise HTTPException(400, f"input must be one of {', '.join(INPUTS)}")
        table, fmt = _download_choice(request, form)
        doc_date = _day(form)
        past = site.pages.get(("claims-past",), _past)
        kept = {"text": _text_field(form, "text", MAX_UPLOAD) if which == "text" else "",
                "url": _text_field(form, "url", MAX_URL) if which == "url" else "",
                "date": doc_date.isoformat() if doc_date else ""}
        try:
            if which == "audited":
                text = _text_field(form, "text", MAX_UPLOAD).replace("\r\n", "\n")
                doc = None
            else:
                reader = {"text": _pasted, "url": _fetched}.get(which)
                doc = await (_upload(form) if reader is None else
                             run_in_threadpool(reader, form))
                text = doc.text
                if doc_date is None and doc.published is not None:
                    doc_date = doc.published.date()
        except DownloadError as exc:
            return respond(request, 502, problem=str(exc), form=kept, past=past["grids"],
                           grids={g.name: g for g in past["grids"]}, shown=None)
        except PivotwatchError as exc:  # refused by the address policy, unreadable, empty
            return respond(request, 400, problem=str(exc), form=kept, past=past["grids"],
                           grids={g.name: g for g in past["grids"]}, shown=None)
        if not text.strip():
            raise HTTPException(400, "nothing to audit")
        if len(text) > MAX_TEXT:
            raise HTTPException(413, f"the text is {len(text):,} characters, over the "
                                f"{MAX_TEXT:,} this page audits (pivotwatch claims audits "
                                "longer ones)")
        shown = await run_in_threadpool(_audited_read_only, site.db, text, doc_date)
        if table is not None:
            found = {g.name: g for g in shown["grids"]}
            if table not in found:
                raise HTTPException(400, f"table must be one of: {', '.join(found)}")
            return download(found[table], fmt or "csv", "audit")
        # a pasted text's "title" is only its first line: shown for files and pages
        shown.update(doc=doc if which in ("file", "url") else None, date=doc_date)
        return respond(request, problem=None, form=kept, shown=shown, past=past["grids"],
                       grids={g.name: g for g in [*shown["grids"], *past["grids"]]})

    return [Route("/claims", claims_page, methods=["GET", "HEAD"]),
            Route("/claims", claims_post, methods=["POST"])]
