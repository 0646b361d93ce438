"""Briefing panels from the structured sources: UN votes, trade, fuel against the cap, sanctions.

Each builder returns a `Panel` for one section of the briefing: measured sentences, tables whose
every figure comes from a store table, what the figures cannot tell, and the SQL that returns
the rows behind them (shown for a reader to copy: every value in it is a quoted literal). A
source that is not loaded gives a panel that says so (and how to load it), never an empty table
passed off as "none".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pivotwatch.analysis import alignment as voting
from pivotwatch.analysis import sanctions as designations
from pivotwatch.analysis import trade as trade_flows
from pivotwatch.analysis.partners import DEFAULT_PARTNERS
from pivotwatch.errors import PivotwatchError
from pivotwatch.markup import sql_literal as q
from pivotwatch.store import Store

MIN_ROLL_CALLS = voting.THIN  # fewer shared roll calls in a year: too thin to show
RECENT_YEARS = 5
Cell = str | list[tuple[str, str]]  # text, or links as (text, url)


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[Cell]]


@dataclass
class Panel:
    anchor: str
    section: str  # the briefing section it belongs to: political, economic, energy, security
    title: str
    loaded: bool
    lead: list[str]
    tables: list[Table] = field(default_factory=list)
    limits: str = ""
    query: str = ""
    chart: Callable[[], str | None] | None = None  # drawn for HTML only
    judgment: tuple[str, str] | None = None  # text, confidence


def _money(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if abs(x) >= 1e9:
        return f"${x / 1e9:,.2f}bn"
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}m"
    return f"${x:,.0f}"


def _source_cell(urls) -> Cell:
    return [(f"[{i}]", u) for i, u in enumerate(urls if urls is not None else [], 1)]


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _year(d: date | None) -> int | None:
    return d.year if d else None


# --- political: UN General Assembly voting alignment --------------------------------------

def votes_panel(store: Store, a: str, b: str, start: date | None, end: date | None) -> Panel:
    title = "UN General Assembly voting alignment"
    base = Panel("un-votes", "political", title, False, [])
    if not store.count("un_votes"):
        base.lead = ["UN General Assembly votes are not loaded, so political support in the UN "
                     "cannot be measured here: load them with `pivotwatch ingest unvotes "
                     "un_votes.csv un_roll_calls.csv un_roll_call_issues.csv` (or `pivotwatch "
                     "ingest sample`)."]
        return base
    partners = [b] + [p for p in DEFAULT_PARTNERS if p not in (a, b)]
    try:
        df = voting.alignment(a, partners, store=store, by="year",
                              first_year=_year(start), last_year=_year(end))
    except PivotwatchError as exc:
        base.lead = [f"UN votes are loaded but alignment cannot be computed: {exc}."]
        return base
    overall = df[(df.period == "all") & (df.issue == "all")].set_index("partner")
    if overall.empty or not overall.roll_calls.sum():
        first, last = store.con.execute("SELECT min(date), max(date) FROM un_roll_calls") \
            .fetchall()[0]
        base.lead = [f"No General Assembly roll call in this range has votes of {a} and a "
                     f"partner (the loaded roll calls run {first} to {last})."]
        return base
    yearly = df[(df.period != "all") & (df.issue == "all") & (df.roll_calls >= MIN_ROLL_CALLS)]
    years = sorted({int(p) for p in yearly.period})[-RECENT_YEARS:]
    rows = []
    for p in partners:
        if p not in overall.index:
            continue
        o = overall.loc[p]
        cells: list[Cell] = [p, f"{o.first_date:%Y}–{o.last_date:%Y}", f"{int(o.roll_calls):,}",
                             f"{int(o.identical):,}",
                             f"{o.share:.0%}", "–" if pd.isna(o.kappa) else f"{o.kappa:.2f}"]
        for y in years:
            hit = yearly[(yearly.partner == p) & (yearly.period == str(y))]
            cells.append(f"{hit.iloc[0].share:.0%} ({int(hit.iloc[0].roll_calls)})"
                         if len(hit) else "–")
        rows.append(cells)
    panel = Panel("un-votes", "political", title, True, [],
                  chart=lambda: _alignment_chart(df, a, b))
    panel.tables.append(Table(
        f"{a} with each partner: all roll calls both voted on in range, and the last "
        f"{len(years)} years with at least {MIN_ROLL_CALLS} (share identical, roll calls)",
        ["partner", "span", "roll calls both voted", "identical", "share identical", "kappa",
         *map(str, years)], rows))
    (last,) = store.con.execute("SELECT max(date) FROM un_roll_calls").fetchall()[0]
    if b in overall.index:
        o = overall.loc[b]
        recent = yearly[yearly.period.isin([str(y) for y in years])]
        recent_share = (recent.groupby("partner").identical.sum()
                        / recent.groupby("partner").roll_calls.sum()).sort_values(
                            ascending=False)
        text = (f"{a} and {b} cast the same vote on {int(o.identical):,} of the "
                f"{int(o.roll_calls):,} General Assembly roll calls both voted on "
                f"({o.first_date:%Y}–{o.last_date:%Y}): {o.share:.0%}, kappa {o.kappa:.2f}.")
        if b in recent_share.index:
            text += (f" In {years[0]}–{years[-1]}: {recent_share[b]:.0%}, rank "
                     f"{recent_share.index.get_loc(b) + 1} of {len(recent_share)} partners "
                     "(" + ", ".join(f"{p} {v:.0%}" for p, v in recent_share.items()) + ").")
        panel.lead.append(text)
        panel.judgment = (text, "recorded")
    else:
        panel.lead.append(f"The store holds no UN votes of {b}.")
    panel.lead += [f"Warning: {w}." for w in df.attrs.get("warnings", [])]
    panel.limits = (
        "A roll call counts when both countries voted yes, no or abstain; absences and "
        "non-membership are not votes (North Korea joined in 1991). Shares run high for every "
        "pair because many resolutions pass near-unanimously; kappa discounts the agreement "
        "expected from each country's own mix of votes (0 = no more than chance). Votes are "
        "not weighted by importance. Each pair's whole-span figures cover the years both were "
        "members (see span): a long span includes Cold War bloc voting, so compare pairs on "
        f"the recent years. The loaded roll calls end on {last:%Y-%m-%d}: docs/alignment.md.")
    partner_list = ", ".join(map(q, [a, *partners]))
    # un_roll_calls holds one row per roll call and layout (unvotes, Voeten): one date each
    panel.query = (f"SELECT r.date, v.rcid, v.country, v.vote FROM un_votes v JOIN (SELECT "
                   "rcid, max(date) AS date FROM un_roll_calls GROUP BY rcid) r USING (rcid) "
                   f"WHERE v.country IN ({partner_list}) ORDER BY r.date, v.rcid, v.country")
    return panel


def _alignment_chart(df: pd.DataFrame, focus: str, partner: str) -> str | None:
    from pivotwatch.report import charts

    return charts.alignment_chart(df, focus, MIN_ROLL_CALLS, highlight=partner)


# --- economic: trade by category, and recorded trade against estimates ---------------------

def trade_panel(store: Store, a: str, b: str, start: date | None, end: date | None) -> Panel:
    title = "Trade: reported, mirror and reference figures"
    base = Panel("trade", "economic", title, False, [])
    flows = store.count("trade_flows")
    pair_has_reference = {a, b} == {"RUS", "PRK"}
    refs = store.count("reference_trade") if pair_has_reference else 0
    if not flows and not refs:
        base.lead = ["No trade data is loaded: load Comtrade files with `pivotwatch ingest "
                     "comtrade FILE...`" + (" and the reference figures with `pivotwatch "
                                            "ingest reference`" if pair_has_reference else "")
                     + "."]
        return base
    df = trade_flows.trade_with_reference(a, b, store=store, by="category",
                                          start=_year(start), end=_year(end))
    panel = Panel("trade", "economic", title, True, [])
    comtrade = df[df.source == "comtrade"]
    if len(comtrade):
        years = sorted(comtrade.year.unique())[-RECENT_YEARS:]
        shown = comtrade[comtrade.year.isin(years) & (comtrade.category != trade_flows.ALL)]
        shown = shown.sort_values(["year", "country", "flow", "value_usd"],
                                  ascending=[True, True, True, False])
        panel.tables.append(Table(
            "Comtrade, by HS category (the last years loaded): 'reported by' is the country's "
            "own report; 'mirror' is taken from its partner's report",
            ["year", "country", "flow", "category", "value", "basis", "valuation"],
            [[str(r.year), r.country, r.flow, r.category, _money(r.value_usd), r.basis,
              r.valuation or ""] for r in shown.itertuples()]))
        totals = comtrade[comtrade.category == trade_flows.ALL]
        if len(totals):
            latest = totals[totals.year == totals.year.max()]
            panel.lead.append(
                f"Comtrade, {int(latest.year.iloc[0])}: "
                + "; ".join(f"{r.country} {r.flow}s from {r.partner} {_money(r.value_usd)} "
                            f"({r.basis})" for r in latest.itertuples()) + ".")
    panel.lead += [f"Note: {w}." for w in df.attrs.get("warnings", [])]
    reference = df[df.source == "reference"]
    if len(reference):
        panel.tables.append(Table(
            "Reference figures (curated, each with who published it and its source; never "
            "added to Comtrade's)",
            ["year", "flow", "value", "basis", "caveats", "confidence", "note", "source"],
            [[str(r.year), r.flow, _money(r.value_usd), r.basis,
              ", ".join(f.replace("_", " ") for f in r.flags), r.confidence or "",
              _text(r.note), _source_cell(r.source_urls)] for r in reference.itertuples()]))
        gaps = _trade_gaps(reference, comtrade)
        panel.lead += gaps
        headline = [g for g in gaps if g.startswith(("Latest recorded", "Gap to the target"))]
        panel.judgment = (" ".join(headline), "curated") if headline else None
    panel.limits = (
        "Comtrade import values are CIF and export values FOB, so mirror figures differ from "
        "the partner's own; re-exports, confidential and unrecorded trade (sanctioned goods "
        "above all) are missing. "
        + ("North Korea reports nothing: every DPRK figure is mirror data or a published "
           "estimate. " if "PRK" in (a, b) else "")
        + "Reference figures come from different publishers with different coverage: compare "
        "them with care (docs/trade.md).")
    panel.query = (f"SELECT * FROM trade_flows WHERE (reporter = {q(a)} AND partner = {q(b)}) "
                   f"OR (reporter = {q(b)} AND partner = {q(a)}); SELECT * FROM "
                   "reference_trade ORDER BY year")
    return panel


def _trade_gaps(reference: pd.DataFrame, comtrade: pd.DataFrame) -> list[str]:
    """Sentences comparing recorded totals with estimates, targets and Comtrade's figures."""
    out = []
    def flagged(flag: str) -> pd.Series:
        return reference["flags"].map(lambda fs: flag in list(fs))

    def estimate() -> pd.Series:
        return reference.basis.fillna("").str.contains("estimate")

    totals = reference.flow == "total"
    recorded = reference[totals & ~flagged("inferred") & ~flagged("partial_year") & ~estimate()]
    target = reference[flagged("target")]
    if len(recorded):
        last = recorded.sort_values("year").iloc[-1]
        out.append(f"Latest recorded total: {_money(last.value_usd)} in {last.year} "
                   f"({last.basis}; confidence {last.confidence}).")
    for t in target.itertuples():
        same = recorded[recorded.year == t.year]
        if len(same):
            r = same.iloc[0]
            out.append(f"Gap to the target: {_money(t.value_usd)} was the goal for {t.year}; "
                       f"{_money(r.value_usd)} was recorded that year, "
                       f"{r.value_usd / t.value_usd:.0%} of it.")
    guesses = reference[totals & (flagged("inferred") | estimate())]
    if len(guesses):
        out.append("Not recorded figures (inferred by the curators or estimates): " + "; ".join(
            f"{r.year} {_money(r.value_usd)} ({r.basis})" for r in guesses.itertuples()) + ".")
    if len(comtrade) and len(recorded):
        both = sorted(set(recorded.year) & set(comtrade.year))
        for y in both:
            ref = recorded[recorded.year == y].iloc[0].value_usd
            mirror = comtrade[(comtrade.year == y) & (comtrade.category == trade_flows.ALL)]
            if len(mirror):
                value = mirror.value_usd.sum()
                out.append(f"{y}: Comtrade flows sum to {_money(value)} against "
                           f"{_money(ref)} recorded ({value / ref:.0%}).")
    return out


