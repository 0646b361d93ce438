"""Hostile input files on the GDELT path: zip bombs, huge and odd lines, stale work dirs.

Big inputs are built at test time and the caps set small through the environment, so each
case takes well under a few seconds. Defects 5, 6 and 11 of issue 9.
"""

from __future__ import annotations

import fcntl
import io
import os
import random
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from gdelt_rows import event, write
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import SourceError
from pivotwatch.settings import DEFAULT_COUNTRIES
from pivotwatch.sources import inputs
from pivotwatch.sources.context import process_workdir
from pivotwatch.sources.gdelt.load import load_file
from pivotwatch.sources.inputs import (
    READER_MAX_LINE,
    BadLines,
    _Lines,
    plain_file,
    read_lines,
    sniff_widths,
)
from pivotwatch.store import open_store

runner = CliRunner()
MiB = 1 << 20


def ingest(tmp_path: Path, *paths: Path):
    return runner.invoke(app, ["--db", str(tmp_path / "s.duckdb"), "ingest", "gdelt",
                               *map(str, paths)])


def rows(n: int, first: int = 1) -> list[str]:
    return [event(i, "20240105", "RUS", "CHN") for i in range(first, first + n)]


def stored(tmp_path: Path, query: str) -> list[tuple]:
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        return st.con.execute(query).fetchall()


def work_files(cache: Path) -> list[Path]:
    """Files left in the work area, other than the lock of a process's own dir."""
    return [p for p in (cache / "work").rglob("*") if p.is_file() and p.name != "lock"]


