#!/usr/bin/env python
"""Claim-extraction benchmark: documents per second per core on 1,500-word documents.

Builds documents of about 1,500 words by concatenating the gold documents of
tests/gold/claims in a fixed rotation (document i starts at gold document i mod 12), then
runs, single-threaded in this process:

  (a) pivotwatch.claims.extract_claims on each document           (the product)
  (b) a plain regex sentence split of each document               (the baseline)

and reports docs/s for each, best of N runs and their median (the machine is shared, so the
runs of (a) and (b) alternate, and the median shows how far a busy moment moves the figure),
the ratio a/b, the words per document, and whether (a) meets the target of 200 docs/s
(judged on the best run). Not part of the test suite.

With --startup it measures instead the whole command on one gold document, each run a fresh
process: `pivotwatch --db STORE claims DOC`, without a store (a path that does not exist) and
with one (the bundled samples and reference tables, built once under benchmarks/work/),
reporting the median wall and CPU seconds against the target of 0.8 s.

    python benchmarks/claims.py            # 300 documents, best of 5
    python benchmarks/claims.py --docs 50 --repeat 1
    python benchmarks/claims.py --startup  # 5 runs each, without and with a store
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pivotwatch.claims import extract_claims  # noqa: E402

GOLD = ROOT / "tests" / "gold" / "claims"
WORK = ROOT / "benchmarks" / "work"
WORDS = 1500
TARGET = 200.0
STARTUP_TARGET = 0.8  # seconds for a one-document `pivotwatch claims` call
_SPLIT = re.compile(r"(?<=[.!?])\s+")


def build_documents(count: int) -> list[str]:
    """``count`` documents of about WORDS words each (whole paragraphs, tables and lists of the
    gold documents, taken in turn until WORDS is reached), the same on every run."""
    blocks = [b for p in sorted(GOLD.glob("*.md"))
              for b in p.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    docs = []
    for i in range(count):
        parts, words, k = [], 0, i * 7
        while words < WORDS:
            text = blocks[k % len(blocks)]
            parts.append(text)
            words += len(text.split())
            k += 1
        docs.append("\n\n".join(parts))
    return docs


def _timings(runs, docs, repeat: int) -> list[list[float]]:
    """Seconds for each of ``repeat`` passes of each of ``runs`` over every document. The
    passes alternate (a b, b a, ...), so a busy moment on a shared machine falls on both."""
    times: list[list[float]] = [[] for _ in runs]
    for n in range(repeat):
        order = list(enumerate(runs))
        for k, run in order if n % 2 == 0 else reversed(order):
            t0 = time.perf_counter()
            for doc in docs:
                run(doc)
            times[k].append(time.perf_counter() - t0)
    return times


def _pivotwatch() -> list[str]:
    """The console script beside this interpreter, else the same entry point through -c."""
    script = Path(sys.executable).with_name("pivotwatch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from pivotwatch.entry import main; main()"]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      env.get("PYTHONPATH")]))
    env["PIVOTWATCH_CACHE"] = str(WORK / "cache")
    return env


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one fresh process; it must succeed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=_child_env(), cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def _sample_store() -> Path:
    """A store with the bundled samples and reference tables, built once and kept."""
    db = WORK / "claims-startup.duckdb"
    if not db.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        for what in ("sample", "reference"):
            _timed([*_pivotwatch(), "--db", str(db), "ingest", what])
    return db


def startup(repeat: int) -> None:
    """Median wall and CPU time of `pivotwatch claims` on one gold document, in fresh
    processes, without a store and with one; the runs of the two alternate."""
    doc = sorted(GOLD.glob("*.md"))[0]
    cases = {"without a store": WORK / "no-such-store.duckdb", "with a store": _sample_store()}
    times: dict[str, list[tuple[float, float]]] = {case: [] for case in cases}
    for _ in range(repeat):
        for case, db in cases.items():
            times[case].append(_timed([*_pivotwatch(), "--db", str(db), "claims", str(doc)]))
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.1f}; `pivotwatch claims "
          f"{doc.relative_to(ROOT)}`, {repeat} fresh processes each")
    print("| store | wall s, median | wall s, best | CPU s, median |")
    print("|---|---:|---:|---:|")
    for case, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        verdict = "met" if statistics.median(walls) < STARTUP_TARGET else "**not met**"
        print(f"| {case} | {statistics.median(walls):.2f} ({verdict}) | {min(walls):.2f} | "
              f"{statistics.median(cpus):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--startup", action="store_true",
                        help="time `pivotwatch claims` on one document instead")
    args = parser.parse_args()
    if args.startup:
        startup(args.repeat)
        return
    docs = build_documents(args.docs)
    extract_claims(docs[0])  # load the lexicons before timing
    words = sum(len(d.split()) for d in docs) / len(docs)
    a, b = _timings([extract_claims, _SPLIT.split], docs, args.repeat)
    claims = sum(len(extract_claims(d)) for d in docs[:10]) / 10
    best_a, best_b = len(docs) / min(a), len(docs) / min(b)
    median_a, median_b = len(docs) / statistics.median(a), len(docs) / statistics.median(b)
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}; {len(docs)} documents of {words:.0f} words "
          f"(~{claims:.0f} units each), {args.repeat} runs, one thread")
    print("| tool | docs/s/core, best | docs/s/core, median | words/s, best |")
    print("|---|---:|---:|---:|")
    print(f"| (a) extract_claims | {best_a:,.0f} | {median_a:,.0f} | {best_a * words:,.0f} |")
    print(f"| (b) regex sentence split | {best_b:,.0f} | {median_b:,.0f} | "
          f"{best_b * words:,.0f} |")
    verdict = "met" if best_a >= TARGET else "**not met**"
    print(f"\n(a) {best_a:,.0f} docs/s per core (median {median_a:,.0f}) on {words:.0f}-word "
          f"documents vs target >= {TARGET:.0f}: {verdict}; a/b = {best_a / best_b:.4f}")


if __name__ == "__main__":
    main()
