"""Claims that something happened (summits, treaties, exercises, arms transfers, deployments,
UN votes) matched against the curated timeline (`reference_events`) and GDELT (`events`).

A timeline row matches only when it records the event the claim asserts (:mod:`..predicates`):
its kind is one the claim's predicate words name (narrowed to the kinds of the claim's topic,
`data/claims/topic_cameo.csv`, when they share any), it does not run the other way from a
directed claim ("Kim visited Moscow" is not Putin's visit to Pyongyang), its actors are the
claim's (either order; a UN or MSMT row counts for claims about the UN or sanctions), and its
date (with its precision: a day, a month or a year) falls within a span the claim names. A
claim with no predicate word (framing, purposes, "the military impacts of the treaty")
asserts no event and gets no timeline evidence. A record that the event did not happen
("Kim did not attend the parade") about the same people and places contradicts a claim that
it did. GDELT events match on
the dyad, the CAMEO codes of the topic and the span. Figures in a claim (troops, containers)
are compared with those in the rows' descriptions (:mod:`.counts`), and a denial only with
rows about the same people and places (:mod:`.names`). Nothing found is "no evidence in the
loaded data", never a contradiction; a contradiction needs a record that says otherwise (a
different vote of the same country, a figure far above every estimate on record).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from pivotwatch.claims.actors import find_actors
from pivotwatch.claims.checks.counts import check_counts, counts, event_evidence, pointed
from pivotwatch.claims.checks.names import (
    Name,
    claim_names,
    missing_names,
    same_people_and_places,
)
from pivotwatch.claims.checks.refdata import ReferenceData, RefEvent
from pivotwatch.claims.checks.text import (
    EVER,
    content_words,
    denial_at,
    negated,
    overlaps,
    spans,
)
from pivotwatch.claims.checks.votes_sanctions import ASSEMBLY
from pivotwatch.claims.lexicon import actor_index
from pivotwatch.claims.model import Claim
from pivotwatch.claims.predicates import Predicate, asserted, direction_clash, predicates
from pivotwatch.claims.tokens import tokenize
from pivotwatch.claims.verdicts import (
    NO_EVIDENCE,
    Evidence,
    Verdict,
    VerdictKind,
)
from pivotwatch.errors import SourceError

GDELT_MIN_EVENTS = 3      # GDELT events that count as evidence that something happened
FORECAST_SHARED_WORDS = 3  # words a forecast shares with the past event it cites
MAX_EVIDENCE = 3
FORUM_ACTORS = frozenset({"UNO", "IGO"})
FORUM_TOPICS = frozenset({"un_vote", "sanctions", "nuclear"})
# Topics whose figures on record are whole counts (troops sent), so a claimed figure far above
# every one of them is contradicted; elsewhere (containers, shells) a larger figure may be newer.
CONTRADICTION_TOPICS = frozenset({"troops"})
# Timeline rows that record that something did not happen: they support a denial.
DENIAL_TYPES = frozenset({"invitation_declined", "trade_halt"})
_RESOLUTION = re.compile(r"\b(?:resolution|unscr)\s+(\d{3,4})\b", re.IGNORECASE)
_VOTES = (("veto", re.compile(r"\bveto(?:ed|es)?\b", re.IGNORECASE)),
          ("abstain", re.compile(r"\babstain(?:ed|ing|s)?\b", re.IGNORECASE)),
          ("no", re.compile(r"\bvot(?:ed|es|ing) against\b", re.IGNORECASE)),
          ("yes", re.compile(r"\bvot(?:ed|es|ing) (?:for|in favou?r)\b|\bin favou?r\b",
                             re.IGNORECASE)))
_UNANIMOUS = re.compile(r"\bunanimous", re.IGNORECASE)
# A vote in words: after "did not", and in the past tense.
_VOTE_WORDS = {"veto": ("veto", "vetoed"), "abstain": ("abstain", "abstained"),
               "no": ("vote against", "voted against"),
               "yes": ("vote in favour", "voted in favour")}
_NOT_VOTE = re.compile(r"\b(?:not|never)\s+$|n't\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class TopicEvidence:
    event_types: frozenset[str]
    cameo: tuple[str, ...]


@cache
def topic_map() -> dict[str, TopicEvidence]:
    """Claim topic -> reference event types and CAMEO codes (``topic_cameo.csv``)."""
    text = (files("pivotwatch") / "data" / "claims" / "topic_cameo.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out = {}
    for n, row in enumerate(csv.DictReader(lines), 2):
        cameo = tuple(c.strip() for c in (row.get("cameo") or "").split(";") if c.strip())
        if not row.get("topic") or any(not (c.isdigit() and 2 <= len(c) <= 4) for c in cameo):
            raise SourceError(f"topic_cameo.csv, row {n}: a topic and 2-4 digit CAMEO codes")
        out[row["topic"]] = TopicEvidence(
            frozenset(t.strip() for t in row["event_types"].split(";") if t.strip()), cameo)
    return out


_evidence = event_evidence


def _dyad_ok(row: RefEvent, actors: set[str], forum: bool) -> bool:
    row_actors = {row.actor1, row.actor2} - {None}
    if forum and row_actors & FORUM_ACTORS:
        return True
    if len(actors) == 1:
        return bool(actors & row_actors)
    return len(row_actors & actors) >= min(2, len(row_actors))


def _org_actors(claim: Claim) -> set[str]:
    """The key_events codes of organisations the claim names (UNO for the UN bodies, IGO for
    the MSMT), from the notes of organizations.csv."""
    return {code for m in claim.organisations if m.canonical for code in _coded(m.canonical)}


@cache
def _coded(canonical: str) -> tuple[str, ...]:
    text = (files("pivotwatch") / "data" / "reference" / "organizations.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["canonical_name"].strip() == canonical:
            return tuple(re.findall(r"Coded (\w{3}) in key_events", row.get("notes") or ""))
    return ()


def _kinds(claim: Claim, found: tuple[Predicate, ...]) -> frozenset[str]:
    """The event kinds a claim asserts: those its predicate words name, each word's narrowed
    to its topic's kinds when the two share any ("shipped" wheat flour: a food shipment, not
    an arms transfer; "said" keeps its statements)."""
    spec = topic_map().get(claim.topic or "")
    topical = spec.event_types if spec else frozenset()
    return frozenset(k for p in asserted(found) for k in (p.kinds & topical or p.kinds))


def _score(row: RefEvent, kinds: frozenset[str], found: tuple[Predicate, ...], periods: list,
           resolutions: set[str], words: set[str], strict: bool, forecast: bool,
           loose: bool = False) -> int | None:
    """How well a timeline row fits a claim whose actors it has; None if it does not record
    the event the claim asserts (another kind, the other direction, another period)."""
    if row.event_type not in kinds or direction_clash(found, row.event_type, row.actor1,
                                                      row.actor2):
        return None
    if resolutions and not any(r in row.description for r in resolutions):
        return None
    if periods and not any(overlaps(p, row.span) for p in periods):
        return None
    shared = len(words & content_words(row.description))
    if forecast:
        ok = shared >= FORECAST_SHARED_WORDS
    elif loose:  # "has never visited": any record of the kind, the names decide later
        ok = True
    elif strict:  # the document's parties stand in for actors the claim does not name
        closed = [p for p in periods if p[0] and p[1] and overlaps(p, row.span)]
        ok = bool(closed) and shared >= 2
    else:
        ok = bool(periods) or bool(resolutions) or shared >= 2
    return shared + 2 * bool(periods) if ok else None


def matching_rows(claim: Claim, text: str, ref: ReferenceData, now: date,
                  forecast: bool = False, doc_actors: tuple[str, ...] = ()) -> list[RefEvent]:
    """Timeline rows that record what the claim says happened, best first. A claim that
    names only a source ("Seoul said...") is also matched on the document's two main
    parties, more strictly (same kind of event, a date and two shared words)."""
    found = predicates(claim.text)
    # a forecast is matched on its stated basis, which is of another kind than what it
    # foresees ("will open" on "construction began"): on its words and date
    kinds = _kinds(claim, found) if not forecast else frozenset(r.event_type for r in ref.events)
    if not kinds:
        return []
    actors = set(claim.actors) | _org_actors(claim)
    wider = actors | set(doc_actors)
    forum = claim.topic in FORUM_TOPICS or bool(actors & FORUM_ACTORS)
    periods = [] if forecast else spans(claim, text)
    words = content_words(claim.text)
    resolutions = set(_RESOLUTION.findall(claim.text))
    ever = not forecast and not periods and bool(EVER.search(claim.text)) and negated(claim.text)
    scored = []
    for row in ref.events:
        if row.date > now:
            continue
        if _dyad_ok(row, actors, forum):
            score = _score(row, kinds, found, periods, resolutions, words, False, forecast,
                           ever)
        elif wider != actors and _dyad_ok(row, wider, forum):
            score = _score(row, kinds, found, periods, resolutions, words, True, forecast)
        else:
            continue
        if score is not None:
            scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], item[1].date))
    return [row for _, row in scored]


def _claimed_votes(claim: Claim) -> list[tuple[str, str, bool]]:
    """(ISO3, vote, denied) the claim states: each vote word goes to the nearest country named
    before it, else to the claim's first actor; "did not veto" is a denied veto."""
    mentions = find_actors(tokenize(claim.text))
    pairs = []
    for vote, pattern in _VOTES:
        for m in pattern.finditer(claim.text):
            denied = bool(_NOT_VOTE.search(claim.text, max(0, m.start() - 16), m.start()))
            before = [a for a in mentions if a.end <= m.start()]
            if before:
                pairs.append((before[-1].payload, vote, denied))
            elif claim.actors and not mentions:
                pairs.append((claim.actors[0], vote, denied))
    return list(dict.fromkeys(pairs))


