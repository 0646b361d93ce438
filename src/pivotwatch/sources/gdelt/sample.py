"""Load the GDELT sample bundled as package data (see data/sample/gdelt/README.md)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from importlib import resources
from pathlib import Path

from pivotwatch.sources.context import Context, IngestReport
from pivotwatch.sources.gdelt.ingest import load_one


def sample_dir() -> Path:
    return Path(str(resources.files("pivotwatch") / "data" / "sample" / "gdelt"))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ingest_sample(ctx: Context) -> IngestReport:
    """Load every bundled extract, with the daily counts of its original full file."""
    folder = sample_dir()
    totals: dict[str, list[tuple]] = defaultdict(list)
    for row in _read_csv(folder / "daily_counts.csv"):
        totals[row["file"]].append((
            date.fromisoformat(row["day"]), row["actor1_country"] or None,
            row["actor2_country"] or None, int(row["events"]),
        ))
    ranges: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in _read_csv(folder / "original_ids.csv"):
        ranges[row["file"]].append((int(row["first_id"]), int(row["last_id"])))
    manifest = _read_csv(folder / "manifest.csv")
    report = IngestReport()
    ctx.progress.planned(len(manifest), "sample files")
    for entry in manifest:
        load_one(ctx, report, f"sample:{entry['file']}", folder / entry["file"],
                 extract_of=entry["extract_of"], totals=totals[entry["file"]],
                 original_ids=ranges[entry["file"]])
    return report
