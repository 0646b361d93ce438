"""The founding article's failure patterns (issue 12; the article itself is not in the
repository: these sentences follow the issue's description of it). Its trade figures are
contradicted, its misnamed organisation flagged, its exercises not supported, its
recommendations and framing not checkable, and Russia as a fuel supplier supported by the
delivery figures."""

from __future__ import annotations

from datetime import date

import pytest

from pivotwatch.claims.audit import audit
from pivotwatch.claims.checks.refdata import load_reference

ARTICLE = """# North Korea's role in Russia's Turn to the East

Russia's trade with North Korea is about $100 million a year.

Joint military exercises between Russia and North Korea are intensifying.

North Korea is an observer in the Shanghai Security Organisation.

Russia has supplied refined petroleum to North Korea, reporting 105,845 barrels to the UN for 2023.

The following table outlines the potential economic and military impacts of the partnership.

| Impact area | Outcome |
|---|---|
| Diplomacy | Putin visited Pyongyang in June 2024 |

Establish robust intelligence operations to track military collaborations.
"""


@pytest.fixture(scope="module")
def verdicts(reference_store):
    st = reference_store
    result = audit(ARTICLE, store=st, reference=load_reference(st), doc_date=date(2025, 6, 1))
    return {c.claim.text: c.verdict for c in result.claims}


def verdict_of(verdicts, start):
    found = [v for text, v in verdicts.items() if start in text]
    assert len(found) == 1, (start, list(verdicts))
    return found[0]


@pytest.mark.parametrize(("start", "want"), [
    ("trade with North Korea is about $100 million", "contradicted"),
    ("Putin visited Pyongyang in June 2024", "supported"),
    ("Shanghai Security Organisation", "contradicted"),
    ("reporting 105,845 barrels", "supported"),
    ("Establish robust intelligence operations", "not_checkable"),
    ("The following table outlines", "not_checkable"),
])
def test_founding_article_verdicts(verdicts, start, want):
    got = verdict_of(verdicts, start)
    assert got.verdict.value == want, (start, got.rule, got.explanation)


def test_its_exercises_are_not_supported(verdicts):
    got = verdict_of(verdicts, "Joint military exercises")
    assert got.verdict.value != "supported", got.explanation


def test_the_misnamed_organisation_is_flagged_by_name(verdicts):
    got = verdict_of(verdicts, "Shanghai Security Organisation")
    assert got.rule == "organisations.wrong-name" and "Shanghai Cooperation" in got.explanation


def test_prose_wrapped_at_a_fixed_width_is_not_a_title():
    from pivotwatch.claims import extract_claims

    text = ("Intro line.\n\nEstablish robust intelligence operations to track military\n"
            "collaborations between Russia and North Korea.\n\nRussia and North Korea signed "
            "a treaty in\nJune 2024 in Pyongyang.\n\nMoscow and Pyongyang\nThe treaty entered "
            "into force in December 2024.\n")
    units = [c.text.replace("\n", " ") for c in extract_claims(text)]
    assert units == ["Intro line.", "Establish robust intelligence operations to track "
                     "military collaborations between Russia and North Korea.",
                     "Russia and North Korea signed a treaty in June 2024 in Pyongyang.",
                     "The treaty entered into force in December 2024."]
