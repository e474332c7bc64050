"""Timeliness (SPEC §1, §3): the publication rules over every registered agency-year, from what the
crawls and ingests stored; what `monitor deadlines` and every crawl run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from monitor.store import Store
from monitor.store import crawl as records
from monitor.store import findings as stored_findings
from monitor.store.models import Finding
from rules import REGISTRY
from rules.publication import evaluate_publication

PUBLICATION_RULES = [rule_id for rule_id, item in REGISTRY.items() if item.scope == "publication"]


@dataclass
class Evaluated:
    """What one evaluation found: agency-years judged, findings by what happened to them, and the open
    findings by rule."""

    agency_years: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def evaluate(store: Store, now: datetime, *, first_year: int, down_after: int,
             agency_ids: Iterable[str] | None = None) -> Evaluated:
    """Judge every agency-year (or those of the agencies named) as of `now` and record the findings in
    one transaction: new ones open, those no longer shown are resolved."""
    result = Evaluated()
    wanted = None if agency_ids is None else list(agency_ids)
    with store.transaction() as session:
        subjects = records.publications(session, now, first_year=first_year, down_after=down_after,
                                        agency_ids=wanted)
        query = select(Finding).where(Finding.rule.in_(PUBLICATION_RULES))
        if wanted is not None:
            query = query.where(Finding.agency_id.in_(wanted))
        existing: dict[tuple[str, int], dict[str, Finding]] = defaultdict(dict)
        for finding in session.scalars(query):
            existing[(finding.agency_id, finding.year)][finding.fingerprint] = finding
        for agency_id, year, subject in subjects:
            found = evaluate_publication(subject)
            report_id = subject.first.report_id if subject.first else None
            counts = stored_findings.sync(session, agency_id, year, report_id, found, PUBLICATION_RULES, now,
                                          existing=existing[(agency_id, year)])
            result.agency_years += 1
            for key, value in counts.items():
                result.counts[key] += value
            for item in found:
                result.by_rule[item.rule] += 1
    return result
