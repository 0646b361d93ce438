"""Voting alignment in the UN General Assembly: how often two countries vote alike.

For a focus country and each partner, on the roll calls both voted in (yes, no or abstain;
absences are not votes), per period (year or session) and issue: the number of roll calls,
the identical votes and their share, Cohen's kappa over the three vote categories, and
Signorino and Ritter's S. Every figure comes with the counts it is computed from (the 3 × 3
margins and the summed distance), so it can be recomputed by hand. docs/alignment.md says
what each measure means and what it cannot tell.

`roll_calls`, `issue_tags`, `vote_pairs` and `agreement` are Ibis expressions that take and
return tables and import no engine; `alignment()` wires them to a store and returns pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

ISSUES = ("me", "nu", "di", "hr", "co", "ec")
# fewer roll calls both voted on in a period than this: a share too thin to read
THIN = 10
ALL = "all"
BY = ("year", "session")
WATCHED_PARTNERS = ("CHN", "IND", "IRN", "VNM", "MNG")
# Order of the vote scale for S: abstention halfway between yes and no.
_SCALE = {"yes": 0, "abstain": 1, "no": 2}
_MAX_DISTANCE = 2
# The unvotes roll calls come first where layouts disagree on a roll call's facts.
_PREFERRED = "unvotes-roll-calls"
NO_VOTES = "load UN votes first: pivotwatch ingest unvotes un_votes.csv un_roll_calls.csv " \
           "un_roll_call_issues.csv"


# --- Ibis ----------------------------------------------------------------------------------

def roll_calls(un_roll_calls: ir.Table) -> ir.Table:
    """One row per rcid (rcid, session, date, year) merged over the layouts loaded: the
    unvotes roll calls' facts where they exist, else the Voeten ones."""
    t = un_roll_calls
    first = t.layout == _PREFERRED
    calls = t.group_by("rcid").aggregate(
        session=ibis.coalesce(t.session.max(where=first), t.session.max()),
        date=ibis.coalesce(t.date.max(where=first), t.date.max()),
    )
    return calls.mutate(year=calls.date.year().cast("int64"))


def issue_tags(un_roll_calls: ir.Table) -> ir.Table:
    """(rcid, issue) for every issue tag any loaded layout gives a roll call (their union)."""
    t = un_roll_calls.filter(un_roll_calls.issues.notnull())
    return t.select("rcid", issue=t.issues.unnest()).distinct()


def vote_pairs(un_votes: ir.Table, focus: str, partners: Sequence[str]) -> ir.Table:
    """(rcid, partner, focus_vote, partner_vote) on every roll call where the focus country
    and a partner both voted."""
    f = un_votes.filter(un_votes.country == focus).select("rcid", focus_vote=un_votes.vote)
    p = un_votes.filter(un_votes.country.isin(list(partners)))
    p = p.select("rcid", partner=p.country, partner_vote=p.vote)
    return f.join(p, "rcid")


def _scale(vote: ir.StringValue) -> ir.IntegerValue:
    return (vote == "yes").ifelse(_SCALE["yes"], (vote == "abstain").ifelse(
        _SCALE["abstain"], _SCALE["no"]))


def _measures(counts: ir.Table) -> ir.Table:
    """share, expected agreement, kappa and S from the counts (null where undefined)."""
    n = counts.roll_calls.cast("float64")
    expected = (counts.focus_yes * counts.partner_yes
                + counts.focus_abstain * counts.partner_abstain
                + counts.focus_no * counts.partner_no).cast("float64") / (n * n)
    share = counts.identical / n
    counts = counts.mutate(share=share, expected=expected)
    # kappa is undefined when chance alone gives full agreement (both always voted the same
    # single way): 0/0
    kappa = (counts.expected < 1).ifelse((counts.share - counts.expected)
                                         / (1 - counts.expected), ibis.null("float64"))
    s = 1 - 2 * counts.distance.cast("float64") / (n * _MAX_DISTANCE)
    return counts.mutate(kappa=kappa, s_score=s)


