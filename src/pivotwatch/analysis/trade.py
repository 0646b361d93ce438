"""Trade between two countries from Comtrade, with mirror statistics, and the reference figures.

A country that does not report to Comtrade (North Korea has not for decades) still appears in
its partners' reports: Russia's exports to North Korea are North Korea's imports from Russia.
`bilateral` shows each side's trade with the other twice where the data allow, from its own
reports and from the other's ("mirror"), each row labelled with who reported it. The two
never agree exactly: importers value goods CIF (with freight and insurance), exporters FOB,
and re-exports, confidential trade and timing differ; nothing here adjusts for that (see
docs/trade.md).

The figures are Ibis expressions (`report_totals`, `bilateral`, `reference_trade_rows`,
`fuel_against_cap`) that take and return Ibis tables and import no engine; `trade`,
`reference_trade` and `fuel_vs_cap` wire them to a store and return pandas DataFrames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from pivotwatch.errors import UsageError
from pivotwatch.sources.reference_figures import BASES
from pivotwatch.taxonomy.trade_categories import TOTAL
from pivotwatch.taxonomy.trade_categories import categories as category_names

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

ALL = "all"  # the category of a year's total over every commodity
REPORT = ["reporter", "partner", "year", "flow"]
MIRRORED = {"import": "export", "export": "import"}
VALUATION = {"import": "CIF (importer's valuation)", "export": "FOB (exporter's valuation)",
             "re-import": "CIF (importer's valuation)",
             "re-export": "FOB (exporter's valuation)"}
CAP_COMMODITY, CAP_UNIT = "refined_petroleum", "barrels_per_year"
FLAG_TEXT = {"lower_bound": "LOWER BOUND: at least this much",
             "overlaps": "OVERLAPS another row of the same basis: do not add them",
             "partial_year": "PARTIAL YEAR", "inferred": "INFERRED, not published",
             "target": "TARGET, not a recorded value", "gap": "GAP: no volume given"}


# --- Ibis ----------------------------------------------------------------------------------

def net_details(flows: ir.Table) -> ir.Table:
    """The HS-coded rows of each report that no less detailed code of the same report covers
    (a file may hold chapter 44 and heading 4401 for the same flow: count it once)."""
    detail = flows.filter(flows.hs_code != TOTAL)
    n = detail.hs_code.length()
    detail = detail.mutate(p2=ibis.ifelse(n > 2, detail.hs_code.substr(0, 2), ibis.null("string")),
                           p4=ibis.ifelse(n > 4, detail.hs_code.substr(0, 4), ibis.null("string")))
    for prefix in ("p2", "p4"):
        # a fresh view each time: Ibis refuses a self-join that reuses one
        codes = flows.select(r_=flows.reporter, q_=flows.partner, y_=flows.year,
                             f_=flows.flow, code_=flows.hs_code).view()
        detail = detail.anti_join(codes, [detail.reporter == codes.r_, detail.partner == codes.q_,
                                          detail.year == codes.y_, detail.flow == codes.f_,
                                          detail[prefix] == codes.code_])
    return detail.drop("p2", "p4")


def report_totals(flows: ir.Table) -> ir.Table:
    """Per report (reporter, partner, year, flow) and category: the value in USD.

    Category 'all' is the report's TOTAL row where the data have one ("all commodities"),
    else the sum of its HS codes ("only the HS codes loaded"); the other categories sum the
    HS codes of that category. Columns: reporter, partner, year, flow, category, value_usd,
    hs_codes (how many codes were summed; 0 for a TOTAL row), coverage.
    """
    net = net_details(flows)
    by_category = net.group_by([*REPORT, "category"]).aggregate(
        value_usd=net.value_usd.sum(), hs_codes=net.count())
    by_category = by_category.mutate(coverage=ibis.literal("only the HS codes loaded"))
    detail = net.group_by(REPORT).aggregate(d_value=net.value_usd.sum(), d_codes=net.count())
    totals = flows.filter(flows.hs_code == TOTAL).select(*REPORT, t_value=flows.value_usd)
    keys = flows.select(*REPORT).distinct()
    both = keys.left_join(detail, REPORT).drop(*(f"{k}_right" for k in REPORT))
    both = both.left_join(totals, REPORT).drop(*(f"{k}_right" for k in REPORT))
    has_total = both.t_value.notnull()
    everything = both.select(
        *REPORT, category=ibis.literal(ALL),
        value_usd=ibis.ifelse(has_total, both.t_value, both.d_value),
        hs_codes=ibis.ifelse(has_total, 0, both.d_codes.cast("int64")),
        coverage=ibis.ifelse(has_total, "all commodities (TOTAL)", "only the HS codes loaded"))
    return ibis.union(everything, by_category.select(*everything.columns), distinct=False)


def bilateral(flows: ir.Table, a: str, b: str, *, start: int | None = None,
              end: int | None = None) -> ir.Table:
    """Trade of `a` with `b` and of `b` with `a`, per year, flow and category, from each
    country's own reports and mirrored from the other's.

    Columns: year, country, partner, flow (the country's import or export), category,
    value_usd, reported_by (ISO3 of the reporter), basis ("reported by RUS" or "mirror: from
    PRK's partners' reports"), valuation (CIF or FOB, by the reporter's flow), hs_codes,
    coverage. Re-imports and re-exports appear only as reported.
    """
    pair = flows.filter(((flows.reporter == a) & (flows.partner == b))
                        | ((flows.reporter == b) & (flows.partner == a)))
    if start is not None:
        pair = pair.filter(pair.year >= start)
    if end is not None:
        pair = pair.filter(pair.year <= end)
    totals = report_totals(pair)
    valuation = totals.flow.cases(*VALUATION.items(), else_=ibis.null("string"))
    own = totals.select(
        "year", country=totals.reporter, partner=totals.partner, flow=totals.flow,
        category=totals.category, value_usd=totals.value_usd, reported_by=totals.reporter,
        basis="reported by " + totals.reporter, valuation=valuation,
        hs_codes=totals.hs_codes, coverage=totals.coverage)
    mirrorable = totals.filter(totals.flow.isin(list(MIRRORED)))
    mirror = mirrorable.select(
        "year", country=mirrorable.partner, partner=mirrorable.reporter,
        flow=mirrorable.flow.cases(*MIRRORED.items(), else_=ibis.null("string")),
        category=mirrorable.category, value_usd=mirrorable.value_usd,
        reported_by=mirrorable.reporter,
        basis="mirror: from " + mirrorable.partner + "'s partners' reports",
        valuation=mirrorable.flow.cases(*VALUATION.items(), else_=ibis.null("string")),
        hs_codes=mirrorable.hs_codes, coverage=mirrorable.coverage)
    return ibis.union(own, mirror, distinct=False).order_by(
        ["year", "country", "flow", "category", "basis"])


def reference_trade_rows(ref: ir.Table, *, start: int | None = None,
                         end: int | None = None) -> ir.Table:
    """The curated Russia–DPRK trade figures per year, each with its basis and sources."""
    if start is not None:
        ref = ref.filter(ref.year >= start)
    if end is not None:
        ref = ref.filter(ref.year <= end)
    basis = ibis.cases(
        (ref.flags.contains("target"), "target, not a recorded value"),
        (ref.flags.contains("inferred"),
         "inferred by the curators from figures published by " + ref.reporter),
        (ref.is_estimate, "estimate by " + ref.reporter),
        else_="published by " + ref.reporter)
    return ref.select("year", "reporter", "flow", "value_usd", basis=basis, flags=ref.flags,
                      note=ref.note, source_urls=ref.source_urls,
                      confidence=ref.confidence).order_by(["year", "flow", "reporter"])


def fuel_against_cap(fuel: ir.Table, caps: ir.Table, *, supplier: str | None = None,
                     start: int | None = None, end: int | None = None) -> ir.Table:
    """Each refined-petroleum delivery figure against the annual cap in force when its period
    began (UNSCR 2397: 500,000 barrels a year), one row per figure: figures of different
    bases, or overlapping periods, are never added.

    Columns: year (of period_start), period_start, period_end, supplier, barrels, basis,
    basis_label, cap_barrels, cap_instrument, share_of_cap (barrels / cap; null without a
    volume or a cap), flags, note, source_urls, confidence.
    """
    if supplier is not None:
        fuel = fuel.filter(fuel.supplier == supplier)
    if start is not None:
        fuel = fuel.filter(fuel.period_end.year() >= start)
    if end is not None:
        fuel = fuel.filter(fuel.period_start.year() <= end)
    rules = caps.filter((caps.commodity == CAP_COMMODITY) & (caps.cap_unit == CAP_UNIT))
    rules = rules.select(instrument_=rules.instrument, adopted_=rules.adopted,
                         cap_=rules.cap_value)
    joined = fuel.left_join(rules, fuel.period_start >= rules.adopted_)
    # the cap in force: the latest rule adopted before the period began
    latest = joined.group_by("row_key").aggregate(last_=joined.adopted_.max())
    joined = joined.left_join(latest, "row_key").drop("row_key_right")
    joined = joined.filter(joined.adopted_.isnull() | (joined.adopted_ == joined.last_))
    label = joined.basis.cases(*BASES.items(), else_=joined.basis)
    share = ibis.ifelse(joined.barrels.notnull() & joined.cap_.notnull(),
                        joined.barrels / joined.cap_, ibis.null("float64"))
    return joined.select(
        year=joined.period_start.year(), period_start=joined.period_start,
        period_end=joined.period_end, supplier=joined.supplier, barrels=joined.barrels,
        basis=joined.basis, basis_label=label, cap_barrels=joined.cap_,
        cap_instrument=joined.instrument_, share_of_cap=share, flags=joined.flags,
        note=joined.note, source_urls=joined.source_urls, confidence=joined.confidence,
    ).order_by(["period_start", "basis", "period_end"])


# --- the API -------------------------------------------------------------------------------

def country(code: str) -> str:
    from pivotwatch.taxonomy.countrycodes import to_iso3

    found = to_iso3(code, "iso3")
    if found is None:
        raise UsageError(f"unknown country code {code.strip().upper()!r}: give an ISO3 code "
                         "(e.g. RUS, PRK, CHN)")
    return found


def check_categories(values: Sequence[str] | None) -> list[str]:
    known = categories_all()
    chosen = [v.strip().lower() for item in (values or []) for v in item.split(",") if v.strip()]
    bad = [v for v in chosen if v not in known]
    if bad:
        raise UsageError(f"unknown trade category {bad[0]!r} (one of {', '.join(known)})")
    return chosen


def _with_store(store: Store | None, work):
    from pivotwatch.store import open_store

    own = store is None
    store = store or open_store(read_only=True)
    try:
        return work(store)
    finally:
        if own:
            store.close()


def trade(a: str, b: str, *, store: Store | None = None, by: str = "year",
          categories: Sequence[str] | None = None, start: int | None = None,
          end: int | None = None) -> pd.DataFrame:
    """Comtrade trade of `a` with `b` (and of `b` with `a`), reported and mirror, as a
    DataFrame (see `bilateral`). `by="year"` gives each year's total over all commodities;
    `by="category"` or `categories` gives the categories (`all` among them for the total).
    `df.attrs["warnings"]` says what the figures cannot tell."""
    a, b = country(a), country(b)
    if a == b:
        raise UsageError(f"give two different countries (got {a} twice)")
    if by not in ("year", "category"):
        raise UsageError(f"--by {by!r}: use year or category")
    chosen = check_categories(categories)
    if not chosen:
        chosen = [ALL] if by == "year" else list(category_names())

    def work(st: Store):
        flows = st.ibis().table("trade_flows")
        loaded = int(flows.count().to_pyarrow().as_py())
        expr = bilateral(flows, a, b, start=start, end=end)
        df = expr.filter(expr.category.isin(chosen)).to_pandas()
        reporters = set(st.con.execute("SELECT DISTINCT reporter FROM trade_flows").fetchall())
        return df, loaded, {r for (r,) in reporters}

    df, loaded, reporters = _with_store(store, work)
    warnings = []
    if loaded == 0:
        warnings.append("the store holds no Comtrade trade flows: load some with "
                        "`pivotwatch ingest comtrade FILE...` (or the bundled sample)")
    else:
        if df.empty:
            warnings.append(f"no Comtrade flows between {a} and {b} in the loaded data: "
                            "neither reports the other as a partner in any loaded file")
        for code in (a, b) if len(df) else ():  # with no figures, there is nothing to label
            if code not in reporters:
                warnings.append(f"{code} reports nothing in the loaded Comtrade data: its "
                                f"figures are mirror data from its partners' reports")
        if len(df) and (df.coverage != "all commodities (TOTAL)").any():
            warnings.append("some figures sum only the HS codes in the loaded files (no TOTAL "
                            "row): they are not the countries' whole trade")
    df.attrs.update(warnings=warnings, countries=[a, b], loaded_flows=loaded)
    return df


def categories_all() -> list[str]:
    return [ALL, *category_names()]


def reference_trade(*, store: Store | None = None, start: int | None = None,
                    end: int | None = None) -> pd.DataFrame:
    """The curated Russia–DPRK trade figures (`reference_trade`) per year, with basis, flags,
    note, sources and confidence."""
    return _with_store(store, lambda st: reference_trade_rows(
        st.ibis().table("reference_trade"), start=start, end=end).to_pandas())


def caveats(flags: Sequence[str], share: float | None, barrels: float | None,
            whole_year: bool = True) -> str:
    """What a fuel figure's reader must know, in words."""
    words = [FLAG_TEXT[f] for f in flags if f in FLAG_TEXT]
    if not whole_year:
        words.append("not a calendar year: compare with the annual cap with care")
    if barrels is not None and share is not None and share > 1:
        words.append("above the annual cap on its own")
    return "; ".join(words)


def fuel_vs_cap(supplier: str | None = "RUS", *, store: Store | None = None,
                start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Refined-petroleum delivery figures against the UNSCR 2397 cap (see
    `fuel_against_cap`), with a `caveats` column in words."""
    supplier = country(supplier) if supplier else None

    def work(st: Store):
        con = st.ibis()
        return fuel_against_cap(con.table("reference_fuel"), con.table("reference_caps"),
                                supplier=supplier, start=start, end=end).to_pandas()

    import pandas as pd

    df = _with_store(store, work)
    for column in ("period_start", "period_end"):  # days, not midnight timestamps
        df[column] = [d.date() if hasattr(d, "date") else d for d in df[column]]
    whole = [(a.month, a.day, b.month, b.day, a.year) == (1, 1, 12, 31, b.year)
             for a, b in zip(df["period_start"], df["period_end"], strict=True)]
    df["caveats"] = [caveats(list(f), None if pd.isna(s) else s, None if pd.isna(v) else v, w)
                     for f, s, v, w in zip(df["flags"], df["share_of_cap"], df["barrels"], whole,
                                           strict=True)]
    return df


def trade_with_reference(a: str, b: str, *, store: Store | None = None, by: str = "year",
                         categories: Sequence[str] | None = None, start: int | None = None,
                         end: int | None = None) -> pd.DataFrame:
    """Comtrade figures (reported and mirror, see `trade`) and, for Russia–North Korea, the
    curated reference figures for the same span, in one frame sorted by year; `source` says
    which is which ("comtrade" or "reference"). The reference figures are never added to
    Comtrade's. `df.attrs["warnings"]` as for `trade`."""
    import pandas as pd

    from pivotwatch.store import open_store

    own = store is None
    store = store or open_store(read_only=True)
    try:
        flows = trade(a, b, store=store, by=by, categories=categories, start=start, end=end)
        pair = set(flows.attrs["countries"])
        ref = (reference_trade(store=store, start=start, end=end) if pair == {"RUS", "PRK"}
               else pd.DataFrame())
    finally:
        if own:
            store.close()
    flows = flows.assign(source="comtrade", flags=[[] for _ in range(len(flows))], note=None,
                         source_urls=[[] for _ in range(len(flows))], confidence=None)
    if len(ref):
        ref = ref.assign(source="reference", country="RUS-PRK", partner=None, category=ALL,
                         reported_by=ref["reporter"], valuation=None, hs_codes=None,
                         coverage=None).drop(columns=["reporter"])
    columns = ["year", "source", "country", "partner", "flow", "category", "value_usd",
               "reported_by", "basis", "valuation", "coverage", "hs_codes", "flags", "note",
               "source_urls", "confidence"]
    parts = [f[columns] for f in (flows, ref) if len(f)]
    df = (pd.concat(parts, ignore_index=True) if parts else flows[columns].iloc[0:0])
    df = df.sort_values(["year", "source"], kind="stable", ignore_index=True)
    df.attrs.update(flows.attrs, reference_rows=len(ref))
    if pair != {"RUS", "PRK"}:
        df.attrs["warnings"].append("the curated reference figures cover Russia-North Korea "
                                    "trade only; none are shown for this pair")
    return df
