"""Apply the rules to one watched dyad: what is new since the last cycle, as alerts with their
evidence, and what is merely noted (the baseline, facts too old to be news).

Each rule compares with the store's memory of earlier cycles (`watch/state.py`): the last
assessment of the dyad, and the facts already seen. On the first cycle that watches a dyad
there is no memory: the judgments become the baseline (no alert), and curated events,
measures and designations dated within `first_cycle_days` of the pair's newest evidence are
news, older ones the baseline. The same holds for a rule's first run on a pair (a rule turned
on later, or turned off and on again): each rule records its first run (`BASELINE`). The
week-on-week jump and the change points look only at the latest periods, so they need no
baseline.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pivotwatch.analysis.judgment import DIMENSIONS, Evidence
from pivotwatch.errors import PivotwatchError
from pivotwatch.store.store import Store, utcnow
from pivotwatch.watch import state
from pivotwatch.watch.jumps import jump
from pivotwatch.watch.model import Alert, Severity
from pivotwatch.watch.rules import Rules

MAX_EVIDENCE = 8  # rows carried by one alert
# A rule's first run on a pair (watching just began, or the rule was just turned on) records
# this fact: until it is there, the rule's facts are weighed as a baseline (module docstring).
BASELINE = "*baseline*"


def command(*args: object) -> str:
    """A pivotwatch command line that is safe to paste into a shell: every argument quoted
    (a value can come from data: a measure's name, a URL)."""
    return " ".join(shlex.quote(str(a)) for a in ("pivotwatch", *args))


@dataclass
class Evaluation:
    outcome: state.Outcome
    notes: list[str] = field(default_factory=list)  # what a rule could not check, and why


def _label(level) -> str | None:
    return None if level is None else level.label


def snapshot(assessment) -> dict:
    """The judgment rule's memory of an assessment: per dimension its level, direction and
    confidence, and the as-of date."""
    return {"as_of": assessment.as_of.isoformat(),
            "judgments": {j.dimension: {"level": _label(j.level),
                                        "direction": str(j.direction),
                                        "confidence": str(j.confidence)}
                          for j in assessment.judgments}}


def _event_evidence(rows: Sequence[dict]) -> tuple[Evidence, ...]:
    out = []
    for e in rows[:MAX_EVIDENCE]:
        who = " - ".join(x for x in (e.get("actor1_name"), e.get("actor2_name")) if x)
        what = e.get("event_label") or e.get("event_code") or ""
        out.append(Evidence("events", str(e["event_id"]), str(e["day"]),
                            f"{what}: {who} ({e.get('num_mentions') or 0} mentions)",
                            e.get("source_url")))
    return tuple(out)


def judgment_alerts(dyad: str, assessment, last: dict | None, rules: Rules,
                    at_old_date: Callable[[date], object] | None = None) -> list[Alert]:
    """Alerts for every dimension whose level, direction or confidence moved since `last`.

    When the as-of date moved too, `at_old_date(day)` (the assessment of the current data as
    of the old date) says why: if it still gives the old judgment, the change comes from the
    date moving (evidence entering or leaving the windows), not from evidence added about the
    time before it."""
    if last is None:
        return []
    before_all = last.get("judgments", {})
    now = snapshot(assessment)["judgments"]
    old_as_of = last.get("as_of")
    moved_date = old_as_of is not None and old_as_of != assessment.as_of.isoformat()
    then = None
    out = []
    for j in assessment.judgments:
        before, after = before_all.get(j.dimension), now[j.dimension]
        if before is None:
            continue
        moved = [a for a in rules.judgment_on if before.get(a) != after.get(a)]
        if not moved:
            continue
        if moved_date and then is None and at_old_date is not None:
            then = snapshot(at_old_date(date.fromisoformat(old_as_of)))["judgments"]
        if not moved_date:
            why = "New or changed evidence dated on or before that day moved it."
        elif then is not None and all(then.get(j.dimension, {}).get(a) == before.get(a)
                                      for a in moved):
            why = (f"The evidence as of {old_as_of} still gives the old judgment: the change "
                   f"comes from the as-of date moving to {assessment.as_of} (newer evidence, "
                   f"or older evidence leaving the windows), not from new rows about the time "
                   f"before {old_as_of}.")
        else:
            why = (f"Evidence added since the last cycle and dated on or before {old_as_of} "
                   "moved it, besides the date moving.")
        severity = Severity.LARGE if "level" in moved else \
            Severity.MODERATE if "direction" in moved else Severity.INFO
        change = "; ".join(f"{a} {before.get(a) or 'none'} -> {after.get(a) or 'none'}"
                           for a in moved)
        key = f"{j.dimension} {change} as of {assessment.as_of}"
        compare = ([command("assess", "--dyad", dyad, "--as-of", old_as_of)]
                   if moved_date else []) + \
            [command("assess", "--dyad", dyad, "--as-of", assessment.as_of)]
        out.append(Alert(
            "judgment_change", dyad, key, severity,
            f"{dyad} {j.dimension}: {change}",
            f"The {j.dimension} judgment of {dyad} changed between the assessment as of "
            f"{old_as_of} and the one as of {assessment.as_of}: {change}. {why}"
            + (f" Caveats: {'; '.join(j.caveats[:2])}." if j.caveats else ""),
            assessment.as_of, before={"as_of": old_as_of, **before},
            after={"as_of": assessment.as_of.isoformat(), **after},
            evidence=tuple(j.evidence[:MAX_EVIDENCE]), command=" && ".join(compare)))
    return out


def newest_day(store: Store) -> date | None:
    rows = store.con.execute("SELECT max(day) FROM total_daily").fetchall() \
        if store.has_table("total_daily") else [[None]]
    return rows[0][0]


def latest_whole_week(newest: date) -> tuple[date, date]:
    """(Monday, Sunday) of the newest week that ended before `newest`, the store's newest day
    (a week whose Sunday is that day may still be filling)."""
    sunday = newest - timedelta(days=(newest.weekday() + 1) % 7 or 7)
    return sunday - timedelta(days=6), sunday


def jump_alerts(store: Store, dyad: str, rules: Rules, notes: list[str]) -> list[Alert]:
    from pivotwatch.analysis.changes import top_events
    from pivotwatch.analysis.dyads import indicators

    newest = newest_day(store)
    if newest is None:
        notes.append("volume_jump: the store holds no GDELT events")
        return []
    monday, sunday = latest_whole_week(newest)
    k = rules.jump.baseline_weeks
    span = max(k, rules.jump.dispersion_weeks)  # weeks read before the latest
    start = monday - timedelta(weeks=k)
    first = monday - timedelta(weeks=span)
    weeks = [first + timedelta(weeks=i) for i in range(span + 1)]
    series = indicators(dyad, store=store, freq="week", start=first, end=sunday,
                        dimensions=list(rules.jump_dimensions))
    a, b = dyad.split("-")
    out = []
    for dim in rules.jump_dimensions:
        rows = series[series.dimension == dim].sort_values("period")
        found = {date.fromisoformat(str(p)[:10]): r for p, r in zip(rows.period, rows.itertuples(),
                                                                    strict=True)}
        if any(w not in found or not found[w].volume for w in weeks[-k - 1:]):
            if dim == rules.jump_dimensions[0]:
                notes.append(f"volume_jump: {dyad} has no media volume in some of the "
                             f"{k + 1} weeks to {sunday}; not tested")
            continue
        # the weeks before the baseline measure only the series' dispersion; one without
        # media volume (a gap in the store) is left out of it
        held = [w for w in weeks if w in found and found[w].volume]
        hit = jump([int(found[w].events) for w in held],
                   [float(found[w].volume) for w in held], rules.jump)
        if hit is None:
            continue
        rise = "new activity" if hit.rise is None else f"+{hit.rise:.0%}"
        evidence = _event_evidence(top_events(store, a, b, dim, monday, sunday, MAX_EVIDENCE))
        out.append(Alert(
            "volume_jump", dyad, f"{dim} week of {monday}", hit.severity,
            f"{dyad} {dim} activity {rise} in the week of {monday}",
            f"{hit.events} {dim} events between {a} and {b} in the week {monday} to {sunday}: "
            f"{hit.rate:.2f} per 10k events about either country, against {hit.baseline_rate:.2f} "
            f"over the {k} weeks {start} to {monday - timedelta(days=1)} "
            f"({hit.baseline_events} events, {hit.baseline_events / k:.1f} a week); a rise this "
            f"large by chance has probability {hit.p:.1e}, allowing for the series' own "
            f"week-to-week swings ({hit.dispersion:.1f} times counting noise). A rise in "
            f"reporting (one story repeated, GDELT's duplicates) moves this figure as much as "
            f"one in events.",
            sunday,
            before={"events a week": round(hit.baseline_events / k, 1),
                    "volume a week": round(hit.baseline_volume / k, 1),
                    "per_10k": round(hit.baseline_rate, 4)},
            after={"events a week": hit.events, "volume a week": hit.volume,
                   "per_10k": round(hit.rate, 4)},
            evidence=evidence,
            command=command("indicators", "--dyad", dyad, "--freq", "week", "--from", start,
                            "--to", sunday, "--dimension", dim)))
    return out


def _last_whole_end(newest: date, freq: str) -> date:
    """The last day of the newest period that ended before `newest`."""
    from pivotwatch.analysis.changes import next_period

    first = date(newest.year, 1, 1) if freq != "week" else newest - timedelta(days=400)
    p = first
    while next_period(p, freq) <= newest:  # the period starting at p ended before newest...
        p = next_period(p, freq)
    return p - timedelta(days=1)  # ... p is the one holding newest: end the day before it


def change_alerts(store: Store, dyad: str, rules: Rules, seen: set[str],
                  noted: list[tuple[str, str]], notes: list[str]) -> list[Alert]:
    from pivotwatch.analysis.changes import changes, period_end, top_events

    newest = newest_day(store)
    if newest is None:
        return []
    # Whole periods only: the current one, as far as it has come, is not yet a level (a few
    # days' events against a few days' volume swing widely). A period is whole once the
    # store holds a day after it.
    end = _last_whole_end(newest, rules.change_freq)
    # top=0: the events behind a change are read only for the changes alerted on, not for
    # every change in the pair's history on every cycle
    report = changes(dyad, store=store, dimensions=list(DIMENSIONS), freq=rules.change_freq,
                     min_events=rules.change_min_events, top=0, end=end)
    a, b = dyad.split("-")
    periods = sorted({date.fromisoformat(str(p)[:10]) for p in report.series.period}) \
        if not report.series.empty else []
    recent = set(periods[-rules.change_recent:])
    counts = {(r.dimension, date.fromisoformat(str(r.period)[:10])): int(r.events)
              for r in report.series.itertuples()} if not report.series.empty else {}

    def before_period(p: date) -> date:
        earlier = [q for q in periods if q < p]
        return earlier[-1] if earlier else p

    out = []
    for c in report.changes:
        # not keyed by the kind: a shift first shows as a spike at the latest period (it has
        # no neighbours after it yet), and as a shift at the same period a period later; one
        # change, one alert
        fact = f"{c.dimension} {c.period} {c.direction}"
        if fact in seen:
            continue
        if c.period not in recent:
            noted.append(("change_point", fact))  # found again in older history: not news
            continue
        if max(counts.get((c.dimension, p), 0) for p in (c.period, before_period(c.period))) \
                < rules.change_min_dimension_events:
            continue  # one or two events of a sparse dimension: not a level (rules.yaml)
        ratio = f" ({c.ratio - 1:+.0%})" if c.ratio is not None else ""
        behind = top_events(store, a, b, c.dimension, c.evidence_periods[0],
                            period_end(c.evidence_periods[-1], rules.change_freq),
                            MAX_EVIDENCE) if c.evidence_periods else []
        out.append(Alert(
            "change_point", dyad, fact, Severity.LARGE if c.kind == "shift" else Severity.MODERATE,
            f"{dyad} {c.dimension}: {c.kind} {c.direction} from {c.period}{ratio}",
            f"A {c.kind} {c.direction} in {dyad}'s {c.dimension} events per 10k, from "
            f"{c.before:.2f} to {c.after:.2f}{ratio}, {abs(c.z):.1f} times the series' noise, "
            f"starting {c.period} ({rules.change_freq}ly series). A change in how much the media "
            f"cover the pair moves this figure too.",
            c.period, before={"per_10k": round(c.before, 4)},
            after={"per_10k": round(c.after, 4), "z": round(c.z, 2)},
            evidence=_event_evidence(behind),
            command=command("changes", "--dyad", dyad, "--freq", rules.change_freq,
                            "--dimension", c.dimension)))
    if report.notes and not report.changes:
        notes += [f"change_point: {n}" for n in report.notes[:1]]
    return out


def _fact_alerts(dyad: str, rule: str, facts: list[tuple[str, date | None, Alert]],
                 seen: set[str], first: bool, newest: date | None, rules: Rules,
                 noted: list[tuple[str, str]]) -> list[Alert]:
    """The facts not seen before, as alerts; on a first cycle only those dated within
    `first_cycle_days` of `newest`, the rest noted as the baseline."""
    out = []
    cutoff = None if newest is None else newest - timedelta(days=rules.first_cycle_days)
    for fact, when, alert in facts:
        if fact in seen:
            continue
        if first and (when is None or cutoff is None or when < cutoff):
            noted.append((rule, fact))
        else:
            out.append(alert)
    return out


def curated_alerts(d, dyad: str, rules: Rules, seen: set[str], first: bool,
                   newest: date | None, noted: list[tuple[str, str]]) -> list[Alert]:
    pair = set(dyad.split("-"))
    facts = []
    for e in d.events:
        if {e["actor1"], e["actor2"]} != pair:
            continue
        fact = f"event {e['key']}"
        facts.append((fact, e["day"], Alert(
            "new_curated", dyad, fact, Severity.MODERATE,
            f"{dyad}: {e['event_type'].replace('_', ' ')} on {e['day']} ({e['dimension']})",
            f"A curated {e['dimension']} event was added: {e['description']} "
            f"(confidence {e['confidence']}).",
            e["day"], evidence=(Evidence("reference_events", e["key"], str(e["day"]),
                                         e["description"], e["url"]),),
            command=command("report", "--dyad", dyad, "-o", "briefing.html"))))
    for m in d.measures:
        if {m["from_country"], m["to_country"]} != pair:
            continue
        fact = f"measure {m['row_key']}"
        text = (f"{m['measure'].replace('_', ' ')} {m['value']:,.0f} {m['unit']} "
                f"({m['basis']}, {m['publisher']}, as of {m['published']})")
        facts.append((fact, m["published"], Alert(
            "new_curated", dyad, fact, Severity.MODERATE,
            f"{dyad}: {text}", f"A published measure was added: {text}; confidence "
            f"{m['confidence']}.", m["published"], after={m["measure"]: m["value"]},
            evidence=(Evidence("reference_measures", m["row_key"], str(m["published"]), text,
                               m["url"]),),
            command=command("measures", "--dyad", dyad, "--measure", m["measure"]))))
    return _fact_alerts(dyad, "new_curated", facts, seen, first, newest, rules, noted)


def designation_alerts(d, dyad: str, partner: str, rules: Rules, seen: set[str], first: bool,
                       newest: date | None, noted: list[tuple[str, str]]) -> list[Alert]:
    facts = []
    for t in d.designations(partner, utcnow().date()):
        fact = f"{t['list']} {t['list_id']}"
        when = t["listed_on"] or (t["published_at"].date() if t["published_at"] else None)
        text = f"{t['name']} on {t['list']} (entry {t['list_id']}), tied by {t['tie']}"
        facts.append((fact, when, Alert(
            "new_designation", dyad, fact, Severity.MODERATE,
            f"{dyad}: designation tying the pair: {t['name']} ({t['list']})",
            f"A designation that ties {dyad.replace('-', ' and ')}: {text}; listed "
            f"{t['listed_on'] or 'on an unknown date'}.", when,
            evidence=(Evidence("sanctions", fact, str(when) if when else None, text, None),),
            command=command("sanctions", "--country", partner, "--linked", d.focus))))
    return _fact_alerts(dyad, "new_designation", facts, seen, first, newest, rules, noted)


def evaluate(store: Store, dyad: str, rules: Rules) -> Evaluation:
    """Every enabled rule on `dyad`; a rule that cannot run is a note, not a failure."""
    from pivotwatch.analysis.assessment import assess_dossier
    from pivotwatch.analysis.dossier import latest_date, load_dossier

    focus, partner = dyad.split("-")
    notes: list[str] = []
    noted: list[tuple[str, str]] = []
    alerts: list[Alert] = []
    last = state.last_assessment(store, dyad)
    d = load_dossier(store, focus, [partner])
    newest = latest_date(d, partner)
    new_snapshot, as_of = None, None
    try:
        assessment = assess_dossier(d, store, partner)
    except PivotwatchError as exc:  # no dated evidence about the pair
        notes.append(f"judgment_change: {exc}")
    else:
        new_snapshot, as_of = snapshot(assessment), assessment.as_of
        if rules.on("judgment_change"):
            alerts += judgment_alerts(dyad, assessment, last, rules,
                                      lambda day: assess_dossier(d, store, partner, as_of=day))

    def facts(rule: str, run: Callable[[set[str], bool], list[Alert]]) -> list[Alert]:
        seen = state.seen(store, dyad, rule)
        first = BASELINE not in seen
        if first:
            noted.append((rule, BASELINE))
        return run(seen, first)

    for rule, run in (
            ("volume_jump", lambda: jump_alerts(store, dyad, rules, notes)),
            ("change_point", lambda: change_alerts(store, dyad, rules,
                                                   state.seen(store, dyad, "change_point"),
                                                   noted, notes)),
            ("new_curated", lambda: facts("new_curated", lambda seen, first: curated_alerts(
                d, dyad, rules, seen, first, newest, noted))),
            ("new_designation", lambda: facts("new_designation", lambda seen, first:
                                              designation_alerts(d, dyad, partner, rules, seen,
                                                                 first, newest, noted)))):
        if rules.on(rule):
            try:
                alerts += run()
            except PivotwatchError as exc:
                notes.append(f"{rule}: {exc}")
    return Evaluation(state.Outcome(dyad, alerts, noted, new_snapshot, as_of), notes)
