"""The `pivotwatch` command line: thin wrappers, one library call per command.

A command's module is imported only when that command runs (or its help is shown): the
modules import DuckDB, pyarrow, pandas, Ibis and the loaders, which together take about a
second, while `pivotwatch claims FILE` needs none of the others' imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import typer
from typer.core import TyperGroup

from pivotwatch.cli.common import state

# Each command and the module of pivotwatch.cli whose `register(app)` adds it, in the order
# `pivotwatch --help` lists them.
COMMANDS = {
    "ingest": "ingest",
    "status": "status",
    "assess": "assess",
    "indicators": "indicators",
    "partners": "partners",
    "changes": "changes",
    "report": "report",
    "alignment": "alignment",
    "trade": "trade",
    "fuel": "trade",
    "sanctions": "sanctions",
    "claims": "claims",
    "measures": "measures",
    "export": "export",
    "optimize": "optimize",
    "watch": "watch",
    "alerts": "watch",
    "serve": "serve",
}


def load_commands(module_name: str) -> dict:
    """The click commands that module `pivotwatch.cli.<module_name>` registers, by name."""
    module = importlib.import_module(f"pivotwatch.cli.{module_name}")
    holder = typer.Typer(rich_markup_mode="markdown")  # the settings of `app` below
    module.register(holder)
    return typer.main.get_group(holder).commands


class LazyCommands(MutableMapping):
    """The top-level commands by name: every name of COMMANDS is listed, but a command is
    built (its module imported) only when it is looked up, so `pivotwatch claims` does not
    pay for the imports of `ingest` or `alignment`."""

    def __init__(self, built: dict) -> None:
        self.built = dict(built)

    def __getitem__(self, name: str):
        if name not in self.built and name in COMMANDS:
            self.built.update(load_commands(COMMANDS[name]))
        return self.built[name]

    def __setitem__(self, name: str, command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.built]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.built))


# The global options that take a value; users also write them after the command.
GLOBAL_OPTIONS = ("--db", "--engine", "--parquet", "--project", "--max-gb")


class _Group(TyperGroup):
    """The top-level group: `--db PATH` (and the engine's options) are global options, but
    users also write them after the command (`pivotwatch status --db x.duckdb`), so they are
    moved to the front before parsing. Nothing after `--` is touched. Its commands are a
    LazyCommands."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # the names only: listing them imports no module

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if len(args) > 1 and args[-1] in GLOBAL_OPTIONS:  # `status --db`: no value after it
            ctx.fail(f"Option '{args[-1]}' requires an argument.")
        return super().parse_args(ctx, hoist_db(args))


def hoist_db(args: list[str]) -> list[str]:
    """`status --db X` -> `--db X status` (also `--db=X`), and so for every GLOBAL_OPTIONS;
    the last one given wins, as when the option is repeated in front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_OPTIONS and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if arg.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
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
    engine: str = typer.Option(None, "--engine", metavar="duckdb|spark|bigquery",
                               help="What runs the analysis (default: $PIVOTWATCH_ENGINE or "
                               "duckdb): the store, Spark over a Parquet export (indicators, "
                               "partners, changes, alignment), or BigQuery over GDELT's "
                               "tables."),
    parquet: str = typer.Option(None, "--parquet", metavar="DIR",
                                help="Spark: the export to read, a directory or a Hadoop URI "
                                "(default: $PIVOTWATCH_SPARK_PATH)."),
    project: str = typer.Option(None, "--project", metavar="P",
                                help="BigQuery: the project billed (default: "
                                "$PIVOTWATCH_BQ_PROJECT)."),
    max_gb: float = typer.Option(None, "--max-gb", metavar="N",
                                 help="BigQuery: refuse a query that would scan more than N "
                                 "GB (default: $PIVOTWATCH_BQ_MAX_GB or 50)."),
) -> None:
    """pivotwatch: evidence-backed indicators of a relationship, from open data.

    Example: pivotwatch --db study.duckdb status
    """
    from pivotwatch.cli.common import set_engine

    state.db = db
    set_engine(engine, parquet=parquet, project=project, max_gb=max_gb)


def main() -> None:
    app()
