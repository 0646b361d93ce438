"""Docs are tested: every command has help with an example and appears in the README."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from pivotwatch.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def commands(group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group of subcommands
            yield from commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


def all_commands():
    return list(commands(typer.main.get_command(app)))


def test_there_are_commands():
    names = {" ".join(path) for path, _ in all_commands()}
    assert {"ingest gdelt", "ingest sample", "status", "indicators"} <= names


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for path, _ in all_commands():
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output, f"{' '.join(path)} --help has no example"


def test_every_command_is_in_the_readme():
    for path, _ in all_commands():
        assert f"pivotwatch {' '.join(path)}" in README, path


def test_readme_shows_the_two_setup_commands_first():
    assert README.index("make demo") < README.index("Use with live data")
    assert "make test" in README
