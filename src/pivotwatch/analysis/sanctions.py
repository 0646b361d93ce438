"""Sanctions designations under a country's programme, and those that tie two countries.

A designation is "under country A's programme" when one of its programmes maps to A in
`data/sanctions_programmes.csv` (UN "DPRK" -> PRK, OFAC "UKRAINE-EO13662" -> RUS, ...). It
"ties A and B" when it is under A's programme and the list names B in one of its fields, or
under B's programme and names A. The `tie` column says in which, with these words, in this
order, comma-separated ("nationality, address"):

    nationality  a nationality or citizenship (for an entity, OFAC's nationality of
                 registration)
    address      an address
    flag         a vessel's flag
    birth        a place of birth
    remarks      the list's remarks or comments name the country ("Linked To: ... OF RUSSIA",
                 "KOMID representative in Russia"); OFAC's legal boilerplate is not read

Rows loaded before the flag had its own column (migration 8: `flag_countries` NULL) kept a
vessel's flag among its nationalities; a vessel's nationalities on such a row are read as its
flag, so old and new stores give the same tie.

The store keeps every version of an entry (snapshots and deltas add versions); `current`
picks the latest. As of a date (`as_of`), only versions published on or before that day are
seen (a version whose publication date is unknown is not: it cannot be shown to be that old),
and entries listed after it are left out, so a past date sees the lists as they then were.

The expressions take and return Ibis tables and import no engine; `sanctions()` wires them to
a store and, with `summary` and `by_year`, is where pandas is used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time
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
          "tie", "listed_on", "nationalities", "address_countries", "flag_countries",
          "birth_countries", "remark_countries", "published_at", "aliases", "remarks")
# The tie words, in their order, and the column each reads.
TIES = (("nationality", "nationalities"), ("address", "address_countries"),
        ("flag", "flag_countries"), ("birth", "birth_countries"),
        ("remarks", "remark_countries"))
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

def published_by(sanctions: ir.Table, as_of: date) -> ir.Table:
    """The versions published on or before `as_of` (a version with no publication date is
    left out: it cannot be shown to be that old)."""
    end = ibis.timestamp(datetime.combine(as_of, time.max))  # no day after 9999-12-31
    return sanctions.filter(sanctions.published_at.notnull() & (sanctions.published_at <= end))


def listed_by(entries: ir.Table, as_of: date) -> ir.Table:
    """The entries not listed after `as_of` (an entry without a listing date stays)."""
    return entries.filter(entries.listed_on.isnull() | (entries.listed_on <= as_of))


def read_fields(entries: ir.Table) -> ir.Table:
    """Entries with their country columns as this version reads them: on a row stored before
    flags had a column (`flag_countries` NULL), a vessel's nationalities are its flag."""
    old_vessel = entries.flag_countries.isnull() & (entries.kind == "vessel")
    none = ibis.literal([], type="array<string>")
    return entries.mutate(
        nationalities=ibis.ifelse(old_vessel, none, entries.nationalities),
        flag_countries=ibis.ifelse(old_vessel, entries.nationalities, entries.flag_countries))


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


def under_programmes(entries: ir.Table, programmes: ir.Table,
                     countries: Sequence[str]) -> ir.Table:
    """Entries with a programme that maps to one of `countries`, one row per entry and such
    country, with `under` (the country) and `country_programmes` (its programmes)."""
    mapped = programmes.filter(programmes.country.isin(list(countries)))
    each = entries.select(list=entries.list, list_id=entries.list_id,
                          programme=entries.programmes.unnest())
    hits = (each.join(mapped, ["list", "programme"])
            .group_by(["list", "list_id", "country"])
            .aggregate(country_programmes=lambda t: t.programme.collect(order_by=t.programme)))
    found = entries.join(hits, ["list", "list_id"])
    return found.rename(under="country")


def under_programme(entries: ir.Table, programmes: ir.Table, country: str) -> ir.Table:
    """Entries with a programme that maps to `country`, with `country_programmes` (those
    programmes) and `under` (the country)."""
    return under_programmes(entries, programmes, [country])


def tie(entries: ir.Table, other: str | ir.StringValue) -> ir.Value:
    """The fields in which an entry names `other` (a code, or a column of codes), as the
    TIES words in their order joined by ', ' ('nationality, address'), or NULL when none
    does."""
    words = ibis.literal("")
    for word, column in TIES:
        named = entries[column].contains(other).fill_null(False)
        words = words + ibis.ifelse(named, f", {word}", "")
    return words.substr(2).nullif("")


def designations(entries: ir.Table, programmes: ir.Table, country: str,
                 linked: str | None = None) -> ir.Table:
    """Entries under `country`'s programme; with `linked`, only those tying the two countries
    (under either's programme, naming the other in a field: see TIES)."""
    if linked is None:
        found = under_programme(read_fields(entries), programmes, country)
        return found.mutate(tie=ibis.null("string")).select(*OUTPUT)
    return ties(entries, programmes, country, [linked]).drop("partner")


def ties(entries: ir.Table, programmes: ir.Table, focus: str,
         partners: Sequence[str]) -> ir.Table:
    """The entries tying `focus` to each of `partners` (OUTPUT columns and `partner`): under
    the focus's programme naming the partner, or under the partner's naming the focus. One
    expression for every partner, so a comparison over many partners compiles once."""
    entries = read_fields(entries)
    others = ibis.memtable({"partner": list(partners)})
    mine = under_programme(entries, programmes, focus).cross_join(others)
    theirs = under_programmes(entries, programmes, list(partners))
    theirs = theirs.mutate(partner=theirs.under)
    parts = []
    for found, other in ((mine, mine.partner), (theirs, ibis.literal(focus))):
        found = found.mutate(tie=tie(found, other))
        parts.append(found.filter(found.tie.notnull()).select(*OUTPUT, "partner"))
    return ibis.union(*parts, distinct=False)


