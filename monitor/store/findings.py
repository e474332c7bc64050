"""Stored findings: fingerprints, upsert by fingerprint, resolution, triage (SPEC §5).

A dismissal with an expiry reads as open from the day after it (`effective_status`, computed by every
query); only a writing command turns it back to open in the table, at the real time
(`expire_dismissals`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.orm import Session

from monitor.report import BEIJING
from monitor.store.models import Finding, FindingAction, FindingEvent, FindingStatus
from rules import REGISTRY
from rules import Finding as RuleFinding


def fingerprint(rule: str, agency_id: str, year: int, evidence: dict) -> str:
    """rule + agency + year + the cells involved. A rule that names no cell (a sentence of the
    narrative) is anchored on the figure it judges, so a reworded sentence stays the same finding."""
    cells = sorted(evidence.get("cells") or [])
    anchor = cells or [str(evidence.get("expected", "")), "" if "expected" in evidence else evidence.get("text", "")]
    payload = json.dumps([rule, agency_id, year, anchor], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _event(finding: Finding, now: datetime, action: str, *, actor: str | None = None, reason: str | None = None,
           report_id: int | None = None) -> None:
    finding.events.append(FindingEvent(at=now, action=action, actor=actor, reason=reason, report_id=report_id))


def sync(session: Session, agency_id: str, year: int, report_id: int | None, found: Iterable[RuleFinding],
         rules: Iterable[str], now: datetime, existing: dict[str, Finding] | None = None) -> dict[str, int]:
    """Record the findings of one evaluation of `rules` for an agency-year.

    New fingerprints open; known ones are seen again (a resolved one reopens, a dismissed one
    stays dismissed until its expiry); open findings of these rules that the evaluation no longer
    shows are resolved, except events such as REVISED, which stay as recorded. `existing`: the stored
    findings of these rules for the agency-year by fingerprint, when the caller read them already.
    """
    counts = {"opened": 0, "seen": 0, "reopened": 0, "resolved": 0}
    rules = set(rules)
    if existing is None:
        existing = {
            f.fingerprint: f
            for f in session.scalars(
                select(Finding).where(Finding.agency_id == agency_id, Finding.year == year, Finding.rule.in_(rules))
            )
        }
    current: set[str] = set()
    for item in found:
        key = fingerprint(item.rule, agency_id, year, item.evidence)
        if key in current:
            continue
        current.add(key)
        finding = existing.get(key)
        if finding is None:
            finding = Finding(
                fingerprint=key, rule=item.rule, severity=str(item.severity), agency_id=agency_id, year=year,
                report_id=report_id, message=item.message, evidence=item.evidence, status=FindingStatus.OPEN,
                first_seen=now, last_seen=now,
            )
            session.add(finding)
            _event(finding, now, FindingAction.OPENED, report_id=report_id)
            counts["opened"] += 1
            continue
        finding.last_seen, finding.report_id = now, report_id
        finding.message, finding.evidence, finding.severity = item.message, item.evidence, str(item.severity)
        if finding.status == FindingStatus.RESOLVED:
            finding.status, finding.resolved_at = FindingStatus.OPEN, None
            _event(finding, now, FindingAction.REOPENED, report_id=report_id)
            counts["reopened"] += 1
        else:
            counts["seen"] += 1
    for key, finding in existing.items():
        if key in current or finding.status != FindingStatus.OPEN or not REGISTRY[finding.rule].resolvable:
            continue
        finding.status, finding.resolved_at = FindingStatus.RESOLVED, now
        _event(finding, now, FindingAction.RESOLVED, report_id=report_id)
        counts["resolved"] += 1
    return counts


def _expired(today: date) -> ColumnElement[bool]:
    return and_(Finding.status == FindingStatus.DISMISSED, Finding.dismissed_until.is_not(None),
                Finding.dismissed_until < today)


def effective_status(today: date) -> ColumnElement[str]:
    """The status as of `today` (Beijing): a dismissal whose `until` day has passed reads as open."""
    return case((_expired(today), FindingStatus.OPEN.value), else_=Finding.status)


def expire_dismissals(session: Session, now: datetime) -> int:
    """Write back the dismissals whose `until` day has passed before `now` (the real time of a writing
    command): the finding is open again, with an event in its trail."""
    expired = session.scalars(select(Finding).where(_expired(now.astimezone(BEIJING).date()))).all()
    for finding in expired:
        finding.status = FindingStatus.OPEN
        _event(finding, now, FindingAction.DISMISSAL_EXPIRED, reason=f"忽略期限 {finding.dismissed_until} 已过")
    return len(expired)


def triage(session: Session, finding_id: int, action: FindingAction, actor: str, reason: str, now: datetime,
           until: date | None = None) -> Finding:
    """Confirm or dismiss a finding; both are kept in its history with who and why."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise LookupError(f"没有编号为 {finding_id} 的问题")
    finding.triaged_by, finding.triaged_at, finding.triage_reason = actor, now, reason
    if action == FindingAction.DISMISS:
        finding.status, finding.dismissed_until, finding.confirmed = FindingStatus.DISMISSED, until, False
    elif action == FindingAction.CONFIRM:
        finding.confirmed, finding.dismissed_until = True, None
        if finding.status == FindingStatus.DISMISSED:
            finding.status = FindingStatus.OPEN
    else:
        raise ValueError(action)
    _event(finding, now, action, actor=actor, reason=reason + (f"（至 {until}）" if until else ""))
    return finding

