"""Shared test fixtures: an isolated store and settings per test, and the ../shared data."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

# A shell without job control starts background commands with SIGINT ignored, and pivotwatch
# keeps an ignored SIGINT ignored (as under nohup). The signal tests need Ctrl-C as a terminal
# sends it: this process takes it again, and so do the commands it starts.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
GDELT = SHARED_DATA / "gdelt"

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason="../shared/data is absent (a fresh clone has none); the bundled sample covers the core",
)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own store path and cache, and no real GDELT host."""
    monkeypatch.setenv("PIVOTWATCH_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("PIVOTWATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIVOTWATCH_GDELT_BASE", "http://127.0.0.1:9")
    monkeypatch.delenv("PIVOTWATCH_DIMENSIONS", raising=False)
    # the default engine, whatever the developer's environment picks
    for name in ("PIVOTWATCH_ENGINE", "PIVOTWATCH_SPARK_PATH", "PIVOTWATCH_SPARK_MASTER",
                 "PIVOTWATCH_BQ_PROJECT", "PIVOTWATCH_BQ_MAX_GB", "PIVOTWATCH_BQ_DATASET",
                 "PIVOTWATCH_BQ_TABLE", "PIVOTWATCH_BQ_SINCE", "PIVOTWATCH_BQ_UNTIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIVOTWATCH_RETRIES", "2")
    yield tmp_path


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory):
    """A store holding only the bundled reference tables (`pivotwatch ingest reference`),
    opened read only and built once for the run: the claims checks' tests share it."""
    from pivotwatch.sources.context import Context
    from pivotwatch.sources.reference import ingest_reference
    from pivotwatch.store import open_store

    path = tmp_path_factory.mktemp("reference") / "ref.duckdb"
    with open_store(path, create=True) as store:
        assert ingest_reference(Context(store)).ok
    with open_store(path, read_only=True) as store:
        yield store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> str:
    """A store with the bundled sample and reference data, as `make demo` builds it, through
    the CLI, once for the run (the briefing's browser and PDF tests share it)."""
    from typer.testing import CliRunner

    from pivotwatch.cli import app

    root = tmp_path_factory.mktemp("demo-store")
    db = str(root / "store.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIVOTWATCH_CACHE", str(root / "cache"))
        mp.setenv("PIVOTWATCH_GDELT_BASE", "http://127.0.0.1:9")
        for what in ("sample", "reference"):
            result = CliRunner().invoke(app, ["--db", db, "ingest", what],
                                        catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return db


CHROMIUM = Path(os.environ.get("PIVOTWATCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, started once for the run; skips where the
    browser or the package is absent (CI installs both)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); CI installs it")
    pw = sync_api.sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield chromium
    chromium.close()
    pw.stop()
