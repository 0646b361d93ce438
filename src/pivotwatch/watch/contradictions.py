"""The claims rule: a claim rated "contradicted" by the claims audit in a new document of a
watched feed.

The audit (`claims/audit.py`) is the same one `pivotwatch claims` runs. Documents are
audited once: the ids of those audited are remembered (under the dyad "*", as they may speak
of any pair). The first time a feed is watched, its documents published more than
`first_cycle_days` before the cycle are its baseline (a feed added later does not raise its
archive); documents with no publication date count as new. An alert goes to the watched dyad
whose two countries the claim names, else one whose country it names; a claim that names
neither country of any watched dyad raises none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pivotwatch.analysis.judgment import Evidence
from pivotwatch.claims.verdicts import VerdictKind
from pivotwatch.store.store import Store, utcnow
from pivotwatch.watch import state
from pivotwatch.watch.evaluate import BASELINE, MAX_EVIDENCE, command
from pivotwatch.watch.model import Alert, Severity
from pivotwatch.watch.rules import Rules

RULE = "claim_contradicted"
ANY_DYAD = "*"
QUOTE = 300  # characters of a claim quoted in an alert


def _dyad_for(actors: Sequence[str], dyads: Sequence[str]) -> str | None:
    named = set(actors)
    for need in (2, 1):
        for dyad in dyads:
            if len(named & set(dyad.split("-"))) >= need:
                return dyad
    return None


def _new_documents(store: Store, feeds: Sequence[str], done: set[str]) -> list[tuple]:
    rows = store.con.execute(
        """SELECT doc_id, title, url, published, text, source_name, feed_url FROM documents
           WHERE list_contains(?, feed_url) ORDER BY published DESC NULLS FIRST, doc_id""",
        [list(feeds)]).fetchall()
    return [r for r in rows if r[0] not in done]


def claim_alerts(store: Store, feeds: Sequence[str], dyads: Sequence[str], rules: Rules
                 ) -> tuple[list[Alert], list[tuple[str, str]], list[str]]:
    """(alerts, documents audited or set aside as (rule, doc_id), notes)."""
    from pivotwatch.claims.audit import audit
    from pivotwatch.claims.checks.refdata import load_reference

    if not feeds or not store.has_table("documents"):
        return [], [], []
    done = state.seen(store, ANY_DYAD, RULE)
    docs = _new_documents(store, feeds, done)
    new_feeds = {f for f in feeds if f"{BASELINE} {f}" not in done}
    cutoff = utcnow() - timedelta(days=rules.first_cycle_days)
    noted = [(RULE, f"{BASELINE} {f}") for f in sorted(new_feeds)]
    alerts, notes = [], []
    todo = []
    for row in docs:
        if row[6] in new_feeds and row[3] is not None and row[3] < cutoff:
            noted.append((RULE, row[0]))
        else:
            todo.append(row[:6])
    if len(todo) > rules.max_documents:
        notes.append(f"{RULE}: {len(todo) - rules.max_documents} new feed documents wait for "
                     f"the next cycle (max_documents {rules.max_documents})")
        todo = todo[:rules.max_documents]
    ref = load_reference(store) if todo else None
    for doc_id, title, url, published, text, source in todo:
        result = audit(text, store=store, doc_id=doc_id,
                       doc_date=published.date() if published else None, reference=ref)
        noted.append((RULE, doc_id))
        for ac in result.claims:
            if ac.verdict.verdict != VerdictKind.CONTRADICTED:
                continue
            claim = ac.claim
            quote = " ".join(claim.text.split())[:QUOTE]
            dyad = _dyad_for(claim.actors, dyads)
            if dyad is None:
                continue  # about no watched pair
            where = title or url or source or doc_id
            link = url if url and url.lower().startswith(("http://", "https://")) else None
            document = Evidence("documents", doc_id, published.date().isoformat()
                                if published else None, where, link)
            alerts.append(Alert(
                RULE, dyad, f"{doc_id} claim {claim.index}", Severity.MODERATE,
                f"Contradicted claim in {where[:120]}",
                f"\u201c{quote}\u201d \u2014 {ac.verdict.explanation}",
                published.date() if published else None,
                evidence=(document, *ac.verdict.evidence[:MAX_EVIDENCE - 1]),
                after={"verdict": str(ac.verdict.verdict), "rule": ac.verdict.rule},
                command=command("claims", link) if link else ""))
    return alerts, noted, notes