def agreement(pairs: ir.Table, calls: ir.Table, tags: ir.Table, *, by: str = "year",
              issues: Sequence[str] = (ALL,), first_year: int | None = None,
              last_year: int | None = None) -> ir.Table:
    """Per period, partner and issue: roll_calls (both voted), identical, the margins
    focus_yes/abstain/no and partner_yes/abstain/no, distance (sum over roll calls of the
    distance between the votes on the scale yes 0, abstain 1, no 2), share = identical /
    roll_calls, expected = sum over categories of focus_k × partner_k / roll_calls², kappa =
    (share - expected) / (1 - expected) and s_score = 1 - 2 × distance / (roll_calls × 2).

    `period` is the year or session as text, and "all" for the whole range. Pairs whose roll
    call is not loaded have no period and are left out. Issue "all" is every roll call."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    joined = pairs.join(calls, "rcid")
    if first_year is not None:
        joined = joined.filter(joined.year >= first_year)
    if last_year is not None:
        joined = joined.filter(joined.year <= last_year)
    joined = joined.filter(joined[by].notnull())
    wanted = list(issues)
    parts = []
    if ALL in wanted:
        parts.append(joined.mutate(issue=ibis.literal(ALL)))
    specific = [i for i in wanted if i != ALL]
    if specific:
        tagged = joined.join(tags.filter(tags.issue.isin(specific)), "rcid")
        parts.append(tagged.select(*joined.columns, "issue"))
    rows = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    rows = rows.mutate(period=rows[by].cast("string"))
    fv, pv = rows.focus_vote, rows.partner_vote

    def counts(keys: list[str]) -> ir.Table:
        return rows.group_by(keys).aggregate(
            roll_calls=rows.count().cast("int64"),
            identical=(fv == pv).cast("int64").sum(),
            focus_yes=(fv == "yes").cast("int64").sum(),
            focus_abstain=(fv == "abstain").cast("int64").sum(),
            focus_no=(fv == "no").cast("int64").sum(),
            partner_yes=(pv == "yes").cast("int64").sum(),
            partner_abstain=(pv == "abstain").cast("int64").sum(),
            partner_no=(pv == "no").cast("int64").sum(),
            distance=(_scale(fv) - _scale(pv)).abs().cast("int64").sum(),
            first_date=rows.date.min(), last_date=rows.date.max())

    per_period = counts(["period", "partner", "issue"])
    overall = counts(["partner", "issue"]).mutate(period=ibis.literal(ALL))
    both = ibis.union(per_period, overall.select(*per_period.columns), distinct=False)
    return _measures(both).select(
        "period", "partner", "issue", "roll_calls", "identical", "share", "kappa", "s_score",
        "expected", "focus_yes", "focus_abstain", "focus_no", "partner_yes",
        "partner_abstain", "partner_no", "distance", "first_date", "last_date")


# --- the API -------------------------------------------------------------------------------

def check_codes(focus: str, partners: Sequence[str] | str | None) -> tuple[str, list[str]]:
    """Focus and partners as ISO3 (ISO3 or CAMEO codes accepted), partners deduplicated."""
    from pivotwatch.errors import UsageError
    from pivotwatch.taxonomy.countrycodes import country_iso3

    focus = country_iso3(focus)
    if partners is None:
        partners = [p for p in WATCHED_PARTNERS if p != focus]
    if isinstance(partners, str):
        partners = partners.split(",")
    codes: list[str] = []
    for item in partners:
        if item.strip() and (code := country_iso3(item)) not in codes:
            codes.append(code)
    if not codes:
        raise UsageError("give at least one partner country code")
    if focus in codes:
        raise UsageError(f"the focus country {focus} cannot also be one of its partners")
    return focus, codes


def check_issues(issues: Sequence[str] | None) -> list[str]:
    from pivotwatch.errors import UsageError

    wanted = [i.strip().lower() for i in (issues or [ALL]) if i.strip()] or [ALL]
    known = (ALL, *ISSUES)
    for item in wanted:
        if item not in known:
            raise UsageError(f"unknown issue {item!r}: choose from {', '.join(known)} (me "
                             "Palestinian conflict, nu nuclear weapons, di arms control, hr "
                             "human rights, co colonialism, ec economic development)")
    return list(dict.fromkeys(wanted))


def alignment(focus: str, partners: Sequence[str] | str | None = None, *, store: Store,
              by: str = "year", issues: Sequence[str] | None = None,
              first_year: int | None = None, last_year: int | None = None) -> pd.DataFrame:
    """Voting alignment of `focus` with each partner per period and issue, as a DataFrame
    (columns as in `agreement`), sorted by issue, partner (in the order given) and period,
    each partner's "all" row last. `df.attrs["warnings"]` says what the figures lack."""
    from pivotwatch.errors import UsageError

    if by not in BY:
        raise UsageError(f"--by must be one of {', '.join(BY)}")
    if first_year is not None and last_year is not None and first_year > last_year:
        raise UsageError(f"--from {first_year} is after --to {last_year}")
    focus, codes = check_codes(focus, partners)
    wanted = check_issues(issues)
    con = store.ibis()
    votes, calls_t = con.table("un_votes"), con.table("un_roll_calls")
    held = votes.group_by("country").aggregate(n=votes.count()).to_pandas()
    held = dict(zip(held["country"], held["n"], strict=True))
    if not held:
        raise UsageError(f"no UN votes in the store: {NO_VOTES}")
    if not held.get(focus):
        raise UsageError(f"the store holds no UN votes of {focus}")
    warnings = [f"the store holds no UN votes of {p}" for p in codes if not held.get(p)]
    if calls_t.count().to_pyarrow().as_py() == 0:
        raise UsageError("no UN roll calls in the store, so votes have no date or session: "
                         "load un_roll_calls.csv (or a Voeten file) too")
    pairs = vote_pairs(votes, focus, codes)
    calls = roll_calls(calls_t)
    orphans = pairs.anti_join(calls, "rcid").count().to_pyarrow().as_py()
    if orphans:
        warnings.append(f"{orphans:,} vote pair(s) have no roll call loaded (no date or "
                        "session) and are left out: load the roll calls that go with the votes")
    tags = issue_tags(calls_t)
    if set(wanted) - {ALL} and tags.count().to_pyarrow().as_py() == 0:
        warnings.append("no issue tags are loaded (un_roll_call_issues.csv or a Voeten "
                        "file): the per-issue figures are empty")
    df = agreement(pairs, calls, tags, by=by, issues=wanted, first_year=first_year,
                   last_year=last_year).to_pandas()
    order_partner = {p: i for i, p in enumerate(codes)}
    order_issue = {i: n for n, i in enumerate(wanted)}
    df = df.assign(
        _i=df["issue"].map(order_issue), _p=df["partner"].map(order_partner),
        _t=df["period"].map(lambda p: float("inf") if p == ALL else float(p)))
    df = df.sort_values(["_i", "_p", "_t"]).drop(columns=["_i", "_p", "_t"])
    df = df.reset_index(drop=True)
    df.attrs.update(focus=focus, partners=codes, by=by, issues=wanted, warnings=warnings)
    return df
