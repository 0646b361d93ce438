"""The downloader against a local server, with zips of the real GDELT 2.0 exports."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest
from conftest import GDELT, needs_shared
from httpserver import LocalServer

from pivotwatch.errors import DownloadError, IntegrityError
from pivotwatch.sources import http
from pivotwatch.sources.http import Download, download, download_all, fetch_text, part_path

pytestmark = needs_shared

EXPORTS = sorted((GDELT / "v2" / "events").glob("*.export.CSV"))


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> dict[str, bytes]:
    """{name: bytes} of each real export zipped as GDELT does (`<stamp>.export.CSV.zip`)."""
    folder = tmp_path_factory.mktemp("zips")
    out = {}
    for csv in EXPORTS:
        target = folder / f"{csv.name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(csv, csv.name)
        out[target.name] = target.read_bytes()
    assert len(out) == 5
    return out


@pytest.fixture
def server(tmp_path, zips):
    with LocalServer(tmp_path / "www") as srv:
        folder = srv.root / "gdeltv2"
        folder.mkdir()
        for name, data in zips.items():
            (folder / name).write_bytes(data)
        yield srv


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BASE_DELAY", 0.01)
    # The local server is on loopback, which the address policy refuses by default.
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1")


def first(zips) -> tuple[str, bytes]:
    return next(iter(zips.items()))


def test_plain_download(server, zips, tmp_path):
    name, data = first(zips)
    dest = download(server.url(f"gdeltv2/{name}"), tmp_path / "out" / name, size=len(data),
                    md5=md5_of(data), retries=2)
    assert dest.read_bytes() == data
    assert not part_path(dest).exists()


def test_resume_after_interrupted_transfer(server, zips, tmp_path):
    name, data = first(zips)
    path = f"/gdeltv2/{name}"
    server.cut_after[path] = 50_000
    dest = download(server.url(path), tmp_path / name, size=len(data), md5=md5_of(data),
                    retries=2)
    first_request, second = server.requests_for(path)
    assert "range" not in first_request.headers
    assert second.headers["range"] == "bytes=50000-"
    assert md5_of(dest.read_bytes()) == md5_of(data)


def test_resume_of_a_part_left_by_an_earlier_run(server, zips, tmp_path):
    name, data = first(zips)
    dest = tmp_path / name
    part_path(dest).write_bytes(data[:12_345])
    download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=md5_of(data), retries=0)
    (request,) = server.requests_for(f"gdeltv2/{name}")
    assert request.headers["range"] == "bytes=12345-"
    assert dest.read_bytes() == data


def test_server_ignoring_range_restarts_from_zero(server, zips, tmp_path):
    name, data = first(zips)
    dest = tmp_path / name
    part_path(dest).write_bytes(b"junk that must not stay in front of the file")
    server.ignore_range.add(f"/gdeltv2/{name}")
    download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=md5_of(data), retries=0)
    assert dest.read_bytes() == data


def test_retry_after_server_errors(server, zips, tmp_path):
    name, data = first(zips)
    server.fail_first[f"/gdeltv2/{name}"] = 2
    dest = download(server.url(f"gdeltv2/{name}"), tmp_path / name, size=len(data),
                    md5=md5_of(data), retries=2)
    assert dest.read_bytes() == data
    assert len(server.requests_for(f"gdeltv2/{name}")) == 3


def test_exhausted_retries_raise_download_error(server, zips, tmp_path):
    name, data = first(zips)
    server.fail_first[f"/gdeltv2/{name}"] = 10
    url = server.url(f"gdeltv2/{name}")
    with pytest.raises(DownloadError, match="HTTP 500") as err:
        download(url, tmp_path / name, size=len(data), md5=None, retries=2)
    assert url in str(err.value) and "\n" not in str(err.value)
    assert len(server.requests_for(f"gdeltv2/{name}")) == 3
    assert not (tmp_path / name).exists()


def test_md5_mismatch_raises_and_leaves_nothing(server, zips, tmp_path):
    name, data = first(zips)
    dest = tmp_path / name
    wrong = "0" * 32
    with pytest.raises(IntegrityError) as err:
        download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=wrong, retries=2)
    message = str(err.value)
    assert name in message and wrong in message and md5_of(data) in message
    assert "\n" not in message
    assert not dest.exists() and not part_path(dest).exists()
    assert len(server.requests_for(f"gdeltv2/{name}")) == 1


def test_html_page_instead_of_zip_raises_integrity_error(server, zips, tmp_path):
    name, data = first(zips)
    server.html.add(f"/gdeltv2/{name}")
    dest = tmp_path / name
    with pytest.raises(IntegrityError, match=f"{name}: size mismatch: expected {len(data)}"):
        download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=md5_of(data),
                 retries=2)
    assert not dest.exists() and not part_path(dest).exists()


def test_404_raises_download_error_without_retrying(server, tmp_path):
    url = server.url("gdeltv2/20150218230000.mentions.CSV.zip")
    with pytest.raises(DownloadError, match="HTTP 404") as err:
        download(url, tmp_path / "x.zip", size=None, md5=None, retries=3)
    assert url in str(err.value)
    assert len(server.requests) == 1


def test_connection_refused_is_retried_then_fails(tmp_path):
    with LocalServer(tmp_path / "gone") as gone:
        url = gone.url("gdeltv2/x.zip")
    with pytest.raises(DownloadError, match="failed after 2 attempt"):
        download(url, tmp_path / "x.zip", size=None, md5=None, retries=1, timeout=5)


def test_cache_hit_makes_no_request(server, zips, tmp_path):
    name, data = first(zips)
    dest = tmp_path / name
    dest.write_bytes(data)
    assert download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=md5_of(data),
                    retries=2) == dest
    assert server.requests == []


def test_stale_cached_copy_is_replaced(server, zips, tmp_path):
    name, data = first(zips)
    dest = tmp_path / name
    dest.write_bytes(b"X" + data[1:])
    download(server.url(f"gdeltv2/{name}"), dest, size=len(data), md5=md5_of(data), retries=0)
    assert dest.read_bytes() == data
    assert len(server.requests) == 1


def test_parallel_download_yields_each_result(server, zips, tmp_path):
    server.delay = 0.2
    jobs = [Download(server.url(f"gdeltv2/{name}"), tmp_path / "dl" / name, len(data),
                     md5_of(data)) for name, data in zips.items()]
    missing = Download(server.url("gdeltv2/19990101000000.export.CSV.zip"),
                       tmp_path / "dl" / "missing.zip")
    results = dict(download_all([*jobs, missing], workers=4, retries=1))
    assert set(results) == {*jobs, missing}
    assert isinstance(results[missing], DownloadError)
    for job in jobs:
        assert results[job] == job.dest
        assert md5_of(job.dest.read_bytes()) == job.md5
    assert server.max_active > 1


def test_download_all_of_nothing_yields_nothing():
    assert list(download_all([], workers=4, retries=1)) == []


def test_fetch_text_reuses_a_young_copy(server, tmp_path):
    (server.root / "index.txt").write_text("one\n")
    dest = tmp_path / "index.txt"
    url = server.url("index.txt")
    assert fetch_text(url, dest, 3600).read_text() == "one\n"
    (server.root / "index.txt").write_text("two\n")
    assert fetch_text(url, dest, 3600).read_text() == "one\n"
    assert len(server.requests) == 1
    old = time.time() - 7200
    os.utime(dest, (old, old))
    assert fetch_text(url, dest, 3600).read_text() == "two\n"
    assert len(server.requests) == 2


def test_failed_fetch_text_keeps_the_old_copy(server, tmp_path):
    dest = tmp_path / "index.txt"
    dest.write_text("old\n")
    os.utime(dest, (0, 0))
    with pytest.raises(DownloadError):
        fetch_text(server.url("index.txt"), dest, 60, retries=0)
    assert Path(dest).read_text() == "old\n"
