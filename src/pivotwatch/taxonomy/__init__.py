"""The taxonomy: CAMEO lookup tables, the dimension map and the energy heuristic, as data.

See docs/dimensions.md for what the dimensions mean and how to supply your own map.
"""

from pivotwatch.taxonomy.dimensions import DIMENSIONS, DimensionMap
from pivotwatch.taxonomy.registry import (
    DIMENSIONS_ENV,
    actor_types,
    code_dimension_table,
    countries,
    country_name,
    dimension_map,
    dimensions_for,
    energy_pattern,
    energy_terms,
    ethnic_groups,
    event_codes,
    goldstein,
    is_energy_url,
    known_groups,
    religions,
    validate_country,
)

__all__ = [
    "DIMENSIONS",
    "DIMENSIONS_ENV",
    "DimensionMap",
    "actor_types",
    "code_dimension_table",
    "countries",
    "country_name",
    "dimension_map",
    "dimensions_for",
    "energy_pattern",
    "energy_terms",
    "ethnic_groups",
    "event_codes",
    "goldstein",
    "is_energy_url",
    "known_groups",
    "religions",
    "validate_country",
]