def _recorded_votes(row: RefEvent) -> dict[str, str]:
    votes = {}
    if row.event_type == "un_veto":
        votes[row.actor1] = "veto"
    mentions = find_actors(tokenize(row.description))
    for vote, pattern in _VOTES:
        for m in pattern.finditer(row.description):
            near = [a for a in mentions if abs(a.end - m.start()) < 12 or
                    abs(m.end() - a.start) < 12]
            for a in near:
                votes.setdefault(a.payload, vote)
    if _UNANIMOUS.search(row.description):
        votes.setdefault("*", "yes")
    return votes


def _votes(claim: Claim, text: str, ref: ReferenceData, now: date) -> list[Verdict]:
    pairs = _claimed_votes(claim)
    if not pairs:
        return []
    periods = spans(claim, text)
    resolutions = set(_RESOLUTION.findall(claim.text))
    rows = [r for r in ref.events if r.event_type in ("un_veto", "sanctions_resolution")
            and r.date <= now and (not periods or any(overlaps(p, r.span) for p in periods))
            and (not resolutions or any(n in r.description for n in resolutions))]
    out = []
    for country, vote, denied in pairs:
        said = [(r, _recorded_votes(r)) for r in rows]
        said = [(r, v.get(country, v.get("*"))) for r, v in said if country in v or "*" in v]
        same = [r for r, v in said if (v == vote) != denied]
        claim_says = f"did not {_VOTE_WORDS[vote][0]}" if denied else _VOTE_WORDS[vote][1]
        if same:
            recorded = dict(said)[same[0]]
            out.append(Verdict(VerdictKind.SUPPORTED, f"the record says {country} "
                               f"{_VOTE_WORDS[recorded][1]} ({same[0].when})",
                               (_evidence(same[0]),), "un_votes", "un_votes.recorded-vote"))
        elif said:
            row, other = said[0]
            out.append(Verdict(VerdictKind.CONTRADICTED, f"the claim says {country} "
                               f"{claim_says}, but the record says it {_VOTE_WORDS[other][1]} "
                               f"({row.when})",
                               tuple(_evidence(r) for r, _ in said[:MAX_EVIDENCE]), "un_votes",
                               "un_votes.other-vote"))
    return out


