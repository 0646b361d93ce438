"""Hostile downloads (issue 9, defects 7 and 8): the address policy on every GDELT download
path and every redirect hop, the per-file deadline, the size cap, and stopping promptly.

Every server here listens on 127.0.0.1. Refusals of other addresses (link-local, private,
a public address for the rebinding check) are tested with name resolution and connecting
monkeypatched, so that no packet ever leaves the machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gdelt_rows import event
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import DownloadError, IntegrityError, SourceError
from pivotwatch.sources import http
from pivotwatch.sources.fetch import AddressPolicy, target
from pivotwatch.sources.http import Download, download, download_all, part_path
from pivotwatch.store import open_store

runner = CliRunner()
LOOPBACK_REFUSED = ("refused: 127.0.0.1 is a loopback address (pass --allow-private or set "
                    "PIVOTWATCH_ALLOW_PRIVATE_URLS to allow it)")


def export(first_id: int, rows: int = 3) -> bytes:
    """A small GDELT 2.0 export with unique ids."""
    return "".join(event(first_id + i, "20240101", "RUS", "PRK") + "\n"
                   for i in range(rows)).encode()


def zipped(name: str, data: bytes) -> bytes:
    """`data` as GDELT zips it: one member named like the zip without `.zip`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name.removesuffix(".zip"), data)
    return buffer.getvalue()


