"""The derived daily tables: what the indicators, the partner ranking and the briefing read,
so that they never scan the events.

- `dyad_daily`: per day, actor-1 country, actor-2 country (two different, known countries)
  and dimension, the sums the indicators need (events, cooperation, conflict, Goldstein and
  tone sums with their counts, mentions). Events are tagged with dimensions exactly as the
  event-level expressions tag them (`tag_dimensions`, defined here and used by both).
- `country_daily`, `pair_daily`, `total_daily`: the media-volume denominators from
  `daily_counts` (events involving a country; events between two countries, for the pairs
  with a country the file watched; all counted events), so that "events involving a or b"
  is T(a) + T(b) - P(a, b).

Each GDELT file adds its rows inside its own load transaction (`add_file`), as partial sums
that readers add up; `rebuild` (run by `pivotwatch optimize` and after the migration that
created the tables) recomputes everything from the base tables, compacted and sorted by pair
and day so that a dyad's rows sit in few row groups. The tagging depends on the CAMEO map and
the energy word list, which a user may change: `meta` keeps a fingerprint of both
(`fingerprint`), and readers use the tables only while it matches (`current`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import xxhash

from pivotwatch import taxonomy
from pivotwatch.store.store import ident

if TYPE_CHECKING:  # pragma: no cover
    from pivotwatch.store.store import Store

ALL = "all"
COOPERATIVE = (1, 2)  # GDELT QuadClass: verbal and material cooperation
CONFLICTUAL = (3, 4)  # verbal and material conflict
TABLES = ("dyad_daily", "country_daily", "pair_daily", "total_daily")
# The event columns the sums read (event_id keeps each event distinct when tagged).
SUM_COLUMNS = ("event_id", "day", "actor1_country", "actor2_country", "event_code",
               "quad_class", "goldstein", "num_mentions", "avg_tone", "source_url")
# Bump when what the tables hold changes, so that stores rebuild them.
FORMAT = "1"


# --- tagging, shared with analysis/indicators.py -------------------------------------------

def nullable(table: ir.Table) -> ir.Table:
    """The same columns, all nullable: set operations need identical schemas."""
    return table.cast({name: dtype.copy(nullable=True) for name, dtype in table.schema().items()})


def code_pairs() -> list[tuple[str, str]]:
    """The CAMEO map's (event_code, dimension) pairs, each once."""
    return sorted(set(taxonomy.code_dimension_table()))


def code_dimensions() -> ir.Table:
    """The CAMEO-code-to-dimension map as an Ibis table (event_code, dimension), for joins."""
    import pandas as pd

    return ibis.memtable(pd.DataFrame(code_pairs(), columns=["event_code", "dimension"]))


def tag_dimensions(events: ir.Table, code_dimensions: ir.Table,
                   energy_pattern: str) -> ir.Table:
    """One row per (event, dimension): 'all' for every event, CAMEO-mapped dimensions, and
    'energy' where the source URL matches the energy word list.

    An event counts once per dimension: a user map may also send codes to energy, so the URL
    tags energy only for events whose code does not. A union of disjoint parts, not a
    distinct union: that would hold every tagged row at once (out of memory at 100 M
    events)."""
    everything = events.mutate(dimension=ibis.literal(ALL))
    mapped = events.join(code_dimensions, events.event_code == code_dimensions.event_code)
    mapped = mapped.select(*events.columns, "dimension")
    by_code = code_dimensions.filter(code_dimensions.dimension == "energy").event_code
    energy = events.filter(events.source_url.re_search(energy_pattern),
                           events.event_code.isnull() | ~events.event_code.isin(by_code))
    energy = energy.mutate(dimension=ibis.literal("energy"))
    return ibis.union(*(nullable(t) for t in (everything, mapped, energy)), distinct=False)


def fingerprint() -> str:
    """What the derived tables' tagging depends on: the format, the CAMEO map in use and the
    energy pattern."""
    h = xxhash.xxh3_64()
    h.update(FORMAT.encode())
    for code, dim in code_pairs():
        h.update(f"\x1f{code}\x1e{dim}".encode())
    h.update(b"\x1d" + taxonomy.energy_pattern().encode())
    return h.hexdigest()


