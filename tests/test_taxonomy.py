"""The taxonomy: CAMEO lookups (and their circulating variants), the dimension map, energy URLs."""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files

import duckdb
import pytest
from conftest import GDELT, needs_shared

from pivotwatch import taxonomy
from pivotwatch.errors import SourceError, UsageError
from pivotwatch.taxonomy.dimensions import DimensionMap
from pivotwatch.taxonomy.energy import build_pattern, parse_terms
from pivotwatch.taxonomy.lookups import decode, parse_event_codes, parse_goldstein, parse_labels

LOOKUPS = ("CAMEO.eventcodes.txt", "CAMEO.goldsteinscale.txt", "CAMEO.country.txt",
           "CAMEO.type.txt", "CAMEO.knowngroup.txt", "CAMEO.ethnic.txt", "CAMEO.religion.txt")


# --- the packaged lookup tables -------------------------------------------------------------

def test_event_codes_are_zero_padded_strings_and_complete():
    codes = taxonomy.event_codes()
    assert len(codes) == 311
    assert codes["01"] == "MAKE PUBLIC STATEMENT"
    assert codes["010"] == "Make statement, not specified below"
    assert codes["0874"] == "Retreat or surrender militarily"
    assert all(c.isdigit() and 2 <= len(c) <= 4 for c in codes)
    assert [c for c in codes if len(c) == 2] == [f"{n:02d}" for n in range(1, 21)]


def test_garbled_044_is_repaired():
    assert taxonomy.event_codes()["044"] == 'Meet at a "third" location'


def test_goldstein_covers_the_same_codes():
    scores = taxonomy.goldstein()
    assert scores.keys() == taxonomy.event_codes().keys()
    assert scores["057"] == 8.0 and scores["2042"] == -10.0
    assert all(isinstance(v, float) and -10 <= v <= 10 for v in scores.values())


def test_other_tables():
    assert taxonomy.countries()["RUS"] == "Russia"
    assert taxonomy.actor_types()["MIL"] == "Military"
    assert taxonomy.known_groups()["UNO"] == "United Nations"
    assert taxonomy.ethnic_groups()["aar"] == "Afar"
    assert taxonomy.ethnic_groups()["bod"] == "Bodo; Tibetan"  # one code, two groups
    assert taxonomy.ethnic_groups()["srr"] == "Serer"  # listed twice, identically
    assert "CHR" in taxonomy.religions()


@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize("name", LOOKUPS)
def test_packaged_lookups_are_byte_copies(name):
    packaged = (files("pivotwatch") / "data" / "lookups" / name).read_bytes()
    original = (GDELT / "lookups" / name).read_bytes()
    assert hashlib.sha256(packaged).digest() == hashlib.sha256(original).digest()


# --- variants of the event-code table --------------------------------------------------------

EXPECTED = {
    "04": "CONSULT",
    "044": 'Meet at a "third" location',
    "105": "Demand mediation",
    "1056": "Demand de-escalation of military engagement",
    "106": "Demand withdrawal",
}
CLEAN = ("CAMEOEVENTCODE\tEVENTDESCRIPTION\n04\tCONSULT\n044\tMeet at a “third” location\n"
         "105\tDemand mediation\n1056\tDemand de-escalation of military engagement\n"
         "106\tDemand withdrawal\n")


def test_variant_as_packaged_utf8_with_garble_and_trailing_spaces():
    text = CLEAN.replace("“third” ", "ÒhirdÓ").replace("mediation\n", "mediation \n")
    assert parse_event_codes(decode(text.encode("utf-8"))) == EXPECTED


def test_variant_latin1_bytes():
    text = CLEAN.replace("“third” ", "ÒhirdÓ")
    assert parse_event_codes(decode(text.encode("latin-1"))) == EXPECTED


def test_variant_double_utf8_with_merged_line_and_no_trailing_newline():
    text = ("CODE\tLABEL\n04\tCONSULT\n044\tMeet at a ÒhirdÓlocation\n105\tDemand mediation\n"
            "1056\tDemand de-escalation of military engagement106:[-5.0] Demand withdrawal")
    double = text.encode("utf-8").decode("cp1252").encode("utf-8")
    assert "Ã’hirdÃ“".encode() in double
    assert parse_event_codes(decode(double)) == EXPECTED


