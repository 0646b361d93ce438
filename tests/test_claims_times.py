"""Time references: parts of a year, pairs of months, and times that point back (issue 12)."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims.times import find_times

DOC_DATE = date(2025, 3, 1)


def _spans(text: str, doc_date: date | None = DOC_DATE):
    return [(t.raw, t.start, t.end, t.precision) for t in find_times(text, doc_date)]


@pytest.mark.parametrize(("raw", "first", "last"), [
    ("early 2024", date(2024, 1, 1), date(2024, 4, 30)),
    ("mid-2024", date(2024, 5, 1), date(2024, 8, 31)),
    ("late 2024", date(2024, 9, 1), date(2024, 12, 31)),
    ("first half of 2024", date(2024, 1, 1), date(2024, 6, 30)),
    ("H2 2024", date(2024, 7, 1), date(2024, 12, 31)),
])
def test_parts_of_a_year_are_spans_of_months(raw, first, last):
    assert _spans(f"Deliveries resumed in {raw}.") == [(raw, first, last, "part_year")]


def test_two_months_joined_by_and_are_one_span_inside_late_that_year():
    (late, pair) = find_times("Fuel shipments rose in late 2024; in October and November "
                              "2024 alone tankers called at Rajin 40 times.")
    assert (pair.raw, pair.start, pair.end) == (
        "October and November 2024", date(2024, 10, 1), date(2024, 11, 30))
    assert late.start <= pair.start and pair.end <= late.end


@pytest.mark.parametrize("text", [
    "Trade reached $34.4 million in 2023, up from $20 million the previous year.",
    "Trade reached $34.4 million in 2023; a year earlier it was $20 million.",
    "Trade reached $34.4 million in 2023, against $20 million the year before.",
])
def test_the_previous_year_counts_from_the_year_the_sentence_names(text):
    year, back = find_times(text, DOC_DATE)
    assert (year.start.year, back.start, back.end, back.precision) == (
        2023, date(2022, 1, 1), date(2022, 12, 31), "year")


def test_the_previous_year_counts_from_an_earlier_sentence_not_the_document_date():
    text = ("Russia and North Korea signed the treaty in June 2024. The previous year, "
            "Kim Jong Un had visited the Vostochny cosmodrome.")
    assert _spans(text)[1] == ("The previous year", date(2023, 1, 1), date(2023, 12, 31),
                               "year")


def test_the_previous_year_with_nothing_before_it_counts_from_the_document_date():
    text = "The previous year, trade collapsed."
    assert _spans(text) == [("The previous year", date(2024, 1, 1), date(2024, 12, 31), "year")]
    assert _spans(text, None) == [("The previous year", None, None, "relative")]


def test_that_month_that_same_year_and_a_bare_month_take_the_nearest_earlier_time():
    text = ("In March 2024 Russia shipped 100,000 barrels of fuel to North Korea. That month, "
            "North Korea sent 2,000 containers. In that same year, the two countries signed "
            "the treaty. Exports rose in 2022. In March alone, Russia sent 5,000 tonnes of "
            "flour. The following year it sent more.")
    got = _spans(text)
    assert got[1:3] == [
        ("That month", date(2024, 3, 1), date(2024, 3, 31), "month"),
        ("that same year", date(2024, 1, 1), date(2024, 12, 31), "year")]
    assert got[4:] == [
        ("March", date(2022, 3, 1), date(2022, 3, 31), "month"),
        ("The following year", date(2023, 1, 1), date(2023, 12, 31), "year")]


@pytest.mark.parametrize("text", [
    "A year before the treaty, Kim visited Vladivostok.",
    "Officials said that year-on-year growth was strong.",
    "In March, Russia shipped fuel.",
    "Troops will march in May.",
])
def test_what_does_not_point_back_to_a_time_is_not_one(text):
    assert _spans(text) == []


@pytest.mark.parametrize(("text", "raw", "first", "last"), [
    ("Kim visited Vladivostok in 2019. Two years later, trade collapsed.", "Two years later",
     date(2021, 1, 1), date(2021, 12, 31)),
    ("Trade rose in March 2024; 18 months earlier it had fallen.", "18 months earlier",
     date(2022, 9, 1), date(2022, 9, 30)),
])
def test_a_count_of_years_or_months_earlier_or_later(text, raw, first, last):
    assert _spans(text)[1] == (raw, first, last, "year" if "year" in raw else "month")


def test_a_point_of_comparison_is_no_antecedent():
    text = ("Trade reached $34.4 million in 2023, up from $20 million the previous year. In "
            "March alone, Russia shipped 100,000 barrels of fuel to North Korea.")
    assert _spans(text)[2] == ("March", date(2023, 3, 1), date(2023, 3, 31), "month")


def test_a_shifted_time_opening_a_sentence_is_an_antecedent():
    text = ("Trade rose in 2023. The previous year, trade collapsed. That same year, Kim "
            "visited the Vostochny cosmodrome.")
    assert _spans(text)[2] == ("That same year", date(2022, 1, 1), date(2022, 12, 31), "year")


@pytest.mark.parametrize("after", ["In the years after, trade grew.",
                                   "In the previous months, trade grew.",
                                   "In those same months, trade grew."])
def test_several_years_or_months_are_no_single_one(after):
    text = "Kim visited Vladivostok in 2019. " + after
    assert [t.raw for t in find_times(text)] == ["2019"]


def test_the_same_period_is_the_earlier_time_itself():
    text = ("Between January and April 2024 Russia shipped 5,000 tonnes of flour to North "
            "Korea. Over the same period, North Korea sent 2,000 containers of shells.")
    assert _spans(text)[1] == ("the same period", date(2024, 1, 1), date(2024, 4, 30), "month")


def test_a_deadline_month_is_not_the_month_itself():
    text = "Trade rose in 2023, and the treaty is to be ratified by March."
    assert [t.raw for t in find_times(text)] == ["2023"]


def test_that_month_after_a_whole_year_is_left_unresolved():
    assert [t.raw for t in find_times("Trade fell in 2023. That month, it recovered.")] == [
        "2023"]