# --- energy: refined petroleum against the UNSCR 2397 cap -----------------------------------

def fuel_panel(store: Store, a: str, b: str, start: date | None = None,
               end: date | None = None) -> Panel | None:
    """Fuel against the cap applies to deliveries to the DPRK: None for other pairs."""
    if "PRK" not in (a, b):
        return None
    supplier = b if a == "PRK" else a
    title = "Refined petroleum against the UNSCR 2397 cap"
    if not store.con.execute("SELECT count(*) FROM reference_fuel WHERE supplier = ?",
                             [supplier]).fetchall()[0][0]:
        return Panel("fuel", "energy", title, False, [
            f"No refined-petroleum figures for deliveries from {supplier} are loaded: "
            "`pivotwatch ingest reference` loads the bundled ones (Russia to the DPRK)."])
    df = trade_flows.fuel_vs_cap(supplier, store=store, start=_year(start), end=_year(end))
    if df.empty:
        return Panel("fuel", "energy", title, False, [
            f"No refined-petroleum figure for deliveries from {supplier} falls in this range "
            "(the loaded figures cover 2018-2024)."])
    panel = Panel("fuel", "energy", title, True, [], chart=lambda: _fuel_chart(df, supplier))
    panel.tables.append(Table(
        "Each published figure for its own period, by basis (figures of different bases or "
        "overlapping periods are never added)",
        ["period", "barrels", "basis", "share of annual cap", "caveats", "confidence",
         "source"],
        [[f"{r.period_start} to {r.period_end}",
          "–" if pd.isna(r.barrels) else f"{r.barrels:,.0f}", r.basis_label,
          "–" if pd.isna(r.share_of_cap) else f"{r.share_of_cap:.0%}", r.caveats,
          r.confidence, _source_cell(r.source_urls)] for r in df.itertuples()]))
    un = df[(df.basis == "reported_to_un") & df.barrels.notna()]
    if len(un):
        latest = un.sort_values("period_end").iloc[-1]
        peak = un.sort_values("share_of_cap").iloc[-1]
        panel.lead.append(
            f"Reported to the UN: the largest figure is {peak.barrels:,.0f} barrels "
            f"({peak.share_of_cap:.0%} "
            f"of the {peak.cap_barrels:,.0f}-barrel annual cap) for {peak.period_start} to "
            f"{peak.period_end}; the latest notification covers {latest.period_start} to "
            f"{latest.period_end} ({latest.barrels:,.0f} barrels).")
    estimates = df[(df.basis != "reported_to_un") & df.barrels.notna()]
    over = estimates[estimates.share_of_cap > 1]
    if len(over):
        e = over.sort_values("share_of_cap").iloc[-1]
        panel.lead.append(
            f"An {e.basis_label} puts deliveries for {e.period_start} to {e.period_end} at "
            f"{e.barrels:,.0f} barrels or more, {e.share_of_cap:.0%} of the annual cap on its "
            "own, far above what was reported to the UN.")
    panel.judgment = (" ".join(panel.lead), "curated") if panel.lead else None
    panel.limits = (
        "Figures are published ones of three kinds (reported to the UN 1718 Committee, "
        "government estimates, open-source estimates) and are kept apart; lower bounds say "
        "'at least'. The cap counts every supplier's deliveries, so one supplier's share is "
        "not the DPRK's total.")
    panel.query = (f"SELECT * FROM reference_fuel WHERE supplier = {q(supplier)} ORDER BY "
                   "period_start; SELECT * FROM reference_caps")
    return panel


