"""Scoring of claim extraction against the gold set in tests/gold/claims (shared by the gold
test and benchmarks/claims.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pivotwatch.claims import Claim, extract_claims

GOLD = Path(__file__).resolve().parent / "gold" / "claims"


def gold_documents() -> dict[str, str]:
    """Gold document name -> text."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLD.glob("*.md"))}


def read_set(folder: Path, suffixes) -> dict[str, str]:
    """A gold set's documents: name -> the text the documents stage hands to the claims
    stage (every format through read_document, as `pivotwatch claims` reads it)."""
    from pivotwatch.sources.documents import read_document

    return {p.name: read_document(p, p.name).text
            for p in sorted(folder.iterdir()) if p.suffix in suffixes}


def point_at(monkeypatch, folder: Path, suffixes) -> None:
    """Score another gold set (its folder and documents) for the duration of a test."""
    import sys

    this = sys.modules[__name__]
    monkeypatch.setattr(this, "GOLD", folder)
    monkeypatch.setattr(this, "gold_documents", lambda: read_set(folder, suffixes))


def check_rows(rows: list[dict], min_text: int) -> None:
    """Each expected row is a usable target: a distinctive text, a verdict that agrees with
    `checkable`, and a reason for every unit that is not checkable."""
    for row in rows:
        assert len(row["text"]) >= min_text, row["text"]
        assert row["checkable"] == (row["verdict"] != "not_checkable"), row["text"]
        assert row["checkable"] or row["reason"], row["text"]


def expected() -> dict[str, list[dict]]:
    return json.loads((GOLD / "expected.json").read_text(encoding="utf-8"))


@dataclass
class Score:
    """Counts behind each rate; ``misses`` lists what went wrong, for the test's message."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, total]
    misses: list[str] = field(default_factory=list)

    def tally(self, name: str, right: bool, note: str) -> None:
        counts = self.fields.setdefault(name, [0, 0])
        counts[0] += right
        counts[1] += 1
        if not right:
            self.misses.append(f"{name}: {note}")

    @property
    def precision(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_pos)

    @property
    def recall(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_neg)

    def rate(self, name: str) -> float:
        right, total = self.fields.get(name, [0, 0])
        return right / max(1, total)


def _quantities(claim: Claim) -> list[tuple]:
    return sorted((q.value, q.unit, q.per) for q in claim.quantities)


def score() -> Score:
    """Extract every gold document and score the result against expected.json."""
    result = Score()
    docs = gold_documents()
    for name, rows in expected().items():
        claims = extract_claims(docs[name], doc_id=name)
        matched: set[int] = set()
        for row in rows:
            found = [c for c in claims if row["text"] in c.text]
            if len(found) != 1:
                raise AssertionError(f"{name}: {row['text']!r} matches {len(found)} units")
            claim = found[0]
            matched.add(claim.index)
            where = f"{name} {row['text'][:40]!r}"
            if not row["checkable"]:
                if claim.checkable:
                    result.false_pos += 1
                    result.misses.append(f"false positive: {where}")
                else:
                    result.tally("reason", claim.reason.value == row["reason"],
                                 f"{where} {claim.reason.value} != {row['reason']}")
                continue
            if not claim.checkable:
                result.false_neg += 1
                result.misses.append(f"missed ({claim.reason.value}): {where}")
                continue
            result.true_pos += 1
            if row["actors"] is not None:
                result.tally("actors", set(claim.actors) == set(row["actors"]),
                             f"{where} {claim.actors} != {row['actors']}")
            result.tally("topic", claim.topic == row["topic"],
                         f"{where} {claim.topic} != {row['topic']}")
            want = sorted(tuple(q) for q in row["quantities"])
            result.tally("quantities", _quantities(claim) == want,
                         f"{where} {_quantities(claim)} != {want}")
            result.tally("modality", claim.modality.value == row["modality"],
                         f"{where} {claim.modality.value} != {row['modality']}")
            orgs = sorted([o.acronym or o.canonical, o.matched_as]
                          for o in claim.organisations if o.canonical)
            result.tally("organisations", orgs == sorted(row["organisations"]),
                         f"{where} {orgs} != {row['organisations']}")
        for claim in claims:
            if claim.index not in matched and claim.checkable:
                result.false_pos += 1
                result.misses.append(f"unlisted checkable unit: {name} {claim.text[:40]!r}")
    return result


def meets_floors(label: str, min_precision: float, min_recall: float,
                 min_fields: dict[str, float]) -> None:
    """Score the current set, print the figures and misses (shown with -s), and fail below
    any pinned floor."""
    result = score()
    rates = {name: result.rate(name) for name in min_fields}
    print(f"\nclaims {label}: precision {result.precision:.3f} recall {result.recall:.3f} "
          f"(tp {result.true_pos}, fp {result.false_pos}, fn {result.false_neg})")
    for name, rate in rates.items():
        right, total = result.fields.get(name, [0, 0])
        print(f"  {name}: {rate:.3f} ({right}/{total})")
    for miss in result.misses:
        print("  -", miss)
    assert result.precision >= min_precision, result.misses
    assert result.recall >= min_recall, result.misses
    for name, floor in min_fields.items():
        assert rates[name] >= floor, (name, rates[name], result.misses)
