"""Build the bundled UN votes sample from the unvotes files in ../shared/data/unga.

Keeps the votes of the watched countries (RUS PRK CHN IND IRN VNM MNG KOR JPN USA) from
un_votes.csv, and the roll calls and issue tags of the roll calls they voted in, rows kept
unchanged (only rows are dropped; CSV quoting is rewritten by Python's csv module), gzipped.

    .venv/bin/python tools/build_unga_sample.py [SHARED_UNGA_DIR]
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "pivotwatch" / "data" / "sample" / "unga"
WATCHED_ISO2 = {"RU", "KP", "CN", "IN", "IR", "VN", "MN", "KR", "JP", "US"}


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # mtime=0: the same input gives the same bytes
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))


def build(src: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {}
    for name in ("un_votes.csv", "un_roll_calls.csv", "un_roll_call_issues.csv"):
        with (src / name).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            tables[name] = (reader.fieldnames, list(reader))
    header, votes = tables["un_votes.csv"]
    kept = [r for r in votes if r["country_code"] in WATCHED_ISO2]
    rcids = {r["rcid"] for r in kept}
    _write(OUT / "un_votes_watched.csv.gz", header, kept)
    for name, out in (("un_roll_calls.csv", "un_roll_calls.csv.gz"),
                      ("un_roll_call_issues.csv", "un_roll_call_issues.csv.gz")):
        header, rows = tables[name]
        _write(OUT / out, header, [r for r in rows if r["rcid"] in rcids])
    sizes = {p.name: p.stat().st_size for p in sorted(OUT.glob("*.gz"))}
    print(f"{len(kept):,} votes on {len(rcids):,} roll calls; {sizes}")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "unga")
