"""What the claims rule has read in watched feeds, for a person to look back at: the feed
documents it has taken into account (`contradictions.claim_alerts` remembers their ids under
the dyad "*"), each with the count of contradicted claims it raised alerts for, and a stored
document by its id so that its audit can be shown again (the same `claims.audit.audit`).

A document the rule set aside as its feed's baseline (published before the feed was first
watched) is remembered the same way as one it audited; the two are not told apart.
"""

from __future__ import annotations

from pivotwatch.sources.documents import Document
from pivotwatch.store.store import Store
from pivotwatch.watch.contradictions import ANY_DYAD, RULE


def read_documents(store: Store, limit: int) -> list[dict]:
    """The feed documents the claims rule has read, newest first, at most `limit`."""
    if not all(store.has_table(t) for t in ("documents", "watch_seen", "watch_alerts")):
        return []
    rows = store.con.execute(
        """SELECT d.doc_id, d.published, d.title, d.url, d.feed_url, d.n_chars,
                  (SELECT count(*) FROM watch_alerts a
                   WHERE a.rule = ? AND starts_with(a.fact, d.doc_id || ' ')) AS contradicted
           FROM documents d JOIN watch_seen s ON s.fact = d.doc_id
           WHERE s.dyad = ? AND s.rule = ?
           ORDER BY d.published DESC NULLS LAST, d.doc_id LIMIT ?""",
        [RULE, ANY_DYAD, RULE, limit]).fetchall()
    names = ("doc_id", "published", "title", "url", "feed_url", "n_chars", "contradicted")
    return [dict(zip(names, r, strict=True)) for r in rows]


def stored_document(store: Store, doc_id: str) -> Document | None:
    """The stored document with this id, or None."""
    if not store.has_table("documents"):
        return None
    rows = store.con.execute(
        """SELECT doc_id, title, url, published, format, text, source_name, feed_url
           FROM documents WHERE doc_id = ?""", [doc_id]).fetchall()
    return Document(*rows[0]) if rows else None
