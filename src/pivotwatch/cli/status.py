"""`pivotwatch status`: what the store holds."""

from __future__ import annotations

import typer
from rich.table import Table

from pivotwatch.cli.common import handle_errors, out, shown, store
from pivotwatch.store.status import store_status


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def _gdelt(s, text: str) -> str:
    """GDELT-only figures read '–' for other sources."""
    return text if s.source == "gdelt" else "–"


@handle_errors
def status() -> None:
    """Files, rows, rejects and date coverage per source.

    Example: pivotwatch --db study.duckdb status
    """
    with store(read_only=True) as st:
        rows = store_status(st)
        path = st.path
    if not rows:
        out.print(f"{shown(path)}: empty store; load data with `pivotwatch ingest sample` or "
                  "`pivotwatch ingest gdelt ...`")
        return
    table = Table(title=f"store {shown(path)}", title_justify="left")
    table.add_column("")
    for s in rows:
        table.add_column(shown(s.source), justify="right")
    lines = {
        "files loaded": lambda s: f"{s.files_loaded:,}",
        "files failed": lambda s: f"{s.files_failed:,}",
        "rows read": lambda s: f"{s.rows_read:,}",
        "records kept": lambda s: f"{s.rows_kept:,}",
        "rows rejected": lambda s: f"{s.rows_rejected:,}",
        "rows loaded before (other files)": lambda s: f"{s.rows_duplicate:,}",
        "records in store": lambda s: f"{s.events:,}",
        "first date": lambda s: str(s.first_day or "–"),
        "last date": lambda s: str(s.last_day or "–"),
        "days with daily counts": lambda s: _gdelt(s, f"{s.days_with_counts:,}"),
        "days from both GDELT 1.0 and 2.0": lambda s: _gdelt(s, f"{s.days_in_both_versions:,}"),
    }
    for label, cell in lines.items():
        table.add_row(label, *(cell(s) for s in rows))
    out.print(table)
    if any(s.days_in_both_versions for s in rows):
        out.print("[yellow]warning:[/yellow] some days were counted from both GDELT 1.0 and "
                  "2.0 files. Rows with a GLOBALEVENTID seen before are never counted twice, but "
                  "if the versions gave one event two ids, those days count it twice.")
    for s in rows:
        for name, error in s.failures:
            line = error if error.startswith(name) else f"{name}: {error}"
            out.print(f"[red]failed:[/red] {shown(line)}")
