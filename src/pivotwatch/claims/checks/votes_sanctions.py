"""Claims of designations checked against the loaded sanctions lists, and claims about how
countries vote in the UN General Assembly against the loaded roll calls.

Designations: a claim that someone was designated, sanctioned or listed is supported when an
entry on a loaded list (current, not delisted) is named in the claim; no such entry is "no
matching designation in the loaded lists", never a contradiction. Votes: a claim that two
countries vote together in the General Assembly is compared with the share of identical votes
(`analysis.alignment`) over the years it names (all loaded years if none): at least
``ALIGNED_SHARE`` supports it, below ``MISALIGNED_SHARE`` contradicts it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pivotwatch.claims.checks.refdata import ReferenceData
from pivotwatch.claims.checks.text import years_of
from pivotwatch.claims.model import Claim
from pivotwatch.claims.verdicts import Evidence, Verdict, VerdictKind
from pivotwatch.errors import UsageError

ALIGNED_SHARE = 0.7
MISALIGNED_SHARE = 0.4
MIN_NAME = 5  # shorter list names ("Li") would be found inside ordinary words
_DESIGNATION = re.compile(r"\b(designat\w*|blacklist\w*|sanctioned|listed|SDN)\b", re.IGNORECASE)
_ASSEMBLY = re.compile(r"\bGeneral Assembly\b|\bUNGA\b", re.IGNORECASE)
_TOGETHER = re.compile(r"\bvot\w*\s+(?:\w+\s+){0,3}(with|alongside|together|alike|the same)|"
                       r"\balign\w*\b", re.IGNORECASE)


# Public pages of one entry, for the lists that have them (the UN list has none per entry).
_ENTRY_PAGES = {"ofac": "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}",
                "opensanctions": "https://www.opensanctions.org/entities/{}/"}


def entry_url(list_name: str, list_id: str) -> str | None:
    """Where a designation can be read: the OFAC search page or the OpenSanctions entity."""
    page = _ENTRY_PAGES.get(list_name)
    return page.format(quote(list_id, safe="")) if page else None


def check_designations(claim: Claim, ref: ReferenceData) -> list[Verdict]:
    if not _DESIGNATION.search(claim.text):
        return []
    if "sanctions" in ref.missing or ref.store is None:
        return [Verdict(VerdictKind.UNVERIFIED, "no sanctions lists loaded: pivotwatch ingest "
                        "sanctions FILE...", check="sanctions")]
    rows = ref.store.con.execute("""
        SELECT list, list_id, name, listed_on, programmes FROM sanctions s
        WHERE NOT removed AND name IS NOT NULL AND length(name) >= ?
          AND contains(lower(?), lower(name))
          AND published_at = (SELECT max(published_at) FROM sanctions t
                              WHERE t.list = s.list AND t.list_id = s.list_id)
        ORDER BY list, list_id LIMIT 5""", [MIN_NAME, claim.text]).fetchall()
    if not rows:
        return [Verdict(VerdictKind.UNVERIFIED, "no matching designation in the loaded lists",
                        check="sanctions")]
    evidence = tuple(Evidence("sanctions", f"{lst}:{lid}", str(on) if on else None,
                              f"{name} on {lst} ({', '.join(progs or [])})", entry_url(lst, lid))
                     for lst, lid, name, on, progs in rows)
    first = rows[0]
    return [Verdict(VerdictKind.SUPPORTED, f"{first[2]} is designated on {first[0]} "
                    f"({first[1]}{', listed ' + str(first[3]) if first[3] else ''})",
                    evidence, "sanctions")]


def check_assembly_votes(claim: Claim, ref: ReferenceData) -> list[Verdict]:
    if not _ASSEMBLY.search(claim.text) or len(claim.actors) < 2:
        return []
    if "un_votes" in ref.missing or ref.store is None:
        return [Verdict(VerdictKind.UNVERIFIED, "no UN votes loaded: pivotwatch ingest unvotes",
                        check="un_votes")]
    from pivotwatch.analysis.alignment import alignment

    focus, partner = claim.actors[:2]
    years = years_of(claim)
    try:
        df = alignment(focus, [partner], store=ref.store,
                       first_year=min(years) if years else None,
                       last_year=max(years) if years else None)
    except UsageError as exc:
        return [Verdict(VerdictKind.UNVERIFIED, str(exc), check="un_votes")]
    whole = df[(df["period"] == "all") & (df["issue"] == "all")]
    if whole.empty or not whole["roll_calls"].iloc[0]:
        return [Verdict(VerdictKind.UNVERIFIED, f"no roll call in which both {focus} and "
                        f"{partner} voted", check="un_votes")]
    row = whole.iloc[0]
    span = f"{row['first_date']:%Y}–{row['last_date']:%Y}"
    text = (f"{focus} and {partner} voted alike in {row['identical']:,} of "
            f"{row['roll_calls']:,} General Assembly roll calls ({row['share']:.0%}), {span}")
    evidence = (Evidence("un_votes", f"{focus}-{partner}", span, text, None),)
    if not _TOGETHER.search(claim.text):
        return [Verdict(VerdictKind.UNVERIFIED, text, evidence, "un_votes")]
    if row["share"] >= ALIGNED_SHARE:
        return [Verdict(VerdictKind.SUPPORTED, text, evidence, "un_votes")]
    if row["share"] < MISALIGNED_SHARE:
        return [Verdict(VerdictKind.CONTRADICTED, text, evidence, "un_votes")]
    return [Verdict(VerdictKind.UNVERIFIED, text + ": neither clearly together nor apart",
                    evidence, "un_votes")]