def _gdelt(claim: Claim, text: str, ref: ReferenceData, now: date) -> Verdict | None:
    """GDELT events of the claim's dyad (either direction), of the topic's CAMEO codes, within
    the claim's spans and not after ``now``: at least ``GDELT_MIN_EVENTS`` support it."""
    spec = topic_map().get(claim.topic or "")
    real = [a for a in claim.actors if a not in FORUM_ACTORS]
    if ref.store is None or not ref.gdelt_events or not spec or not spec.cameo or len(real) < 2 \
            or not predicates(claim.text):
        return None
    a, b = real[:2]
    where = ["((actor1_country = ? AND actor2_country = ?) OR "
             "(actor1_country = ? AND actor2_country = ?))",
             "(" + " OR ".join("starts_with(event_code, ?)" for _ in spec.cameo) + ")",
             "day <= ?"]
    params: list = [a, b, b, a, *spec.cameo, now]
    periods = spans(claim, text)
    if periods:
        where.append("(" + " OR ".join(
            "(day >= coalesce(?, DATE '1900-01-01') AND day <= coalesce(?, DATE '2999-12-31'))"
            for _ in periods) + ")")
        params += [d for p in periods for d in p]
    sql = (f"SELECT event_id, day, actor1_country, actor2_country, event_code, num_mentions, "
           f"source_url FROM events WHERE {' AND '.join(where)} "
           f"ORDER BY num_mentions DESC, day, event_id")
    rows = ref.store.con.execute(sql, params).fetchall()
    if len(rows) < GDELT_MIN_EVENTS:
        return None
    evidence = tuple(Evidence("events", str(eid), day.isoformat(),
                              f"GDELT event {eid}: {a1}→{a2}, CAMEO {code} "
                              f"({cameo_name(code)}), {_mentions(mentions)}", url or None)
                     for eid, day, a1, a2, code, mentions, url in rows[:MAX_EVIDENCE])
    days = sorted(r[1] for r in rows)
    found = Counter(row[4] for row in rows)  # the codes of the events found, commonest first
    codes = ", ".join(f"{c} {cameo_name(c).lower()}" for c, _ in found.most_common())
    return Verdict(VerdictKind.SUPPORTED, f"{len(rows)} GDELT events {a}–{b} from {days[0]} to "
                   f"{days[-1]} coded {codes} (media reports coded by machine, not "
                   "confirmation)", evidence, "gdelt", "gdelt.coded-events")


