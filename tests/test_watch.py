"""The watcher on the bundled sample: config and rules files, one cycle through the CLI, the
alerts it stores and how `pivotwatch alerts` shows them, each rule firing on a planted fact
and staying quiet on the second cycle, failed deliveries tried again, one watcher per store.

The acceptance tests against a fake GDELT server are in tests/test_watch_gdelt.py."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from httpserver import LocalServer
from lxml import etree
from typer.testing import CliRunner

from pivotwatch.cli import app
from pivotwatch.errors import StoreError, UsageError
from pivotwatch.store import open_store
from pivotwatch.watch import state
from pivotwatch.watch.config import DEFAULT_SANCTIONS, WatchConfig, load_config, parse_every
from pivotwatch.watch.cycle import run_cycle
from pivotwatch.watch.rules import load_rules

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "pivotwatch" / "data" / "sample"
ATOM = "{http://www.w3.org/2005/Atom}"
runner = CliRunner()


@pytest.fixture
def store_copy(demo_store, tmp_path) -> Path:
    """The demo store (sample and reference data), copied for one test to write in."""
    target = tmp_path / "watch.duckdb"
    shutil.copy(demo_store, target)
    return target


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def once(db: Path, *extra: str):
    return cli("--db", str(db), "watch", "--once", "--gdelt", str(SAMPLE / "gdelt"),
               "--no-sanctions", *extra)


# --- config and rules ------------------------------------------------------------------------

def test_config_file_is_read_and_checked(tmp_path):
    path = tmp_path / "pivotwatch.toml"
    path.write_text('[watch]\ndyads = ["rus-chn", "RUS-PRK"]\nevery = "1h"\n'
                    'feeds = ["https://example.org/a.rss"]\n'
                    '[watch.sanctions]\nun = ""\nmine = "https://example.org/list.xml"\n'
                    '[watch.deliver]\nfeed = "out/alerts.atom"\nmail_to = ["a@example.org"]\n')
    cfg = load_config(path)
    assert cfg.dyads == ("RUS-CHN", "RUS-PRK") and cfg.every == 3600
    path.write_text('[watch]\ngdelt = "mirror"\n')
    assert load_config(path).gdelt == str(tmp_path / "mirror")  # beside the config file
    path.write_text('[watch]\ndyads = ["rus-chn", "RUS-PRK"]\nevery = "1h"\n'
                    'feeds = ["https://example.org/a.rss"]\n'
                    '[watch.sanctions]\nun = ""\nmine = "https://example.org/list.xml"\n'
                    '[watch.deliver]\nfeed = "out/alerts.atom"\nmail_to = ["a@example.org"]\n')
    cfg = load_config(path)
    assert "un" not in cfg.sanctions and cfg.sanctions["mine"].endswith("list.xml")
    assert cfg.sanctions["ofac_sdn"] == DEFAULT_SANCTIONS["ofac_sdn"]
    assert cfg.feed == tmp_path / "out" / "alerts.atom"
    assert cfg.channels == (f"feed:{tmp_path / 'out' / 'alerts.atom'}", "mail:a@example.org")
    for text, message in (('[watch]\nwebhok = "x"\n', "unknown key.*webhok"),
                          ('[watch.deliver]\nwebhook = "file:///etc/passwd"\n', "http\\(s\\) URL"),
                          ('[watch]\ndyads = ["RUS"]\n', "RUS"),
                          ('[watch]\nevery = "5s"\n', "from 1m to 30d"),
                          ('[wach]\ndyads = ["RUS-CHN"]\n', "unknown key.*wach"),
                          ('dyads = ["RUS-CHN"]\n', "everything goes under \\[watch\\]"),
                          ('[watch]\ndyads = ["RUS-PRK", "PRK-RUS"]\n', "same pair"),
                          ('[watch]\ndyads = ["RUS-XYZ"]\n', "pivotwatch.toml: watch.dyads"),
                          ("[watch\n", "not valid TOML")):
        path.write_text(text)
        with pytest.raises(UsageError, match=message):
            load_config(path)


def test_every_takes_durations():
    assert parse_every("15m") == 900 and parse_every("2h") == 7200 and parse_every("90") == 90
    assert parse_every("1h30m") == 5400
    for bad in ("soon", "59s", "99999999999d", "1h30", "1h1h"):
        with pytest.raises(UsageError):
            parse_every(bad)


def test_rules_file_is_checked(tmp_path):
    rules = load_rules()
    assert rules.on("volume_jump") and rules.jump.min_events >= 1
    mine = tmp_path / "rules.yaml"
    mine.write_text("volume_jump:\n  enabled: false\nchange_point:\n  recent_periods: 3\n")
    custom = load_rules(mine)
    assert not custom.on("volume_jump") and custom.change_recent == 3
    assert not custom.on("new_curated")  # a rule the file leaves out is off
    for text, message in (("volume_jump:\n  min_event: 3\n", "unknown parameter.*min_event"),
                          ("volume_jumps:\n  enabled: true\n", "unknown rule"),
                          ("volume_jump:\n  max_p: 2\n", "max_p"),
                          ("volume_jump:\n  baseline_weeks: two\n", "number")):
        mine.write_text(text)
        with pytest.raises(UsageError, match=message):
            load_rules(mine)


# --- a cycle through the command line --------------------------------------------------------

def test_first_cycle_alerts_on_recent_curated_facts_and_the_second_on_nothing(store_copy,
                                                                               tmp_path):
    feed = tmp_path / "alerts.atom"
    result = once(store_copy, "--feed", str(feed))
    assert result.exit_code == 0, result.output
    assert "new alert(s)" in result.output and f"written to the Atom feed {feed}" in \
        result.output.replace("\n", "")
    with open_store(store_copy, read_only=True) as st:
        found = state.alerts(st)
        newest = max(a.as_of for a in found)
        cycles = state.cycles(st)
    assert found and {a.rule for a in found} == {"new_curated"}
    # the baseline: facts older than first_cycle_days before the pair's newest evidence
    assert all((newest - a.as_of).days <= 90 for a in found)
    assert all(a.evidence and a.evidence[0].url.startswith("http") and
               a.command.startswith("pivotwatch ") for a in found)
    assert cycles[0]["status"] == "done" and cycles[0]["report"]["stored"] == len(found)
    entries = etree.parse(str(feed)).getroot().findall(f"{ATOM}entry")
    assert len(entries) == len(found)

    again = once(store_copy, "--feed", str(feed))
    assert again.exit_code == 0 and "cycle 2: no new alerts" in again.output
    with open_store(store_copy, read_only=True) as st:
        assert len(state.alerts(st)) == len(found)
    ids = [e.findtext(f"{ATOM}id") for e in etree.parse(str(feed)).getroot()
           .findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)) == len(found)


def test_alerts_command_formats_and_filters(store_copy):
    assert once(store_copy).exit_code == 0
    table = cli("--db", str(store_copy), "alerts")
    assert table.exit_code == 0 and "new_curated" in table.output
    as_json = json.loads(cli("--db", str(store_copy), "alerts", "--format", "json").output)
    assert as_json and all(set(a) >= {"id", "rule", "dyad", "evidence", "before", "after",
                                      "command"} for a in as_json)
    rows = list(csv.DictReader(io.StringIO(cli("--db", str(store_copy), "alerts", "--format",
                                              "csv").output)))
    assert [r["id"] for r in rows] == [a["id"] for a in as_json]
    atom = etree.fromstring(cli("--db", str(store_copy), "alerts", "--format",
                                "atom").output.encode())
    assert atom.tag == f"{ATOM}feed" and len(atom.findall(f"{ATOM}entry")) == len(as_json)
    none = cli("--db", str(store_copy), "alerts", "--rule", "volume_jump")
    assert none.exit_code == 0 and "no alerts match" in none.output
    bad = cli("--db", str(store_copy), "alerts", "--rule", "x'; DROP TABLE watch_alerts; --")
    assert bad.exit_code == 2 and "unknown rule" in bad.output


# --- each rule on a planted fact -------------------------------------------------------------

def _cycle(db: Path, **changes):
    config = WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={}, **changes)
    return run_cycle(config, db=db)


def test_a_judgment_that_moves_raises_one_alert_with_before_and_after(store_copy):
    first = _cycle(store_copy)
    with open_store(store_copy) as st:
        body = state.last_assessment(st, "RUS-PRK")
        real = body["judgments"]["military"]
        body["judgments"]["military"] = {**real, "level": "low", "direction": "falling"}
        with st.transaction() as con:  # as if the previous cycle had judged it so
            con.execute("UPDATE watch_assessments SET body = ? WHERE dyad = 'RUS-PRK'",
                        [json.dumps(body)])
    second = _cycle(store_copy)
    moved = [a for a in second.alerts if a.rule == "judgment_change"]
    assert len(moved) == 1 and first.status == second.status == "done"
    alert = moved[0]
    assert alert.before["level"] == "low" and alert.after["level"] == real["level"]
    assert alert.severity == "large" and "military" in alert.title
    assert alert.command.startswith("pivotwatch assess --dyad RUS-PRK --as-of ")
    assert not [a for a in _cycle(store_copy).alerts if a.rule == "judgment_change"]


UN_TIE = """<INDIVIDUAL><DATAID>99000001</DATAID><VERSIONNUM>1</VERSIONNUM>
<FIRST_NAME>PLANTED</FIRST_NAME><SECOND_NAME>TEST ENTRY</SECOND_NAME><THIRD_NAME />
<UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER>
<LISTED_ON>2025-11-30</LISTED_ON><COMMENTS1 /><NATIONALITY><VALUE>Democratic People's Republic
of Korea</VALUE></NATIONALITY><LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>
<INDIVIDUAL_ALIAS><QUALITY /><ALIAS_NAME /></INDIVIDUAL_ALIAS><INDIVIDUAL_ADDRESS>
<CITY>Vladivostok</CITY><COUNTRY>Russian Federation</COUNTRY></INDIVIDUAL_ADDRESS>
<INDIVIDUAL_DATE_OF_BIRTH /><INDIVIDUAL_PLACE_OF_BIRTH /><INDIVIDUAL_DOCUMENT /><SORT_KEY />
<SORT_KEY_LAST_MOD /></INDIVIDUAL>
"""


def test_sanctions_list_refresh_and_a_new_designation_tying_the_pair(store_copy, tmp_path):
    served = tmp_path / "www"
    served.mkdir()
    real = (SAMPLE / "sanctions" / "un_sc_dprk_rus.xml").read_text(encoding="utf-8")
    (served / "consolidated.xml").write_text(real, encoding="utf-8")
    with LocalServer(served) as server:
        lists = {"un": server.url("/consolidated.xml"), "gone": server.url("/missing.xml")}
        config = dict(sanctions=lists)
        first = run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", **config), db=store_copy,
                          allow_private="127.0.0.1")
        by_source = {s.source: s for s in first.sources}
        assert by_source["sanctions:un"].loaded and not by_source["sanctions:un"].errors
        assert "404" in by_source["sanctions:gone"].errors[0]  # reported; the others go on
        second = run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", **config),
                           db=store_copy, allow_private="127.0.0.1")
        assert {s.source: s for s in second.sources}["sanctions:un"].unchanged
        planted = real.replace('dateGenerated="2018-10-29T19:09:49.856-04:00"',
                               'dateGenerated="2025-12-01T10:00:00.000-05:00"')
        planted = planted.replace("<INDIVIDUALS>", "<INDIVIDUALS>\n" + UN_TIE, 1)
        (served / "consolidated.xml").write_text(planted, encoding="utf-8")
        third = run_cycle(WatchConfig(dyads=("RUS-PRK",), gdelt="", **config),
                          db=store_copy, allow_private="127.0.0.1")
    assert {s.source: s for s in third.sources}["sanctions:un"].loaded
    new = [a for a in third.alerts if a.rule == "new_designation"]
    assert len(new) == 1 and "PLANTED" in new[0].title
    assert new[0].command == "pivotwatch sanctions --country PRK --linked RUS"
    with open_store(store_copy, read_only=True) as st:
        saved = state.source_state(st, "sanctions:un")
    assert saved.content_hash and saved.error is None


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Korea Desk</title><link>http://news.example/</link>
<description>News</description>
<item><title>Pyongyang's friends</title><link>http://news.example/1</link>
<pubDate>{when}</pubDate>
<description>North Korea is an observer in the Shanghai Security Organisation. Kim and Putin
met again this year.</description></item>
</channel></rss>
"""


