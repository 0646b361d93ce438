"""Peak RSS of every record loader on the worst input its caps still admit.

For each loader this builds, at run time in a temporary folder, the input that costs the most
memory a row while staying under the size caps (the fewest bytes a row, every row distinct, or
every row a reject), runs `pivotwatch --db <fresh store> ingest <source> FILE` as a fresh
process and reports its peak RSS (`os.wait4` of that one process), wall time and exit code.
The files are deleted afterwards.

At the default caps (PIVOTWATCH_MAX_RECORD_FILE_BYTES 128 MiB, PIVOTWATCH_MAX_JSON_BYTES
64 MiB, PIVOTWATCH_MAX_DOCUMENT_BYTES 5 MiB) the whole run takes several minutes on two
cores. `--scale N` sets every cap N times lower, builds inputs at those caps and reports the
measured RSS beside a linear extrapolation to the default caps (from an empty-ish run of the
same loader: base + (measured - base) * N); the claim that matters is the one at scale 1.

    python benchmarks/ingest_rss.py                 # every loader at the default caps
    python benchmarks/ingest_rss.py --only unvotes  # the cases whose name contains 'unvotes'
    python benchmarks/ingest_rss.py --scale 8 --gdelt
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / ".venv" / "bin" / "pivotwatch"
MiB = 1 << 20
DEFAULT_CAPS = {"PIVOTWATCH_MAX_RECORD_FILE_BYTES": 128 * MiB,
                "PIVOTWATCH_MAX_JSON_BYTES": 64 * MiB,
                "PIVOTWATCH_MAX_DOCUMENT_BYTES": 5 * MiB,
                "PIVOTWATCH_MAX_LINE_BYTES": 64 * MiB,
                "PIVOTWATCH_MAX_MEMBER_BYTES": 8 << 30}
LIMIT = 1 << 30  # the claim: under 1 GiB whatever the input


# --- vocabularies (codes the crosswalk maps, so rows are valid) -------------------------------

def _codes() -> dict[str, list[str]]:
    sys.path.insert(0, str(ROOT / "src"))
    from pivotwatch.taxonomy.countrycodes import to_iso3
    from pivotwatch.taxonomy.trade_categories import category_of

    letters = [chr(c) for c in range(65, 91)]
    # one code a country (SU and RU are both Russia), so every row is a distinct vote
    iso2 = list({to_iso3(a + b, "iso2"): a + b for a in letters for b in letters
                 if to_iso3(a + b, "iso2")}.values())
    iso3 = sorted({to_iso3(c, "iso2") for c in iso2})
    cow = list({to_iso3(str(n), "cow"): str(n) for n in range(2, 1000)
                if to_iso3(str(n), "cow")}.values())
    chapters = [f"{c:02d}" for c in range(1, 100) if category_of(f"{c:02d}")]
    return {"iso2": iso2, "iso3": iso3, "cow": cow, "chapters": chapters}


# --- worst inputs ---------------------------------------------------------------------------

# Rows a loader admits in one file, where that binds before the byte cap (sources/unga.py
# MAX_ROWS, sources/comtrade.py MAX_RECORDS): the worst admitted input stops there.
ROW_CAPS = {"unvotes votes": 2_600_000, "unvotes voeten": 2_600_000,
            "unvotes roll calls": 200_000, "unvotes issues": 200_000, "comtrade": 600_000}
_most: list[int | None] = [None]  # the row cap of the case being written


def _write(path: Path, head: str, rows: Callable[[int], str], tail: str, size: int) -> int:
    """Write head, rows(0), rows(1), ... and tail, stopping before `size` bytes (or the case's
    row cap); rows written."""
    budget = size - len(head.encode()) - len(tail.encode())
    n = 0
    most = _most[0] or 1 << 62
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(head)
        while True:
            block = [rows(i) for i in range(n, min(n + 50_000, most))]
            if not block:
                break
            data = "".join(block)
            if len(data) > budget:
                for row in block:
                    if len(row) > budget:
                        break
                    fh.write(row)
                    budget -= len(row)
                    n += 1
                break
            fh.write(data)
            budget -= len(data)
            n += len(block)
        fh.write(tail)
    return n


def cases(codes: dict[str, list[str]]) -> list[tuple[str, str, str, str, Callable]]:
    """(name, ingest source, cap setting, file suffix, writer(path, size) -> rows)."""
    iso2, iso3, cow, chapters = codes["iso2"], codes["iso3"], codes["cow"], codes["chapters"]
    n2, n3, nc = len(iso2), len(iso3), len(cow)
    issues = ("me", "nu", "di", "hr", "co", "ec")
    rec, js = "PIVOTWATCH_MAX_RECORD_FILE_BYTES", "PIVOTWATCH_MAX_JSON_BYTES"
    votes = ("yes", "no", "abstain")

    def unvotes_votes(p, size):
        return _write(p, "rcid,country,country_code,vote\n",
                      lambda i: f"{i // n2 + 1},,{iso2[i % n2]},{votes[i % 3]}\n", "", size)

    def unvotes_rejects(p, size):
        return _write(p, "rcid,country,country_code,vote\n",
                      lambda i: f"{i + 1},,{iso2[i % n2]},x\n", "", size)

    def unvotes_names(p, size):  # no code, a distinct country name on every row
        return _write(p, "rcid,country,country_code,vote\n",
                      lambda i: f"{i + 1},n{i},,yes\n", "", size)

    def roll_calls(p, size):
        return _write(p, "rcid,session,importantvote,date,unres,amend,para,short,descr\n",
                      lambda i: f"{i + 1},1,0,2000-01-01,,,,,\n", "", size)

    def issue_tags(p, size):
        return _write(p, "rcid,short_name,issue\n",
                      lambda i: f"{i // 6 + 1},{issues[i % 6]},\n", "", size)

    def voeten(p, size):  # as many roll calls as admitted (200,000), every row a vote
        return _write(p, "rcid,session,vote,ccode,member,importantvote,date,unres,me,nu,di,hr,"
                         "co,ec,year\n",
                      lambda i: f"{i % 200_000 + 1},1,1,{cow[i // 200_000 % nc]},,0,1/1/2000,,"
                                "0,0,0,0,0,0,\n", "", size)

    def hs(i):
        return f"{chapters[i % len(chapters)]}{(i // len(chapters)) % 10000:04d}"

    def comtrade_csv(p, size):
        def row(i):
            k = i // (len(chapters) * 10000)
            r, q = iso3[k % n3], iso3[(k // n3 + 1 + k) % n3]
            return f"{r},{q if q != r else 'ZZZ'},{2000 + (k // (n3 * n3)) % 100},M,{hs(i)},1\n"
        return _write(p, "reporter_iso,partner_iso,ref_year,flow_desc,cmd_code,"
                         "primary_value\n", row, "", size)

    def comtrade_json(p, size):
        def row(i):
            return (f'{{"reporterCode":{i % 900},"reporterISO":"USA","partnerCode":643,'
                    f'"partnerISO":"RUS","refYear":{2000 + i // 500000},"flowDesc":"Import",'
                    f'"cmdCode":"{hs(i)}","primaryValue":{i}}},\n')
        n = _write(p, '{"data":[\n', row, '{"x":1}]}', size)
        return n + 1

    def un_sc(p, size):
        return _write(p, '<CONSOLIDATED_LIST dateGenerated="2025-01-01T00:00:00"><INDIVIDUALS>',
                      lambda i: f"<INDIVIDUAL><REFERENCE_NUMBER>K{i}</REFERENCE_NUMBER>"
                                f"<FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>\n",
                      "</INDIVIDUALS></CONSOLIDATED_LIST>", size)

    def un_sc_empty(p, size):  # every entry a reject (no id)
        return _write(p, '<CONSOLIDATED_LIST dateGenerated="2025-01-01T00:00:00"><INDIVIDUALS>',
                      lambda i: "<INDIVIDUAL/>", "</INDIVIDUALS></CONSOLIDATED_LIST>", size)

    def ofac(p, size):
        return _write(p, '<sdnList xmlns="http://tempuri.org/sdnList.xsd">',
                      lambda i: f"<sdnEntry><uid>{i}</uid><lastName>A</lastName>"
                                "<sdnType>Entity</sdnType></sdnEntry>\n", "</sdnList>", size)

    def ftm_lines(p, size):
        return _write(p, "", lambda i: f'{{"id":"x{i}","schema":"Person","properties":'
                                       f'{{"name":["A"]}}}}\n', "", size)

    def ftm_array(p, size):
        n = _write(p, "[", lambda i: f'{{"id":"x{i}","schema":"Person","properties":'
                                     f'{{"name":["A"]}}}},\n', '{"id":"y","schema":"Person"}]',
                   size)
        return n + 1

    def timeline(p, size):
        return _write(p, "date,date_precision,actor1,actor2,dimension,event_type,description,"
                         "source_url,confidence\n",
                      lambda i: f"2000,year,RUS,,diplomatic,x,{i},http://a,high\n", "", size)

    def trade(p, size):
        return _write(p, "year,reporter,flow,value_usd,is_estimate,note,source_url,"
                         "confidence\n",
                      lambda i: f"2000,{i},x,1,true,,http://a,high\n", "", size)

    def fuel(p, size):
        return _write(p, "period_start,period_end,supplier,barrels,basis,note,source_url,"
                         "confidence\n",
                      lambda i: f"2000-01-01,2000-01-01,RUS,{i},reported_to_un,,http://a,"
                                "high\n", "", size)

    def caps(p, size):
        return _write(p, "instrument,adopted,commodity,cap_value,cap_unit,source_url\n",
                      lambda i: f"{i},2000-01-01,x,1,x,http://a\n", "", size)

    doc = "PIVOTWATCH_MAX_DOCUMENT_BYTES"

    def doc_html(p, size):
        return _write(p, "<html><body>", lambda i: "<div><p>a</p></div>",
                      "</body></html>", size)

    def doc_text(p, size):
        return _write(p, "", lambda i: f"Russia sold {i} tonnes of oil in 2015.\n", "", size)

    return [
        ("unvotes votes (distinct)", "unvotes", rec, ".csv", unvotes_votes),
        ("unvotes votes (all rejects)", "unvotes", rec, ".csv", unvotes_rejects),
        ("unvotes votes (distinct names)", "unvotes", rec, ".csv", unvotes_names),
        ("unvotes roll calls", "unvotes", rec, ".csv", roll_calls),
        ("unvotes issues", "unvotes", rec, ".csv", issue_tags),
        ("unvotes voeten", "unvotes", rec, ".csv", voeten),
        ("comtrade csv", "comtrade", rec, ".csv", comtrade_csv),
        ("comtrade json", "comtrade", js, ".json", comtrade_json),
        ("sanctions un-sc xml", "sanctions", rec, ".xml", un_sc),
        ("sanctions un-sc xml (all rejects)", "sanctions", rec, ".xml", un_sc_empty),
        ("sanctions ofac xml", "sanctions", rec, ".xml", ofac),
        ("sanctions ftm lines", "sanctions", rec, ".json", ftm_lines),
        ("sanctions ftm array", "sanctions", js, ".json", ftm_array),
        ("reference timeline", "reference", rec, ".csv", timeline),
        ("reference trade", "reference", rec, ".csv", trade),
        ("reference fuel", "reference", rec, ".csv", fuel),
        ("reference caps", "reference", rec, ".csv", caps),
        ("documents html", "documents", doc, ".html", doc_html),
        ("documents text", "documents", doc, ".txt", doc_text),
    ]


SHARED = ROOT.parent / "shared" / "data"
REAL = (("real un_votes.csv", "unvotes", "unga/un_votes.csv"),
        ("real Voeten (57 MB unzipped)", "unvotes", "unga/UNVotesPublished_voeten2016.csv.gz"),
        ("real Comtrade EU wood (27 MB)", "comtrade",
         "trade/comtrade/comtradr_data_eu_imports_wood_2018-2022.csv.gz"),
        ("real UN SC list", "sanctions", "sanctions/un_sc/consolidated_2025-04-19.xml"))


def gdelt_cases() -> list[tuple[str, str, str, str, Callable]]:
    """GDELT inputs the member and line caps must stop: a zip bomb and a single huge line."""
    mem, line = "PIVOTWATCH_MAX_MEMBER_BYTES", "PIVOTWATCH_MAX_LINE_BYTES"

    def bomb(p, size):  # a member of zeros one byte past the member cap
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf, \
                zf.open("20150218230000.export.CSV", "w", force_zip64=True) as fh:
            block = b"0" * (8 * MiB)
            left = size + 1
            while left > 0:
                fh.write(block[:left])
                left -= len(block)
        return 1

    def long_line(p, size):  # one line twice the line cap
        with p.open("wb") as fh:
            block = b"x" * (8 * MiB)
            for _ in range(max(2 * size // len(block), 1)):
                fh.write(block)
            fh.write(b"\n")
        return 1

    return [("gdelt zip bomb", "gdelt", mem, ".export.CSV.zip", bomb),
            ("gdelt line 2x cap", "gdelt", line, ".export.CSV", long_line)]


# --- measuring ------------------------------------------------------------------------------

def run(source: str, path: Path, work: Path, env: dict[str, str]) -> dict:
    """`pivotwatch ingest` of one file in a fresh process: its peak RSS, time, exit code."""
    db = work / "store.duckdb"
    for p in work.glob("store.duckdb*"):
        p.unlink() if p.is_file() else shutil.rmtree(p)
    argv = [str(CLI), "--db", str(db), "ingest", source, str(path)]
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    last = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return {"rss": usage.ru_maxrss * 1024, "seconds": seconds,
            "rc": os.waitstatus_to_exitcode(status), "said": last[-1][:90] if last else "",
            "output": text[-3000:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="caps N times lower than default")
    parser.add_argument("--only", action="append", default=[],
                        help="run the cases whose name contains this (repeatable)")
    parser.add_argument("--gdelt", action="store_true", help="also a GDELT zip bomb and line")
    parser.add_argument("--real", action="store_true",
                        help="also the largest real files in ../shared/data (at any scale)")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here as well")
    args = parser.parse_args(argv)
    caps = {k: max(v // args.scale, 4096) for k, v in DEFAULT_CAPS.items()}
    env = {**os.environ, **{k: str(v) for k, v in caps.items()}}
    env.setdefault("PIVOTWATCH_CACHE", "")
    todo = cases(_codes()) + (gdelt_cases() if args.gdelt else [])
    if args.only:
        todo = [c for c in todo if any(o in c[0] for o in args.only)]
    rows = []
    if args.real and SHARED.is_dir():
        for name, source, rel in REAL:
            if args.only and not any(o in name for o in args.only):
                continue
            got = run(source, SHARED / rel, Path(tempfile.mkdtemp(prefix="pw-rss-")), env)
            print(f"{name:36} {(SHARED / rel).stat().st_size / MiB:7.1f}Mi {'':>10} "
                  f"{got['rss'] / MiB:7.0f}Mi {'':>8} {got['seconds']:6.1f}s {got['rc']:>3} "
                  f"{got['said']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pw-rss-") as tmp:
        work = Path(tmp)
        env["PIVOTWATCH_CACHE"] = str(work / "cache")
        print(f"caps: {', '.join(f'{k[11:]}={v:,}' for k, v in caps.items())}", flush=True)
        print(f"{'input':36} {'size':>9} {'rows':>10} {'peak RSS':>9} "
              f"{'at cap':>8} {'time':>7} rc  last line", flush=True)
        for name, source, setting, suffix, write in todo:
            path = work / f"input{suffix}"
            size = caps[setting]
            _most[0] = next((v for k, v in ROW_CAPS.items() if name.startswith(k)), None)
            n = write(path, size)
            got = run(source, path, work, env)
            base = None
            if args.scale > 1:  # a run of the same loader on a tiny input, for extrapolation
                small = work / f"small{suffix}"
                _most[0] = None
                write(small, 64 << 10)
                base = run(source, small, work, env)["rss"]
                small.unlink()
            at_cap = got["rss"] if base is None else base + (got["rss"] - base) * args.scale
            row = {"input": name, "bytes": path.stat().st_size, "rows": n, **got,
                   "rss_at_default_caps": at_cap}
            rows.append(row)
            path.unlink()
            flag = "  OVER 1 GiB" if at_cap >= LIMIT else ""
            print(f"{name:36} {row['bytes'] / MiB:7.1f}Mi {n:>10,} {got['rss'] / MiB:7.0f}Mi "
                  f"{at_cap / MiB:6.0f}Mi {got['seconds']:6.1f}s {got['rc']:>3} "
                  f"{got['said']}{flag}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    worst = max(rows, key=lambda r: r["rss_at_default_caps"]) if rows else None
    if worst:
        print(f"worst: {worst['input']}, {worst['rss_at_default_caps'] / MiB:.0f} MiB"
              f"{' (extrapolated)' if args.scale > 1 else ''}")
    return 1 if worst and worst["rss_at_default_caps"] >= LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
