#!/usr/bin/env python
"""Load test of the dashboard: 20 concurrent clients on the dyad page and its data endpoints
over a store of 10 M events; target p99 < 200 ms, no errors, memory flat over 10 minutes.

1. The store: a copy of `benchmarks/work/scale-10M.duckdb` (built by `scale.py`), made once
   under benchmarks/work/ and migrated there if it is at an older schema version (opened
   writable once, as `open_store` does for any user); the original is never opened for writing.
2. The server: `pivotwatch --db COPY serve --port P` in its own process (uvicorn on loopback),
   so that its memory (VmRSS from /proc/PID/status) and CPU time are sampled apart from the
   clients, every `--sample-every` seconds.
3. The URLs: `/dyad/RUS-PRK` and its dimension tabs; every table download (`?table=NAME&
   format=csv|json`) and chart (`?chart=NAME&format=svg|vega`) linked from the `all` and the
   `military` views; a few events pages linked from the series (first, middle and last
   period); `/`, `/alerts`, `/data`; and the baseline, the stylesheet (`/static/
   pivotwatch.css`: no store, no template), in the same mix, so that its latency under the same
   load shows what serving alone costs.
4. Warm-up: each distinct URL once, in turn, timed (the cold cost: the first computation per
   store version); then a solo pass (each URL `--solo-repeat` times by one client: the
   service time without contention).
5. The measured phase: `--clients` asyncio clients (httpx, one connection each) take URLs in
   turn from one shuffled cycle until `--duration` seconds or `--max-requests` requests;
   a response counts as an error unless it is a 200 with the expected content type and a body.

With `--ab`, no server and no clients: what the responses kept as sent (`web/kept.py`) save,
in this process: each URL called on the application directly (ASGI, no network), in
interleaved rounds with the kept responses used ("on", as shipped) and never used ("off":
`Kept.key` answering None, so every call runs its handler), with the handlers' `Site.page`
calls counted.

Reports p50/p95/p99/max latency, requests/s and errors overall, per kind of URL and per
minute; the baseline's latency and the ratios to it; the server's RSS at the start of the
measured phase, its max and end, and its slope (least squares, MiB per minute, over the whole
phase and its second half); the server's and the clients' CPU use; the load average before and
after. With `--profile`, py-spy (PyPI: py-spy) samples the server during the measured phase and
the functions taking most of its busy time are listed. Results go to
benchmarks/work/web-load-10M.json (and .md). Not part of the test suite.

    python benchmarks/web_load.py --duration 30            # a short run (~1.5 min with warm-up)
    python benchmarks/web_load.py --duration 600 --max-requests 200000
    python benchmarks/web_load.py --duration 30 --profile    # where the server's time goes
    python benchmarks/web_load.py --ab                       # the render cache on and off
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"
DYAD = "RUS-PRK"
TAB_WITH_SIGNALS = "military"  # a dimension view: it adds the signals and evidence tables
BASELINE = "/static/pivotwatch.css"
TARGET_P99_MS = 200.0
CONTENT = {"page": "text/html", "csv": "text/csv", "json": "application/json",
           "svg": "image/svg+xml", "vega": "application/json", "css": "text/css"}
_TABLE = re.compile(r'href="([^"]*[?&](?:amp;)?table=[a-z0-9_-]+&(?:amp;)?format=(csv|json))"')
_CHART = re.compile(r'(?:href|src|data-[a-z-]+)="([^"]*[?&](?:amp;)?chart=[a-z0-9_-]+&(?:amp;)?'
                    r'format=(svg|vega))"')
_EVENTS = re.compile(r'href="(/dyad/[A-Z]{3}-[A-Z]{3}/events\?[^"]+)"')


@dataclass(frozen=True)
class Url:
    path: str
    kind: str  # page, tab, download, chart, events, other, baseline
    content: str  # a key of CONTENT


# --- the store and the server --------------------------------------------------------------

def prepare_store(source: Path, copy: Path) -> dict:
    """A copy of `source`, made once (again when the source is newer), migrated if needed."""
    from pivotwatch.store import derived
    from pivotwatch.store.schema import LATEST
    from pivotwatch.store.store import open_store

    if not source.exists():
        raise SystemExit(f"no store at {source}: build it with benchmarks/scale.py")
    made = not copy.exists() or copy.stat().st_mtime < source.stat().st_mtime
    if made:
        for stale in (copy, Path(f"{copy}.wal")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(source, copy)
        if Path(f"{source}.wal").exists():
            shutil.copyfile(f"{source}.wal", f"{copy}.wal")
    import duckdb

    with duckdb.connect(str(copy), read_only=True) as con:
        before = int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'")
                     .fetchall()[0][0])
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    started = time.perf_counter()
    if before < LATEST:  # read-only would refuse: migrate the copy as a user's store is
        with open_store(copy):
            pass
    migrate_s = time.perf_counter() - started
    with open_store(copy, read_only=True) as st:
        after, fresh = st.schema_version(), derived.current(st)
    return {"source": str(source), "copy": str(copy),
            "copied_now": made, "events": events, "schema_before": before,
            "schema_after": after, "migrate_s": round(migrate_s, 1) if before < LATEST else 0,
            "derived_current": fresh, "store_mb": round(copy.stat().st_size / 1e6)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("pivotwatch")
    command = [str(exe)] if exe.exists() else [sys.executable, "-c",
                                               "from pivotwatch.cli import main; main()"]
    out = log.open("w")
    proc = subprocess.Popen([*command, "--db", str(db), "serve", "--port", str(port)],
                            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{BASELINE}", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("the server did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)  # uvicorn's graceful stop
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Sampler(threading.Thread):
    """The server's RSS (MiB) and CPU seconds every `every` seconds, from /proc."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, float]] = []  # (time, rss MiB, cpu s)
        self.done = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float, float]:
        status = Path(f"/proc/{self.pid}/status").read_text()
        rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]) / 1024
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
        return time.monotonic(), rss, cpu

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.samples.append(self.read())
            except (OSError, TypeError):
                return  # the process is gone
            self.done.wait(self.every)

    def peak_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)[1]) / 1024


