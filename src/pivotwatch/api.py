"""The Python API: what the CLI does, callable from a notebook.

    import pivotwatch
    store = pivotwatch.open_store("pivotwatch.duckdb")
    df = pivotwatch.indicators("RUS-CHN", store=store, freq="day")
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import pandas as pd

from pivotwatch import taxonomy
from pivotwatch.analysis.indicators import ALL, FREQS, dyad_indicators
from pivotwatch.errors import UsageError
from pivotwatch.store import Store, open_store


def parse_dyad(text: str) -> tuple[str, str]:
    """'RUS-PRK' -> ('RUS', 'PRK'), both checked against the CAMEO country table."""
    parts = [p.strip() for p in text.replace("–", "-").split("-")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"bad dyad {text!r}: write two country codes, e.g. RUS-PRK")
    a, b = (taxonomy.validate_country(p) for p in parts)
    if a == b:
        raise UsageError(f"bad dyad {text!r}: the two countries must differ")
    return a, b


def check_dimensions(dimensions: Sequence[str] | None) -> list[str]:
    known = [ALL, *taxonomy.DIMENSIONS]
    if not dimensions:
        return known
    wanted = [d.strip().lower() for d in dimensions if d.strip()]
    unknown = [d for d in wanted if d not in known]
    if unknown:
        raise UsageError(f"unknown dimension {unknown[0]!r}: choose from {', '.join(known)}")
    return wanted


def code_dimensions():
    """The CAMEO-code-to-dimension map as an Ibis table (event_code, dimension), for joins."""
    return ibis.memtable(pd.DataFrame(taxonomy.code_dimension_table(),
                                      columns=["event_code", "dimension"]))


def coverage_warnings(store: Store, a: str, b: str) -> list[str]:
    """Say when loaded files did not watch either country, so the dyad's events were dropped.

    Raises UsageError when no loaded file watched either of them."""
    rows = store.con.execute(
        "SELECT countries FROM files WHERE status = 'loaded' AND source = 'gdelt'").fetchall()
    if not rows:
        return []
    blind = sum(1 for (countries,) in rows
                if countries is not None and not {a, b} & set(countries.split(",")))
    unknown = sum(1 for (countries,) in rows if countries is None)
    if blind == len(rows):
        raise UsageError(
            f"no loaded file watched {a} or {b}, so their events were not kept; load the "
            f"files into a new store with --countries including {a} or {b}")
    notes = []
    if blind:
        notes.append(f"{blind} of {len(rows)} loaded files did not watch {a} or {b}: their "
                     f"{a}-{b} events are missing (the volume still counts them)")
    if unknown:
        notes.append(f"{unknown} files were loaded before pivotwatch recorded watched "
                     "countries; their coverage of this dyad is unknown")
    return notes


def indicators(dyad: str = "RUS-PRK", *, store: Store | None = None, freq: str = "month",
               dimensions: Sequence[str] | None = None, start: date | None = None,
               end: date | None = None, directed: bool = False) -> pd.DataFrame:
    """Dyad indicators per period and dimension, as a DataFrame (see `pivotwatch indicators`).

    `df.attrs["warnings"]` lists what the figures cannot tell (files that did not watch
    either country)."""
    if freq not in FREQS:
        raise UsageError(f"unknown frequency {freq!r}: choose from {', '.join(FREQS)}")
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    a, b = parse_dyad(dyad)
    dims = check_dimensions(dimensions)
    own = store is None
    store = store or open_store(read_only=True)
    try:
        warnings = coverage_warnings(store, a, b)
        con = store.ibis()
        codes = code_dimensions()
        expr = dyad_indicators(
            con.table("events"), con.table("daily_counts"), codes, a=a, b=b, freq=freq,
            dimensions=dims, energy_pattern=taxonomy.energy_pattern(), start=start, end=end,
            directed=directed)
        df = expr.to_pandas()
        df["period"] = pd.to_datetime(df["period"]).dt.date
        df.attrs["warnings"] = warnings
        return df
    finally:
        if own:
            store.close()
