#!/usr/bin/env python
"""Scale benchmark: answers from a store of 10 M or 100 M events built from real GDELT rows.

1. A base store: the real GDELT 2.0 exports in ../shared/data/gdelt/v2/events loaded by
   `pivotwatch ingest` (the bundled sample when ../shared is absent).
2. The scale store: the base store's events and daily counts repeated K times, each copy with
   its GLOBALEVENTIDs moved by K x 10^10 and its days moved so that the copies spread evenly
   over 2015-01-01 .. 2025-12-31, one `files` row per copy; then the derived tables built
   from them (`store/derived.py::rebuild`, what `pivotwatch optimize` runs) and a checkpoint;
   the bundled reference tables (timeline, measures, trade, fuel) are loaded too.
   Built in a child process: its time and peak RSS are the build's.
3. Latency, in a fresh child process, in-process calls on the store opened read-only: the
   median and p99 of N calls (after one warm-up) of dyad-month indicators (one dimension and
   all), partners, changes, assess and the HTML report; the same dyad-month indicators from
   the events (the route without derived tables) and DuckDB's bare dyad-month count over the
   events as baselines measured in the same run; peak RSS of the process.

4. With `--spark`: the store exported as Parquet (`pivotwatch export parquet`, timed) and the
   same indicators and partners run on Spark `local[2]` from the export (fewer calls: Spark
   answers in seconds), in another fresh process.

Not part of the test suite. Work files go to benchmarks/work/ (git-ignored).

    python benchmarks/scale.py --events 10000000            # build (if absent) and measure
    python benchmarks/scale.py --events 100000000 --calls 50
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"
EVENTS = ROOT.parent / "shared" / "data" / "gdelt" / "v2" / "events"
FIRST, LAST = date(2015, 1, 1), date(2025, 12, 31)
ID_STEP = 10**10  # real GLOBALEVENTIDs are below 2e9
MIB = 1 << 20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def base_store(path: Path) -> Path:
    """The real rows, loaded as a user would."""
    from pivotwatch.sources.context import Context
    from pivotwatch.store import open_store

    if path.exists():
        return path
    with open_store(path, create=True) as st:
        ctx = Context(st)
        if EVENTS.is_dir():
            from pivotwatch.sources.gdelt.ingest import ingest_paths

            report = ingest_paths(ctx, [str(f) for f in sorted(EVENTS.glob("*.export.CSV"))])
        else:
            from pivotwatch.sources.gdelt.sample import ingest_sample

            report = ingest_sample(ctx)
        assert report.ok, report
    return path


def build(events: int, path: Path) -> dict:
    """The scale store at `path` from the base store's rows repeated."""
    from pivotwatch.store import derived, open_store

    base = base_store(WORK / "scale-base.duckdb")
    started = time.perf_counter()
    with open_store(path, create=True) as st:
        con = st.con
        con.execute("SET memory_limit = '4GB'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("ATTACH ? AS base (READ_ONLY)", [str(base)])
        n_base, lo, hi = con.execute(
            "SELECT count(*), min(day), max(day) FROM base.events").fetchall()[0]
        copies = math.ceil(events / n_base)
        step = ((LAST - FIRST).days - (hi - lo).days) / max(copies - 1, 1)
        shift = "CAST(floor(r.range * $step) AS INTEGER) + $offset"
        params = {"step": step, "offset": (FIRST - lo).days}
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
            "AND table_catalog = 'base' ORDER BY ordinal_position").fetchall()]
        moved = {"event_id": "e.event_id + r.range * $id_step", "day": f"e.day + {shift}",
                 "file_id": "'copy-' || r.range"}
        select = ", ".join(moved.get(c, f"e.{c}") for c in columns)
        with st.transaction():
            # copies in day order, as GDELT arrives; the last copy cut to the target size
            con.execute(f"""INSERT INTO events SELECT {select}
                            FROM range($copies) r, base.events e
                            WHERE r.range * $n_base + e.rowid < $events""",
                        {**params, "id_step": ID_STEP, "copies": copies, "n_base": n_base,
                         "events": events})
            con.execute(f"""INSERT INTO daily_counts SELECT 'copy-' || r.range,
                                   d.day + {shift}, d.actor1_country, d.actor2_country, d.events
                            FROM range($copies) r, base.daily_counts d""",
                        {**params, "copies": copies})
            con.execute("""INSERT INTO files (file_id, source, name, layout, gdelt_version,
                                              countries, status)
                           SELECT 'copy-' || r.range, 'gdelt', 'scale copy ' || r.range,
                                  'gdelt2', 2, (SELECT any_value(countries) FROM base.files
                                               WHERE source = 'gdelt'), 'loaded'
                           FROM range($copies) r""", {"copies": copies})
        loaded = time.perf_counter() - started
        con.execute("DETACH base")
        # the curated tables the assessment and the briefing also read
        from pivotwatch.sources.context import Context
        from pivotwatch.sources.reference import ingest_reference

        assert ingest_reference(Context(st)).ok
        rows = derived.optimize(st)["rows"]
    return {"events": events, "copies": copies, "base_events": n_base,
            "load_s": round(loaded, 1), "build_s": round(time.perf_counter() - started, 1),
            "derived_rows": rows, "store_mb": round(path.stat().st_size / 1e6),
            "build_peak_rss_mib": round(peak_rss_mib())}


def timed(fn, calls: int) -> dict:
    fn()  # warm-up: imports, caches, the page cache
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)]
    return {"median_ms": round(statistics.median(times), 1), "p99_ms": round(p99, 1),
            "calls": calls}


