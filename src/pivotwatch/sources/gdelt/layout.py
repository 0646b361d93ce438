"""GDELT event-export layouts, described as data.

GDELT 1.0 historical backfile rows have 57 columns (no SOURCEURL), GDELT 1.0 daily files 58,
and GDELT 2.0 exports 61 (an ADM2 code after each of the three ADM1 codes). Files have no
header and no quoting; codes keep their leading zeros, so they are read as strings.
"""

from __future__ import annotations

from dataclasses import dataclass

_ACTOR = [
    "Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode",
    "Religion1Code", "Religion2Code", "Type1Code", "Type2Code", "Type3Code",
]
_EVENT = [
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
]


def _geo(prefix: str, adm2: bool) -> list[str]:
    cols = ["Type", "FullName", "CountryCode", "ADM1Code"]
    cols += ["ADM2Code"] if adm2 else []
    cols += ["Lat", "Long", "FeatureID"]
    return [f"{prefix}Geo_{c}" for c in cols]


def _columns(adm2: bool, source_url: bool) -> list[str]:
    cols = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
    cols += [f"Actor1{c}" for c in _ACTOR] + [f"Actor2{c}" for c in _ACTOR] + _EVENT
    for prefix in ("Actor1", "Actor2", "Action"):
        cols += _geo(prefix, adm2)
    cols += ["DATEADDED"] + (["SOURCEURL"] if source_url else [])
    return cols


# Types checked while parsing; a value that does not cast (an empty one included) rejects the
# row with its line number. Only the columns the store keeps are typed: DuckDB checks only the
# columns a query reads, and every scan of a file must reject the same rows.
TYPED = {
    "GLOBALEVENTID": "BIGINT", "SQLDATE": "DATE", "IsRootEvent": "INTEGER",
    "QuadClass": "INTEGER", "GoldsteinScale": "DOUBLE", "NumMentions": "INTEGER",
    "NumSources": "INTEGER", "NumArticles": "INTEGER", "AvgTone": "DOUBLE",
    "DATEADDED": "BIGINT",
}
# Numbers that may be empty (geography is often unknown): empty or unparsable -> NULL.
OPTIONAL_NUMBERS = {"ActionGeo_Type": "TINYINT", "ActionGeo_Lat": "DOUBLE",
                    "ActionGeo_Long": "DOUBLE"}

# store column <- GDELT column. The store keeps what the analysis needs, not all 61 fields.
STORE_COLUMNS = {
    "event_id": "GLOBALEVENTID",
    "day": "SQLDATE",
    "actor1_code": "Actor1Code",
    "actor1_name": "Actor1Name",
    "actor1_country": "Actor1CountryCode",
    "actor1_type1": "Actor1Type1Code",
    "actor1_type2": "Actor1Type2Code",
    "actor1_type3": "Actor1Type3Code",
    "actor2_code": "Actor2Code",
    "actor2_name": "Actor2Name",
    "actor2_country": "Actor2CountryCode",
    "actor2_type1": "Actor2Type1Code",
    "actor2_type2": "Actor2Type2Code",
    "actor2_type3": "Actor2Type3Code",
    "is_root_event": "IsRootEvent",
    "event_code": "EventCode",
    "event_base_code": "EventBaseCode",
    "event_root_code": "EventRootCode",
    "quad_class": "QuadClass",
    "goldstein": "GoldsteinScale",
    "num_mentions": "NumMentions",
    "num_sources": "NumSources",
    "num_articles": "NumArticles",
    "avg_tone": "AvgTone",
    "action_geo_type": "ActionGeo_Type",
    "action_geo_country": "ActionGeo_CountryCode",
    "action_geo_lat": "ActionGeo_Lat",
    "action_geo_long": "ActionGeo_Long",
    "date_added": "DATEADDED",
    "source_url": "SOURCEURL",
}


@dataclass(frozen=True)
class Layout:
    name: str
    version: int
    columns: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.columns)

    def duckdb_columns(self) -> dict[str, str]:
        return {c: TYPED.get(c, "VARCHAR") for c in self.columns}

    def has(self, column: str) -> bool:
        return column in self.columns


V1_BACKFILE = Layout("gdelt1-backfile", 1, tuple(_columns(adm2=False, source_url=False)))
V1_DAILY = Layout("gdelt1-daily", 1, tuple(_columns(adm2=False, source_url=True)))
V2 = Layout("gdelt2", 2, tuple(_columns(adm2=True, source_url=True)))

BY_WIDTH = {layout.width: layout for layout in (V1_BACKFILE, V1_DAILY, V2)}
# A GDELT 1.0 file may mix backfile and daily rows (real extracts do): each is read
# with the other's layout when its column count says so.
ALTERNATE = {V1_BACKFILE.width: V1_DAILY, V1_DAILY.width: V1_BACKFILE}

assert V1_BACKFILE.width == 57 and V1_DAILY.width == 58 and V2.width == 61
