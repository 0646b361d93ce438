"""Build the bundled sanctions sample from ../shared/data/sanctions.

The UN part keeps the original XML structure (root, INDIVIDUALS and ENTITIES, each entry as
it is) but only the DPRK-regime entries and every entry with a Russian nationality or address
(mapped with the same crosswalk the connector uses). The OpenSanctions files are copied whole.

The 2025 extract (`un_sc_2025-11-20_dprk_rus.xml.gz`) copies entries of the UN list of
2025-11-20 byte for byte (each `<INDIVIDUAL>...</INDIVIDUAL>` or `<ENTITY>...</ENTITY>` as the
file has it, with the file's own declaration, root and section tags): the DPRK-regime entries
and every entry that names Russia in a field the connector reads (nationality, address, place
of birth, comments). It is gzipped (mtime 0, so a rebuild is byte-identical): the 155 DPRK
entries alone are 217 KB of XML as the UN indents it, 28 KB compressed.

    .venv/bin/python tools/build_sanctions_sample.py [SHARED_SANCTIONS_DIR]
"""

from __future__ import annotations

import gzip
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from pivotwatch.sources.sanctions import un_sc
from pivotwatch.sources.sanctions.common import Countries, clean, parse_xml

UN_2025 = "consolidated_2025-11-20.xml"
EXTRACT_2025 = "un_sc_2025-11-20_dprk_rus.xml.gz"

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO.parent / "shared" / "data" / "sanctions"
TARGET = REPO / "src" / "pivotwatch" / "data" / "sample" / "sanctions"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def keep(entry: ET.Element, countries: Countries) -> bool:
    if clean(entry.findtext("UN_LIST_TYPE")) == "DPRK":
        return True
    nationalities = countries.names(v.text for v in entry.findall("NATIONALITY/VALUE"))
    addresses = countries.names(c.text for c in entry.findall("INDIVIDUAL_ADDRESS/COUNTRY")
                                + entry.findall("ENTITY_ADDRESS/COUNTRY"))
    return "RUS" in nationalities or "RUS" in addresses


def _ties_russia(block: bytes, countries: Countries) -> bool:
    el = parse_xml(block, "entry")
    if clean(el.findtext("UN_LIST_TYPE")) == "DPRK":
        return True
    kind = "person" if el.tag == "INDIVIDUAL" else "entity"
    d = un_sc._entry(el, kind, 1, countries)
    return any("RUS" in found for found in (d.nationalities, d.address_countries,
                                            d.birth_countries, d.remark_countries))


def extract_2025(source: Path) -> int:
    """Write the 2025 extract; returns the entries kept."""
    text = (source / "un_sc" / UN_2025).read_bytes()
    countries, kept, out = Countries(), 0, []
    head_end = text.index(b"<INDIVIDUALS>\n") + len(b"<INDIVIDUALS>\n")
    out.append(text[:head_end])
    for tag, section_end in ((b"INDIVIDUAL", b"  </INDIVIDUALS>\n  <ENTITIES>\n"),
                             (b"ENTITY", b"  </ENTITIES>\n</CONSOLIDATED_LIST>\n")):
        for match in re.finditer(rb"    <%s>\n.*?</%s>\n" % (tag, tag), text, re.S):
            if _ties_russia(match.group(0), countries):
                out.append(match.group(0))
                kept += 1
        out.append(section_end)
    (TARGET / EXTRACT_2025).write_bytes(gzip.compress(b"".join(out), 9, mtime=0))
    return kept


def main(source: Path) -> None:
    un = source / "un_sc" / "consolidated.xml"
    root = parse_xml(un.read_bytes(), str(un))
    countries = Countries()
    kept = 0
    for group in root:
        for entry in list(group):
            if keep(entry, countries):
                kept += 1
            else:
                group.remove(entry)
    ET.register_namespace("xsi", XSI)
    TARGET.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(TARGET / "un_sc_dprk_rus.xml", encoding="UTF-8",
                               xml_declaration=True)
    for path in sorted((source / "opensanctions_ftm").glob("*.json")):
        shutil.copyfile(path, TARGET / path.name)  # a delta's name carries its timestamp
    print(f"kept {kept} UN entries of 2018 and {extract_2025(source)} of 2025; wrote {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