def _mentions(n: int | None) -> str:
    return "1 mention" if n == 1 else f"{n or 0} mentions"


def cameo_name(code: str) -> str:
    """CAMEO's description of an event code ("042" -> "Make a visit")."""
    from pivotwatch.taxonomy.registry import event_codes

    name = event_codes().get(code, "unknown code")
    return " ".join(name.replace(", not specified below", "").split())


def _denied(claim: Claim, rows: list[RefEvent]) -> Verdict:
    """A claim that an event did not happen, against the timeline rows that match it. Only a
    row about the same people and places (:mod:`.names`) settles it either way; another event
    of the kind in the period ("Belousov visited Pyongyang" for "Putin did not visit
    Pyongyang") is cited as context and leaves it unverified."""
    if not rows:
        return Verdict(VerdictKind.UNVERIFIED, NO_EVIDENCE, check="events",
                       rule="events.no-record")
    before = denial_at(claim.text) or 0
    names = claim_names(claim.text, before)
    same = [r for r in rows if same_people_and_places(names, r.description, before)]

    def what(row: RefEvent) -> str:
        return f"{row.when}, {row.event_type.replace('_', ' ')}"

    anchored = [r for r in same if _at_anchor(claim, r)]
    same = [r for r in same if r not in anchored]
    if anchored and not same:
        return Verdict(VerdictKind.UNVERIFIED, f"the claim says it did not happen since "
                       f"{what(anchored[0])[:4]}; the record has it then, not after: "
                       f"{what(anchored[0])}", (_evidence(anchored[0]),), "events",
                       "events.denial-since")
    happened = [r for r in same if not _non_event(r, claim)]
    if happened and (claim.times or EVER.search(claim.text)):
        return Verdict(VerdictKind.CONTRADICTED, f"the claim says it did not happen, but the "
                       f"record has it: {what(happened[0])}",
                       tuple(_evidence(r) for r in happened[:MAX_EVIDENCE]), "events",
                       "events.denial-refuted")
    denials = [r for r in same if r not in happened]
    if denials and (EVER.search(claim.text) or any(t.precision == "since" for t in claim.times)):
        return Verdict(VerdictKind.UNVERIFIED, f"the claim says it never happened over a span; "
                       f"the record says only that it did not happen once: {what(denials[0])}",
                       (_evidence(denials[0]),), "events", "events.denial-one-occasion")
    if denials:
        return Verdict(VerdictKind.SUPPORTED, f"the record also says it did not happen: "
                       f"{what(denials[0])}", tuple(_evidence(r) for r in denials[:MAX_EVIDENCE]),
                       "events", "events.denial-recorded")
    if happened:
        return Verdict(VerdictKind.UNVERIFIED, f"the claim says it did not happen; the nearest "
                       f"record ({what(happened[0])}) neither confirms nor refutes that",
                       tuple(_evidence(r) for r in happened[:MAX_EVIDENCE]), "events",
                       "events.denial-undated")
    row = rows[0]
    missing = missing_names(names, row.description)
    why = (f"does not name {', '.join(missing)}" if missing else
           "names them in another role" if names else "cannot be tied to the claim's names")
    return Verdict(VerdictKind.UNVERIFIED, f"the claim says it did not happen; the nearest "
                   f"record ({what(row)}) is about another event: it {why}",
                   (_evidence(row),), "events", "events.denial-other-names")


