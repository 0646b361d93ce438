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



@dataclass(frozen=True)
class Rule:
    """What a good value of a GDELT column is. Every column is read as text and checked by
    this rule (`scans.py` turns it into SQL): DuckDB's own casts are lenient ('49.6667' and
    '0x10' cast to BIGINT as 50 and 16, '2015021' to 2015-02-01, 'nan' to a DOUBLE)."""

    kind: str             # whole | decimal | date | stamp
    says: str             # what a good value is, for the reject reason
    lo: float = 0
    hi: float = 0
    store: str = "BIGINT"  # the store column's type (whole numbers)


def _whole(lo: int, hi: int, says: str = "", store: str = "INTEGER") -> Rule:
    return Rule("whole", says or f"a whole number from {lo} to {hi}", lo, hi, store)


def _decimal(lo: float, hi: float) -> Rule:
    return Rule("decimal", f"a number from {lo:g} to {hi:g}", lo, hi, "DOUBLE")


# SQLDATE years run from 1920 (well before GDELT's 1979 start, for events it dates back) to
# next year; year 1 or 9999 is no event date.
FIRST_YEAR = 1920
_INT32 = 2**31 - 1

# The columns the store keeps as numbers or dates, with GDELT's documented ranges (GDELT 2.0
# Event Codebook). A value that breaks its rule (an empty one included) rejects the row with
# its line number and one reason, the first bad column's. Only columns the store keeps are
# checked: every scan of a file must judge the same rows, and each scan reads few columns.
# GLOBALEVENTID 0 is real (the 1.0 backfile starts at 0), so ids may be 0.
RULES = {
    "GLOBALEVENTID": _whole(0, 2**63 - 1, "a whole number of at least 0", "BIGINT"),
    "SQLDATE": Rule("date", "a real date as YYYYMMDD from {first} to {last}"),
    "IsRootEvent": _whole(0, 1, "0 or 1", "TINYINT"),
    "QuadClass": _whole(1, 4, "1, 2, 3 or 4", "TINYINT"),
    "GoldsteinScale": _decimal(-10, 10),
    "NumMentions": _whole(0, _INT32),
    "NumSources": _whole(0, _INT32),
    "NumArticles": _whole(0, _INT32),
    "AvgTone": _decimal(-100, 100),
    "DATEADDED": Rule("stamp", "8 or 14 digits (YYYYMMDD or YYYYMMDDHHMMSS)"),
}
# Numbers that may be empty (geography is often unknown): a value that breaks its rule,
# an empty one included, is stored as NULL and the row kept.
OPTIONAL_NUMBERS = {
    "ActionGeo_Type": _whole(0, 5, store="TINYINT"),
    "ActionGeo_Lat": _decimal(-90, 90),
    "ActionGeo_Long": _decimal(-180, 180),
}

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

    def checked(self) -> list[str]:
        """The checked columns, in file order."""
        return [c for c in self.columns if c in RULES]

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
