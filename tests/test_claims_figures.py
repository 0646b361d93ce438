"""Figures bound to their own quantity: each trade, fuel or count figure is compared only with a
reference figure of the same role (crude or refined cap, a part or the whole flow, a goal or a
recorded value, its own year), against a store holding the bundled reference tables."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims import extract_claims
from pivotwatch.claims.audit import audit
from pivotwatch.claims.checks.counts import check_counts
from pivotwatch.claims.checks.events import topic_map
from pivotwatch.claims.checks.figures import fuel_basis
from pivotwatch.claims.checks.refdata import load_reference
from pivotwatch.claims.quantities import find_quantities

DAY = date(2025, 12, 1)


@pytest.fixture
def st(reference_store):
    return reference_store


def one(st, text):
    """The verdict on the one checkable claim of ``text``."""
    result = audit(text, store=st, doc_date=DAY)
    checkable = [c for c in result.claims if c.verdict.verdict.value != "not_checkable"]
    assert len(checkable) == 1, [(c.claim.text, c.verdict) for c in result.claims]
    return checkable[0].verdict


# --- crude oil and refined products ----------------------------------------------------------

def test_crude_and_refined_caps_are_each_compared_with_their_own_cap(st):
    v = one(st, "UN Security Council resolution 2397 caps North Korea's imports at 4 million "
                "barrels a year of crude oil and 500,000 barrels a year of refined petroleum "
                "products.")
    assert v.verdict == "supported" and v.rule == "fuel.cap-of-its-oil"
    assert "4,000,000 barrels is the UNSCR 2397 cap on crude oil" in v.explanation
    assert "500,000 barrels is the UNSCR 2397 cap on refined petroleum" in v.explanation
    swapped = one(st, "Resolution 2397 limits North Korea's refined petroleum products to "
                      "500,000 barrels a year and crude oil to 4 million barrels a year.")
    assert swapped.verdict == "supported" and "contradict" not in swapped.explanation
    wrong = one(st, "Resolution 2397 caps North Korea's crude oil imports at 500,000 barrels a "
                    "year.")
    assert wrong.verdict == "contradicted" and "caps crude oil at 4,000,000" in wrong.explanation


# --- a part of a flow, a goal, the year of each figure ---------------------------------------

@pytest.mark.parametrize("text", [
    "In 2019 North Korea imported $44.9 million of goods from Russia, of which petroleum "
    "products accounted for $27.2 million.",
    "North Korea's imports from Russia in 2019 totalled $44.9 million, including $27.2 million "
    "of petroleum products.",
    "North Korea's petroleum imports from Russia were $27.2 million in 2019, within total "
    "imports from Russia of $44.9 million.",
    "In 2019, North Korea's imports from Russia — of which petroleum products made up $27.2 "
    "million — totalled $44.9 million.",
    "North Korea imported $44.9 million of goods from Russia in 2019, including petroleum "
    "products worth $27.2 million.",
])
def test_a_part_of_a_flow_is_not_compared_with_the_flow(st, text):
    v = one(st, text)
    assert v.verdict == "supported" and "matches the reference DPRK imports" in v.explanation
    assert "$27.20 million is a part of a trade flow" in v.explanation


def test_a_total_including_a_kind_of_goods_is_the_total(st):
    v = one(st, "Trade between Russia and North Korea including fuel reached $47.9 million in "
                "2019.")
    assert v.verdict == "supported" and "reference total trade for 2019" in v.explanation


def test_the_flow_itself_named_after_of_which_is_compared(st):
    v = one(st, "North Korea's total imports in 2019 were $3 billion, of which imports from "
                "Russia were $44.9 million.")
    assert v.verdict == "supported" and "$44.90 million matches" in v.explanation
    assert "$3.00 billion is North Korea's trade with all its partners" in v.explanation


@pytest.mark.parametrize("text", [
    "Bilateral trade between Russia and North Korea reached $34.4 million in 2023, far short of "
    "the $1 billion target.",
    "Russia and North Korea aim to raise their trade to $1 billion from $34.4 million in 2023.",
])
def test_a_goal_and_a_recorded_figure_in_one_sentence_keep_their_roles(st, text):
    v = one(st, text)
    assert v.verdict == "supported" and "$34.40 million matches the reference total trade for " \
        "2023" in v.explanation
    assert "$1.00 billion is a goal whose year the text does not give" in v.explanation


def test_a_goal_with_its_own_year_is_compared_with_the_target_row(st):
    v = one(st, "Russia and North Korea set a target of $1 billion a year in trade for 2020; in "
                "2019 their trade was $47.9 million.")
    assert v.verdict == "supported"
    assert "trade target for 2020" in v.explanation and "total trade for 2019" in v.explanation


def test_a_goal_is_dated_by_the_year_it_is_for_not_the_month_it_was_set(st):
    v = one(st, "In April 2014 Russia set a target of $1 billion a year in trade with North "
                "Korea by 2020.")
    assert v.verdict == "supported" and "trade target for 2020" in v.explanation


def test_the_end_point_of_a_change_is_not_compared_with_the_starting_year(st):
    v = one(st, "Trade between Russia and North Korea rose from $47.9 million in 2019 to "
                "$60 million.")
    assert v.verdict == "supported"
    assert "the text does not say which year $60.00 million is for" in v.explanation
    assert v.rule == "trade.same-year-and-flow"


@pytest.mark.parametrize("text", [
    "Russia and North Korea signed contracts worth $500 million in 2023, while bilateral trade "
    "reached $34.4 million.",
    "In 2023 a new $100 million road bridge across the Tumen was agreed, and trade between "
    "Russia and North Korea was $34.4 million.",
])
def test_money_that_is_not_trade_is_not_compared_with_trade(st, text):
    v = one(st, text)
    assert v.verdict == "supported" and "$34.40 million matches" in v.explanation
    assert "differs" not in v.explanation


def test_a_payment_for_a_kind_of_goods_is_not_the_trade_total(st):
    v = one(st, "Russia paid North Korea $500 million for munitions in 2024, dwarfing "
                "bilateral trade of $34 million.")
    assert v.verdict == "supported" and "$500.00 million is a part of a trade flow" in \
        v.explanation


def test_a_change_in_trade_is_not_its_level(st):
    v = one(st, "Russia's trade with North Korea rose by $30 million in 2023.")
    assert v.verdict == "unverified" and v.rule == "trade.change-not-level"
    both = one(st, "Russia's trade with North Korea grew by $30.6 million to $34.4 million in "
                   "2023.")
    assert both.verdict == "supported" and "$30.60 million is a change" in both.explanation


# --- direction words that are not trade direction --------------------------------------------

@pytest.mark.parametrize("text", [
    "Russia-North Korea trade was $34 million in 2024, according to Nikiforov of the Russian "
    "exporters' association.",
    "Russia tightened export controls on North Korea in 2023, while bilateral trade reached "
    "$34.4 million.",
    "Despite Russian export licences for dual-use goods, trade with North Korea was $34.4 "
    "million in 2023.",
])
def test_export_words_that_name_no_flow_are_not_a_direction(st, text):
    v = one(st, text)
    assert v.verdict == "supported" and "reference total trade" in v.explanation


def test_each_direction_is_read_from_the_words_nearest_its_figure(st):
    v = one(st, "According to KOTRA, Russia's exports to North Korea fell to $82.2 million in "
                "2014 while its imports from the North were $10.2 million.")
    assert v.verdict == "supported"
    assert "$10.20 million matches the reference DPRK exports to Russia for 2014" in v.explanation


# --- reported to the UN ----------------------------------------------------------------------

@pytest.mark.parametrize("words", [
    "Russia told the 1718 Committee that it delivered",
    "Russia notified the Committee that it delivered",
    "Russia informed the UN that it delivered",
    "In its report to the Security Council committee, Russia said it delivered",
])
def test_telling_the_un_is_the_reported_basis(st, words):
    text = f"{words} 400,000 barrels of refined petroleum to North Korea in 2018."
    assert fuel_basis(text) == "reported_to_un"
    v = one(st, text)
    assert v.verdict == "contradicted" and "reported to the UN: 241,114 barrels" in v.explanation
    assert v.rule == "fuel.same-basis-and-period"


def test_each_fuel_figure_takes_the_basis_named_nearest_it(st):
    v = one(st, "Russia told the 1718 Committee it delivered 15,279 barrels of refined "
                "petroleum to North Korea in January 2024, but open-source tracking shows more "
                "than 1 million barrels between March and November 2024.")
    assert v.verdict == "supported"
    assert "reported to the UN: 15,279 barrels" in v.explanation
    assert "open-source estimate: at least 1,000,000 barrels" in v.explanation


def test_each_fuel_figure_is_compared_with_the_period_written_with_it(st):
    right = one(st, "Russia told the UN it delivered 277,365 barrels of refined petroleum to "
                    "North Korea in 2019 and 105,845 barrels in 2023.")
    assert right.verdict == "supported"
    swapped = one(st, "Russia told the UN it delivered 105,845 barrels of refined petroleum to "
                      "North Korea in 2019 and 277,365 barrels in 2023.")
    assert swapped.verdict == "contradicted"
    assert "differs from the reference figure: Jan 2019–Dec 2019" in swapped.explanation


@pytest.mark.parametrize(("text", "basis"), [
    ("US officials said Russia shipped more than 1 million barrels of fuel.",
     "government_estimate"),
    ("Russia's official notification gave 105,845 barrels.", "reported_to_un"),
])
def test_whose_officials_speak_decides_the_basis(text, basis):
    assert fuel_basis(text) == basis


def test_without_a_basis_a_figure_above_the_reported_one_is_not_contradicted(st):
    v = one(st, "Russia delivered 400,000 barrels of refined petroleum to North Korea in 2018.")
    assert v.verdict == "unverified" and v.rule == "fuel.reported-basis"


# --- above or within the cap -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Russia's refined petroleum deliveries to North Korea remained above the 500,000-barrel "
    "cap in 2024.",
    "Russian petroleum deliveries to North Korea exceeded the 500,000-barrel cap in 2024.",
])
def test_above_the_cap_needs_a_delivery_figure_above_it_not_the_cap(st, text):
    v = one(st, text)
    assert v.verdict == "supported" and v.rule == "fuel.above-or-within-cap"
    assert "at least 1,000,000 barrels (above the cap)" in v.explanation
    assert "is the UNSCR 2397 cap" not in v.explanation


def test_above_it_after_the_cap_is_named_is_a_claim_about_deliveries(st):
    v = one(st, "The cap on refined petroleum is 500,000 barrels a year, and Russia's "
                "deliveries to North Korea in 2024 remained above it.")
    assert v.verdict == "supported" and v.rule == "fuel.above-or-within-cap"


def test_above_the_cap_with_no_delivery_above_it_is_unverified(st):
    v = one(st, "Russian petroleum deliveries to North Korea exceeded the 500,000-barrel cap in "
                "2019.")
    assert v.verdict == "unverified" and "no loaded 2019 figure exceeds the cap" in v.explanation


def test_within_the_cap_needs_a_full_year_delivery_below_it(st):
    v = one(st, "Russian petroleum deliveries to North Korea stayed within the 500,000-barrel cap "
                "in 2019.")
    assert v.verdict == "supported" and "277,365 barrels (below the cap)" in v.explanation
    wrong_cap = one(st, "Russian petroleum deliveries to North Korea stayed within the "
                        "400,000-barrel cap in 2019.")
    assert wrong_cap.verdict == "contradicted" and wrong_cap.rule == "fuel.cap-of-its-oil"


def test_notified_deliveries_within_the_cap_are_a_fuel_claim(st):
    v = one(st, "In 2019 Russia's notified deliveries to North Korea did not exceed the cap.")
    assert v.verdict == "supported" and v.rule == "fuel.above-or-within-cap"


def test_crude_deliveries_against_the_cap_are_not_checked_with_refined_figures(st):
    v = one(st, "Russian crude oil deliveries to North Korea exceeded the cap in 2024.")
    assert v.verdict == "unverified" and v.rule == "fuel.crude-not-covered"


# --- misspelt scales -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "unit"), [
    ("trade of 34.4 milion dollars", 34.4e6, "usd"),
    ("a goal of $1.2 bilion", 1.2e9, "usd"),
    ("5 milllion artillery shells", 5e6, "shells"),
    ("trade hit $3bn", 3e9, "usd"),
    ("3 bln dollars", 3e9, "usd"),
    ("$34.4 million", 34.4e6, "usd"),
])
def test_misspelt_scales_keep_their_scale(text, value, unit):
    (q,) = find_quantities(text)
    assert (q.value, q.unit) == (value, unit)


@pytest.mark.parametrize("text", [
    "Up to 6,000 North Korean military builders and deminers will be sent to Kursk.",
    "Shoigu said 1,000 North Korean sappers would clear mines in Kursk.",
])
def test_a_count_noun_a_few_words_after_its_number_gives_its_unit(text):
    (q,) = find_quantities(text)
    assert q.unit == "troops"


def test_a_misspelt_scale_is_checked_at_its_scale(st):
    v = one(st, "Russia and North Korea traded 34.4 milion dollars worth of goods in 2023.")
    assert v.verdict == "supported" and "$34.40 million" in v.explanation


# --- counts about the future, increments -----------------------------------------------------

def _counts(st, text):
    ref = load_reference(st)
    (claim,) = extract_claims(text, doc_date=DAY)
    return check_counts(claim, text, [], ref, DAY, topic_map()["troops"].event_types)


@pytest.mark.parametrize("text", [
    "North Korea could send as many as 50,000 more troops to Russia in 2026.",
    "North Korea is to deploy 40,000 troops to Russia by 2027.",
])
def test_a_count_for_a_year_to_come_is_not_compared_with_past_counts(st, text):
    (v,) = _counts(st, text)
    assert v.verdict == "unverified" and v.rule == "counts.future-figure"
    assert "still to come" in v.explanation


def test_an_increment_is_never_refuted_by_a_total_on_record(st):
    (past,) = _counts(st, "North Korea sent 40,000 troops to Russia in 2024.")
    assert past.verdict == "contradicted" and past.rule == "counts.beyond-every-estimate"
    assert _counts(st, "North Korea sent 40,000 more troops to Russia in 2024.") == []
    assert _counts(st, "Pyongyang sent an additional 40,000 soldiers to Russia in 2024.") == []
