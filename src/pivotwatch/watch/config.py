"""What to watch and where alerts go: the `[watch]` table of the config file, with defaults.

The file is TOML: `--config PATH`, else $PIVOTWATCH_CONFIG, else `pivotwatch.toml` in the
working directory when there is one. Options given on the command line win over the file.
Unknown keys are refused, so a misspelt `webhok` is an error and not a silent no-op.
Secrets (SMTP credentials) never come from this file: they come from the environment.

    [watch]
    dyads = ["RUS-PRK", "RUS-CHN"]
    every = "15m"
    gdelt = "http://data.gdeltproject.org"   # or a folder that exports are dropped into; "" off
    feeds = ["https://example.org/nk.rss"]
    [watch.sanctions]                         # name = URL; "" turns a list off
    un = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    [watch.deliver]
    feed = "alerts.atom"
    webhook = "https://hooks.example.org/pivotwatch"
    mail_to = ["analyst@example.org"]
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from pivotwatch.analysis.dyads import parse_dyad
from pivotwatch.errors import UsageError
from pivotwatch.settings import get_settings

# The publishers' own URLs. OpenSanctions' exports are not on by default: its consolidated
# sanctions export is several hundred megabytes, past the records-file cap; name a dataset's
# export here to watch it (docs/watch.md).
DEFAULT_SANCTIONS = {
    "un": "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
    "ofac_sdn": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
                "SDN.XML",
    "ofac_consolidated": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/"
                         "exports/CONSOLIDATED.XML",
}
DEFAULT_DYADS = ("RUS-PRK",)
MIN_EVERY = 60.0  # seconds: GDELT publishes every 15 minutes; faster polling only adds load
MAX_EVERY = 30 * 86400.0  # a month: a longer beat is a typo
_EVERY = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhd]?\s*)+$", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class WatchConfig:
    dyads: tuple[str, ...] = DEFAULT_DYADS
    every: float = 900.0
    gdelt: str = ""                  # base URL or folder; "" when not watched
    sanctions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SANCTIONS))
    feeds: tuple[str, ...] = ()
    feed: Path | None = None         # the Atom file
    webhook: str | None = None
    mail_to: tuple[str, ...] = ()
    rules: Path | None = None        # a rules file in place of data/watch/rules.yaml
    max_files: int = 192             # GDELT exports taken per cycle (two days' worth)
    source: Path | None = None       # the config file read, if any

    @property
    def channels(self) -> tuple[str, ...]:
        """Where alerts go besides the terminal, as the store names them."""
        out = []
        if self.feed is not None:
            out.append(f"feed:{self.feed}")
        if self.webhook:
            out.append(f"webhook:{self.webhook}")
        out += [f"mail:{a}" for a in self.mail_to]
        return tuple(out)


def parse_every(text: str | float) -> float:
    """Seconds from '15m', '1h', '1h30m', '90s', '2d' or a number of seconds."""
    parts = _PART.findall(str(text))
    units = [unit.lower() for _, unit in parts]
    # one bare number is seconds; in "1h30" the bare 30 is a slip for 30m, and "1h1h" repeats
    if not _EVERY.match(str(text)) or (len(parts) > 1 and "" in units) or \
            len(set(units)) < len(units):
        raise UsageError(f"--every must be a duration such as 15m, 1h30m or 90s, not {text!r}")
    seconds = sum(float(n) * _UNITS[unit] for (n, _), unit in zip(parts, units, strict=True))
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise UsageError(f"--every must be from 1m to 30d, not {text!r}")
    return seconds


def duration(seconds: float) -> str:
    """Seconds as the user wrote them: 15m, 1h30m, 2d."""
    left, parts = int(round(seconds)), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts) or "0s"


def _http(url: str, what: str) -> str:
    if not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        raise UsageError(f"{what} must be an http(s) URL, not {url!r}")
    return url


def _strings(value, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{what} must be a list of strings")
    return tuple(value)


def dyads(given) -> tuple[str, ...]:
    """Dyads checked, each once: RUS-PRK and PRK-RUS are one pair, so the second is refused
    (its alerts would repeat the first's)."""
    out: dict[frozenset, str] = {}
    for text in given:
        dyad = "-".join(parse_dyad(text))
        pair = frozenset(dyad.split("-"))
        if pair in out and out[pair] != dyad:
            raise UsageError(f"{dyad} and {out[pair]} are the same pair: watch it once")
        out.setdefault(pair, dyad)
    return tuple(out.values())


def config_path(given: Path | None) -> Path | None:
    if given is not None:
        if not given.is_file():
            raise UsageError(f"no config file at {given}")
        return given
    env = os.environ.get("PIVOTWATCH_CONFIG", "").strip()
    if env:
        if not Path(env).is_file():
            raise UsageError(f"PIVOTWATCH_CONFIG names {env}, which is not a file")
        return Path(env)
    here = Path("pivotwatch.toml")
    return here if here.is_file() else None


_KEYS = {"dyads", "every", "gdelt", "sanctions", "feeds", "deliver", "rules", "max_files"}
_DELIVER_KEYS = {"feed", "webhook", "mail_to"}


def load_config(path: Path | None = None) -> WatchConfig:
    """The watch configuration from `path` (or the file found as the module says), over the
    defaults; UsageError with one line for a file that is not valid."""
    base = WatchConfig(gdelt=get_settings().gdelt_base)
    found = config_path(path)
    if found is None:
        return base
    if found.stat().st_size > 1 << 20:
        raise UsageError(f"{found}: a config file of more than 1 MiB is not one")
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{found}: not valid TOML: {exc}") from None
    if set(data) - {"watch"}:
        raise UsageError(f"{found}: unknown key(s) or table(s): "
                         f"{', '.join(sorted(set(data) - {'watch'}))} (everything goes under "
                         f"[watch])")
    table = data.get("watch", {})
    if not isinstance(table, dict):
        raise UsageError(f"{found}: [watch] must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise UsageError(f"{found}: unknown key(s) in [watch]: {', '.join(sorted(unknown))}")
    changes: dict = {"source": found}
    if "dyads" in table:
        try:
            changes["dyads"] = dyads(_strings(table["dyads"], "watch.dyads"))
        except UsageError as exc:
            raise UsageError(f"{found}: watch.dyads: {exc}") from None
    if "every" in table:
        changes["every"] = parse_every(table["every"])
    if "gdelt" in table:
        if not isinstance(table["gdelt"], str):
            raise UsageError(f"{found}: watch.gdelt must be a URL, a folder or \"\"")
        where = table["gdelt"].strip().rstrip("/")
        # a folder is read relative to the config file, as `rules` and `feed` are
        changes["gdelt"] = where if not where or "://" in where else \
            str(found.parent / where)
    if "sanctions" in table:
        lists = table["sanctions"]
        if not isinstance(lists, dict) or not all(isinstance(v, str) for v in lists.values()):
            raise UsageError(f"{found}: [watch.sanctions] must map names to URLs")
        merged = dict(DEFAULT_SANCTIONS)
        for name, url in lists.items():
            if not _NAME.match(name):
                raise UsageError(f"{found}: sanctions list name {name!r}: use a-z, 0-9 and _")
            if url.strip():
                merged[name] = _http(url.strip(), f"watch.sanctions.{name}")
            else:
                merged.pop(name, None)
        changes["sanctions"] = merged
    if "feeds" in table:
        changes["feeds"] = tuple(_http(u, "a watched feed")
                                 for u in _strings(table["feeds"], "watch.feeds"))
    if "rules" in table:
        changes["rules"] = (found.parent / str(table["rules"])).resolve()
    if "max_files" in table:
        if not isinstance(table["max_files"], int) or table["max_files"] < 1:
            raise UsageError(f"{found}: watch.max_files must be a whole number of 1 or more")
        changes["max_files"] = table["max_files"]
    deliver = table.get("deliver", {})
    if not isinstance(deliver, dict) or set(deliver) - _DELIVER_KEYS:
        raise UsageError(f"{found}: [watch.deliver] takes only {', '.join(sorted(_DELIVER_KEYS))}")
    if "feed" in deliver:
        changes["feed"] = found.parent / str(deliver["feed"])
    if "webhook" in deliver:
        changes["webhook"] = _http(str(deliver["webhook"]), "watch.deliver.webhook")
    if "mail_to" in deliver:
        changes["mail_to"] = _strings(deliver["mail_to"], "watch.deliver.mail_to")
    return replace(base, **changes)


def with_options(config: WatchConfig, **options) -> WatchConfig:
    """`config` with the command line's options (None: not given) put over it."""
    changes = {k: v for k, v in options.items() if v not in (None, (), [])}
    if "webhook" in changes:
        _http(changes["webhook"], "--webhook")
    if "dyads" in changes:
        changes["dyads"] = dyads(changes["dyads"])
    if "mail_to" in changes:
        changes["mail_to"] = tuple(changes["mail_to"])
    if "every" in changes:
        changes["every"] = parse_every(changes["every"])
    return replace(config, **changes)
