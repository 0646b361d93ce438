#!/usr/bin/env python
"""Ingest benchmark: pivotwatch vs. a pandas baseline vs. a bare DuckDB count.

Builds GDELT 2.0 inputs of the requested sizes by repeating the real exports in
../shared/data/gdelt/v2/events (GLOBALEVENTID offset per repetition so ids stay unique),
then measures, each in a fresh subprocess (peak RSS from os.wait4 of that one process):

  (a) pivotwatch --db <fresh store> ingest gdelt <file>      (the product)
  (b) pandas.read_csv of all 61 columns as strings + the watched-country filter
  (c) DuckDB read_csv count(*) with the same filter             (the practical ceiling)
  (d) polars scan_csv + the same filter + sink_parquet (plain files; the strongest
      single-machine peer: what a polars CSV-to-Parquet pipeline for GDELT does)

on a plain file and on a .zip of it, plus (a) and (c) at every size in --sizes to show that
the peak RSS of (a) does not grow with the input. The page cache is warmed before every
measurement; (a) and (c) run twice and the best time is kept.

Not part of the test suite. Work files go to benchmarks/work/ (git-ignored).

    python benchmarks/ingest.py --quick      # 50 MB smoke run
    python benchmarks/ingest.py              # 0.5 GB (+zip) and 2 GB
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
WORK = ROOT / "benchmarks" / "work"
DEFAULT_EVENTS = ROOT.parent / "shared" / "data" / "gdelt" / "v2" / "events"
VENV_PY = ROOT / ".venv" / "bin" / "python"
VENV_CLI = ROOT / ".venv" / "bin" / "pivotwatch"

ID_OFFSET = 1_000_000_000  # added to GLOBALEVENTID per repetition (real ids are < 1e9 here)
V2_WIDTH = 61
A1_COUNTRY, A2_COUNTRY = 7, 17  # Actor1CountryCode, Actor2CountryCode in the 2.0 layout
MB = 1_000_000  # throughput and sizes are decimal MB/GB; memory is MiB/GiB
MIB = 1 << 20
GIB = 1 << 30

TARGET_AB = 5.0
TARGET_AC = 0.5
TARGET_RSS_MIB = 1024
PANDAS_RSS_CAP = 10 * GIB


# --------------------------------------------------------------------------------------------
# children: each measurement runs `python benchmarks/ingest.py _child <kind> ...`
# --------------------------------------------------------------------------------------------

def _child_pandas(path: str, countries: str) -> dict:
    import csv

    import pandas as pd

    watched = countries.split(",")
    t0 = time.perf_counter()
    df = pd.read_csv(path, sep="\t", header=None, dtype=str, quoting=csv.QUOTE_NONE,
                     keep_default_na=False,
                     compression="zip" if path.endswith(".zip") else None)
    kept = df[df[A1_COUNTRY].isin(watched) | df[A2_COUNTRY].isin(watched)]
    return {"rows": len(df), "kept": len(kept), "columns": df.shape[1],
            "dtype": str(df.dtypes.iloc[0]), "inner_s": time.perf_counter() - t0}


def _child_duckdb(path: str, countries: str, tmpdir: str) -> dict:
    import duckdb

    t0 = time.perf_counter()
    tmp = None
    unzip_s = 0.0
    if path.endswith(".zip"):
        # DuckDB cannot read zip: extract the single member to a temp file first.
        tmp = tempfile.mkdtemp(dir=tmpdir, prefix="duck-unzip-")
        with zipfile.ZipFile(path) as zf:
            (member,) = [m for m in zf.infolist() if not m.is_dir()]
            target = Path(tmp) / "member.csv"
            with zf.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        path = str(target)
        unzip_s = time.perf_counter() - t0
    try:
        watched = "(" + ", ".join(f"'{c}'" for c in countries.split(",")) + ")"
        cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(V2_WIDTH)) + "}"
        con = duckdb.connect()
        (kept,) = con.execute(
            f"SELECT count(*) FROM read_csv('{path}', delim='\\t', quote='', escape='', "
            f"header=false, all_varchar=true, auto_detect=false, columns={cols}) "
            f"WHERE c{A1_COUNTRY} IN {watched} OR c{A2_COUNTRY} IN {watched}"
        ).fetchone()
        con.close()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"kept": int(kept), "unzip_s": unzip_s, "inner_s": time.perf_counter() - t0,
            "threads": os.cpu_count()}


def _child_polars(path: str, countries: str, tmpdir: str) -> dict:
    import polars as pl

    watched = countries.split(",")
    t0 = time.perf_counter()
    out = Path(tempfile.mkdtemp(dir=tmpdir, prefix="polars-")) / "kept.parquet"
    try:
        cols = {f"c{i}": pl.String for i in range(V2_WIDTH)}
        frame = pl.scan_csv(path, separator="\t", has_header=False, schema=cols, quote_char=None)
        a1, a2 = pl.col(f"c{A1_COUNTRY}"), pl.col(f"c{A2_COUNTRY}")
        frame.filter(a1.is_in(watched) | a2.is_in(watched)).sink_parquet(out)
        kept = pl.scan_parquet(out).select(pl.len()).collect().item()
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    return {"kept": int(kept), "inner_s": time.perf_counter() - t0, "polars": pl.__version__}


def _child_load_file(path: str, countries: str, db: str, workdir: str) -> dict:
    """Fallback for (a) when the CLI cannot be imported: call load_file directly."""
    from pivotwatch.sources.gdelt.load import load_file
    from pivotwatch.store.store import open_store

    t0 = time.perf_counter()
    with open_store(db, create=True) as st:
        r = load_file(st, Path(path), name=path, countries=countries.split(","),
                      workdir=Path(workdir))
    return {"kept": r.rows_kept, "rows": r.rows_read, "inner_s": time.perf_counter() - t0}


def _child_breakdown(path: str, countries: str, db: str, workdir: str) -> dict:
    """Where load_file spends its time: hashing, and each SQL statement (timed from outside)."""
    import pivotwatch.sources.inputs as inputs
    from pivotwatch.sources.gdelt import load
    from pivotwatch.store.store import open_store

    steps: list[tuple[str, float]] = []
    real_hash, real_sql = inputs.hash_file, load._FileLoad.sql

    def timed_hash(p):
        t = time.perf_counter()
        try:
            return real_hash(p)
        finally:
            steps.append(("hash_file (xxh3 of the input)", time.perf_counter() - t))

    def timed_sql(self, query, params=None):
        t = time.perf_counter()
        try:
            return real_sql(self, query, params)
        finally:
            label = " ".join(query.split())[:70]
            steps.append((label, time.perf_counter() - t))

    inputs.hash_file = timed_hash
    load._FileLoad.sql = timed_sql
    t0 = time.perf_counter()
    st = open_store(db, create=True)
    opened = time.perf_counter() - t0
    t1 = time.perf_counter()
    r = load.load_file(st, Path(path), name=path, countries=countries.split(","),
                       workdir=Path(workdir))
    total = time.perf_counter() - t1
    t2 = time.perf_counter()
    st.close()  # checkpoints the store
    closed = time.perf_counter() - t2
    return {"open_store_s": opened, "load_file_s": total, "close_s": closed, "kept": r.rows_kept,
            "steps": [{"step": s, "seconds": round(d, 3)} for s, d in steps if d >= 0.01]}


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    fn = {"pandas": _child_pandas, "duckdb": _child_duckdb, "polars": _child_polars,
          "load_file": _child_load_file,
          "breakdown": _child_breakdown}[kind]
    result = fn(*rest)
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------------------------

def log(msg: str = "") -> None:
    print(msg, flush=True)


def watched_countries() -> tuple[str, ...]:
    try:
        from pivotwatch.settings import DEFAULT_COUNTRIES
    except ImportError:
        sys.path.insert(0, str(SRC))
        from pivotwatch.settings import DEFAULT_COUNTRIES
    return tuple(DEFAULT_COUNTRIES)


def child_python() -> str:
    return str(VENV_PY) if VENV_PY.exists() else sys.executable


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["PIVOTWATCH_CACHE"] = str(WORK / "cache")  # zip extraction goes under WORK
    env.setdefault("NO_COLOR", "1")
    env["COLUMNS"] = "200"
    return env


def pivotwatch_command() -> tuple[list[str] | None, str]:
    """How (a) is run: the console script, else the CLI module, else load_file directly."""
    if VENV_CLI.exists():
        return [str(VENV_CLI)], "console script .venv/bin/pivotwatch"
    probe = subprocess.run([child_python(), "-c", "import pivotwatch.cli"], env=child_env(),
                           capture_output=True, text=True)
    if probe.returncode == 0:
        code = "import sys; from pivotwatch.cli import main; sys.argv[0] = 'pivotwatch'; main()"
        return ([child_python(), "-c", code],
                "NOTE: .venv/bin/pivotwatch is missing (package not installed); running the "
                "same CLI entry point as `python -c 'from pivotwatch.cli import main; main()'` "
                "with PYTHONPATH=src")
    last = (probe.stderr.strip().splitlines() or ["?"])[-1]
    return None, f"NOTE: the CLI is not importable ({last}); (a) calls load_file directly"


# -- inputs ----------------------------------------------------------------------------------

def source_rows(events: Path) -> list[tuple[int, bytes]]:
    files = sorted(events.glob("*.export.CSV"))
    if not files:
        sys.exit(f"no GDELT 2.0 exports (*.export.CSV) in {events}")
    rows = []
    for f in files:
        for line in f.read_bytes().splitlines(keepends=True):
            if not line.strip():
                continue
            head, rest = line.split(b"\t", 1)
            if not line.endswith(b"\n"):
                rest += b"\n"
            rows.append((int(head), b"\t" + rest))
    return rows


def build_input(rows: list[tuple[int, bytes]], target_bytes: int) -> Path:
    """Repeat the real rows until `target_bytes`; reuse a file built before with the same rows."""
    one = sum(len(str(i)) + len(r) for i, r in rows)
    reps = max(1, math.ceil(target_bytes / one))
    dest = WORK / f"gdelt2-x{reps}.export.CSV"
    done = dest.with_name(dest.name + ".size")  # written once the file is complete
    if dest.exists() and done.exists() and done.read_text().strip() == str(dest.stat().st_size):
        log(f"  reusing {dest.name} ({dest.stat().st_size / MB:,.0f} MB)")
        return dest
    t = time.perf_counter()
    tmp = dest.with_suffix(".part")
    with tmp.open("wb", buffering=1 << 22) as out:
        for k in range(reps):
            off = k * ID_OFFSET
            out.write(b"".join(b"%d%b" % (i + off, r) for i, r in rows))
    tmp.replace(dest)
    done.write_text(str(dest.stat().st_size))
    log(f"  built {dest.name}: {reps} x {len(rows):,} rows = {reps * len(rows):,} rows, "
        f"{dest.stat().st_size / MB:,.0f} MB in {time.perf_counter() - t:.1f} s")
    return dest


def build_zip(plain: Path) -> Path:
    dest = plain.with_name(plain.name + ".zip")
    if dest.exists():
        log(f"  reusing {dest.name} ({dest.stat().st_size / MB:,.0f} MB)")
        return dest
    t = time.perf_counter()
    tmp = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(plain, arcname=plain.name)
    tmp.replace(dest)
    log(f"  built {dest.name}: {dest.stat().st_size / MB:,.0f} MB "
        f"(from {plain.stat().st_size / MB:,.0f} MB) in {time.perf_counter() - t:.1f} s")
    return dest


def warm(path: Path) -> None:
    with path.open("rb", buffering=0) as fh:
        while fh.read(8 << 20):
            pass


# -- measuring -------------------------------------------------------------------------------

def run_measured(argv: list[str], warm_paths: list[Path]) -> dict:
    """Run argv as a fresh process; its own wall time, CPU time and peak RSS."""
    for p in warm_paths:
        warm(p)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=child_env(), cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    result = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    return {"seconds": seconds, "rss_mib": usage.ru_maxrss / 1024,  # ru_maxrss is KiB on Linux
            "cpu_s": usage.ru_utime + usage.ru_stime, "rc": proc.returncode,
            "stdout": stdout, "stderr": stderr, **result}


def check(m: dict, what: str) -> dict:
    if m["rc"] != 0:
        log(f"  !! {what} failed (exit {m['rc']})")
        log("  stdout: " + m["stdout"][-2000:])
        log("  stderr: " + m["stderr"][-2000:])
        raise SystemExit(1)
    return m


def remove_store(db: Path) -> None:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)


def store_counts(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        (events,) = con.execute("SELECT count(*) FROM events").fetchone()
        read, kept, rejected = con.execute(
            "SELECT sum(rows_read), sum(rows_kept), sum(rows_rejected) FROM files "
            "WHERE status = 'loaded'").fetchone()
    finally:
        con.close()
    return {"events": int(events), "rows_read": int(read or 0), "rows_kept": int(kept or 0),
            "rows_rejected": int(rejected or 0)}


def best_of(runs: list[dict]) -> dict:
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["rss_mib"] = max(r["rss_mib"] for r in runs)  # the worse peak of the runs
    best["runs_s"] = [r["seconds"] for r in runs]
    return best


class Bench:
    def __init__(self, args, countries):
        self.args = args
        self.countries = countries
        self.csv_countries = ",".join(countries)
        self.cli, self.cli_note = pivotwatch_command()
        self.results: list[dict] = []  # one per (input, tool)

    def me(self, kind: str, *rest: str) -> list[str]:
        return [child_python(), str(Path(__file__).resolve()), "_child", kind, *rest]

    def run_a(self, path: Path, data_bytes: int, label: str) -> dict:
        runs = []
        for i in range(self.args.repeat):
            db = WORK / "stores" / f"bench-{os.getpid()}-{i}.duckdb"
            db.parent.mkdir(parents=True, exist_ok=True)
            remove_store(db)
            if self.cli:
                argv = [*self.cli, "--db", str(db), "ingest", "gdelt", str(path)]
            else:
                argv = self.me("load_file", str(path), self.csv_countries, str(db),
                               str(WORK / "cache" / "work"))
            m = check(run_measured(argv, [path]), f"(a) pivotwatch on {path.name}")
            m.update(store_counts(db))
            m["kept"] = m["events"]
            remove_store(db)
            shutil.rmtree(WORK / "cache" / "work", ignore_errors=True)
            runs.append(m)
            log(f"    (a) run {i + 1}: {m['seconds']:.2f} s, {m['rss_mib']:.0f} MiB, "
                f"cpu {m['cpu_s']:.1f} s, kept {m['kept']:,} of {m['rows_read']:,} "
                f"(rejected {m['rows_rejected']:,})")
        return self.record(label, "a", "pivotwatch ingest", best_of(runs), data_bytes, path)

    def run_b(self, path: Path, data_bytes: int, label: str) -> dict:
        m = check(run_measured(self.me("pandas", str(path), self.csv_countries), [path]),
                  f"(b) pandas on {path.name}")
        log(f"    (b) pandas: {m['seconds']:.2f} s, {m['rss_mib']:.0f} MiB, "
            f"cpu {m['cpu_s']:.1f} s, kept {m['kept']:,} of {m['rows']:,} "
            f"(column dtype {m['dtype']})")
        return self.record(label, "b", "pandas read_csv + filter", m, data_bytes, path)

    def run_c(self, path: Path, data_bytes: int, label: str) -> dict:
        runs = []
        for i in range(self.args.repeat):
            m = check(run_measured(self.me("duckdb", str(path), self.csv_countries, str(WORK)),
                                   [path]), f"(c) duckdb on {path.name}")
            runs.append(m)
            extra = f" (unzip {m['unzip_s']:.2f} s)" if m.get("unzip_s") else ""
            log(f"    (c) run {i + 1}: {m['seconds']:.2f} s{extra}, {m['rss_mib']:.0f} MiB, "
                f"cpu {m['cpu_s']:.1f} s, kept {m['kept']:,}")
        tool = "DuckDB unzip + count" if path.suffix == ".zip" else "DuckDB read_csv count"
        return self.record(label, "c", tool, best_of(runs), data_bytes, path)

    def run_d(self, path: Path, data_bytes: int, label: str) -> dict:
        runs = []
        for i in range(self.args.repeat):
            m = check(run_measured(self.me("polars", str(path), self.csv_countries, str(WORK)),
                                   [path]), f"(d) polars on {path.name}")
            runs.append(m)
            log(f"    (d) run {i + 1}: {m['seconds']:.2f} s, {m['rss_mib']:.0f} MiB, "
                f"cpu {m['cpu_s']:.1f} s, kept {m['kept']:,}")
        return self.record(label, "d", "polars scan_csv + filter + sink_parquet",
                           best_of(runs), data_bytes, path)

    def record(self, label, key, tool, m, data_bytes, path) -> dict:
        m.update(input=label, key=key, tool=tool, data_mb=data_bytes / MB,
                 file_mb=path.stat().st_size / MB, mbps=data_bytes / MB / m["seconds"])
        m.pop("stdout", None)
        m.pop("stderr", None)
        self.results.append(m)
        return m

    def startup(self) -> dict | None:
        """Seconds and RSS of `pivotwatch --help`: the CLI's fixed start-up cost in (a)."""
        if not self.cli:
            return None
        return best_of([check(run_measured([*self.cli, "--help"], []), "pivotwatch --help")
                        for _ in range(self.args.repeat)])

    def breakdown(self, path: Path) -> dict:
        db = WORK / "stores" / f"breakdown-{os.getpid()}.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        remove_store(db)
        m = check(run_measured(self.me("breakdown", str(path), self.csv_countries, str(db),
                                       str(WORK / "cache" / "work")), [path]),
                  "load_file breakdown")
        remove_store(db)
        return m


