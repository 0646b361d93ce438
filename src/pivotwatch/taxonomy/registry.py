"""The taxonomy registry: CAMEO lookups, the dimension map and the energy pattern, loaded once.

Everything is read from the package data (``pivotwatch/data``) with ``importlib.resources`` on
first use and cached. The one exception is a user dimension map, named by the ``path`` argument
or the ``PIVOTWATCH_DIMENSIONS`` environment variable (read at call time): it is cached per file
and re-read when the file changes.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from pivotwatch.errors import UsageError
from pivotwatch.taxonomy.dimensions import DimensionMap, parse_dimension_map
from pivotwatch.taxonomy.energy import build_pattern, parse_terms
from pivotwatch.taxonomy.lookups import decode, parse_event_codes, parse_goldstein, parse_labels

DIMENSIONS_ENV = "PIVOTWATCH_DIMENSIONS"
_DATA = files("pivotwatch") / "data"


def _lookup_text(name: str) -> str:
    return decode((_DATA / "lookups" / name).read_bytes())


@cache
def event_codes() -> dict[str, str]:
    """CAMEO event code ('01', '010', '0874') -> description, for all 311 codes."""
    return parse_event_codes(_lookup_text("CAMEO.eventcodes.txt"))


@cache
def goldstein() -> dict[str, float]:
    """CAMEO event code -> Goldstein score (-10 most conflictual to +10 most cooperative)."""
    return parse_goldstein(_lookup_text("CAMEO.goldsteinscale.txt"))


@cache
def countries() -> dict[str, str]:
    """CAMEO country code ('RUS', 'PRK'; also regions such as 'ASA') -> name."""
    return parse_labels(_lookup_text("CAMEO.country.txt"), "CAMEO.country.txt")


@cache
def actor_types() -> dict[str, str]:
    """CAMEO actor type code ('GOV', 'MIL', 'BUS') -> label."""
    return parse_labels(_lookup_text("CAMEO.type.txt"), "CAMEO.type.txt")


@cache
def known_groups() -> dict[str, str]:
    """CAMEO known-group code ('UNO', 'WTO') -> name."""
    return parse_labels(_lookup_text("CAMEO.knowngroup.txt"), "CAMEO.knowngroup.txt")


@cache
def ethnic_groups() -> dict[str, str]:
    """CAMEO ethnic code (lower case, 'aar') -> name."""
    return parse_labels(_lookup_text("CAMEO.ethnic.txt"), "CAMEO.ethnic.txt")


@cache
def religions() -> dict[str, str]:
    """CAMEO religion code ('CHR', 'MOS') -> name."""
    return parse_labels(_lookup_text("CAMEO.religion.txt"), "CAMEO.religion.txt")


def country_name(code: str) -> str | None:
    """The name of a CAMEO country code (any case), or None when the table lacks it."""
    return countries().get(code.strip().upper())


def validate_country(code: str) -> str:
    """Upper-case ``code`` and check it is in the CAMEO country table; raise UsageError if not."""
    upper = code.strip().upper()
    if upper not in countries():
        from pivotwatch.taxonomy.countrycodes import iso2_guess

        if guess := iso2_guess(upper):  # an ISO2 code: name the ISO3 one
            raise UsageError(f"unknown country code '{upper}': give ISO3 codes; did you "
                             f"mean {guess}?")
        raise UsageError(f"unknown country code '{upper}': not in the CAMEO country table "
                         "(e.g. RUS, PRK, CHN, IND, IRN, VNM, MNG)")
    return upper


def dimension_map(path: str | os.PathLike[str] | None = None) -> DimensionMap:
    """The map in force: ``path``, else $PIVOTWATCH_DIMENSIONS, else the packaged default."""
    chosen = path or os.environ.get(DIMENSIONS_ENV)
    if not chosen:
        return _default_map()
    file = Path(chosen).expanduser()
    try:
        stat = file.stat()
    except OSError as exc:
        raise UsageError(f"dimension map {file}: cannot read it ({exc.strerror})") from None
    return _user_map(str(file.resolve()), stat.st_mtime_ns, stat.st_size)


@cache
def _default_map() -> DimensionMap:
    text = (_DATA / "dimensions.csv").read_text(encoding="utf-8")
    return parse_dimension_map(text, "pivotwatch/data/dimensions.csv", event_codes())


@lru_cache(maxsize=8)
def _user_map(path: str, mtime_ns: int, size: int) -> DimensionMap:
    """Parse a user map; the modification time and size in the key make an edit re-read it."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"dimension map {path}: cannot read it ({exc})") from None
    return parse_dimension_map(text, path, event_codes())


def dimensions_for(event_code: str,
                   path: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The dimensions of a CAMEO event code by the longest-prefix rule; () for unknown codes."""
    if event_code not in event_codes():
        return ()
    return dimension_map(path).dimensions_for(event_code)


def code_dimension_table(
        path: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """(event_code, dimension) pairs for every code in the CAMEO table, roots and bases included.

    A code with several dimensions gives several pairs; a code with none gives no pair. Energy
    pairs appear only if a user map assigns codes to energy (the default tags energy by URL).
    """
    dims = dimension_map(path)
    return [(code, d) for code in event_codes() for d in dims.dimensions_for(code)]


@cache
def energy_terms() -> tuple[str, ...]:
    """The words and phrases that mark a source URL as about energy."""
    return parse_terms((_DATA / "energy_terms.csv").read_text(encoding="utf-8"))


@cache
def energy_pattern() -> str:
    """A case-insensitive RE2-compatible regex (for DuckDB regexp_matches) for energy URLs."""
    return build_pattern(energy_terms())


@cache
def _energy_regex() -> re.Pattern[str]:
    return re.compile(energy_pattern())


def is_energy_url(url: str | None) -> bool:
    """Whether a source URL looks like an energy story (False for None or an empty string)."""
    return bool(url) and _energy_regex().search(url) is not None
