"""Planning GDELT downloads from the remote indexes, served locally from real files."""

from __future__ import annotations

import hashlib
import logging
import os
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import GDELT, needs_shared
from httpserver import LocalServer

from pivotwatch.errors import DownloadError, SourceError, UsageError
from pivotwatch.sources import http
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.sources.gdelt.remote import (
    RemoteFile,
    cache_path,
    parse_master_list,
    plan,
    to_download,
)
from pivotwatch.sources.http import download_all

V1_META = GDELT / "v1" / "meta"
V2_EXCERPT = GDELT / "v2" / "meta" / "previous_265_days_since_21_mar_2022.txt"
V2_LASTUPDATE = GDELT / "v2" / "meta" / "gdelt_incremental-file-12-29-2020-08-54-04.txt"
REAL_HOST = "http://data.gdeltproject.org"
MALFORMED = [
    "this is not an index line\n",
    "150383 http://data.gdeltproject.org/gdeltv2/20150218230000.export.CSV.zip\n",
    "12x 0123456789abcdef0123456789abcdef "
    "http://data.gdeltproject.org/gdeltv2/20150218230000.export.CSV.zip\n",
]


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def zipped(csv: Path, folder: Path) -> bytes:
    """The bytes of `csv` zipped as GDELT does (`<csv name>.zip`), built in `folder`."""
    target = folder / f"{csv.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv, csv.name)
    return target.read_bytes()


@pytest.fixture
def server(tmp_path):
    with LocalServer(tmp_path / "www") as srv:
        yield srv


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BASE_DELAY", 0.01)


@pytest.fixture
def v2_site(server, tmp_path):
    """The real 2.0 exports, zipped, behind a masterfilelist.txt naming the real host."""
    work = tmp_path / "csv"
    work.mkdir()
    folder = server.root / "gdeltv2"
    folder.mkdir()
    lines, expected = [], {}
    for csv in sorted((GDELT / "v2" / "events").glob("*.export.CSV")):
        data = zipped(csv, work)
        name = f"{csv.name}.zip"
        (folder / name).write_bytes(data)
        expected[name] = (len(data), md5_of(data))
        lines.append(f"{len(data)} {md5_of(data)} {REAL_HOST}/gdeltv2/{name}\n")
    lines[2:2] = MALFORMED
    lines += V2_LASTUPDATE.read_text().splitlines(keepends=True)
    (folder / "masterfilelist.txt").write_text("".join(lines))
    return expected


def master_list_requests(server) -> int:
    return len(server.requests_for("gdeltv2/masterfilelist.txt"))


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_bad_ranges_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="2020-01-02 is after its end 2020-01-01"):
        plan(2, date(2020, 1, 2), date(2020, 1, 1), base="http://127.0.0.1:9", cache=tmp_path)
    with pytest.raises(UsageError, match="version 3"):
        plan(3, date(2020, 1, 1), date(2020, 1, 1), base="http://127.0.0.1:9", cache=tmp_path)


def test_cache_path_by_version(tmp_path):
    v2 = RemoteFile("u", "20150218230000.export.CSV.zip", None, None, date(2015, 2, 18))
    daily = RemoteFile("u", "20150218.export.CSV.zip", None, None, date(2015, 2, 18))
    yearly = RemoteFile("u", "2005.zip", None, None, date(2005, 1, 1))
    assert cache_path(v2, tmp_path) == tmp_path / "gdelt/v2/20150218230000.export.CSV.zip"
    assert cache_path(daily, tmp_path) == tmp_path / "gdelt/v1/20150218.export.CSV.zip"
    assert cache_path(yearly, tmp_path) == tmp_path / "gdelt/v1/2005.zip"


@needs_shared
def test_v2_plan_rewrites_urls_and_downloads(server, v2_site, tmp_path, caplog):
    cache = tmp_path / "cache"
    with caplog.at_level(logging.WARNING):
        files = plan(2, date(2015, 2, 18), date(2015, 2, 18), base=server.base, cache=cache)
    assert "skipped 3 malformed line(s)" in caplog.text
    assert [f.name for f in files] == sorted(n for n in v2_site if n.startswith("20150218"))
    for f in files:
        assert f.url == f"{server.base}/gdeltv2/{f.name}"
        assert (f.size, f.md5) == v2_site[f.name]
        assert f.day == date(2015, 2, 18) and f.version == 2
    results = list(download_all([to_download(f, cache) for f in files], workers=3, retries=1,
                                policy=AddressPolicy().trusting(server.base)))
    assert len(results) == 4
    for job, result in results:
        assert result == cache / "gdelt" / "v2" / job.dest.name
        assert md5_of(result.read_bytes()) == v2_site[job.dest.name][1]