# -- report ----------------------------------------------------------------------------------

def machine() -> dict:
    import duckdb
    import pandas

    try:
        import psutil

        ram = psutil.virtual_memory().total
    except ImportError:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        code = f"git {head}" + (" + uncommitted changes in src/" if dirty else "")
    except OSError:
        code = "unknown"
    return {"code": code, "cores": os.cpu_count(), "ram_gib": ram / GIB, "cpu": cpu,
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "pandas": pandas.__version__, "os": f"{platform.system()} {platform.release()}"}


def is_zip(label: str) -> bool:
    return ".zip" in label


def ratio(x: dict | None, y: dict | None) -> float | None:
    if not x or not y:
        return None
    return x["mbps"] / y["mbps"]


def verdict(value, ok) -> str:
    if value is None:
        return "n/a"
    return "met" if ok(value) else "**not met**"


def fmt(v, spec=".2f") -> str:
    return "n/a" if v is None else format(v, spec)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0.5,2",
                    help="input sizes in GB (decimal), comma-separated; the first one is also "
                         "zipped and compared with pandas (default 0.5,2)")
    ap.add_argument("--skip-pandas-above", type=float, default=None, metavar="GB",
                    help="skip (b) pandas for inputs larger than this (default: skip when its "
                         "estimated peak RSS exceeds 10 GiB)")
    ap.add_argument("--keep", action="store_true", help="keep the work files (inputs, zip)")
    ap.add_argument("--quick", action="store_true", help="a 50 MB (+100 MB) smoke run")
    ap.add_argument("--repeat", type=int, default=2, help="runs of (a) and (c), best kept")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the timing breakdown of load_file's steps")
    ap.add_argument("--events", type=Path, default=DEFAULT_EVENTS,
                    help=f"folder of real GDELT 2.0 *.export.CSV files (default {DEFAULT_EVENTS})")
    args = ap.parse_args()
    sizes = [0.05, 0.1] if args.quick else [float(s) for s in args.sizes.split(",") if s.strip()]
    command = "python " + " ".join(shlex.quote(a) for a in
                                   [os.path.relpath(__file__, ROOT), *sys.argv[1:]])

    WORK.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(WORK).free
    need = int(sum(sizes) * 1e9 + sizes[0] * 1e9 * 1.4)  # inputs, zip, temp extracts
    if free < need:
        sys.exit(f"not enough disk under {WORK}: {free / GIB:.1f} GiB free, "
                 f"~{need / GIB:.1f} GiB needed")

    countries = watched_countries()
    bench = Bench(args, countries)
    info = machine()
    started = dt.datetime.now().astimezone()
    log(f"# ingest benchmark, {started:%Y-%m-%d %H:%M %Z}")
    log(f"machine: {info['cores']} cores ({info['cpu']}), {info['ram_gib']:.1f} GiB RAM, "
        f"Python {info['python']}, DuckDB {info['duckdb']}, pandas {info['pandas']}")
    log(f"(a) runs as: {bench.cli_note}")
    log(f"PIVOTWATCH_MEMORY_LIMIT={os.environ.get('PIVOTWATCH_MEMORY_LIMIT', '1GB (default)')}")
    log(f"watched countries: {','.join(countries)}")
    log(f"building inputs from {args.events} ...")
    rows = source_rows(args.events)
    plains = {size: build_input(rows, int(size * 1e9)) for size in sizes}
    main_size = sizes[0]
    main_plain = plains[main_size]
    zipped = build_zip(main_plain)
    created = [*plains.values(), zipped]

    def label_of(size, path):
        plain = plains[size].stat().st_size / MB
        if path.suffix == ".zip":
            return f"{plain:,.0f} MB as .zip ({path.stat().st_size / MB:,.0f} MB)"
        return f"{plain:,.0f} MB"

    pandas_rss_per_byte = None
    agreement = []
    try:
        for size in sizes:
            plain = plains[size]
            nbytes = plain.stat().st_size
            label = label_of(size, plain)
            log(f"\n## {label} plain ({nbytes:,} bytes)")
            a = bench.run_a(plain, nbytes, label)
            c = bench.run_c(plain, nbytes, label)
            d = bench.run_d(plain, nbytes, label)
            agreement.append((label, "d", d["kept"], a["kept"]))
            skip = None
            if args.skip_pandas_above is not None and size > args.skip_pandas_above:
                skip = f"larger than --skip-pandas-above {args.skip_pandas_above} GB"
            elif pandas_rss_per_byte is not None:
                est = pandas_rss_per_byte * nbytes
                if est > PANDAS_RSS_CAP:
                    skip = f"estimated peak RSS {est / GIB:.1f} GiB > 10 GiB"
            if skip:
                log(f"    (b) pandas skipped: {skip}")
            else:
                b = bench.run_b(plain, nbytes, label)
                pandas_rss_per_byte = b["rss_mib"] * MIB / nbytes
                agreement.append((label, "b", b["kept"], a["kept"]))
            agreement.append((label, "c", c["kept"], a["kept"]))
            if size == main_size:
                zlabel = label_of(size, zipped)
                log(f"\n## {zlabel}: {zipped.stat().st_size:,} bytes, {nbytes:,} uncompressed")
                za = bench.run_a(zipped, nbytes, zlabel)
                zc = bench.run_c(zipped, nbytes, zlabel)
                zb = bench.run_b(zipped, nbytes, zlabel)
                agreement += [(zlabel, "c", zc["kept"], za["kept"]),
                              (zlabel, "b", zb["kept"], za["kept"])]
        brk = start = None
        start = bench.startup()
        if start:
            log(f"\n## (a) start-up: `pivotwatch --help` takes {start['seconds']:.2f} s, "
                f"{start['rss_mib']:.0f} MiB")
        if not args.no_breakdown:
            log(f"\n## where (a) spends its time ({label_of(main_size, main_plain)}, "
                "load_file called directly, each step timed)")
            brk = bench.breakdown(main_plain)
            log(f"    open_store {brk['open_store_s']:.2f} s, load_file "
                f"{brk['load_file_s']:.2f} s, close (checkpoint) {brk['close_s']:.2f} s")
            for s in brk["steps"]:
                log(f"    {s['seconds']:7.2f} s  {s['step']}")
    finally:
        shutil.rmtree(WORK / "stores", ignore_errors=True)
        shutil.rmtree(WORK / "cache", ignore_errors=True)
        if not args.keep:
            for p in created:
                p.unlink(missing_ok=True)
                p.with_name(p.name + ".size").unlink(missing_ok=True)

    report(bench, info, command, started, agreement, brk, start)