class Site:
    """A local server on 127.0.0.1. `routes[path]` is one of:

    * `("file", data)`: the bytes, with Content-Length, honouring `Range: bytes=N-`;
    * `("unsized", data)`: the bytes with no Content-Length, ended by closing;
    * `("redirect", location)`: 302 to `location`;
    * `("trickle", data, head, interval)`: on the first request, `head` bytes at once, then
      one byte every `interval` seconds; later requests are answered as `file`.
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.sent: dict[str, int] = {}  # body bytes written per path
        self.closing = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - the name http.server calls
                site.requests.append((self.path, self.headers.get("Range")))
                site.answer(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # clients hanging up on a trickle are the point of these tests

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(h.path)
        if route is None:
            return self._plain(h, 404, b"not found\n")
        kind = route[0]
        if kind == "redirect":
            h.send_response(302)
            h.send_header("Location", route[1])
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif kind == "unsized":
            h.send_response(200)
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(route[1])
            h.close_connection = True
        elif kind == "trickle" and self.hits(h.path) == 1:
            data, head, interval = route[1:]
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[:head])
            h.wfile.flush()
            self.sent[h.path] = head
            for i in range(head, len(data)):
                if self.closing.wait(interval):
                    return
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
                self.sent[h.path] = i + 1
        else:
            self._file(h, route[1])

    def _file(self, h: BaseHTTPRequestHandler, data: bytes) -> None:
        start = 0
        if (rng := h.headers.get("Range", "")).startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        h.send_response(206 if start else 200)
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.send_header("Content-Length", str(len(data) - start))
        h.end_headers()
        h.wfile.write(data[start:])

    def _plain(self, h: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


@pytest.fixture
def site():
    with Site() as s:
        yield s


@pytest.fixture
def other():
    with Site() as s:
        yield s


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BASE_DELAY", 0.01)


@pytest.fixture
def no_packets(monkeypatch):
    """Name resolution from a table, and any attempt to connect recorded and refused."""
    names: dict[str, list[str]] = {}
    resolved: list[str] = []
    connects: list[object] = []

    def getaddrinfo(host, port, *args, **kwargs):
        resolved.append(host)
        addresses = names[host]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    def refuse(address, *args, **kwargs):
        connects.append(address)
        raise ConnectionRefusedError("connecting is not allowed in this test")

    def refuse_method(self, address):
        refuse(address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse_method)
    return names, resolved, connects


def run(*args: str):
    return runner.invoke(app, list(args))


def loaded(db: Path) -> list[tuple[str, str]]:
    with open_store(db) as st:
        return st.con.execute("SELECT name, status FROM files ORDER BY name").fetchall()


def one_line(text: str) -> str:
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if "refused" in line or "deadline" in line]
    assert lines, text
    return lines[0]


# --- defect 7: the address policy -------------------------------------------------------------


@pytest.mark.parametrize(("url", "why"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://metadata.example/computeMetadata/v1/", "metadata.example is 169.254.169.254, a "
                                                    "link-local address"),
    ("http://intranet.example:8080/x.zip", "intranet.example is 10.1.2.3, a private address"),
    ("http://[::ffff:10.0.0.1]/x.zip", "a private address"),  # its spelling varies by Python
    ("https://0.0.0.0/x.zip", "0.0.0.0 is an unspecified address"),
    ("http://dual.example/x.zip", "dual.example is 192.168.1.1, a private address"),
])
def test_private_addresses_are_refused_before_any_connection(no_packets, tmp_path, url, why):
    names, _, connects = no_packets
    names.update({"metadata.example": ["169.254.169.254"], "intranet.example": ["10.1.2.3"],
                  "dual.example": ["93.184.216.34", "192.168.1.1"]})
    with pytest.raises(SourceError) as err:
        download(url, tmp_path / "x.zip", size=None, md5=None, retries=2)
    message = str(err.value)
    assert why in message and "pass --allow-private" in message and "\n" not in message
    assert connects == [] and not (tmp_path / "x.zip").exists()


def test_only_http_and_https(no_packets, tmp_path):
    *_, connects = no_packets
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x.zip", "gopher://127.0.0.1:70/x"):
        with pytest.raises(SourceError, match="only http and https URLs can be fetched"):
            download(url, tmp_path / "x", size=None, md5=None, retries=0,
                     policy=AddressPolicy(allow_all=True))
    assert connects == []


@pytest.mark.parametrize(("url", "why"), [
    ("http://[::1/x.zip", "not a valid URL: Invalid IPv6 URL"),
    ("http://127.0.0.1/a\x01b.zip", "not a valid URL: Invalid non-printable ASCII character"),
    ("http://127.0.0.1:99999/x.zip", "bad port"),
    ("http://user:pw@127.0.0.1/x.zip", "URLs with a user name or password are not fetched"),
])
def test_malformed_urls_are_one_line_refusals(no_packets, tmp_path, url, why):
    *_, connects = no_packets
    with pytest.raises(SourceError, match=f"^{re.escape(url)}: {why}"):
        download(url, tmp_path / "x.zip", size=None, md5=None, retries=2,
                 policy=AddressPolicy(allow_all=True))
    assert connects == []


def test_the_checked_address_is_the_one_connected(no_packets, tmp_path):
    """No DNS rebinding: the name is resolved once per attempt, and the connection goes to
    the address that was checked, never to a name the socket layer resolves again."""
    names, resolved, connects = no_packets
    names["mirror.example"] = ["93.184.216.34"]
    with pytest.raises(DownloadError, match="failed after 2 attempt"):
        download("http://mirror.example/x.zip", tmp_path / "x.zip", size=None, md5=None,
                 retries=1)
    assert resolved == ["mirror.example"] * 2
    assert [tuple(a)[:2] for a in connects] == [("93.184.216.34", 80)] * 2
    # The name now answers with a private address: the next attempt is refused, not made.
    names["mirror.example"] = ["127.0.0.1"]
    with pytest.raises(SourceError, match="mirror.example is 127.0.0.1, a loopback address"):
        download("http://mirror.example/x.zip", tmp_path / "x.zip", size=None, md5=None,
                 retries=1)
    assert len(connects) == 2


def test_target_keeps_the_name_for_host_and_tls():
    direct, headers, extensions = target("https://127.0.0.1:8443/a?b=1",
                                         AddressPolicy(allow_all=True), "label")
    assert direct == "https://127.0.0.1:8443/a?b=1" and headers == {"Host": "127.0.0.1:8443"}
    assert extensions == {"sni_hostname": "127.0.0.1"}


def test_trusted_origin_is_scheme_host_and_port():
    policy = AddressPolicy().trusting("http://127.0.0.1:8000/")
    assert policy.trusted == {("http", "127.0.0.1", 8000)}
    target("http://127.0.0.1:8000/gdeltv2/x.zip", policy, "ok")
    for url in ("http://127.0.0.1:8001/x", "https://127.0.0.1:8000/x", "http://localhost:8000/"):
        with pytest.raises(SourceError, match="loopback address"):
            target(url, policy, url)
    assert AddressPolicy().trusting("not a url").trusted == frozenset()


def test_cli_refuses_the_metadata_address(no_packets):
    *_, connects = no_packets
    result = run("ingest", "gdelt", "http://169.254.169.254/latest/meta-data/iam/x.CSV")
    assert result.exit_code == 1
    assert ("http://169.254.169.254/latest/meta-data/iam/x.CSV: refused: 169.254.169.254 is "
            "a link-local address (pass --allow-private") in result.output
    assert connects == []


def test_range_download_from_the_built_in_host_checks_its_address(no_packets, monkeypatch):
    """Only a base the user set is trusted: the built-in host resolving to a private address
    is refused for the index."""
    names, _, connects = no_packets
    monkeypatch.delenv("PIVOTWATCH_GDELT_BASE")
    names["data.gdeltproject.org"] = ["10.0.0.7"]
    result = run("ingest", "gdelt", "--from", "2015-02-18", "--to", "2015-02-18")
    assert result.exit_code == 1
    assert ("http://data.gdeltproject.org/gdeltv2/masterfilelist.txt: refused: "
            "data.gdeltproject.org is 10.0.0.7, a private address") in result.output
    assert connects == []


def test_loopback_url_refused_without_allow_private_and_loaded_with_it(site, tmp_path,
                                                                       monkeypatch):
    site.routes["/a.export.CSV"] = ("file", export(1))
    url = site.url("/a.export.CSV")
    db = tmp_path / "store.duckdb"
    refused = run("ingest", "gdelt", url)
    assert refused.exit_code == 1
    # the only file: its reason is the command's one error line, and status lists it
    assert refused.output == f"error: {url}: {LOOPBACK_REFUSED}\n"
    assert site.requests == [] and loaded(db) == [(url, "failed")]
    allowed = run("ingest", "gdelt", "--allow-private", url)
    assert allowed.exit_code == 0, allowed.output
    assert loaded(db) == [(url, "loaded")]
    # The setting allows it too (a network containing the address).
    site.routes["/b.export.CSV"] = ("file", export(10))
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.0/8")
    assert run("ingest", "gdelt", site.url("/b.export.CSV")).exit_code == 0
    assert len(loaded(db)) == 2


def test_url_redirected_to_loopback_is_refused_at_that_hop(site, other, tmp_path, monkeypatch):
    """A URL on a private address the user allowed may still not redirect elsewhere private."""
    monkeypatch.setenv("PIVOTWATCH_ALLOW_PRIVATE_URLS", "127.0.0.1/32")
    other.routes["/secret"] = ("file", b"secret")
    site.routes["/a.export.CSV"] = ("redirect", "http://[::1]:9/secret")
    url = site.url("/a.export.CSV")
    result = run("ingest", "gdelt", url)
    assert result.exit_code == 1
    assert (f"{url}: redirected to http://[::1]:9/secret: refused: ::1 is a loopback address"
            in result.output)


def master_list(site: Site, files: dict[str, bytes]) -> None:
    lines = [f"{len(data)} {hashlib.md5(data, usedforsecurity=False).hexdigest()} "
             f"http://data.gdeltproject.org/gdeltv2/{name}" for name, data in files.items()]
    site.routes["/gdeltv2/masterfilelist.txt"] = ("file", ("\n".join(lines) + "\n").encode())


def test_redirect_from_the_trusted_base_to_another_port_is_refused(site, other, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_GDELT_BASE", site.base)
    other.routes["/gdeltv2/masterfilelist.txt"] = ("file", b"whatever")
    site.routes["/gdeltv2/masterfilelist.txt"] = ("redirect",
                                                  other.url("/gdeltv2/masterfilelist.txt"))
    result = run("ingest", "gdelt", "--from", "2024-01-01", "--to", "2024-01-01")
    assert result.exit_code == 1
    assert (f"error: {site.base}/gdeltv2/masterfilelist.txt: redirected to "
            f"{other.base}/gdeltv2/masterfilelist.txt: {LOOPBACK_REFUSED}") in result.output
    assert other.requests == []


def test_range_files_each_hop_checked_the_others_load(site, other, tmp_path, monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_GDELT_BASE", site.base)
    good, moved, away = (f"2024010100{m}00.export.CSV.zip" for m in ("00", "15", "30"))
    data = {name: zipped(name, export(first))
            for name, first in ((good, 1), (moved, 10), (away, 20))}
    master_list(site, data)
    site.routes[f"/gdeltv2/{good}"] = ("file", data[good])
    # Within the trusted base a redirect is followed; to another port it is refused.
    site.routes[f"/gdeltv2/{moved}"] = ("redirect", f"/mirror/{moved}")
    site.routes[f"/mirror/{moved}"] = ("file", data[moved])
    site.routes[f"/gdeltv2/{away}"] = ("redirect", other.url(f"/{away}"))
    other.routes[f"/{away}"] = ("file", data[away])
    db = tmp_path / "store.duckdb"
    result = run("ingest", "gdelt", "--from", "2024-01-01", "--to", "2024-01-01")
    assert result.exit_code == 1
    assert (f"{site.base}/gdeltv2/{away}: redirected to {other.base}/{away}: "
            f"{LOOPBACK_REFUSED}") in result.output
    assert other.requests == []
    assert loaded(db) == [(f"{site.base}/gdeltv2/{good}", "loaded"),
                          (f"{site.base}/gdeltv2/{moved}", "loaded"),
                          (f"{site.base}/gdeltv2/{away}", "failed")]
    # --allow-private lets the last one through.
    again = run("ingest", "gdelt", "--allow-private", "--from", "2024-01-01", "--to",
                "2024-01-01")
    assert again.exit_code == 0, again.output
    assert len(loaded(db)) == 3


def test_redirect_loops_and_schemes(site, tmp_path):
    policy = AddressPolicy().trusting(site.base)
    site.routes["/loop"] = ("redirect", "/loop")
    site.routes["/file"] = ("redirect", "file:///etc/passwd")
    with pytest.raises(DownloadError, match=r"/loop: more than 5 redirects$"):
        download(site.url("/loop"), tmp_path / "x", size=None, md5=None, retries=0,
                 policy=policy)
    assert site.hits("/loop") == 6
    with pytest.raises(SourceError, match="redirected to file:///etc/passwd: only http"):
        download(site.url("/file"), tmp_path / "x", size=None, md5=None, retries=3,
                 policy=policy)
    assert site.hits("/file") == 1  # a refusal is not retried


# --- defect 8: deadline, size cap, stopping ---------------------------------------------------


def test_trickling_server_hits_the_deadline_and_the_other_files_load(site, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_DOWNLOAD_DEADLINE", "2")
    slow = export(1)
    site.routes["/slow.export.CSV"] = ("trickle", slow, 10, 1.0)
    site.routes["/fast.export.CSV"] = ("file", export(10))
    slow_url, fast_url = site.url("/slow.export.CSV"), site.url("/fast.export.CSV")
    db = tmp_path / "store.duckdb"
    began = time.monotonic()
    result = run("ingest", "gdelt", "--allow-private", slow_url, fast_url)
    took = time.monotonic() - began
    assert result.exit_code == 1 and took < 4.5, (took, result.output)  # 2 s, and the load
    assert one_line(result.output) == (
        f"failed: {slow_url}: not complete after 2 s, the deadline for one download "
        f"(PIVOTWATCH_DOWNLOAD_DEADLINE); run again to resume")
    assert loaded(db) == [(fast_url, "loaded"), (slow_url, "failed")]
    # What arrived is kept, and the next run asks for the rest.
    (part,) = (tmp_path / "cache" / "gdelt" / "urls").glob("*slow*.part")
    got = part.stat().st_size
    assert 10 <= got < len(slow)
    monkeypatch.setenv("PIVOTWATCH_DOWNLOAD_DEADLINE", "30")
    assert run("ingest", "gdelt", "--allow-private", slow_url).exit_code == 0
    assert site.requests[-1] == ("/slow.export.CSV", f"bytes={got}-")
    assert len(loaded(db)) == 2


def test_a_silent_server_is_cut_at_the_deadline_not_the_read_timeout(site, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("PIVOTWATCH_DOWNLOAD_DEADLINE", "1")
    site.routes["/silent"] = ("trickle", b"x" * 100, 1, 60.0)
    began = time.monotonic()
    with pytest.raises(DownloadError, match="not complete after 1 s"):
        download(site.url("/silent"), tmp_path / "x", size=100, md5=None, retries=4,
                 timeout=60, policy=AddressPolicy(allow_all=True))
    assert time.monotonic() - began < 2.5
    assert site.hits("/silent") == 1 and part_path(tmp_path / "x").read_bytes() == b"x"


@pytest.mark.parametrize("kind", ["file", "unsized"])
def test_a_body_with_no_declared_size_is_capped(site, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("PIVOTWATCH_MAX_MEMBER_BYTES", "1000")
    site.routes["/big"] = (kind, b"z" * 5000)
    dest = tmp_path / "big"
    with pytest.raises(SourceError, match=r"over the 1,000-byte cap for one download "
                                          r"\(PIVOTWATCH_MAX_MEMBER_BYTES\)"):
        download(site.url("/big"), dest, size=None, md5=None, retries=2,
                 policy=AddressPolicy(allow_all=True))
    assert not dest.exists() and not part_path(dest).exists()
    assert site.hits("/big") == 1


def test_more_bytes_than_the_index_declares(site, tmp_path):
    site.routes["/x.zip"] = ("unsized", b"z" * 5000)
    with pytest.raises(IntegrityError, match="sent more than the 100 bytes the index declares"):
        download(site.url("/x.zip"), tmp_path / "x.zip", size=100, md5=None, retries=2,
                 policy=AddressPolicy(allow_all=True))
    assert not part_path(tmp_path / "x.zip").exists()


def download_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pivotwatch-download")]


def test_closing_download_all_stops_a_blocked_read_at_once(site, tmp_path):
    site.routes["/quick"] = ("file", b"q" * 100)
    site.routes["/stuck"] = ("trickle", b"s" * 1000, 10, 60.0)  # 10 bytes, then silence
    jobs = [Download(site.url("/quick"), tmp_path / "quick"),
            Download(site.url("/stuck"), tmp_path / "stuck", size=1000)]
    results = download_all(jobs, workers=2, retries=3, timeout=60,
                           policy=AddressPolicy(allow_all=True))
    job, outcome = next(results)
    assert job == jobs[0] and outcome == tmp_path / "quick"
    part = part_path(tmp_path / "stuck")
    for _ in range(100):
        if site.sent.get("/stuck") == 10:
            break
        time.sleep(0.02)
    time.sleep(0.2)  # the 10 bytes reach the reader, which then waits for more
    began = time.monotonic()
    results.close()
    assert time.monotonic() - began < 1.0
    assert download_threads() == []
    assert part.read_bytes() == b"s" * 10 and not (tmp_path / "stuck").exists()


def test_sigint_stops_a_download_and_a_rerun_resumes(site, tmp_path):
    data = export(1, rows=5)
    site.routes["/slow.export.CSV"] = ("trickle", data, 100, 1.0)
    url = site.url("/slow.export.CSV")
    cmd = [sys.executable, "-c", "from pivotwatch.cli import main; main()", "ingest", "gdelt",
           "--allow-private", url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"COLUMNS": "200"})
    try:
        for _ in range(600):
            if site.sent.get("/slow.export.CSV", 0) >= 101:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the download never started")
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
        took = time.monotonic() - began
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    assert proc.returncode == 130, stderr
    assert took < 4, took
    assert "interrupted" in stderr and "Traceback" not in stderr
    (part,) = (tmp_path / "cache" / "gdelt" / "urls").glob("*.part")
    got = part.stat().st_size
    assert 100 <= got < len(data)
    rerun = run("ingest", "gdelt", "--allow-private", url)
    assert rerun.exit_code == 0, rerun.output
    assert site.requests[-1] == ("/slow.export.CSV", f"bytes={got}-")
    assert loaded(tmp_path / "store.duckdb") == [(url, "loaded")]