# --- the sums ------------------------------------------------------------------------------

def dyad_sums(events: ir.Table, codes: ir.Table | None = None) -> ir.Table:
    """`dyad_daily`'s rows from event rows: per day, ordered pair of different known
    countries and dimension (`codes`: the CAMEO map as a table, `code_dimensions()` when
    None)."""
    a1, a2 = events.actor1_country, events.actor2_country
    pairs = events.filter(a1.notnull() & a2.notnull() & (a1 != a2)).select(*SUM_COLUMNS)
    codes = code_dimensions() if codes is None else codes
    tagged = tag_dimensions(pairs, codes, taxonomy.energy_pattern())
    return tagged.group_by(["day", "actor1_country", "actor2_country", "dimension"]).aggregate(
        events=tagged.count(),
        cooperative=tagged.quad_class.isin(COOPERATIVE).cast("int64").sum().fill_null(0),
        conflictual=tagged.quad_class.isin(CONFLICTUAL).cast("int64").sum().fill_null(0),
        goldstein_sum=tagged.goldstein.sum(),
        goldstein_n=tagged.goldstein.count(),
        mentions=tagged.num_mentions.cast("int64").sum(),
        tone_sum=tagged.avg_tone.sum(),
        tone_n=tagged.avg_tone.count(),
    )


_COUNTRY_SQL = """
    SELECT day, country, sum(events)::BIGINT AS events FROM (
        SELECT day, actor1_country AS country, events FROM daily_counts
        WHERE actor1_country IS NOT NULL {where}
        UNION ALL
        SELECT day, actor2_country AS country, events FROM daily_counts
        WHERE actor2_country IS NOT NULL AND actor2_country IS DISTINCT FROM actor1_country
          {where}
    ) GROUP BY day, country"""

# A file's watched countries are `files.countries` (NULL for files loaded before pivotwatch
# recorded them: every pair is kept then). Bound at load time as $watched.
_PAIR_SQL = """
    SELECT d.day, least(d.actor1_country, d.actor2_country) AS country1,
           greatest(d.actor1_country, d.actor2_country) AS country2,
           sum(d.events)::BIGINT AS events
    FROM daily_counts d {join}
    WHERE d.actor1_country IS NOT NULL AND d.actor2_country IS NOT NULL
      AND d.actor1_country <> d.actor2_country {where}
    GROUP BY ALL"""

_TOTAL_SQL = "SELECT day, sum(events)::BIGINT AS events FROM daily_counts {where} GROUP BY day"