def report(bench, info, command, started, agreement, brk, start) -> None:
    res = bench.results
    (WORK / "last-result.json").write_text(json.dumps(
        {"command": command, "started": started.isoformat(), "machine": info,
         "results": res, "agreement": agreement, "startup": start, "breakdown": brk},
        indent=1, default=str))

    def get(label, key):
        return next((r for r in res if r["input"] == label and r["key"] == key), None)

    labels = list(dict.fromkeys(r["input"] for r in res))
    main_label, zip_label = labels[0], next(lb for lb in labels if is_zip(lb))

    log("\n## agreement on rows kept")
    ok_all = True
    for label, key, other, a_kept in agreement:
        ok = other == a_kept
        ok_all &= ok
        log(f"    {label}: (a) {a_kept:,} vs ({key}) {other:,} -> {'agree' if ok else 'DIFFER'}")

    lines = []
    lines.append(f"Ingest benchmark, {started:%Y-%m-%d}: `{command}`  ")
    lines.append(f"Machine: {info['cores']} cores ({info['cpu']}), {info['ram_gib']:.0f} GiB RAM, "
                 f"{info['os']}; Python {info['python']}, DuckDB {info['duckdb']}, "
                 f"pandas {info['pandas']}; pivotwatch {info['code']}.  ")
    lines.append(f"Input: real GDELT 2.0 exports repeated (ids offset per copy); MB/s = "
                 f"uncompressed MB per wall-clock second of the whole process (start-up "
                 f"included); (a) and (c) best of {bench.args.repeat}; peak RSS per process.  ")
    lines.append(f"(a) = {bench.cli_note.removeprefix('NOTE: ')}; watched: "
                 f"{','.join(bench.countries)}.")
    lines.append("")
    lines.append("| input | tool | seconds | MB/s | peak RSS MiB | CPU s | rows kept |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for label in labels:
        for key in "abcd":
            r = get(label, key)
            if r is None:
                if key == "b":
                    lines.append(f"| {label} | (b) pandas read_csv + filter | skipped | | | | |")
                continue
            lines.append(f"| {label} | ({key}) {r['tool']} | {r['seconds']:.2f} | "
                         f"{r['mbps']:.0f} | {r['rss_mib']:,.0f} | {r['cpu_s']:.1f} | "
                         f"{r['kept']:,} |")
    lines.append("")
    lines.append("| check | value | target | |")
    lines.append("|---|---:|---:|---|")
    for label in (main_label, zip_label):
        ab, ac = ratio(get(label, "a"), get(label, "b")), ratio(get(label, "a"), get(label, "c"))
        lines.append(f"| a/b throughput, {label} | {fmt(ab)} | >= {TARGET_AB:g} | "
                     f"{verdict(ab, lambda v: v >= TARGET_AB)} |")
        lines.append(f"| a/c throughput, {label} | {fmt(ac)} | >= {TARGET_AC:g} | "
                     f"{verdict(ac, lambda v: v >= TARGET_AC)} |")
        if get(label, "d"):
            lines.append(f"| a/d throughput (vs polars), {label} | "
                         f"{fmt(ratio(get(label, 'a'), get(label, 'd')))} | | |")
    for label in labels:
        r = get(label, "a")
        lines.append(f"| peak RSS (a), {label} | {r['rss_mib']:,.0f} MiB | < 1 GiB | "
                     f"{verdict(r['rss_mib'], lambda v: v < TARGET_RSS_MIB)} |")
    plain_labels = [lb for lb in labels if not is_zip(lb)]
    if len(plain_labels) > 1:
        r0, r1 = get(plain_labels[0], "a"), get(plain_labels[-1], "a")
        growth = r1["rss_mib"] / r0["rss_mib"]
        size_growth = r1["data_mb"] / r0["data_mb"]
        bounded = growth < 1 + (size_growth - 1) / 4 and r1["rss_mib"] < TARGET_RSS_MIB
        lines.append(f"| RSS (a) {plain_labels[-1]} / {plain_labels[0]} | {growth:.2f}x "
                     f"(input {size_growth:.1f}x) | bounded, well below input growth | "
                     f"{'met' if bounded else '**not met**'} |")
    lines.append(f"| rows kept (a) = (c) (and (b) where run) | "
                 f"{'all agree' if ok_all else 'DIFFER'} | equal | "
                 f"{'met' if ok_all else '**not met**'} |")
    if start or brk:
        lines.append("")
    if start:
        lines.append(f"(a)'s fixed start-up (`pivotwatch --help`): {start['seconds']:.2f} s, "
                     f"{start['rss_mib']:.0f} MiB.  ")
    if brk:
        lines.append(f"Where (a)'s time goes ({main_label}, load_file steps, seconds): " +
                     "; ".join(f"{s['step'][:48]}… {s['seconds']:.2f}" if len(s['step']) > 48
                               else f"{s['step']} {s['seconds']:.2f}" for s in brk["steps"]) +
                     f"; total load_file {brk['load_file_s']:.2f}; store close (checkpoint) "
                     f"{brk['close_s']:.2f}.")
    log("\n## table (markdown)\n")
    log("\n".join(lines))
    out = WORK / "last-result.md"
    out.write_text("\n".join(lines) + "\n")
    log(f"\n(saved to {out.relative_to(ROOT)} and last-result.json)")


if __name__ == "__main__":
    main()
