"""The assessment (issue 10): rules, as-of honesty, monotonicity, planted changes, the CLI.

The store is built through the library from the bundled reference tables (curated events,
trade, fuel, caps, measures), plus rows written here for the UN figures, sanctions and GDELT
where a test needs them. Every property is checked on the real bundled rows and on rows
planted with a known answer.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from pivotwatch.analysis import assessment as engine
from pivotwatch.analysis.judgment import (
    DIMENSIONS,
    Confidence,
    Direction,
    Level,
    Reading,
    SourceKind,
    combined_confidence,
    combined_direction,
    combined_level,
    load_rules,
)
from pivotwatch.cli import app
from pivotwatch.store import open_store

runner = CliRunner()
AS_OF = date(2024, 12, 31)
CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


def _cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory):
    """A store with the bundled reference tables, built by the CLI."""
    db = tmp_path_factory.mktemp("assess") / "ref.duckdb"
    result = runner.invoke(app, ["--db", str(db), "ingest", "reference"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture()
def db(reference_db, tmp_path):
    """A private copy of the reference store, for tests that add or remove rows."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(reference_db, copy)
    return copy


def _assess(db, **kw):
    with open_store(db, read_only=True) as st:
        return engine.assess("RUS-PRK", store=st, as_of=kw.pop("as_of", AS_OF), **kw)


def _levels(a) -> dict[str, int | None]:
    return {j.dimension: None if j.level is None else int(j.level) for j in a.judgments}


# --- the rules on readings -----------------------------------------------------------------

def _reading(level, weight=1.0, source="s", direction=Direction.STEADY, quality=1.0,
             stale=False) -> Reading:
    if isinstance(weight, str):  # _reading(level, "source", ...)
        weight, source = 1.0, weight
    return Reading("x", "military", weight, source, SourceKind.CURATED,
                   level=None if level is None else Level(level), direction=direction,
                   quality=quality, stale=stale)


def test_quorum_rule():
    rules = load_rules()
    assert combined_level([], rules) is None
    assert combined_level([_reading(None)], rules) is None
    assert combined_level([_reading(3)], rules) == Level.HIGH
    # two half-weight signals carry a level together; one alone shows at most low
    assert combined_level([_reading(4, 0.5)], rules) == Level.LOW
    assert combined_level([_reading(4, 0.5), _reading(3, 0.5, "t")], rules) == Level.HIGH
    assert combined_level([_reading(0), _reading(0, 0.5)], rules) == Level.NONE
    # a low reading added to a high one never lowers the level
    assert combined_level([_reading(4), _reading(1, source="t")], rules) == Level.VERY_HIGH


def test_direction_vote():
    r, s, f = Direction.RISING, Direction.STEADY, Direction.FALLING
    assert combined_direction([_reading(2, direction=r)]) == r
    assert combined_direction([_reading(2, direction=r), _reading(2, "t", direction=f)]) == s
    assert combined_direction([_reading(2, 1.0, direction=r),
                               _reading(2, 0.5, "t", direction=s)]) == r
    # one source votes once, with its heaviest signal: two half-weight steadies of one source
    # do not outvote a full-weight rise
    assert combined_direction([_reading(2, 1.0, direction=r), _reading(2, 0.5, "u", direction=s),
                               _reading(2, 0.5, "u", direction=s)]) == r
    assert combined_direction([_reading(2, direction=Direction.UNKNOWN)]) == Direction.UNKNOWN
    assert combined_direction([_reading(None, direction=r)]) == Direction.UNKNOWN


def test_confidence_counts_independent_fresh_sources_that_see_ties():
    rules = load_rules()
    one = [_reading(3)]
    assert combined_confidence(one, rules)[0] == Confidence.MEDIUM
    two = [_reading(3), _reading(2, source="t")]
    assert combined_confidence(two, rules)[0] == Confidence.HIGH
    # two signals from one source count once; a stale source counts half; zero adds nothing
    assert combined_confidence([_reading(3), _reading(3)], rules)[0] == Confidence.MEDIUM
    assert combined_confidence([_reading(3), _reading(3, source="t", stale=True)],
                               rules)[0] == Confidence.MEDIUM
    assert combined_confidence([_reading(0), _reading(0, source="t")], rules)[0] == \
        Confidence.LOW


