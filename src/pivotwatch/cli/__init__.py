"""The `pivotwatch` command line: thin wrappers, one library call per command."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

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


class _Group(TyperGroup):
    """The top-level group: `--db PATH` is a global option, but users also write it after the
    command (`pivotwatch status --db x.duckdb`), so it is moved to the front before parsing.
    Nothing after `--` is touched."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args[-1:] == ["--db"] and len(args) > 1:  # `status --db`: no path after it
            ctx.fail("Option '--db' requires an argument.")
        return super().parse_args(ctx, hoist_db(args))


def hoist_db(args: list[str]) -> list[str]:
    """`status --db X` -> `--db X status` (also `--db=X`); the last --db given wins, as when
    the option is repeated in front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--db" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if arg.startswith("--db="):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


app = typer.Typer(
    cls=_Group,
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
                            help="Store file (default: $PIVOTWATCH_DB or ./pivotwatch.duckdb); "
                            "may also follow the command."),
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
