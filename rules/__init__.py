"""The rule catalogue. Importing this package registers every rule, in the order listed here."""

from rules import arithmetic, history, narrative, publication, structure  # noqa: F401  (registration)
from rules.engine import REGISTRY, Context, Finding, Severity, evaluate

__all__ = ["REGISTRY", "Context", "Finding", "Severity", "evaluate"]