# --- the URLs ------------------------------------------------------------------------------

def page_links(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """The table downloads, charts and events pages a dyad page links to, as paths."""
    tables = [(html.unescape(u), f) for u, f in _TABLE.findall(text)]
    charts = [(html.unescape(u), f) for u, f in _CHART.findall(text)]
    events = [html.unescape(u) for u in _EVENTS.findall(text)]
    return (list(dict.fromkeys(tables)), list(dict.fromkeys(charts)),
            list(dict.fromkeys(events)))


def absolute(path: str, page: str) -> str:
    return path if path.startswith("/") else page.split("?")[0] + path


def spread(items: list, n: int) -> list:
    """`n` items evenly spaced over the list, its first and last included."""
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def warm_up(http: httpx.Client, events_pages: int,
            dyad: str = DYAD) -> tuple[list[Url], dict[str, float]]:
    """Each distinct URL once, in turn, with its time; the links are read from the pages."""
    from pivotwatch.taxonomy.dimensions import DIMENSIONS

    cold: dict[str, float] = {}

    def get(url: Url) -> httpx.Response:
        t = time.perf_counter()
        r = http.get(url.path)
        cold[url.path] = round((time.perf_counter() - t) * 1000, 1)
        if not good(r, url):
            raise SystemExit(f"warm-up: {url.path} answered {r.status_code}: {r.text[:300]}")
        return r

    base = f"/dyad/{dyad}"
    urls = [Url(base, "page", "page")]
    urls += [Url(f"{base}?dimension={d}", "tab", "page") for d in DIMENSIONS]
    found_events: list[str] = []
    for url in list(urls):
        text = get(url).text
        if url.path not in (base, f"{base}?dimension={TAB_WITH_SIGNALS}"):
            continue
        tables, charts, events = page_links(text)
        urls += [Url(absolute(u, url.path), "download", f) for u, f in tables]
        urls += [Url(absolute(u, url.path), "chart", f) for u, f in charts]
        found_events += spread(events, events_pages // 2 + (url.path == base))
    urls += [Url(u, "events", "page") for u in dict.fromkeys(found_events)]
    urls += [Url("/", "other", "page"), Url("/alerts", "other", "page"),
             Url("/data", "other", "page"), Url(BASELINE, "baseline", "css")]
    urls = list({u.path: u for u in urls}.values())
    for url in urls:
        if url.path not in cold:
            get(url)
    return urls, cold


def good(r: httpx.Response, url: Url) -> bool:
    return (r.status_code == 200 and bool(r.content)
            and r.headers.get("content-type", "").startswith(CONTENT[url.content]))


def solo(http: httpx.Client, urls: list[Url], repeat: int) -> dict[str, float]:
    """The median time of each URL asked `repeat` times by one client: service time."""
    out = {}
    for url in urls:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            http.get(url.path)
            times.append((time.perf_counter() - t) * 1000)
        out[url.path] = round(statistics.median(times), 2)
    return out


# --- the measured phase --------------------------------------------------------------------

async def measured(base: str, urls: list[Url], clients: int, duration: float,
                   max_requests: int, seed: int) -> tuple[list[tuple], float]:
    """(start s, latency ms, url index, status or error name) per request; and the wall time."""
    cycle = list(range(len(urls)))
    random.Random(seed).shuffle(cycle)
    issued = 0
    records: list[tuple] = []
    started = time.perf_counter()
    deadline = started + duration

    async def client() -> None:
        nonlocal issued
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            while issued < max_requests and time.perf_counter() < deadline:
                i = cycle[issued % len(cycle)]
                issued += 1
                t = time.perf_counter()
                try:
                    r = await http.get(urls[i].path)
                    outcome = r.status_code if good(r, urls[i]) or r.status_code != 200 \
                        else "bad content"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                records.append((t - started, (time.perf_counter() - t) * 1000, i, outcome))

    await asyncio.gather(*(client() for _ in range(clients)))
    return records, time.perf_counter() - started


def pct(sorted_ms: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    if not sorted_ms:
        return float("nan")
    return sorted_ms[max(0, min(len(sorted_ms) - 1, -(-len(sorted_ms) * p // 100) - 1))]


def summary(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"requests": len(s), "p50_ms": round(pct(s, 50), 1), "p95_ms": round(pct(s, 95), 1),
            "p99_ms": round(pct(s, 99), 1), "max_ms": round(s[-1], 1) if s else None}


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (minutes, MiB): MiB per minute."""
    if len(points) < 3:
        return None
    xs, ys = zip(*points, strict=True)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den, 3) \
        if den else None


def analyse(urls: list[Url], records: list[tuple], wall: float, samples: list[tuple],
            phase: tuple[float, float]) -> dict:
    ok = [r for r in records if r[3] == 200]
    errors: dict[str, int] = {}
    for _, _, i, outcome in records:
        if outcome != 200:
            key = f"{outcome} {urls[i].path}"
            errors[key] = errors.get(key, 0) + 1
    out = {"requests": len(records), "wall_s": round(wall, 1),
           "requests_per_s": round(len(records) / wall, 1), "errors": sum(errors.values()),
           "error_detail": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:20]),
           "latency": summary([r[1] for r in ok])}
    kinds = dict.fromkeys(u.kind for u in urls)
    out["by_kind"] = {k: summary([r[1] for r in ok if urls[r[2]].kind == k]) for k in kinds}
    out["by_url"] = {u.path: summary([r[1] for r in ok if r[2] == i])
                     for i, u in enumerate(urls)}
    base = out["by_kind"]["baseline"]
    served = summary([r[1] for r in ok if urls[r[2]].kind != "baseline"])
    out["dashboard_latency"] = served
    out["ratio_to_baseline"] = {q: round(served[f"{q}_ms"] / base[f"{q}_ms"], 2)
                                if base[f"{q}_ms"] else None for q in ("p50", "p95", "p99")}
    minutes = []
    for m in range(int(wall // 60) + 1):
        chunk = [r[1] for r in ok if m * 60 <= r[0] < (m + 1) * 60]
        if chunk:
            minutes.append({"minute": m + 1, **summary(chunk)})
    out["by_minute"] = minutes
    t0, t1 = phase
    inside = [s for s in samples if t0 <= s[0] <= t1 + 1]
    if inside:
        rss = [(round((t - t0) / 60, 3), r) for t, r, _ in inside]
        half = [p for p in rss if p[0] >= (t1 - t0) / 120]
        out["memory"] = {
            "rss_start_mib": round(inside[0][1], 1),
            "rss_max_mib": round(max(r for _, r in rss), 1),
            "rss_end_mib": round(inside[-1][1], 1), "slope_mib_per_min": slope(rss),
            "slope_second_half_mib_per_min": slope(half), "samples": len(inside),
            "series": [(round(m, 2), round(r, 1)) for m, r in rss]}
        cpu = inside[-1][2] - inside[0][2]
        out["server_cpu"] = {"cpu_s": round(cpu, 1),
                             "ms_per_request": round(1000 * cpu / max(len(records), 1), 2),
                             "cores_used": round(cpu / max(inside[-1][0] - inside[0][0], 1e-9),
                                                 2)}
    return out


def start_profile(py_spy: str, pid: int, seconds: float, out: Path) -> subprocess.Popen:
    """py-spy sampling the server's Python stacks (busy samples only) for `seconds`."""
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration",
                             str(max(1, int(seconds))), "--rate", "200", "--format", "raw",
                             "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def profile_summary(raw: Path, top: int = 25) -> dict:
    """From py-spy's collapsed stacks: the share of busy samples in which each function is on
    the stack (inclusive) and at its top (self)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [re.sub(r" \((.*/)?([^/]+):\d+\)$", r" (\2)", f) for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n

    def shares(d: dict[str, int]) -> dict[str, float]:
        # frames on (nearly) every sample are the server's main loop: left out
        best = sorted(((f, n) for f, n in d.items() if n < 0.95 * total),
                      key=lambda kv: -kv[1])[:top]
        return {f: round(100 * n / total, 1) for f, n in best}

    return {"samples": total, "inclusive_pct": shares(inclusive), "self_pct": shares(own)}


AB_URLS = (f"/dyad/{DYAD}", f"/dyad/{DYAD}?dimension={TAB_WITH_SIGNALS}",
           f"/dyad/{DYAD}?table=series&format=json", f"/dyad/{DYAD}?table=curated&format=csv",
           "/", "/alerts", "/data", BASELINE)


def render_ab(db: Path, rounds: int, calls: int) -> dict:
    """Per URL, the median over `rounds` of the mean ms of `calls` ASGI calls, with the kept
    responses used and never matched, in turn; and the renders in each."""
    from pivotwatch.web.app import create_app
    from pivotwatch.web.kept import Kept
    from pivotwatch.web.site import Site

    app = create_app(db)
    real_key, real_page = Kept.key, Site.page
    renders = [0]

    def counted(self, *args, **kwargs):
        renders[0] += 1
        return real_page(self, *args, **kwargs)

    async def call(url: str) -> int:
        path, _, query = url.partition("?")
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                   "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                   "query_string": query.encode(), "headers": [(b"host", b"127.0.0.1")],
                   "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "root_path": ""},
                  receive, send)
        return sent[0]["status"]

    async def run() -> dict:
        out = {}
        for url in AB_URLS:
            if await call(url) != 200:  # computes the page data (the cold cost)
                raise SystemExit(f"{url} did not answer 200")
            ms: dict[str, list[float]] = {"off": [], "on": []}
            made = {"off": 0, "on": 0}
            for _ in range(rounds):
                for mode in ("off", "on"):
                    Kept.key = real_key if mode == "on" else (lambda self, scope: None)
                    await call(url)  # "on": the response kept; "off": nothing
                    renders[0] = 0
                    t = time.perf_counter()
                    for _ in range(calls):
                        await call(url)
                    ms[mode].append((time.perf_counter() - t) * 1000 / calls)
                    made[mode] += renders[0]
            off, on = statistics.median(ms["off"]), statistics.median(ms["on"])
            out[url] = {"off_ms": round(off, 2), "on_ms": round(on, 2),
                        "off_over_on": round(off / on, 1), "renders_off": made["off"],
                        "renders_on": made["on"]}
            print(url, out[url], flush=True)
        return out

    Site.page = counted
    try:
        return asyncio.run(run())
    finally:
        Kept.key, Site.page = real_key, real_page


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def source_tree() -> dict:
    """The commit measured and how many files under src/ differ from it (other work in a
    shared tree); None outside a git checkout."""
    def git(*args: str) -> str | None:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return proc.stdout.strip() if proc.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "src")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_src_files": None if changed is None else len(changed.splitlines())}


def solo_by_kind(result: dict) -> dict[str, float]:
    """The solo pass's median per URL, summarised by kind (the median of the URLs' medians)."""
    kinds: dict[str, list[float]] = {}
    for u in result["urls"]:
        kinds.setdefault(u["kind"], []).append(result["solo_ms"][u["path"]])
    return {k: round(statistics.median(v), 1) for k, v in kinds.items()}


def markdown(result: dict) -> str:
    m = result["measured"]
    lat, mem = m["latency"], m.get("memory", {})
    lines = [f"{result['started']} · {result.get('dyad', DYAD)} · tree {result['tree']} "
             f"{result['note']}".rstrip(),
             f"{result['clients']} clients · {m['requests']:,} requests "
             f"in {m['wall_s']} s · load before {result['load_before']}, after "
             f"{result['load_after']}", "",
             "| URLs | requests | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|"]
    rows = [("all", lat), ("dashboard (all but the baseline)", m["dashboard_latency"]),
            *m["by_kind"].items()]
    for name, s in rows:
        lines.append(f"| {name} | {s['requests']:,} | {s['p50_ms']} | {s['p95_ms']} | "
                     f"{s['p99_ms']} | {s['max_ms']} |")
    lines += ["", f"requests/s {m['requests_per_s']}, errors {m['errors']}, ratio to the "
              f"baseline (p50/p95/p99) {m['ratio_to_baseline']}, server CPU "
              f"{m.get('server_cpu')}, clients' CPU {result.get('client_cpu')}",
              f"RSS MiB: start {mem.get('rss_start_mib')}, max {mem.get('rss_max_mib')}, end "
              f"{mem.get('rss_end_mib')}, slope {mem.get('slope_mib_per_min')} MiB/min "
              f"(second half {mem.get('slope_second_half_mib_per_min')}), peak (VmHWM) "
              f"{result.get('server_peak_mib')}",
              "one client alone, median ms per URL, by kind: " + ", ".join(
                  f"{kind} {ms}" for kind, ms in solo_by_kind(result).items()),
              f"target p99 < {TARGET_P99_MS:.0f} ms: "
              f"{'met' if lat['p99_ms'] < TARGET_P99_MS else 'NOT met'}; cold cost of the "
              f"warm-up {result['warm_up_total_s']} s (slowest: {result['warm_up_slowest']})"]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", type=Path, default=WORK / "scale-10M.duckdb",
                   help="the store to copy (built by benchmarks/scale.py)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=600, help="seconds of the measured phase")
    p.add_argument("--max-requests", type=int, default=200_000)
    p.add_argument("--dyad", default=DYAD, help="the dyad whose page and endpoints are asked "
                   "(RUS-PRK has no GDELT event in the scale store: its series are empty)")
    p.add_argument("--events-pages", type=int, default=5,
                   help="events pages in the mix, from the series links")
    p.add_argument("--solo-repeat", type=int, default=5)
    p.add_argument("--sample-every", type=float, default=2.0, help="seconds between RSS samples")
    p.add_argument("--port", type=int, default=0, help="default: a free one")
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--profile", action="store_true",
                   help="sample the server with py-spy during the measured phase")
    p.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy",
                   help="the py-spy executable (pip install py-spy)")
    p.add_argument("--ab", action="store_true",
                   help="only the render cache on and off, in this process")
    p.add_argument("--ab-rounds", type=int, default=5)
    p.add_argument("--ab-calls", type=int, default=20)
    p.add_argument("--note", default="", help="a line kept with the results")
    p.add_argument("--out", type=Path, default=None, help="default: benchmarks/work/"
                   "web-load-<store>.json")
    a = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    stem = a.source.stem.removeprefix("scale-")
    copy = WORK / f"web-load-{stem}.duckdb"
    result: dict = {"started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "cpus": os.cpu_count(), "clients": a.clients, "duration_s": a.duration,
                    "max_requests": a.max_requests, "uptime_before": uptime(),
                    "load_before": round(os.getloadavg()[0], 2), "tree": source_tree(),
                    "dyad": a.dyad, "note": a.note}
    result["store"] = prepare_store(a.source, copy)
    print(json.dumps(result["store"]), flush=True)
    if a.ab:
        result["ab"] = render_ab(copy, a.ab_rounds, a.ab_calls)
        result["load_after"] = round(os.getloadavg()[0], 2)
        out = a.out or WORK / f"web-load-{stem}-ab.json"
        out.write_text(json.dumps(result, indent=1))
        print("| URL | cache off, ms | on, ms | off/on | renders off/on |")
        print("|---|---:|---:|---:|---|")
        for url, r in result["ab"].items():
            print(f"| `{url}` | {r['off_ms']} | {r['on_ms']} | {r['off_over_on']} | "
                  f"{r['renders_off']}/{r['renders_on']} |")
        print(f"load {result['load_before']} before, {result['load_after']} after; written: "
              f"{out}")
        return
    port = a.port or free_port()
    server = start_server(copy, port, WORK / "web-load-server.log")
    sampler = Sampler(server.pid, a.sample_every)
    sampler.start()
    try:
        result["rss_after_start_mib"] = round(sampler.read()[1], 1)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as http:
            started = time.perf_counter()
            urls, cold = warm_up(http, a.events_pages, a.dyad)
            result["warm_up_total_s"] = round(time.perf_counter() - started, 1)
            result["cold_ms"] = cold
            result["warm_up_slowest"] = dict(sorted(cold.items(), key=lambda kv: -kv[1])[:3])
            result["rss_after_warm_up_mib"] = round(sampler.read()[1], 1)
            print(f"{len(urls)} URLs; warm-up {result['warm_up_total_s']} s", flush=True)
            result["solo_ms"] = solo(http, urls, a.solo_repeat)
        result["urls"] = [u.__dict__ for u in urls]
        profile = WORK / "web-load-profile.txt"
        spy = start_profile(a.py_spy, server.pid, a.duration, profile) if a.profile else None
        t0, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        records, wall = asyncio.run(measured(base, urls, a.clients, a.duration,
                                             a.max_requests, a.seed))
        t1, cpu1 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        result["client_cpu"] = {
            "cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
            "cores_used": round((cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime
                                 - cpu0.ru_stime) / (t1 - t0), 2)}
        if spy is not None:
            _, problem = spy.communicate(timeout=a.duration + 60)
            result["profile"] = (profile_summary(profile) if profile.exists()
                                 else {"error": problem.strip()[-500:]})
        time.sleep(min(a.sample_every, 2))
        result["server_peak_mib"] = round(sampler.peak_mib(), 1)
    finally:
        sampler.done.set()
        stop_server(server)
    result["measured"] = analyse(urls, records, wall, sampler.samples, (t0, t1))
    result["uptime_after"] = uptime()
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["server_log"] = (WORK / "web-load-server.log").read_text()[-2000:]
    out = a.out or WORK / f"web-load-{stem}.json"
    out.write_text(json.dumps(result, indent=1))
    text = markdown(result)
    if "profile" in result:
        text += "\n\nserver profile, % of busy samples on the stack:\n" + "\n".join(
            f"  {v:5.1f}  {k}" for k, v in result["profile"].get("inclusive_pct", {}).items())
    out.with_suffix(".md").write_text(text + "\n")
    print(text)
    print(f"written: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
