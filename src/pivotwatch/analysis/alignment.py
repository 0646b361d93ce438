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

def _count(store: Store, table: ir.Table) -> int:
    """Rows of `table`, counted by the store's engine (which may check the cost first)."""
    return int(store.to_pandas(table.count()))


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
    held = store.to_pandas(votes.group_by("country").aggregate(n=votes.count()))
    held = dict(zip(held["country"], held["n"], strict=True))
    if not held:
        raise UsageError(f"no UN votes in the store: {NO_VOTES}")
    if not held.get(focus):
        raise UsageError(f"the store holds no UN votes of {focus}")
    warnings = [f"the store holds no UN votes of {p}" for p in codes if not held.get(p)]
    if _count(store, calls_t) == 0:
        raise UsageError("no UN roll calls in the store, so votes have no date or session: "
                         "load un_roll_calls.csv (or a Voeten file) too")
    pairs = vote_pairs(votes, focus, codes)
    calls = roll_calls(calls_t)
    orphans = _count(store, pairs.anti_join(calls, "rcid"))
    if orphans:
        warnings.append(f"{orphans:,} vote pair(s) have no roll call loaded (no date or "
                        "session) and are left out: load the roll calls that go with the votes")
    tags = issue_tags(calls_t)
    if set(wanted) - {ALL} and _count(store, tags) == 0:
        warnings.append("no issue tags are loaded (un_roll_call_issues.csv or a Voeten "
                        "file): the per-issue figures are empty")
    df = store.to_pandas(agreement(pairs, calls, tags, by=by, issues=wanted,
                                   first_year=first_year, last_year=last_year))
    order_partner = {p: i for i, p in enumerate(codes)}
    order_issue = {i: n for n, i in enumerate(wanted)}
    df = df.assign(
        _i=df["issue"].map(order_issue), _p=df["partner"].map(order_partner),
        _t=df["period"].map(lambda p: float("inf") if p == ALL else float(p)))
    df = df.sort_values(["_i", "_p", "_t"]).drop(columns=["_i", "_p", "_t"])
    df = df.reset_index(drop=True)
    df.attrs.update(focus=focus, partners=codes, by=by, issues=wanted, warnings=warnings)
    return df


# --- published figures (Voeten's ideal points and agreement) ---------------------------------
#
# Kept apart from the vote-level figures above: those are pivotwatch's own count over the roll
# calls loaded; these are the figures Voeten publishes (sources/idealpoints.py), read as they
# are. docs/alignment.md says what each means.

# The estimate a period's distances use, best first: final-passage votes only, else all votes
# (the session file has only "all"). The "legacy" estimate is session-based set on a year
# axis, so it is never used here.
ESTIMATES = ("final_passage", "all")
PUBLISHED_COLUMNS = (
    "period_kind", "period", "period_end", "partner", "estimate", "agreement", "n_votes",
    "ideal_distance", "distance_low", "distance_high", "agreement_rank_partners",
    "agreement_rank_all", "distance_rank_partners", "distance_rank_all", "ranked_states")
NO_IDEAL_POINTS = ("load them first: pivotwatch ingest idealpoints "
                   "IdealpointestimatesAll_Jun2024.csv IdealpointsJuly2025.csv.gz")
_KEYS = ("period_kind", "period")


def chosen_estimates(ideal: ir.Table, focus: str) -> ir.Table:
    """(period_kind, period, estimate): in each period, the estimate distances use, the first
    of ESTIMATES the focus has an ideal point for. A period where it has none is absent."""
    f = ideal.filter((ideal.country == focus) & ideal.estimate.isin(ESTIMATES)
                     & ideal.ideal_point.notnull())
    f = f.mutate(pref=(f.estimate == ESTIMATES[0]).ifelse(0, 1))
    best = f.group_by(list(_KEYS)).aggregate(pref=f.pref.min())
    return best.select(*_KEYS, estimate=(best.pref == 0).ifelse(ESTIMATES[0], ESTIMATES[1]))


