"""Claims: split documents into checkable units and record what each one asserts.

``extract_claims(text, doc_id=..., doc_date=...)`` is the entry point; the records are in
:mod:`pivotwatch.claims.model`. :mod:`pivotwatch.claims.audit` checks them against the store
and gives each a verdict with its evidence (docs/claims.md).
"""

from pivotwatch.claims.extract import extract_claims
from pivotwatch.claims.model import (
    Bound,
    Claim,
    Kind,
    Modality,
    OrgMention,
    Quantity,
    Reason,
    TimeRef,
    Unit,
)
from pivotwatch.claims.units import split_units

__all__ = [
    "Bound",
    "Claim",
    "Kind",
    "Modality",
    "OrgMention",
    "Quantity",
    "Reason",
    "TimeRef",
    "Unit",
    "extract_claims",
    "split_units",
]
