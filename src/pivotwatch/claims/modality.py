"""How a unit is put (asserted, hedged, forecast, recommendation) and whether it is checkable.

The modality terms are data (``data/claims/modality_terms.csv``); the strongest category found
decides: a recommendation outranks a forecast, which outranks a hedge. A ``rule`` term ("no
more than", "States must") makes the deontic verbs of the unit the wording of a rule, which is
asserted; a ``meta`` term ("In this article") marks text about the document itself, as does
an opening that points at a numbered table or figure ("Table 2 lists...").

Some terms depend on the words around them. An imperative verb ("Establish", "Expand",
written with a capital) is advice only where a sentence, bullet or row opens and when it is not
a noun ("Support for the treaty grew"). A hedging modal ("could", "may", "might") before a
plain verb and a figure or year projects that figure, a forecast ("could send as many as
50,000 more troops in 2026"); in a clause reported with "said that" it is the speaker's word
and the sentence asserts the saying; otherwise it hedges ("could have sent 10,000", "could
transfer submarine technology", "may be receiving"). "Targets" is a forecast only before a figure.
"""

from __future__ import annotations

import re
from itertools import pairwise

from pivotwatch.claims.lexicon import Match, modality_index
from pivotwatch.claims.model import Modality, Reason
from pivotwatch.claims.tokens import Tokens

MIN_WORDS = 4
# A unit shorter than this that names nothing (no actor, organisation, figure or date) and
# gives no opinion is a fragment: "That comfort is gone."
FRAGMENT_WORDS = 5
_RANK = {"recommendation": Modality.RECOMMENDATION, "forecast": Modality.FORECAST,
         "hedge": Modality.HEDGED}
# Words that are advice or a hedge in prose but the wording of a rule in a legal text.
DEONTIC = frozenset({"may", "must", "shall"})
# A question opening with one of these asks nothing of the reader: it is rhetoric. Any other
# ("ask him about the goats??", "check the KOTRA tables?") is a note asking for information.
_QUESTION_OPENERS = re.compile(
    r"[\W_]*(?:who|what|which|why|how|when|where|whose|whom|is|are|was|were|do|does|did|can|"
    r"could|will|would|should|shall|has|have|had|isn't|aren't|doesn't|don't|won't|wasn't|"
    r"didn't|must|might|may)\b", re.IGNORECASE)
# Words after a capitalised verb that make it a noun opening a statement ("Support for the
# treaty grew", "Share of trade fell", "Build-up of forces", "Press reports said").
_NOUN_AFTER = frozenset({"is", "are", "was", "were", "has", "have", "had", "will", "would",
                         "for", "of", "to", "s", "up", "from", "remains", "remained",
                         "among", "within", "across", "reports", "report", "reported",
                         "release", "releases", "freedom", "conference", "agency",
                         "agencies", "coverage", "relief", "regime", "regimes"})
# Modals that hedge ("could have sent", "could transfer technology") but project a figure
# when a plain verb and the figure follow within PROJECTION_WORDS words.
_MODALS = frozenset({"could", "may", "might"})
_HEDGE_AFTER = frozenset({"have", "be", "been", "not", "t"})
PROJECTION_WORDS = 6
# A modal in a clause reported with "that" after one of these, at most REPORT_REACH words
# before, is the speaker's word.
_REPORTING = frozenset({"said", "says", "told", "stated", "announced", "declared"})
REPORT_REACH = 8
# Words before a number that make it a label, not a figure ("under Article 4").
_LABELS = frozenset({"article", "articles", "resolution", "paragraph", "section", "chapter",
                     "clause", "no", "number", "table", "figure", "annex", "point"})
# Terms that are a forecast verb only before a figure ("targets $1 billion"), else a noun.
_BEFORE_FIGURE = frozenset({"targets"})
# A heading over advice: its bullets are recommendations.
_ADVICE_HEADING = re.compile(
    r"\brecommendations?\b|\bpolicy (?:options|responses?|implications)\b|\bnext steps\b|"
    r"\bwhat\b.*\b(?:should|must|ought to|needs? to)\b", re.IGNORECASE)
# An opening that points at a numbered table or figure: "Table 2 lists...", "Figure 3 shows".
_NUMBERED_EXHIBIT = re.compile(
    r"[\W_]*(?:table|figure|chart|graph|map|annex|appendix|exhibit)\s+[\dIVX]+[a-z]?\b",
    re.IGNORECASE)


def _opens_statement(tok: Tokens, h: Match) -> bool:
    """Whether a capitalised verb stands where a sentence, bullet or row opens (first in the
    text, or after more than one space: ". ", "- ", "| ") and is not a noun."""
    i = h.first
    if i and tok.starts[i] - tok.ends[i - 1] < 2:
        return False  # "Russia and North Korea Expand Ties", "pledged to Expand"
    return h.last >= len(tok.lows) or tok.lows[h.last] not in _NOUN_AFTER