def measure(path: Path, calls: int, report_calls: int, events_calls: int) -> dict:
    import pivotwatch
    from pivotwatch.analysis.assessment import assess
    from pivotwatch.analysis.changes import changes
    from pivotwatch.analysis.partners import partners
    from pivotwatch.store import open_store

    out = {}
    with open_store(path, read_only=True) as st:
        st.con.execute("SET threads = 2")
        cases = {
            "indicators RUS-CHN month, all": lambda: pivotwatch.indicators(
                "RUS-CHN", store=st, freq="month", dimensions=["all"]),
            "indicators RUS-CHN month, every dimension": lambda: pivotwatch.indicators(
                "RUS-CHN", store=st, freq="month"),
            "partners RUS, year": lambda: partners("RUS", store=st, freq="year"),
            "changes RUS-PRK, month": lambda: changes("RUS-PRK", store=st),
            "assess RUS-PRK": lambda: assess("RUS-PRK", store=st),
        }
        for name, fn in cases.items():
            out[name] = timed(fn, calls)
            print(name, out[name], flush=True)
        out["report RUS-PRK (HTML)"] = timed(
            lambda: pivotwatch.briefing("RUS-PRK", store=st, fmt="html"), report_calls)
        print("report", out["report RUS-PRK (HTML)"], flush=True)
        # baselines: the events route, and DuckDB's bare count over the events
        from pivotwatch import taxonomy
        from pivotwatch.analysis.indicators import dyad_indicators
        from pivotwatch.store.derived import code_dimensions

        def from_events():
            con = st.ibis()
            dyad_indicators(con.table("events"), con.table("daily_counts"), code_dimensions(),
                            a="RUS", b="CHN", freq="month", dimensions=["all"],
                            energy_pattern=taxonomy.energy_pattern()).to_pandas()

        out["baseline: indicators from the events, month, all"] = timed(from_events,
                                                                        events_calls)
        out["baseline: DuckDB bare dyad-month count over the events"] = timed(
            lambda: st.con.execute(
                """SELECT date_trunc('month', day) AS m, count(*) FROM events
                   WHERE (actor1_country = 'RUS' AND actor2_country = 'CHN')
                      OR (actor1_country = 'CHN' AND actor2_country = 'RUS')
                   GROUP BY m""").fetchall(), events_calls)
    out["peak_rss_mib"] = round(peak_rss_mib())
    return out


def measure_spark(path: Path, calls: int) -> dict:
    import pivotwatch
    from pivotwatch.analysis.partners import partners
    from pivotwatch.store import open_store
    from pivotwatch.store.export import export_parquet
    from pivotwatch.store.spark import SparkStore

    out = {}
    target = path.with_suffix(".parquet")
    started = time.perf_counter()
    with open_store(path, read_only=True) as st:
        export_parquet(st, target)
    out["export_s"] = round(time.perf_counter() - started, 1)
    out["export_mb"] = round(sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
                             / 1e6)
    started = time.perf_counter()
    with SparkStore(target) as st:
        out["open_s"] = round(time.perf_counter() - started, 1)
        cases = {
            "spark: indicators RUS-CHN month, all": lambda: pivotwatch.indicators(
                "RUS-CHN", store=st, freq="month", dimensions=["all"]),
            "spark: indicators RUS-CHN month, every dimension": lambda: pivotwatch.indicators(
                "RUS-CHN", store=st, freq="month"),
            "spark: partners RUS (CHN, PRK), year": lambda: partners(
                "RUS", ["CHN", "PRK"], store=st, freq="year"),
        }
        for name, fn in cases.items():
            out[name] = timed(fn, calls)
            print(name, out[name], flush=True)
    out["peak_rss_mib"] = round(peak_rss_mib())
    return out


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          cwd=ROOT)
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode:
        raise SystemExit(f"child {args} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--calls", type=int, default=50)
    p.add_argument("--report-calls", type=int, default=5)
    p.add_argument("--events-calls", type=int, default=5,
                   help="calls of the slow baselines (from the events)")
    p.add_argument("--rebuild", action="store_true", help="build the scale store again")
    p.add_argument("--spark", action="store_true",
                   help="also export the store and time Spark local[2] on the export")
    p.add_argument("--spark-calls", type=int, default=5)
    p.add_argument("--skip-local", action="store_true", help="skip the DuckDB latencies")
    p.add_argument("mode", nargs="?", default="run",
                   choices=["run", "_build", "_measure", "_spark"])
    a = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"scale-{a.events // 1_000_000}M.duckdb"
    if a.mode == "_build":
        print(json.dumps(build(a.events, path)))
        return
    if a.mode == "_measure":
        print(json.dumps(measure(path, a.calls, a.report_calls, a.events_calls)))
        return
    if a.mode == "_spark":
        print(json.dumps(measure_spark(path, a.spark_calls)))
        return
    result = {"date": str(date.today()), "cpus": os.cpu_count(),
              "load": os.getloadavg()[0]}
    if a.rebuild or not path.exists():
        for stale in (path, path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        result["build"] = child(["--events", str(a.events), "_build"])
        print(json.dumps(result["build"]), flush=True)
    if not a.skip_local:
        result["latency"] = child(["--events", str(a.events), "--calls", str(a.calls),
                                   "--report-calls", str(a.report_calls),
                                   "--events-calls", str(a.events_calls), "_measure"])
    if a.spark:
        result["spark"] = child(["--events", str(a.events), "--spark-calls",
                                 str(a.spark_calls), "_spark"])
    result["load_after"] = os.getloadavg()[0]
    out = WORK / f"scale-{a.events // 1_000_000}M{'-spark' if a.skip_local else ''}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
