"""The evaluation gate of claim extraction: precision, recall and field accuracy on the gold
set (tests/gold/claims: 12 short documents and expected.json) must not fall below the floors
pinned here, which are a little under what the rule-based path reaches."""

from __future__ import annotations

from claims_gold_eval import expected, gold_documents, meets_floors

# Reached when pinned: precision 0.982, recall 0.991; actors 0.956, topic 0.937,
# quantities 0.964, modality 1.000, organisations 1.000, reason 0.962 (the fields a little
# lower than before the blind set's general rules: see benchmarks/README.md).
MIN_PRECISION = 0.97
MIN_RECALL = 0.98
MIN_FIELD_ACCURACY = {
    "actors": 0.95,
    "topic": 0.93,
    "quantities": 0.96,
    "modality": 0.98,
    "organisations": 0.98,
    "reason": 0.95,
}


def test_gold_set_is_big_and_varied_enough():
    docs = gold_documents()
    gold = expected()
    assert len(docs) >= 12 and set(gold) == set(docs)
    for name, text in docs.items():
        assert 150 <= len(text.split()) <= 400, name
    verdicts = {row["verdict"] for rows in gold.values() for row in rows}
    assert {"supported", "contradicted", "inconsistent", "unverified", "not_checkable"} <= verdicts


def test_extraction_meets_the_floors():
    meets_floors("gold", MIN_PRECISION, MIN_RECALL, MIN_FIELD_ACCURACY)
