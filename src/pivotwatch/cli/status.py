"""`pivotwatch status`: what the store holds."""

from __future__ import annotations

import typer
from rich.table import Table

from pivotwatch.cli.common import handle_errors, out, store
from pivotwatch.store.status import store_status


def register(app: typer.Typer) -> None:
    app.command("status")(status)


@handle_errors
def status() -> None:
    """Files, rows, rejects and date coverage per source.

    Example: pivotwatch --db study.duckdb status
    """
    with store(read_only=True) as st:
        rows = store_status(st)
        path = st.path
    if not rows:
        out.print(f"{path}: empty store; load data with `pivotwatch ingest sample` or "
                  "`pivotwatch ingest gdelt ...`")
        return
    table = Table(title=f"store {path}", title_justify="left")
    for col in ("source", "files", "failed", "rows read", "events kept", "rejected",
                "already stored", "event days", "days with counts"):
        table.add_column(col, justify="right")
    for s in rows:
        span = f"{s.first_day} to {s.last_day}" if s.first_day else "-"
        table.add_row(s.source, f"{s.files_loaded:,}", f"{s.files_failed:,}",
                      f"{s.rows_read:,}", f"{s.rows_kept:,}", f"{s.rows_rejected:,}",
                      f"{s.rows_duplicate:,}", span, f"{s.days_with_counts:,}")
    out.print(table)
    for s in rows:
        for name, error in s.failures:
            out.print(f"[red]failed[/red] {name}: {error}")