def test_a_contradicted_claim_in_a_watched_feed(store_copy, tmp_path):
    from email.utils import format_datetime

    from pivotwatch.store.store import utcnow

    served = tmp_path / "www"
    served.mkdir()
    (served / "feed.rss").write_text(RSS.format(when=format_datetime(utcnow())),
                                     encoding="utf-8")
    with LocalServer(served) as server:
        server.types[".rss"] = "application/rss+xml"
        config = WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={},
                             feeds=(server.url("/feed.rss"),))
        first = run_cycle(config, db=store_copy, allow_private="127.0.0.1")
        second = run_cycle(config, db=store_copy, allow_private="127.0.0.1")
    found = [a for a in first.alerts if a.rule == "claim_contradicted"]
    assert len(found) == 1, first.notes
    alert = found[0]
    assert alert.dyad == "RUS-PRK" and "Shanghai Security Organisation" in alert.summary
    document, *rows = alert.evidence
    assert document.source == "documents" and document.url == "http://news.example/1"
    assert rows and rows[0].key == "SCO"
    assert alert.command == "pivotwatch claims http://news.example/1"
    assert not [a for a in second.alerts if a.rule == "claim_contradicted"]  # audited once


# --- delivery retried, one watcher per store -------------------------------------------------

def test_a_failed_delivery_is_tried_again_next_cycle(store_copy, tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the feed's folder should be")
    feed = blocker / "alerts.atom"
    first = _cycle(store_copy, feed=feed)
    assert first.alerts and first.delivery_errors and first.status == "done"
    with open_store(store_copy, read_only=True) as st:
        waiting = state.pending(st, f"feed:{feed}")
    assert {a.id for a in waiting} == {a.id for a in first.alerts}
    health = cli("--db", str(store_copy), "status").output
    assert f"not delivered yet: {len(first.alerts)} alert(s) to feed:" in health.replace("\n", "")
    blocker.unlink()
    blocker.mkdir()
    second = _cycle(store_copy, feed=feed)
    assert not second.alerts and second.delivered == {f"feed:{feed}": len(first.alerts)}
    entries = etree.parse(str(feed)).getroot().findall(f"{ATOM}entry")
    assert len(entries) == len(first.alerts)


def test_a_second_watcher_on_the_same_store_is_refused(store_copy):
    with state.WatchLock(store_copy):
        result = once(store_copy)
        with pytest.raises(StoreError, match="another watcher"), state.WatchLock(store_copy):
            pass
    assert result.exit_code == 1
    assert "another watcher" in result.output and "one watcher per store" in result.output
    assert once(store_copy).exit_code == 0  # the lock goes with its holder


def test_the_python_api_runs_a_cycle_and_lists_its_alerts(store_copy):
    import pivotwatch

    result = pivotwatch.watch_cycle(["rus-prk"], db=store_copy, gdelt="", sanctions={})
    assert result.status == "done" and result.alerts
    with open_store(store_copy, read_only=True) as st:
        listed = pivotwatch.alerts("RUS-PRK", store=st, rule="new_curated")
    assert {a.id for a in listed} == {a.id for a in result.alerts}


def test_a_level_shift_in_the_latest_months_raises_a_change_point_alert(tmp_path):
    """Fourteen months of real RUS-CHN rows redated, four times as many in the last two:
    `change_point` alerts for the shift (with the events behind it and the command), once."""
    import itertools

    from gdelt_server import pair_of, real_rows, redate

    rows = real_rows()
    pair = [r for r in rows if pair_of(r) == frozenset({"RUS", "CHN"})]
    other = [r for r in rows if pair_of(r) & {"RUS", "CHN"} and pair_of(r) != pair_of(pair[0])]
    folder = tmp_path / "drop"
    folder.mkdir()
    ids = itertools.count(900_000_000)
    for m in range(14):
        first = date(2024 + m // 12, m % 12 + 1, 1)
        n = 80 if m >= 12 else 20
        chosen = [pair[(m * 7 + i) % len(pair)] for i in range(n)] + \
            [other[(m * 13 + i) % len(other)] for i in range(400)]
        stamp = f"{first:%Y%m}28000000"
        lines = [redate(cols, next(ids), first.replace(day=1 + i % 28), stamp)
                 for i, cols in enumerate(chosen)]
        (folder / f"{stamp}.export.CSV").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "shift.duckdb"
    config = WatchConfig(dyads=("RUS-CHN",), gdelt=str(folder), sanctions={})
    first_cycle = run_cycle(config, db=db, create=True)
    shifts = [a for a in first_cycle.alerts if a.rule == "change_point"]
    assert shifts, first_cycle.notes
    assert all(a.as_of >= date(2025, 1, 1) and "up" in a.title for a in shifts)
    # February 2025, the newest month, is not over: it is not tested yet
    assert all(a.as_of < date(2025, 2, 1) for a in shifts)
    assert all(a.after["per_10k"] > a.before["per_10k"] for a in shifts)
    assert all(a.evidence and a.command.startswith("pivotwatch changes --dyad RUS-CHN")
               for a in shifts)
    assert not [a for a in run_cycle(config, db=db).alerts if a.rule == "change_point"]


def test_a_rule_turned_off_and_on_again_does_not_raise_the_history(store_copy, tmp_path):
    off = tmp_path / "off.yaml"
    off.write_text("judgment_change:\n  enabled: true\n")
    quiet = _cycle(store_copy, rules=off)
    assert not quiet.alerts
    again = _cycle(store_copy)  # new_curated's first run: its baseline, not 80 alerts
    curated = [a for a in again.alerts if a.rule == "new_curated"]
    assert curated and all(a.as_of >= date_of(again) for a in curated)


def date_of(result) -> object:
    """The oldest as-of date a first run may alert on: 90 days before the newest."""
    from datetime import timedelta

    return max(a.as_of for a in result.alerts) - timedelta(days=90)


def test_commands_in_alerts_are_safe_to_paste_into_a_shell():
    import shlex

    from pivotwatch.watch.evaluate import command

    line = command("claims", "https://example.org/a;touch${IFS}/tmp/x;$(id)`id`")
    assert shlex.split(line) == ["pivotwatch", "claims",
                                 "https://example.org/a;touch${IFS}/tmp/x;$(id)`id`"]


def test_watch_refuses_a_missing_store_and_bad_delivery_targets_before_a_cycle(tmp_path,
                                                                             store_copy):
    missing = tmp_path / "typo.duckdb"
    result = once(missing)
    assert result.exit_code == 1 and "no store at" in result.output and "--create" in \
        result.output
    assert not missing.exists()
    for args, message in ((["--feed", str(tmp_path / "nodir" / "a.atom")], "no folder"),
                          (["--webhook", "https://user:pw@example.org/x"], "user name"),
                          (["--mail-to", "not an address"], "plain ASCII"),
                          (["--mail-to", "a@example.org"], "PIVOTWATCH_SMTP_HOST"),
                          (["--every", "5s"], "from 1m to 30d"),
                          (["--dyad", "RUS-PRK", "--dyad", "PRK-RUS"], "same pair")):
        bad = once(store_copy, *args) if "--every" not in args else \
            cli("--db", str(store_copy), "watch", *args)
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)
    with open_store(store_copy, read_only=True) as st:
        assert not state.cycles(st)  # none of them ran a cycle
    assert once(missing, "--create").exit_code == 0 and missing.exists()


def test_claims_about_no_watched_pair_raise_nothing_and_a_new_feed_keeps_its_archive(
        store_copy, tmp_path):
    from email.utils import format_datetime

    from pivotwatch.store.store import utcnow

    served = tmp_path / "www"
    served.mkdir()
    (served / "now.rss").write_text(RSS.format(when=format_datetime(utcnow())), encoding="utf-8")
    (served / "old.rss").write_text(RSS.format(when="Mon, 01 Jun 2015 10:00:00 GMT")
                                    .replace("news.example/1", "news.example/old"),
                                    encoding="utf-8")
    with LocalServer(served) as server:
        server.types[".rss"] = "application/rss+xml"
        other = WatchConfig(dyads=("RUS-CHN",), gdelt="", sanctions={},
                            feeds=(server.url("/now.rss"),))
        assert not [a for a in run_cycle(other, db=store_copy, allow_private="127.0.0.1").alerts
                    if a.rule == "claim_contradicted"]  # about North Korea: not watched
        later = WatchConfig(dyads=("RUS-PRK",), gdelt="", sanctions={},
                            feeds=(server.url("/old.rss"),))
        added = run_cycle(later, db=store_copy, allow_private="127.0.0.1")
    assert not [a for a in added.alerts if a.rule == "claim_contradicted"]  # its 2015 archive
