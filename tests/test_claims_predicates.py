"""Event evidence matches the claim's predicate (issue 12, pattern 1): what is asserted to
have happened (kind, direction, participants, time), not merely the pair, a topic and a
period. Against a store holding the bundled reference tables."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims.audit import audit
from pivotwatch.claims.checks.refdata import load_reference
from pivotwatch.claims.predicates import asserted, predicates

DAY = date(2025, 12, 1)


@pytest.fixture(scope="module")
def ref(reference_store):
    return reference_store, load_reference(reference_store)


def verdict_of(ref, text):
    st, data = ref
    result = audit(text, store=st, reference=data, doc_date=DAY)
    assert len(result.claims) == 1, [c.claim.text for c in result.claims]
    return result.claims[0].verdict


@pytest.mark.parametrize(("text", "doer", "receiver"), [
    ("Kim Jong Un visited Moscow in 2019.", "PRK", "RUS"),
    ("Artillery shells were supplied to Russia by North Korea in 2023.", "PRK", "RUS"),
    ("Russia hosted Kim Jong Un at Vostochny.", "PRK", "RUS"),
    ("Russia received shells from North Korea.", "PRK", "RUS"),
    ("Russia supplied North Korea with air-defence missiles.", "RUS", "PRK"),
])
def test_who_did_it_to_whom(text, doer, receiver):
    first = predicates(text)[0]
    assert (first.doer, first.receiver) == (doer, receiver)


def test_a_predicate_in_a_setting_phrase_is_context():
    found = predicates("The treaty was signed during Kim's visit to Vladivostok in 2023.")
    assert [p.term for p in asserted(found)] == ["signed"]


@pytest.mark.parametrize("text", [
    "The following table outlines the potential economic and military impacts of the "
    "Russia–North Korea treaty in 2024.",
    "Russia and North Korea deepened their military relationship in 2024.",
])
def test_no_predicate_no_event_evidence(ref, text):
    got = verdict_of(ref, text)
    assert got.verdict.value != "supported", got.explanation


def test_the_other_direction_does_not_support(ref):
    # 2024: Putin went to Pyongyang; nobody records Kim visiting Moscow that year
    got = verdict_of(ref, "Kim Jong Un visited Moscow in June 2024.")
    assert got.verdict.value == "unverified", got.explanation
    got = verdict_of(ref, "Putin visited Pyongyang in June 2024.")
    assert got.verdict.value == "supported" and got.rule == "events.predicate-match"


def test_another_kind_of_event_in_the_period_does_not_support(ref):
    # September 2024: the DPRK observed Ocean-2024; no joint exercise is on record
    got = verdict_of(ref, "Russia and North Korea held joint naval exercises in September 2024.")
    assert got.verdict.value == "unverified", got.explanation
    got = verdict_of(ref, "North Korea took part as an observer in Russia's Ocean-2024 naval "
                       "exercise in September 2024.")
    assert got.verdict.value == "supported", got.explanation


def test_the_asserted_event_not_its_setting_decides(ref):
    got = verdict_of(ref, "The treaty was signed during Kim's visit to Vladivostok in 2023.")
    assert got.verdict.value != "supported", got.explanation


def test_a_record_that_it_did_not_happen_contradicts(ref):
    got = verdict_of(ref, "Kim Jong Un was Putin's guest of honour in Moscow for the 2025 "
                       "Victory Day parade.")
    assert got.verdict.value == "contradicted" and got.rule == "events.record-of-non-event"


def test_a_halt_claimed_is_what_a_halt_row_records(ref):
    got = verdict_of(ref, "Transit of Russian coal through Rajin stopped in early 2018.")
    assert got.verdict.value == "supported", got.explanation
    got = verdict_of(ref, "Kim didnt go to the Victory Day parade in Moscow in May 2025.")
    assert got.verdict.value == "supported" and got.rule == "events.denial-recorded"


@pytest.mark.parametrize(("text", "verdict", "rule"), [
    ("No North Korean troops were deployed to Russia in 2024.", "contradicted",
     "events.denial-refuted"),
    ("There was no summit between Putin and Kim in 2019.", "contradicted",
     "events.denial-refuted"),
    ("North Korea has never sent troops to Russia.", "contradicted", "events.denial-refuted"),
    # the last visit before 2024 was in 2000: the 2024 visit refutes it, the 2000 one does not
    ("Putin has not visited North Korea since 2000.", "contradicted", "events.denial-refuted"),
    # one declined invitation in 2025 says nothing of every year since 2011
    ("No North Korean leader has visited Russia since 2011.", "unverified",
     "events.denial-one-occasion"),
])
def test_denials_in_other_words(ref, text, verdict, rule):
    got = verdict_of(ref, text)
    assert (got.verdict.value, got.rule) == (verdict, rule), got.explanation


def test_a_purpose_is_context_not_the_event(ref):
    got = verdict_of(ref, "Kim Jong Un visited Moscow in June 2024 to sign the new treaty.")
    assert got.verdict.value == "unverified", got.explanation


def test_another_doer_does_not_support(ref):
    got = verdict_of(ref, "The treaty was ratified by Russia's State Duma in November 2024.")
    assert (got.verdict.value, got.rule) == ("unverified", "events.other-doer")
    assert "2024-10-24" in got.explanation
    got = verdict_of(ref, "The State Duma ratified the treaty in October 2024.")
    assert got.verdict.value == "supported"


def test_a_veto_by_another_country_is_not_the_claims():
    found = predicates("China vetoed the renewal of the Panel of Experts in March 2024.")
    from pivotwatch.claims.predicates import direction_clash

    assert direction_clash(found, "un_veto", "RUS", "UNO")
    assert not direction_clash(found, "un_veto", "CHN", "UNO")


def test_a_dated_dateline_is_neither_a_party_nor_a_time():
    from pivotwatch.claims import extract_claims

    claim = extract_claims("SEOUL, June 19, 2025 (Reuters) - North Korea and Russia marked "
                           "the treaty signed in June 2024.")[0]
    assert "KOR" not in claim.actors and [t.raw for t in claim.times] == ["June 2024"]


@pytest.mark.parametrize(("text", "verdict", "rule"), [
    # each role word is about the country named last before it
    ("Iran joined the SCO in 2023, and Mongolia remains an observer.", "supported",
     "organisations.membership"),
    ("Russia and North Korea agreed in 2014 to raise trade to $1 billion by 2020.", "supported",
     "trade.same-year-and-flow"),
    ("Russia and North Korea traded $92.3 million in 2014, the South Korean trade agency said.",
     "supported", "trade.same-year-and-flow"),
    ("North Korea has shipped more than 20,000 containers of munitions to Russia since "
     "September 2023.", "supported", "counts.same-thing-and-year"),
    ("North Korean soldiers fought in the Kursk region.", "supported", "events.predicate-match"),
])
def test_after_the_analysts_review(ref, text, verdict, rule):
    got = verdict_of(ref, text)
    assert (got.verdict.value, got.rule) == (verdict, rule), got.explanation


@pytest.mark.parametrize(("text", "verdict", "rule"), [
    # the timeline has Belousov in Pyongyang in November, Putin in June
    ("Andrei Belousov visited Pyongyang in June 2024.", "unverified", "events.other-doer"),
    ("Shoigu attended the armistice parade in Pyongyang in July 2023.", "supported",
     "events.predicate-match"),
    ("The treaty the two countries signed in Pyongyang in June 2024 provides for mutual aid.",
     "supported", "events.predicate-match"),
    # a past-tense figure with no year of its own is not compared with the latest year
    ("Russian exports to North Korea made up $82.2 million of that.", "unverified",
     "trade.figure-year"),
    ("Russia's trade with North Korea is about $100 million a year.", "contradicted",
     "trade.same-year-and-flow"),
    ("Under resolution 2397, North Korea may import no more than 500,000 barrels of refined "
     "petroleum a year, against a ceiling of 4 million barrels for crude oil.", "supported",
     "fuel.cap-of-its-oil"),
])
def test_named_doers_tenses_and_oil(ref, text, verdict, rule):
    got = verdict_of(ref, text)
    assert (got.verdict.value, got.rule) == (verdict, rule), got.explanation


def test_the_assembly_is_the_general_assembly_but_not_a_national_one():
    from pivotwatch.claims.checks.votes_sanctions import ASSEMBLY

    assert ASSEMBLY.search("Iran sided with Russia in roughly 90% of Assembly votes in 2023.")
    assert ASSEMBLY.search("they voted together in the general assembly")
    assert not ASSEMBLY.search("South Korea's National Assembly voted in 2024.")


def test_named_people_the_timeline_does_not_give_and_one_subject_votes(ref):
    got = verdict_of(ref, "Lavrov also held talks with Foreign Minister Choe Son Hui in Wonsan "
                          "in July 2025.")
    assert (got.verdict.value, got.rule) == ("unverified", "events.other-doer")
    got = verdict_of(ref, "Vladimir Putin visited Pyongyang in June 2024.")
    assert got.verdict.value == "supported"
    got = verdict_of(ref, "Russia and North Korea voted together on every General Assembly "
                          "resolution about the war in Ukraine.")
    assert (got.verdict.value, got.rule) == ("unverified", "un_votes.one-subject")


def test_a_target_named_before_an_aside_is_still_a_target():
    from pivotwatch.claims import extract_claims
    from pivotwatch.claims.checks.roles import is_target

    claim = extract_claims("Moscow's official target, set in 2014, was $1 billion a year.")[0]
    assert is_target(claim, claim.quantities[0])
    claim = extract_claims("Trade with North Korea, by Russian figures, was $34.4 million.")[0]
    assert not is_target(claim, claim.quantities[0])


def test_the_dead_are_not_those_sent(ref):
    from pivotwatch.claims.checks.counts import fate

    text = "put the toll at about 600 dead and 4,100 wounded among some 15,000 troops sent"
    assert [fate(text, text.index(n), text.index(n) + len(n))
            for n in ("600", "4,100", "15,000")] == ["killed", "wounded", "present"]
    # the record's 5,000 are military builders sent in 2025, not soldiers killed
    got = verdict_of(ref, "Around 5,000 North Korean soldiers had been killed by April 2025.")
    assert got.verdict.value != "supported", got.explanation
