"""In-document consistency: one quantity, one period, one figure, however it is phrased."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims import extract_claims
from pivotwatch.claims.checks.consistency import check_consistency
from pivotwatch.claims.verdicts import VerdictKind


def _flagged(text: str) -> dict[int, list[str]]:
    """Claim index -> the rule of each 'inconsistent' verdict on it."""
    claims = extract_claims(text, doc_date=date(2025, 3, 1))
    found = check_consistency(claims)
    assert all(v.verdict is VerdictKind.INCONSISTENT for vs in found.values() for v in vs)
    return {k: [v.rule for v in vs] for k, vs in found.items()}


def test_one_year_of_trade_phrased_two_ways_is_inconsistent():
    text = ("Bilateral trade between Russia and North Korea reached $34.4 million in 2023.\n\n"
            "Analysts note that 2023's turnover of $50 million was the highest in a decade.")
    assert _flagged(text) == {0: ["consistency.same-quantity"],
                              1: ["consistency.same-quantity"]}


def test_figures_of_a_sentence_take_its_years_in_order():
    text = ("Trade between Russia and North Korea reached $34.4 million in 2023, up from $20 "
            "million the previous year.\n\nIn 2022, Russia–North Korea trade was worth $45 "
            "million.\n\nBilateral trade grew from $20 million in 2022 to $34 million in 2023.")
    assert _flagged(text) == {0: ["consistency.same-quantity"],
                              1: ["consistency.same-quantity"],
                              2: ["consistency.same-quantity"]}
    claims = extract_claims(text, doc_date=date(2025, 3, 1))
    (verdict,) = check_consistency(claims)[1]
    assert verdict.explanation.startswith("$45.00 million here, but $20.00 million in")


def test_a_table_row_and_a_sentence_for_the_same_year_are_compared():
    text = ("Bilateral trade between Russia and North Korea reached $34.4 million in 2023.\n\n"
            "| Year | Russia–North Korea trade (USD) |\n|---|---|\n| 2023 | $60 million |\n")
    assert _flagged(text) == {0: ["consistency.same-quantity"],
                              1: ["consistency.same-quantity"]}


@pytest.mark.parametrize("second", [
    "Bilateral trade between Russia and North Korea reached $50 million in 2022.",
    "Trade between Russia and China reached $240 billion in 2023.",
    "Russian exports to North Korea were worth $50 million in 2023.",
    "Russia and North Korea aim to raise trade to $50 million in 2023, officials said in 2021.",
])
def test_other_periods_countries_flows_and_targets_are_other_quantities(second):
    text = ("Bilateral trade between Russia and North Korea reached $34.4 million in 2023.\n\n"
            + second)
    assert _flagged(text) == {}


def test_reported_and_estimated_fuel_are_other_quantities():
    text = ("Russia reported to the 1718 Committee deliveries of 100,000 barrels of refined "
            "petroleum to North Korea in 2024.\n\nOpen-source estimates put deliveries of "
            "refined petroleum from Russia to North Korea at 1 million barrels in 2024.")
    assert _flagged(text) == {}


def test_a_smaller_figure_for_part_of_a_period_is_not_inconsistent():
    text = ("Russia delivered 1 million barrels of refined petroleum to North Korea in late "
            "2024. In October and November 2024 alone, it delivered 400,000 barrels of refined "
            "petroleum to North Korea.")
    assert _flagged(text) == {}


def test_a_part_larger_than_its_whole_is_inconsistent():
    text = ("Russia delivered 1 million barrels of refined petroleum to North Korea in 2023. "
            "In March 2023 alone, it delivered 2 million barrels of refined petroleum to North "
            "Korea.")
    assert _flagged(text) == {0: ["consistency.part-exceeds-whole"],
                              1: ["consistency.part-exceeds-whole"]}


def test_troops_present_in_part_of_a_period_may_outnumber_the_whole_figure():
    text = ("About 11,000 North Korean troops were in Kursk in late 2024. In November 2024, "
            "12,000 North Korean troops were in Kursk.")
    assert _flagged(text) == {}


def test_the_explanation_names_the_rule_in_words():
    claims = extract_claims(
        "Russia delivered 1 million barrels of refined petroleum to North Korea in 2023. "
        "In March 2023 alone, it delivered 2 million barrels of refined petroleum to North "
        "Korea.")
    (verdict,) = check_consistency(claims)[0]
    assert verdict.explanation.startswith("1,000,000 barrels here, but 2,000,000 barrels in")
    assert verdict.explanation.endswith("(same subject; one period lies inside the other and "
                                        "the part exceeds the whole)")
