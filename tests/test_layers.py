"""Layers point down: every import in src/pivotwatch goes to its own layer or one below.

The imports are read with `ast`, so the test sees every one: at the top of a module, inside a
function (the lazy imports that keep the CLI fast), under TYPE_CHECKING, absolute or relative.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "pivotwatch"

# The layers, bottom first, and what each may import besides itself. The order comes from the
# code, not from the data flow: data go sources -> store -> analysis, but a loader in sources/
# writes through store/ (Store, transactions, the `files` row), so store/ sits *below*
# sources/, and knows nothing of any source. analysis/ reads the tables the loaders wrote and
# may take a vocabulary from a connector (analysis/trade.py takes the fuel bases from
# sources/reference_figures.py). claims/ checks text against analysis/ and fetches documents
# through sources/; report/ shows analysis/ and claims/. api/, cli/ and web/ are doors side by
# side: each calls down into the library and none imports another. watch/ (refresh, assess,
# alert, deliver) runs the library's stages and sits under the doors that start it.
BASE = {"errors", "markup", "settings", "taxonomy"}
LIBRARY = BASE | {"store", "sources", "analysis", "claims", "report"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "markup": {"errors"},
    "settings": {"errors"},
    "taxonomy": {"errors", "markup", "settings"},
    # the derived tables tag events with the dimension map (store/derived.py)
    "store": {"errors", "markup", "settings", "taxonomy"},
    "sources": BASE | {"store"},
    "analysis": BASE | {"store", "sources"},
    "claims": BASE | {"store", "sources", "analysis"},
    "report": BASE | {"store", "sources", "analysis", "claims"},
    "watch": LIBRARY,
    "api": LIBRARY | {"watch"},
    "web": LIBRARY | {"watch"},
    # `pivotwatch serve` starts the dashboard: the one door that opens another
    "cli": LIBRARY | {"watch", "web"},
    "entry": {"cli"},  # the console script: signals first, then the command line
    # pivotwatch/__init__.py: the lazy top-level exports (pivotwatch.indicators, open_store...)
    "package": {"errors", "store", "api", "analysis", "taxonomy"},
}

# Connectors in sources/: each reads one source. One never imports another; they share
# only the modules below. sources/sample.py loads every connector's bundled sample, so it
# sits above them (as cli/ingest.py does).
CONNECTORS = {
    "gdelt": ("gdelt",),
    "sanctions": ("sanctions",),
    "unga": ("unga",),
    "idealpoints": ("idealpoints",),  # published UN agreement and ideal points
    "comtrade": ("comtrade",),
    "reference": ("reference", "reference_figures"),  # timeline, figures, measures: one source
    "documents": ("documents", "doctext"),  # doctext is the documents' text extraction
}
SHARED_SOURCES = {"records", "context", "http", "fetch", "inputs"}
ORCHESTRATORS = {"sample"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(source: str, module: str, *, is_package: bool = False,
            known: set[str] | frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, module imported) for every pivotwatch import in `source`, the code of
    `module`. `from pivotwatch.x import y` counts as importing pivotwatch.x.y when that is a
    module in `known` (a submodule), else as importing pivotwatch.x."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in known else target))
    return [(line, name) for line, name in found
            if name == "pivotwatch" or name.startswith("pivotwatch.")]


def layer(name: str) -> str | None:
    parts = name.split(".")
    if parts == ["pivotwatch"]:
        return "package"
    return parts[1] if parts[1] in ALLOWED else None


def connector(name: str) -> str | None:
    """The connector a sources module belongs to; 'shared' or 'orchestrator' for the
    others, None for a module nobody has classified."""
    parts = name.split(".")
    if len(parts) < 3:  # pivotwatch.sources itself
        return "shared"
    first = parts[2]
    for name_, members in CONNECTORS.items():
        if first in members:
            return name_
    if first in SHARED_SOURCES:
        return "shared"
    if first in ORCHESTRATORS:
        return "orchestrator"
    return None


def upward(found: list[tuple[int, str]], module: str) -> list[str]:
    """The imports of `module` that break a rule, each as 'module:line -> target (why)'."""
    own = layer(module)
    bad = []
    for line, target in found:
        where = f"{module}:{line} -> {target}"
        theirs = layer(target)
        if theirs is None:
            bad.append(f"{where} (in no layer: add it to ALLOWED)")
        elif theirs != own and theirs not in ALLOWED[own]:
            bad.append(f"{where} ({own} may not import {theirs})")
        elif own == theirs == "sources":
            mine, other = connector(module), connector(target)
            if mine == "shared" and other not in ("shared",):
                bad.append(f"{where} (a shared sources module may not import a connector)")
            elif mine not in ("shared", "orchestrator") and other not in ("shared", mine):
                bad.append(f"{where} (connector {mine} may not import connector {other})")
    return list(dict.fromkeys(bad))  # one line for `from x import a, b, c`


def test_every_module_has_a_layer():
    names = modules()
    assert "pivotwatch.analysis.indicators" in names and "pivotwatch.cli" in names
    unplaced = [n for n in names if layer(n) is None]
    assert not unplaced, f"modules in no layer (add them to ALLOWED): {unplaced}"
    unsorted = [n for n in names if n.startswith("pivotwatch.sources") and connector(n) is None]
    assert not unsorted, f"sources modules that are neither a connector nor shared: {unsorted}"


def test_imports_point_down():
    names = modules()
    known = set(names)
    bad = []
    for name, path in names.items():
        found = imports(path.read_text(encoding="utf-8"), name,
                        is_package=path.name == "__init__.py", known=known)
        bad += upward(found, name)
    assert not bad, "imports that point up or across:\n" + "\n".join(bad)


@pytest.mark.parametrize(("low", "high"), [
    *(("analysis", h) for h in ("api", "cli", "report", "claims", "watch", "web")),
    ("report", "cli"), ("report", "api"),
    *(("claims", h) for h in ("report", "cli", "api")),
    *(("store", h) for h in ("analysis", "report", "cli", "claims", "sources")),
    *(("sources", h) for h in ("analysis", "report", "cli", "claims", "api")),
    ("api", "cli"), ("cli", "api"),
])
def test_the_table_forbids(low, high):
    # the rules issue 10 names: a looser table must be a decision, not an accident
    assert high not in ALLOWED[low]


def test_the_walker_finds_every_kind_of_import():
    # a planted upward import of each kind, in a module of analysis/
    code = "\n".join([
        "from pivotwatch.store import Store",
        "import pivotwatch.cli.frames",
        "def f():",
        "    from ..api import indicators",
        "    from .. import report",
        "    from pivotwatch import taxonomy",
        "if True:",
        "    from .dyads import parse_dyad",
    ])
    known = {"pivotwatch.report", "pivotwatch.taxonomy", "pivotwatch.api"}
    found = imports(code, "pivotwatch.analysis.x", known=known)
    assert found == [(1, "pivotwatch.store"), (2, "pivotwatch.cli.frames"),
                     (4, "pivotwatch.api"), (5, "pivotwatch.report"), (6, "pivotwatch.taxonomy"),
                     (8, "pivotwatch.analysis.dyads")]
    assert upward(found, "pivotwatch.analysis.x") == [
        "pivotwatch.analysis.x:2 -> pivotwatch.cli.frames (analysis may not import cli)",
        "pivotwatch.analysis.x:4 -> pivotwatch.api (analysis may not import api)",
        "pivotwatch.analysis.x:5 -> pivotwatch.report (analysis may not import report)",
    ]


def test_the_walker_resolves_imports_in_a_package_init():
    found = imports("from . import common\nfrom .common import x\n", "pivotwatch.sources.unga2",
                    is_package=True, known={"pivotwatch.sources.unga2.common"})
    assert found == [(1, "pivotwatch.sources.unga2.common"), (2, "pivotwatch.sources.unga2.common")]


def test_connectors_stay_apart():
    assert upward([(3, "pivotwatch.sources.gdelt.load")], "pivotwatch.sources.unga") == [
        "pivotwatch.sources.unga:3 -> pivotwatch.sources.gdelt.load (connector unga may not "
        "import connector gdelt)"]
    assert upward([(1, "pivotwatch.sources.sanctions.common")],
                  "pivotwatch.sources.records") == [
        "pivotwatch.sources.records:1 -> pivotwatch.sources.sanctions.common (a shared "
        "sources module may not import a connector)"]
    # within one connector, from a connector to the shared modules, and from the sample
    assert upward([(1, "pivotwatch.sources.reference_figures"), (2, "pivotwatch.sources.records"),
                   (3, "pivotwatch.sources.fetch")], "pivotwatch.sources.reference") == []
    assert upward([(1, "pivotwatch.sources.gdelt.sample")], "pivotwatch.sources.sample") == []
