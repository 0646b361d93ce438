"""Claim extraction: a linear pipeline of named steps from document text to Claim records.

    split_units -> tokenize -> find_actors, find_terms, find_modality_terms,
    find_organisations, find_times, find_quantities -> assemble (per unit: topic, figures'
    topics, modality, inherited actors, checkability)

Each lexicon step runs once over the whole document and its hits are assigned to units by
offset, which is what keeps extraction fast on long documents.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from datetime import date
from itertools import repeat

from pivotwatch.claims.actors import find_actors, is_source
from pivotwatch.claims.lexicon import Match, Term, dimension_index, heads_of_state
from pivotwatch.claims.modality import (
    FRAGMENT_WORDS,
    advice_heading,
    categories_of,
    find_modality_terms,
    modality_of,
    not_checkable_reason,
)
from pivotwatch.claims.model import Claim, Kind, Modality, Quantity, new_claim, new_quantity
from pivotwatch.claims.organisations import find_organisations
from pivotwatch.claims.quantities import COUNT_UNITS, UNIT_TOPICS, count_unit_in, find_quantities
from pivotwatch.claims.times import find_times
from pivotwatch.claims.tokens import Tokens, tokenize
from pivotwatch.claims.units import table_header, unit_spans

# A figure in one of these units belongs to this dimension even when no term says so.
UNIT_DIMENSIONS = {"barrels": "energy", "tanker_calls": "energy", "troops": "military",
                   "shells": "military", "containers": "military", "missiles": "military",
                   "launchers": "military", "guns": "military", "drones": "military"}
# Topics that need two parties (a trade, a treaty, a delivery from one to the other): a unit
# naming one gets the document's other party.
BILATERAL = frozenset({"trade_volume", "trade_target", "fuel_deliveries", "treaty", "summit",
                       "arms_transfer", "troops", "casualties", "debt", "food_aid", "agreement"})
# A visit or meeting of a head of state with another one is a summit.
MEETING_TOPICS = frozenset({"visit", "diplomacy", "summit"})
MEETING_WORDS = frozenset({"meet", "met", "meeting", "meets", "meetings", "talks"})
# "the number of troops ... at about 15,000": a count whose unit was named before it.
_COUNT_OF = re.compile(r"\b(?:number|total|count|tally|contingent) of\b(?:[ \t]+[\w'’-]+){0,3}?"
                       r"[ \t]+(" + COUNT_UNITS + r")\b", re.IGNORECASE)
_NO_CATEGORIES: frozenset[str] = frozenset()
SUBJECT_BONUS = 1  # a table row's first cell says what the row is about
# Units whose figures say what a unit is about (a calibre or a duration does not).
CASUALTY_REACH = 45  # characters from a troop figure to "killed" that make it a casualty toll
MEASURES = frozenset({"usd", "eur", "rub", "cny", "gbp", "barrels", "tonnes", *UNIT_TOPICS})


def find_terms(tok: Tokens) -> list[Match]:
    """Dimension-term matches in a tokenised document (payload: :class:`Term`)."""
    return dimension_index().find(tok.lows, tok.words, tok.starts, tok.ends)


def _bucket(bounds: tuple[list[int], list[int]], items: list | tuple,
            starts: list[int]) -> list:
    """Assign items (in order of their ``starts``) to the unit whose span [start, end) holds
    their start; items outside every unit drop. ``bounds``: the units' starts and ends.
    Two bisections a unit, mapped in C, instead of a Python step per item; a tuple of items
    gives a tuple a unit, ready for a claim."""
    first = map(bisect.bisect_left, repeat(starts), bounds[0])
    stop = map(bisect.bisect_left, repeat(starts), bounds[1])
    return list(map(items.__getitem__, map(slice, first, stop)))


def _topic(terms: list[Match], subject_end: int | None) -> str | None:
    best, best_weight = None, 0
    for hit in terms:
        term: Term = hit.payload
        weight = term.weight + (SUBJECT_BONUS if subject_end and hit.end <= subject_end else 0)
        if weight > best_weight:
            best, best_weight = term.topic, weight
    return best


def _figure_topic(q: Quantity, terms: list[Match], claim_topic: str | None) -> str | None:
    if q.unit == "barrels" and any(h.payload.topic == "crude_oil" for h in terms):
        return "crude_oil"
    if q.unit == "troops" and any(h.payload.topic == "casualties" and
                                  0 <= h.start - q.end <= CASUALTY_REACH for h in terms):
        return "casualties"  # "2,000 soldiers killed", "2,000 soldiers have been killed"
    if q.unit in UNIT_TOPICS:
        return UNIT_TOPICS[q.unit]
    if q.unit in ("years", "months", "days"):
        return None
    near = [h for h in terms if h.payload.weight >= 2] or terms
    if not near:
        return claim_topic
    middle = (q.start + q.end) / 2
    return min(near, key=lambda h: abs((h.start + h.end) / 2 - middle)).payload.topic


# A wire dateline at the start of a line: "SEOUL —", "MOSCOW, Dec 3 (Reuters) -".
_DATELINE = re.compile(r"^[ \t]*[A-Z][A-Z.'’ -]{2,30}(?:,[ \t]*[\w .,]{1,24}?)?"
                       r"(?:[ \t]*\([\w .]{1,20}\))?[ \t]*(?:—|–|--|-)[ \t]", re.MULTILINE)


def extract_claims(text: str, *, doc_id: str = "", doc_date: date | None = None) -> list[Claim]:
    """The claims of one document, in order; units that cannot be checked are kept with a
    reason. ``doc_date`` resolves "last year" and closes "since 2022"."""
    units = unit_spans(text)
    if not units:
        return []
    tok = tokenize(text)
    datelines = [m.span() for m in _DATELINE.finditer(text)]
    # "SEOUL —" says where the story was filed, not who the claim is about
    actors = [a for a in find_actors(tok) if not any(s <= a.start < e for s, e in datelines)]
    terms = find_terms(tok)
    modal = find_modality_terms(tok)
    orgs = find_organisations(text, tok)
    # the dateline's date is when the story was filed, not a time of the claim
    all_times = [t for t in find_times(text, doc_date, tok)
                 if not any(s <= t.begin < e for s, e in datelines)]
    spans = [(t.begin, t.finish) for t in all_times]
    quantities = find_quantities(text, spans, tok)
    bounds = ([u[1] for u in units], [u[2] for u in units])
    return _assemble(
        text, doc_id, units, tok.lows,
        _bucket(bounds, actors, [m.start for m in actors]),
        _bucket(bounds, terms, [m.start for m in terms]),
        _bucket(bounds, modal, [m.start for m in modal]),
        _bucket(bounds, tuple(orgs), [m.start for m in orgs]),
        _bucket(bounds, tuple(all_times), [b for b, _ in spans]),
        _bucket(bounds, quantities, [q.start for q in quantities]))


# A Markdown heading line; a short line standing alone is one too (an HTML heading).
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_HEADING_WORDS = 10
UNMEASURED = frozenset({"count", "years", "months", "days", "weeks"})


def _heading_above(text: str, start: int) -> str | None:
    """The text of the nearest heading before offset ``start``: a Markdown heading line, or
    a short line standing alone with no closing punctuation (how an HTML page's <h2>
    arrives from the document reader), or None."""
    end = text.rfind("\n", 0, start)
    lines = text[:max(end, 0)].split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            return heading.group(1)
        alone = (i == 0 or not lines[i - 1].strip()) and \
            (i + 1 == len(lines) or not lines[i + 1].strip())
        if alone and "|" not in line and len(line.split()) <= _HEADING_WORDS and \
                line[-1] not in ".!?,;:":
            return line
    return None


def _header(text: str, start: int) -> tuple[str | None, tuple[str, ...], list[Match]]:
    """A table's context: its header row and the section heading above the table, with the
    actors and dimension terms they name ("| 2015 | $95 million |" under "| Year | Value |"
    in the section "Russia–North Korea trade (USD)"); the header's come first."""
    head = table_header(text, start)
    if head is None:
        return None, (), []
    heading = _heading_above(text, start)
    context = head if heading is None else f"{head}\n{heading}"
    tok = tokenize(context)
    return context, tuple(dict.fromkeys(a.payload for a in find_actors(tok))), find_terms(tok)


