"""`pivotwatch ingest ...`: load sources into the store."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pivotwatch.cli.common import (
    err,
    fail,
    handle_errors,
    out,
    parse_countries,
    parse_date,
    shown,
    state,
    store,
)
from pivotwatch.errors import UsageError
from pivotwatch.sources.context import Context, IngestReport
from pivotwatch.sources.gdelt.ingest import ingest_paths, ingest_range
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.sources.sample import ingest_sample

app = typer.Typer(help="Load data into the store.", no_args_is_help=True,
                  rich_markup_mode="markdown",
                  epilog="Example: pivotwatch ingest gdelt --from 2024-06-18 --to 2024-06-18")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="ingest")


class RichProgress:
    """Progress bar on stderr; failures are printed as they happen, but the latest is held
    until the next outcome: when it is the only one (a missing file), the command's error
    line says it, once."""

    def __init__(self) -> None:
        # no bar (and no stray blank line) when stderr is not a terminal
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True,
                            disable=not err.is_terminal)
        self.task = None
        self.held: Exception | None = None

    def flush(self) -> None:
        if self.held is not None:
            self.bar.console.print(f"[red]failed:[/red] {shown(self.held)}")
            self.held = None

    def __enter__(self) -> RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.flush()
        self.bar.__exit__(*exc)

    def planned(self, total: int, what: str) -> None:
        self.task = self.bar.add_task(f"loading {what}", total=total)

    def finished(self, name: str, outcome: object) -> None:
        if state.signal is not None:
            # a loader may have taken the interrupted query for a failure of this file:
            # stop here rather than go on to the next one
            raise KeyboardInterrupt
        self.flush()
        if isinstance(outcome, Exception):
            self.held = outcome
        if self.task is not None:
            self.bar.advance(self.task)


def _summary(report: IngestReport) -> None:
    if report.passed_over:
        out.print(f"Passed over {len(report.passed_over)} file(s) in the folders given that are "
                  f"not in this source's layout: {shown(', '.join(report.passed_over))}")
    if not report.results:  # nothing read: no table of zeros
        return
    table = Table(title="ingest summary", title_justify="left")
    for col in ("files loaded", "files loaded before", "failed", "rows read",
                "records kept", "rows rejected", "rows loaded before"):
        table.add_column(col, justify="right")
    table.add_row(*(f"{v:,}" for v in (
        report.count("loaded"), report.count("skipped"), len(report.failures),
        report.total("rows_read"), report.total("rows_kept"), report.total("rows_rejected"),
        report.total("rows_duplicate"))))
    out.print(table)
    for note in report.notes():
        out.print(f"Note: {shown(note)}")
    if report.total("rows_duplicate"):
        out.print("Rows already in the store (from other files: the same GLOBALEVENTID, vote, "
                  "flow or entry) were not added again.")
    if report.total("rows_rejected"):
        out.print("Rejected rows are kept with their reasons in the store's `rejects` table.")


def _run(job, countries: str | None) -> None:
    with store() as st, RichProgress() as progress:
        ctx = Context(st, countries=parse_countries(countries), progress=progress)
        report = job(ctx)
        alone = len(report.failures) == 1 and not report.results and not report.passed_over
        if alone:
            progress.held = None  # the error line below says it
    if alone:
        raise fail(report.failures[0][1])  # one line, no table of zeros
    _summary(report)
    if not report.ok:
        raise fail(f"{len(report.failures)} file(s) could not be loaded (see above)")
    if not report.results:
        raise fail("nothing loaded: no file given is in this source's layout")


@app.command("gdelt")
@handle_errors
def gdelt(
    inputs: list[str] = typer.Argument(None, metavar="[PATH_OR_URL]...",
                                       help="Files, directories, globs or http(s) URLs."),
    start: str = typer.Option(None, "--from", help="First day to download (YYYY-MM-DD; "
                              "YYYY or YYYY-MM: its first day)."),
    end: str = typer.Option(None, "--to", help="Last day to download (YYYY-MM-DD; "
                            "YYYY or YYYY-MM: its last day)."),
    version: int = typer.Option(2, "--version", help="GDELT version for --from/--to: 1 (one "
                                "file a day, light for long spans) or 2 (every 15 minutes)."),
    countries: str = typer.Option(None, "--countries", help="Watched countries, comma-separated "
                                  "(default RUS,PRK,CHN,IND,IRN,VNM,MNG,KOR,JPN,USA)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Let downloads reach "
                                       "private, loopback and link-local addresses."),
) -> None:
    """Load GDELT event exports (1.0 or 2.0, plain or .zip) into the store.

    Folders are searched for event exports (*.csv, *.tsv, zipped or not, and the 1.0
    archive's yearly and monthly zips); other files there are passed over. Downloads (URLs,
    indexes and files of a range, and every redirect) reaching private addresses are refused
    unless --allow-private or on the mirror named in PIVOTWATCH_GDELT_BASE; each file has
    PIVOTWATCH_DOWNLOAD_DEADLINE seconds.

    Example: pivotwatch ingest gdelt 20150218230000.export.CSV.zip downloads/

    Example: pivotwatch ingest gdelt --from 2024-06-18 --to 2024-06-20 --version 2
    """
    if inputs and (start or end):
        raise UsageError("give files or --from/--to, not both")
    if inputs:
        _run(lambda ctx: ingest_paths(ctx, inputs, allow_private), countries)
        return
    if not (start and end):
        raise UsageError("give files to load, or both --from and --to")
    first, last = parse_date(start, "--from"), parse_date(end, "--to", end=True)
    _run(lambda ctx: ingest_range(ctx, first, last, version, allow_private), countries)


@app.command("reference")
@handle_errors
def reference(
    files: list[str] = typer.Argument(None, metavar="[FILE]...",
                                      help="Timelines in the key_events.csv layout "
                                           "(default: the bundled one)."),
) -> None:
    """Load curated reference tables, each recognised by its header: a timeline of dated,
    sourced key events (kept apart from GDELT), and the trade-by-year, fuel-delivery and
    sanctions-cap figures. With no FILE, all four bundled tables are loaded.

    Timeline columns: date, date_precision (day, month, year), actor1, actor2, dimension,
    event_type, description, source_url (several separated by " ; "), confidence (high,
    medium, low); for the figures see docs/trade.md. Bad rows are rejected with their line
    and reason.

    Example: pivotwatch ingest reference my_timeline.csv
    """
    _run(lambda ctx: ingest_reference(ctx, files or None), None)


@app.command("sample")
@handle_errors
def sample() -> None:
    """Load the samples bundled with pivotwatch (works offline): GDELT extracts, UN votes of
    the watched countries, recent UN ideal points and published agreement of every state,
    Comtrade rows and a sanctions-list subset.

    Example: pivotwatch --db demo.duckdb ingest sample
    """
    _run(ingest_sample, None)


@app.command("sanctions")
@handle_errors
def sanctions(
    files: list[str] = typer.Argument(..., metavar="FILE...",
                                      help="UN consolidated list XML, OFAC sdnList XML, OFAC "
                                           "sdn.csv (with its add.csv), OpenSanctions FtM JSON "
                                           "(export or delta), or folders of them."),
) -> None:
    """Load sanctions lists: the UN Security Council consolidated list, OFAC's XML lists,
    OFAC's SDN CSV files and OpenSanctions FollowTheMoney exports and deltas (told apart by
    their content).

    An sdn.csv and its add.csv given together load as one, the addresses joined by ent_num
    (an add.csv alone is refused); the list's date comes from a date in the file name, else
    it is unknown. Bad entries (no id, no name, the same id twice) are rejected with reasons;
    a file that cannot be parsed fails with one line and leaves nothing. OpenSanctions data
    are CC BY-NC 4.0: non-commercial use only.

    Example: pivotwatch ingest sanctions consolidated.xml entities.ftm.json

    Example: pivotwatch ingest sanctions sdn_2023-01.csv add_2023-01.csv
    """
    from pivotwatch.sources.sanctions import ingest_sanctions

    _run(lambda ctx: ingest_sanctions(ctx, files), None)


@app.command("documents")
@handle_errors
def documents(
    inputs: list[str] = typer.Argument(..., metavar="FILE_OR_URL_OR_FEED...",
                                       help="Text, Markdown or HTML files, http(s) URLs, "
                                            "RSS/Atom feeds (files or URLs)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Let URLs reach "
                                       "private, loopback and link-local addresses."),
) -> None:
    """Load documents for the claims audit: each distinct text is stored once.

    Web pages are reduced to their main text; list items and table rows stay one line each.
    A feed item's text is its content, else its summary; an item with neither is fetched from
    its link. URLs reaching private addresses are refused unless --allow-private. See
    docs/documents.md.

    Example: pivotwatch ingest documents notes.md https://example.org/feed.xml
    """
    from pivotwatch.sources.documents import load_documents

    with store() as st, RichProgress() as progress:
        report = load_documents(Context(st, progress=progress), inputs, allow_private)
        titles = {r.file_id: [] for r in report.results}
        if titles:
            for file_id, title in st.con.execute(
                    "SELECT file_id, coalesce(title, '(no title)') FROM documents WHERE file_id "
                    "IN (SELECT unnest(?))", [list(titles)]).fetchall():
                titles[file_id].append(title)
    for r in report.results:
        named = "; ".join(titles[r.file_id][:3]) + (" ..." if len(titles[r.file_id]) > 3 else "")
        what = {"skipped": "loaded before", "loaded": f"{r.rows_kept} new, "
                f"{r.rows_duplicate} already stored, {r.rows_rejected} rejected"}[r.status]
        out.print(f"{shown(r.name)}: {what}" + (f" ({shown(named)})" if named else ""))
    for note in report.notes():
        out.print(f"Note: {shown(note)}")
    if not report.ok:
        raise fail(f"{len(report.failures)} input(s) could not be loaded (see above)")


@app.command("comtrade")
@handle_errors
def comtrade(
    files: list[str] = typer.Argument(None, metavar="[FILE]...",
                                      help="Comtrade CSVs (comtradr layout, plain or gzipped), "
                                           "API v1 JSON responses, or folders of them "
                                           "(default: the bundled sample)."),
) -> None:
    """Load UN Comtrade trade flows: comtradr's snake_case CSV (the 47-column API layout or a
    subset of it) and raw API v1 JSON responses.

    Imports and exports are kept with reporter, partner (ISO3), year, HS code, category and
    value in USD. Aggregate partners ("World", "Areas, nes"), unknown codes, breakdowns of a
    total and repeated rows are rejected with reasons; a file that cannot be parsed fails
    with one line and leaves nothing.

    Example: pivotwatch ingest comtrade comtradr_example_3_THA_shrimp_2007-2011.csv
    """
    from pivotwatch.sources.comtrade import ingest_comtrade

    _run(lambda ctx: ingest_comtrade(ctx, files or None), None)


@app.command("unvotes")
@handle_errors
def unvotes(
    files: list[str] = typer.Argument(..., metavar="FILE...",
                                      help="UN General Assembly vote files, plain or gzipped, "
                                           "or folders of them; each is recognised by its "
                                           "header."),
) -> None:
    """Load UN General Assembly roll-call votes: the unvotes layout (un_votes.csv with ISO2
    codes, un_roll_calls.csv, un_roll_call_issues.csv) and the Voeten layout
    (UNVotesPublished*.csv.gz, Correlates-of-War codes), in any order.

    Only yes, no and abstain are votes (Voeten's absences and non-member rows are counted in
    the notes). Unknown country codes, bad values and repeated or conflicting votes are
    rejected with reasons; a vote already stored with the same value is not added again.

    Example: pivotwatch ingest unvotes un_votes.csv un_roll_calls.csv un_roll_call_issues.csv
    """
    from pivotwatch.sources.unga import ingest_unvotes

    _run(lambda ctx: ingest_unvotes(ctx, files), None)


@app.command("idealpoints")
@handle_errors
def idealpoints(
    files: list[str] = typer.Argument(..., metavar="FILE...",
                                      help="E. Voeten's UN General Assembly ideal-point files "
                                           "(CSV, plain or gzipped, or Stata .dta), or "
                                           "folders of them; each is recognised by its "
                                           "columns."),
) -> None:
    """Load UN General Assembly ideal points and the agreement published with them: Voeten's
    session file (IdealpointestimatesAll_Jun2024.csv: ideal points with quantiles, and each
    state's agreement with the USA, Russia, Brazil, China, India and Israel) and his year file
    (IdealpointsJuly2025.dta or .csv.gz: final-passage, all-votes and legacy estimates).

    States with no successor code, bad numbers and rows given twice with different figures
    are rejected with reasons; a figure already stored from another file of another release
    is a reject too (releases are on different scales and are never mixed). See
    docs/alignment.md.

    Example: pivotwatch ingest idealpoints IdealpointestimatesAll_Jun2024.csv Idealpoints.dta
    """
    from pivotwatch.sources.idealpoints import ingest_idealpoints

    _run(lambda ctx: ingest_idealpoints(ctx, files), None)