def test_rules_file_must_name_known_signals(tmp_path):
    bad = tmp_path / "signals.csv"
    bad.write_text("signal,dimension,weight\nhunch,military,1.0\n", encoding="utf-8")
    from pivotwatch.errors import UsageError

    with pytest.raises(UsageError, match="unknown signal 'hunch'"):
        engine.assess("RUS-PRK", store=None, signals_file=bad)
    bad.write_text("signal,dimension,weight\ncurated_events,mood,1.0\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown dimension 'mood'"):
        engine.assess("RUS-PRK", signals_file=bad)


# --- on the bundled reference tables -------------------------------------------------------

def test_assessment_of_the_reference_record(db):
    a = _assess(db)
    d = a.to_dict()
    assert d["dyad"] == "RUS-PRK" and d["as_of"] == "2024-12-31"
    assert [x["dimension"] for x in d["dimensions"]] == list(DIMENSIONS)
    military = a.judgment("military")
    # troops, the treaty year's arms transfers and >10,000 containers: very high and rising
    assert military.level == Level.VERY_HIGH and military.direction == Direction.RISING
    assert military.confidence in (Confidence.MEDIUM, Confidence.HIGH)
    assert len(military.evidence) == 3
    assert all(e.url is None or e.url.startswith("http") for e in military.evidence)
    # fuel: more than 1 million barrels against a 500,000 cap
    assert a.judgment("energy").level == Level.VERY_HIGH
    assert "Russia–North Korea" in a.bottom_line and a.bottom_line.count(".") >= 2
    for key in ("signals", "evidence", "level_label", "direction", "confidence"):
        assert key in d["dimensions"][0]
    # the comparison: the other partners have no reference rows: "no data", never a zero
    chn = [c for c in d["partners"] if c["partner"] == "CHN"]
    assert len(chn) == 6 and all(c["level"] is None and c["level_label"] == "no data"
                                 for c in chn)
    assert {s["source"] for s in d["sources"]} >= {"reference_events", "reference_measures"}


def test_trajectory_follows_the_timeline(db):
    with open_store(db, read_only=True) as st:
        found = engine.history("RUS-PRK", store=st, start=2015, end=2025)
    levels = {(a.as_of.year, j.dimension): j.level for a in found for j in a.judgments}
    # the 2023-24 turn: military from nothing to very high, rising in 2023
    assert all(levels[(y, "military")] <= Level.LOW for y in range(2016, 2022))
    assert levels[(2023, "military")] >= Level.HIGH
    assert levels[(2024, "military")] == Level.VERY_HIGH
    directions = {(a.as_of.year, j.dimension): j.direction for a in found for j in a.judgments}
    assert directions[(2023, "military")] == Direction.RISING
    # the 2024 summit and treaty
    assert levels[(2024, "political")] >= Level.HIGH > levels[(2021, "political")]


def test_speed_on_the_reference_store(db):
    with open_store(db, read_only=True) as st:
        engine.assess("RUS-PRK", store=st, as_of=AS_OF)  # imports and first compile
        t = time.perf_counter()
        engine.assess("RUS-PRK", store=st, as_of=AS_OF, compare=False)
        single = time.perf_counter() - t
        t = time.perf_counter()
        engine.history("RUS-PRK", store=st, start=2015, end=2025)
        span = time.perf_counter() - t
    assert single < 1.0, single
    assert span < 5.0, span


# --- as-of honesty, monotonicity, sources --------------------------------------------------

