"""How a unit is put (asserted, hedged, forecast, recommendation) and whether it is checkable.

The modality terms are data (``data/claims/modality_terms.csv``); the strongest category found
decides: a recommendation outranks a forecast, which outranks a hedge.
"""

from __future__ import annotations

from pivotwatch.claims.lexicon import modality_index
from pivotwatch.claims.model import Modality, Reason
from pivotwatch.claims.tokens import Tokens

MIN_WORDS = 4
_RANK = {"recommendation": Modality.RECOMMENDATION, "forecast": Modality.FORECAST,
         "hedge": Modality.HEDGED}


def find_modality_terms(tok: Tokens) -> list:
    """Modality-term matches in a tokenised document (payload: category)."""
    hits = modality_index().find(tok.lows, tok.words, tok.starts, tok.ends)
    # "may 2025" in a lower-case draft is the month, not the verb.
    return [h for h in hits if not (tok.lows[h.first] == "may" and h.last < len(tok.lows)
                                    and tok.lows[h.last].isdigit())]


def modality_of(categories: set[str]) -> Modality:
    """The modality a unit with these term categories has."""
    for category, modality in _RANK.items():
        if category in categories:
            return modality
    return Modality.ASSERTED


def not_checkable_reason(text: str, words: int, modality: Modality, categories: set[str],
                         has_figure: bool, has_content: bool, is_row: bool) -> Reason | None:
    """Why a unit cannot be checked, or None when it can.

    ``has_figure``: it has a quantity; ``has_content``: it names an actor or organisation and
    says something datable, measurable or topical about it.
    """
    if text.rstrip(" *_\"'”)").endswith("?"):
        return Reason.RHETORICAL_QUESTION
    if words < MIN_WORDS and not is_row:
        return Reason.TOO_SHORT
    if modality is Modality.RECOMMENDATION:
        return Reason.RECOMMENDATION
    if "opinion" in categories and not has_figure:
        return Reason.OPINION
    if not has_content:
        return Reason.NO_CHECKABLE_CONTENT
    return None