def _with(q: Quantity, unit: str, topic: str | None) -> Quantity:
    return new_quantity(q.raw, q.value, unit, q.per, q.start, q.end, topic, q.bound, q.high)


def _meets_head(mentions: list[Match], lows: list[str], heads: frozenset[str],
                terms: list[Match]) -> bool:
    """Whether a unit names a head of state and either another one or a meeting."""
    named = {m.payload for m in mentions if " ".join(lows[m.first:m.last]) in heads}
    return len(named) >= 2 or bool(named) and any(
        lows[h.first] in MEETING_WORDS for h in terms)


def _assemble(text, doc_id, units, lows, actors, terms, modal, orgs, times,
              quantities) -> list[Claim]:
    heads = heads_of_state()
    counts = Counter(a.payload for hits in actors for a in hits)  # keys in order of first mention
    doc_actors = tuple(sorted(counts, key=counts.__getitem__, reverse=True)[:2])  # stable
    last_actors: dict[int, tuple[str, ...]] = {}  # block -> actors of its latest unit naming any
    claims: list[Claim] = []
    # The previous unit's block, figures and topic ("In 2019 it recovered to $47.9 million").
    prev_block, prev_figures, prev_topic = None, (), None
    # Most units have no figure, no term or no modality word: each step below is skipped
    # when its hits are empty, which is most of what keeps this loop fast.
    headers: dict[int, tuple] = {}  # block -> (header text, its actors, its terms)
    advice: dict[int, bool] = {}  # block -> whether its heading introduces recommendations
    for n, (kind, start, end, subject, block) in enumerate(units):
        unit_actors = actors[n]
        own = tuple(dict.fromkeys([a.payload for a in unit_actors])) if unit_actors else ()
        if len(own) >= 2:
            # a third country that only reports the claim is not a party to it: it goes
            # last, after the pair the checks read (it is still a country the unit names)
            sources = {a.payload for a in unit_actors if a.payload not in doc_actors
                       and is_source(text, a)}
            if sources and len(sources) < len(own):
                own = (*(a for a in own if a not in sources), *(a for a in own if a in sources))
        inferred = False
        head_text, head_actors, head_terms = None, (), []
        if kind is Kind.TABLE_ROW:
            if block not in headers:
                headers[block] = _header(text, start)
            head_text, head_actors, head_terms = headers[block]
            if not own and head_actors:
                # "| 2015 | $95 million |" under "Year | Russia–North Korea trade (USD)"
                last_actors[block] = unit_actors = own = head_actors
        if own:
            last_actors[block] = own
            unit_actors = own
        else:
            unit_actors = last_actors.get(block, ())
            if not unit_actors and kind is not Kind.SENTENCE:
                unit_actors = last_actors.get(block - 1, ())  # the line introducing it
            unit_actors = unit_actors or doc_actors
            inferred = bool(unit_actors)
        unit_terms = terms[n] or head_terms
        subject_end = None
        if subject is not None:
            subject_end = text.find(subject, start) + len(subject)
        topic = _topic(unit_terms, subject_end) if unit_terms else None
        figures: tuple[Quantity, ...] = ()
        found = quantities[n]
        if found:
            if any(q.unit == "count" for q in found):
                named = _COUNT_OF.search(text, start, found[-1].start)
                if named:
                    unit_name = count_unit_in(named.group(1))
                    found = [_with(q, unit_name, None) if q.unit == "count" and
                             q.start > named.end() else q for q in found]
            counted = (count_unit_in(subject) if subject else None) or \
                (count_unit_in(head_text) if head_text else None)
            # "Artillery shells | over 6 million": the first cell names the unit.
            if counted:
                found = [_with(q, counted, None) if q.unit == "count" and
                         q.start > subject_end else q for q in found]
            figures = tuple([_with(q, q.unit, _figure_topic(q, unit_terms, topic))
                             for q in found])
            # What the first figure measures is what the unit is about.
            topic = next((q.topic for q in figures if q.topic and q.unit in MEASURES),
                         next((q.topic for q in figures if q.topic), topic))
            if topic is None and prev_block == block and \
                    {q.unit for q in figures} & {q.unit for q in prev_figures}:
                topic = prev_topic
                figures = tuple([_with(q, q.unit, q.topic or topic) for q in figures])
        if topic in MEETING_TOPICS and len(own) >= 2 and _meets_head(actors[n], lows, heads,
                                                                     unit_terms):
            topic = "summit"  # "kim jong un met putin", "Kim visited Moscow to meet Putin"
        if len(unit_actors) == 1 and topic in BILATERAL and unit_actors[0] in doc_actors \
                and len(doc_actors) == 2:
            # "Russian figures put trade at $34m": the partner is the document's other party.
            unit_actors = (*unit_actors, *(a for a in doc_actors if a != unit_actors[0]))
            inferred = True
        dims: tuple[str, ...] = ()
        if unit_terms or figures:
            dims = tuple(dict.fromkeys(
                [h.payload.dimension for h in unit_terms]
                + [UNIT_DIMENSIONS[q.unit] for q in figures if q.unit in UNIT_DIMENSIONS]))
        unit_modal = modal[n]
        categories = categories_of(unit_modal, lows) if unit_modal else _NO_CATEGORIES
        modality = modality_of(categories) if categories else Modality.ASSERTED
        unit_text = text[start:end]
        unit_orgs = orgs[n]
        unit_times = times[n]
        # A unit that names no one must carry a figure or a date to be checkable; one that
        # misnames an organisation always is.
        has_content = bool(figures or unit_times) and bool(unit_actors) or \
            bool(own or unit_orgs) and bool(topic) or \
            any(o.matched_as == "wrong_name" for o in unit_orgs)
        # Only whether a unit is under FRAGMENT_WORDS long matters, so stop splitting past it.
        words = len(unit_text.split(None, FRAGMENT_WORDS))
        if kind is Kind.BULLET and modality is not Modality.RECOMMENDATION:
            if block not in advice:
                advice[block] = advice_heading(_heading_above(text, start))
            if advice[block]:  # "- Greater coordination with Tokyo" under "Recommendations"
                modality = Modality.RECOMMENDATION
        # durations and bare numbers ("over the next four years", "Table 2") are no figure
        # that would make framing or an opinion checkable
        measured = any(q.unit not in UNMEASURED for q in figures)
        reason = not_checkable_reason(unit_text, words, modality, categories, measured,
                                      has_content, kind is Kind.TABLE_ROW,
                                      bool(own or unit_orgs or figures or unit_times))
        claims.append(new_claim(doc_id, n, kind, unit_text, start, end, unit_actors, dims,
                                topic, figures, unit_times, modality, unit_orgs,
                                reason is None, reason, subject, inferred, head_text))
        prev_block, prev_figures, prev_topic = block, figures, topic
    return claims
