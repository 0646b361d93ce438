"""A dyad's GDELT figures from a store: what every dyad analysis checks first (the pair, the
dimensions asked for, the CAMEO map as a table, whether the loaded files watched the pair at
all), and `indicators()`, which runs the expressions of `analysis/indicators.py` on a store and
returns a DataFrame.

These were the Python API's (`pivotwatch.api`) until the analysis functions that need them
(`changes`, `partners`, the briefing) imported the API for them: the door had become the core.
They live here, below every caller; `pivotwatch.api` re-exports them. pandas is imported only
when a function needs it, so that `analysis/indicators.py` stays free of any engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from pivotwatch import taxonomy
from pivotwatch.analysis.indicators import ALL, FREQS, dyad_indicators, dyad_indicators_daily
from pivotwatch.errors import UsageError
from pivotwatch.store import derived, prepared
from pivotwatch.store.derived import code_dimensions  # noqa: F401 - re-exported by the API

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store


def parse_dyad(text: str) -> tuple[str, str]:
    """'RUS-PRK' (any case) -> ('RUS', 'PRK'), both checked against the CAMEO country table;
    ISO2 codes ('RU-KP') are refused with the ISO3 dyad suggested."""
    parts = [p.strip() for p in text.replace("–", "-").split("-")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"bad dyad {text!r}: write two country codes, e.g. RUS-PRK")
    from pivotwatch.taxonomy.countrycodes import iso2_guess

    known = taxonomy.countries()
    guesses = [p.upper() if p.upper() in known else iso2_guess(p) for p in parts]
    wrong = [p.upper() for p in parts if p.upper() not in known]
    # ISO2 codes (RU-KP) are a common slip: suggest the whole dyad in ISO3
    if wrong and all(guesses) and guesses[0] != guesses[1]:
        raise UsageError(f"unknown country code '{wrong[0]}': give ISO3 codes; did you mean "
                         f"{guesses[0]}-{guesses[1]}?")
    a, b = (taxonomy.validate_country(p) for p in parts)
    if a == b:
        raise UsageError(f"bad dyad {text!r}: the two countries must differ")
    return a, b


def check_dimensions(dimensions: Sequence[str] | None) -> list[str]:
    """The dimensions asked for, lower-cased, in the order given ('all' and every dimension
    when none); UsageError names the first unknown one."""
    known = [ALL, *taxonomy.DIMENSIONS]
    if not dimensions:
        return known
    wanted = [d.strip().lower() for d in dimensions if d.strip()]
    unknown = [d for d in wanted if d not in known]
    if unknown:
        raise UsageError(f"unknown dimension {unknown[0]!r}: choose from {', '.join(known)}")
    return wanted


def watch_lists(store: Store) -> dict[frozenset[str] | None, int]:
    """How many loaded GDELT files watched each set of countries (None: files loaded before
    pivotwatch recorded it); empty for an engine whose store has no `files` table (GDELT's
    own tables). Counted per distinct list in the query: a store holds 100 k files."""
    if not store.has_table("files"):
        return {}

    def build(_):
        files = store.ibis().table("files")
        loaded = files.filter(files.status == "loaded", files.source == "gdelt")
        return loaded.group_by("countries").aggregate(files=loaded.count())

    memo = getattr(store, "memo", {})
    if "watch lists" not in memo:
        df = prepared.run(store, ("watch lists",), build, {})
        memo["watch lists"] = {
            (frozenset(c.split(",")) if isinstance(c, str) else None): int(n)
            for c, n in zip(df["countries"], df["files"], strict=True)}
    return memo["watch lists"]


def daily_route(store: Store, notes: list[str]) -> bool:
    """Whether the dyad figures can be read from the derived daily tables: they must be
    current, and every loaded file must have watched the pair (otherwise `notes` already
    says so, and the pair volume is computed from `daily_counts`). A store whose derived
    tables were built with another dimension map gets a note to run `pivotwatch optimize`."""
    if notes:
        return False
    if derived.current(store):
        return True
    if store.has_table("dyad_daily"):
        fix = ("run `pivotwatch optimize` to rebuild them" if store.engine == "duckdb" else
               "run `pivotwatch optimize` on the DuckDB store and export it again")
        notes.append("the derived daily tables were built with another dimension map (or by "
                     f"another pivotwatch): these figures come from the events (slower); {fix}")
    return False


def coverage_warnings(store: Store, a: str, b: str) -> list[str]:
    """Say when loaded files did not watch either country, so the dyad's events were dropped.

    Raises UsageError when no loaded file watched either of them."""
    lists = watch_lists(store)
    if not lists:
        return []
    total = sum(lists.values())
    blind = sum(n for countries, n in lists.items()
                if countries is not None and not {a, b} & countries)
    unknown = lists.get(None, 0)
    if blind == total:
        raise UsageError(
            f"no loaded file watched {a} or {b}, so their events were not kept; load the "
            f"files into a new store with --countries including {a} or {b}")
    notes = []
    if blind:
        notes.append(f"{blind} of {total} loaded files did not watch {a} or {b}: their "
                     f"{a}-{b} events are missing (the volume still counts them)")
    if unknown:
        notes.append(f"{unknown} files were loaded before pivotwatch recorded watched "
                     "countries; their coverage of this dyad is unknown")
    return notes


def indicators(dyad: str = "RUS-PRK", *, store: Store | None = None, freq: str = "month",
               dimensions: Sequence[str] | None = None, start: date | None = None,
               end: date | None = None, directed: bool = False) -> pd.DataFrame:
    """Dyad indicators per period and dimension, as a DataFrame (see `dyad_indicators` for
    the columns, and `pivotwatch indicators`). With `store=None`, the default store is opened
    read-only and closed.

    `df.attrs["warnings"]` lists what the figures cannot tell (files that did not watch
    either country)."""
    import pandas as pd

    from pivotwatch.store import reading

    if freq not in FREQS:
        raise UsageError(f"unknown frequency {freq!r}: choose from {', '.join(FREQS)}")
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    a, b = parse_dyad(dyad)
    dims = check_dimensions(dimensions)
    with reading(store) as st:
        warnings = coverage_warnings(st, a, b)
        con = st.ibis()
        if daily_route(st, warnings):
            values = {"a": a, "b": b, **dict(zip(("lo", "hi"), sorted((a, b)), strict=True)),
                      **({"start": start} if start else {}), **({"end": end} if end else {})}

            def build(v):
                return dyad_indicators_daily(
                    *(con.table(t) for t in derived.TABLES), a=v["a"], b=v["b"],
                    pair=(v["lo"], v["hi"]), freq=freq, dimensions=dims,
                    start=v.get("start"), end=v.get("end"), directed=directed)

            shape = ("indicators", freq, tuple(dims), directed, bool(start), bool(end))
            df = prepared.run(st, shape, build, values)
        else:
            df = st.to_pandas(dyad_indicators(
                con.table("events"), con.table("daily_counts"), code_dimensions(), a=a, b=b,
                freq=freq, dimensions=dims, energy_pattern=taxonomy.energy_pattern(),
                start=start, end=end, directed=directed))
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df.attrs["warnings"] = warnings
    return df