@needs_shared
def test_v2_malformed_lines_are_skipped_and_counted(v2_site, server):
    lines = (server.root / "gdeltv2" / "masterfilelist.txt").read_text().splitlines()
    scan = parse_master_list(lines, date(2015, 1, 1), date(2020, 12, 31), "http://mirror")
    assert scan.skipped == len(MALFORMED)
    assert len(scan.files) == 6  # five exports plus the 2020-12-29 one; no mentions or gkg
    assert (scan.first, scan.last) == (date(2015, 2, 18), date(2020, 12, 29))
    assert all(f.url.startswith("http://mirror/gdeltv2/") for f in scan.files)


@needs_shared
def test_v2_master_list_is_cached_and_refreshed(server, v2_site, tmp_path):
    cache = tmp_path / "cache"
    cached = cache / "gdelt" / "v2" / "masterfilelist.txt"
    one_day = date(2019, 10, 24), date(2019, 10, 24)
    assert len(plan(2, *one_day, base=server.base, cache=cache)) == 1
    assert len(plan(2, *one_day, base=server.base, cache=cache)) == 1
    assert master_list_requests(server) == 1
    age(cached, 7 * 3600)  # too old
    plan(2, *one_day, base=server.base, cache=cache)
    assert master_list_requests(server) == 2
    # A range past the list's last entry refetches it, unless the copy is only minutes old.
    late = date(2020, 12, 29), date(2021, 1, 5)
    assert len(plan(2, *late, base=server.base, cache=cache)) == 1
    assert master_list_requests(server) == 2
    age(cached, 20 * 60)
    assert len(plan(2, *late, base=server.base, cache=cache)) == 1
    assert master_list_requests(server) == 3
    # The list ends at 2020-12-29 09:00, so that day is not complete in it; 2019 is.
    age(cached, 20 * 60)
    plan(2, *one_day, base=server.base, cache=cache)
    assert master_list_requests(server) == 3
    plan(2, date(2020, 12, 29), date(2020, 12, 29), base=server.base, cache=cache)
    assert master_list_requests(server) == 4


@needs_shared
def test_v2_unreachable_host_falls_back_to_a_covering_cached_list(server, v2_site, tmp_path,
                                                                 caplog):
    cache = tmp_path / "cache"
    plan(2, date(2015, 2, 18), date(2015, 2, 18), base=server.base, cache=cache)
    age(cache / "gdelt" / "v2" / "masterfilelist.txt", 7 * 3600)
    with LocalServer(tmp_path / "gone") as gone:
        dead = gone.base
    with caplog.at_level(logging.WARNING):
        files = plan(2, date(2015, 2, 18), date(2015, 2, 18), base=dead, cache=cache,
                     retries=0)
    assert len(files) == 4 and "using the cached copy" in caplog.text
    assert all(f.url.startswith(dead) for f in files)
    with pytest.raises(DownloadError, match="masterfilelist.txt"):
        plan(2, date(2021, 1, 1), date(2021, 1, 1), base=dead, cache=cache, retries=0)


@needs_shared
def test_v2_empty_range_names_what_the_index_covers(server, v2_site, tmp_path):
    with pytest.raises(UsageError, match="index covers 2015-02-18 to 2020-12-29"):
        plan(2, date(2010, 1, 1), date(2010, 1, 31), base=server.base, cache=tmp_path)


def test_v2_html_instead_of_master_list(server, tmp_path):
    server.html.add("/gdeltv2/masterfilelist.txt")
    with pytest.raises(SourceError, match="not a GDELT index"):
        plan(2, date(2015, 2, 18), date(2015, 2, 18), base=server.base, cache=tmp_path)
    assert not (tmp_path / "gdelt" / "v2" / "masterfilelist.txt").exists()