def _future_rows(con) -> None:
    """One row dated after the as-of date in every source the assessment reads."""
    con.execute("INSERT INTO reference_events VALUES ('future-1', DATE '2025-01-02', 'day', "
                "'RUS', 'PRK', 'military', 'troop_deployment', 'planted', ['https://x.test/'], "
                "'high', 'f')")
    con.execute("INSERT INTO reference_events VALUES ('future-2', DATE '2025-02-01', 'day', "
                "'RUS', 'CHN', 'political', 'summit', 'planted', [], 'high', 'f')")
    con.execute("INSERT INTO reference_measures VALUES ('future-m', DATE '2025-01-05', "
                "DATE '2024-06-01', DATE '2024-12-01', 'PRK', 'RUS', 'military', "
                "'troops_deployed', 99000, 'personnel', 'cumulative', 'planted', "
                "'third_government', NULL, [], 'high', 'f')")
    con.execute("INSERT INTO reference_trade VALUES ('future-t', 2025, 'planted', 'total', "
                "9e9, false, NULL, [], [], 'high', 'f')")
    con.execute("INSERT INTO reference_fuel VALUES ('future-f', DATE '2024-12-01', "
                "DATE '2025-01-31', 'RUS', 9e6, 'reported_to_un', NULL, [], [], 'high', 'f')")
    for country, agreement in (("PRK", 0.1), ("CHN", 0.99)):
        con.execute("INSERT INTO un_published_agreement VALUES (?, 'voeten-sessions', ?, 'RUS', "
                    "'session', 80, DATE '2026-08-31', ?, 100, 'f')",
                    [f"future-{country}", country, agreement])
    con.execute("INSERT INTO sanctions (entry_key, list, list_id, published_at, from_delta, "
                "removed, kind, name, programmes, listed_on, nationalities, address_countries, "
                "file_id) VALUES ('future-s', 'un_sc', 'KPe.999', TIMESTAMP '2025-06-01', "
                "false, false, 'entity', 'Planted Co', ['DPRK'], DATE '2025-05-01', ['RUS'], "
                "['RUS'], 'f')")
    con.execute("INSERT INTO files (file_id, source, name, status, finished_at) VALUES "
                "('f', 'reference', 'planted', 'loaded', TIMESTAMP '2025-06-01')")


def test_evidence_after_the_as_of_date_changes_nothing(db):
    before = _assess(db).to_dict()
    with open_store(db) as st:
        _future_rows(st.con)
    after = _assess(db).to_dict()
    assert after == before
    # and it is read when the date moves past it
    later = _assess(db, as_of=date(2025, 12, 31))
    assert any(e.key == "future-1" for j in later.judgments for r in j.readings
               for e in r.evidence)


def _support(con) -> None:
    """More evidence of ties, dated inside the window: events, a larger figure, a listing."""
    for i, (dim, kind) in enumerate([("military", "arms_transfer"), ("economic", "agreement"),
                                     ("security", "un_veto"), ("humanitarian", "food_aid"),
                                     ("political", "summit"), ("energy", "fuel_delivery")]):
        con.execute("INSERT INTO reference_events VALUES (?, DATE '2024-09-09', 'day', 'RUS', "
                    "'PRK', ?, ?, 'more', [], 'medium', 'f')", [f"more-{i}", dim, kind])
    con.execute("INSERT INTO reference_measures VALUES ('more-m', DATE '2024-12-01', "
                "DATE '2024-06-01', DATE '2024-11-30', 'RUS', 'PRK', 'humanitarian', "
                "'grain_shipped', 200000, 'tonnes', 'period', 'more', 'media', NULL, [], "
                "'low', 'f')")


def test_adding_supporting_evidence_never_lowers_a_level(db):
    for as_of in (date(2019, 12, 31), AS_OF, date(2025, 12, 31)):
        before = _levels(_assess(db, as_of=as_of))
        with open_store(db) as st:
            _support(st.con)
        after = _levels(_assess(db, as_of=as_of))
        with open_store(db) as st:
            st.con.execute("DELETE FROM reference_events WHERE event_key LIKE 'more-%'")
            st.con.execute("DELETE FROM reference_measures WHERE row_key = 'more-m'")
        for dim in DIMENSIONS:
            assert (after[dim] or 0) >= (before[dim] or 0), (as_of, dim, before, after)
        if as_of == AS_OF:
            assert after["security"] > before["security"]  # and it did raise something


@pytest.mark.parametrize("table", ["reference_events", "reference_measures", "reference_trade",
                                   "reference_fuel"])
