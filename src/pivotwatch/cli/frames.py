"""Writing result tables (pandas DataFrames) as csv, json or parquet."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path

from pivotwatch.markup import strict_json


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


# a file given with -o gets the format its suffix names
SUFFIXES = {".csv": Format.csv, ".json": Format.json, ".parquet": Format.parquet}


def missing(v) -> bool:
    # NAType: pandas' missing value in a nullable integer column such as a rank
    return (v is None or type(v).__name__ == "NAType"
            or (isinstance(v, float) and math.isnan(v)))


def records(df) -> list[dict]:
    """Rows as JSON-ready dicts: missing values as None, dates as ISO text (written with
    `strict_json`: a non-finite number is null)."""
    def clean(v):
        if missing(v):
            return None
        if hasattr(v, "item"):  # a numpy scalar
            v = v.item()
        return v.isoformat() if hasattr(v, "isoformat") else v

    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _flat(df):
    """For CSV: list cells (programmes, source URLs, flags) as text joined by '; ', not as
    Python reprs."""
    def cell(v):
        if isinstance(v, (list, tuple)) or type(v).__name__ == "ndarray":
            return "; ".join(str(x) for x in v)
        return v

    listy = [c for c in df.columns if df[c].dtype == object
             and df[c].map(lambda v: isinstance(v, (list, tuple))
                           or type(v).__name__ == "ndarray").any()]
    return df.assign(**{c: df[c].map(cell) for c in listy}) if listy else df


def write_frame(df, fmt: Format, path: Path) -> None:
    if fmt is Format.parquet:
        df.to_parquet(path, index=False)
    elif fmt is Format.json:
        path.write_text(strict_json(records(df), indent=1), encoding="utf-8")
    else:
        _flat(df).to_csv(path, index=False)


def print_frame(df, fmt: Format) -> None:
    """csv or json on standard output (not through Rich, which would read [ ] as markup)."""
    from pivotwatch.cli.common import write_data

    if fmt is Format.csv:
        write_data(_flat(df).to_csv(index=False))
    else:
        write_data(strict_json(records(df), indent=1) + "\n")


def check_output(fmt: Format, output: Path | None) -> None:
    """Refuse, before any work, an output that cannot be written."""
    from pivotwatch.errors import UsageError

    if fmt is Format.parquet and output is None:
        raise UsageError("--format parquet needs -o FILE")


def emit(df, fmt: Format, output: Path | None) -> bool:
    """Write `df` to `output` (in the format its suffix names when `fmt` is table, CSV by
    default) or print it as csv/json; True when done, False when the caller prints a table."""
    from pivotwatch.cli.common import out, shown, write_atomically

    check_output(fmt, output)
    if output is not None:
        if fmt is Format.table:
            fmt = SUFFIXES.get(output.suffix.lower(), Format.csv)
        frame = df.copy()
        frame.attrs = {}  # warnings and the like are printed, not written into parquet
        write_atomically(output, lambda tmp: write_frame(frame, fmt, tmp))
        out.print(f"wrote {len(df):,} rows to {shown(output)}")
        return True
    if fmt is not Format.table:
        print_frame(df, fmt)
        return True
    return False

