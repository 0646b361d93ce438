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
from pivotwatch.sources.context import Context, IngestReport, attempt
from pivotwatch.sources.gdelt.load import FileResult
from pivotwatch.sources.records import Expectations, Parsed, expand, load_records, read_bytes
from pivotwatch.sources.sanctions import ofac, opensanctions, un_sc
from pivotwatch.sources.sanctions.common import parse_xml
from pivotwatch.store.store import Store

SOURCE = "sanctions"
LISTS = (un_sc.LIST, ofac.LIST, opensanctions.LIST)
# A sanctions file is small and curated: a quarter of bad entries means the wrong file.
EXPECT = Expectations(min_rows=1, max_reject_share=0.25)


def parse_file(path: Path, name: str) -> Parsed:
    """Tell the layout from the content and parse the file; SourceError if it is none."""
    data = read_bytes(path, name)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise SourceError(f"{name}: empty file")
    if head == b"<":
        root = parse_xml(data, name)
        if root.tag == un_sc.ROOT:
            return un_sc.parse(root, name)
        if root.tag in ofac.ROOTS:
            return ofac.parse(root, name)
        raise SourceError(f"{name}: not a sanctions list: XML root <{root.tag}> is neither "
                          f"the UN's <{un_sc.ROOT}> nor OFAC's <sdnList>")
    if head in (b"{", b"["):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
                from exc
        return opensanctions.parse(text, name)
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