def ideal_distances(ideal: ir.Table, focus: str) -> ir.Table:
    """Per period and state other than the focus, in the period's chosen estimate:
    (period_kind, period, period_end, country, estimate, n_votes, ideal_distance,
    distance_low, distance_high). ideal_distance = |ideal point of the state - the focus's|;
    the interval joins the two states' 90% posterior intervals: low = max(0, q5 - q95 of the
    other, q5 of the other - q95), high = max(q95 - q5 of the other, q95 of the other - q5),
    null when a quantile is missing. It is conservative: the distance is more likely than 90%
    to lie inside it (the two ends cannot both be reached at once)."""
    chosen = chosen_estimates(ideal, focus)
    pos = ideal.filter(ideal.ideal_point.notnull())
    pos = pos.join(chosen, [pos.period_kind == chosen.period_kind, pos.period == chosen.period,
                            pos.estimate == chosen.estimate]).select(pos)
    f = pos.filter(pos.country == focus).select(
        f_kind=pos.period_kind, f_period=pos.period, f_point=pos.ideal_point, f_q5=pos.q5,
        f_q95=pos.q95)
    p = pos.filter(pos.country != focus)
    j = p.join(f, [p.period_kind == f.f_kind, p.period == f.f_period])
    known = j.q5.notnull() & j.q95.notnull() & j.f_q5.notnull() & j.f_q95.notnull()
    low = ibis.greatest(ibis.literal(0.0), j.q5 - j.f_q95, j.f_q5 - j.q95)
    high = ibis.greatest(j.q95 - j.f_q5, j.f_q95 - j.q5)
    return j.select(
        "period_kind", "period", "period_end", "country", "estimate", "n_votes",
        ideal_distance=(j.ideal_point - j.f_point).abs(),
        distance_low=known.ifelse(low, ibis.null("float64")),
        distance_high=known.ifelse(high, ibis.null("float64")))


def published_figures(ideal: ir.Table, agreement: ir.Table, focus: str) -> ir.Table:
    """Per period and state other than the focus: its published agreement with the focus
    (null where the file has no column for the focus) beside its ideal-point distance, with
    n_votes, the state's votes in the period (of the chosen estimate, else NVotesAll).
    A state appears in a period where it has either figure."""
    d = ideal_distances(ideal, focus)
    a = agreement.filter((agreement.focus == focus) & (agreement.country != focus))
    a = a.select("period_kind", "period", "period_end", "country", "agreement",
                 a_votes=a.n_votes)
    def key(t: ir.Table) -> ir.Table:  # the same (nullable) types on both sides
        return t.select(period_kind=t.period_kind.cast("string"),
                        period=t.period.cast("int64"), period_end=t.period_end.cast("date"),
                        country=t.country.cast("string"))

    keys = ibis.union(key(d), key(a), distinct=True)
    dr = d.rename(d_kind="period_kind", d_period="period", d_country="country",
                  d_end="period_end")
    ar = a.rename(a_kind="period_kind", a_period="period", a_country="country",
                  a_end="period_end")
    j = keys.left_join(dr, [keys.period_kind == dr.d_kind, keys.period == dr.d_period,
                            keys.country == dr.d_country])
    j = j.left_join(ar, [j.period_kind == ar.a_kind, j.period == ar.a_period,
                         j.country == ar.a_country])
    return j.select("period_kind", "period", "period_end", "country", "estimate",
                    "agreement", n_votes=ibis.coalesce(j.n_votes, j.a_votes),
                    ideal_distance=j.ideal_distance, distance_low=j.distance_low,
                    distance_high=j.distance_high)