def test_removing_a_source_never_raises_confidence(db, table):
    before = _assess(db)
    with open_store(db) as st:
        st.con.execute(f"DELETE FROM {table}")
    after = _assess(db)
    for b, a in zip(before.judgments, after.judgments, strict=True):
        assert CONFIDENCE_ORDER[a.confidence.value] <= CONFIDENCE_ORDER[b.confidence.value], \
            (table, b.dimension)


# --- planted changes -----------------------------------------------------------------------

STEADY = {"economic": "agreement", "energy": "fuel_delivery", "military": "visit",
          "political": "summit", "security": "un_veto", "humanitarian": "food_aid"}


@pytest.fixture()
def planted(tmp_path):
    """Two events a year in every dimension 2016-2024, and a jump in `dimension` in 2024."""
    def build(dimension: str):
        path = tmp_path / f"planted-{dimension}.duckdb"
        with open_store(path, create=True) as st:
            rows = []
            for year in range(2016, 2025):
                for dim, kind in STEADY.items():
                    for month in (3, 9):
                        rows.append((f"{dim}-{year}-{month}", date(year, month, 15), dim, kind))
            for i in range(8):
                rows.append((f"jump-{i}", date(2024, 1 + i, 20), dimension, STEADY[dimension]))
            st.con.executemany(
                "INSERT INTO reference_events VALUES (?, ?, 'day', 'RUS', 'PRK', ?, ?, "
                "'planted', [], 'high', 'p')", rows)
        return path
    return build


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_a_planted_jump_is_rising_there_and_steady_elsewhere(planted, dimension):
    a = _assess(planted(dimension))
    for j in a.judgments:
        expected = Direction.RISING if j.dimension == dimension else Direction.STEADY
        assert j.direction == expected, (dimension, j.dimension, j.direction)
    assert a.judgment(dimension).level > min(j.level for j in a.judgments)


# --- the command ---------------------------------------------------------------------------

def test_cli_table_json_md_csv(reference_db, tmp_path):
    result = _cli("--db", str(reference_db), "assess", "--dyad", "RUS-PRK", "--as-of",
                  "2024-12-31")
    assert result.exit_code == 0, result.output
    assert "very high" in result.output and "partner comparison" in result.output
    result = _cli("--db", str(reference_db), "assess", "--as-of", "2024-12-31", "--format",
                  "json", "--no-compare")
    payload = json.loads(result.output)
    assert payload["as_of"] == "2024-12-31" and payload["partners"] == []
    assert {d["dimension"] for d in payload["dimensions"]} == set(DIMENSIONS)
    md = tmp_path / "a.md"
    result = _cli("--db", str(reference_db), "assess", "--as-of", "2024-12-31", "-o", str(md))
    assert result.exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Assessment: RUS-PRK as of 2024-12-31")
    assert "<" not in text.replace("<-", "")  # no raw HTML from descriptions
    result = _cli("--db", str(reference_db), "assess", "--history", "--from", "2022", "--to",
                  "2024", "--format", "csv")
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("dyad,as_of,dimension,level")
    assert len(lines) == 1 + 3 * len(DIMENSIONS)


def test_cli_default_as_of_is_the_newest_evidence(reference_db):
    result = _cli("--db", str(reference_db), "assess", "--format", "json", "--no-compare")
    payload = json.loads(result.output)
    assert payload["as_of_basis"] == "newest evidence about the pair"
    assert payload["as_of"] >= "2025-09-01"


@pytest.mark.parametrize("args, message", [
    (["--dyad", "RUS-XXX"], "XXX"),
    (["--to", "2020"], "--to applies to --history only"),
    (["--history", "--from", "2020", "--to", "2019"], "--from 2020 is after --to 2019"),
    (["--history", "--as-of", "2020-01-01"], "--as-of applies to a single assessment"),
    (["--as-of", "2024-13-01"], "--as-of"),
    (["-o", "x.txt", "--format", "table"], "--format table prints to the terminal"),
])
def test_cli_errors_are_one_line(reference_db, args, message):
    result = runner.invoke(app, ["--db", str(reference_db), "assess", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_a_missing_store(tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "typo.duckdb"), "assess"])
    assert result.exit_code != 0 and "no store at" in result.output
    assert not (tmp_path / "typo.duckdb").exists()