def bomb(path: Path, size: int) -> Path:
    """A zip of one member of `size` zero bytes, built without holding them in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("bomb.export.CSV", "w") as member:
        block = b"\0" * MiB
        for _ in range(size // MiB):
            member.write(block)
    return path


# -- defect 5: decompression and size caps ------------------------------------------------


def test_zip_bomb_is_refused_from_its_declared_size(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_MEMBER_BYTES", str(MiB))
    zipped = bomb(tmp_path / "bomb.export.CSV.zip", 16 * MiB)
    assert zipped.stat().st_size < MiB
    good = write(tmp_path / "good.export.CSV", rows(3))
    result = ingest(tmp_path, zipped, good)
    assert result.exit_code == 1
    assert (f"{zipped}: the zip member says it expands to 16,777,216 bytes, over the cap of "
            "1,048,576 on one input (PIVOTWATCH_MAX_MEMBER_BYTES); refused") in result.output
    assert stored(tmp_path, "SELECT name, status FROM files ORDER BY status") == [
        (str(zipped), "failed"), (str(good), "loaded")]
    assert stored(tmp_path, "SELECT count(*) FROM events") == [(3,)]
    assert work_files(tmp_path / "cache") == []


def test_a_member_that_expands_past_its_declared_size_is_not_written_past_it(tmp_path):
    """A forged central directory declaring 1 KiB for 8 MiB: zipfile stops at what is
    declared and the CRC fails; nothing is left in the work area."""
    zipped = bomb(tmp_path / "liar.zip", 8 * MiB)
    data = bytearray(zipped.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    assert int.from_bytes(data[central + 24:central + 28], "little") == 8 * MiB
    data[central + 24:central + 28] = (1024).to_bytes(4, "little")  # uncompressed size
    zipped.write_bytes(bytes(data))
    result = ingest(tmp_path, zipped)
    assert result.exit_code == 1
    assert f"{zipped}: not a readable zip (Bad CRC-32" in result.output
    assert work_files(tmp_path / "cache") == []


def test_the_cap_stops_reading_as_soon_as_it_is_passed():
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readinto(self, buffer):
            buffer[:] = b"x" * len(buffer)
            self.read_bytes += len(buffer)
            return len(buffer)

    src = Endless()
    digest = inputs._Digest("endless", 3 * MiB, "the zip member expands to")
    lines = _Lines(READER_MAX_LINE - 1, BadLines(Path("/nonexistent")))
    with pytest.raises(SourceError) as err:
        inputs._pass(src, digest, lines)
    assert str(err.value) == ("endless: the zip member expands to more than 3,145,728 bytes, "
                              "the cap on one input (PIVOTWATCH_MAX_MEMBER_BYTES); refused")
    assert src.read_bytes <= 3 * MiB + inputs.CHUNK


def test_a_plain_file_over_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_MEMBER_BYTES", str(MiB))
    big = tmp_path / "big.export.CSV"
    with big.open("wb") as fh:
        fh.truncate(64 * MiB)  # sparse: takes no disk
    result = ingest(tmp_path, big)
    assert result.exit_code == 1
    assert (f"{big}: 67,108,864 bytes, over the cap of 1,048,576 on one input "
            "(PIVOTWATCH_MAX_MEMBER_BYTES); refused") in result.output


# -- defects 5 and 6: long lines in bounded memory, every line accounted for ---------------


def long_line(size: int, event_id: int = 99) -> str:
    row = event(event_id, "20240105", "RUS", "CHN", url="http://example.org/")
    return row + "x" * (size - len(row))


@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "zip"])
def test_a_40_mb_line_is_a_reject_with_its_number(tmp_path, zipped):
    lines = [*rows(5), long_line(40_000_000), *rows(5, first=6)]
    path = write(tmp_path / "long.export.CSV", lines)
    if zipped:
        with zipfile.ZipFile(tmp_path / "long.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(path, path.name)
        path = tmp_path / "long.zip"
    result = ingest(tmp_path, path)
    assert result.exit_code == 0, result.output
    assert stored(tmp_path, "SELECT line, reason, length(raw) FROM rejects") == [
        (6, "line of 40,000,000 bytes, longer than a GDELT row can be (2 MB)", 2000)]
    assert stored(tmp_path, "SELECT rows_read, rows_kept, rows_rejected FROM files") == [
        (11, 10, 1)]


def test_lines_at_the_readers_limit(tmp_path):
    """The longest line DuckDB takes is a row; one byte more is our reject, not DuckDB's."""
    lines = [*rows(3), long_line(READER_MAX_LINE - 1, event_id=98), long_line(READER_MAX_LINE),
             *rows(3, first=4)]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_file(st, write(tmp_path / "edge.export.CSV", lines),
                           countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        assert (result.rows_read, result.rows_kept, result.rows_rejected) == (8, 7, 1)
        assert st.con.execute("SELECT line, reason FROM rejects").fetchall() == [
            (5, "line of 2,000,000 bytes, longer than a GDELT row can be (2 MB)")]
        assert st.con.execute("SELECT length(source_url) FROM events WHERE event_id = 98"
                              ).fetchone()[0] > 1_999_000


def test_a_huge_line_is_read_in_bounded_memory(tmp_path):
    path = write(tmp_path / "one.export.CSV", [*rows(2), "y" * 60_000_000, *rows(2, first=3)])
    tracemalloc.start()
    try:
        with plain_file(path, tmp_path, "one") as plain:
            widths = sniff_widths(plain.path)
            found = read_lines(plain.path, [1, 3, 4])
            _, peak = tracemalloc.get_traced_memory()
            assert [n for n, _, _ in plain.bad_lines] == [3]
            assert found[3] == b"" and found[4].startswith(b"3\t")
    finally:
        tracemalloc.stop()
    assert set(widths) == {61}
    assert peak < 8 * MiB  # the line is 60 MB: never held


def test_sniffing_and_reading_lines_pass_over_lines_past_the_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_LINE_BYTES", "4096")
    path = write(tmp_path / "raw.tsv", ["a\tb", "z" * 100_000, "c\td\te"])
    widths = sniff_widths(path)  # the probes land in the long line and read the next
    assert widths[:2] == [2, 3] and set(widths) == {2, 3}
    assert read_lines(path, [1, 3]) == {1: b"a\tb", 3: b"c\td\te"}
    with pytest.raises(SourceError, match=r"^line 2 is longer than the 4,096-byte cap"):
        read_lines(path, [2])


def test_a_smaller_line_cap_applies_to_gdelt_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_MAX_LINE_BYTES", "1024")
    lines = [*rows(3), event(9, "20240105", "RUS", "CHN", url="http://e.org/" + "u" * 1500)]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_file(st, write(tmp_path / "cap.export.CSV", lines),
                           countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        assert (result.rows_kept, result.rows_rejected) == (3, 1)
        (reason,) = st.con.execute("SELECT reason FROM rejects").fetchone()
        assert reason.endswith("bytes, over the 1,024-byte cap (PIVOTWATCH_MAX_LINE_BYTES)")


def test_every_physical_line_is_a_row_a_reject_or_blank(tmp_path):
    good = [r.encode() for r in rows(12)]
    physical = [good[0], b"", good[1] + b"\r", good[2].replace(b"\t042\t", b"\t0\r42\t"),
                good[3], b"\r", b"", long_line(3_000_000).encode(), good[4], b"",
                *good[5:], long_line(2_500_000).encode() + b"\r"]  # last: no LF
    path = tmp_path / "mixed.export.CSV"
    path.write_bytes(b"\n".join(physical))
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        with plain_file(path, tmp_path, "mixed") as plain:
            assert (plain.lines, plain.blank_lines) == (len(physical), 4)
            blank = plain.blank_lines
        result = load_file(st, path, countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        assert result.rows_read + blank == len(physical)
        assert (result.rows_kept, result.rows_rejected) == (11, 3)
        assert st.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall() == [
            (4, "carriage return inside the line"),
            (8, "line of 3,000,000 bytes, longer than a GDELT row can be (2 MB)"),
            (len(physical), "line of 2,500,000 bytes, longer than a GDELT row can be (2 MB)")]


def test_millions_of_bad_lines_wait_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(BadLines, "KEEP", 3)
    lines = [r.replace("\t042\t", "\t04\r2\t", 1) if i % 4 == 0 else r
             for i, r in enumerate(rows(20))]
    with open_store(tmp_path / "s.duckdb", create=True) as st:
        result = load_file(st, write(tmp_path / "cr.export.CSV", lines),
                           countries=DEFAULT_COUNTRIES, workdir=tmp_path / "w")
        assert (result.rows_kept, result.rows_rejected) == (15, 5)
        assert st.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line").fetchall() \
            == [(i + 1, "carriage return inside the line", lines[i]) for i in range(0, 20, 4)]


def reference(data: bytes, limit: int) -> tuple[bytes, list, int, int]:
    """What _Lines must make of `data`, one line at a time."""
    out, bad, blank = [], [], 0
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for number, raw in enumerate(lines, 1):
        body = raw.removesuffix(b"\r")
        if len(body) > limit:
            bad.append((number, "long", body[:inputs.RAW_PREFIX]))
            body = b""
        elif b"\r" in body:
            bad.append((number, "cr", body))
            body = b""
        else:
            blank += not body
        out.append(body + b"\n")
    return b"".join(out), bad, len(lines), blank


@pytest.mark.parametrize("seed", range(40))
def test_chunked_lines_match_a_line_by_line_reading(tmp_path, seed):
    rnd = random.Random(seed)
    limit = rnd.randint(3, 12)
    pieces = [b"a", b"bb", b"\t", b"\r", b"\n", b"\r\n", b"\n\n", b"x" * rnd.randint(0, 30)]
    data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 200)))
    buffer = io.BytesIO()
    lines = _Lines(limit, BadLines(tmp_path), out=buffer)
    reused = bytearray(limit)  # as _pass feeds it: one buffer, partly filled
    at = 0
    while at < len(data):
        piece = data[at:at + rnd.randint(1, limit)]
        reused[:len(piece)] = piece
        lines.feed(reused, len(piece))
        at += len(piece)
    lines.close()
    out, bad, count, blank = reference(data, limit)
    got = [(n, "cr" if r == inputs.CR_INSIDE else "long", raw.encode("utf-8", "replace"))
           for n, r, raw in lines.bad]
    assert (lines.lines, lines.blank, got) == (count, blank, bad)
    assert lines.has_cr == (b"\r" in data)
    assert buffer.getvalue() == out  # a last line without its LF gets one


