"""Sanctions lists: the UN Security Council consolidated list, OFAC's XML lists, OFAC's SDN
CSV files (sdn.csv with add.csv) and OpenSanctions FollowTheMoney exports and deltas, loaded
into the `sanctions` table; a monthly panel of OFAC listings by address country into
`sanctions_counts`.

The layout is told from the content (XML root element and namespace, the JSON shape, or the
width and first field of a CSV's first row), not from the file name. Each file loads in one
transaction through `load_records` (an sdn.csv and its add.csv as one load): a file that
cannot be parsed fails with one line and leaves nothing; a file loaded before is skipped.
"""

from __future__ import annotations

from functools import partial
from importlib import resources
from pathlib import Path

from pivotwatch.errors import SourceError
from pivotwatch.settings import get_settings
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.records import (
    Expectations,
    FileResult,
    Parsed,
    expand,
    first_line,
    load_records,
    read_bytes,
    source_cap,
)
from pivotwatch.sources.sanctions import ofac, ofac_csv, ofac_panel, opensanctions, un_sc
from pivotwatch.sources.sanctions.common import parse_xml
from pivotwatch.store.store import Store

SOURCE = "sanctions"
LISTS = (un_sc.LIST, ofac.LIST, opensanctions.LIST)
# A sanctions file is small and curated: a quarter of bad entries means the wrong file.
EXPECT = Expectations(min_rows=1, max_reject_share=0.25)
# A list is parsed whole (an XML tree, or every FtM entity) and each entry made a Python
# record: ~25 bytes of memory a byte of XML, ~45 a byte of FtM JSON for the smallest entries.
# These caps keep the worst file under ~0.8 GB RSS (benchmarks/ingest_rss.py) and are many
# times the largest real files (UN list 2.2 MB, OFAC consolidated 1.1 MB, FtM exports 20 KB).
MAX_XML_BYTES = 16 << 20
MAX_FTM_BYTES = 8 << 20


# Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE), and how UTF-16 or UTF-32
# text without a BOM starts when its first character is ASCII ('<', '{' or '[').
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_NO_BOM = ((b"\x00\x00\x00", "utf-32-be"), (b"\x00", "utf-16-be"))


