"""The claims audit: extract a document's claims, run every check that applies, and give each
claim one verdict with its explanation and evidence (see :mod:`pivotwatch.claims.verdicts`).

``audit(document_or_text, store=..., doc_date=...)`` is the entry point. Checks, in order:
internal consistency (the whole document at once), reference trade figures, fuel figures and
caps, organisation names and memberships, designations, General Assembly votes, and events
(curated timeline, then GDELT). When several speak, the strongest verdict wins.

Forecasts: a forecast whose period has passed (before the document's date, or today when the
document has none) is checked like any claim. A forecast of the future is ``unverified``: only
its stated basis (a past event it cites, such as a remark or an agreement) can be on record,
and when it is, the verdict is ``supported`` with an explanation that says the forecast itself
is not checked. Hedged claims are checked as stated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from pivotwatch.claims.checks.consistency import check_consistency
from pivotwatch.claims.checks.events import check_events
from pivotwatch.claims.checks.figures import check_fuel, check_trade
from pivotwatch.claims.checks.organisations import check_organisations, last_organisation
from pivotwatch.claims.checks.refdata import ReferenceData, load_reference
from pivotwatch.claims.checks.text import spans
from pivotwatch.claims.checks.votes_sanctions import check_assembly_votes, check_designations
from pivotwatch.claims.extract import extract_claims
from pivotwatch.claims.model import Claim, Modality
from pivotwatch.claims.verdicts import ORDER, Verdict, VerdictKind, combine

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.sources.documents import Document
    from pivotwatch.store import Store


@dataclass(frozen=True)
class AuditedClaim:
    """A claim, its verdict, and the span of the document the check is about (a figure, a
    name or a date inside the claim, else the whole claim)."""

    claim: Claim
    verdict: Verdict
    mark: tuple[int, int]
    trail: tuple[Verdict, ...] = ()   # what every check that ran said (for --explain)

    def to_dict(self) -> dict:
        c = self.claim
        return {
            "index": c.index, "kind": c.kind.value, "text": c.text, "start": c.start,
            "end": c.end, "mark": list(self.mark), "checkable": c.checkable,
            "reason": c.reason.value if c.reason else None, "actors": list(c.actors),
            "topic": c.topic, "modality": c.modality.value,
            "quantities": [{"raw": q.raw, "value": q.value, "unit": q.unit, "per": q.per,
                            "bound": q.bound.value, "high": q.high} for q in c.quantities],
            "times": [{"raw": t.raw, "start": t.start.isoformat() if t.start else None,
                       "end": t.end.isoformat() if t.end else None,
                       "precision": t.precision} for t in c.times],
            "organisations": [{"raw": o.raw, "canonical": o.canonical,
                               "matched_as": o.matched_as} for o in c.organisations],
            **self.verdict.to_dict(),
            "checks": [{"check": v.check, "rule": v.rule or v.check,
                        "verdict": v.verdict.value, "explanation": v.explanation}
                       for v in self.trail],
        }


@dataclass
class Audit:
    """Every claim of one document with its verdict; ``missing`` names tables not loaded."""

    doc_id: str
    title: str | None
    source: str | None
    doc_date: date | None
    text: str
    claims: list[AuditedClaim] = field(default_factory=list)
    missing: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Claims by verdict, every verdict listed (zeros too), strongest first."""
        counts = {v.value: 0 for v in ORDER}
        for item in self.claims:
            counts[item.verdict.verdict.value] += 1
        return counts

    def summary(self) -> str:
        parts = [f"{n} {v.replace('_', ' ')}" for v, n in self.counts.items() if n]
        n = len(self.claims)
        return f"{n} claim{'s' if n != 1 else ''}: " + (", ".join(parts) if parts else "none")

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "source": self.source,
                "doc_date": self.doc_date.isoformat() if self.doc_date else None,
                "counts": self.counts, "missing_tables": list(self.missing),
                "claims": [c.to_dict() for c in self.claims]}


def _mark(claim: Claim) -> tuple[int, int]:
    wrong = [o for o in claim.organisations if o.matched_as == "wrong_name"]
    if wrong:
        return wrong[0].start, wrong[0].end
    measured = [q for q in claim.quantities if q.unit != "count"]
    if measured:
        return measured[0].start, measured[0].end
    if claim.times:  # a bare number ("1") marks less than the date it goes with
        return claim.times[0].begin, claim.times[0].finish
    if claim.quantities:
        return claim.quantities[0].start, claim.quantities[0].end
    return claim.start, claim.end


def _is_future(claim: Claim, text: str, now: date) -> bool:
    periods = spans(claim, text)
    return not periods or any(end is None or end > now for _, end in periods)


