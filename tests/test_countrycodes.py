"""The country-code crosswalk: schemes, documented exceptions, and coverage of the real files."""

from __future__ import annotations

import csv
import gzip

import pytest
from conftest import SHARED_DATA, needs_shared

from pivotwatch.errors import UsageError
from pivotwatch.taxonomy.countrycodes import (
    SCHEMES,
    _index,
    country_iso3,
    exceptions,
    from_name,
    to_iso3,
    unmapped_reasons,
    why_unmapped,
)
from pivotwatch.taxonomy.registry import countries as cameo_countries

UNGA = SHARED_DATA / "unga"
COMTRADE = SHARED_DATA / "trade" / "comtrade"


@pytest.mark.parametrize(("code", "scheme", "iso3"), [
    ("RU", "iso2", "RUS"), ("SU", "iso2", "RUS"), ("KP", "iso2", "PRK"), ("NA", "iso2", "NAM"),
    ("PRK", "iso3", "PRK"), ("365", "cow", "RUS"), (731, "cow", "PRK"), ("710", "cow", "CHN"),
    ("750", "cow", "IND"), ("630", "cow", "IRN"), ("816", "cow", "VNM"), ("712", "cow", "MNG"),
    ("260", "cow", "DEU"), ("255", "cow", "DEU"), ("970", "cow", "NRU"), ("946", "cow", "KIR"),
    ("643", "m49", "RUS"), ("408", "comtrade", "PRK"), ("699", "comtrade", "IND"),
    ("842", "comtrade", "USA"), ("490", "comtrade", "TWN"), ("643.0", "comtrade", "RUS"),
    ("ROM", "cameo", "ROU"), ("RUS", "cameo", "RUS"),
])
def test_codes_map(code, scheme, iso3):
    assert to_iso3(code, scheme) == iso3


@pytest.mark.parametrize(("code", "scheme", "reason"), [
    ("CS", "iso2", "Czechoslovakia (to 1992): no successor code"),
    ("810", "comtrade", "USSR trade (to 1990) covers all fifteen republics: not mapped to "
                        "Russia, unlike its UN seat"),
    ("W00", "iso3", "Comtrade area, not a country: World"),
    ("678", "cow", "Yemen Arab Republic (North Yemen, to 1990): no successor code"),
    ("971", "cow", "not a Correlates of War code: Gleditsch-Ward's code for Nauru "
                   "(Correlates of War 970)"),
    ("QQ", "iso2", "unknown iso2 country code 'QQ'"),
    ("ASA", "cameo", "CAMEO code ASA (Asia) is a region or group, not a country"),
])
def test_unmapped_codes_say_why(code, scheme, reason):
    assert to_iso3(code, scheme) is None
    assert why_unmapped(code, scheme) == reason


def test_names_and_user_codes():
    assert from_name("Democratic People's Republic of Korea") == "PRK"
    assert from_name("Russian Federation") == "RUS"
    assert from_name("Federal Republic of Germany") == "DEU"
    # the name patterns would say YEM; the exception says no successor
    assert from_name("Yemen Arab Republic") is None
    assert country_iso3(" rus ") == "RUS" and country_iso3("TMP") == "TLS"
    with pytest.raises(UsageError, match="unknown country code 'XYZ'"):
        country_iso3("XYZ")
    with pytest.raises(ValueError, match="unknown country-code scheme"):
        to_iso3("RU", "fips")


def test_every_exception_is_well_formed():
    seen = set()
    valid = set(_index()["iso3"].values())
    for row in exceptions():
        key = (row["scheme"], row["code"].strip().upper())
        assert key not in seen, key
        seen.add(key)
        assert row["scheme"] in (*SCHEMES, "name"), row
        assert row["note"].strip(), row
        assert not row["iso3"] or row["iso3"] in valid, row


def test_every_cameo_country_code_maps_or_is_a_region():
    reasons = unmapped_reasons(cameo_countries(), "cameo")
    assert all("region or group" in r or "Netherlands Antilles" in r
               for r in reasons.values()), reasons
    assert "RUS" not in reasons and "PRK" not in reasons and len(reasons) < 30


