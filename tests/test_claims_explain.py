"""`pivotwatch claims --explain` prints the path to each verdict, every rule a check can
decide by is documented, General Assembly agreement claims are decided by the pair's
agreement for the period they name, and a wire dateline is no party to a claim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pivotwatch.claims import extract_claims
from pivotwatch.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("events", "trade", "fuel", "consistency", "organisations", "un_votes", "sanctions",
          "gdelt", "forecast", "modality", "audit", "counts")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("explain") / "s.duckdb")
    for args in (["ingest", "sample"], ["ingest", "reference"]):
        assert runner.invoke(app, ["--db", path, *args]).exit_code == 0
    return path


def test_explain_prints_what_was_found_the_checks_and_the_deciding_rule(tmp_path, db):
    doc = tmp_path / "a.txt"
    doc.write_text("Russia and North Korea traded $34.4 million in 2023.\n"
                   "Kim Jong Un visited Moscow in June 2024.\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--explain"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "figures: $34.4 million = 34,400,000 usd (exact)" in out
    assert "check trade → supported [trade." in out
    assert "predicates: visited PRK→RUS" in out
    assert "decided by [events.no-record] → unverified" in out
    assert out.count("decided by [") == 2


def test_explain_is_for_the_terminal(tmp_path, db):
    doc = tmp_path / "a.txt"
    doc.write_text("Russia and North Korea traded $34.4 million in 2023.\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--explain", "--format",
                                 "json"])
    assert result.exit_code == 2 and "'checks'" in result.output
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--format", "json"])
    claim = json.loads(result.stdout)["documents"][0]["claims"][0]
    assert claim["rule"].startswith("trade.") and claim["checks"][0]["check"] == "trade"


def test_every_rule_in_the_code_is_documented():
    code = "\n".join(p.read_text(encoding="utf-8")
                     for p in (ROOT / "src" / "pivotwatch" / "claims").rglob("*.py"))
    rules = set(re.findall(rf'"((?:{"|".join(CHECKS)})\.[a-z][a-z0-9-]+)"', code))
    assert len(rules) > 30
    docs = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert not {r for r in rules if f"`{r}`" not in docs}


@pytest.mark.parametrize(("text", "verdict", "rule"), [
    ("In the General Assembly, North Korea voted with Russia more often than any other "
     "country in 2023.", "supported", "un_votes.agreement-rank"),
    ("Russia and North Korea voted together in the UN General Assembly 83% of the time in "
     "2023.", "supported", "un_votes.agreement-figure"),
    ("Russia and North Korea voted together in the UN General Assembly only 40% of the time "
     "in 2023.", "contradicted", "un_votes.agreement-figure"),
])
def test_assembly_agreement_claims_use_the_published_agreement(tmp_path, db, text, verdict,
                                                               rule):
    doc = tmp_path / "ga.txt"
    doc.write_text(text + "\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "claims", str(doc), "--format", "json"])
    claim = json.loads(result.stdout)["documents"][0]["claims"][0]
    assert (claim["verdict"], claim["rule"]) == (verdict, rule), claim["explanation"]
    assert claim["evidence"][0]["source"] == "idealpoints"


def test_a_dateline_is_not_a_party():
    claim = extract_claims("SEOUL — Russia and North Korea signed a treaty in June 2024.")[0]
    assert "KOR" not in claim.actors