def test_variant_crlf_with_quad_class_lines():
    text = ("CAMEOEVENTCODE\tEVENTDESCRIPTION\r\n1\tVerbal Cooperation\r\n2\tMaterial Cooperation"
            "\r\n" + CLEAN.split("\n", 1)[1].replace("“third” ", "ÒhirdÓ").replace("\n", "\r\n"))
    assert parse_event_codes(decode(text.encode("utf-8"))) == EXPECTED


def test_event_code_table_rejects_a_malformed_line():
    with pytest.raises(SourceError, match="line 3"):
        parse_event_codes("CODE\tLABEL\n04\tCONSULT\n4x\tOops\n")
    with pytest.raises(SourceError, match="line 2"):
        parse_event_codes("CODE\tLABEL\n04 CONSULT\n")


def test_goldstein_and_label_variants():
    assert parse_goldstein("CAMEOEVENTCODE\tGOLDSTEINSCALE\r\n01\t0.0\r\n0874\t10.0") == {
        "01": 0.0, "0874": 10.0}
    with pytest.raises(SourceError, match="line 2"):
        parse_goldstein("H\tH\n01\tzero\n")
    assert parse_labels("CODE\tLABEL\r\nRUS\tRussia\r\nPRK\tNorth Korea") == {
        "RUS": "Russia", "PRK": "North Korea"}


# --- the dimension map ----------------------------------------------------------------------

def test_dimensions_tuple():
    assert taxonomy.DIMENSIONS == (
        "economic", "energy", "military", "political", "security", "humanitarian")


def test_every_code_maps_to_known_dimensions():
    for code in taxonomy.event_codes():
        dims = taxonomy.dimensions_for(code)
        assert set(dims) <= set(taxonomy.DIMENSIONS), code
        assert bool(dims) != code.startswith("01"), code  # only public statements map to none


@pytest.mark.parametrize(("code", "expected"), [
    ("061", ("economic",)), ("071", ("economic",)),
    ("062", ("military",)), ("072", ("military",)), ("074", ("military",)),
    ("073", ("humanitarian",)),
    ("04", ("political",)), ("042", ("political",)), ("043", ("political",)),
    ("05", ("political",)), ("057", ("political",)),
    ("13", ("security",)), ("138", ("security",)), ("15", ("security",)),
    ("19", ("security",)), ("195", ("security",)), ("20", ("security",)),
    ("163", ("economic",)), ("161", ("political",)), ("164", ("political",)),
    ("0211", ("economic",)), ("0311", ("economic",)),
    ("0212", ("military",)), ("0312", ("military",)),
    ("0213", ("security",)), ("0313", ("security",)),
    ("0231", ("economic",)), ("0331", ("economic",)),
    ("0232", ("military",)), ("0332", ("military",)),
    ("0233", ("humanitarian",)), ("0333", ("humanitarian",)),
    ("0234", ("military",)), ("0334", ("military",)),
    ("085", ("economic",)), ("0863", ("humanitarian",)), ("0871", ("security",)),
    ("1041", ("political",)), ("1231", ("political",)), ("1244", ("economic",)),
    ("1312", ("economic",)), ("1313", ("political",)),
    ("173", ("security",)), ("1823", ("security",)), ("2042", ("security",)),
    ("172", ("political", "security")), ("075", ("political", "humanitarian")),
    ("01", ()), ("019", ()),
])
def test_specific_codes(code, expected):
    assert taxonomy.dimensions_for(code) == expected


def test_unknown_codes_map_to_nothing():
    for code in ("0571", "99", "", "1", "---"):
        assert taxonomy.dimensions_for(code) == ()


def test_longest_prefix_wins():
    dims = DimensionMap("test", {"05": ("political",), "057": ("economic",), "0": ("energy",)})
    assert dims.dimensions_for("05") == ("political",)
    assert dims.dimensions_for("051") == ("political",)
    assert dims.dimensions_for("057") == ("economic",)
    assert dims.dimensions_for("0571") == ("economic",)
    assert dims.dimensions_for("06") == ()  # prefixes are 2 digits or more


def test_code_dimension_table():
    table = taxonomy.code_dimension_table()
    codes = taxonomy.event_codes()
    assert len(set(table)) == len(table)
    assert all(code in codes and dim in taxonomy.DIMENSIONS for code, dim in table)
    pairs = set(table)
    assert {("04", "political"), ("057", "political"), ("19", "security"),
            ("0874", "security"), ("075", "political"), ("075", "humanitarian")} <= pairs
    assert not any(code.startswith("01") for code, _ in table)
    assert not any(dim == "energy" for _, dim in table)  # energy comes from URLs
    mapped = {code for code, _ in table}
    assert mapped == {c for c in codes if not c.startswith("01")}


