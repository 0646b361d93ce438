"""Sanctions lists: the UN Security Council consolidated list, OFAC's XML lists and
OpenSanctions FollowTheMoney exports and deltas, loaded into the `sanctions` table.

The layout is told from the content (XML root element and namespace, or the JSON shape), not
from the file name. Each file loads in one transaction through `load_records`: a file that
cannot be parsed fails with one line and leaves nothing; a file loaded before is skipped.
"""

from __future__ import annotations

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
    load_records,
    read_bytes,
    source_cap,
)
from pivotwatch.sources.sanctions import ofac, opensanctions, un_sc
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


def parse_file(path: Path, name: str) -> Parsed:
    """Tell the layout from the content and parse the file; SourceError if it is none."""
    data = read_bytes(path, name, capped=source_cap(name, MAX_XML_BYTES, "a sanctions list"))
    encoding = _encoding(data)
    head = data[:64].decode(encoding, "ignore").lstrip("\ufeff \t\r\n")[:1]
    if not head:
        if not data.strip():
            raise SourceError(f"{name}: empty file")
        raise SourceError(f"{name}: not a sanctions list (neither XML nor FollowTheMoney JSON)")
    if head == "<":
        # The parser reads the BOM and the XML declaration itself (UTF-16 lists load).
        root = parse_xml(data, name)
        if root.tag == un_sc.ROOT:
            return un_sc.parse(root, name)
        if root.tag in ofac.ROOTS:
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
    raise SourceError(f"{name}: not a sanctions list (neither XML nor FollowTheMoney JSON)")


def load_sanctions(store: Store, path: Path, name: str | None = None) -> FileResult:
    """Load one sanctions file in one transaction; raises SourceError if it is unusable."""
    return load_records(store, Path(path), name or str(path), source=SOURCE, parse=parse_file,
                        expect=EXPECT)


def ingest_sanctions(ctx: Context, paths: list[str]) -> IngestReport:
    """Load sanctions files (any of the three layouts, in any order)."""
    targets, _ = expand(paths, (".xml", ".json", ".xml.gz", ".json.gz"))
    report = IngestReport()
    ctx.progress.planned(len(targets), "sanctions files")
    for name, path in targets:
        attempt(ctx, report, name, lambda name=name, path=path: load_sanctions(ctx.store, path,
                                                                               name))
    return report


def bundled_sample() -> list[Path]:
    """The bundled sample: a subset of the 2018 UN list (DPRK regime and every entry with a
    Russian nationality or address) and the OpenSanctions export and deltas."""
    folder = Path(str(resources.files("pivotwatch") / "data" / "sample" / "sanctions"))
    return sorted(p for p in folder.iterdir() if p.suffix in (".xml", ".json"))


__all__ = ["LISTS", "bundled_sample", "ingest_sanctions", "load_sanctions", "parse_file"]
