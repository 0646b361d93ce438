"""One country-code crosswalk: ISO2, ISO3, UN M49, Comtrade, Correlates of War, CAMEO, names.

Built on the country table that ships with the maintained `country_converter` package (read
directly: its own loader breaks under pandas 3, which reads Namibia's ISO2 "NA" as missing).
Correlates of War codes are taken from its Gleditsch-Ward column, which agrees with COW for
almost every state; the differences (Germany, Yemen, Serbia, the Czech Republic, Vietnam and
the Pacific microstates, where Gleditsch-Ward's 970 is Kiribati but COW's is Nauru), the
historical cases (the USSR's UN seat as Russia's, West Germany, Yemen, Yugoslavia,
Czechoslovakia), Comtrade's own numeric codes and areas, CAMEO's non-ISO codes and the few
unvotes rows that carry a name but no code are listed, each with a reason, in
`data/countries/exceptions.csv` (see docs/countries.md). A code that maps to nothing returns
None; `why_unmapped` says why, so callers can reject the row with that reason.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib.resources import files

SCHEMES = ("iso2", "iso3", "m49", "comtrade", "cow", "cameo")


@cache
def _table() -> list[dict[str, str]]:
    text = (files("country_converter") / "country_data.tsv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


@cache
def exceptions() -> list[dict[str, str]]:
    """The documented exceptions: scheme, code, iso3, note."""
    text = (files("pivotwatch") / "data" / "countries" / "exceptions.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _number(text: str) -> str:
    text = text.strip()
    return str(int(float(text))) if text else ""


@cache
def _index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {s: {} for s in SCHEMES}
    for row in _table():
        iso3 = row["ISO3"].strip().upper()
        if not iso3 or row["obsolete"].strip():
            continue
        index["iso3"][iso3] = iso3
        # a few ISO2 cells are patterns such as "^GR$|^EL$"
        for code in re.findall(r"[A-Z]{2}", row["ISO2"].upper()):
            index["iso2"].setdefault(code, iso3)
        for scheme, column in (("m49", "UNcode"), ("m49", "ISOnumeric"), ("cow", "GWcode")):
            code = _number(row[column])
            if code:
                index[scheme].setdefault(code, iso3)
    # Comtrade uses M49 except where the exceptions say otherwise.
    index["comtrade"] = dict(index["m49"])
    from pivotwatch.taxonomy.registry import countries as cameo_countries

    for code in cameo_countries():
        if code in index["iso3"]:
            index["cameo"][code] = code
    for row in exceptions():
        if row["scheme"] == "name":  # names are matched by from_name, not indexed here
            continue
        code = row["code"].strip().upper()
        if row["scheme"] in ("cow", "comtrade", "m49"):
            code = _number(code)
        target = row["iso3"].strip().upper()
        if target:
            index[row["scheme"]][code] = target
        else:  # a historical state with no successor code: maps to nothing, on purpose
            index[row["scheme"]].pop(code, None)
    return index


def to_iso3(code: str | int | None, scheme: str) -> str | None:
    """The ISO3 code for `code` in `scheme` (one of SCHEMES), or None when it maps to nothing."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown country-code scheme {scheme!r} (one of {', '.join(SCHEMES)})")
    if code is None:
        return None
    text = str(code).strip().upper()
    if not text:
        return None
    if scheme in ("m49", "comtrade", "cow"):
        try:
            text = _number(text)
        except ValueError:
            return None
    return _index()[scheme].get(text)


def from_iso3(iso3: str, scheme: str) -> str | None:
    """The code for ISO3 `iso3` in `scheme`, the inverse of to_iso3 (the first code found)."""
    iso3 = iso3.strip().upper()
    for code, target in _index()[scheme].items():
        if target == iso3:
            return code
    return None


@cache
def _names() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(row["regex"], re.IGNORECASE), row["ISO3"].strip().upper())
            for row in _table() if row["regex"].strip() and row["ISO3"].strip()
            and not row["obsolete"].strip()]


