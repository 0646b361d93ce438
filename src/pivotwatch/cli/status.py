"""`pivotwatch status`: what the store holds, and how recent each source is."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from pivotwatch.analysis.freshness import STALE_AFTER_DAYS, freshness, stale_note
from pivotwatch.cli.common import handle_errors, out, parse_date, shown, store
from pivotwatch.store.status import store_status, watch_health
from pivotwatch.watch.state import MAX_DELIVERY_ATTEMPTS


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def _gdelt(s, text: str) -> str:
    """GDELT-only figures read '–' for other sources."""
    return text if s.source == "gdelt" else "–"


def _latest(entries, as_of: date) -> Table | None:
    """Each source's latest date as of `as_of`, with the stale ones flagged; None when no
    source has a dated row."""
    shown_ = [f for f in entries if f.rows]
    if not shown_:
        return None
    table = Table(title=f"latest date per source, as of {as_of}", title_justify="left",
                  caption=f"stale: the latest date is more than a year ({STALE_AFTER_DAYS} "
                          "days) before the as-of date", caption_justify="left")
    for name in ("source", "latest", "rows", "what the date is", "freshness"):
        table.add_column(name, justify="right" if name == "rows" else "left",
                         no_wrap=name != "what the date is")
    for f in shown_:
        note = stale_note(f, as_of)
        table.add_row(shown(f.source), str(f.latest), f"{f.rows:,}", f.what,
                      f"[yellow]{note}[/yellow]" if note else "current")
    return table


@handle_errors
def status(
    as_of: str = typer.Option(None, "--as-of", metavar="DATE", help="Date the latest dates "
                              "are read as of, and sources flagged stale against "
                              "(YYYY-MM-DD, or YYYY or YYYY-MM for its last day; "
                              "default: today)."),
) -> None:
    """Files, rows, rejects and date coverage per source, then each source's latest date
    (GDELT event day, roll-call date, trade year, list or measure publication...) as of
    today, flagging a source whose latest date is more than a year old as stale.

    Example: pivotwatch --db study.duckdb status --as-of 2025-12-31
    """
    day = parse_date(as_of, "--as-of", end=True) or date.today()
    with store(read_only=True) as st:
        rows = store_status(st)
        path = st.path
        entries = freshness(st, day) if rows else []
        health = watch_health(st, MAX_DELIVERY_ATTEMPTS)
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
    latest = _latest(entries, day)
    if latest is not None:
        out.print(latest)
    empty = [f.source for f in entries if not f.rows]
    if empty:
        out.print(f"nothing dated on or before {day}: {', '.join(map(shown, empty))}")
    for s in rows:
        for name, error in s.failures:
            line = error if error.startswith(name) else f"{name}: {error}"
            out.print(f"[red]failed:[/red] {shown(line)}")
    if health is not None:
        _watch(health)


def _watch(h) -> None:
    """The watcher's health: its last cycle, alerts not delivered, sources failing."""
    from pivotwatch.watch.cycle import channel_label

    cycle_id, status, started, finished = h.last
    when = f"{finished or started:%Y-%m-%d %H:%M} UTC"
    colour = "green" if status == "done" else "yellow"
    out.print(f"watch: {h.cycles:,} cycle(s), the last ({cycle_id}) [{colour}]{status}[/{colour}] "
              f"at {when}; {h.interrupted:,} interrupted or failed; {h.alerts:,} alert(s) "
              f"(pivotwatch alerts)")
    for channel, trying, given_up in h.undelivered:
        where = shown(channel_label(channel))
        if trying:
            out.print(f"[yellow]not delivered yet:[/yellow] {trying:,} alert(s) to {where}")
        if given_up:
            out.print(f"[red]given up:[/red] {given_up:,} alert(s) to {where}")
    for source, error in h.source_errors:
        out.print(f"[red]watched source failing:[/red] {shown(source)}: {shown(error)}")
