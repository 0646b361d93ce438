"""Rebuild the bundled Comtrade sample from the real extracts in ../shared/data/trade/comtrade.

Keeps the rows whose reporter or partner is a watched country, in the files' own layouts (the
header and the kept lines are copied unchanged), gzipped with a fixed timestamp so a rebuild
gives the same bytes. The API JSON response is small and copied whole.

    python tools/build_trade_sample.py
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from pathlib import Path

from pivotwatch.settings import DEFAULT_COUNTRIES

REPO = Path(__file__).resolve().parents[1]
COMTRADE = REPO.parent / "shared" / "data" / "trade" / "comtrade"
OUT = REPO / "src" / "pivotwatch" / "data" / "sample" / "trade"
CSVS = ("comtradr_example_3_THA_shrimp_2007-2011.csv",
        "comtradr_data_eu_imports_wood_2018-2022.csv.gz")
JSON = "comtrade_api_v1_response_CHN_2010_HS-60a6ad.json"


def _read(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def _watched_lines(text: str) -> tuple[str, list[str], int]:
    """The header line, the kept lines (unchanged) and the number of rows read."""
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    reporter, partner = header.index("reporter_iso"), header.index("partner_iso")
    kept = []
    # one physical line per record in these files: the test below checks it
    for line in lines[1:]:
        row = next(csv.reader(io.StringIO(line)))
        if len(row) != len(header):
            raise SystemExit(f"a record spans lines or is short: {line[:80]!r}")
        if row[reporter].strip() in DEFAULT_COUNTRIES or row[partner].strip() in DEFAULT_COUNTRIES:
            kept.append(line)
    return lines[0], kept, len(lines) - 1


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CSVS:
        header, kept, read = _watched_lines(_read(COMTRADE / name))
        target = OUT / (name if name.endswith(".gz") else f"{name}.gz")
        with target.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                      mtime=0) as fh:
            fh.write((header + "".join(kept)).encode("utf-8"))
        print(f"{target.name}: {len(kept):,} of {read:,} rows, {target.stat().st_size:,} bytes")
    shutil.copyfile(COMTRADE / JSON, OUT / JSON)
    print(f"{JSON}: copied whole")


if __name__ == "__main__":
    main()