def test_default_map_is_cached():
    assert taxonomy.dimension_map() is taxonomy.dimension_map()


# --- a user's own map -----------------------------------------------------------------------

USER_MAP = """# my map
cameo_prefix,dimensions,note
04,political,
057, Economic ; political ,"trade deals, mostly"
19,military;security,
"""


def test_user_map_by_argument_replaces_the_default(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(USER_MAP, encoding="utf-8")
    assert taxonomy.dimensions_for("057", path) == ("economic", "political")
    assert taxonomy.dimensions_for("051", path) == ()  # no 05 row in this map
    assert taxonomy.dimensions_for("193", path) == ("military", "security")
    assert taxonomy.dimensions_for("057") == ("political",)  # the default is untouched


def test_user_map_by_environment(tmp_path, monkeypatch):
    path = tmp_path / "mine.csv"
    path.write_text(USER_MAP, encoding="utf-8")
    monkeypatch.setenv(taxonomy.DIMENSIONS_ENV, str(path))
    assert taxonomy.dimension_map().source == str(path.resolve())
    assert set(taxonomy.code_dimension_table()) == {
        ("04", "political"), *((c, "political") for c in ("040", "041", "042", "043", "044",
                                                          "045", "046")),
        ("057", "economic"), ("057", "political"),
        *((c, d) for c in ("19", *(f"19{n}" for n in range(7))) for d in ("military", "security")),
    }
    path.write_text(USER_MAP + "1056,,\n", encoding="utf-8")  # an edit is picked up
    assert taxonomy.dimension_map().rows["1056"] == ()


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("cameo_prefix,dimensions\n057,miltary\n", 2, "unknown dimension 'miltary'"),
    ("# c\ncameo_prefix,dimensions,note\n04,political,\n5,political,\n", 4, "malformed prefix '5'"),
    ("cameo_prefix,dimensions\n05a,political\n", 2, "malformed prefix '05a'"),
    ("cameo_prefix,dimensions\n99,political\n", 2, "not a CAMEO event code"),
    ("cameo_prefix,dimensions\n04,political\n\n04,security\n", 4, "listed twice"),
    ("prefix,dims\n04,political\n", 1, "expected the header"),
    ("cameo_prefix,dimensions,note\n04,political,a,b\n", 2, "expected 3 comma-separated"),
    ("cameo_prefix,dimensions,note\n04\n", 2, "expected 3 comma-separated"),
])
def test_bad_user_map_names_file_and_line(tmp_path, text, line, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        taxonomy.dimension_map(path)
    message = str(caught.value)
    assert "\n" not in message
    assert f"bad.csv, line {line}: " in message
    assert problem in message


def test_missing_or_empty_user_map(tmp_path, monkeypatch):
    monkeypatch.setenv(taxonomy.DIMENSIONS_ENV, str(tmp_path / "absent.csv"))
    with pytest.raises(UsageError, match="absent.csv"):
        taxonomy.code_dimension_table()
    empty = tmp_path / "empty.csv"
    empty.write_text("# nothing\ncameo_prefix,dimensions\n", encoding="utf-8")
    with pytest.raises(UsageError, match="empty.csv: no rows"):
        taxonomy.dimension_map(empty)


# --- energy URLs ----------------------------------------------------------------------------

ENERGY = [
    "http://bakken.com/news/id/233014/drop-in-oil-prices-leaves-roughnecks-at-loose-ends-2/",
    "http://fuelfix.com/blog/2015/02/18/senators-push-for-oil-export-deal-with-mexico/",
    "http://pipeliner.com.au/news/questions_remain_around_qld_lng_commitments_credit_suisse/091154/",
    "http://finance.yahoo.com/news/u-refinery-strike-enters-18th-224343217.html",
    "http://www.insightcrime.org/news-briefs/pemex-oil-pipelines-theft-mexico",
    "http://timesofindia.indiatimes.com/india/India-looks-to-Oman-for-energy-security/"
    "articleshow/46294022.cms",
    "http://www.cbc.ca/news/business/tanker-cars-under-scrutiny-after-spilling-oil-in-recent-"
    "derailments-1.2962408",
    "http://www.cgdev.org/blog/electricity-protests-africa-us-foreign-policy",
    "http://business.inquirer.net/187004/power-supply-level-seen-most-critical-on-april-5-15",
    "https://www.reuters.com/article/us-russia-china-gas/gazprom-power-of-siberia-starts-idUSKBN1Y6",
    "https://tass.com/economy/ROSATOM_Kudankulam_Nuclear_Power_Plant",
    "https://example.com/news?story=india+buys+russian+crude+oil",
    "https://example.com/Russia%20China%20pipelines",
    "https://example.com/mongolia/power%20plants",
    "HTTPS://EXAMPLE.COM/VIETNAM-COAL",
    "https://example.com/rosneft",
]
NOT_ENERGY = [
    "http://lasvegassun.com/news/2015/feb/18/police-woman-arrested-slaying-shooting-freeway/",
    "http://oilcitywyo.com/2015/02/18/casper-man-charged-with-child-abuse-after-shaking-baby/",
    "http://www.gastongazette.com/spotlight/sbi-woman-fatally-shot-by-gastonia-police-1.439709",
    "http://www.indiatimes.com/news/india/pdp-bjp-coalition-stalled-because-rss-230337.html",
    "http://gizmodo.com/here-is-the-spy-equipment-that-powers-the-fbis-secret-d-1686317256",
    "http://timesofindia.indiatimes.com/city/gurgaon/City-police-hobbled-by-manpower-shortage/",
    "http://www.live5news.com/story/28142849/international-business-fueling-boeing-demand",
    "http://pooleobserver.co.uk/blog/2015/02/18/new-iran-us-nuclear-talks-to-be-held-in-geneva/",
    "http://www.example.com/las-vegas-gasket-recall",
    "http://gas.example.com/",
    "Al-Sharq al-Awsat website, London/BBC Monitoring/(c) BBC",
    "www.example.com/oil",  # no scheme: not read as a URL
    "",
]
# Documented false positives of the heuristic (docs/dimensions.md).
FALSE_POSITIVES = [
    "http://www.hirunews.lk/226901/water-and-tear-gas-attacks-on-students-of-the-iusf",
    "http://www.comingsoon.net/movies/news/411077-vin-diesel-delivers-a-thoughtful-gaze",
]


@pytest.mark.parametrize("url", ENERGY + FALSE_POSITIVES)
def test_energy_urls(url):
    assert taxonomy.is_energy_url(url)


@pytest.mark.parametrize("url", NOT_ENERGY)
def test_not_energy_urls(url):
    assert not taxonomy.is_energy_url(url)


def test_no_url():
    assert not taxonomy.is_energy_url(None)


def test_energy_pattern_runs_in_duckdb_as_in_python():
    urls = ENERGY + FALSE_POSITIVES + NOT_ENERGY
    rows = duckdb.execute(
        "SELECT regexp_matches(u, $p) FROM unnest($urls) WITH ORDINALITY t(u, i) ORDER BY i",
        {"p": taxonomy.energy_pattern(), "urls": urls}).fetchall()
    assert [r[0] for r in rows] == [taxonomy.is_energy_url(u) for u in urls]


def test_energy_terms():
    terms = taxonomy.energy_terms()
    assert {"oil", "gas", "lng", "pipeline", "power plant", "nuclear power", "rosneft",
            "gazprom"} <= set(terms)


def test_energy_terms_file_is_checked_and_built_into_one_pattern():
    assert parse_terms("# c\nterm,note\nheat pump,\npeat,fuel\n") == ("heat pump", "peat")
    with pytest.raises(SourceError, match="line 3"):
        parse_terms("term,note\noil,\nOil-Gas,\n")
    pattern = re.compile(build_pattern(("heat pump",)))
    assert pattern.search("https://x.org/news/heat_pumps-for-mongolia")
    assert not pattern.search("https://x.org/news/heat-pumpkin")


# --- countries ------------------------------------------------------------------------------

def test_validate_country():
    assert taxonomy.validate_country("rus") == "RUS"
    assert taxonomy.validate_country(" prk ") == "PRK"
    for code in ("CHN", "IND", "IRN", "VNM", "MNG"):
        assert taxonomy.validate_country(code) == code
    with pytest.raises(UsageError, match="unknown country code 'XYZ'"):
        taxonomy.validate_country("xyz")


def test_country_name():
    assert taxonomy.country_name("chn") == "China"
    assert taxonomy.country_name("PRK") == "North Korea"
    assert taxonomy.country_name("XYZ") is None
