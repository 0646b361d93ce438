"""An alert: what moved, for which dyad, the figures before and after, the rows behind it and
the command that reproduces it.

An alert's id is a hash of its rule, its dyad and the fact that raised it (a week and a
dimension, a designation's entry key, a curated event's key), never of when it was raised: the
same fact seen again in a later cycle, or by a cycle run again after a kill, has the same id,
so the store keeps it once and a feed reader shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import xxhash

from pivotwatch.analysis.judgment import Evidence


class Severity(StrEnum):
    LARGE = "large"
    MODERATE = "moderate"
    INFO = "info"


def pair_key(dyad: str) -> str:
    """The pair whichever way round it is named (RUS-PRK and PRK-RUS are one pair), for what
    identifies a fact: an alert's id and the facts seen."""
    return "-".join(sorted(dyad.split("-")))


def alert_id(rule: str, dyad: str, key: str) -> str:
    """The stable id of the alert `rule` raises for `dyad` on the fact named by `key`."""
    return xxhash.xxh3_128_hexdigest("\x1f".join((rule, pair_key(dyad), key)).encode())


@dataclass(frozen=True)
class Alert:
    rule: str                   # the rule's name in the rules file (data/watch/rules.yaml)
    dyad: str                   # e.g. RUS-PRK
    key: str                    # the fact that raised it, e.g. "military 2024-06-10"
    severity: Severity
    title: str                  # one line
    summary: str                # a few sentences, plain text
    as_of: date | None          # the date of the data the alert is about
    before: dict = field(default_factory=dict)   # figures before, by name
    after: dict = field(default_factory=dict)    # figures after, by name
    evidence: tuple[Evidence, ...] = ()
    command: str = ""           # a pivotwatch command that shows the same figures
    raised_at: datetime | None = None  # set when the cycle stores it
    cycle_id: int | None = None

    @property
    def id(self) -> str:
        return alert_id(self.rule, self.dyad, self.key)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "rule": self.rule, "dyad": self.dyad, "key": self.key,
            "severity": str(self.severity), "title": self.title, "summary": self.summary,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "before": self.before, "after": self.after,
            "evidence": [{"source": e.source, "key": e.key, "date": e.date, "text": e.text,
                          "url": e.url} for e in self.evidence],
            "command": self.command,
            "raised_at": self.raised_at.isoformat(timespec="seconds") + "Z"
            if self.raised_at else None,
            "cycle_id": self.cycle_id,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Alert:
        raised = d.get("raised_at")
        return cls(
            rule=d["rule"], dyad=d["dyad"], key=d["key"], severity=Severity(d["severity"]),
            title=d["title"], summary=d["summary"],
            as_of=date.fromisoformat(d["as_of"]) if d.get("as_of") else None,
            before=dict(d.get("before") or {}), after=dict(d.get("after") or {}),
            evidence=tuple(Evidence(e["source"], e["key"], e.get("date"), e["text"],
                                    e.get("url")) for e in d.get("evidence") or ()),
            command=d.get("command", ""),
            raised_at=datetime.fromisoformat(raised.rstrip("Z")) if raised else None,
            cycle_id=d.get("cycle_id"),
        )
