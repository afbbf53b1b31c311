"""ILR business-rule validation, keyed to the official DfE rule names.

The same code runs when an ILR is saved and when the export builds the file.
"""

from .catalogue import CatalogueEntry, rule_catalogue
from .engine import validate_batch, validate_learner
from .model import Finding, Severity, ValidationContext
from .registry import FILE_RULES, LEARNER_RULES, rule

__all__ = [
    "FILE_RULES",
    "LEARNER_RULES",
    "CatalogueEntry",
    "Finding",
    "Severity",
    "ValidationContext",
    "rule",
    "rule_catalogue",
    "validate_batch",
    "validate_learner",
]