def counts_by_year(counts: ir.Table, country: str, as_of: date | None = None) -> ir.Table:
    """Per source and year, from `sanctions_counts` (monthly counts by address country): the
    parties listed with an address in `country` at the year's last month on record
    (`listed`, `as_of_month`), and those added and removed in the year's months, to `as_of`.
    A year without a month on record has no row (not zero)."""
    t = counts.filter(counts.country == country)
    if as_of is not None:
        t = t.filter(t.period_end <= as_of)
    return (t.group_by(["source", t.period_end.year().name("year")])
            .aggregate(listed=t.listed.argmax(t.period_end), as_of_month=t.period_end.max(),
                       added=t.added.sum(), removed=t.removed.sum(), months=t.count())
            .order_by(["source", "year"]))


# --- wiring --------------------------------------------------------------------------------

def _country(code: str, option: str) -> str:
    code = (code or "").strip().upper()
    iso3 = to_iso3(code, "iso3")
    if iso3 is None:
        raise UsageError(f"unknown country code {code!r} for {option} (use ISO3, e.g. PRK)")
    return iso3


def sanctions(country: str, linked: str | None = None, *, lists: Sequence[str] = (),
              store: Store, as_of: date | None = None) -> pd.DataFrame:
    """Current designations under `country`'s programme (or tying it to `linked`), one row
    each, sorted by list, tie and name. With `as_of`, the lists as they stood that day: only
    versions published on or before it, less the entries listed after it.

    attrs: `country`, `linked`, `as_of`; `lists` (per list seen: latest publication date and
    current entries; empty when every list loaded was published after `as_of`: no data, not
    zero); `left_out` (with `as_of`: versions published later, versions whose publication
    date is unknown, entries listed later); `programmes` (the mapped programmes of each
    country asked); `summary` (counts by list, programme and kind). UsageError for an
    unknown code, an unknown list, a list not loaded or a store with no sanctions.
    """
    country = _country(country, "--country")
    other = _country(linked, "--linked") if linked else None
    if other == country:
        raise UsageError("--linked must name another country than --country")
    unknown = [name for name in lists if name not in LISTS]
    if unknown:
        raise UsageError(f"unknown list {unknown[0]!r} (one of {', '.join(LISTS)})")
    con = store.ibis()
    table = con.table("sanctions")
    stored = sorted(table.select("list").distinct().to_pandas()["list"])
    if not stored:
        raise UsageError("no sanctions lists are loaded: run pivotwatch ingest sanctions "
                         "FILE... first")
    missing = [name for name in lists if name not in stored]
    if missing:
        raise UsageError(f"list {missing[0]!r} is not loaded (loaded: {', '.join(stored)})")
    if lists:
        table = table.filter(table.list.isin(list(lists)))
    left_out = {}
    if as_of is not None:
        seen = published_by(table, as_of)
        left_out["versions_undated"] = int(table.published_at.isnull().sum().execute())
        left_out["versions_published_later"] = int(
            table.count().execute() - seen.count().execute() - left_out["versions_undated"])
        table = seen
    entries = current(table, con.table("files"))
    if as_of is not None:
        left_out["entries_listed_later"] = int(
            (entries.listed_on > as_of).fill_null(False).sum().execute() or 0)
        entries = listed_by(entries, as_of)
    loaded = (entries.group_by("list")
              .aggregate(published_at=entries.published_at.max(), entries=entries.count())
              .order_by("list").to_pandas())
    result = designations(entries, programme_table(), country, other)
    df = result.order_by(["list", "under", "name", "list_id"]).to_pandas()
    df.attrs["country"], df.attrs["linked"], df.attrs["as_of"] = country, other, as_of
    df.attrs["lists"] = loaded.to_dict(orient="records")
    df.attrs["left_out"] = left_out
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


def by_year(df: pd.DataFrame) -> pd.DataFrame:
    """Designations of a `sanctions()` frame by list and listing year: columns `list`,
    `year` (nullable integer: <NA> where the list gives no listing date, as OFAC's do) and
    `designations`. Each entry counts once, even when it appears under both countries'
    programmes."""
    import pandas as pd

    if df.empty:
        return pd.DataFrame({"list": pd.Series(dtype="object"),
                             "year": pd.Series(dtype="Int64"),
                             "designations": pd.Series(dtype="int64")})
    each = df.drop_duplicates(["list", "list_id"])
    years = pd.to_datetime(each["listed_on"], errors="coerce").dt.year.astype("Int64")
    counts = (each.assign(year=years).groupby(["list", "year"], dropna=False, as_index=False)
              .size().rename(columns={"size": "designations"}))
    counts["year"] = counts["year"].astype("Int64")
    return counts.sort_values(["list", "year"], na_position="last", ignore_index=True)


def address_counts(country: str, *, store: Store, as_of: date | None = None) -> pd.DataFrame:
    """`counts_by_year` for a store: per source (the OFAC panel) and year, parties listed with
    an address in `country`, added and removed. Empty when no counts are loaded."""
    country = _country(country, "--country")
    return counts_by_year(store.ibis().table("sanctions_counts"), country, as_of).to_pandas()