def check_claim(claim: Claim, text: str, ref: ReferenceData, now: date,
                inconsistent: list[Verdict], organisation=None,
                doc_actors: tuple[str, ...] = ()) -> tuple[Verdict, tuple[Verdict, ...]]:
    """The verdict on one extracted claim and what each check that ran said
    (``inconsistent``: what the consistency check found for it; ``organisation``: the last
    one the document named before it; ``doc_actors``: the document's three most named
    countries)."""
    if not claim.checkable:
        reason = claim.reason.value if claim.reason else "nothing to check"
        verdict = Verdict(VerdictKind.NOT_CHECKABLE, f"not checkable: {reason}", check="extract",
                          rule=f"modality.{reason.replace(' ', '-')}")
        return verdict, (verdict,)
    if claim.modality is Modality.FORECAST and _is_future(claim, text, now):
        trail = tuple(check_events(claim, text, ref, now, True, doc_actors))
        basis = [v for v in trail if v.verdict is VerdictKind.SUPPORTED]
        if basis:
            v = basis[0]
            return Verdict(v.verdict, f"{v.explanation}; the forecast itself cannot be checked "
                           "yet", v.evidence, v.check, v.rule), trail
        verdict = Verdict(VerdictKind.UNVERIFIED, "a forecast of the future: it cannot be "
                          "checked yet", check="forecast", rule="forecast.future")
        return verdict, (*trail, verdict)
    found = list(inconsistent)
    figures = check_trade(claim, ref) + check_fuel(claim, text, ref, now)
    found += figures
    found += check_organisations(claim, organisation, now)
    found += check_designations(claim, ref) + check_assembly_votes(claim, ref)
    if not figures:
        found += check_events(claim, text, ref, now, doc_actors=doc_actors)
    verdict = combine(found)
    if claim.modality is Modality.FORECAST:
        verdict = Verdict(verdict.verdict, "a forecast about a past period: "
                          + verdict.explanation, verdict.evidence, verdict.check, verdict.rule)
    return verdict, tuple(found)


def audit(document_or_text: Document | str, *, store: Store | None,
          doc_date: date | None = None, reference: ReferenceData | None = None,
          doc_id: str | None = None) -> Audit:
    """Check every claim of a document (a :class:`Document` or plain text).

    ``store`` is read only; None (or a store without the reference tables) makes the checks
    that need them say so. ``doc_date`` defaults to the document's publication date; it
    resolves "last year" and separates forecasts of the future from those of the past.
    ``reference`` lets a caller auditing many documents read the tables once."""
    if isinstance(document_or_text, str):
        text, title, source = document_or_text, None, None
        ident = doc_id or ""
    else:
        doc = document_or_text
        text, title, source = doc.text, doc.title, doc.url or doc.source_name
        ident = doc_id or doc.doc_id
        if doc_date is None and doc.published is not None:
            doc_date = doc.published.date()
    ref = reference if reference is not None else load_reference(store)
    now = doc_date or date.today()
    claims = extract_claims(text, doc_id=ident, doc_date=doc_date)
    flagged = check_consistency(claims)
    result = Audit(ident, title, source, doc_date, text, missing=tuple(sorted(ref.missing)))
    named = Counter(a for c in claims if not c.actors_inferred for a in c.actors)
    doc_actors = tuple(a for a, _ in named.most_common(3))
    org = None
    for claim in claims:
        verdict, trail = check_claim(claim, text, ref, now, flagged.get(claim.index, []), org,
                                     doc_actors)
        org = last_organisation(claim, org)
        result.claims.append(AuditedClaim(claim, verdict, _mark(claim), trail))
    return result


def read_one(item: str, *, allow_private: bool | str = False) -> Document:
    """One document from a path or an http(s) URL (private addresses refused unless
    allowed); SourceError or DownloadError with a one-line message otherwise."""
    from pathlib import Path

    from pivotwatch.settings import get_settings
    from pivotwatch.sources.documents import ACCEPTED_MEDIA, Origin, read_document
    from pivotwatch.sources.fetch import AddressPolicy, fetch

    settings = get_settings()
    if "://" not in item:
        return read_document(Path(item), item, max_bytes=settings.max_document_bytes)
    policy = AddressPolicy.from_setting(settings.allow_private_urls, allow_private)
    got = fetch(item, policy=policy, max_bytes=settings.max_document_bytes,
                timeout=settings.fetch_timeout, accept=ACCEPTED_MEDIA)
    origin = Origin(url=got.final_url, media_type=got.media_type or None, charset=got.charset,
                    fetched_at=got.fetched_at)
    return read_document(got.content, item, origin=origin,
                         max_bytes=settings.max_document_bytes)


def audit_inputs(inputs: list[str], *, store: Store | None, doc_date: date | None = None,
                 allow_private: bool | str = False) -> tuple[list[Audit], list[tuple[str, str]]]:
    """Audit files and URLs; a bad input is skipped with its one-line reason in the second
    list (empty, binary, too big, undecodable, unreachable, redirected to a private
    address), so one bad input does not stop the others."""
    from pivotwatch.errors import PivotwatchError

    ref = load_reference(store)
    audits, failures = [], []
    for item in inputs:
        try:
            doc = read_one(item, allow_private=allow_private)
        except PivotwatchError as exc:
            failures.append((item, str(exc)))
            continue
        result = audit(doc, store=store, doc_date=doc_date, reference=ref)
        result.source = result.source or item
        audits.append(result)
    return audits, failures