def test_designations_count_only_lists_published_by_the_as_of_date(db):
    with open_store(db) as st:
        st.con.execute("INSERT INTO files (file_id, source, name, status, finished_at) VALUES "
                       "('s1', 'sanctions', 'l', 'loaded', TIMESTAMP '2024-03-01'), "
                       "('s2', 'sanctions', 'l2', 'loaded', TIMESTAMP '2025-03-01')")
        for key, published, removed, file_id in (
                ("v1", datetime(2024, 3, 1), False, "s1"),
                ("v2", datetime(2025, 3, 1), True, "s2")):
            st.con.execute(
                "INSERT INTO sanctions (entry_key, list, list_id, published_at, from_delta, "
                "removed, kind, name, programmes, listed_on, nationalities, address_countries, "
                "file_id) VALUES (?, 'un_sc', 'KPe.100', ?, false, ?, 'entity', 'Tie Co', "
                "['DPRK'], DATE '2024-02-01', ['RUS'], [], ?)", [key, published, removed, file_id])
    security = {as_of: next(r for r in _assess(db, as_of=as_of).judgment("security").readings
                            if r.signal == "designations_tying")
                for as_of in (date(2023, 12, 31), date(2024, 6, 30), date(2025, 6, 30))}
    assert security[date(2023, 12, 31)].level is None   # no list published yet: no data
    assert security[date(2024, 6, 30)].value == 1       # listed and published
    assert security[date(2025, 6, 30)].value == 0       # removed by the later list


def test_method_page_is_in_step_with_the_code():
    from pathlib import Path

    from pivotwatch.report.assessment_md import method

    page = Path(__file__).resolve().parents[1] / "docs" / "assessment.md"
    assert method() in page.read_text(encoding="utf-8"), \
        "regenerate the method part of docs/assessment.md from assessment_md.method()"


def test_gdelt_alone_never_says_more_than_low(tmp_path):
    """A dyad seen only in GDELT: 60 political events a month per 2,800 of volume, 214 per
    10k (very high for the signal), but half a quorum: the judgment stays low, and says why."""
    path = tmp_path / "gdelt.duckdb"
    with open_store(path, create=True) as st:
        st.con.execute("INSERT INTO files (file_id, source, name, status) VALUES "
                       "('g', 'gdelt', 'planted', 'loaded')")
        events, counts, n = [], [], 0
        for month in range(1, 13):
            for day_ in range(1, 29):
                counts.append((date(2024, month, day_), 100))
            for i in range(60):
                n += 1
                events.append((n, date(2024, month, 1 + i % 28)))
        st.con.executemany("INSERT INTO events (event_id, day, actor1_country, actor2_country, "
                           "event_code, event_base_code, event_root_code, quad_class, "
                           "gdelt_version, file_id) VALUES (?, ?, 'RUS', 'CHN', '040', '040', "
                           "'04', 1, 2, 'g')", events)
        st.con.executemany("INSERT INTO daily_counts VALUES ('g', ?, 'RUS', 'USA', ?)", counts)
    with open_store(path, read_only=True) as st:
        a = engine.assess("RUS-CHN", store=st, as_of=AS_OF, compare=False)
    political = a.judgment("political")
    reading = next(r for r in political.readings if r.signal == "gdelt_events")
    assert reading.level == Level.VERY_HIGH
    assert reading.value == pytest.approx(720 * 10_000 / 33_600, abs=1e-3)
    assert political.level == Level.LOW and political.confidence == Confidence.LOW
    assert any("only GDELT" in c for c in political.caveats)


def test_history_until_ends_on_the_assessment_it_explains(reference_db):
    with open_store(reference_db, read_only=True) as st:
        found = engine.history("RUS-PRK", store=st, start=2023, end=2025,
                               until=date(2025, 10, 1))
        single = engine.assess("RUS-PRK", store=st, as_of=date(2025, 10, 1), compare=False)
    assert [a.as_of for a in found] == [date(2023, 12, 31), date(2024, 12, 31),
                                        date(2025, 10, 1)]
    assert [j.to_dict() for j in found[-1].judgments] == \
        [j.to_dict() for j in single.judgments]
