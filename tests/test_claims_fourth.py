"""The fourth gold set for the claims audit, held out: tests/gold/claims_fourth (issue 12).

Written by someone who had read neither the code nor the earlier sets, labels fixed before the
tool ran on it (see its README); nobody tunes on it. Sixteen documents, 272 labelled claims,
audited as `pivotwatch claims` does (every format through read_document, dated 2026-11-30)
against a store holding the bundled sample (UN roll calls, Voeten's agreement, sanctions,
GDELT) and the reference tables. Run with -s for the confusion matrix and every harmful
error: a "contradicted" given to a sentence labelled true, unverifiable or not checkable, and
a "supported" given to one labelled otherwise.

Runs (2026-12-03). The first, before anyone had looked at the set's output, is the held-out
measure: accuracy 0.743 (202/272), precision of "supported" 0.870, 3 harmful contradictions.
(The first attempt matched table-row labels with their outer pipes against claims that have
none, so 22 rows were unmatched; the scorer strips them, which changed no verdict.) The set's
errors were then read and their general causes fixed (table rows' flow from their section,
"the Assembly", a named doer the row does not name, past-tense figures without a year, an
aside after "target", the oil after "for", the dead counted apart from those sent), each with
its own test on other sentences, so the later figures are no longer held out: accuracy 0.816
(222/272), precision of "supported" 0.900, no harmful contradiction. The floors are those,
less a small margin: a drop below them is a regression. The issue's targets (accuracy 0.93, no
harmful contradiction, precision of "supported" 0.97) are not met; the gap is reported, never
hidden by editing the labels.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from pivotwatch.claims.audit import audit
from pivotwatch.claims.checks.refdata import load_reference
from pivotwatch.sources.context import Context
from pivotwatch.sources.documents import read_document
from pivotwatch.sources.reference import ingest_reference
from pivotwatch.sources.sample import ingest_sample
from pivotwatch.store import open_store

FOURTH = Path(__file__).resolve().parent / "gold" / "claims_fourth"
AS_OF = datetime(2026, 11, 30)
VERDICTS = ("supported", "contradicted", "inconsistent", "unverified", "not_checkable")
TARGETS = {"accuracy": 0.93, "supported_precision": 0.97, "harmful_contradictions": 0}
FLOORS = {"accuracy": 0.80, "supported_precision": 0.87, "harmful_contradictions": 0}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fourth") / "demo.duckdb"
    with open_store(path, create=True) as st:
        ctx = Context(st)
        assert ingest_sample(ctx).ok
        assert ingest_reference(ctx).ok
    with open_store(path, read_only=True) as st:
        yield st


def score(st) -> tuple[Counter, list[str]]:
    expected = json.loads((FOURTH / "expected.json").read_text(encoding="utf-8"))
    ref = load_reference(st)
    confusion: Counter = Counter()
    misses = []
    for name, rows in expected.items():
        path = FOURTH / name
        doc = read_document(path, name)
        result = audit(replace(doc, published=doc.published or AS_OF), store=st, reference=ref,
                       doc_id=name)
        for row in rows:
            # a table row's claim runs from its first cell to its last: the label may carry
            # the row's outer pipes ("| 2023 | $34.4 million |")
            text = row["text"].strip().strip("|").strip()
            found = [c for c in result.claims if text in c.claim.text]
            got = found[0].verdict.verdict.value if len(found) == 1 else "unmatched"
            confusion[row["verdict"], got] += 1
            if got != row["verdict"]:
                why = f"[{found[0].verdict.rule}] {found[0].verdict.explanation[:110]}" \
                    if len(found) == 1 else ""
                misses.append(f"{name} {row['text'][:60]!r}: want {row['verdict']}, got {got} "
                              f"{why}")
    return confusion, misses


def figures(confusion: Counter) -> dict[str, float]:
    total = confusion.total()
    right = sum(n for (want, got), n in confusion.items() if want == got)
    said_supported = sum(n for (_, got), n in confusion.items() if got == "supported")
    harmful = sum(n for (want, got), n in confusion.items()
                  if got == "contradicted" and want in ("supported", "unverified",
                                                        "not_checkable"))
    return {"accuracy": right / total,
            "supported_precision": confusion["supported", "supported"] / max(1, said_supported),
            "harmful_contradictions": harmful, "total": total}


def test_fourth_set_is_big_and_varied_enough():
    expected = json.loads((FOURTH / "expected.json").read_text(encoding="utf-8"))
    docs = [p for p in FOURTH.iterdir() if p.suffix in (".md", ".txt", ".html")
            and p.name != "README.md"]
    assert len(docs) >= 12 and set(expected) == {p.name for p in docs}
    rows = [row for rows in expected.values() for row in rows]
    assert len(rows) >= 200
    assert {row["verdict"] for row in rows} == set(VERDICTS)
    for row in rows:
        assert (row["verdict"] == "not_checkable") == (row["reason"] is not None), row


def test_fourth_set_verdicts(store):
    confusion, misses = score(store)
    got = figures(confusion)
    cols = [*VERDICTS, "unmatched"]
    print(f"\nclaims fourth set: {got}  (targets {TARGETS})")
    print("expected \\ got".ljust(16) + "".join(c[:12].rjust(13) for c in cols))
    for want in VERDICTS:
        print(want.ljust(16) + "".join(str(confusion[want, g]).rjust(13) for g in cols))
    for miss in misses:
        print("  -", miss)
    assert not [k for k in confusion if k[1] == "unmatched"], misses
    assert got["total"] >= 200
    assert got["accuracy"] >= FLOORS["accuracy"], misses
    assert got["supported_precision"] >= FLOORS["supported_precision"], misses
    assert got["harmful_contradictions"] <= FLOORS["harmful_contradictions"], misses
