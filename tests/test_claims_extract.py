"""Unit tests of each claim-extraction step."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims import Bound, Kind, Modality, Reason, extract_claims, split_units
from pivotwatch.claims.actors import find_actors, fuzzy_actor
from pivotwatch.claims.organisations import find_organisations
from pivotwatch.claims.quantities import find_quantities
from pivotwatch.claims.times import find_times
from pivotwatch.claims.tokens import tokenize


def _texts(text):
    return [(u.kind, text[u.start:u.end]) for u in split_units(text)]


def test_sentences_keep_abbreviations_decimals_and_ellipses_together():
    text = ("The U.S. and Mr. Kim met. Trade was approx. $1.5 billion... and then fell. "
            "It rose! Did it? rusia grew... Then it fell.")
    assert [t for _, t in _texts(text)] == [
        "The U.S. and Mr. Kim met.", "Trade was approx. $1.5 billion... and then fell.",
        "It rose!", "Did it?", "rusia grew...", "Then it fell."]


def test_bullets_tables_and_headings():
    text = ("# Heading\n\nIntro sentence here.\n\n- first item about trade.\n- second item\n"
            "  continued. Another one.\n\n| Aspect | Details |\n|---|---|\n"
            "| Trade Volume | Estimated at around $100 million annually |\n"
            "\nItem | Estimate\nTroops | 10,000\n")
    units = split_units(text)
    kinds = [(u.kind, text[u.start:u.end], u.subject) for u in units]
    assert kinds == [
        (Kind.SENTENCE, "Intro sentence here.", None),
        (Kind.BULLET, "first item about trade.", None),
        (Kind.BULLET, "second item\n  continued.", None),
        (Kind.BULLET, "Another one.", None),
        (Kind.TABLE_ROW, "Trade Volume | Estimated at around $100 million annually",
         "Trade Volume"),
        (Kind.TABLE_ROW, "Troops | 10,000", "Troops"),
    ]


def test_actors_from_names_capitals_leaders_lower_case_and_misspellings():
    text = ("The Kremlin, Pyonyang, n. korea, Kim Jong-un, Moskow, Beijng, DPRK, the US and "
            "us, Seoul, the Sea of Japan and Prussian history")
    found = [(text[m.start:m.end], m.payload) for m in find_actors(tokenize(text))]
    assert found == [("Kremlin", "RUS"), ("Pyonyang", "PRK"), ("n. korea", "PRK"),
                     ("Kim Jong-un", "PRK"), ("Moskow", "RUS"), ("Beijng", "CHN"),
                     ("DPRK", "PRK"), ("US", "USA"), ("Seoul", "KOR")]
    assert fuzzy_actor("Vietnan") == "VNM"
    assert fuzzy_actor("Prussian") is None and fuzzy_actor("Kursk") is None


@pytest.mark.parametrize(("text", "want"), [
    ("Trade Volume | Estimated at around $100 million annually",
     [(1e8, "usd", "year", Bound.APPROX)]),
    ("a cap of 500,000 barrels a year", [(5e5, "barrels", "year", Bound.EXACT)]),
    ("trade of US$1.5bn and $34.4m", [(1.5e9, "usd", None, Bound.EXACT),
                                      (34.4e6, "usd", None, Bound.EXACT)]),
    ("more than 12,000 North Korean soldiers", [(12000, "troops", None, Bound.MIN)]),
    ("a fall of 56% or 9 per cent", [(56, "percent", None, Bound.EXACT),
                                      (9, "percent", None, Bound.EXACT)]),
    ("one million barrels of refined petroleum a year", [(1e6, "barrels", "year",
                                                          Bound.EXACT)]),
    ("resolution 2397, Article 4, the KN-23, the 1718 Committee, in 2023, on 23 October", []),
])
def test_quantities_are_normalised(text, want):
    got = [(q.value, q.unit, q.per, q.bound) for q in find_quantities(text)]
    assert got == [(pytest.approx(v), u, p, b) for v, u, p, b in want]


def test_quantity_ranges_keep_both_ends():
    (q,) = find_quantities("11,000-12,000 troops")
    assert (q.value, q.high, q.unit) == (11000, 12000, "troops")


def test_times_resolve_to_spans():
    text = ("on 2024-06-19, 18-19 June 2024, in September 2023, January-April 2023, Q1 2024, "
            "early 2024, 2018-2019, since 2022, by 2030, in 2023, last year, Ocean-2024")
    got = [(t.raw, t.start, t.end, t.precision) for t in find_times(text, date(2025, 3, 1))]
    assert got == [
        ("2024-06-19", date(2024, 6, 19), date(2024, 6, 19), "day"),
        ("18-19 June 2024", date(2024, 6, 18), date(2024, 6, 19), "day"),
        ("September 2023", date(2023, 9, 1), date(2023, 9, 30), "month"),
        ("January-April 2023", date(2023, 1, 1), date(2023, 4, 30), "month"),
        ("Q1 2024", date(2024, 1, 1), date(2024, 3, 31), "quarter"),
        ("early 2024", date(2024, 1, 1), date(2024, 4, 30), "part_year"),
        ("2018-2019", date(2018, 1, 1), date(2019, 12, 31), "years"),
        ("since 2022", date(2022, 1, 1), date(2025, 3, 1), "since"),
        ("by 2030", None, date(2030, 12, 31), "by"),
        ("2023", date(2023, 1, 1), date(2023, 12, 31), "year"),
        ("last year", date(2024, 1, 1), date(2024, 12, 31), "year"),
    ]
    (rel,) = find_times("last year")
    assert (rel.start, rel.precision) == (None, "relative")


def test_organisations_resolve_and_flag_wrong_names_not_aliases():
    text = ("North Korea, an observer of the Shanghai Security Organisation, the SCO, the "
            "shanghai cooperation organization, the UN Panel of Experts, the Panel of Expert, "
            "the World Food Organisation and the Collective Security Treaty Organisation.")
    got = [(m.raw, m.acronym, m.matched_as) for m in find_organisations(text, tokenize(text))]
    assert got == [
        ("Shanghai Security Organisation", "SCO", "wrong_name"),
        ("SCO", "SCO", "acronym"),
        ("shanghai cooperation organization", "SCO", "alias"),
        ("UN Panel of Experts", "PoE", "alias"),
        ("Panel of Expert", "PoE", "variant"),
        ("World Food Organisation", "WFP", "wrong_name"),
        ("Collective Security Treaty Organisation", None, "unresolved"),
    ]
    sco = find_organisations("the SCO", tokenize("the SCO"))[0]
    assert "IND" in sco.members and "MNG" in sco.observers and "PRK" not in sco.members


def test_extract_claims_records_modality_checkability_and_context():
    text = ("Moscow and Pyongyang signed a treaty on 19 June 2024. Trade will probably reach "
            "$100 million a year by 2026. Is this an alliance? Seoul should watch closely. "
            "The Kremlin's cynical embrace is a disgrace. It grew.\n\n"
            "| Aspect | Details |\n|---|---|\n| Trade Volume | $34.4 million in 2023 |\n")
    claims = extract_claims(text, doc_id="d1", doc_date=date(2025, 1, 1))
    summary = [(c.kind, c.modality, c.checkable, c.reason) for c in claims]
    assert summary == [
        (Kind.SENTENCE, Modality.ASSERTED, True, None),
        (Kind.SENTENCE, Modality.FORECAST, True, None),
        (Kind.SENTENCE, Modality.ASSERTED, False, Reason.RHETORICAL_QUESTION),
        (Kind.SENTENCE, Modality.RECOMMENDATION, False, Reason.RECOMMENDATION),
        (Kind.SENTENCE, Modality.ASSERTED, False, Reason.OPINION),
        (Kind.SENTENCE, Modality.ASSERTED, False, Reason.TOO_SHORT),
        (Kind.TABLE_ROW, Modality.ASSERTED, True, None),
    ]
    treaty, trade, row = claims[0], claims[1], claims[-1]
    assert treaty.actors == ("RUS", "PRK") and treaty.topic == "treaty"
    assert treaty.dimensions == ("political",) and treaty.times[0].start == date(2024, 6, 19)
    assert trade.actors == ("RUS", "PRK") and trade.actors_inferred
    assert row.subject == "Trade Volume" and row.topic == "trade_volume"
    assert [(q.value, q.unit, q.topic) for q in row.quantities] == [
        (pytest.approx(34.4e6), "usd", "trade_volume")]
    assert all(text[c.start:c.end] == c.text and c.doc_id == "d1" for c in claims)
    assert [c.index for c in claims] == list(range(len(claims)))


def test_empty_document_has_no_claims():
    assert extract_claims("") == [] and extract_claims("# Only a heading\n") == []


def test_tokens_keep_offsets_across_punctuation_underscores_and_unicode():
    text = "Naïve_N. Korea—São Paulo\r\n2024"
    tok = tokenize(text)
    assert tok.words == ["Naïve", "N", "Korea", "São", "Paulo", "2024"]
    assert [text[s:e] for s, e in zip(tok.starts, tok.ends, strict=True)] == tok.words
    assert tok.lows[0] == "naïve" and tokenize("").words == []


def test_phrase_index_prefers_the_longest_term_and_keeps_exact_case():
    from pivotwatch.claims.lexicon import PhraseIndex

    index = PhraseIndex()
    index.add("north korea", "long")
    index.add("north", "short")
    index.add("PoE", "exact", exact=True)
    tok = tokenize("North  Korea, north, the poe and the PoE")
    hits = [(h.first, h.last, h.payload) for h in
            index.find(tok.lows, tok.words, tok.starts, tok.ends)]
    assert hits == [(0, 2, "long"), (2, 3, "short"), (7, 8, "exact")]


def test_relative_times_and_qualifiers_far_from_the_number():
    got = [(t.raw, t.start) for t in find_times("Last\n  month and previous year; "
                                                 "lastyear", date(2024, 5, 10))]
    assert got == [("Last\n  month", date(2024, 4, 1)), ("previous year", date(2023, 1, 1))]
    (q,) = find_quantities("exports were in excess of   $5 billion")
    assert (q.value, q.bound) == (5e9, Bound.MIN)
    assert find_quantities("see UN Security Council resolution  2397 text") == []


def _one(text):
    (claim,) = [c for c in extract_claims(text) if c.text.startswith(text.split(".")[0][:15])]
    return claim


@pytest.mark.parametrize(("text", "want"), [
    ("about 9k soldiers were sent", [(9000.0, "troops", Bound.APPROX)]),
    ("~9k sailors arrived", [(9000.0, "count", Bound.APPROX)]),
    (">30k shells left the port", [(30000.0, "shells", Bound.MIN)]),
    ("aid was like 7 mil usd", [(7e6, "usd", Bound.EXACT)]),
    ("a loan of $2bn", [(2e9, "usd", Bound.EXACT)]),
    ("Fifteen states signed and a dozen ships sailed", [(15.0, "count", Bound.EXACT),
                                                        (12.0, "ships", Bound.EXACT)]),
    ("two countries met within three years", [(3.0, "years", Bound.EXACT)]),
    ("a report to the 1718 committee on Friday", []),
])
def test_shorthand_and_word_numbers(text, want):
    assert [(q.value, q.unit, q.bound) for q in find_quantities(text)] == want


def test_annual_before_or_after_a_sum_is_a_rate():
    (q,) = find_quantities("Tokyo set annual aid at $40 million for Hanoi")
    assert (q.value, q.per) == (4e7, "year")


def test_unit_named_before_a_count_and_casualty_tolls():
    claim = _one("The number of Iranian drones sent to Russia rose to about 6,000 by 2024.")
    assert [(q.value, q.unit) for q in claim.quantities] == [(6000.0, "drones")]
    claim = _one("Ukraine said 300 Russian soldiers were killed near Bakhmut in May 2023.")
    assert claim.topic == "casualties"


@pytest.mark.parametrize(("text", "reason"), [
    ("Beijing thinks the pipeline deal is mostly for show.", Reason.OPINION),
    ("Critics argue that Tehran gains little from the arrangement.", Reason.OPINION),
    ("This remains the most fragile alliance of the decade.", Reason.OPINION),
    ("In this article we explain how the sanctions work.", Reason.NO_CHECKABLE_CONTENT),
    ("The table below lists Russian exports to India in 2023.", Reason.NO_CHECKABLE_CONTENT),
    ("That era is over.", Reason.TOO_SHORT),
    ("Who really believes these numbers?", Reason.RHETORICAL_QUESTION),
    ("check the customs tables for Mongolia??", Reason.NO_CHECKABLE_CONTENT),
    ("email the embassy about the Iran figures?", Reason.NO_CHECKABLE_CONTENT),
])
def test_reasons_for_units_that_cannot_be_checked(text, reason):
    claim = extract_claims(text)[0]
    assert not claim.checkable and claim.reason is reason


@pytest.mark.parametrize(("text", "modality"), [
    ("Member states must report every shipment of coal to the committee.", Modality.ASSERTED),
    ("Iran may export no more than 300 kg of enriched uranium a year.", Modality.ASSERTED),
    ("India must stop buying Russian oil.", Modality.RECOMMENDATION),
    ("Officials believe Iran sent drones to Russia in 2022.", Modality.HEDGED),
    ("china trade w russia prob grew a lot in 2023.", Modality.HEDGED),
    ("Iran is likely to have delivered 400 drones to Russia.", Modality.HEDGED),
    ("Modi is due to meet Putin in Moscow on Monday.", Modality.FORECAST),
])
def test_rules_hedges_and_forecasts(text, modality):
    assert extract_claims(text)[0].modality is modality


def test_new_actors_and_lower_case_organisations():
    claim = _one("Belarus and Pakistan joined Kazakh troops in the drill in 2024.")
    assert claim.actors == ("BLR", "PAK", "KAZ")
    claim = _one("russia stopped reporting coal to the 1718 committee in 2024.")
    assert [o.acronym for o in claim.organisations] == ["1718 Committee"]
    assert claim.quantities == ()


def test_topics_of_meetings_votes_and_events_without_figures():
    assert _one("Xi Jinping met Putin in Kazan in October 2024.").topic == "summit"
    assert _one("Lavrov visited Tehran in 2023.").topic == "visit"
    claim = _one("Russia vetoed the resolution on the panel of experts in the Security Council.")
    assert claim.topic == "un_vote"
    claim = _one("India has bought submarines and fighter jets from Russia.")
    assert claim.checkable and claim.topic == "arms_transfer"


def test_prose_after_a_list_is_not_one_of_its_items():
    text = "Steps so far:\n- Iran joined in 2023.\n- Belarus joined in 2024.\nBoth are members now."
    assert [(k, t) for k, t in _texts(text)][-1] == (Kind.SENTENCE, "Both are members now.")


def test_records_built_for_speed_are_the_records_the_constructor_builds():
    import dataclasses

    from pivotwatch.claims.model import Quantity, new_quantity

    args = ("about $5 billion", 5e9, "usd", "year", 3, 19, "trade_volume", Bound.APPROX, None)
    fast, slow = new_quantity(*args), Quantity(*args)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert dataclasses.replace(fast, value=6e9).value == 6e9
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.value = 1.0
    with pytest.raises(ValueError, match="shorter"):
        new_quantity(*args[:-1])  # every field is needed: no default is filled in
    (claim,) = extract_claims("Russia sent 10,000 troops to North Korea in 2024.", doc_id="d")
    assert dataclasses.replace(claim, topic="x") == dataclasses.replace(
        dataclasses.replace(claim, index=9), index=0, topic="x")


def test_scale_words_found_without_a_regex_scan_are_the_regex_matches():
    from pivotwatch.claims.quantities import _START_SCALE, _scale_words

    for text in ("a multimillion deal", "Trillion; THOUSAND, billion_x, bmillion tmillion",
                 "trrillion thousandx mthousand million", "İ 3 million", "ı 2 billion", ""):
        assert sorted(_scale_words(text)) == [m.span() for m in _START_SCALE.finditer(text)]


def test_relative_units_are_whole_words_after_white_space():
    got = [t.raw for t in find_times("last year_x, lastyear, last  years, this\tmonth.",
                                     date(2024, 5, 10))]
    assert got == ["this\tmonth"]


def test_split_units_are_the_spans_extraction_reads():
    from pivotwatch.claims.units import unit_spans

    text = "Intro here.\n\n| Item | Estimate |\n|---|---|\n| Troops | 10,000 |\n- a bullet item."
    assert [(u.kind, u.start, u.end, u.subject, u.block) for u in split_units(text)] == \
        unit_spans(text)


@pytest.mark.parametrize("text, value", [("Trade was 5 mıllion dollars.", 5e6),
                                         ("It reached 3 thouſand barrels.", 3e3),
                                         ("TRADE WAS $5 MİLLION IN 2023.", 5e6)])
def test_unicode_look_alikes_of_scale_words_do_not_crash(text, value):
    (claim,) = extract_claims(text)
    assert [q.value for q in claim.quantities] == [value]


def test_a_table_header_says_what_bare_rows_are_about():
    text = ("| Year | Russia–North Korea trade (USD) |\n| --- | --- |\n| 2015 | $95 million |\n\n"
            "| Year | Refined petroleum from Russia (barrels) |\n| --- | --- |\n"
            "| 2018 | 241,114 |\n")
    trade, fuel = extract_claims(text)
    assert (trade.actors, trade.topic) == (("RUS", "PRK"), "trade_volume")
    assert fuel.topic == "fuel_deliveries"
    assert [(q.value, q.unit) for q in fuel.quantities] == [(241114.0, "barrels")]