def _projects(tok: Tokens, h: Match) -> bool:
    """Whether a hedging modal is followed by a plain verb (not "have", "be" or "not"), with
    only a space between them, and then by a figure or year ("could send as many as
    50,000"; "could hold exercises under Article 4" has none)."""
    i = h.last
    return i < len(tok.lows) and tok.starts[i] - tok.ends[i - 1] == 1 and \
        tok.words[i].islower() and tok.lows[i] not in _HEDGE_AFTER and \
        any(w[0].isdigit() and prev not in _LABELS for prev, w in
            pairwise(tok.lows[i:i + 1 + PROJECTION_WORDS]))


def _reported(tok: Tokens, h: Match) -> bool:
    """Whether a modal stands in a clause someone is reported to have said ("Putin said in
    November 2024 that the two countries could hold exercises"): the sentence asserts the
    saying, and the modal is the speaker's word, not the writer's hedge."""
    lows = tok.lows
    for j in range(h.first - 1, max(h.first - REPORT_REACH, 0) - 1, -1):
        if lows[j] == "that":
            return any(w in _REPORTING for w in lows[max(j - REPORT_REACH, 0):j])
    return False


def _placed(tok: Tokens, h: Match) -> Match | None:
    """A hit as its context reads it: kept, dropped (None) or turned into a forecast."""
    low, after = tok.lows[h.first], tok.lows[h.last] if h.last < len(tok.lows) else ""
    if low == "may" and after.isdigit():
        return None  # "may 2025" in a lower-case draft is the month, not the verb
    if low in _BEFORE_FIGURE:
        return h if after[:1].isdigit() else None
    if h.payload == "recommendation" and tok.words[h.first][0].isupper():
        return h if _opens_statement(tok, h) else None
    if low in _MODALS and h.last == h.first + 1:
        if _projects(tok, h):
            return h._replace(payload="forecast")
        if _reported(tok, h):
            return None
    return h


def advice_heading(heading: str | None) -> bool:
    """Whether a section heading introduces advice ("Recommendations", "Policy options",
    "What Seoul should do"): the bullets under it are recommendations even when they open
    with a noun ("- Greater coordination with Tokyo on ship tracking.")."""
    return heading is not None and bool(_ADVICE_HEADING.search(heading))


def find_modality_terms(tok: Tokens) -> list[Match]:
    """Modality-term matches in a tokenised document (payload: category), each read in its
    context (see the module docstring)."""
    hits = modality_index().find(tok.lows, tok.words, tok.starts, tok.ends)
    return [p for h in hits if (p := _placed(tok, h)) is not None]


def categories_of(hits: list[Match], lows: list[str]) -> set[str]:
    """The categories of a unit's modality terms; under a rule, its deontic verbs drop."""
    categories = {h.payload for h in hits}
    if "rule" in categories:
        categories = {h.payload for h in hits
                      if not (h.last - h.first == 1 and lows[h.first] in DEONTIC)}
    return categories


def modality_of(categories: set[str]) -> Modality:
    """The modality a unit with these term categories has."""
    for category, modality in _RANK.items():
        if category in categories:
            return modality
    return Modality.ASSERTED


def _is_rhetorical(text: str) -> bool:
    """Whether a question is rhetoric: a question word opens it, or opens its main clause
    after a leading phrase ("Without the Panel of Experts, who will keep count?")."""
    comma = text.find(",")
    opens = bool(_QUESTION_OPENERS.match(text)) or \
        comma >= 0 and bool(_QUESTION_OPENERS.match(text, comma + 1))
    return opens and not text.rstrip(" *_\"'”)").endswith("??")


def not_checkable_reason(text: str, words: int, modality: Modality, categories: set[str],
                         has_figure: bool, has_content: bool, is_row: bool,
                         names_something: bool = True) -> Reason | None:
    """Why a unit cannot be checked, or None when it can.

    ``has_figure``: it has a quantity; ``has_content``: it names an actor or organisation and
    says something datable, measurable or topical about it; ``names_something``: it names an
    actor, organisation, figure or date of its own (inherited actors do not count).
    """
    if text.rstrip(" *_\"'”)").endswith("?"):
        return Reason.RHETORICAL_QUESTION if _is_rhetorical(text) else \
            Reason.NO_CHECKABLE_CONTENT
    opinion = "opinion" in categories and not has_figure
    if not is_row and (words < MIN_WORDS or words < FRAGMENT_WORDS and not names_something
                       and not opinion):
        return Reason.TOO_SHORT
    if modality is Modality.RECOMMENDATION:
        return Reason.RECOMMENDATION
    if ("meta" in categories or _NUMBERED_EXHIBIT.match(text)) and not has_figure:
        return Reason.NO_CHECKABLE_CONTENT
    if opinion:
        return Reason.OPINION
    if not has_content:
        return Reason.NO_CHECKABLE_CONTENT
    return None
