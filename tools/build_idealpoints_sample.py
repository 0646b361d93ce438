"""Build the bundled UN ideal-points sample from Voeten's files in ../shared/data/unga/ideal_points.

Keeps every state's rows of the recent periods, lines unchanged (only lines are dropped):
sessions from FIRST_SESSION of IdealpointestimatesAll_Jun2024.csv and years from FIRST_YEAR
of IdealpointsJuly2025.csv.gz, each gzipped (mtime 0: the same input gives the same bytes).
The cuts keep each file under ~250 KB.

    .venv/bin/python tools/build_idealpoints_sample.py [SHARED_IDEAL_POINTS_DIR]
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "pivotwatch" / "data" / "sample" / "unga"
FIRST_SESSION = 60  # 2005-06
FIRST_YEAR = 2010


def _cut(lines: list[str], column: str, first: int) -> str:
    header = next(csv.reader([lines[0]]))
    at = header.index(column)
    kept = [lines[0]] + [line for line in lines[1:]
                         if line and float(next(csv.reader([line]))[at]) >= first]
    return "\n".join(kept) + "\n"


def build(src: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sessions = (src / "IdealpointestimatesAll_Jun2024.csv").read_text("utf-8").split("\n")
    years = gzip.decompress((src / "IdealpointsJuly2025.csv.gz").read_bytes()) \
        .decode("utf-8").split("\n")
    for name, text in (("idealpoints_sessions.csv.gz", _cut(sessions, "session",
                                                             FIRST_SESSION)),
                       ("idealpoints_years.csv.gz", _cut(years, "year", FIRST_YEAR))):
        data = gzip.compress(text.encode("utf-8"), 9, mtime=0)
        (OUT / name).write_bytes(data)
        print(f"{name}: {text.count(chr(10)) - 1:,} rows, {len(data):,} bytes")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1
          else REPO.parent / "shared" / "data" / "unga" / "ideal_points")
