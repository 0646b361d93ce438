"""How a unit is put (asserted, hedged, forecast, recommendation) and whether it is checkable.

The modality terms are data (``data/claims/modality_terms.csv``); the strongest category found
decides: a recommendation outranks a forecast, which outranks a hedge. A ``rule`` term ("no
more than", "States must") makes the deontic verbs of the unit the wording of a rule, which is
asserted; a ``meta`` term ("In this article") marks text about the document itself.
"""

from __future__ import annotations

import re

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


def find_modality_terms(tok: Tokens) -> list[Match]:
    """Modality-term matches in a tokenised document (payload: category)."""
    hits = modality_index().find(tok.lows, tok.words, tok.starts, tok.ends)
    # "may 2025" in a lower-case draft is the month, not the verb.
    return [h for h in hits if not (tok.lows[h.first] == "may" and h.last < len(tok.lows)
                                    and tok.lows[h.last].isdigit())]


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
    return bool(_QUESTION_OPENERS.match(text)) and not text.rstrip(" *_\"'”)").endswith("??")


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
    if "meta" in categories:
        return Reason.NO_CHECKABLE_CONTENT
    if modality is Modality.RECOMMENDATION:
        return Reason.RECOMMENDATION
    if opinion:
        return Reason.OPINION
    if not has_content:
        return Reason.NO_CHECKABLE_CONTENT
    return None
