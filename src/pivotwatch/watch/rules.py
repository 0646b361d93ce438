"""The alert rules as data: `data/watch/rules.yaml`, or a copy named in the config file.

A rules file lists each rule with `enabled` and its parameters; unknown rules and parameters
are refused, so a misspelt threshold is an error, not a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import yaml

from pivotwatch.analysis.judgment import DIMENSIONS
from pivotwatch.errors import UsageError
from pivotwatch.watch.jumps import JumpRule

RULES = ("judgment_change", "volume_jump", "change_point", "new_designation", "new_curated",
         "claim_contradicted")
_ASPECTS = ("level", "direction", "confidence")
_FREQS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Rules:
    enabled: frozenset[str]
    first_cycle_days: int = 90
    judgment_on: tuple[str, ...] = _ASPECTS
    jump_dimensions: tuple[str, ...] = ("all", *DIMENSIONS)
    jump: JumpRule = field(default_factory=JumpRule)
    change_freq: str = "month"
    change_recent: int = 2
    change_min_events: int = 5
    change_min_dimension_events: int = 5
    max_documents: int = 50
    source: str = "data/watch/rules.yaml"

    def on(self, rule: str) -> bool:
        return rule in self.enabled


def _params(table: dict, rule: str, allowed: set[str], where: str) -> dict:
    if not isinstance(table, dict):
        raise UsageError(f"{where}: rule {rule} must be a table of parameters")
    unknown = {str(k) for k in table} - allowed - {"enabled"}
    if unknown:
        raise UsageError(f"{where}: unknown parameter(s) of {rule}: {', '.join(sorted(unknown))}")
    return table


def _number(value, what: str, kind=float):
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            (kind is int and not isinstance(value, int)):
        raise UsageError(f"{what} must be a {'whole number' if kind is int else 'number'}")
    return kind(value)


def load_rules(path: Path | None = None) -> Rules:
    """The rules in `path`, or the defaults shipped with pivotwatch."""
    where = str(path) if path else "data/watch/rules.yaml"
    try:
        text = path.read_text(encoding="utf-8") if path else \
            (files("pivotwatch") / "data" / "watch" / "rules.yaml").read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the rules file {where}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{where}: not valid YAML: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a mapping of rule names to parameters")
    unknown = set(data) - set(RULES) - {"first_cycle_days"}
    if unknown:
        raise UsageError(f"{where}: unknown rule(s): {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(RULES)})")
    enabled = set()
    out: dict = {"source": where}
    for rule in RULES:
        table = data.get(rule, {"enabled": False})
        allowed = {
            "judgment_change": {"aspects"},
            "volume_jump": {"dimensions", "baseline_weeks", "moderate", "large", "min_events",
                            "max_p", "dispersion_weeks"},
            "change_point": {"freq", "recent_periods", "min_events", "min_dimension_events"},
            "new_designation": set(), "new_curated": set(),
            "claim_contradicted": {"max_documents"},
        }[rule]
        table = _params(table, rule, allowed, where)
        if table.get("enabled", True) is True:
            enabled.add(rule)
        elif table.get("enabled") is not False:
            raise UsageError(f"{where}: {rule}.enabled must be true or false")
    if "first_cycle_days" in data:
        out["first_cycle_days"] = _number(data["first_cycle_days"], "first_cycle_days", int)
        if out["first_cycle_days"] < 0:
            raise UsageError(f"{where}: first_cycle_days must be 0 or more")
    j = data.get("judgment_change") or {}
    if "aspects" in j:
        if not isinstance(j["aspects"], list) or set(j["aspects"]) - set(_ASPECTS):
            raise UsageError(f"{where}: judgment_change.aspects takes {', '.join(_ASPECTS)}")
        out["judgment_on"] = tuple(j["aspects"])
    v = data.get("volume_jump") or {}
    if "dimensions" in v:
        dims = v["dimensions"]
        if not isinstance(dims, list) or set(dims) - {"all", *DIMENSIONS}:
            raise UsageError(f"{where}: volume_jump.dimensions takes all, "
                             f"{', '.join(DIMENSIONS)}")
        out["jump_dimensions"] = tuple(dims)
    kinds = {"baseline_weeks": int, "min_events": int, "moderate": float, "large": float,
             "max_p": float, "dispersion_weeks": int}
    out["jump"] = JumpRule(**{k: _number(v[k], f"volume_jump.{k}", kinds[k])
                              for k in kinds if k in v})
    c = data.get("change_point") or {}
    if "freq" in c:
        if c["freq"] not in _FREQS:
            raise UsageError(f"{where}: change_point.freq takes {', '.join(_FREQS)}")
        out["change_freq"] = c["freq"]
    if "recent_periods" in c:
        out["change_recent"] = _number(c["recent_periods"], "change_point.recent_periods", int)
    if "min_events" in c:
        out["change_min_events"] = _number(c["min_events"], "change_point.min_events", int)
    if "min_dimension_events" in c:
        out["change_min_dimension_events"] = _number(
            c["min_dimension_events"], "change_point.min_dimension_events", int)
    m = data.get("claim_contradicted") or {}
    if "max_documents" in m:
        out["max_documents"] = _number(m["max_documents"], "claim_contradicted.max_documents",
                                       int)
    return Rules(frozenset(enabled), **out)
