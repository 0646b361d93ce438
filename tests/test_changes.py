"""Change detection: constructed series with known answers, and a hand-made store end to end."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

import pivotwatch
from pivotwatch.analysis.changes import (
    FPR_TARGET,
    MIN_PERIODS,
    TESTED,
    TOO_SHORT,
    changes,
    detect,
    thin_periods,
)
from pivotwatch.cli import app
from pivotwatch.errors import UsageError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources.gdelt.load import load_file

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# --- the detector on constructed series ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("sign", [1, -1])
def test_planted_level_shift_is_found_in_the_right_period(seed, sign):
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 1.0, 40)
    x[25:] += sign * 3.0
    found = detect(x)
    assert found.status == TESTED
    assert len(found.shifts) == 1, found
    shift = found.shifts[0]
    assert abs(shift.index - 25) <= 1
    assert shift.direction == ("up" if sign > 0 else "down")
    assert shift.size == pytest.approx(sign * 3.0, abs=1.0)
    assert shift.ratio == pytest.approx(shift.after / shift.before)
    assert all(s.index != shift.index for s in found.spikes)


def test_stationary_noise_stays_within_the_documented_false_positive_rate():
    rng = np.random.default_rng(12345)
    lengths = [24, 36, 48, 60] * 50  # 200 series
    flagged = sum(bool(detect(rng.normal(10.0, 1.0, n)).shifts) for n in lengths)
    assert flagged / len(lengths) <= FPR_TARGET


def test_planted_spike_is_a_spike_not_a_shift():
    rng = np.random.default_rng(3)
    x = rng.normal(10.0, 1.0, 36)
    x[17] += 9.0
    found = detect(x)
    assert not found.shifts
    assert [s.index for s in found.spikes] == [17]
    assert found.spikes[0].direction == "up" and found.spikes[0].z > 5


def test_spike_and_shift_together():
    rng = np.random.default_rng(4)
    x = rng.normal(10.0, 1.0, 48)
    x[30:] += 4.0
    x[10] -= 9.0
    found = detect(x)
    assert [s.index for s in found.spikes] == [10]
    assert found.spikes[0].direction == "down"
    assert [s.index for s in found.shifts] in ([29], [30], [31])


def test_unusable_periods_are_skipped_and_indices_stay_in_the_input():
    rng = np.random.default_rng(5)
    x = rng.normal(10.0, 1.0, 40)
    x[25:] += 4.0
    usable = np.ones(40, bool)
    usable[[3, 4, 26]] = False
    x[[3, 4]] = 500.0  # would be a huge spike if analysed
    x[26] = np.nan
    found = detect(x, usable)
    assert found.usable == 37
    assert not found.spikes
    assert len(found.shifts) == 1 and abs(found.shifts[0].index - 25) <= 1


def test_too_short_and_constant_series():
    assert detect(np.arange(MIN_PERIODS - 1, dtype=float)).status == TOO_SHORT
    x = np.arange(20, dtype=float)
    assert detect(x, [i % 3 == 0 for i in range(20)]).status == TOO_SHORT  # 7 usable
    flat = detect(np.full(30, 2.0))
    assert flat.status == TESTED and not flat.shifts and not flat.spikes


def test_thin_periods_are_marked():
    series = pd.DataFrame({
        "period": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1), date(2024, 5, 1)],
        "dimension": ["all"] * 4,
        "events": [9, 2, 7, 0],
        "volume": [100, 100, 100, 0],
        "days_covered": [31, 29, 30, 31],
    })
    thin = {t.period: t.reason for t in thin_periods(series, "month", 5)}
    assert thin == {date(2024, 2, 1): "2 events < 5", date(2024, 3, 1): "no data",
                    date(2024, 5, 1): "no volume"}


# --- a hand-made store --------------------------------------------------------------------------

MONTHS = pd.date_range("2023-01-01", periods=16, freq="MS")
PRK_PER_MONTH = [5, 6, 5, 7, 6, 2, 5, 6, 20, 22, 19, 21, 20, 23, 20, 21]  # shift at 2023-09


def _rows() -> list[str]:
    lines, next_id = [], 1
    for month, n in zip(MONTHS, PRK_PER_MONTH, strict=True):
        day = month.strftime("%Y%m") + "10"
        for k in range(n):
            big = month == pd.Timestamp("2023-09-01") and k == 0
            lines.append(event(next_id, day, "RUS", "PRK", code="190" if big else "042",
                               quad=4 if big else 1, mentions=90 if big else 1 + k % 3,
                               url="http://x.org/artillery-deal" if big
                               else f"http://x.org/{next_id}"))
            next_id += 1
        for _ in range(50 - n):  # the rest of the volume: other news about Russia
            lines.append(event(next_id, day, "RUS", "USA", url=f"http://x.org/{next_id}"))
            next_id += 1
    return lines


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("changes")
    path = write(tmp / "shift.export.CSV", _rows())
    with pivotwatch.open_store(tmp / "shift.duckdb", create=True) as st:
        load_file(st, path, countries=DEFAULT_COUNTRIES, workdir=tmp / "w")
    return tmp / "shift.duckdb"


def test_library_finds_the_planted_shift_with_its_events(db):
    with pivotwatch.open_store(db, read_only=True) as st:
        report = changes("RUS-PRK", store=st, dimensions=["all", "security"], freq="month")
    assert [t.period for t in report.thin] == [date(2023, 6, 1)]  # 2 events < 5
    all_ = report.dimensions[0]
    assert all_.dimension == "all" and all_.status == TESTED and all_.usable == 15
    shifts = [c for c in all_.changes if c.kind == "shift"]
    assert len(shifts) == 1
    shift = shifts[0]
    assert shift.period == date(2023, 9, 1) and shift.direction == "up"
    assert shift.before == pytest.approx(np.mean([5, 6, 5, 7, 6, 5, 6]) * 200)
    assert shift.after == pytest.approx(np.mean(PRK_PER_MONTH[8:]) * 200)
    assert shift.ratio == pytest.approx(shift.after / shift.before)
    assert shift.evidence_periods == [date(2023, 9, 1), date(2023, 10, 1)]
    top = shift.events[0]
    assert top["num_mentions"] == 90 and top["source_url"] == "http://x.org/artillery-deal"
    assert top["day"] == date(2023, 9, 10) and top["event_code"] == "190"
    assert len(shift.events) == 5
    assert all(e["source_url"] for e in shift.events)
    # the security series has one event in all: a spike, or nothing, never a shift
    security = report.dimensions[1]
    assert not [c for c in security.changes if c.kind == "shift"]


def test_cli_lists_the_shift_and_its_top_events(db):
    result = run("--db", str(db), "changes", "--dyad", "RUS-PRK", "--dimension", "all")
    assert result.exit_code == 0, result.output
    assert "2023-09" in result.output and "shift" in result.output
    assert "http://x.org/artillery-deal" in result.output
    assert "2023-06 (2 events < 5)" in result.output
    as_csv = run("--db", str(db), "changes", "--dyad", "RUS-PRK", "--dimension", "all",
                 "--format", "csv")
    rows = list(pd.read_csv(__import__("io").StringIO(as_csv.stdout)).itertuples())
    assert [(r.kind, r.period, r.direction) for r in rows] == [("shift", "2023-09-01", "up")]
    assert "http://x.org/artillery-deal" in rows[0].top_urls


def test_cli_json_file(db, tmp_path):
    target = tmp_path / "changes.json"
    result = run("--db", str(db), "changes", "--dyad", "PRK-RUS", "--dimension", "all",
                 "-o", str(target))
    assert result.exit_code == 0 and "wrote 1 changes" in result.output
    doc = json.loads(target.read_text())
    assert doc["dyad"] == "PRK-RUS" and doc["thin"] == [{"period": "2023-06-01",
                                                         "reason": "2 events < 5"}]
    change = doc["dimensions"][0]["changes"][0]
    assert change["period"] == "2023-09-01" and change["events"][0]["event_id"] > 0


def test_unknown_country_is_a_one_line_error(db):
    result = runner.invoke(app, ["--db", str(db), "changes", "--dyad", "RUS-XYZ"])
    assert result.exit_code == 2
    assert "unknown country code 'XYZ'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with pivotwatch.open_store(db, read_only=True) as st, pytest.raises(UsageError):
        changes("RUS-PRK", store=st, dimensions=["cultural"])


def test_bundled_sample_is_too_thin_for_rus_prk(tmp_path):
    db = str(tmp_path / "demo.duckdb")
    assert run("--db", db, "ingest", "sample").exit_code == 0
    result = run("--db", db, "changes", "--dyad", "RUS-PRK")
    assert result.exit_code == 0, result.output
    assert "too short to test" in result.output
    assert "too thin" in result.output
    assert "holds no RUS-PRK events" in result.output
    assert "shift" not in result.output.split("too short")[0].lower()
