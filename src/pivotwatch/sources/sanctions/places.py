"""The countries a sanctions entry names in free text: remarks, comments, places of birth.

`countries_in(text)` finds English country names in text as whole words, longest name first
("Democratic People's Republic of Korea" is North Korea, not the Republic of Korea inside
it), case and accents ignored, and maps each through the project's crosswalk
(`taxonomy.countrycodes`). The names are the crosswalk's short and official names plus the
spellings the lists use ("Korea, North", "Burma", "DPRK"). A name never matches inside a
word ("Niger" is not found in "Nigeria", "Oman" not in "Romania") nor across `;`, `:`,
brackets or quotes.

`read_remarks(text)` reads OFAC's remarks, items separated by `;`: "nationality X",
"citizen X" and "Nationality of Registration X" are nationalities; "POB X" a place of birth;
"Vessel Flag X" a flag (a former flag is not: it stays a remark); "a.k.a. 'X'" an alias. The
legal items OFAC repeats on every entry of a programme ("Secondary sanctions risk: North
Korea Sanctions Regulations ...", "Executive Order 13846 information: ...") name the
programme, not the party, and are not read for countries. Every other item is searched for
country names: those are the countries the remarks name ("Linked To: PUBLIC JOINT STOCK
COMPANY SBERBANK OF RUSSIA", "Passport 123 (Iran)").

Limits (docs/sanctions.md): a name is matched as words, not understood. "Jordan" or "Chad"
as a person's name, "Georgia" the US state, "Turkey" the bird all read as countries; an
adjective ("Russian", "Korean") or a city alone ("Moscow") names no country; the USSR maps to
nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from pivotwatch.taxonomy.countrycodes import english_names, from_name

# Spellings the lists use that are neither a short nor an official English name in the
# crosswalk's table; each is mapped by `from_name`, so one that maps to nothing is dropped.
SPELLINGS = (
    "Korea, North", "Korea, South", "DPRK", "Burma", "Turkey", "Ivory Coast",
    "Cote d'Ivoire", "Cape Verde", "Swaziland", "East Timor", "Macedonia", "Viet Nam",
    "Congo, Democratic Republic of the", "Congo, Republic of the", "Syrian Arab Republic",
    "Lao People's Democratic Republic", "Great Britain", "Vatican City",
    "Tanzania, United Republic of", "Moldova, Republic of",
)
# Place names that contain a country's name and are not that country: matched so that their
# words are used up, and name none.
NOT_COUNTRIES = ("New Jersey", "New Mexico", "Northern Ireland")

_WORD = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*")
_BREAK = re.compile(r"[;:()\[\]{}\"<>\n\r\t|]")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("&", " and ").lower()
    return _WORD.findall(text)


@cache
def _vocabulary() -> tuple[dict[str, str], frozenset[str], int]:
    """(words of a name -> ISO3 or '' for a place that is no country, first words, most
    words in a name)."""
    names: dict[str, str] = {}
    for name, iso3 in english_names():
        names.setdefault(" ".join(_words(name)), iso3)
    for name in SPELLINGS:
        iso3 = from_name(name)
        if iso3:
            names.setdefault(" ".join(_words(name)), iso3)
    for name in NOT_COUNTRIES:
        names[" ".join(_words(name))] = ""
    names.pop("", None)
    first = frozenset(key.split(" ", 1)[0] for key in names)
    return names, first, max(key.count(" ") + 1 for key in names)


def countries_in(text: str | None) -> list[str]:
    """ISO3 codes of the countries named in `text`, in the order first named."""
    if not text:
        return []
    names, first, most = _vocabulary()
    found: dict[str, None] = {}
    for segment in _BREAK.split(text):
        words = _words(segment)
        i = 0
        while i < len(words):
            step = 1
            if words[i] in first:
                for n in range(min(most, len(words) - i), 0, -1):
                    iso3 = names.get(" ".join(words[i:i + n]))
                    if iso3 is not None:
                        if iso3:
                            found.setdefault(iso3, None)
                        step = n
                        break
            i += step
    return list(found)


_ALT = r"(?:alt\.\s+)?"
_NATIONALITY = re.compile(rf"^{_ALT}(?:nationality of registration|nationality|citizenship|"
                          r"citizen)\s+(.+)$", re.IGNORECASE)
_BIRTH = re.compile(rf"^{_ALT}(?:POB|place of birth)\s+(.+)$", re.IGNORECASE)
_FLAG = re.compile(rf"^{_ALT}vessel flag\s+(.+)$", re.IGNORECASE)
_ALIAS = re.compile(r"^[afn]\.k\.a\.\s+'(.+)'$", re.IGNORECASE)
# OFAC's legal items: they name the programme's country on every entry under it.
_LEGAL = re.compile(r"sanctions regulations|executive order|secondary sanctions|"
                    r"sanctions information|financial institutions|directive", re.IGNORECASE)


@dataclass
class Remarks:
    """What OFAC's remarks say, item by item. Nationalities and flags are the text after the
    keyword (mapped by the caller, which notes what it cannot map); the rest are ISO3."""

    nationalities: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    births: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def read_remarks(text: str | None) -> Remarks:
    """OFAC remarks read item by item (see the module's docstring)."""
    got = Remarks()
    for item in (text or "").split(";"):
        item = " ".join(item.split()).rstrip(".").strip()
        if not item:
            continue
        if match := _NATIONALITY.match(item):
            got.nationalities.append(match.group(1))
        elif match := _FLAG.match(item):
            got.flags.append(match.group(1))
        elif match := _BIRTH.match(item):
            got.births.extend(countries_in(match.group(1)))
        elif match := _ALIAS.match(item):
            got.aliases.append(match.group(1))
        elif not _LEGAL.search(item):
            got.countries.extend(countries_in(item))
    return got
