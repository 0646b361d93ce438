"""What keeps the command line quick to start: each command's module, and the engines behind
it, load only when that command runs; `pivotwatch --help` still lists every command.

Asserted through what a fresh interpreter has imported, never through timings, so a busy
machine cannot fail these tests (benchmarks/claims.py --startup measures the time).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import pivotwatch.cli
from pivotwatch.cli import COMMANDS, app, load_commands
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.store import open_store

ENGINES = ("duckdb", "pyarrow", "numpy", "pandas", "ibis")
# The modules of commands other than `claims`, and the loaders they import.
OTHER_COMMANDS = tuple(f"pivotwatch.cli.{m}" for m in set(COMMANDS.values()) - {"claims"})
LOADERS = ("pivotwatch.sources.gdelt", "pivotwatch.sources.sample", "pivotwatch.sources.unga")
ARTICLE = ("# Pyongyang and Moscow\n\n"
           "Russia's trade with North Korea was $34.4 million in 2023, according to the "
           "Russian customs service. Moscow should press Pyongyang to return to talks.\n")


def imported_after(tmp_path: Path, code: str) -> set[str]:
    """The modules a fresh interpreter has imported once `code` has run (a command's exit
    included)."""
    listing = tmp_path / "modules.json"
    script = (f"import json, sys\ntry:\n    {code}\nexcept SystemExit:\n    pass\n"
              f"open({str(listing)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n")
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                   timeout=120)
    return set(json.loads(listing.read_text()))


def run_claims(tmp_path: Path, db: Path) -> set[str]:
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    argv = ["pivotwatch", "--db", str(db), "claims", str(doc)]
    return imported_after(tmp_path, f"sys.argv = {argv!r}; from pivotwatch.cli import main; "
                                    "main()")


def loaded(modules: set[str], names) -> list[str]:
    """Those of `names` imported, as packages or as modules inside them."""
    return [n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)]


def test_importing_the_command_line_imports_no_engine_and_no_command(tmp_path):
    modules = imported_after(tmp_path, "import pivotwatch.cli")
    assert loaded(modules, ENGINES) == []
    assert loaded(modules, (*OTHER_COMMANDS, "pivotwatch.cli.claims", "pivotwatch.store")) == []


def test_claims_without_a_store_imports_no_engine_and_no_other_command(tmp_path):
    modules = run_claims(tmp_path, tmp_path / "absent.duckdb")
    assert "pivotwatch.claims.audit" in modules  # the audit did run
    # numpy is left out: claims.checks.consistency imports it
    assert loaded(modules, ("duckdb", "pyarrow", "pandas", "ibis")) == []
    assert loaded(modules, (*OTHER_COMMANDS, *LOADERS)) == []


def test_claims_with_a_store_imports_duckdb_but_not_arrow_pandas_or_ibis(tmp_path):
    db = tmp_path / "ref.duckdb"
    with open_store(db, create=True) as st:
        assert ingest_reference(Context(st)).ok
    modules = run_claims(tmp_path, db)
    assert "duckdb" in modules
    assert loaded(modules, ("pyarrow", "pandas", "ibis")) == []
    assert loaded(modules, (*OTHER_COMMANDS, *LOADERS)) == []


def test_text_and_markdown_are_read_without_the_html_extractor(tmp_path):
    # trafilatura and its URL and date libraries take ~0.2 s to import; only HTML needs them
    code = ("from pivotwatch.sources import doctext; "
            "doctext.text_lines('# Trade\\n\\nRussia sent 1 million barrels.', markdown=True)")
    modules = imported_after(tmp_path, code)
    assert "pivotwatch.sources.doctext" in modules
    assert loaded(modules, ("trafilatura", "courlan", "htmldate")) == []


def test_the_address_policy_is_had_without_the_http_client(tmp_path):
    # the claims audit names AddressPolicy for every input; httpx is for URLs only
    modules = imported_after(tmp_path, "from pivotwatch.sources.fetch import AddressPolicy; "
                                       "AddressPolicy.from_setting('', False)")
    assert "pivotwatch.sources.fetch" in modules
    assert loaded(modules, ("httpx", "httpcore")) == []


def test_help_lists_every_command_with_its_help():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    # a command's name starts its row; its help wraps onto indented rows
    listed = [line.split()[1] for line in result.output.splitlines()
              if line.startswith("│ ") and not line.startswith("│  ")
              and line.split()[1] in COMMANDS]
    assert listed == list(COMMANDS)
    assert "Check each claim of the documents" in result.output  # claims' own help
    assert "Refined-petroleum deliveries" in result.output  # fuel, the second in trade.py


def test_the_command_table_names_what_each_module_registers():
    """A command added to a module, or a new command module, must be added to COMMANDS too,
    or `pivotwatch` would never find it."""
    for module in set(COMMANDS.values()):
        for name in load_commands(module):
            assert COMMANDS.get(name) == module, (name, module)
    folder = Path(pivotwatch.cli.__file__).parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "common", "frames"}
    assert modules == set(COMMANDS.values())


def test_a_misspelt_command_is_still_suggested():
    result = CliRunner().invoke(app, ["statu"])
    assert result.exit_code == 2
    assert "No such command 'statu'. Did you mean 'status'?" in result.output
