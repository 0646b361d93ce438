"""The SQL that reads GDELT exports with DuckDB's CSV reader.

Rows that do not parse go to per-scan temp tables (`<tag>_errors`) with their line numbers;
`REJECT_REASON` turns DuckDB's error rows into one plain reason per line.
"""

from __future__ import annotations

from pathlib import Path

from pivotwatch.sources.gdelt.layout import OPTIONAL_NUMBERS, TYPED, Layout

# Empty fields are read as empty strings (not NULL) so that an empty number is a cast error
# with a line number; this byte never occurs in GDELT text.
_NULL_SENTINEL = "\\x01"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan(path: Path, layout: Layout, tag: str) -> str:
    """A read_csv call that parses `layout` and sends bad rows to temp tables `tag`_*."""
    columns = "{" + ", ".join(f"{quote(c)}: {quote(t)}"
                              for c, t in layout.duckdb_columns().items()) + "}"
    return (
        f"read_csv({quote(str(path))}, delim='\\t', quote='', escape='', header=false, "
        f"auto_detect=false, new_line='\\n', columns={columns}, dateformat='%Y%m%d', "
        f"encoding='utf-8', nullstr=E'{_NULL_SENTINEL}', store_rejects=true, "
        f"rejects_table='{tag}_errors', rejects_scan='{tag}_scans')"
    )


def country(column: str) -> str:
    return f"nullif(\"{column}\", '')"


def store_expr(gdelt: str, layout: Layout) -> str:
    """How a store column is computed from a GDELT column of `layout`."""
    if not layout.has(gdelt):
        return "NULL"
    if gdelt in TYPED:
        return f'"{gdelt}"'
    if gdelt in OPTIONAL_NUMBERS:
        return f"TRY_CAST(\"{gdelt}\" AS {OPTIONAL_NUMBERS[gdelt]})"
    return f"nullif(\"{gdelt}\", '')"


# One reason per rejected line: a wrong column count first, else the first bad column.
REJECT_REASON = """
    arg_min(
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
             THEN 'wrong column count: expected {width}, found '
                  || (length(csv_line) - length(replace(csv_line, chr(9), '')) + 1)
             WHEN error_type = 'CAST' AND error_message LIKE '%string "" to%'
             THEN 'empty ' || column_name
             WHEN error_type = 'CAST'
             THEN 'bad value in ' || column_name || ': '
                  || regexp_replace(error_message,
                                    '^.*Could not convert string (".*") to ''(\\w+)''.*$',
                                    '\\1 is not a valid \\2')
             WHEN error_type = 'LINE SIZE OVER MAXIMUM'
             THEN 'line longer than the reader''s 2 MB limit'
             ELSE lower(error_type::VARCHAR) || ': ' || coalesce(error_message, '')
        END,
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') THEN -1
             ELSE coalesce(column_idx, -1) END)"""