# No country's English name is near this long; the name patterns slow down sharply on long
# text (seconds for a few thousand characters), so longer text read from a file is no name.
MAX_NAME = 200


def from_name(name: str | None) -> str | None:
    """The ISO3 code of a country named in English ("Democratic People's Republic of Korea",
    "Russian Federation"), or None when no country, or more than one, matches."""
    if not name or not name.strip() or len(name) > MAX_NAME:
        return None
    text = name.strip()
    # documented historical names come first: the patterns would map "Yemen Arab Republic"
    # to today's Yemen, which is not its successor
    for row in exceptions():
        if row["scheme"] == "name" and row["code"].strip().lower() == text.lower():
            return row["iso3"].strip().upper() or None
    if len(text) in (2, 3) and text.isalpha():
        return to_iso3(text, "iso2" if len(text) == 2 else "iso3")
    found = {iso3 for pattern, iso3 in _names() if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


def english_names() -> list[tuple[str, str]]:
    """(name, ISO3): the short and the official English name of every current country, as
    the crosswalk's table gives them ('North Korea', "Democratic People's Republic of Korea")."""
    return [(row[column].strip(), row["ISO3"].strip().upper()) for row in _table()
            if row["ISO3"].strip() and not row["obsolete"].strip()
            for column in ("name_short", "name_official") if row[column].strip()]


def country_name(iso3: str) -> str:
    """The short English name of an ISO3 code ('PRK' -> 'North Korea'), or the code itself."""
    for row in _table():
        if row["ISO3"].strip().upper() == iso3.upper():
            return row["name_short"]
    return iso3


def why_unmapped(code: str | int, scheme: str) -> str:
    """Why a code maps to nothing: the exception's note, or 'unknown <scheme> code'."""
    text = str(code).strip().upper()
    if scheme in ("m49", "comtrade", "cow") and text.replace(".", "", 1).isdigit():
        text = _number(text)
    for row in exceptions():
        if row["scheme"] != scheme or row["iso3"].strip():
            continue
        listed = row["code"].strip().upper()
        if scheme in ("m49", "comtrade", "cow"):
            listed = _number(listed)
        if listed == text:
            return row["note"]
    if scheme == "cameo":
        from pivotwatch.taxonomy.registry import countries as cameo_countries

        label = cameo_countries().get(text)
        if label:
            return f"CAMEO code {text} ({label}) is a region or group, not a country"
    if not text:
        return f"no {scheme} country code"
    return f"unknown {scheme} country code {str(code).strip()!r}"


def unmapped(codes, scheme: str) -> list[str]:
    """The codes among `codes` that the crosswalk cannot map, sorted."""
    return sorted({str(c).strip() for c in codes if to_iso3(c, scheme) is None}, key=str)


def unmapped_reasons(codes, scheme: str) -> dict[str, str]:
    """Each code among `codes` that the crosswalk cannot map, with the reason."""
    return {code: why_unmapped(code, scheme) for code in unmapped(codes, scheme)}


def iso2_guess(code: str) -> str | None:
    """The ISO3 code an ISO2 code stands for ('RU' -> 'RUS'), when it is also in the CAMEO
    country table; None otherwise. Only for suggestions: pivotwatch takes ISO3/CAMEO codes."""
    from pivotwatch.taxonomy.registry import countries as cameo_countries

    text = (code or "").strip().upper()
    if len(text) != 2:
        return None
    iso3 = to_iso3(text, "iso2")
    return iso3 if iso3 in cameo_countries() else None


def country_iso3(code: str) -> str:
    """An ISO3 or CAMEO country code as ISO3 ('ROM' -> 'ROU'); UsageError when neither."""
    from pivotwatch.errors import UsageError

    text = (code or "").strip().upper()
    found = to_iso3(text, "iso3") or to_iso3(text, "cameo")
    if found is None:
        raise UsageError(f"unknown country code {text!r}: give an ISO3 or CAMEO code "
                         "(e.g. RUS, PRK, CHN, IND)")
    return found
