"""Build GDELT 2.0 rows for tests from a real row of the bundled sample."""

from __future__ import annotations

from pathlib import Path

from pivotwatch.sources.gdelt.layout import V2
from pivotwatch.sources.gdelt.sample import sample_dir

_TEMPLATE = (sample_dir() / "20150218230000.export.CSV").read_text("utf-8").splitlines()[0]


def row(**fields) -> str:
    """A real 61-column row with the named GDELT columns replaced."""
    cols = _TEMPLATE.split("\t")
    assert len(cols) == V2.width
    for name, value in fields.items():
        cols[V2.columns.index(name)] = str(value)
    return "\t".join(cols)


def event(event_id: int, day: str, a1: str, a2: str, *, code: str = "042", quad: int = 1,
          goldstein: float = 1.9, mentions: int = 1, tone: float = 0.0,
          url: str = "http://example.org/news") -> str:
    return row(GLOBALEVENTID=event_id, SQLDATE=day, Actor1CountryCode=a1, Actor2CountryCode=a2,
               EventCode=code, EventBaseCode=code[:3], EventRootCode=code[:2], QuadClass=quad,
               GoldsteinScale=goldstein, NumMentions=mentions, AvgTone=tone, SOURCEURL=url)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
