"""The SQL that reads GDELT exports with DuckDB's CSV reader, and the checks on their values.

Every column is read as text (except by scan B of a file with no bad value, see `scan`).
The reader rejects what it cannot split (a wrong column count,
invalid UTF-8, an overlong line) into per-scan temp tables (`<tag>_errors`) with line numbers;
`REJECT_REASON` turns those error rows into one plain reason per line. A value that breaks its
column's rule (`layout.RULES`) is judged here in SQL: `valid` and `reason` are built from the
same rules, so every scan of a file keeps the same rows. The SQL takes its file path and the
last accepted SQLDATE as parameters ($path, $last_day: 'YYYY1231' of next year); nothing read
from a file is ever part of the SQL text, and column names come from `layout.py` only.
"""

from __future__ import annotations

from pivotwatch.sources.gdelt.layout import FIRST_YEAR, OPTIONAL_NUMBERS, RULES, Layout, Rule

# Empty fields are read as empty strings (not NULL) so that an empty number is a reject with
# a line number; this byte never occurs in GDELT text.
_NULL_SENTINEL = "\\x01"
# A plain decimal, as GDELT writes them ('-3.40136054421769', '10', '1.9'). DuckDB's DOUBLE
# cast would also take 'nan', 'inf', ' 1', '+1', '1e1' and '1_0'.
_DECIMAL = r"-?[0-9]+(\.[0-9]+)?"
# How much of a bad value a reject reason quotes.
_SHOWN = 40
_LARGEST = {"TINYINT": 2**7 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}


def quote(text: str) -> str:
    """A SQL string literal of `text` (used for names from `layout.py`, never file content)."""
    return "'" + text.replace("'", "''") + "'"


def ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def scan(layout: Layout, tag: str, *, typed_read: bool = False) -> str:
    """A read_csv call of $path, all columns text, sending unsplittable rows to `tag`_*.

    With `typed_read`, checked columns are read as their store types instead, which is
    cheaper: only for a file whose every value is known to keep its rule, where DuckDB's
    lenient casts give the same values."""
    columns = "{" + ", ".join(
        f"{quote(c)}: {quote(_type(RULES[c]) if typed_read and c in RULES else 'VARCHAR')}"
        for c in layout.columns) + "}"
    return (
        f"read_csv($path, delim='\\t', quote='', escape='', header=false, "
        f"auto_detect=false, new_line='\\n', columns={columns}, dateformat='%Y%m%d', "
        f"encoding='utf-8', nullstr=E'{_NULL_SENTINEL}', store_rejects=true, "
        f"rejects_table='{tag}_errors', rejects_scan='{tag}_scans')"
    )


def country(column: str) -> str:
    return f"nullif({ident(column)}, '')"


def _ok(column: str, rule: Rule) -> str:
    """True where the column's value keeps its rule; never NULL."""
    v = ident(column)
    if rule.kind == "whole" and rule.hi - rule.lo < 10:
        # a short list of values ('0', '1') is matched as text: cheaper than a cast
        test = f"{v} IN ({', '.join(quote(str(n)) for n in range(int(rule.lo), int(rule.hi) + 1))})"
    elif rule.kind == "whole":
        # cast to the store's type (NULL past its range), the value must be exactly how DuckDB
        # prints the number: digits only, no spaces, leading zeros, decimals, exponent, hex or
        # '_' (and no '+'; a '-' only where the range allows)
        test = f"TRY_CAST({v} AS {rule.store})::VARCHAR = {v}"
        if (rule.lo, rule.hi) == (0, _LARGEST[rule.store]):
            test += f" AND NOT starts_with({v}, '-')"  # one cast, not two
        else:
            test += f" AND TRY_CAST({v} AS {rule.store}) BETWEEN {int(rule.lo)} AND {int(rule.hi)}"
    elif rule.kind == "decimal":
        # NaN and infinities fail BETWEEN
        test = (f"regexp_full_match({v}, {quote(_DECIMAL)}) "
                f"AND TRY_CAST({v} AS DOUBLE) BETWEEN {rule.lo!r} AND {rule.hi!r}")
    elif rule.kind == "date":
        # printed back as YYYYMMDD it must be the same text ('2015021' and '20150230' are
        # not); such a text sorts as its date does, so the years are checked as text
        test = (f"strftime(TRY_STRPTIME({v}, '%Y%m%d'), '%Y%m%d') = {v} "
                f"AND {v} BETWEEN '{FIRST_YEAR}0101' AND $last_day")
    elif rule.kind == "stamp":
        test = f"length({v}) IN (8, 14) AND TRY_CAST({v} AS BIGINT)::VARCHAR = {v}"
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    return f"coalesce({test}, false)"


def _value(column: str, rule: Rule) -> str:
    """The stored value of a column whose value keeps its rule."""
    v = ident(column)
    if rule.kind == "date":
        return f"TRY_STRPTIME({v}, '%Y%m%d')::DATE"
    return f"TRY_CAST({v} AS {rule.store})"


def valid(layout: Layout) -> str:
    """True for a row whose checked values all keep their rules."""
    return " AND ".join(_ok(c, RULES[c]) for c in layout.checked())


def reason(layout: Layout) -> str:
    """The reject reason of a row (its first bad column's), NULL for a valid row."""
    whens = []
    for column in layout.checked():
        rule = RULES[column]
        v = ident(column)
        says = quote(rule.says.format(first=FIRST_YEAR, last="")) + (
            " || left($last_day, 4)" if rule.kind == "date" else "")
        shown = (f"""'"' || left(coalesce({v}, chr(1)), {_SHOWN})
                     || CASE WHEN length({v}) > {_SHOWN} THEN '...' ELSE '' END || '"'""")
        whens.append(f"""WHEN NOT {_ok(column, rule)} THEN
                CASE WHEN {v} = '' THEN {quote('empty ' + column)}
                     ELSE {quote(f'bad value in {column}: ')} || {shown} || ' is not ' || {says}
                END""")
    return "CASE " + "\n".join(whens) + " END"


def key(layout: Layout) -> str:
    """The checked values of a row as a list: they alone decide whether it is valid."""
    return "[" + ", ".join(ident(c) for c in layout.checked()) + "]"


def _type(rule: Rule) -> str:
    return "DATE" if rule.kind == "date" else rule.store


def typed(column: str, typed_read: bool = False) -> str:
    """A checked column's stored value (only meaningful on valid rows)."""
    return ident(column) if typed_read else _value(column, RULES[column])


def store_expr(gdelt: str, layout: Layout, typed_read: bool = False) -> str:
    """How a store column is computed from a GDELT column of `layout` (on valid rows)."""
    if not layout.has(gdelt):
        return "NULL"
    if gdelt in RULES:
        return typed(gdelt, typed_read)
    if gdelt in OPTIONAL_NUMBERS:
        rule = OPTIONAL_NUMBERS[gdelt]
        return f"CASE WHEN {_ok(gdelt, rule)} THEN {_value(gdelt, rule)} END"
    return f"nullif({ident(gdelt)}, '')"


# One reason per line the reader rejected: a wrong column count first, else the first error.
REJECT_REASON = """
    arg_min(
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
             THEN 'wrong column count: expected {width}, found '
                  || (length(csv_line) - length(replace(csv_line, chr(9), '')) + 1)
             WHEN error_type = 'LINE SIZE OVER MAXIMUM'
             THEN 'line longer than the reader''s 2 MB limit'
             ELSE lower(error_type::VARCHAR) || ': ' || coalesce(error_message, '')
        END,
        CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') THEN -1
             ELSE coalesce(column_idx, -1) END)"""
