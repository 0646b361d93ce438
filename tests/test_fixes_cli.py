"""Issue 11, "fix on the way": what a new user ran into, each as the CLI shows it."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from conftest import SHARED_DATA, needs_shared
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.cli.common import parse_date, parse_year
from pivotwatch.errors import UsageError
from pivotwatch.sources.unga import load_file
from pivotwatch.store import open_store

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


# --- 1. alignment: periods in time order, "all" last, each period once ----------------------

@pytest.fixture
def votes_db(tmp_path):
    """RUS and CHN vote in 1990 and 1991, PRK (a member from 1991) in 1991 only; CHN's 1990
    has 2 roll calls, a thin period."""
    votes, calls = tmp_path / "votes.csv", tmp_path / "calls.csv"
    years = {1: 1990, 2: 1990, 3: 1991, 4: 1991}
    with votes.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rcid", "country", "country_code", "vote"])
        for rcid, year in years.items():
            w.writerow([rcid, "RU", "RU", "yes"])
            w.writerow([rcid, "CN", "CN", "yes"])
            if year == 1991:
                w.writerow([rcid, "KP", "KP", "no"])
    with calls.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rcid", "session", "importantvote", "date", "unres", "amend", "para",
                    "short", "descr"])
        for rcid, year in years.items():
            w.writerow([rcid, year - 1945, 0, f"{year}-10-0{rcid}", "", 0, 0, "", ""])
    db = tmp_path / "votes.duckdb"
    with open_store(db, create=True) as st:
        for f in (votes, calls):
            load_file(st, f)
    return str(db)


def _period_cells(output: str) -> list[str]:
    return [line.split("│")[1].strip() for line in output.splitlines()
            if line.startswith("│")]


def test_alignment_periods_in_time_order_and_each_once(votes_db):
    result = run("--db", votes_db, "alignment", "RUS", "PRK", "--partners", "CHN")
    assert result.exit_code == 0, result.output
    # PRK comes first but has no 1990: the periods still start there, and "all" ends
    assert _period_cells(result.output) == ["1990", "1990", "1991", "1991", "all", "all"]
    rows = [line for line in result.output.splitlines() if line.startswith("│ 1990")]
    assert "│ PRK     │          0 │" in rows[0]
    assert "│ CHN     │         2* │" in rows[1]  # thin: the mark is on the count
    assert "1990*" not in result.output


def test_alignment_from_takes_a_year_or_a_date(votes_db):
    for value in ("1991", "1991-01", "1991-01-01"):
        result = run("--db", votes_db, "alignment", "RUS", "PRK", "--partners", "CHN",
                     "--from", value)
        assert result.exit_code == 0, (value, result.output)
        assert _period_cells(result.output) == ["1991", "1991", "all", "all"]
    bad = run("--db", votes_db, "alignment", "RUS", "PRK", "--from", "20x")
    assert bad.exit_code == 2
    assert bad.output == "error: bad date for --from: '20x' (use YYYY, YYYY-MM or YYYY-MM-DD)\n"


# --- 3. dates -----------------------------------------------------------------------------

def test_dates_take_a_year_a_month_or_a_day():
    assert parse_date("2020", "--from") == date(2020, 1, 1)
    assert parse_date("2020", "--to", end=True) == date(2020, 12, 31)
    assert parse_date("2024-02", "--from") == date(2024, 2, 1)
    assert parse_date("2024-02", "--to", end=True) == date(2024, 2, 29)
    assert parse_date("2024-02-10", "--to", end=True) == date(2024, 2, 10)
    assert parse_date("20240210", "--from") == date(2024, 2, 10)
    assert parse_year("2019-06-30", "--to") == 2019
    for bad in ("2020-13", "2021-02-30", "20", "0000", "May 2020"):
        with pytest.raises(UsageError, match=r"^bad date for --from: .* \(use YYYY, YYYY-MM "
                                             r"or YYYY-MM-DD\)$"):
            parse_date(bad, "--from")


@pytest.mark.parametrize("command", [
    ["indicators", "--from", "{v}"], ["changes", "--to", "{v}"], ["partners", "--from", "{v}"],
    ["trade", "RUS", "PRK", "--from", "{v}"], ["fuel", "--to", "{v}"],
    ["sanctions", "--country", "PRK", "--as-of", "{v}"], ["measures", "--as-of", "{v}"],
    ["alignment", "RUS", "PRK", "--to", "{v}"], ["status", "--as-of", "{v}"],
])
def test_every_date_option_says_the_forms_in_one_line(command, tmp_path):
    with open_store(tmp_path / "s.duckdb", create=True):
        pass
    args = [a.replace("{v}", "soon") for a in command]
    result = run("--db", str(tmp_path / "s.duckdb"), *args)
    assert result.exit_code == 2, result.output
    option = args[args.index("soon") - 1]
    assert result.output == (f"error: bad date for {option}: 'soon' (use YYYY, YYYY-MM or "
                             "YYYY-MM-DD)\n")


def test_a_year_works_where_a_day_did(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert run("--db", db, "ingest", "sample").exit_code == 0
    for args in (["indicators", "--from", "2020", "--to", "2021-06"],
                 ["fuel", "--from", "2020-05-01"], ["trade", "RUS", "PRK", "--to", "2020-12"],
                 ["sanctions", "--country", "PRK", "--as-of", "2024"]):
        result = run("--db", db, *args)
        assert result.exit_code == 0, (args, result.output)
        assert "╭" not in result.output  # no boxed parser message


# --- 2. folders: sanctions recurse; gdelt passes over what is not an export ----------------

@needs_shared
def test_sanctions_folder_with_lists_in_subfolders(tmp_path):
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "sanctions",
                 str(SHARED_DATA / "sanctions"))
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "s.duckdb") as st:
        sources = {r[0].split("/")[-2] for r in st.con.execute(
            "SELECT name FROM files WHERE status = 'loaded'").fetchall()}
    assert {"un_sc", "ofac_consolidated", "opensanctions_ftm", "ofac_sdn"} <= sources


def test_gdelt_folder_passes_over_mentions_and_schema_files(tmp_path):
    folder = tmp_path / "gdelt"
    (folder / "events").mkdir(parents=True)
    (folder / "lookups").mkdir()
    write(folder / "events" / "20240101.export.CSV", [event(1, "20240101", "RUS", "PRK")])
    # a 16-column mentions file under an export-like name, and the codebook's schema tables
    (folder / "events" / "spark-gdelt_mentionsT.csv").write_text("\t".join(["1"] * 16) + "\n")
    (folder / "lookups" / "GDELT_2.0_Events_Column_Labels.csv").write_text(
        "tableId,dataType,Empty,Description\n")
    (folder / "lookups" / "GDELT_1.0_event_Column_Labels.tsv").write_text("tableId\n")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "gdelt", str(folder))
    assert result.exit_code == 0, result.output
    assert "Passed over 3 file(s)" in result.output and "mentionsT.csv" in result.output
    assert "failed:" not in result.output


# --- 4. a missing file: one line ------------------------------------------------------------

@pytest.mark.parametrize("source", ["gdelt", "sanctions", "comtrade", "unvotes", "reference"])
def test_a_missing_file_is_one_line(source, tmp_path):
    missing = str(tmp_path / "nope.csv")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", source, missing)
    assert result.exit_code == 1
    assert result.output == f"error: {missing}: no such file\n"


def test_two_missing_files_no_table_of_zeros(tmp_path):
    a, b = str(tmp_path / "a.xml"), str(tmp_path / "b.xml")
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "sanctions", a, b)
    assert result.exit_code == 1
    assert result.output == (f"failed: {a}: no such file\nfailed: {b}: no such file\n"
                             "error: 2 file(s) could not be loaded (see above)\n")


# --- 5. reference: a folder of unrelated files ------------------------------------------------

def test_reference_folder_of_unrelated_files(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    for name, text in (("a.txt", "hi"), ("b.csv", "x,y\n1,2\n"), ("c.json", "{}")):
        (folder / name).write_text(text)
    result = run("--db", str(tmp_path / "s.duckdb"), "ingest", "reference", str(folder))
    assert result.exit_code == 1
    names = ", ".join(str(folder / n) for n in ("a.txt", "b.csv", "c.json"))
    assert result.output == (
        f"Passed over 3 file(s) in the folders given that are not in this source's layout: "
        f"{names}\nerror: nothing loaded: no file given is in this source's layout\n")


# --- 6. status lists failed GDELT and Comtrade files -------------------------------------------

def test_status_lists_failed_files_of_every_source(tmp_path):
    db = str(tmp_path / "s.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    tabbed = tmp_path / "20240101.export.CSV"
    tabbed.write_text("1\t2\t3\n")
    # the same bad bytes fail as Comtrade and as a sanctions list: two rows, not one
    for source, path in (("comtrade", bad), ("sanctions", bad), ("gdelt", tabbed)):
        assert run("--db", db, "ingest", source, str(path)).exit_code == 1
    url = "http://127.0.0.1:9/20240101.export.CSV"  # nothing listens: the download fails
    assert run("--db", db, "ingest", "gdelt", url, "--allow-private").exit_code == 1
    result = run("--db", db, "status")
    assert result.exit_code == 0, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert len(failed) == 4
    assert any(line.startswith(f"failed: {bad}: not a Comtrade CSV") for line in failed)
    assert any(line.startswith(f"failed: {bad}: not a sanctions list") for line in failed)
    assert any(line.startswith(f"failed: {tabbed}: not a GDELT event export") for line in failed)
    assert any(line.startswith(f"failed: {url}: failed after") for line in failed)
    counts = next(line for line in result.output.splitlines() if "files failed" in line)
    # columns comtrade, gdelt, sanctions
    assert [c.strip() for c in counts.split("│")[2:5]] == ["1", "2", "1"]