def add_file(store: Store, file_id: str, watched: list[str],
             first_rows: tuple[int, int] = (0, 0)) -> None:
    """Add one GDELT file's rows to the derived tables, inside the caller's transaction.

    The volume tables are always kept; `dyad_daily` only while it was built with the current
    tagging (otherwise readers fall back to the events until `pivotwatch optimize`).
    `first_rows` are the row counts of `events` and `daily_counts` before the file was
    loaded: its rows come after (DuckDB appends), so they are read without scanning the
    tables."""
    con = store.con
    first_event, first_count = first_rows
    con.execute("""CREATE OR REPLACE TEMP TABLE pw_file_counts AS
                   SELECT * FROM daily_counts WHERE rowid >= $first AND file_id = $file_id""",
                {"first": first_count, "file_id": file_id})
    counts = _COUNTRY_SQL.replace("FROM daily_counts", "FROM pw_file_counts")
    con.execute("INSERT INTO country_daily " + counts.format(where=""))
    con.execute(
        "INSERT INTO pair_daily " + _PAIR_SQL.replace("FROM daily_counts", "FROM pw_file_counts")
        .format(join="", where="AND (list_contains($watched, d.actor1_country) OR "
                               "list_contains($watched, d.actor2_country))"),
        {"watched": watched})
    con.execute("INSERT INTO total_daily "
                + _TOTAL_SQL.replace("FROM daily_counts", "FROM pw_file_counts").format(where=""))
    con.execute("DROP TABLE pw_file_counts")
    if stored_fingerprint(store) != fingerprint():
        return
    from pivotwatch.store import prepared

    # the file's events and the CAMEO map as temp tables, so that the insert is one compiled
    # query (Ibis compiles in tens of milliseconds, per file otherwise)
    # only the columns and rows the sums read (a pair of two different, known countries)
    con.execute("CREATE OR REPLACE TEMP TABLE pw_file_events AS SELECT "
                + ", ".join(ident(c) for c in SUM_COLUMNS)
                + """ FROM events WHERE rowid >= $first AND file_id = $file_id
                      AND actor1_country IS NOT NULL AND actor2_country IS NOT NULL
                      AND actor1_country <> actor2_country""",
                {"first": first_event, "file_id": file_id})
    codes = code_pairs()
    con.execute("""CREATE OR REPLACE TEMP TABLE pw_dimension_codes AS
                   SELECT unnest($codes::VARCHAR[]) AS event_code,
                          unnest($dims::VARCHAR[]) AS dimension""",
                {"codes": [c for c, _ in codes], "dims": [d for _, d in codes]})
    prepared.insert(store, "dyad_daily", ("file dyad sums",), lambda _: dyad_sums(
        store.ibis().table("pw_file_events"), store.ibis().table("pw_dimension_codes")))
    con.execute("DROP TABLE pw_file_events")
    con.execute("DROP TABLE pw_dimension_codes")


def stored_fingerprint(store: Store) -> str | None:
    rows = store.con.execute("SELECT value FROM meta WHERE key = 'derived'").fetchall()
    return rows[0][0] if rows else None


def rebuild(store: Store) -> dict[str, int]:
    """Recompute every derived table from the base tables, in one transaction: compacted
    (one row per key) and sorted by pair and day. Returns the rows of each table."""
    with store.transaction() as con:
        for table in TABLES:
            con.execute("DELETE FROM " + ident(table))
        con.execute("INSERT INTO country_daily " + _COUNTRY_SQL.format(where="")
                    + " ORDER BY country, day")
        con.execute(
            "INSERT INTO pair_daily " + _PAIR_SQL.format(
                join="JOIN files f ON f.file_id = d.file_id",
                where="AND (f.countries IS NULL OR list_contains(string_split(f.countries, ','),"
                      " d.actor1_country) OR list_contains(string_split(f.countries, ','),"
                      " d.actor2_country))")
            + " ORDER BY country1, country2, day")
        con.execute("INSERT INTO total_daily " + _TOTAL_SQL.format(where="") + " ORDER BY day")
        sums = dyad_sums(store.ibis().table("events"))
        store.ibis().insert("dyad_daily", sums.order_by(["actor1_country", "actor2_country",
                                                         "day", "dimension"]))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('derived', ?)", [fingerprint()])
    return {table: store.count(table) for table in TABLES}


def current(store) -> bool:
    """Whether `store` (any engine) has derived tables built with the tagging in use."""
    if not all(store.has_table(t) for t in (*TABLES, "meta")):
        return False
    from pivotwatch.store import prepared

    def build(_):
        meta = store.ibis().table("meta")
        return meta.filter(meta.key == "derived").select("value")

    memo = getattr(store, "memo", {})
    if "derived fingerprint" not in memo:
        rows = prepared.run(store, ("derived fingerprint",), build, {})
        memo["derived fingerprint"] = rows["value"].iloc[0] if len(rows) == 1 else None
    return memo["derived fingerprint"] == fingerprint()


def optimize(store: Store) -> dict:
    """`pivotwatch optimize`: rebuild the derived tables from the base tables, then
    checkpoint (DuckDB writes the store's pages back compactly). Returns what was done."""
    started = time.perf_counter()
    rows = rebuild(store)
    store.con.execute("CHECKPOINT")
    return {"rows": rows, "seconds": time.perf_counter() - started,
            "fingerprint": fingerprint()}
