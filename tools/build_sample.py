"""Rebuild the bundled GDELT sample from the real files in ../shared/data/gdelt.

The sample keeps only rows in which actor 1 or actor 2 is a watched country, and carries the
daily counts of the full files (counted by pivotwatch itself from every row) and the runs of
their GLOBALEVENTIDs, so the bundled sample normalises exactly as the full files would, and a
later load of a full file does not count its rows twice.

    python tools/build_sample.py
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.store import open_store

REPO = Path(__file__).resolve().parents[1]
GDELT = REPO.parent / "shared" / "data" / "gdelt"
OUT = REPO / "src" / "pivotwatch" / "data" / "sample" / "gdelt"
SOURCES = sorted((GDELT / "v2" / "events").glob("*.export.CSV")) + [
    GDELT / "v1" / "samples" / "spark-gdelt_events1.csv",
    GDELT / "v2" / "samples" / "spark-gdelt_eventsT.csv",
]


def _watched(line: str) -> bool:
    cols = line.rstrip("\n").split("\t")
    a1, a2 = cols[7], cols[17]  # Actor1CountryCode, Actor2CountryCode in every layout
    return a1 in DEFAULT_COUNTRIES or a2 in DEFAULT_COUNTRIES


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():  # everything but the hand-written README is generated
        if old.name != "README.md":
            old.unlink()
    manifest, counts, runs = [], [], []
    with tempfile.TemporaryDirectory() as tmp, \
            open_store(Path(tmp) / "s.duckdb", create=True) as store:
        for src in SOURCES:
            result = load_file(store, src, name=src.name, countries=DEFAULT_COUNTRIES,
                               workdir=Path(tmp) / "work")
            rows = store.con.execute(
                """SELECT day, actor1_country, actor2_country, events FROM daily_counts
                   WHERE file_id = ? ORDER BY ALL""", [result.file_id]).fetchall()
            counts += [(src.name, *row) for row in rows]
            ids = sorted({int(line.split("\t", 1)[0])
                          for line in src.read_text(encoding="utf-8").splitlines()})
            runs += [(src.name, first, last) for first, last in _runs(ids)]
            with src.open(encoding="utf-8", newline="") as fh:
                kept = [line for line in fh if _watched(line)]
            (OUT / src.name).write_text("".join(kept), encoding="utf-8", newline="")
            manifest.append((src.name, str(src.relative_to(REPO.parent)),
                             result.rows_read, len(kept)))
    with (OUT / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "extract_of", "original_rows", "sample_rows"])
        w.writerows(manifest)
    with (OUT / "daily_counts.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "day", "actor1_country", "actor2_country", "events"])
        w.writerows(counts)
    with (OUT / "original_ids.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "first_id", "last_id"])
        w.writerows(runs)
    print(f"wrote {len(manifest)} files and {len(counts)} daily-count rows to {OUT}")


if __name__ == "__main__":
    main()
