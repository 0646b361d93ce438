"""Settings read from PIVOTWATCH_* environment variables, with defaults.

Read at call time (not import time) so tests and the CLI's --db option can override them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pivotwatch.errors import UsageError

DEFAULT_COUNTRIES = ("RUS", "PRK", "CHN", "IND", "IRN", "VNM", "MNG", "KOR", "JPN", "USA")
# What runs the analysis (docs/engines.md): the DuckDB store, Spark over a Parquet export of
# it (`pivotwatch export parquet`), or BigQuery over GDELT's public tables.
ENGINES = ("duckdb", "spark", "bigquery")


@dataclass(frozen=True)
class Settings:
    db: Path
    cache: Path
    gdelt_base: str
    memory_limit: str
    download_workers: int
    retries: int
    # documents (sources/documents.py, sources/fetch.py)
    max_document_bytes: int = 5 << 20
    fetch_timeout: int = 30  # seconds for one URL, redirects included
    allow_private_urls: str = ""  # '', 'all', or addresses/networks, comma-separated
    # hostile-input caps (every reader stops as soon as one is passed)
    max_member_bytes: int = 8 << 30  # decompressed bytes of one file or archive member
    max_line_bytes: int = 64 << 20  # one physical line of a line-based file
    max_record_file_bytes: int = 128 << 20  # a records file (CSV, XML)
    max_json_bytes: int = 64 << 20  # a JSON file parsed in memory
    download_deadline: int = 1800  # seconds for one download, all attempts included
    lock_wait: float = 5.0  # seconds a reading command waits for a store held by a writer
    # analysis: a state with fewer UN votes than this in a period is not ranked (a handful of
    # votes can agree 100%; docs/alignment.md)
    min_votes: int = 20
    # engines (store/engines.py): which one, where Spark finds the export and which master
    # it runs on, and BigQuery's billing project and the most it may scan per query
    engine: str = "duckdb"
    spark_path: str = ""
    spark_master: str = "local[2]"
    bq_project: str = ""
    bq_max_gb: float = 50.0
    # which GDELT table BigQuery reads (docs/bigquery.md): the dataset, the table (events, or
    # the day-partitioned events_partitioned) and the days added, which bound the bill there
    bq_dataset: str = "gdelt-bq.gdeltv2"
    bq_table: str = "events"
    bq_since: date | None = None
    bq_until: date | None = None
    # alert mail (watch/mail.py): the SMTP server and account, from the environment only (never
    # the config file); STARTTLS required, optional (used when offered) or off
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: str = "required"
    smtp_timeout: float = 30.0


def _cache_default() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "pivotwatch"


def _int(name: str, default: int, minimum: int) -> int:
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise UsageError(f"{name} must be a whole number of at least {minimum}, not {text!r}")
    return value


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, str(default))
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise UsageError(f"{name} must be a number of seconds (0 or more), not {text!r}")
    return value


_SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def _memory(text: str) -> str:
    if not _SIZE.match(text.strip()):
        raise UsageError(f"PIVOTWATCH_MEMORY_LIMIT must be a size such as 1GB or 512MiB, "
                         f"not {text!r}")
    return text.strip()


def check_engine_setting(text: str) -> str:
    """PIVOTWATCH_ENGINE's value checked, when it is the one used (--engine wins over it; an
    empty one means the default)."""
    engine = text.strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise UsageError(f"PIVOTWATCH_ENGINE must be one of {', '.join(ENGINES)}, not {text!r}")
    return engine


def _gigabytes(name: str, default: float) -> float:
    text = os.environ.get(name, str(default))
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise UsageError(f"{name} must be a positive number of gigabytes, not {text!r}")
    return value


BQ_DATASETS = ("gdelt-bq.gdeltv2", "gdelt-bq.full")  # GDELT 2.0, 1.0
BQ_TABLES = ("events", "events_partitioned")
SMTP_STARTTLS = ("required", "optional", "off")  # the first is the default


def _choice(name: str, choices: tuple[str, ...]) -> str:
    text = os.environ.get(name, choices[0]).strip()
    if text not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}, not {text!r}")
    return text


def _day(name: str) -> date | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} must be a date as YYYY-MM-DD, not {text!r}") from None


def get_settings() -> Settings:
    env = os.environ
    return Settings(
        db=Path(env.get("PIVOTWATCH_DB", "pivotwatch.duckdb")),
        cache=Path(env.get("PIVOTWATCH_CACHE") or _cache_default()),
        gdelt_base=env.get("PIVOTWATCH_GDELT_BASE", "http://data.gdeltproject.org").rstrip("/"),
        memory_limit=_memory(env.get("PIVOTWATCH_MEMORY_LIMIT", "1GB")),
        download_workers=_int("PIVOTWATCH_DOWNLOAD_WORKERS", 4, 1),
        retries=_int("PIVOTWATCH_RETRIES", 4, 0),
        max_document_bytes=_int("PIVOTWATCH_MAX_DOCUMENT_BYTES", 5 << 20, 1),
        fetch_timeout=_int("PIVOTWATCH_FETCH_TIMEOUT", 30, 1),
        allow_private_urls=env.get("PIVOTWATCH_ALLOW_PRIVATE_URLS", "").strip(),
        max_member_bytes=_int("PIVOTWATCH_MAX_MEMBER_BYTES", 8 << 30, 1),
        max_line_bytes=_int("PIVOTWATCH_MAX_LINE_BYTES", 64 << 20, 1024),
        max_record_file_bytes=_int("PIVOTWATCH_MAX_RECORD_FILE_BYTES", 128 << 20, 1),
        max_json_bytes=_int("PIVOTWATCH_MAX_JSON_BYTES", 64 << 20, 1),
        download_deadline=_int("PIVOTWATCH_DOWNLOAD_DEADLINE", 1800, 1),
        lock_wait=_seconds("PIVOTWATCH_LOCK_WAIT", 5.0),
        min_votes=_int("PIVOTWATCH_MIN_VOTES", 20, 0),
        engine=env.get("PIVOTWATCH_ENGINE", ""),  # checked when used: check_engine_setting
        spark_path=env.get("PIVOTWATCH_SPARK_PATH", "").strip(),
        spark_master=env.get("PIVOTWATCH_SPARK_MASTER", "").strip() or "local[2]",
        bq_project=env.get("PIVOTWATCH_BQ_PROJECT", "").strip(),
        bq_max_gb=_gigabytes("PIVOTWATCH_BQ_MAX_GB", 50.0),
        bq_dataset=_choice("PIVOTWATCH_BQ_DATASET", BQ_DATASETS),
        bq_table=_choice("PIVOTWATCH_BQ_TABLE", BQ_TABLES),
        bq_since=_day("PIVOTWATCH_BQ_SINCE"),
        bq_until=_day("PIVOTWATCH_BQ_UNTIL"),
        smtp_host=env.get("PIVOTWATCH_SMTP_HOST", "").strip(),
        smtp_port=_int("PIVOTWATCH_SMTP_PORT", 587, 1),
        smtp_user=env.get("PIVOTWATCH_SMTP_USER", "").strip(),
        smtp_password=env.get("PIVOTWATCH_SMTP_PASSWORD", ""),
        smtp_from=env.get("PIVOTWATCH_SMTP_FROM", "").strip(),
        smtp_starttls=_choice("PIVOTWATCH_SMTP_STARTTLS", SMTP_STARTTLS),
        smtp_timeout=_seconds("PIVOTWATCH_SMTP_TIMEOUT", 30.0),
    )