def _encoding(data: bytes) -> str:
    """The text encoding the bytes start in: by BOM, else by the zero bytes around an ASCII
    first character (how XML tells UTF-16 and UTF-32 apart), else UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    if data[1:4] == b"\x00\x00\x00":
        return "utf-32-le"
    if data[1:2] == b"\x00" and data[:1] != b"\x00":
        return "utf-16-le"
    for prefix, codec in _NO_BOM:
        if data.startswith(prefix):
            return codec
    return "utf-8"


_NOT_A_LIST = "not a sanctions list (neither XML, FollowTheMoney JSON nor OFAC's sdn.csv)"
_ADDRESSES_ALONE = ("is OFAC's address file (add.csv): it is loaded with its sdn.csv, in one "
                    "command (pivotwatch ingest sanctions sdn.csv add.csv)")


def parse_file(path: Path, name: str) -> Parsed:
    """Tell the layout from the content and parse the file; SourceError if it is none."""
    head = first_line(path)
    if ofac_panel.is_panel(head):
        return ofac_panel.parse(path, name)
    csv_kind = ofac_csv.layout_of(head)
    if csv_kind == "sdn":
        return ofac_csv.parse(path, name)
    if csv_kind == "add":
        raise SourceError(f"{name} {_ADDRESSES_ALONE}")
    data = read_bytes(path, name, capped=source_cap(name, MAX_XML_BYTES, "a sanctions list"))
    encoding = _encoding(data)
    head = data[:64].decode(encoding, "ignore").lstrip("\ufeff \t\r\n")[:1]
    if not head:
        if not data.strip():
            raise SourceError(f"{name}: empty file")
        raise SourceError(f"{name}: {_NOT_A_LIST}")
    if head == "<":
        # The parser reads the BOM and the XML declaration itself (UTF-16 lists load).
        root = parse_xml(data, name)
        if root.tag == un_sc.ROOT:
            return un_sc.parse(root, name)
        if ofac.is_root(root.tag):
            return ofac.parse(root, name)
        raise SourceError(f"{name}: not a sanctions list: XML root <{root.tag}> is neither "
                          f"the UN's <{un_sc.ROOT}> nor OFAC's <sdnList>")
    if head in ("{", "["):
        if len(data) > MAX_FTM_BYTES:
            raise SourceError(source_cap(name, MAX_FTM_BYTES, "a FollowTheMoney file")[1])
        if encoding not in ("utf-8", "utf-8-sig"):  # JSON lines are split as UTF-8 bytes
            try:
                data = data.decode(encoding).encode("utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(f"{name}: not {encoding.upper()} text ({exc.reason} at "
                                  f"byte {exc.start})") from exc
        elif encoding == "utf-8-sig":
            data = data[3:]
        return opensanctions.parse(data, name, get_settings())
    raise SourceError(f"{name}: {_NOT_A_LIST}")


def load_sanctions(store: Store, path: Path, name: str | None = None, *,
                   addresses: Path | None = None, addresses_name: str | None = None
                   ) -> FileResult:
    """Load one sanctions file in one transaction; raises SourceError if it is unusable.
    With `addresses` (OFAC's add.csv), `path` must be its sdn.csv: the two are one load."""
    name = name or str(path)
    if addresses is None:
        return load_records(store, Path(path), name, source=SOURCE, parse=parse_file,
                            expect=EXPECT)
    add_name = addresses_name or str(addresses)
    if ofac_csv.layout_of(first_line(Path(path))) != "sdn":
        raise SourceError(f"{name}: addresses ({add_name}) go with OFAC's sdn.csv, and this "
                          "is not one")
    if ofac_csv.layout_of(first_line(Path(addresses))) != "add":
        raise SourceError(f"{add_name}: not OFAC's address file (add.csv)")
    return load_records(store, Path(path), f"{name} + {add_name}", source=SOURCE,
                        parse=lambda p, n: ofac_csv.parse(p, name, (Path(addresses), add_name)),
                        expect=EXPECT, read_with=[Path(addresses)])


def _date_in(name: str) -> str | None:
    stamp, _ = ofac_csv.published([name])
    return stamp.isoformat() if stamp else None


def pair_addresses(files: list[tuple[str, Path]]
                   ) -> tuple[list[tuple[str, Path, tuple[str, Path] | None]], list[str]]:
    """OFAC CSVs paired: each add.csv with the sdn.csv in the same folder whose file name has
    the same date (or, when one of each is left, with that one unless their names give two
    different dates). Returns ((sdn name, path, its add.csv or None) for every sdn.csv, the
    add.csv names left without one)."""
    kinds = {name: ofac_csv.layout_of(first_line(path)) for name, path in files}
    sdns = [(n, p) for n, p in files if kinds[n] == "sdn"]
    adds = [(n, p) for n, p in files if kinds[n] == "add"]
    paired: dict[str, tuple[str, Path]] = {}
    for add in adds:
        same = [n for n, p in sdns if n not in paired and p.parent == add[1].parent
                and _date_in(n) == _date_in(add[0])]
        if len(same) == 1:
            paired[same[0]] = add
    left = [a for a in adds if a not in paired.values()]
    alone = [s for s in sdns if s[0] not in paired]
    if len(left) == 1 and len(alone) == 1:
        dates = {_date_in(alone[0][0]), _date_in(left[0][0])} - {None}
        if len(dates) < 2:
            paired[alone[0][0]] = left.pop()
    return [(n, p, paired.get(n)) for n, p in sdns], [n for n, _ in left]


def _is_list(path: Path) -> bool:
    """In a folder: a CSV is taken only in OFAC's layouts (others are passed over)."""
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return True
    head = first_line(path)
    return ofac_csv.layout_of(head) is not None or ofac_panel.is_panel(head)


def ingest_sanctions(ctx: Context, paths: list[str]) -> IngestReport:
    """Load sanctions files (any of the layouts, in any order); an OFAC sdn.csv and add.csv
    given together load as one. Folders are searched with their subfolders, as the other
    loaders' are."""
    targets, passed = expand(paths, (".xml", ".json", ".xml.gz", ".json.gz", ".csv",
                                     ".csv.gz"), _is_list, recursive=True)
    report = IngestReport()
    report.passed_over.extend(passed)
    csvs = [(n, p) for n, p in targets if p.is_file()
            and ofac_csv.layout_of(first_line(p)) is not None]
    pairs, lonely = pair_addresses(csvs)
    address_of = {name: add for name, _, add in pairs if add}
    taken = {add[0] for add in address_of.values()}
    ctx.progress.planned(len(targets) - len(taken), "sanctions files")
    for name, path in targets:
        if name not in taken:
            attempt(ctx, report, name, partial(_load_one, ctx.store, name, path,
                                               address_of.get(name), name in lonely))
    return report


def _load_one(store: Store, name: str, path: Path, addresses: tuple[str, Path] | None,
              lonely: bool) -> FileResult:
    if lonely:
        raise SourceError(f"{name} {_ADDRESSES_ALONE}")
    if addresses is None:
        return load_sanctions(store, path, name)
    return load_sanctions(store, path, name, addresses=addresses[1],
                          addresses_name=addresses[0])


def bundled_sample() -> list[Path]:
    """The bundled sample: subsets of the UN lists of 2018 and 2025-11-20 (DPRK regime and
    the entries tied to Russia) and the OpenSanctions export and deltas."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "sanctions"))
    return sorted(p for p in folder.iterdir() if p.name.endswith((".xml", ".json", ".xml.gz")))


__all__ = ["LISTS", "bundled_sample", "ingest_sanctions", "load_sanctions",
           "pair_addresses", "parse_file"]
