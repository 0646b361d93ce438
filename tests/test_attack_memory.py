"""Memory of the record loaders stays bounded whatever the input (issue 9, defect 5).

A UN votes file is read a block at a time into a scratch database that spills to disk, so a
file of many short rows costs about what the store's insert of its votes costs; loaders that
hold a file's records in Python refuse, in one line, a file bigger than several times the
largest real one. The full measurement at the default caps is benchmarks/ingest_rss.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pivotwatch.errors import QualityError, SourceError
from pivotwatch.sources import comtrade, records, reference, unga
from pivotwatch.sources import sanctions as sanctions_pkg
from pivotwatch.sources.reference import load_timeline
from pivotwatch.sources.sanctions import load_sanctions
from pivotwatch.store import open_store
from pivotwatch.taxonomy.countrycodes import to_iso3

CLI = Path(sys.executable).parent / "pivotwatch"
MiB = 1 << 20
# ISO2 codes of distinct countries (SU and RU are both Russia)
ISO2 = list({to_iso3(a + b, "iso2"): a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
             for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if to_iso3(a + b, "iso2")}.values())


def _votes(path: Path, rows: int, vote: str = "yes") -> Path:
    """`rows` distinct votes in the shortest form (~15 bytes a row)."""
    n = len(ISO2)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("rcid,country,country_code,vote\n")
        for start in range(0, rows, 50_000):
            fh.write("".join(f"{i // n + 1},,{ISO2[i % n]},{vote}\n"
                             for i in range(start, min(start + 50_000, rows))))
    return path


# The child reports its own high-water mark (VmHWM, reset by exec): the rusage of a forked
# child also counts the pages it shared with this test process before exec.
_MEASURED = """import atexit, sys
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(hwm_file, 'w').write(line.split()[1])
atexit.register(_hwm)
hwm_file, sys.argv = sys.argv[1], ['pivotwatch', *sys.argv[2:]]
from pivotwatch.cli import main
main()
"""


def _child(tmp_path: Path, *args: str) -> tuple[int, int, str]:
    """(exit code, peak RSS in bytes, output) of `pivotwatch ...` in a fresh process."""
    env = {**os.environ, "PIVOTWATCH_CACHE": str(tmp_path / "cache")}
    hwm = tmp_path / "hwm.txt"
    proc = subprocess.run([sys.executable, "-c", _MEASURED, str(hwm), *args],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                          cwd=tmp_path, check=False)
    return proc.returncode, int(hwm.read_text()) * 1024, proc.stdout.decode()


@pytest.mark.skipif(not CLI.exists(), reason="the pivotwatch console script is not installed")
def test_a_votes_file_of_short_rows_is_read_in_blocks_with_bounded_memory(tmp_path):
    # 300,000 votes (4.4 MB). The whole-file reader peaked at ~390 bytes a row over the
    # process's ~250 MB (670 MB for un_votes.csv); read in blocks into the scratch database it
    # is the store's insert that costs (~135 bytes a vote): 2.6M votes, the cap, peak ~0.9 GB.
    f = _votes(tmp_path / "votes.csv", 300_000)
    db = str(tmp_path / "s.duckdb")
    rc, rss, output = _child(tmp_path, "--db", db, "ingest", "unvotes", str(f))
    assert rc == 0, output
    assert rss < 450 * MiB, f"peak RSS {rss / MiB:.0f} MiB"
    with open_store(db) as st:
        assert st.con.execute("SELECT count(*) FROM un_votes").fetchall() == [(300_000,)]
    # the scratch database is gone with the load
    assert not list((tmp_path / "cache" / "work").glob("*/unga-*"))


@pytest.mark.skipif(not CLI.exists(), reason="the pivotwatch console script is not installed")
def test_a_votes_file_of_rejects_fails_at_the_reject_cap_with_bounded_memory(tmp_path):
    # 400,000 rows that are all rejects (6 MB): the whole-file reader held every reject as a
    # Python object with its raw text (~850 bytes a row: ~590 MB here, 1.3 GB at 16 MB); now
    # they are counted in the scratch database and the file fails at 250,000.
    f = _votes(tmp_path / "votes.csv", 400_000, vote="maybe")
    rc, rss, output = _child(tmp_path, "--db", str(tmp_path / "s.duckdb"), "ingest", "unvotes",
                             str(f))
    assert rc == 1 and "more than 250,000 rows rejected; not a unvotes-votes file" in output
    assert "Traceback" not in output
    assert rss < 400 * MiB, f"peak RSS {rss / MiB:.0f} MiB"


def test_a_votes_file_over_its_row_cap_fails_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(unga.MAX_ROWS, "unvotes-votes", 1000)
    f = _votes(tmp_path / "votes.csv", 1001)
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            unga.load_file(st, f)
        assert str(info.value) == (f"{f}: more than 1,000 rows, the most a unvotes-votes file "
                                   "may hold (about three times the largest real one); split it")
        assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]
        assert st.con.execute("SELECT count(*) FROM un_votes").fetchall() == [(0,)]
        # at the cap it loads
        g = _votes(tmp_path / "votes2.csv", 1000)
        assert unga.load_file(st, g).rows_kept == 1000


def test_a_votes_file_of_rejects_stops_at_the_reject_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(unga, "MAX_REJECTS", 100)
    monkeypatch.setattr(records, "MAX_REJECTS", 100)
    f = _votes(tmp_path / "votes.csv", 500, vote="maybe")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(QualityError) as info:
            unga.load_file(st, f)
        assert str(info.value) == (f"{f}: more than 100 rows rejected; not a unvotes-votes "
                                   "file (line 2: vote 'maybe' is not yes, no or abstain)")
        assert st.con.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]


def test_countries_without_a_code_each_cost_one_key_and_unmapped_ones_stop_early(
        tmp_path, monkeypatch):
    monkeypatch.setattr(unga, "MAX_REJECTS", 50)
    monkeypatch.setattr(records, "MAX_REJECTS", 50)
    f = tmp_path / "votes.csv"
    f.write_text("rcid,country,country_code,vote\n"
                 + "".join(f"{i},Nowhere {i},,yes\n" for i in range(1, 200)))
    with open_store(tmp_path / "s.duckdb", create=True) as st, pytest.raises(QualityError) as info:
        unga.load_file(st, f)
    assert "more than 50 rows rejected; not a unvotes-votes file" in str(info.value)


def test_a_comtrade_file_over_its_record_cap_fails_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(comtrade, "MAX_RECORDS", 10)
    f = tmp_path / "flows.csv"
    f.write_text("reporter_iso,partner_iso,ref_year,flow_desc,cmd_code,primary_value\n"
                 + "".join(f"USA,RUS,{2000 + i},M,TOTAL,1\n" for i in range(11)))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            comtrade.load_comtrade(st, f)
        assert str(info.value) == (f"{f}: more than 10 records, the most a Comtrade file may "
                                   "hold (about 3.5 times the largest real one); split it")
        assert st.con.execute("SELECT status FROM files").fetchall() == [("failed",)]


def test_a_sanctions_list_over_its_cap_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(sanctions_pkg, "MAX_XML_BYTES", 4096)
    f = tmp_path / "list.xml"
    f.write_text('<CONSOLIDATED_LIST><INDIVIDUALS>' + "<INDIVIDUAL/>" * 400
                 + "</INDIVIDUALS></CONSOLIDATED_LIST>")
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            load_sanctions(st, f)
        assert str(info.value) == (f"{f}: over 4,096 bytes once decompressed, the most a "
                                   "sanctions list (held in memory while it is parsed) may hold")
        monkeypatch.setattr(sanctions_pkg, "MAX_FTM_BYTES", 100)
        g = tmp_path / "ftm.json"
        g.write_text("".join(f'{{"id":"x{i}","schema":"Person"}}\n' for i in range(10)))
        with pytest.raises(SourceError, match="the most a FollowTheMoney file"):
            load_sanctions(st, g)


def test_a_sanctions_list_of_rejects_stops_at_the_reject_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "MAX_REJECTS", 20)
    f = tmp_path / "list.xml"
    f.write_text('<CONSOLIDATED_LIST><INDIVIDUALS>' + "<INDIVIDUAL/>" * 100
                 + "</INDIVIDUALS></CONSOLIDATED_LIST>")
    with open_store(tmp_path / "s.duckdb", create=True) as st, pytest.raises(QualityError) as info:
        load_sanctions(st, f)
    assert str(info.value) == (f"{f}: more than 20 rows rejected; not a un-sc-xml file "
                               "(record 1: entry without an id)")


def test_a_reference_table_over_its_cap_is_refused_while_read(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "MAX_TABLE_BYTES", 4096)
    f = tmp_path / "timeline.csv"
    f.write_text("date,date_precision,actor1,actor2,dimension,event_type,description,"
                 "source_url,confidence\n"
                 + "".join(f"2000,year,RUS,,diplomatic,x,{i},http://a,high\n"
                           for i in range(200)))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with pytest.raises(SourceError) as info:
            load_timeline(st, f)
        assert str(info.value) == (f"{f}: over 4,096 bytes once decompressed, the most a "
                                   "reference table (held in memory while it is parsed) may "
                                   "hold")
        assert st.con.execute("SELECT count(*) FROM reference_events").fetchall() == [(0,)]
