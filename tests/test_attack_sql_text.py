"""No SQL text is built from input: every value put into an SQL f-string has been reviewed.

An f-string whose literal text reads as SQL may interpolate only the expressions listed here,
each of which the code itself makes (a temp-table tag, a column list from the layout constants,
a quoted identifier, a validated country code). Anything read from a file is bound as a
parameter instead. A new interpolation fails this test until someone has checked where its
text comes from and added it with the reason: that is the review the header-injection defect
(issue 9) lacked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "pivotwatch"
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|DELETE|CREATE|DROP|UPDATE|COPY|ATTACH|PRAGMA|SET|"
                       r"FROM|WHERE|JOIN|INSTALL|LOAD|EXPORT|IMPORT|CHECKPOINT)\b|read_csv\(")

# file -> {interpolated expression: where its text comes from}
REVIEWED: dict[str, dict[str, str]] = {
    "claims/checks/events.py": {
        "' AND '.join(where)": "fixed predicates with ? placeholders; values are params"},
    "report/briefing.py": {
        "dyad": "a SQL predicate over validated country codes, for display",
        "q(first)": "a date quoted as a literal ('' doubled), for display",
        "q(last)": "a date quoted as a literal, for display",
        "who": "fixed predicates with ? placeholders"},
    "report/panels.py": {
        "a": "a validated country code, in SQL shown to the reader",
        "b": "a validated country code, in SQL shown to the reader",
        "ids or 'NULL'": "list ids each quoted as a literal ('' doubled), for display",
        "partner_list": "validated country codes quoted as literals, for display",
        "q(a)": "a literal ('' doubled), for display",
        "q(b)": "a literal ('' doubled), for display",
        "q(supplier)": "a literal ('' doubled), for display"},
    "sources/gdelt/load.py": {
        "REJECT_REASON.format(width=layout.width)": "a constant SQL expression and an int",
        "country('Actor1CountryCode')": "an expression over a layout column constant",
        "country('Actor2CountryCode')": "an expression over a layout column constant",
        "f'AND line NOT IN (SELECT line FROM {tag}_bad)' if bad_values else ''":
            "a temp-table tag made from a counter",
        "fields": "layout column constants, quoted",
        "keep": "an expression over layout column constants",
        "key(layout)": "an expression over layout column constants",
        "layout.version": "an int constant of the layout",
        "line": "one of two constant expressions",
        "new": "an anti-join over a temp-table tag",
        "reason(self.layout)": "an expression over layout column constants and RULES",
        "scan(layout, tag + '_a')": "a read_csv call whose path is a $path parameter",
        "scan(layout, tag + '_b', typed_read=fast)": "the same, typed",
        "select": "store column names and layout expressions (constants)",
        "self.tag": "a temp-table tag made from a counter",
        "suffix": "a constant suffix",
        "tag": "a temp-table tag made from a counter",
        "typed('GLOBALEVENTID')": "a cast of a layout column constant",
        "typed('GLOBALEVENTID', fast)": "a cast of a layout column constant",
        "typed('SQLDATE')": "a cast of a layout column constant",
        "valid(layout)": "a predicate built from layout.RULES constants"},
    "sources/gdelt/scans.py": {
        "_NULL_SENTINEL": "a constant",
        "columns": "layout column names and types (constants), quoted",
        "tag": "a temp-table tag made from a counter"},
    "sources/records.py": {
        "columns": "column names checked against the store's schema and quoted",
        "table": "a table name checked against the store's schema and quoted"},
    "sources/unga.py": {
        "', '.join((f'any_value({ident(c)}) AS {ident(c)}' for c in facts))":
            "the layout's constant column names, quoted",
        "', '.join((f'{ident(c)} VARCHAR' for c in names))":
            "column names the layout defines or extra_<n>, quoted",
        "bad_rows": "constant SQL text",
        "bad_vote": "one of two constant expressions",
        "code_col": "one of two constant column names",
        "fields": "column names the layout defines or extra_<n>, quoted",
        "listed": "the layout's constant column names, quoted",
        "name_col": "a constant column name or a constant expression",
        "skip": "one of two constant expressions",
        "vote_sql": "one of two constant expressions"},
    "store/export.py": {
        "day": "the constant partition column name, quoted",
        "ident(table)": "a table name from the store's catalogue, checked to be a plain "
                        "identifier, quoted"},
    "store/status.py": {
        "day": "a column name from the module's constant table map",
        "table": "a table name from the module's constant table map",
        "union": "SELECTs over that constant map, with a $source parameter"},
    "store/store.py": {
        "ident(table)": "a table name from the code (Store.count), quoted",
        "memory_limit": "validated by settings against a size pattern"},
}


def sql_interpolations() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if not SQL_WORDS.search(text):
                continue
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    found.setdefault(str(path.relative_to(SRC)), set()).add(
                        ast.unparse(value.value))
    return found


def test_every_value_put_into_sql_text_has_been_reviewed():
    found = sql_interpolations()
    unreviewed = {f"{path}: {expr}" for path, exprs in found.items() for expr in exprs
                  if expr not in REVIEWED.get(path, {})}
    assert not unreviewed, ("SQL text built from unreviewed values (bind input as parameters; "
                            "add a code-made value to REVIEWED with where it comes from):\n"
                            + "\n".join(sorted(unreviewed)))


def test_the_review_list_has_nothing_stale():
    found = sql_interpolations()
    stale = {f"{path}: {expr}" for path, exprs in REVIEWED.items() for expr in exprs
             if expr not in found.get(path, set())}
    assert not stale, "no longer in the code; remove from REVIEWED:\n" + "\n".join(sorted(stale))


def hand_quoted(tree: ast.AST) -> list[str]:
    """f-strings that quote an identifier by hand ('"{name}"' alone, or inside SQL text): an
    inner '"' is not doubled, so a name read from a file breaks out. `store.ident` is the one
    way to quote a name."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        text = "".join(v.value for v in parts if isinstance(v, ast.Constant))
        alone = len(parts) == 3 and text == '""'
        for k in range(1, len(parts) - 1):
            before, value, after = parts[k - 1], parts[k], parts[k + 1]
            if (isinstance(value, ast.FormattedValue) and isinstance(before, ast.Constant)
                    and isinstance(after, ast.Constant) and before.value.endswith('"')
                    and after.value.startswith('"') and (alone or SQL_WORDS.search(text))):
                found.append(ast.unparse(node))
    return found


def test_no_identifier_is_quoted_by_hand():
    found = [f"{path.relative_to(SRC)}: {expr}" for path in sorted(SRC.rglob("*.py"))
             for expr in hand_quoted(ast.parse(path.read_text(encoding="utf-8")))]
    assert not found, "quote identifiers with store.ident:\n" + "\n".join(found)


def test_the_checks_catch_the_old_header_injection():
    """The code that let a CSV header run SQL (before issue 9) fails the hand-quoting check."""
    old = """fields = ", ".join(f'"{c}"' for c in raw_cols)\n""" \
          """rows = con.execute(f"SELECT line, concat_ws(',', {fields}) FROM rawt")\n"""
    assert hand_quoted(ast.parse(old)) == ["f'\"{c}\"'"]
