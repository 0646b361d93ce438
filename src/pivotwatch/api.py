"""The Python API: what the CLI does, callable from a notebook.

    import pivotwatch
    store = pivotwatch.open_store("pivotwatch.duckdb", read_only=True)
    df = pivotwatch.indicators("RUS-CHN", store=store, freq="day")
    votes = pivotwatch.alignment("RUS", "PRK", store=store, first_year=2010)

A thin door: each function here calls one library function in `pivotwatch.analysis` or
`pivotwatch.report` and adds nothing but the store handling. Every function takes `store=None`:
then the default store ($PIVOTWATCH_DB) is opened read-only for the call and closed after it.
A missing store is a StoreError, never a new empty one (see `open_store`). Nothing in the
library imports this module; it only calls down.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pivotwatch.analysis.dyads import (
    check_dimensions,
    code_dimensions,
    coverage_warnings,
    indicators,
    parse_dyad,
)
from pivotwatch.errors import UsageError
from pivotwatch.store import Store, open_store, reading

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Store", "alerts", "alignment", "assess", "assessment_history", "briefing",
    "check_dimensions", "code_dimensions", "coverage_warnings", "fuel", "indicators",
    "open_store", "parse_dyad", "sanctions", "trade", "watch_cycle",
]

BRIEFING_FORMATS = ("markdown", "html")


def alignment(focus: str = "RUS", partners: Sequence[str] | str | None = None, *,
              store: Store | None = None, by: str = "year",
              issues: Sequence[str] | None = None, first_year: int | None = None,
              last_year: int | None = None) -> pd.DataFrame:
    """UN General Assembly voting alignment of `focus` with each partner, per year (or
    session, `by="session"`) and issue, with the counts behind every figure (see
    `pivotwatch alignment` and docs/alignment.md). `partners` defaults to China, India,
    Iran, Vietnam and Mongolia; `issues` to ["all"]. `df.attrs["warnings"]` says what the
    figures lack.

        pivotwatch.alignment("RUS", ["PRK", "CHN"], first_year=2010, issues=["all", "hr"])
    """
    from pivotwatch.analysis.alignment import alignment as compute

    with reading(store) as st:
        return compute(focus, partners, store=st, by=by, issues=issues,
                       first_year=first_year, last_year=last_year)


def trade(a: str = "RUS", b: str = "PRK", *, store: Store | None = None, by: str = "year",
          categories: Sequence[str] | None = None, start: int | None = None,
          end: int | None = None) -> pd.DataFrame:
    """Comtrade trade between two countries, each side's reports and the mirror figures, and
    for Russia–North Korea the curated reference figures beside them (column `source`; never
    added together), per year or (`by="category"`) per trade category. See `pivotwatch trade`
    and docs/trade.md; `df.attrs["warnings"]` says what the figures cannot tell.

        pivotwatch.trade("RUS", "PRK", by="category", categories=["energy"], start=2015)
    """
    from pivotwatch.analysis.trade import trade_with_reference

    with reading(store) as st:
        return trade_with_reference(a, b, store=st, by=by, categories=categories,
                                    start=start, end=end)


def fuel(supplier: str | None = "RUS", *, store: Store | None = None,
         start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """Refined-petroleum deliveries to North Korea against the UNSCR 2397 cap, one row per
    published figure with its basis, share of the cap and caveats (see `pivotwatch fuel`).
    `supplier=None` gives every supplier's figures.

        pivotwatch.fuel("RUS", start=2018)
    """
    from pivotwatch.analysis.trade import fuel_vs_cap

    with reading(store) as st:
        return fuel_vs_cap(supplier, store=st, start=start, end=end)


def sanctions(country: str = "PRK", linked: str | None = None, *, lists: Sequence[str] = (),
              store: Store | None = None, as_of: date | None = None) -> pd.DataFrame:
    """Current designations under `country`'s sanctions programmes, or with `linked` only
    those tying the two countries, one row each (see `pivotwatch sanctions` and
    docs/sanctions.md); with `as_of`, the lists as they stood that day. `df.attrs` holds the
    lists loaded, the programmes matched and a summary by list, programme and kind.

        pivotwatch.sanctions("PRK", linked="RUS", lists=["un_sc"])
    """
    from pivotwatch.analysis.sanctions import sanctions as compute

    with reading(store) as st:
        return compute(country, linked, lists=list(lists), store=st, as_of=as_of)


def briefing(dyad: str = "RUS-PRK", *, store: Store | None = None, freq: str = "year",
             start: date | None = None, end: date | None = None, fmt: str = "markdown",
             documents: Sequence[str] = (), allow_private: bool = False) -> str:
    """The briefing that `pivotwatch report` writes, as Markdown or (`fmt="html"`, charts
    inline) HTML text. `documents` (files or http(s) URLs) add a claims audit section.

    Named `briefing`, not `report`: `pivotwatch.report` is the package that renders it.

        text = pivotwatch.briefing("RUS-PRK", start=date(2015, 1, 1), fmt="html")
        Path("briefing.html").write_text(text, encoding="utf-8")
    """
    if fmt not in BRIEFING_FORMATS:
        raise UsageError(f"unknown briefing format {fmt!r}: choose from "
                         f"{', '.join(BRIEFING_FORMATS)}")
    from pivotwatch.report.briefing import build_briefing
    from pivotwatch.report.render import html, markdown

    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with reading(store) as st:
        built = build_briefing(st, dyad, freq=freq, start=start, end=end, generated=generated)
        if documents:
            from pivotwatch.report.audit_section import claims_section

            built.claims = claims_section(st, list(dict.fromkeys(documents)),
                                          allow_private=allow_private)
        return markdown(built) if fmt == "markdown" else html(built)


def assess(dyad: str = "RUS-PRK", *, store: Store | None = None, as_of: date | None = None,
           partners: Sequence[str] | str | None = None, compare: bool = True):
    """The assessment of `dyad` as of `as_of` (default: the newest dated evidence about the
    pair): per dimension a level, direction and confidence with the evidence, the bottom line,
    the partner comparison and each source's freshness (see `pivotwatch assess` and
    docs/assessment.md). Returns an `Assessment`; `.to_dict()` gives the JSON.

        pivotwatch.assess("RUS-PRK", as_of=date(2024, 12, 31)).bottom_line
    """
    from pivotwatch.analysis.assessment import assess as compute

    return compute(dyad, store=store, as_of=as_of, partners=partners, compare=compare)


def assessment_history(dyad: str = "RUS-PRK", *, store: Store | None = None, start: int = 2015,
                       end: int | None = None, freq: str = "year") -> pd.DataFrame:
    """The judgments as of each year (or quarter) end, one row per date and dimension.

        pivotwatch.assessment_history("RUS-PRK", start=2015, end=2025)
    """
    from pivotwatch.analysis.assessment import history, history_frame

    return history_frame(history(dyad, store=store, start=start, end=end, freq=freq))


def watch_cycle(dyads: Sequence[str] | None = None, *, db=None, config=None,
                allow_private: bool | str = False, create: bool = False, **options):
    """Run one watch cycle (`pivotwatch watch --once`) on the store at `db` (default
    $PIVOTWATCH_DB): refresh the sources, re-assess `dyads`, store and deliver the alerts.
    `config` is a config file's path (default: $PIVOTWATCH_CONFIG or ./pivotwatch.toml);
    `options` are those of the command (`feed=`, `webhook=`, `mail_to=`, `gdelt=`, `rules=`);
    a missing store is an error unless `create`.
    Returns the cycle's `CycleResult` (`.alerts`, `.sources`, `.to_dict()`). Not named `watch`:
    that is the subpackage (docs/watch.md).

        pivotwatch.watch_cycle(["RUS-PRK"], feed="alerts.atom").alerts
    """
    from pivotwatch.watch.config import load_config, with_options
    from pivotwatch.watch.cycle import watch as run

    cfg = with_options(load_config(config), dyads=dyads, **options)
    return run(cfg, db=db, once=True, allow_private=allow_private, create=create)[0]


def alerts(dyad: str | None = None, *, store: Store | None = None, rule: str | None = None,
           severity: str | None = None, since: datetime | None = None, limit: int = 100):
    """The alerts the watcher raised, newest first (`pivotwatch alerts`); each an `Alert`
    with `.to_dict()`.

        [a.title for a in pivotwatch.alerts("RUS-PRK", rule="volume_jump")]
    """
    from pivotwatch.watch.state import alert_filters
    from pivotwatch.watch.state import alerts as stored

    dyad, rule, severity = alert_filters(dyad, rule, severity)
    with reading(store) as st:
        return stored(st, dyad=dyad, rule=rule, severity=severity, since=since, limit=limit)
