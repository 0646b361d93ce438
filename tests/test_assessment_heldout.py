"""The assessment scored against held-out expectations written blind to the code.

`tests/heldout/assessment_expectations.csv` (see its README) gives, for RUS-PRK each year
2015-2025 and each dimension, the range of levels and the direction a careful analyst would
accept, and the 2024 political and military levels of Russia's other partners. The store here
is the demo store (bundled samples and reference tables) with Voeten's full ideal-point files
and the shared sanctions lists, as in the issue-10 backtest; it skips where ../shared is
absent.

Floors sit a little under what was reached. First run, before any rule was changed after
seeing these rows: levels 50/76 (66%), directions 33/72 (46%). The rules were then changed
once (each source votes once on a direction; a level-based signal at the top of the scale in
both windows says nothing), which the issue asks for where the trajectory does not follow the
timeline, and again after a user's review (no published estimate in a window is no data, not
zero; a food shipment speaks to humanitarian too, a veto to security): levels 50/76 (66%),
directions 34/72 (47%). Those later figures are no longer held-out.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pivotwatch.analysis import assessment as engine
from pivotwatch.cli import app
from pivotwatch.store import open_store

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data"
IDEAL = SHARED / "unga" / "ideal_points"
SANCTIONS = SHARED / "sanctions"
LEVEL_FLOOR = 0.62
DIRECTION_FLOOR = 0.42

pytestmark = pytest.mark.skipif(not IDEAL.is_dir() or not SANCTIONS.is_dir(),
                                reason="../shared/data is absent (a fresh clone)")


def score(db: Path) -> tuple[tuple[int, int], tuple[int, int], list[tuple]]:
    """(levels in range, rows), (directions matched, rows with one), the misses."""
    rows = list(csv.DictReader((HERE / "heldout" / "assessment_expectations.csv")
                               .open(encoding="utf-8")))
    found: dict[tuple[str, int], engine.Assessment] = {}
    levels = directions = with_direction = 0
    misses = []
    with open_store(db, read_only=True) as st:
        for r in rows:
            key = (r["dyad"], int(r["year"]))
            if key not in found:
                found[key] = engine.assess(key[0], store=st, as_of=date(key[1], 12, 31),
                                           compare=False)
            j = found[key].judgment(r["dimension"])
            level_ok = j.level is not None and \
                int(r["level_min"]) <= int(j.level) <= int(r["level_max"])
            direction_ok = r["direction"] == "any" or j.direction.value == r["direction"]
            levels += level_ok
            if r["direction"] != "any":
                with_direction += 1
                directions += direction_ok
            if not (level_ok and direction_ok):
                misses.append((*key, r["dimension"], j.level_label, j.direction.value))
    return (levels, len(rows)), (directions, with_direction), misses


def test_held_out_expectations(tmp_path):
    db = tmp_path / "heldout.duckdb"
    runner = CliRunner()
    for args in (["ingest", "sample"], ["ingest", "reference"],
                 ["ingest", "idealpoints", str(IDEAL / "IdealpointestimatesAll_Jun2024.csv"),
                  str(IDEAL / "IdealpointsJuly2025.csv.gz")],
                 ["ingest", "sanctions", str(SANCTIONS / "un_sc"),
                  str(SANCTIONS / "ofac_consolidated"), str(SANCTIONS / "ofac_sdn")]):
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    (levels, rows), (directions, with_direction), misses = score(db)
    assert rows == 76 and with_direction >= 60
    assert levels / rows >= LEVEL_FLOOR, misses
    assert directions / with_direction >= DIRECTION_FLOOR, misses
