"""Event evidence matches the claim's predicate (issue 12, pattern 1): what is asserted to
have happened (kind, direction, participants, time), not merely the pair, a topic and a
period. Against a store holding the bundled reference tables."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims.audit import audit
from pivotwatch.claims.checks.refdata import load_reference
from pivotwatch.claims.predicates import asserted, predicates
from pivotwatch.sources.context import Context
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.store import open_store

DAY = date(2025, 12, 1)


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    path = tmp_path_factory.mktemp("predicates") / "ref.duckdb"
    with open_store(path, create=True) as store:
        assert ingest_reference(Context(store)).ok
    with open_store(path, read_only=True) as store:
        yield store, load_reference(store)


def verdict(ref, text):
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
    got = verdict(ref, text)
    assert got.verdict.value != "supported", got.explanation


def test_the_other_direction_does_not_support(ref):
    # 2024: Putin went to Pyongyang; nobody records Kim visiting Moscow that year
    got = verdict(ref, "Kim Jong Un visited Moscow in June 2024.")
    assert got.verdict.value == "unverified", got.explanation
    got = verdict(ref, "Putin visited Pyongyang in June 2024.")
    assert got.verdict.value == "supported" and got.rule == "events.predicate-match"


def test_another_kind_of_event_in_the_period_does_not_support(ref):
    # September 2024: the DPRK observed Ocean-2024; no joint exercise is on record
    got = verdict(ref, "Russia and North Korea held joint naval exercises in September 2024.")
    assert got.verdict.value == "unverified", got.explanation
    got = verdict(ref, "North Korea took part as an observer in Russia's Ocean-2024 naval "
                       "exercise in September 2024.")
    assert got.verdict.value == "supported", got.explanation


def test_the_asserted_event_not_its_setting_decides(ref):
    got = verdict(ref, "The treaty was signed during Kim's visit to Vladivostok in 2023.")
    assert got.verdict.value != "supported", got.explanation


def test_a_record_that_it_did_not_happen_contradicts(ref):
    got = verdict(ref, "Kim Jong Un was Putin's guest of honour in Moscow for the 2025 "
                       "Victory Day parade.")
    assert got.verdict.value == "contradicted" and got.rule == "events.record-of-non-event"


def test_a_halt_claimed_is_what_a_halt_row_records(ref):
    got = verdict(ref, "Transit of Russian coal through Rajin stopped in early 2018.")
    assert got.verdict.value == "supported", got.explanation
    got = verdict(ref, "Kim didnt go to the Victory Day parade in Moscow in May 2025.")
    assert got.verdict.value == "supported" and got.rule == "events.denial-recorded"
