"""Organisation names (misspelt, wrong, lower case) and memberships of coordinated countries.

The organisation check needs no store: names and member lists come from
``data/reference/organizations.csv``.
"""

from __future__ import annotations

from datetime import date

from pivotwatch.claims.audit import audit
from pivotwatch.claims.organisations import is_typo, resolve_name


def verdict(text: str):
    """The verdict on the one claim of ``text``, and the organisations it names."""
    (item,) = audit(text, store=None).claims
    return item.verdict, [(o.raw, o.canonical, o.matched_as) for o in item.claim.organisations]


def test_a_letter_or_two_inside_a_word_is_a_typo_a_replaced_word_is_not():
    assert is_typo("organisaton", "organisation")
    assert is_typo("cooperaton", "cooperation")
    assert is_typo("comittee", "committee")
    assert is_typo("teem", "team")
    assert not is_typo("association", "organisation")
    assert not is_typo("agency", "service")
    assert not is_typo("tame", "team")  # two letters in a short word: another word
    assert not is_typo("un", "eu")      # too short to tell


def test_a_misspelt_name_is_noted_and_the_claim_judged_on_its_content():
    v, orgs = verdict("Russia has been a full member of the Shanghai Cooperation Organisaton "
                      "since 2001.")
    assert orgs == [("Shanghai Cooperation Organisaton", "Shanghai Cooperation Organisation",
                     "misspelt")]
    assert v.verdict == "supported" and v.rule == "organisations.membership"
    assert "'Shanghai Cooperation Organisaton' is read as the Shanghai Cooperation " \
        "Organisation (SCO) (misspelt)" in v.explanation
    v, _ = verdict("North Korea is a member of the Shanghai Cooperaton Organization.")
    assert v.verdict == "contradicted"  # for the membership, not the spelling
    assert v.explanation.startswith("PRK is not a member, observer or dialogue partner")


def test_a_misspelt_head_word_is_found_only_when_the_name_is_a_reference_one():
    v, orgs = verdict("Moscow notified the 1718 Commitee of 60,000 barrels delivered in "
                      "January 2024.")
    assert orgs[0][1:] == ("Security Council Committee established pursuant to resolution "
                           "1718 (2006)", "misspelt")
    assert v.verdict != "contradicted"
    _, orgs = verdict("The Northern Command moved two brigades to Kursk in October 2024.")
    assert orgs == []  # "Command" looks like "Committee" but names nothing on record


def test_a_different_word_is_a_wrong_name_with_the_right_name():
    v, _ = verdict("India joined the Shanghai Cooperation Association in 2017.")
    assert v.verdict == "contradicted" and v.rule == "organisations.wrong-name"
    assert "it is the Shanghai Cooperation Organisation (SCO)" in v.explanation
    v, orgs = verdict("Seoul's National Intelligence Agency said 11,000 North Korean troops "
                      "were sent to Russia in October 2024.")
    assert orgs == [("National Intelligence Agency", "National Intelligence Service",
                     "wrong_name")]  # the possessive is the owner, not part of the name
    assert v.verdict == "contradicted"
    assert "it is the National Intelligence Service (NIS)" in v.explanation
    assert resolve_name("Multilateral Sanctions Monitoring Group")[1] == "wrong_name"
    assert resolve_name("Multilateral Sanction Monitoring Team")[1] == "variant"


def test_lower_case_names_and_acronyms_are_recognised():
    v, orgs = verdict("india is a member of the shanghai cooperation organisation.")
    assert orgs[0][2] == "canonical" and v.verdict == "supported"
    v, orgs = verdict("North Korea is not a member of the sco.")
    assert orgs[0][1:] == ("Shanghai Cooperation Organisation", "acronym")
    assert v.verdict == "supported"


def test_a_country_set_against_the_subject_is_not_judged_as_negated():
    v, _ = verdict("Vietnam, unlike India, has never joined the SCO.")
    assert v.verdict == "supported"
    assert "VNM is not a member" in v.explanation and "IND" not in v.explanation
    v, _ = verdict("Pakistan, unlike India, has never joined the SCO.")
    assert v.verdict == "contradicted" and "PAK is a member" in v.explanation
    v, _ = verdict("Mongolia, in contrast to Pakistan, is only an observer in the SCO.")
    assert v.verdict == "supported" and "PAK" not in v.explanation


def test_neither_nor_denies_the_role_to_both_countries():
    v, _ = verdict("Neither Mongolia nor Vietnam is a full member of the SCO.")
    assert v.verdict == "supported"
    assert "MNG is an observer" in v.explanation and "VNM is not a member" in v.explanation
    v, _ = verdict("Neither Iran nor Vietnam is a full member of the SCO.")
    assert v.verdict == "contradicted" and "the claim says it is not a member" in v.explanation


def test_a_word_only_added_or_left_out_is_no_wrong_name():
    # other bodies and short forms: not flagged, only a replaced word is
    assert resolve_name("Open Source Intelligence Centre") == (None, "unresolved")
    assert resolve_name("Intelligence Service") == (None, "unresolved")
    assert resolve_name("Korea Trade Promotion Agency") == (None, "unresolved")
    v, orgs = verdict("The Open Source Intelligence Centre tracked five tankers at Vostochny "
                      "in 2024.")
    assert v.verdict != "contradicted"
    assert orgs == [("Open Source Intelligence Centre", None, "unresolved")]


def test_a_country_denied_in_an_aside_or_another_clause_is_not_the_subject():
    for text in ("India, but not Vietnam, is a member of the SCO.",
                 "Unlike Vietnam, India is a full member of the SCO.",
                 "India is a member of the SCO, but Vietnam is not."):
        v, _ = verdict(text)
        assert v.verdict == "supported", text
        assert v.explanation == "IND is a member of the Shanghai Cooperation Organisation (SCO)"


def test_a_country_likened_to_the_subject_shares_its_status():
    v, _ = verdict("Vietnam, like Mongolia, is not a full member of the SCO.")
    assert v.verdict == "supported"
    assert "VNM is not a member" in v.explanation and "MNG is an observer" in v.explanation


def test_a_place_added_left_out_or_swapped_is_no_wrong_name():
    # many UN sanctions committees exist: naming another place is another body
    assert resolve_name("UN Sanctions Committee") == (None, "unresolved")
    assert resolve_name("Russia Sanctions Committee") == (None, "unresolved")
    assert resolve_name("Russian Security Council") == (None, "unresolved")
    v, orgs = verdict("Moscow told the 1718 Sanctions Committee it had delivered 67,300 "
                      "barrels in 2023.")
    assert orgs[0][1:] == ("Security Council Committee established pursuant to resolution "
                           "1718 (2006)", "alias")
    assert "not the name" not in v.explanation


def test_the_misspelling_note_never_decides_over_a_check_of_the_same_strength():
    (item,) = audit("Russia was a member of the Shanghai Cooperaton Organisation in 2010.",
                    store=None, doc_date=date(2025, 1, 1)).claims
    assert item.verdict.rule == "organisations.membership-past"
    assert item.verdict.explanation.endswith("(misspelt)")


def test_a_country_in_an_aside_opens_no_clause_of_its_own():
    v, _ = verdict("North Korea, an SCO observer according to several Russian commentators, "
                   "has never actually held that status.")
    assert v.verdict == "supported" and "PRK is not a member" in v.explanation
