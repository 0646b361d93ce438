"""`pivotwatch export parquet DIR`: the store as Parquet files with a manifest, for Spark."""

from __future__ import annotations

from pathlib import Path

import typer

from pivotwatch.cli.common import err, handle_errors, out, shown, state, store

app = typer.Typer(help="Write the store in a form other engines read.", no_args_is_help=True,
                  rich_markup_mode="markdown")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="export")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


@app.command("parquet")
@handle_errors
def parquet(
    directory: Path = typer.Argument(..., metavar="DIR", help="Where to write: a new or empty "
                                     "directory, or an earlier export (replaced)."),
) -> None:
    """Every table of the store as Parquet in DIR, with manifest.json (versions, rows,
    columns and types, files with sizes and hashes). Events, daily counts and the derived
    daily tables are Hive-partitioned by year and month of their day; the other tables are one
    file each. Written beside DIR and renamed into place: a failed export leaves DIR as it was.
    Spark reads it with `--engine spark --parquet DIR` (docs/engines.md).

    Example: pivotwatch --db study.duckdb export parquet /data/pivotwatch-export
    """
    from pivotwatch.store.export import export_parquet

    state.command = "pivotwatch export parquet"
    with store(read_only=True) as st:
        manifest = export_parquet(st, directory)
    for skipped in manifest["skipped"]:
        err.print(f"[yellow]warning:[/yellow] table {shown(skipped['name'])} not exported: "
                  f"{skipped['reason']}")
    tables = manifest["tables"]
    files = [f for t in tables.values() for f in t["files"]]
    rows = sum(t["rows"] for t in tables.values())
    parted = sum(1 for t in tables.values() if t["partition_by"])
    out.print(f"exported {len(tables)} tables ({parted} partitioned by year and month), "
              f"{rows:,} rows in {len(files)} files, "
              f"{_size(sum(f['bytes'] for f in files))}, to {shown(str(directory))}")