def ranked(figures: ir.Table, partners: Sequence[str], min_votes: int) -> ir.Table:
    """The partners' rows of `published_figures` with their ranks: 1 + the states closer to
    the focus (higher agreement; smaller distance), among the partners and among every state
    of the period, counting only states with at least `min_votes` votes there (a state with a
    handful of votes can agree 100%). A state below it, or without the figure, has no rank.
    ranked_states counts the states with enough votes in the period. Plain aggregates over
    an equi-join, no window functions (see analysis/partners.py)."""
    wanted = list(partners)
    pool = figures.filter(figures.n_votes >= min_votes)
    counted = pool.group_by(list(_KEYS)).aggregate(ranked_states=pool.count())
    counted = counted.rename(c_kind="period_kind", c_period="period")
    other = pool.select(o_kind=pool.period_kind, o_period=pool.period,
                        o_partner=pool.country.isin(wanted), o_agreement=pool.agreement,
                        o_distance=pool.ideal_distance)
    left = figures.filter(figures.country.isin(wanted))
    j = left.left_join(other, [left.period_kind == other.o_kind,
                               left.period == other.o_period])
    closer_a = j.o_agreement > j.agreement
    closer_d = j.o_distance < j.ideal_distance
    counts = j.group_by(["period_kind", "period", "country"]).aggregate(
        a_all=closer_a.ifelse(1, 0).sum(),
        a_partners=(closer_a & j.o_partner).ifelse(1, 0).sum(),
        d_all=closer_d.ifelse(1, 0).sum(),
        d_partners=(closer_d & j.o_partner).ifelse(1, 0).sum())
    counts = counts.rename(k_kind="period_kind", k_period="period", k_country="country")
    r = left.left_join(counts, [left.period_kind == counts.k_kind,
                                left.period == counts.k_period,
                                left.country == counts.k_country])
    r = r.left_join(counted, [r.period_kind == counted.c_kind, r.period == counted.c_period])
    enough = r.n_votes >= min_votes
    none = ibis.null("int64")

    def rank(value: ir.Value, closer: ir.Value) -> ir.Value:
        return (enough & value.notnull()).ifelse((1 + closer).cast("int64"), none)

    return r.select(
        "period_kind", "period", "period_end", partner=r.country, estimate=r.estimate,
        agreement=r.agreement, n_votes=r.n_votes, ideal_distance=r.ideal_distance,
        distance_low=r.distance_low, distance_high=r.distance_high,
        agreement_rank_partners=rank(r.agreement, r.a_partners),
        agreement_rank_all=rank(r.agreement, r.a_all),
        distance_rank_partners=rank(r.ideal_distance, r.d_partners),
        distance_rank_all=rank(r.ideal_distance, r.d_all),
        ranked_states=r.ranked_states.fill_null(0).cast("int64"))


def published(focus: str, partners: Sequence[str] | str | None = None, *, store: Store,
              first_year: int | None = None, last_year: int | None = None,
              min_votes: int | None = None) -> pd.DataFrame:
    """Voeten's published figures for `focus` and each partner, one row per (period_kind,
    period, partner), columns PUBLISHED_COLUMNS: the agreement he publishes (sessions; NaN
    where his file has no column for the focus), the ideal-point distance with its 90%
    interval, and ranks (1 = closest) among the partners and among all states with at least
    `min_votes` votes in the period (default: the PIVOTWATCH_MIN_VOTES setting).

    `first_year`/`last_year` bound the year of each period's last day (period_end: 31
    December of a year, 31 August of 1946 + session). Sorted by period kind (sessions
    first), partner in the order given, period. Reads no clock: a caller that wants the
    figures known at a date filters period_end itself. UsageError when none are loaded."""
    import pandas as pd

    from pivotwatch.errors import UsageError
    from pivotwatch.settings import get_settings

    if first_year is not None and last_year is not None and first_year > last_year:
        raise UsageError(f"--from {first_year} is after --to {last_year}")
    if min_votes is None:
        min_votes = get_settings().min_votes
    if min_votes < 0:
        raise UsageError(f"the minimum number of votes must be 0 or more, not {min_votes}")
    focus, codes = check_codes(focus, partners)
    con = store.ibis()
    ideal, agree = con.table("un_ideal_points"), con.table("un_published_agreement")
    held = _count(store, ideal.filter(ideal.country == focus))
    agreeing = _count(store, agree.filter(agree.focus == focus))
    if not held and not agreeing:
        if not _count(store, ideal):
            raise UsageError(f"no UN ideal points in the store: {NO_IDEAL_POINTS}")
        raise UsageError(f"the store holds no ideal points of {focus} and no agreement "
                         f"published with it")
    expr = ranked(published_figures(ideal, agree, focus), codes, min_votes)
    end_year = expr.period_end.year()
    if first_year is not None:
        expr = expr.filter(end_year >= first_year)
    if last_year is not None:
        expr = expr.filter(end_year <= last_year)
    df = store.to_pandas(expr)
    order = {p: i for i, p in enumerate(codes)}
    df = df.assign(_k=df["period_kind"].map({"session": 0, "year": 1}),
                   _p=df["partner"].map(order))
    df = df.sort_values(["_k", "_p", "period"]).drop(columns=["_k", "_p"])
    df = df.reset_index(drop=True)[list(PUBLISHED_COLUMNS)]
    df["period"] = df["period"].astype("int64")
    df["period_end"] = pd.to_datetime(df["period_end"]).dt.date
    for column in ("n_votes", *(c for c in PUBLISHED_COLUMNS if "rank" in c)):
        if column != "ranked_states":
            df[column] = df[column].astype("Int64")
    df["ranked_states"] = df["ranked_states"].astype("int64")
    for column in ("agreement", "ideal_distance", "distance_low", "distance_high"):
        df[column] = df[column].astype("float64")
    return df
