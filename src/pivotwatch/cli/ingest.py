"""`pivotwatch ingest ...`: load sources into the store."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pivotwatch.cli.common import err, fail, handle_errors, out, parse_countries, parse_date, store
from pivotwatch.errors import UsageError
from pivotwatch.sources.context import Context, IngestReport
from pivotwatch.sources.gdelt.ingest import ingest_paths, ingest_range
from pivotwatch.sources.gdelt.sample import ingest_sample
from pivotwatch.sources.reference import ingest_reference

app = typer.Typer(help="Load data into the store.", no_args_is_help=True,
                  rich_markup_mode="markdown",
                  epilog="Example: pivotwatch ingest gdelt --from 2024-06-18 --to 2024-06-18")


class RichProgress:
    """Progress bar on stderr; failures are printed as they happen."""

    def __init__(self) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True)
        self.task = None

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def planned(self, total: int, what: str) -> None:
        self.task = self.bar.add_task(f"loading {what}", total=total)

    def finished(self, name: str, outcome: object) -> None:
        if isinstance(outcome, Exception):
            self.bar.console.print(f"[red]failed:[/red] {outcome}")
        if self.task is not None:
            self.bar.advance(self.task)


def _summary(report: IngestReport) -> None:
    table = Table(title="ingest summary", title_justify="left")
    for col in ("files loaded", "files loaded before", "failed", "rows read",
                "events kept", "rows rejected", "rows loaded before"):
        table.add_column(col, justify="right")
    table.add_row(*(f"{v:,}" for v in (
        report.count("loaded"), report.count("skipped"), len(report.failures),
        report.total("rows_read"), report.total("rows_kept"), report.total("rows_rejected"),
        report.total("rows_duplicate"))))
    out.print(table)
    if report.passed_over:
        shown = ", ".join(report.passed_over[:5]) + (" ..." if len(report.passed_over) > 5 else "")
        out.print(f"Passed over {len(report.passed_over)} file(s) in the folders given that are "
                  f"not event exports: {shown}")
    for note in report.notes():
        out.print(f"Note: {note}")
    if report.total("rows_duplicate"):
        out.print("Rows already loaded from other files (same GLOBALEVENTID) were not counted "
                  "again.")
    if report.total("rows_rejected"):
        out.print("Rejected rows are kept with their reasons in the store's `rejects` table.")


def _run(job, countries: str | None) -> None:
    with store() as st, RichProgress() as progress:
        ctx = Context(st, countries=parse_countries(countries), progress=progress)
        report = job(ctx)
    _summary(report)
    if not report.ok:
        raise fail(f"{len(report.failures)} file(s) could not be loaded (see above)")


@app.command("gdelt")
@handle_errors
def gdelt(
    inputs: list[str] = typer.Argument(None, metavar="[PATH_OR_URL]...",
                                       help="Files, directories, globs or http(s) URLs."),
    start: str = typer.Option(None, "--from", help="First day to download (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="Last day to download (YYYY-MM-DD)."),
    version: int = typer.Option(2, "--version", help="GDELT version for --from/--to: 1 (one "
                                "file a day, light for long spans) or 2 (every 15 minutes)."),
    countries: str = typer.Option(None, "--countries", help="Watched countries, comma-separated "
                                  "(default RUS,PRK,CHN,IND,IRN,VNM,MNG,KOR,JPN,USA)."),
) -> None:
    """Load GDELT event exports (1.0 or 2.0, plain or .zip) into the store.

    Folders are searched for event exports (*.csv, *.tsv, zipped or not, and the 1.0
    archive's yearly and monthly zips); other files there are passed over.

    Example: pivotwatch ingest gdelt 20150218230000.export.CSV.zip downloads/

    Example: pivotwatch ingest gdelt --from 2024-06-18 --to 2024-06-20 --version 2
    """
    if inputs and (start or end):
        raise UsageError("give files or --from/--to, not both")
    if inputs:
        _run(lambda ctx: ingest_paths(ctx, inputs), countries)
        return
    if not (start and end):
        raise UsageError("give files to load, or both --from and --to")
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    _run(lambda ctx: ingest_range(ctx, first, last, version), countries)


@app.command("reference")
@handle_errors
def reference(
    files: list[str] = typer.Argument(None, metavar="[FILE]...",
                                      help="Timelines in the key_events.csv layout "
                                           "(default: the bundled one)."),
) -> None:
    """Load a curated reference timeline: dated, sourced key events kept apart from GDELT.

    Columns: date, date_precision (day, month, year), actor1, actor2, dimension, event_type,
    description, source_url (several separated by " ; "), confidence (high, medium, low).
    Bad rows are rejected with their line and reason.

    Example: pivotwatch ingest reference my_timeline.csv
    """
    _run(lambda ctx: ingest_reference(ctx, files or None), None)


@app.command("sample")
@handle_errors
def sample() -> None:
    """Load the small GDELT sample bundled with pivotwatch (works offline).

    Example: pivotwatch --db demo.duckdb ingest sample
    """
    _run(ingest_sample, None)