def _documented(reasons: dict[str, str]) -> dict[str, str]:
    """The reasons that are not documented exceptions (should be none)."""
    return {c: r for c, r in reasons.items() if r.startswith(("unknown", "no "))}


@needs_shared
def test_crosswalk_covers_the_real_vote_files():
    with (UNGA / "un_votes.csv").open(newline="", encoding="utf-8") as fh:
        pairs = {(r["country_code"], r["country"]) for r in csv.DictReader(fh)}
    codes = {c for c, _ in pairs if c}
    reasons = unmapped_reasons(codes, "iso2")
    assert sorted(reasons) == ["CS", "DD", "YD"]
    assert not _documented(reasons)
    nameless = {n for c, n in pairs if not c}
    assert {n: from_name(n) for n in nameless} == {
        "Federal Republic of Germany": "DEU", "Yemen Arab Republic": None, "Zanzibar": None}
    with gzip.open(UNGA / "UNVotesPublished_voeten2016.csv.gz", "rt", newline="") as fh:
        ccodes = {r["ccode"] for r in csv.DictReader(fh)}
    reasons = unmapped_reasons(ccodes, "cow")
    assert sorted(reasons, key=int) == ["265", "315", "511", "678", "680"]
    assert not _documented(reasons)


@needs_shared
def test_correlates_of_war_codes_agree_with_unvotes_vote_for_vote():
    """An independent check of the COW mapping: both files hold the same votes, so a code
    mapped to the wrong country would disagree with that country's unvotes votes."""
    unvotes: dict[tuple[str, str], str] = {}
    with (UNGA / "un_votes.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso3 = to_iso3(r["country_code"], "iso2") if r["country_code"] \
                else from_name(r["country"])
            if iso3:
                unvotes[(r["rcid"], iso3)] = r["vote"]
    names = {"1": "yes", "2": "abstain", "3": "no"}
    checked: dict[str, list[int]] = {}
    with gzip.open(UNGA / "UNVotesPublished_voeten2016.csv.gz", "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            iso3 = to_iso3(r["ccode"], "cow")
            if r["vote"] not in names or iso3 is None:
                continue
            tally = checked.setdefault(r["ccode"], [0, 0])
            tally[0] += 1
            tally[1] += unvotes.get((r["rcid"], iso3)) == names[r["vote"]]
    wrong = {c: t for c, t in checked.items() if t[1] != t[0]}
    assert not wrong
    assert len(checked) > 190 and checked["970"][0] == 651  # Nauru


@needs_shared
def test_crosswalk_covers_the_real_trade_files():
    table = list(csv.DictReader((COMTRADE / "comtradr_country_codes.csv").open(
        newline="", encoding="utf-8")))
    numeric = {r["id"] for r in table}
    assert not _documented(unmapped_reasons(numeric, "comtrade"))
    # where Comtrade's own table names a current ISO3 code, the crosswalk agrees with it
    for r in table:
        found = to_iso3(r["id"], "comtrade")
        if found and to_iso3(r["iso_3"], "iso3") and r["id"] not in ("490", "868", "886"):
            assert found == r["iso_3"], r
    assert to_iso3("643", "comtrade") == "RUS" and to_iso3("408", "comtrade") == "PRK"
    iso, num = set(), set()
    with (COMTRADE / "comtradr_example_3_THA_shrimp_2007-2011.csv").open(
            newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso |= {r["reporter_iso"], r["partner_iso"], r["partner2iso"]}
            num |= {r["reporter_code"], r["partner_code"], r["partner2code"]}
    with gzip.open(COMTRADE / "comtradr_data_eu_imports_wood_2018-2022.csv.gz", "rt",
                   newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso |= {r["reporter_iso"], r["partner_iso"]}
    iso_reasons = unmapped_reasons(iso, "iso3")
    assert not _documented(iso_reasons), iso_reasons
    assert set(iso_reasons) == {"W00", "_X", "ANT", "E19", "F19", "S19", "X1", "XX"}
    assert not _documented(unmapped_reasons(num, "comtrade"))
    assert {"RUS", "PRK", "CHN", "IND", "IRN", "VNM", "MNG"} <= {to_iso3(c, "iso3")
                                                                  for c in iso}