@needs_shared
def test_v2_real_master_list_excerpt(server, tmp_path):
    (server.root / "gdeltv2").mkdir()
    (server.root / "gdeltv2" / "masterfilelist.txt").write_bytes(V2_EXCERPT.read_bytes())
    lines = V2_EXCERPT.read_text().splitlines()
    of_day = [line.split() for line in lines if "/20220318" in line]
    assert 90 <= len(of_day) <= 96
    files = plan(2, date(2022, 3, 18), date(2022, 3, 18), base=server.base, cache=tmp_path)
    assert len(files) == len(of_day)
    assert [f.name for f in files] == sorted(url.rsplit("/", 1)[1] for _, _, url in of_day)
    by_name = {url.rsplit("/", 1)[1]: (int(size), md5) for size, md5, url in of_day}
    for f in files:
        assert f.url == f"{server.base}/gdeltv2/{f.name}"
        assert (f.size, f.md5) == by_name[f.name]
        assert f.day == date(2022, 3, 18)
    everything = plan(2, date(2022, 3, 1), date(2022, 3, 31), base=server.base, cache=tmp_path)
    assert len(everything) == len(lines) == 365


@needs_shared
def test_v1_plan_and_download(server, tmp_path):
    """Zipped real exports named like 1.0 daily files, with md5sums and filesizes indexes."""
    events = server.root / "events"
    events.mkdir()
    work = tmp_path / "csv"
    work.mkdir()
    md5s = [f"{'f' * 32}  GDELT.MASTERREDUCEDV2.1979-2013.zip\n"]
    sizes = ["1088704384 GDELT.MASTERREDUCEDV2.1979-2013.zip\n"]
    expected = {}
    csvs = sorted((GDELT / "v2" / "events").glob("*.export.CSV"))
    for day, csv in enumerate(csvs, start=18):
        data = zipped(csv, work)
        name = f"201502{day}.export.CSV.zip"
        (events / name).write_bytes(data)
        expected[name] = (len(data), md5_of(data))
        md5s.append(f"{md5_of(data)}  {name}\n")
        sizes.append(f"{len(data)} {name}\n")
    (events / "md5sums").write_text("".join(md5s))
    (events / "filesizes").write_text("".join(sizes))
    cache = tmp_path / "cache"
    files = plan(1, date(2015, 2, 19), date(2015, 2, 21), base=server.base, cache=cache)
    assert [f.name for f in files] == [f"201502{d}.export.CSV.zip" for d in (19, 20, 21)]
    assert all(f.url == f"{server.base}/events/{f.name}" for f in files)
    for job, result in download_all([to_download(f, cache) for f in files], workers=2,
                                    retries=1, policy=AddressPolicy().trusting(server.base)):
        assert result == cache / "gdelt" / "v1" / job.dest.name
        assert (job.size, md5_of(result.read_bytes())) == expected[job.dest.name]


def real_v1_index(path: str) -> dict[str, str]:
    """{filename: value} read straight from a real 1.0 index file."""
    pairs = {}
    for line in (V1_META / path).read_text().splitlines():
        value, name = line.split()
        pairs[name] = value
    return pairs


@needs_shared
def test_v1_real_indexes(server, tmp_path):
    events = server.root / "events"
    events.mkdir()
    for name in ("md5sums", "filesizes"):
        (events / name).write_bytes((V1_META / name).read_bytes())
    md5s, sizes = real_v1_index("md5sums"), real_v1_index("filesizes")
    assert len(md5s) == len(sizes) == 2940

    def names(start: date, end: date) -> list[str]:
        files = plan(1, start, end, base=server.base, cache=tmp_path)
        for f in files:
            assert (f.size, f.md5) == (int(sizes[f.name]), md5s[f.name])
        return [f.name for f in files]

    three = plan(1, date(2015, 2, 10), date(2015, 2, 12), base=server.base, cache=tmp_path)
    assert [f.name for f in three] == [f"201502{d}.export.CSV.zip" for d in (10, 11, 12)]
    assert three[0].md5 == md5s["20150210.export.CSV.zip"]
    assert three[0].day == date(2015, 2, 10) and three[0].size == int(sizes[three[0].name])
    assert names(date(2005, 3, 1), date(2005, 6, 30)) == ["2005.zip"]
    assert names(date(2005, 12, 20), date(2006, 2, 3)) == ["2005.zip", "200601.zip",
                                                           "200602.zip"]
    assert names(date(2013, 3, 30), date(2013, 4, 2)) == [
        "201303.zip", "20130401.export.CSV.zip", "20130402.export.CSV.zip"]
    everything = names(date(1979, 1, 1), date(2020, 12, 31))
    assert len(everything) == 2939 and not any("MASTER" in n for n in everything)
    with pytest.raises(UsageError, match="index covers 1979-01-01 to 2020-12-28"):
        plan(1, date(2021, 1, 1), date(2021, 1, 31), base=server.base, cache=tmp_path)
    # Both indexes were fetched once; the later plans used the cached copies.
    assert len(server.requests) == 2
