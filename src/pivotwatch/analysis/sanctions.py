"""Sanctions designations under a country's programme, and those that tie two countries.

A designation is "under country A's programme" when one of its programmes maps to A in
`data/sanctions_programmes.csv` (UN "DPRK" -> PRK, OFAC "UKRAINE-EO13662" -> RUS, ...). It
"ties A and B" when it is under A's programme and has a nationality or an address in B, or
under B's programme with a nationality or address in A.

The store keeps every version of an entry (snapshots and deltas add versions); `current`
picks the latest. The expressions take and return Ibis tables and import no engine;
`sanctions()` wires them to a store and is the only function that touches pandas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from pivotwatch.errors import UsageError
from pivotwatch.taxonomy.countrycodes import to_iso3

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pivotwatch.store import Store

LISTS = ("un_sc", "ofac", "opensanctions")
OUTPUT = ("list", "list_id", "kind", "name", "programmes", "under", "country_programmes",
          "tie", "listed_on", "nationalities", "address_countries", "published_at", "aliases",
          "remarks")
_EPOCH = ibis.timestamp("1900-01-01 00:00:00")


@cache
def programme_map() -> tuple[tuple[str, str, str, str], ...]:
    """The bundled map: (list, programme, country ISO3, note) rows."""
    text = (files("pivotwatch") / "data" / "sanctions_programmes.csv").read_text("utf-8")
    return tuple((r["list"], r["programme"], r["country"], r["note"])
                 for r in csv.DictReader(io.StringIO(text)))


def programme_table() -> ir.Table:
    rows = programme_map()
    return ibis.memtable({"list": [r[0] for r in rows], "programme": [r[1] for r in rows],
                          "country": [r[2] for r in rows]})


# --- Ibis ----------------------------------------------------------------------------------

def current(sanctions: ir.Table, files_: ir.Table) -> ir.Table:
    """The latest version of each entry (by publication, then by load), without the entries
    whose latest version is a removal."""
    loads = files_.select(file_id=files_.file_id, loaded_at=files_.finished_at)
    t = sanctions.join(loads, "file_id")
    order = [ibis.coalesce(t.published_at, _EPOCH).desc(),
             ibis.coalesce(t.loaded_at, _EPOCH).desc(), t.entry_key.desc()]
    ranked = t.mutate(_rank=ibis.row_number().over(group_by=[t.list, t.list_id],
                                                   order_by=order))
    latest = ranked.filter((ranked._rank == 0) & ~ranked.removed)
    return latest.drop("_rank", "loaded_at")


def under_programme(entries: ir.Table, programmes: ir.Table, country: str) -> ir.Table:
    """Entries with a programme that maps to `country`, with `country_programmes` (those
    programmes) and `under` (the country)."""
    mapped = programmes.filter(programmes.country == country)
    each = entries.select(list=entries.list, list_id=entries.list_id,
                          programme=entries.programmes.unnest())
    hits = (each.join(mapped, ["list", "programme"])
            .group_by(["list", "list_id"])
            .aggregate(country_programmes=lambda t: t.programme.collect(order_by=t.programme)))
    found = entries.join(hits, ["list", "list_id"])
    return found.mutate(under=ibis.literal(country))


def tie(entries: ir.Table, other: str) -> ir.Value:
    """'nationality', 'address', 'nationality and address' or NULL: how an entry is tied to
    `other`."""
    nat = entries.nationalities.contains(other).fill_null(False)
    addr = entries.address_countries.contains(other).fill_null(False)
    return (ibis.cases((nat & addr, "nationality and address"), (nat, "nationality"),
                       (addr, "address"), else_=ibis.null("string")))


def designations(entries: ir.Table, programmes: ir.Table, country: str,
                 linked: str | None = None) -> ir.Table:
    """Entries under `country`'s programme; with `linked`, only those tying the two countries
    (under either's programme, with a nationality or address in the other)."""
    if linked is None:
        found = under_programme(entries, programmes, country)
        return found.mutate(tie=ibis.null("string")).select(*OUTPUT)
    parts = []
    for a, b in ((country, linked), (linked, country)):
        found = under_programme(entries, programmes, a)
        found = found.mutate(tie=tie(found, b))
        parts.append(found.filter(found.tie.notnull()).select(*OUTPUT))
    return ibis.union(*parts, distinct=False)


# --- wiring --------------------------------------------------------------------------------

def _country(code: str, option: str) -> str:
    code = (code or "").strip().upper()
    iso3 = to_iso3(code, "iso3")
    if iso3 is None:
        raise UsageError(f"unknown country code {code!r} for {option} (use ISO3, e.g. PRK)")
    return iso3


def sanctions(country: str, linked: str | None = None, *, lists: Sequence[str] = (),
              store: Store) -> pd.DataFrame:
    """Current designations under `country`'s programme (or tying it to `linked`), one row
    each, sorted by list, tie and name.

    attrs: `lists` (per list loaded: publication date and current entries), `programmes`
    (the mapped programmes of each country asked), `summary` (counts by list, programme and
    kind). UsageError for an unknown code, an unknown list or a store with no sanctions.
    """
    country = _country(country, "--country")
    other = _country(linked, "--linked") if linked else None
    if other == country:
        raise UsageError("--linked must name another country than --country")
    unknown = [name for name in lists if name not in LISTS]
    if unknown:
        raise UsageError(f"unknown list {unknown[0]!r} (one of {', '.join(LISTS)})")
    con = store.ibis()
    entries = current(con.table("sanctions"), con.table("files"))
    loaded = (entries.group_by("list")
              .aggregate(published_at=entries.published_at.max(), entries=entries.count())
              .order_by("list").to_pandas())
    if loaded.empty:
        raise UsageError("no sanctions lists are loaded: run pivotwatch ingest sanctions "
                         "FILE... first")
    if lists:
        missing = [name for name in lists if name not in set(loaded["list"])]
        if missing:
            raise UsageError(f"list {missing[0]!r} is not loaded (loaded: "
                             f"{', '.join(loaded['list'])})")
        entries = entries.filter(entries.list.isin(list(lists)))
        loaded = loaded[loaded["list"].isin(list(lists))]
    result = designations(entries, programme_table(), country, other)
    df = result.order_by(["list", "under", "name", "list_id"]).to_pandas()
    df.attrs["country"], df.attrs["linked"] = country, other
    df.attrs["lists"] = loaded.to_dict(orient="records")
    df.attrs["programmes"] = {c: sorted(f"{r[0]}:{r[1]}" for r in programme_map() if r[2] == c)
                              for c in filter(None, (country, other))}
    df.attrs["summary"] = summary(df).to_dict(orient="records")
    return df


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Designations by list, the matched programme and kind (an entry under two matched
    programmes counts under each)."""
    import pandas as pd

    if df.empty:
        return pd.DataFrame(columns=["list", "programme", "kind", "designations"])
    each = df[["list", "kind", "country_programmes"]].explode("country_programmes")
    each = each.rename(columns={"country_programmes": "programme"})
    return (each.groupby(["list", "programme", "kind"], as_index=False).size()
            .rename(columns={"size": "designations"})
            .sort_values(["list", "programme", "kind"], ignore_index=True))
