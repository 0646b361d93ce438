"""Ibis expressions compiled once per shape and run with bound values, on DuckDB.

Building and compiling an Ibis expression costs tens of milliseconds, far more than DuckDB
takes to answer a dyad's figures from the derived tables. A query's *shape* (which function,
frequency, dimensions, whether a date range is given) fixes its SQL; only the values (country
codes, dates) change between calls. So the expression is built once per shape with sentinel
values, compiled, and each sentinel's literal in the SQL becomes a named parameter (`$a`)
that DuckDB binds: values never enter the SQL text. The compiled SQL must hold every
sentinel, and only where the sentinel literal stands, or the shape is refused and the
expression runs the ordinary way. Results are converted to pandas exactly as Ibis converts
them (`ibis.backends.duckdb.Backend.execute`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir
    import pandas as pd

    from pivotwatch.store.store import Store

Build = Callable[[Mapping[str, Any]], "ir.Table"]

# Dates no event has, one per date parameter (Ibis writes them as MAKE_DATE(y, m, d)).
_DATES = [date(1111, 1, 1 + i) for i in range(28)]


class _Shape:
    """One compiled shape: SQL with $name parameters, the result schema, the expression
    (kept so that nothing it registered is dropped)."""

    def __init__(self, sql: str, expr: ir.Table):
        self.sql = sql
        self.expr = expr
        self.schema = expr.schema()


def _sentinels(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A sentinel value per parameter, and the SQL literal Ibis writes for it."""
    token = uuid.uuid4().hex[:12]
    stand_ins, literals = {}, {}
    dates = iter(_DATES)
    for name, value in values.items():
        if isinstance(value, date):
            d = next(dates)
            stand_ins[name] = d
            literals[name] = f"MAKE_DATE({d.year}, {d.month}, {d.day})"
        elif isinstance(value, str):
            text = f"pw_{token}_{name}"
            stand_ins[name] = text
            literals[name] = f"'{text}'"
        else:
            raise TypeError(f"prepared parameter {name!r}: only text and dates are bound")
    return stand_ins, literals


def compile_shape(store: Store, build: Build, values: Mapping[str, Any]) -> _Shape | None:
    """The shape of `build`, or None when its SQL does not carry each value as a literal."""
    stand_ins, literals = _sentinels(values)
    expr = build(stand_ins)
    sql = str(store.ibis().compile(expr))
    for name, literal in literals.items():
        if literal not in sql:
            return None
        sql = sql.replace(literal, f"${name}")
    token = next(iter(stand_ins.values()), None)
    if isinstance(token, str) and token.rsplit("_", 1)[0] in sql:
        return None  # a sentinel survived in another form
    if any(str(d) in sql for d in _DATES) or "MAKE_DATE(1111" in sql:
        return None
    return _Shape(sql, expr)


def execute(store: Store, shape: _Shape, values: Mapping[str, Any]) -> pd.DataFrame:
    """Run a compiled shape with `values` bound; the DataFrame Ibis would return."""
    import pandas as pd
    import pyarrow.types as pat
    from ibis.backends.duckdb.converter import DuckDBPandasData

    table = store.con.sql(shape.sql, params=dict(values)).to_arrow_table()
    df = pd.DataFrame({
        name: (col.to_pylist() if (pat.is_nested(col.type) or pat.is_dictionary(col.type)
                                   or col.null_count) else col.to_pandas())
        for name, col in zip(table.column_names, table.columns, strict=True)})
    return DuckDBPandasData.convert_table(df, shape.schema)


def run(store, key: Hashable, build: Build, values: Mapping[str, Any]) -> pd.DataFrame:
    """`build(values)` run on `store` (any engine): on the DuckDB store, compiled once per
    `key` (the shape) and kept in the store's `prepared_shapes`; elsewhere as it comes."""
    cache = getattr(store, "prepared_shapes", None)
    if cache is None:
        return store.to_pandas(build(values))
    if key not in cache:
        cache[key] = compile_shape(store, build, values)
    shape = cache[key]
    if shape is None:
        return store.to_pandas(build(values))
    return execute(store, shape, values)


def insert(store: Store, table: str, key: Hashable, build: Build) -> None:
    """INSERT INTO `table` the rows of `build({})` (a shape without values), compiled once
    per `key`. The shape's SQL reads only tables of the store (no in-memory tables)."""
    from pivotwatch.store.store import ident

    if key not in store.prepared_shapes:
        store.prepared_shapes[key] = compile_shape(store, build, {})
    shape = store.prepared_shapes[key]
    store.con.execute("INSERT INTO " + ident(table) + " " + shape.sql)
