"""`pivotwatch ingest sample`: every sample bundled with pivotwatch, loaded offline.

GDELT extracts (with their original files' daily counts), UN General Assembly votes of the
watched countries, recent UN ideal points and published agreement of every state, Comtrade
rows with a watched partner or reporter, and the sanctions-list subset. Each connector says
what its sample holds in the README beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pivotwatch.sources import comtrade, idealpoints, sanctions, unga
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.gdelt.sample import ingest_sample as ingest_gdelt_sample
from pivotwatch.store.store import Store

# (what, folder name, files, loader) for every sample beside GDELT's
_SAMPLES: list[tuple[str, str, Callable[[], list[Path]], Callable[[Store, Path, str], object]]] = [
    ("UN votes sample files", "unga", unga.bundled_sample, unga.load_file),
    ("UN ideal-point sample files", "unga", idealpoints.bundled_sample, idealpoints.load_file),
    ("Comtrade sample files", "trade", comtrade.bundled_sample, comtrade.load_comtrade),
    ("sanctions sample files", "sanctions", sanctions.bundled_sample, sanctions.load_sanctions),
]


def ingest_sample(ctx: Context) -> IngestReport:
    """Load every bundled sample into the store; files loaded before are skipped."""
    report = ingest_gdelt_sample(ctx)
    for what, folder, paths, load in _SAMPLES:
        targets = paths()
        ctx.progress.planned(len(targets), what)
        for path in targets:
            name = f"sample:{folder}/{path.name}"
            attempt(ctx, report, name,
                    lambda name=name, path=path, load=load: load(ctx.store, path, name))
    return report
