"""Issue 11, "fix on the way": what a new user met at the terminal and in the claims pages.

Each test runs the command in-process on the bundled sample and checks the exact message, the
exit code and what is (and is not) printed."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from pivotwatch.analysis.dyads import parse_dyad
from pivotwatch.claims import render
from pivotwatch.claims.audit import audit_inputs
from pivotwatch.cli import app, hoist_db
from pivotwatch.errors import UsageError
from pivotwatch.store import open_store

runner = CliRunner()
# one checkable pair of figures (inconsistent) and one opinion (not checkable)
TEXT = ("# Russia and North Korea\n\n"
        "Russia's trade with North Korea was $34.4 million in 2023. "
        "Bilateral trade between Russia and North Korea reached $1 billion in 2023. "
        "It is a disgrace.\n")


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("sample") / "sample.duckdb")
    assert run("--db", db, "ingest", "sample").exit_code == 0
    assert run("--db", db, "ingest", "reference").exit_code == 0
    return db


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(TEXT, encoding="utf-8")
    return path


# --- the claims pages: nothing dropped silently, the count said once --------------------------

def _audits(db, *paths):
    with open_store(db, read_only=True) as st:
        audits, failures = audit_inputs([str(p) for p in paths], store=st)
    assert not failures
    return audits


def test_checkable_only_html_says_what_it_leaves_out(sample_db, doc):
    audits = _audits(sample_db, doc)
    page = render.claims_html(audits, checkable_only=True)
    table = page.split("</table>")[0]
    assert "It is a disgrace." not in table and "<td class=verdict>not_checkable" not in table
    folded = re.findall(r"<details class=omitted><summary>(.*?)</summary><ul>(.*?)</ul>",
                        page)
    assert folded == [("1 not-checkable claim (no loaded source speaks to it) not in the table",
                       folded[0][1])]
    assert folded[0][1].startswith("<li>3. <mark>It is a disgrace.</mark>")
    # the full page lists every claim in its table and folds nothing
    full = render.claims_html(audits)
    assert "<details" not in full and "<td class=verdict>not_checkable</td>" in full


def test_one_document_has_its_count_line_once(sample_db, doc, tmp_path):
    line = "3 claims: 2 inconsistent, 0 contradicted, 0 supported, 0 unverified, 1 not checkable"
    for suffix in ("md", "html"):
        target = tmp_path / f"audit.{suffix}"
        result = run("--db", sample_db, "claims", str(doc), "-o", str(target))
        assert result.exit_code == 0, result.output
        text = target.read_text(encoding="utf-8")
        assert text.count(line) == 1, suffix
        assert "3 claims: 2 inconsistent, 1 not checkable" not in text  # the per-document one


def test_two_documents_keep_a_count_line_each(sample_db, doc, tmp_path):
    other = tmp_path / "other.md"
    other.write_text("It is a disgrace.\n", encoding="utf-8")
    audits = _audits(sample_db, doc, other)
    text = render.to_markdown(audits)
    assert text.count("4 claims in 2 documents:") == 1
    assert "3 claims: 2 inconsistent, 1 not checkable" in text
    assert "1 claim: 1 not checkable" in text
    assert "3 claims: 2 inconsistent, 1 not checkable" in render.claims_html(audits)


def test_document_summary_rule():
    class A:  # the two fields document_summary reads
        def __init__(self, missing):
            self.missing = missing

        def summary(self):
            return "2 claims: 2 supported"

    one, gap = A(()), A(("unga_votes",))
    assert render.document_summary([one], one) is None
    assert render.document_summary([gap], gap) == "not loaded: unga_votes"
    assert render.document_summary([one, gap], gap) == "2 claims: 2 supported (not loaded: " \
                                                        "unga_votes)"


# --- trade legend ------------------------------------------------------------------------------

def test_trade_legend_says_what_the_basis_means(sample_db):
    result = run("--db", sample_db, "trade", "RUS", "PRK")
    assert result.exit_code == 0, result.output
    assert "`reported by`" not in result.output
    assert ('comtrade: UN Comtrade; basis "reported by X" = X\'s own report, "mirror" = the '
            "partner's report read from the other side") in " ".join(result.output.split())


# --- dyads: ISO2 codes get a suggestion, any case is shown upper-case --------------------------

@pytest.mark.parametrize(("dyad", "message"), [
    ("RU-KP", "unknown country code 'RU': give ISO3 codes; did you mean RUS-PRK?"),
    ("RUS-KP", "unknown country code 'KP': give ISO3 codes; did you mean RUS-PRK?"),
    ("ru-cn", "unknown country code 'RU': give ISO3 codes; did you mean RUS-CHN?"),
    ("RU-XQZ", "unknown country code 'RU': give ISO3 codes; did you mean RUS?"),
    ("RUS-RU", "unknown country code 'RU': give ISO3 codes; did you mean RUS?"),
    ("RUS-XQZ", "unknown country code 'XQZ': not in the CAMEO country table (e.g. RUS, PRK, "
                "CHN, IND, IRN, VNM, MNG)"),
])
def test_iso2_codes_are_answered_with_the_iso3_dyad(sample_db, dyad, message):
    with pytest.raises(UsageError) as exc:
        parse_dyad(dyad)
    assert str(exc.value) == message
    result = run("--db", sample_db, "indicators", "--dyad", dyad)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {message}"


def test_lower_case_dyad_is_shown_upper_case(sample_db):
    assert parse_dyad("rus-prk") == ("RUS", "PRK")
    result = run("--db", sample_db, "indicators", "--dyad", "rus-chn", "--freq", "year")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("RUS-CHN indicators by year")
    assert "rus-chn" not in result.output
    none = run("--db", sample_db, "indicators", "--dyad", "rus-prk", "--freq", "year")
    assert none.output.startswith("The store holds no RUS-PRK events")


# --- --db after the command --------------------------------------------------------------------

def test_db_is_accepted_after_the_command(sample_db, tmp_path):
    before = run("--db", sample_db, "status")
    after = run("status", "--db", sample_db)
    assert after.exit_code == 0, after.output
    assert after.output == before.output
    assert run("status", f"--db={sample_db}").output == before.output
    # ingest subcommands too: the store named after the command is the one written
    db = tmp_path / "late.duckdb"
    result = run("ingest", "reference", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert db.exists()
    missing = run("status", "--db", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 1
    assert missing.output.strip().splitlines()[0].startswith(
        f"error: no store at {tmp_path / 'none.duckdb'}")


def test_db_without_a_path_after_the_command():
    result = run("status", "--db")
    assert result.exit_code == 2
    assert "Option '--db' requires an argument." in result.output
    assert "No such option" not in result.output


def test_hoist_db_rule():
    assert hoist_db(["status", "--db", "x"]) == ["--db", "x", "status"]
    assert hoist_db(["--db", "a", "status", "--db=b"]) == ["--db", "a", "--db=b", "status"]
    # after `--` everything is an argument
    assert hoist_db(["claims", "--", "--db", "x"]) == ["claims", "--", "--db", "x"]


# --- terminal tables: what has data, one line about the rest -----------------------------------

def test_partners_trend_is_one_line_when_no_pair_has_enough_periods(sample_db):
    result = run("--db", sample_db, "partners")
    assert result.exit_code == 0, result.output
    assert "too few periods │" not in result.output and "trend of the share" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == ("no trend for all 42 partner-dimension pairs: too few periods (fewer "
                         "than 3 of the last 5 years with events; every row with --trend-only "
                         "--format csv)")
    assert ("RUS with CHN, IND, PRK, IRN, VNM, MNG: no events with these partners in any "
            "period for dimension economic, energy, humanitarian, military, security") in lines
    assert "dimension economic: no events" not in result.output
    # csv keeps every partner-dimension pair
    csv_out = run("--db", sample_db, "partners", "--trend-only", "--format", "csv")
    rows = csv_out.output.strip().splitlines()[1:]
    assert len(rows) == 42 and all(r.endswith(",too few periods") for r in rows)


def test_indicators_table_keeps_rows_with_events(sample_db):
    result = run("--db", sample_db, "indicators", "--dyad", "RUS-CHN", "--freq", "year")
    assert result.exit_code == 0, result.output
    table = [line for line in result.output.splitlines() if line.startswith("│")]
    assert [line.split("│")[1:3] for line in table] == [
        [" 2015   ", " all       "], [" 2015   ", " political "], [" 2019   ", " all       "]]
    assert result.output.strip().splitlines()[-1] == (
        "Not shown: 67 of 70 rows (period and dimension) with no RUS-CHN events; no events at "
        "all in 8 of the 10 years with data; every row with --format csv.")
    data = json.loads(run("--db", sample_db, "indicators", "--dyad", "RUS-CHN", "--freq",
                          "year", "--format", "json").output)
    assert len(data) == 70


def test_indicators_without_events_is_one_line(sample_db):
    result = run("--db", sample_db, "indicators", "--freq", "year")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "The store holds no RUS-PRK events in the 10 years with data (1979 to 2020), among 294 "
        "events involving either country; every row with --format csv.")


def test_changes_tells_thin_months_from_months_without_data(sample_db):
    result = run("--db", sample_db, "changes", "--dyad", "RUS-PRK")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    thin = next(line for line in lines if line.startswith("too thin"))
    assert thin.startswith("too thin, not analysed (6 months with fewer than 5 RUS-PRK events): "
                           "1979-12 (0 events < 5); 2014-02")
    assert "no data" not in thin and "no volume" not in thin
    assert ("no data, not analysed: 493 months between 1979-01 and 2020-07 (nothing loaded "
            "for either country)") in lines
    assert ("all, economic, energy, military, political, security, humanitarian: too short to "
            "test (0 usable of 18 months with data)") in lines
    assert "6 months have fewer than 5 RUS-PRK events and 493 have no data" in result.output
    # json keeps every thin period with its reason
    data = json.loads(run("--db", sample_db, "changes", "--dyad", "RUS-PRK", "--format",
                          "json").output)
    assert len(data["thin"]) == 499
