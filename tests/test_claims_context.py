"""Context from the wrong place (issue 12, pattern 3): a table row takes its subject from its
header and the heading above the table, in Markdown and as an HTML page arrives from the
document reader; bullets under a recommendations heading are advice; a headline is no claim;
a duration does not make framing checkable."""

from __future__ import annotations

from pathlib import Path

from pivotwatch.claims import extract_claims
from pivotwatch.sources.documents import read_document


def test_a_row_takes_its_subject_from_the_heading_of_an_html_page(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><article><h1>Kim and Putin: one year on</h1><p>Russia and "
                    "North Korea signed a treaty in June 2024.</p><h2>Russia–North Korea trade "
                    "(USD)</h2><table><tr><th>Year</th><th>Value</th></tr><tr><td>2023</td>"
                    "<td>$34.4 million</td></tr></table></article></body></html>",
                    encoding="utf-8")
    claims = extract_claims(read_document(Path(page), "p.html").text)
    assert [c.text for c in claims][0].startswith("Russia and North Korea signed")  # no headline
    row = claims[-1]
    assert row.kind.value == "table_row" and set(row.actors) == {"RUS", "PRK"}
    assert row.topic == "trade_volume"


def test_bullets_under_a_recommendations_heading_are_advice():
    claims = extract_claims("## Recommendations\n\n- Greater coordination with Tokyo on ship "
                            "tracking.\n- Sanction the Russian ports that receive North Korean "
                            "munitions.\n")
    assert [c.reason.value for c in claims] == ["recommendation", "recommendation"]


def test_a_duration_does_not_make_framing_checkable():
    claim = extract_claims("This outlook sets out what we expect over the next four years.")[0]
    assert not claim.checkable and claim.reason.value == "no checkable content"


def test_spans_of_months():
    from datetime import date

    since = extract_claims("Russia has delivered oil since October 2024.",
                           doc_date=date(2025, 6, 1))[0].times[0]
    assert (since.start, since.end, since.precision) == (date(2024, 10, 1), date(2025, 6, 1),
                                                         "since")
    span = extract_claims("Between September 2023 and February 2024 North Korea shipped shells "
                          "to Russia.")[0].times
    assert [(t.start, t.end) for t in span] == [(date(2023, 9, 1), date(2024, 2, 29))]


def test_imperative_bullets_but_not_nouns():
    claims = extract_claims("- Sanction the Russian ports that receive North Korean munitions.\n"
                            "- Press China to enforce the 500,000-barrel cap.\n\n"
                            "Press reports said Russia shipped oil to North Korea in 2024.\n")
    assert [c.modality.value for c in claims] == ["recommendation", "recommendation",
                                                  "asserted"]


def test_bounds_in_words():
    texts = ("Pyongyang could send as many as 30,000 more troops.",
             "Russia–China trade exceeded $240 billion in 2023.")
    found = [(q.value, q.bound.value) for t in texts for q in extract_claims(t)[0].quantities]
    assert found == [(30000.0, "max"), (240e9, "min")]


def test_a_rows_flow_and_basis_come_from_its_section(reference_store):
    from pivotwatch.claims.audit import audit
    from pivotwatch.claims.checks.refdata import load_reference

    text = ("## Russia–North Korea trade, total (USD)\n\n| Year | Value |\n|---|---|\n"
            "| 2019 | $47.9 million |\n\n## North Korean imports from Russia (USD)\n\n"
            "| Year | Value |\n|---|---|\n| 2019 | $44.9 million |\n\n"
            "## North Korean exports to Russia (USD)\n\n| Year | Value |\n|---|---|\n"
            "| 2019 | $3.0 million |\n\n## Refined petroleum reported to the UN (barrels)\n\n"
            "| Year | Barrels |\n|---|---|\n| 2019 | 277,365 |\n")
    result = audit(text, store=reference_store, reference=load_reference(reference_store))
    got = [(c.verdict.verdict.value, c.verdict.explanation.split(",")[0]) for c in result.claims]
    assert got == [
        ("supported", "$47.90 million matches the reference total trade for 2019"),
        ("supported", "$44.90 million matches the reference DPRK imports from Russia for 2019"),
        ("supported", "$3.00 million matches the reference DPRK exports to Russia for 2019"),
        ("supported", "277")], got