def _at_anchor(claim: Claim, row: RefEvent) -> bool:
    """Whether a row falls in the period a "since" counts from: "has not visited since 2000"
    says the last visit was in 2000, so a visit in 2000 does not refute it."""
    for t in claim.times:
        if t.precision == "since" and t.start:
            if t.start.month == 1 and t.start.day == 1 and row.date.year == t.start.year:
                return True
            if (row.date.year, row.date.month) == (t.start.year, t.start.month):
                return True
    return False


def _non_event(row: RefEvent, claim: Claim) -> bool:
    """Whether a timeline row records that what the claim is about did not happen: a declined
    invitation or a halt, unless the claim's own predicate is the declining or the halting
    ("coal transit stopped in 2018" is what a trade-halt row records), or a row that denies."""
    said = {k for p in predicates(claim.text) if p.kinds <= DENIAL_TYPES for k in p.kinds}
    return row.event_type in DENIAL_TYPES - said or negated(row.description)


# Actor terms for someone who acts for a country: a head of state, a minister, a body.
_SOMEONE_KINDS = frozenset({"head", "leader", "institution"})


def _someone(name: Name) -> Name | None:
    """The name of a person, body or named place in a claim's name, as the timeline would
    write it ("Andrei Belousov" -> "Belousov", "Russia's State Duma" -> "State Duma",
    "Vostochny Cosmodrome"), or None for a country's name or capital and for a single
    capitalised word that may be an ordinary one ("Experts", "Article")."""
    tok = tokenize(name.text)
    hits = actor_index().find(tok.lows, tok.words, tok.starts, tok.ends)
    if hits:
        said = [name.text[h.start:h.end] for h in hits if h.payload.kind in _SOMEONE_KINDS]
        if len(said) != len(hits):
            return None
        # a person is also named by the surname alone ("Vladimir Putin": "Putin")
        return Name(said[-1].split()[-1], name.start, (*said, said[-1].split()[-1]))
    return name if len(tok.words) >= 2 else None


def _same_occasion(names: list, record: str) -> bool:
    """Whether a record is about the occasion a claim names: it gives the claim's first name
    (who) and all but one of the others, at least one of them (where, what): "Kim Jong Un did
    not attend Moscow's Victory Day parade" is about "Kim was Putin's guest of honour in
    Moscow for the Victory Day parade"."""
    if len(names) < 2:
        return False
    missing = missing_names(names, record)
    return names[0].text not in missing and len(missing) <= 1 and \
        len(names) - len(missing) >= 2


