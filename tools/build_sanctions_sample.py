"""Build the bundled sanctions sample from ../shared/data/sanctions.

The UN part keeps the original XML structure (root, INDIVIDUALS and ENTITIES, each entry as
it is) but only the DPRK-regime entries and every entry with a Russian nationality or address
(mapped with the same crosswalk the connector uses). The OpenSanctions files are copied whole.

    .venv/bin/python tools/build_sanctions_sample.py [SHARED_SANCTIONS_DIR]
"""

from __future__ import annotations

import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from pivotwatch.sources.sanctions.common import Countries, clean, parse_xml

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
    print(f"kept {kept} UN entries; wrote {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
