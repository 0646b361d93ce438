"""`pivotwatch optimize`: rebuild the derived tables from the base tables, then checkpoint."""

from __future__ import annotations

import typer
from rich.table import Table

from pivotwatch.cli.common import handle_errors, out, shown, store
from pivotwatch.store.derived import optimize as optimize_store


def register(app: typer.Typer) -> None:
    app.command("optimize")(optimize)


@handle_errors
def optimize() -> None:
    """Rebuild the derived daily tables (dyad sums and volume denominators, which indicators,
    partners, changes, the assessment and the briefing read) from the events and daily
    counts, compacted and sorted by pair and day, then checkpoint the store.

    Run it after changing the dimension map (PIVOTWATCH_DIMENSIONS) or upgrading pivotwatch
    (the figures come from the slower events until then, with a note saying so), after
    editing the store by hand, or after many small loads. The store is written in one
    transaction: an interrupted run changes nothing.

    Example: pivotwatch --db study.duckdb optimize
    """
    with store(create=False) as st:  # a mistyped --db is an error, not a new store
        size = st.path.stat().st_size if st.path.is_file() else 0
        done = optimize_store(st)
        path = st.path
    after = path.stat().st_size if path.is_file() else 0
    table = Table(title=f"derived tables rebuilt in {done['seconds']:.1f} s",
                  title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in done["rows"].items():
        table.add_row(name, f"{rows:,}")
    out.print(table)
    if size:
        out.print(f"store {shown(path)}: {size / 1e6:,.1f} MB before, {after / 1e6:,.1f} MB "
                  "after checkpoint")
