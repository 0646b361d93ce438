"""Claims of designations checked against the loaded sanctions lists, and claims about how
countries vote in the UN General Assembly against the loaded roll calls.

Designations: a claim that someone was designated, sanctioned or listed is supported when an
entry on a loaded list (current, not delisted) is named in the claim; no such entry is "no
matching designation in the loaded lists", never a contradiction. Votes: a claim that two
countries vote together (or apart) in the General Assembly is decided by their agreement over
the period it names: Voeten's published agreement for the sessions that overlap it (through
2023-24, `pivotwatch ingest idealpoints`), else the share of identical votes in the loaded roll
calls (`analysis.alignment`). At least ``ALIGNED_SHARE`` supports "together", below
``MISALIGNED_SHARE`` contradicts it (and the other way round for "apart"); a percentage in the
claim is compared with the figure; "more than any other country" with the rank among all
states. A resolution row of the timeline never decides such a claim.
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
ASSEMBLY = re.compile(r"(?i:\bgeneral assembly\b|\bunga\b)|"
                      # "the Assembly": the UN's, not a National or Federal Assembly
                      r"(?<!National )(?<!Federal )(?<!People's )(?<!People’s )\bAssembly\b")
_TOGETHER = re.compile(r"\bvot\w*\s+(?:\w+\s+){0,3}(with|alongside|together|alike|the same)|"
                       r"\balign\w*\b|\bagree\w*\b|\bsid\w+ with\b", re.IGNORECASE)
# Votes on one subject: "every Assembly resolution about the war in Ukraine", "votes on
# human rights".
_SUBSET = re.compile(r"\b(?:resolutions?|votes?|roll calls?)\s+(?:about|on|concerning|"
                     r"regarding|condemning|related to)\b", re.IGNORECASE)
_APART = re.compile(r"\b(?:rarely|seldom|apart|against each other|diverg\w*|split)\b|"
                    r"\bvot\w*\s+(?:\w+\s+){0,3}differently\b", re.IGNORECASE)
_TOP = re.compile(r"\b(?:more (?:often )?than any (?:other )?(?:country|state|member)|most "
                  r"(?:often|closely|reliabl\w*|loyal\w*)|closest|top)\b", re.IGNORECASE)


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
                        "sanctions FILE...", check="sanctions", rule="sanctions.not-loaded")]
    rows = ref.store.con.execute("""
        SELECT list, list_id, name, listed_on, programmes FROM sanctions s
        WHERE NOT removed AND name IS NOT NULL AND length(name) >= ?
          AND contains(lower(?), lower(name))
          AND published_at = (SELECT max(published_at) FROM sanctions t
                              WHERE t.list = s.list AND t.list_id = s.list_id)
        ORDER BY list, list_id LIMIT 5""", [MIN_NAME, claim.text]).fetchall()
    if not rows:
        return [Verdict(VerdictKind.UNVERIFIED, "no matching designation in the loaded lists",
                        check="sanctions", rule="sanctions.no-entry")]
    evidence = tuple(Evidence("sanctions", f"{lst}:{lid}", str(on) if on else None,
                              f"{name} on {lst} ({', '.join(progs or [])})", entry_url(lst, lid))
                     for lst, lid, name, on, progs in rows)
    first = rows[0]
    return [Verdict(VerdictKind.SUPPORTED, f"{first[2]} is designated on {first[0]} "
                    f"({first[1]}{', listed ' + str(first[3]) if first[3] else ''})",
                    evidence, "sanctions", "sanctions.entry-named")]


def _session_years(years: list[int]) -> tuple[int, int] | None:
    """The (first, last) year in which the sessions overlapping the claim's years end: a
    session runs from September to August, so a calendar year Y meets those ending in Y and
    Y + 1."""
    return (min(years), max(years) + 1) if years else None


def _published(focus: str, partner: str, ref: ReferenceData,
               years: list[int]) -> tuple[float, int, str, list[tuple[int, int]]] | None:
    """(agreement, roll calls, sessions, the partner's rank among all states in each) from
    Voeten's published figures for the sessions overlapping ``years`` (all sessions when
    none), or None when none are loaded."""
    from pivotwatch.analysis.alignment import published
    from pivotwatch.errors import UsageError as NotLoaded

    span = _session_years(years)
    try:
        df = published(focus, [partner], store=ref.store,
                       first_year=span[0] if span else None, last_year=span[1] if span else None)
    except NotLoaded:
        return None
    df = df[(df["period_kind"] == "session") & df["agreement"].notna() & (df["n_votes"] > 0)]
    if df.empty:
        return None
    votes = int(df["n_votes"].sum())
    share = float((df["agreement"] * df["n_votes"]).sum() / votes)
    first, last = int(df["period"].min()), int(df["period"].max())
    label = (f"session {first} ({1945 + first}-{(1946 + first) % 100:02d})" if first == last
             else f"sessions {first}-{last} ({1945 + first}-{1946 + last})")
    ranks = [(int(p), int(r)) for p, r in zip(df["period"], df["agreement_rank_all"],
                                              strict=True) if r == r and r is not None]
    return share, votes, label, ranks


def _roll_calls(focus: str, partner: str, ref: ReferenceData,
                years: list[int]) -> tuple[float, int, str] | Verdict:
    """(share of identical votes, roll calls, years) from the loaded roll calls, or the
    unverified verdict that says why there is none."""
    if "un_votes" in ref.missing:
        return Verdict(VerdictKind.UNVERIFIED, "no UN votes loaded: pivotwatch ingest unvotes "
                       "(or ingest idealpoints for the published agreement)", check="un_votes",
                       rule="un_votes.not-loaded")
    from pivotwatch.analysis.alignment import alignment

    try:
        df = alignment(focus, [partner], store=ref.store,
                       first_year=min(years) if years else None,
                       last_year=max(years) if years else None)
    except UsageError as exc:
        return Verdict(VerdictKind.UNVERIFIED, str(exc), check="un_votes",
                       rule="un_votes.not-loaded")
    whole = df[(df["period"] == "all") & (df["issue"] == "all")]
    if whole.empty or not whole["roll_calls"].iloc[0]:
        return Verdict(VerdictKind.UNVERIFIED, f"no roll call in which both {focus} and "
                       f"{partner} voted", check="un_votes", rule="un_votes.no-roll-call")
    row = whole.iloc[0]
    return float(row["share"]), int(row["roll_calls"]), \
        f"{row['first_date']:%Y}–{row['last_date']:%Y}"


def check_assembly_votes(claim: Claim, ref: ReferenceData) -> list[Verdict]:
    if not ASSEMBLY.search(claim.text) or len(claim.actors) < 2:
        return []
    if ref.store is None:
        return [Verdict(VerdictKind.UNVERIFIED, "no UN votes loaded: pivotwatch ingest unvotes",
                        check="un_votes", rule="un_votes.not-loaded")]
    focus, partner = ("RUS", next(a for a in claim.actors if a != "RUS")) \
        if "RUS" in claim.actors[:2] else claim.actors[:2]
    years = years_of(claim)
    found = _published(focus, partner, ref, years)
    subset = _SUBSET.search(claim.text)
    if subset:  # "every resolution about the war": agreement on a subject is not computed
        return [Verdict(VerdictKind.UNVERIFIED, f"the claim is about the votes on one subject "
                        f"('{subset.group()}'); agreement is computed over all roll calls",
                        check="un_votes", rule="un_votes.one-subject")]
    ranks: list[tuple[int, int]] = []
    if found is not None:
        share, votes, span, ranks = found
        text = (f"{focus} and {partner}: published agreement {share:.0%} over {votes:,} "
                f"votes, {span} (Voeten)")
        evidence = (Evidence("idealpoints", f"{focus}-{partner}", span, text, None),)
    else:
        got = _roll_calls(focus, partner, ref, years)
        if isinstance(got, Verdict):
            return [got]
        share, votes, span = got
        text = (f"{focus} and {partner} voted alike in {round(share * votes):,} of {votes:,} "
                f"General Assembly roll calls ({share:.0%}), {span}")
        evidence = (Evidence("un_votes", f"{focus}-{partner}", span, text, None),)
    return [_decide(claim, share, ranks, text, evidence)]


def _decide(claim: Claim, share: float, ranks: list[tuple[int, int]], text: str,
            evidence: tuple[Evidence, ...]) -> Verdict:
    """The verdict on a voting-agreement claim given the agreement (and rank) found."""
    percents = [q for q in claim.quantities if q.unit == "percent"]
    if percents:
        q = percents[0]
        ok = abs(q.value / 100 - share) <= (0.05 if q.bound.value == "exact" else 0.08)
        if q.bound.value == "min":
            ok = share * 100 >= q.value - 1
        elif q.bound.value == "max":
            ok = share * 100 <= q.value + 1
        return Verdict(VerdictKind.SUPPORTED if ok else VerdictKind.CONTRADICTED, text,
                       evidence, "un_votes", "un_votes.agreement-figure")
    if _TOP.search(claim.text):
        listed = ", ".join(f"session {p}: {r}" for p, r in ranks) or "none"
        said = f"{text}; rank by agreement among all states: {listed}"
        places = {r for _, r in ranks}
        verdict = VerdictKind.SUPPORTED if places == {1} else VerdictKind.CONTRADICTED \
            if places and 1 not in places else VerdictKind.UNVERIFIED
        return Verdict(verdict, said, evidence, "un_votes", "un_votes.agreement-rank")
    apart = bool(_APART.search(claim.text))
    if not apart and not _TOGETHER.search(claim.text):
        return Verdict(VerdictKind.UNVERIFIED, text, evidence, "un_votes",
                       "un_votes.no-agreement-claim")
    if share >= ALIGNED_SHARE or share < MISALIGNED_SHARE:
        together = share >= ALIGNED_SHARE
        return Verdict(VerdictKind.SUPPORTED if together != apart else VerdictKind.CONTRADICTED,
                       text, evidence, "un_votes", "un_votes.agreement-share")
    return Verdict(VerdictKind.UNVERIFIED, text + ": neither clearly together nor apart",
                   evidence, "un_votes", "un_votes.agreement-share")
