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


class _Group(TyperGroup):
    """The top-level group: `--db PATH` is a global option, but users also write it after the
    command (`pivotwatch status --db x.duckdb`), so it is moved to the front before parsing.
    Nothing after `--` is touched. Its commands are a LazyCommands."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # the names only: listing them imports no module

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


def main() -> None:
    app()
