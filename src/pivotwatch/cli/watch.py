"""`pivotwatch watch` (refresh, re-assess, alert, deliver) and `pivotwatch alerts` (the alerts
raised so far)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from pivotwatch.cli.common import (
    err,
    handle_errors,
    out,
    parse_date,
    shown,
    state,
    write_data,
)
from pivotwatch.errors import UsageError
from pivotwatch.markup import strict_json


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
    app.command("alerts")(alerts)


def _db() -> Path:
    from pivotwatch.settings import check_engine_setting, get_settings

    engine = state.engine or check_engine_setting(get_settings().engine)
    if engine != "duckdb":
        raise UsageError(f"`{state.command}` needs the DuckDB store (--engine duckdb)")
    return Path(state.db or get_settings().db)


def _sources(result) -> Table:
    table = Table(title=f"cycle {result.cycle_id}: sources", title_justify="left")
    numbers = ("fetched", "loaded", "already in store", "rows", "rejected")
    for name in ("source", *numbers, "outcome"):
        table.add_column(name, justify="right" if name in numbers else "left",
                         overflow="fold")
    for s in result.sources:
        outcome = ("[red]" + shown("; ".join(s.errors)[:300]) + "[/red]" if s.errors else
                   "unchanged" if s.unchanged else "ok")
        table.add_row(shown(s.source), str(len(s.fetched)), str(len(s.loaded)), str(s.skipped),
                      f"{s.rows:,}", f"{s.rejected:,}", outcome)
    return table


def _print_cycle(result, fmt: str) -> None:
    from pivotwatch.watch.deliver import render_text

    if fmt == "json":
        write_data(strict_json({**result.to_dict(),
                                "alerts": [a.to_dict() for a in result.alerts]}) + "\n")
        return
    if result.resumed:
        out.print(f"resumed after interrupted cycle(s) {', '.join(map(str, result.resumed))}")
    if result.sources:
        out.print(_sources(result))
    fresh = [n for n in result.notes if n not in result.previous_notes]
    for note in fresh:
        err.print(f"[yellow]note:[/yellow] {shown(note)}")
    if len(fresh) < len(result.notes):  # a cron log need not repeat them every 15 minutes
        err.print(f"({len(result.notes) - len(fresh)} note(s) as in the last cycle; "
                  "--format json shows them all)")
    for problem in result.delivery_errors:
        err.print(f"[red]not delivered:[/red] {shown(problem)}")
    if not result.alerts:
        out.print(f"cycle {result.cycle_id}: no new alerts")
    else:
        out.print(f"cycle {result.cycle_id}: {len(result.alerts)} new alert(s)")
        for alert in result.alerts:
            for text in render_text(alert).splitlines():
                out.print(shown(text))
            out.print()
    for channel, n in result.delivered.items():
        kind, _, target = channel.partition(":")
        what = {"feed": "written to the Atom feed", "webhook": "posted to",
                "mail": "mailed to"}.get(kind, kind)
        out.print(f"{n} alert(s) {what} {shown(target)}")


@handle_errors
def watch(
    once: bool = typer.Option(False, "--once", help="Run one cycle and exit (for cron or a "
                              "systemd timer)."),
    every: str = typer.Option(None, "--every", metavar="DURATION", help="Run a cycle every "
                              "DURATION (15m, 1h, 90s; default: the config file's, else 15m) "
                              "until SIGINT or SIGTERM."),
    dyads: list[str] = typer.Option(None, "--dyad", help="Watch this dyad (repeat for more; "
                                    "default: the config file's, else RUS-PRK)."),
    config: Path = typer.Option(None, "--config", help="The config file (TOML; default "
                                "$PIVOTWATCH_CONFIG, else ./pivotwatch.toml if present)."),
    feed: Path = typer.Option(None, "--feed", metavar="FILE", help="Write alerts to this Atom "
                              "feed file (entries are kept across cycles, never repeated)."),
    webhook: str = typer.Option(None, "--webhook", metavar="URL", help="POST alerts as JSON "
                                "to this http(s) URL."),
    mail_to: list[str] = typer.Option(None, "--mail-to", metavar="ADDRESS", help="E-mail "
                                      "alerts to this address (SMTP settings from "
                                      "PIVOTWATCH_SMTP_*; repeat for more)."),
    gdelt: str = typer.Option(None, "--gdelt", metavar="URL_OR_FOLDER", help="Where GDELT 2.0 "
                              "exports come from: a mirror's base URL, or a folder of export "
                              "files ('' to skip GDELT)."),
    no_sanctions: bool = typer.Option(False, "--no-sanctions", help="Do not fetch the "
                                      "sanctions lists this cycle."),
    rules: Path = typer.Option(None, "--rules", help="A rules file in place of the default "
                               "(data/watch/rules.yaml)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Let downloads, feeds "
                                       "and webhooks reach private and loopback addresses."),
    fmt: str = typer.Option("text", "--format", help="text, or json (one object per cycle)."),
    create: bool = typer.Option(False, "--create", help="Start watching into a new store when "
                                "none is there (else a missing store is an error)."),
) -> None:
    """Keep the assessment current: each cycle fetches what the sources published since the
    last one (GDELT 2.0 exports, sanctions lists that changed, watched feeds), re-assesses the
    watched dyads, raises alerts by the rules (judgment changes, week-on-week jumps, change
    points, new designations, curated events and measures, contradicted claims in feeds) and
    delivers them with their evidence. State lives in the store: a stopped watcher resumes
    without losing or repeating alerts; one watcher per store. With --once the exit status is
    1 when an alert could not be delivered (a source that failed is reported and retried
    next cycle, and does not change it).

    Example: pivotwatch --db study.duckdb watch --once --feed alerts.atom
    """
    from pivotwatch.watch.config import duration, load_config, with_options
    from pivotwatch.watch.cycle import watch as run

    if fmt not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {fmt!r}")
    if once and every is not None:
        raise UsageError("give --once or --every, not both")
    cfg = with_options(load_config(config), dyads=dyads, every=every, feed=feed,
                       webhook=webhook, mail_to=mail_to, gdelt=gdelt, rules=rules)
    if no_sanctions:
        from dataclasses import replace

        cfg = replace(cfg, sanctions={})
    db = _db()
    stop = threading.Event()
    if not once:
        out.print(f"watching {', '.join(cfg.dyads)} in {shown(db)} every "
                  f"{duration(cfg.every)}; Ctrl-C or SIGTERM stops")

    def report_error(exc) -> None:
        err.print(f"[red]cycle failed:[/red] {shown(exc)}; trying again next cycle")

    done = run(cfg, db=db, once=once, allow_private=allow_private, create=create, stop=stop,
               on_cycle=lambda r: _print_cycle(r, fmt), on_error=report_error)
    if state.signal is not None:  # stopped between cycles: nothing was left half done
        out.print("stopped")
    elif once and done and done[-1].delivery_errors:
        raise typer.Exit(1)


class AlertFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    atom = "atom"


CSV_COLUMNS = ("id", "raised_at", "dyad", "rule", "severity", "title", "as_of", "summary",
               "command", "evidence_urls")


def _csv(found) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for a in found:
        d = a.to_dict()
        d["evidence_urls"] = " ".join(e.url for e in a.evidence if e.url)
        writer.writerow([_csv_cell(d[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@handle_errors
def alerts(
    dyad: str = typer.Option(None, "--dyad", help="Only this dyad, e.g. RUS-PRK."),
    rule: str = typer.Option(None, "--rule", help="Only this rule (judgment_change, "
                             "volume_jump, change_point, new_designation, new_curated, "
                             "claim_contradicted)."),
    severity: str = typer.Option(None, "--severity", help="Only this severity (large, "
                                 "moderate, info)."),
    since: str = typer.Option(None, "--since", metavar="DATE", help="Only alerts raised on or "
                              "after this day (YYYY-MM-DD)."),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000, help="At most this many, "
                              "newest first."),
    fmt: AlertFormat = typer.Option(AlertFormat.table, "--format", help="Output format."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """The alerts the watcher has raised, newest first, with their evidence: as a table, JSON,
    CSV or an Atom feed.

    Example: pivotwatch alerts --dyad RUS-PRK --since 2026-11-01 --format atom -o alerts.xml
    """
    from pivotwatch.store.store import open_store
    from pivotwatch.watch import state as watch_state

    dyad, rule, severity = watch_state.alert_filters(dyad, rule, severity)
    day = parse_date(since, "--since")
    start = datetime(day.year, day.month, day.day) if day else None
    with open_store(_db(), read_only=True, command="pivotwatch alerts") as st:
        found = watch_state.alerts(st, dyad=dyad, rule=rule, severity=severity, since=start,
                                   limit=limit)
    if fmt == AlertFormat.table and output is None:
        if not found:
            out.print("no alerts match" if (dyad or rule or severity or since)
                      else "no alerts yet: run pivotwatch watch --once")
            return
        table = Table(title=f"{len(found)} alert(s), newest first", title_justify="left")
        for name in ("raised", "dyad", "rule", "severity", "title"):
            table.add_column(name, no_wrap=name in ("raised", "dyad"))
        for a in found:
            table.add_row(f"{a.raised_at:%Y-%m-%d %H:%M}" if a.raised_at else "", a.dyad,
                          a.rule, str(a.severity), shown(a.title))
        out.print(table)
        return
    if fmt == AlertFormat.atom:
        from pivotwatch.watch.atom import feed_xml

        data = feed_xml(found, title="pivotwatch alerts").decode("utf-8")
    elif fmt == AlertFormat.csv:
        data = _csv(found)
    else:
        data = strict_json([a.to_dict() for a in found]) + "\n"
    if output is not None:
        if not output.parent.is_dir():
            raise UsageError(f"-o {output}: no folder {output.parent}")
        output.write_text(data, encoding="utf-8")
        err.print(f"{len(found)} alert(s) written to {shown(output)}")
    else:
        write_data(data)
