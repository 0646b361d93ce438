"""The `pivotwatch` command line: thin wrappers, one library call per command."""

from __future__ import annotations

from pathlib import Path

import typer

from pivotwatch.cli import (
    alignment,
    assess,
    changes,
    claims,
    indicators,
    ingest,
    measures,
    partners,
    report,
    sanctions,
    status,
    trade,
)
from pivotwatch.cli.common import state

app = typer.Typer(
    name="pivotwatch",
    help="Measure a strategic partnership from open data (GDELT events and more).",
    epilog="Example: pivotwatch --db study.duckdb ingest sample && "
           "pivotwatch --db study.duckdb indicators --dyad RUS-CHN --freq year",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _global(
    db: Path = typer.Option(None, "--db", metavar="PATH",
                            help="Store file (default: $PIVOTWATCH_DB or ./pivotwatch.duckdb)."),
) -> None:
    """pivotwatch: evidence-backed indicators of a relationship, from open data.

    Example: pivotwatch --db study.duckdb status
    """
    state.db = db


app.add_typer(ingest.app, name="ingest")
status.register(app)
assess.register(app)
indicators.register(app)
partners.register(app)
changes.register(app)
report.register(app)
alignment.register(app)
trade.register(app)
sanctions.register(app)
claims.register(app)
measures.register(app)


def main() -> None:
    app()