# -- defect 11: work dirs of killed processes ------------------------------------------


def stale_dir(work: Path, name: str) -> Path:
    """A work dir as a killed process leaves it: an unheld lock and a big extract."""
    folder = work / name
    (folder / "input-x").mkdir(parents=True)
    (folder / "lock").touch()
    with (folder / "input-x" / "member").open("wb") as fh:
        fh.truncate(100 * MiB)  # sparse
    return folder


def test_work_dirs_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    work = tmp_path / "cache" / "work"
    dead = stale_dir(work, "999999-1")
    live = stale_dir(work, f"{os.getpid()}-2")
    held = os.open(live / "lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    old_unlocked = work / "input-abc"  # an older version's extract, with no lock
    old_unlocked.mkdir()
    os.utime(old_unlocked, (time.time() - 7200,) * 2)
    young_unlocked = work / ".new-xyz"  # a process making its dir right now
    young_unlocked.mkdir()
    try:
        result = ingest(tmp_path, write(tmp_path / "a.export.CSV", rows(2)))
        assert result.exit_code == 0, result.output
        assert not dead.exists() and not old_unlocked.exists()
        assert (live / "input-x" / "member").is_file() and young_unlocked.is_dir()
        # this process's own dir, now locked, and emptied after the load
        mine = [p for p in work.iterdir() if p.name.startswith(f"{os.getpid()}-")
                and p != live]
        assert len(mine) == 1 and [p.name for p in mine[0].iterdir()] == ["lock"]
    finally:
        os.close(held)


def test_a_killed_process_leaves_nothing_for_long(tmp_path):
    root = tmp_path / "work"
    code = ("import sys, time; from pathlib import Path;"
            "from pivotwatch.sources.context import process_workdir;"
            "d = process_workdir(Path(sys.argv[1]));"
            "(d / 'member').write_bytes(b'x' * 1000); print(d, flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE,
                            text=True)
    try:
        theirs = Path(proc.stdout.readline().strip())
        assert (theirs / "member").is_file()
        mine = process_workdir(root)  # while it lives: its dir stays
        assert theirs.is_dir() and mine != theirs
    finally:
        proc.kill()
        proc.wait()
    from pivotwatch.sources.context import remove_stale_workdirs
    assert remove_stale_workdirs(root) == [theirs]
    assert not theirs.exists() and mine.is_dir()