def _fuel_chart(df: pd.DataFrame, supplier: str) -> str | None:
    from pivotwatch.report import charts

    return charts.fuel_chart(df, f"Refined petroleum from {supplier} to the DPRK (barrels)")


# --- security: designations that tie the two ---------------------------------------------

def sanctions_panel(store: Store, a: str, b: str) -> Panel:
    title = f"Sanctions designations tying {a} and {b}"
    if not store.count("sanctions"):
        return Panel("sanctions", "security", title, False, [
            "No sanctions lists are loaded: load them with `pivotwatch ingest sanctions "
            "FILE...` (UN Security Council, OFAC or OpenSanctions)."])
    linked = designations.sanctions(a, b, store=store)
    lists = linked.attrs["lists"]
    panel = Panel("sanctions", "security", title, True, [])
    counts = []
    for country in (a, b):
        under = designations.sanctions(country, store=store)
        counts.append(f"{len(under):,} under {country}'s programmes")
    published = "; ".join(f"{x['list']} published {pd.Timestamp(x['published_at']):%Y-%m-%d} "
                          f"({x['entries']:,} current entries)" for x in lists)
    panel.lead.append(
        f"{len(linked):,} current designation(s) tie {a} and {b}: listed under one country's "
        f"programme and naming the other (nationality, address, flag, birth or remarks). "
        f"For scale: "
        f"{', '.join(counts)}. Lists loaded: {published}.")
    panel.judgment = (panel.lead[0], "listed")
    if len(linked):
        panel.tables.append(Table(
            "Designations listed under one country's programme with a tie to the other",
            ["list", "id", "name", "kind", "programmes", "tie", "listed on"],
            [[r.list, r.list_id, r.name, r.kind, ", ".join(r.country_programmes), r.tie,
              "" if pd.isna(r.listed_on) else str(r.listed_on)[:10]]
             for r in linked.itertuples()]))
    panel.limits = (
        "A list is a snapshot on its publication date: designations after it are missing, and "
        "ties count only what the list records (nationality, address, a vessel's flag, place "
        "of birth, countries named in remarks). No tie in the loaded "
        "lists is not evidence that none exists. OpenSanctions data are licensed CC BY-NC 4.0 "
        "(non-commercial use): docs/sanctions.md.")
    # list ids come from the files: each one quoted, so a hostile id stays one literal
    ids = ", ".join(q(f"{r.list}:{r.list_id}") for r in linked.itertuples())
    panel.query = (f"pivotwatch sanctions --country {a} --linked {b} --format csv  (the current "
                   "version of each entry; every version: SELECT * FROM sanctions WHERE list || "
                   f"':' || list_id IN ({ids or 'NULL'}))")
    return panel


def build_panels(store: Store, a: str, b: str, start: date | None,
                 end: date | None) -> list[Panel]:
    """Every panel that applies to the pair, loaded or saying it is not."""
    panels = [votes_panel(store, a, b, start, end), trade_panel(store, a, b, start, end),
              fuel_panel(store, a, b, start, end), sanctions_panel(store, a, b)]
    return [p for p in panels if p is not None]
