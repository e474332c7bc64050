"""The rule registry: every rule is one function registered with its stable ID and severity.

A rule yields Problems (message and evidence); the engine turns them into Findings stamped with
the rule's ID and severity, so those are written exactly once, in the decorator.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from monitor.report import Report


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the report: the publisher's kind, level and registered name
    (SPEC §6), and from the history database the previous year's report and this year's previous
    version."""

    kind: str | None = None  # department | government | township
    level: str | None = None  # county | prefecture | province (governments)
    agency_name: str | None = None
    previous_year: Report | None = None
    previous_version: Report | None = None


@dataclass(frozen=True)
class Problem:
    """What a rule found: a Chinese message and its evidence."""

    message: str
    cells: tuple[str, ...] = ()
    expected: Any = None
    actual: Any = None
    text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": str(self.severity), "message": self.message, "evidence": self.evidence}


# A rule's subject is a Report, or for the publication rules a rules.publication.Publication.
Check = Callable[[Any, Context], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: Check
    scope: str = "document"  # document | history (needs stored reports) | publication (crawl records)
    # An event (a revision) stays recorded; other findings are resolved when a later version
    # no longer shows them.
    resolvable: bool = True

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    def run(self, subject: Any, context: Context) -> Iterator[Finding]:
        for problem in self.check(subject, context):
            evidence: dict[str, Any] = {"cells": list(problem.cells)}
            if problem.expected is not None or problem.actual is not None:
                evidence["expected"] = problem.expected
                evidence["actual"] = problem.actual
            if problem.text is not None:
                evidence["text"] = problem.text
            evidence.update(problem.extra)
            yield Finding(self.id, self.severity, problem.message, evidence)


REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, title: str, *, scope: str = "document", resolvable: bool = True
) -> Callable[[Check], Check]:
    """Register a rule under a stable ID (IDs never change meaning)."""

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        if not check.__doc__:
            raise ValueError(f"rule {rule_id} needs a docstring explaining it")
        REGISTRY[rule_id] = Rule(rule_id, severity, title, check, scope, resolvable)
        return check

    return register


def evaluate(subject: Report | Any, context: Context | None = None,
             scopes: tuple[str, ...] = ("document", "history")) -> list[Finding]:
    """Run every registered rule of the given scopes over one subject: a report (history rules stay
    silent without stored reports in the context), or for the publication rules a Publication."""
    context = context or Context()
    return [finding for item in REGISTRY.values() if item.scope in scopes for finding in item.run(subject, context)]