def _asserted(claim: Claim, rows: list[RefEvent], timeline: list[RefEvent]) -> Verdict | None:
    """A claim that an event happened, against the rows that record its kind, doer and
    period: supported by a record of it; contradicted by a record, about the same people
    and places, that it did not happen ("Kim was the guest of honour at the 2025 parade"
    against "Kim did not attend the parade"). The claim's people, bodies and places other
    than its countries (a name of several words, "Choe Son Hui", "the State Duma", or one
    the timeline knows, "Belousov") must all be named by the row: otherwise the rows are
    about another event and the claim is unverified, citing them and a row of the kind at
    another date that names them, if any ("ratified by the State Duma in November 2024",
    when the Duma's vote is on record in October)."""
    happened = [r for r in rows if not _non_event(r, claim)]
    names = claim_names(claim.text, 0)
    # the people, bodies and places the timeline knows ("Belousov", "State Duma"), other
    # than countries; a word it never uses ("Diplomacy" heading a table row) says nothing
    # (not an organisation the claim names, nor a table row's label: "Diplomatic Ties")
    skip = [(o.start - claim.start, o.end - claim.start) for o in claim.organisations]
    if claim.subject:
        at = claim.text.find(claim.subject)
        skip.append((at, at + len(claim.subject)))
    own = [someone for n in names for someone in [_someone(n)] if someone
           and not any(a <= n.start < b for a, b in skip)
           and (len(someone.text.split()) >= 2
                or any(not missing_names([someone], r.description) for r in timeline))]
    named = [r for r in happened if not missing_names(own, r.description)]
    if happened and own and not named:
        kinds = _kinds(claim, predicates(claim.text))
        elsewhere = [r for r in timeline if r.event_type in kinds and r not in happened
                     and not missing_names(own, r.description)]
        who = ", ".join(missing_names(own, happened[0].description))
        if elsewhere:
            row = elsewhere[0]
            return Verdict(VerdictKind.UNVERIFIED, f"the record has {who} on another date "
                           f"({row.when}, {row.event_type.replace('_', ' ')}); in the claim's "
                           f"period only another event ({happened[0].when})",
                           (_evidence(row), _evidence(happened[0])), "events",
                           "events.other-doer")
        return Verdict(VerdictKind.UNVERIFIED, f"the record of the period ({happened[0].when}, "
                       f"{happened[0].event_type.replace('_', ' ')}) does not name {who}",
                       (_evidence(happened[0]),), "events", "events.other-doer")
    if happened:
        happened = named or happened  # the rows that name the claim's people and places
        return Verdict(VerdictKind.SUPPORTED, f"on record: {happened[0].when}, "
                       f"{happened[0].event_type.replace('_', ' ')}",
                       tuple(_evidence(r) for r in happened[:MAX_EVIDENCE]), "events",
                       "events.predicate-match")
    refuting = [r for r in rows if _same_occasion(names, r.description)]
    if refuting:
        row = refuting[0]
        return Verdict(VerdictKind.CONTRADICTED, f"the record says it did not happen: "
                       f"{row.when}, {row.event_type.replace('_', ' ')}", (_evidence(row),),
                       "events", "events.record-of-non-event")
    return None


def check_events(claim: Claim, text: str, ref: ReferenceData, now: date,
                 forecast: bool = False, doc_actors: tuple[str, ...] = ()) -> list[Verdict]:
    """Evidence that the event a claim describes happened, or 'no evidence in the loaded
    data'; a forecast is matched on its stated basis (rows before ``now``) only. A claim
    that an event did not happen is contradicted only by a timeline row of that kind in its
    period (GDELT, machine-coded, never contradicts)."""
    dated = bool(claim.times) and (len(claim.actors) >= 2 or bool(claim.actors)
                                   and bool(predicates(claim.text)))
    if claim.topic not in topic_map() and not dated and not counts(claim):
        return []
    if "reference_events" in ref.missing and "events" in ref.missing:
        return [Verdict(VerdictKind.UNVERIFIED, "no events loaded: pivotwatch ingest reference "
                        "(and GDELT)", check="events", rule="events.not-loaded")]
    # a General Assembly claim is decided by the pair's agreement (votes_sanctions), never
    # by a Security Council resolution row
    found = [] if forecast or ASSEMBLY.search(claim.text) else _votes(claim, text, ref, now)
    rows = matching_rows(claim, text, ref, now, forecast, doc_actors)
    if not forecast and negated(claim.text):
        # a denied vote is settled by the votes on record, not by the event having happened
        return found or [_denied(claim, rows)]
    # a claim that gives a count with a unit is about that figure: the event being on record
    # does not support it, and GDELT (which has no figures) speaks only once the figure is found
    figure_claim = not forecast and bool(pointed(claim))
    if forecast and rows:
        found.append(Verdict(VerdictKind.SUPPORTED, f"the basis of this forecast is on record: "
                             f"{rows[0].when}, {rows[0].event_type.replace('_', ' ')}",
                             tuple(_evidence(r) for r in rows[:MAX_EVIDENCE]), "events",
                             "forecast.basis-on-record"))
    elif rows and not figure_claim:
        verdict = _asserted(claim, rows, ref.events)
        if verdict:
            found.append(verdict)
    if not forecast:
        spec = topic_map().get(claim.topic or "")
        troops = spec.event_types if spec and claim.topic in CONTRADICTION_TOPICS else frozenset()
        figures = check_counts(claim, text, rows, ref, now, troops)
        found += figures
        found_all = bool(figures) and all(v.verdict is VerdictKind.SUPPORTED for v in figures)
        gdelt = _gdelt(claim, text, ref, now) if found_all or not figure_claim else None
        if gdelt:  # GDELT speaks too when the timeline has it: more sources, more URLs
            found.append(gdelt)
    if not found:
        found.append(Verdict(VerdictKind.UNVERIFIED, NO_EVIDENCE, check="events",
                             rule="events.no-record"))
    return found
