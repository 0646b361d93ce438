"""What the BigQuery engine's queries would scan, estimated offline (docs/bigquery.md).

BigQuery bills on-demand queries by the bytes of every column a query reads (each column of a
table once, however often the query names it), over the partitions it reads: INT64, FLOAT64
and DATE are 8 bytes, a STRING 2 bytes plus its UTF-8 length, NULL 0. This script compiles the
queries pivotwatch sends (the same `compile_query` the engine uses), finds which of GDELT's
columns each one reads, measures those columns' bytes per row with BigQuery's rules on real
GDELT 2.0 exports, and multiplies by row counts: a year of GDELT 2.0 (rows per 15-minute export
× 35,040 exports) and the whole table. The dry run gives the exact figure before any query runs;
this is for planning.

    .venv/bin/python benchmarks/bigquery_bytes.py [EXPORT.CSV ...]

Without arguments it reads the full exports in ../shared/data/gdelt/v2/events, or the bundled
extracts (rows of watched countries only, so a biased sample) when those are absent.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

import sqlglot
import sqlglot.expressions as sge

from pivotwatch import taxonomy
from pivotwatch.analysis.dyads import code_dimensions
from pivotwatch.analysis.indicators import ALL, dyad_indicators, volume
from pivotwatch.analysis.partners import DEFAULT_PARTNERS, partner_shares
from pivotwatch.sources.gdelt.layout import V2
from pivotwatch.sources.gdelt.sample import sample_dir
from pivotwatch.store.bigquery import (
    GB,
    GDELT_TYPES,
    TIB,
    USD_PER_TIB,
    BigQueryStore,
    compile_query,
)

REPO = Path(__file__).resolve().parents[1]
SHARED_EXPORTS = REPO.parent / "shared" / "data" / "gdelt" / "v2" / "events"
EXPORTS_PER_YEAR = 4 * 24 * 365
# What the indicators use of an event: were the events narrowed to these before tagging (today
# tag_dimensions' UNION DISTINCT compares whole rows, so every store column is read)
NEEDED = {"GLOBALEVENTID", "SQLDATE", "Actor1CountryCode", "Actor2CountryCode", "EventCode",
          "QuadClass", "GoldsteinScale", "NumMentions", "AvgTone", "SOURCEURL"}
# GDELT's own figure when it announced the partitioned tables (2016): 159 million rows, 63 GB
PUBLISHED_ROWS_2016 = 159_000_000


def queries() -> dict[str, object]:
    st = BigQueryStore("planning")
    t = st.ibis()
    dims = [ALL, *taxonomy.DIMENSIONS]
    common = dict(energy_pattern=taxonomy.energy_pattern(), dimensions=dims)
    return {
        "indicators RUS-PRK, month, all dimensions": dyad_indicators(
            t.table("events"), t.table("daily_counts"), code_dimensions(), a="RUS", b="PRK",
            freq="month", **common),
        "partners RUS (6), year, all dimensions": partner_shares(
            t.table("events"), t.table("daily_counts"), code_dimensions(), focus="RUS",
            partners=list(DEFAULT_PARTNERS), freq="year", **common),
        "denominator only (volume RUS-PRK, month)": volume(
            t.table("daily_counts"), ["RUS", "PRK"], "month"),
    }


def columns_read(sql: str) -> set[str]:
    """GDELT's columns that the SELECTs reading its table name."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    names: set[str] = set()
    for table in tree.find_all(sge.Table):
        if table.catalog == "gdelt-bq":
            select = table.find_ancestor(sge.Select)
            names |= {c.name for c in select.find_all(sge.Column)} & set(GDELT_TYPES)
    return names


def bytes_per_row(paths: list[Path]) -> tuple[dict[str, float], int]:
    """Mean BigQuery bytes per row of each column, and rows per export file."""
    index = {name: i for i, name in enumerate(V2.columns)}
    totals = dict.fromkeys(GDELT_TYPES, 0)
    rows = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            for fields in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(fields) != V2.width:
                    continue
                rows += 1
                for name, kind in GDELT_TYPES.items():
                    value = fields[index[name]]
                    if value:
                        totals[name] += 2 + len(value.encode()) if kind == "string" else 8
    return {k: v / rows for k, v in totals.items()}, rows // len(paths)


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or sorted(SHARED_EXPORTS.glob("*.export.CSV")) or sorted(
        sample_dir().glob("*.export.CSV"))
    per_column, per_file = bytes_per_row(paths)
    per_year = per_file * EXPORTS_PER_YEAR
    years = (date(2026, 12, 1) - date(2015, 2, 18)).days / 365.25
    whole = int(per_year * years)
    print(f"{len(paths)} exports, {per_file:,} rows per 15-minute export: about "
          f"{per_year / 1e6:,.0f} M rows a year, {whole / 1e6:,.0f} M rows 2015-02..2026-11 "
          f"(GDELT's published count in 2016: {PUBLISHED_ROWS_2016 / 1e6:,.0f} M)")
    print("| query | GDELT columns read | bytes/row | a month | a year | whole table |")
    print("|---|---|---|---|---|---|")
    rows = {name: columns_read(compile_query(expr).sql) for name, expr in queries().items()}
    rows["(if the events were narrowed to the 10 columns the indicators use)"] = NEEDED
    for name, cols in rows.items():
        b = sum(per_column[c] for c in cols)
        cells = []
        for rows in (per_year / 12, per_year, whole):
            n = rows * b
            cells.append(f"{n / GB:,.1f} GB, USD {n / TIB * USD_PER_TIB:,.2f}")
        print(f"| {name} | {len(cols)} | {b:,.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
