"""Modality decides which check runs: advice, forecasts, framing and opinion (issue 12)."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims import Modality, Reason, extract_claims
from pivotwatch.claims.modality import advice_heading


def _one(text: str):
    (claim,) = extract_claims(text, doc_date=date(2025, 3, 1))
    return claim


@pytest.mark.parametrize("text", [
    "Establish robust intelligence operations to track military collaborations between "
    "Russia and North Korea.",
    "Expand monitoring of ship-to-ship transfers of North Korean coal near Nakhodka.",
    "- Tighten enforcement of the UN cap on refined petroleum deliveries to North Korea.",
    "It is essential that Seoul and Tokyo share intelligence on North Korean troop movements.",
    "We recommend that the UN reinstate the Panel of Experts on North Korea.",
    "Policymakers ought to press Beijing on Russian fuel shipments to North Korea.",
    "Members may wish to press the Government on Russian arms purchases from North Korea.",
])
def test_recommendations_and_imperatives_are_not_checkable(text):
    claim = _one(text)
    assert (claim.modality, claim.checkable, claim.reason) == (
        Modality.RECOMMENDATION, False, Reason.RECOMMENDATION)


@pytest.mark.parametrize("text", [
    "Sanctions were tightened in 2024 against North Korean banks.",
    "Trade between Russia and North Korea rose to $34.4 million in 2023.",
    "Support for the treaty in Moscow grew in 2024.",
    "Support among Russians for the treaty with North Korea rose in 2024.",
    "Russia and North Korea Expand Military Ties in 2024.",
    "Moscow pledged to Expand rail links with North Korea in 2024.",
])
def test_past_tense_nouns_and_mid_sentence_capitals_are_not_imperatives(text):
    claim = _one(text)
    assert claim.modality is Modality.ASSERTED and claim.checkable


def test_a_rule_stays_asserted_beside_an_imperative_verb_list():
    claim = _one("Member states must prevent the supply of more than 500,000 barrels of "
                 "refined petroleum to North Korea a year.")
    assert claim.modality is Modality.ASSERTED and claim.checkable


@pytest.mark.parametrize("text", [
    "Russia could send as many as 50,000 more troops to North Korea's ally in 2026.",
    "Trade between Russia and North Korea will probably exceed $100 million by 2027.",
    "Moscow aims to raise trade with Pyongyang to $1 billion by 2030.",
    "Russia plans to open a second rail bridge to North Korea in 2026.",
    "Russia is on track to deliver 1 million barrels of fuel to North Korea in 2025.",
    "Moscow targets $1 billion in trade with Pyongyang by 2030.",
    "Experts expect the Russian and North Korean navies to hold joint drills in 2026.",
])
def test_forecasts_and_goals_are_forecasts(text):
    assert _one(text).modality is Modality.FORECAST


@pytest.mark.parametrize("text", [
    "Russia reportedly delivered 1 million barrels of fuel to North Korea in 2024.",
    "Russia could have sent as many as 10,000 troops to Kursk in 2024.",
    "Russia could transfer submarine technology to North Korea.",
    "North Korea may also be receiving Russian help with drones.",
])
def test_hedged_past_and_present_claims_stay_hedged(text):
    assert _one(text).modality is Modality.HEDGED


@pytest.mark.parametrize("text", [
    "Putin said in November 2024 that the two countries could hold joint military exercises "
    "under Article 4 of the treaty.",
    "Russia's ambassador told reporters that Moscow may open a second rail link to Rajin.",
])
def test_a_modal_in_a_reported_clause_is_the_speakers_word(text):
    assert _one(text).modality is Modality.ASSERTED


@pytest.mark.parametrize("text", [
    "Seoul alleges that Russia delivered air-defence missiles to North Korea in November 2024.",
    "Sources say Russian tankers called at Rajin more than 40 times in 2024.",
])
def test_unattributed_or_alleged_claims_are_hedged(text):
    assert _one(text).modality is Modality.HEDGED


@pytest.mark.parametrize("text", [
    "Russian missiles struck civilian targets in Kharkiv in January 2024.",
    "| Trade target | $1 billion a year by 2020, never met |",
])
def test_a_target_as_a_noun_is_no_forecast(text):
    assert _one(text).modality is Modality.ASSERTED


@pytest.mark.parametrize("text", [
    "The following table outlines the potential economic and military impacts of the "
    "Russia–North Korea treaty.",
    "This section examines Russian fuel deliveries to North Korea.",
    "Below we summarise the military ties between Russia and North Korea.",
    "Table 2 lists Russian exports to North Korea by year.",
    "The figures below show trade between Russia and North Korea.",
    "Below is a timeline of Russian arms deliveries to North Korea.",
    "This note sets out the state of Russian fuel deliveries to North Korea.",
])
def test_framing_sentences_have_no_checkable_content(text):
    *_, claim = extract_claims("Russia and North Korea signed a treaty in June 2024.\n\n"
                               + text, doc_date=date(2025, 3, 1))
    assert (claim.checkable, claim.reason) == (False, Reason.NO_CHECKABLE_CONTENT)


def test_a_framing_sentence_with_a_figure_is_checked():
    claim = _one("The table below shows that trade between Russia and North Korea reached "
                 "$34.4 million in 2023.")
    assert claim.checkable


@pytest.mark.parametrize("text", [
    "The partnership is a dangerous gamble for Moscow.",
    "Pyongyang's leverage over Moscow has never been greater.",
    "This is a marriage of convenience for Russia and North Korea.",
    "The treaty with North Korea is a misguided bet by the Kremlin.",
    "Of all of Moscow's Asian partners, China matters most to the Kremlin.",
    "The honest answer is that nobody in Moscow or Pyongyang knows.",
])
def test_evaluations_without_an_opinion_marker_are_opinion(text):
    claim = _one(text)
    assert (claim.checkable, claim.reason) == (False, Reason.OPINION)


@pytest.mark.parametrize(("heading", "advice"), [
    ("Recommendations", True),
    ("Policy recommendations for Seoul", True),
    ("Policy options", True),
    ("What Washington should do", True),
    ("Military cooperation", False),
    ("Trade between Russia and North Korea", False),
    (None, False),
])
def test_a_heading_over_advice_is_recognised(heading, advice):
    assert advice_heading(heading) is advice


@pytest.mark.parametrize("text", [
    "Without the Panel of Experts, who will count the tankers calling at Nampo?",
    "Why would Moscow risk its ties with Seoul for North Korean shells?",
])
def test_a_question_word_opening_the_main_clause_makes_it_rhetoric(text):
    assert _one(text).reason is Reason.RHETORICAL_QUESTION
