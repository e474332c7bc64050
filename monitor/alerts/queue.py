"""Findings become alerts (SPEC §5): routed to the agency's supervisors, never twice for one finding and
recipient, again (`repeat`) once `repeat_after_days` have passed since the last one was delivered (or
given up) while it is still open, a 「已纠正」 notice once a mailed finding is resolved, never for a
dismissed one; plus deadline reminders, once per agency-year and recipient.

Inhibition: an open MISSING or SOURCE-BLOCKED silences every other rule of its agency-year (the report
is not there, or the monitor cannot look: the rest follows from that); an agency-year whose report
could not be read (a crawl link `unreadable`) or has no stored version silences its table rules (a
table misread is no finding to mail). A silenced finding gets no alert, and one queued but not yet in
a mail is withdrawn; it is mailed as new once the silencer is gone.

An agency with no supervisor up its parent chain gets no alert: it is counted (`unrouted`) and logged,
and since nothing was recorded as sent, its findings are queued as new once the registry names one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from monitor.alerts.routing import Routes
from monitor.config import Settings
from monitor.deadlines import deadline
from monitor.report import BEIJING
from monitor.store import Store
from monitor.store.findings import effective_status
from monitor.store.models import (
    Agency,
    Alert,
    AlertKind,
    CrawlLink,
    Finding,
    FindingStatus,
    LinkStatus,
    Mail,
    Report,
)

logger = logging.getLogger(__name__)

SILENCERS = frozenset({"MISSING", "SOURCE-BLOCKED"})
_TABLE_PREFIXES = ("T2-", "T3-", "T4-")
_TABLE_RULES = frozenset({"BLANK-CELL", "NARRATIVE-TABLE"})
# A link of these states means the agency published a report of its year (whether read or not).
_PUBLISHED_LINKS = (LinkStatus.PENDING.value, LinkStatus.STORED.value, LinkStatus.UNREADABLE.value)
_PROBLEM_KINDS = (AlertKind.NEW.value, AlertKind.REPEAT.value)


def table_rule(rule: str) -> bool:
    """A rule that judges the report's tables (silenced when the report could not be read)."""
    return rule.startswith(_TABLE_PREFIXES) or rule in _TABLE_RULES


@dataclass
class Queued:
    """What one queue run added: alerts by kind, open findings silenced, distinct recipients of the new
    alerts, and agencies left without any recipient."""

    new: int = 0
    repeat: int = 0
    resolved: int = 0
    reminders: int = 0
    inhibited: int = 0
    recipients: int = 0
    unrouted: int = 0

    def summary(self) -> str:
        text = (f"邮件提醒：新问题 {self.new}，再次提醒 {self.repeat}，已纠正 {self.resolved}，"
                f"到期提醒 {self.reminders}，收件人 {self.recipients}")
        if self.inhibited:
            text += f"，暂不通知 {self.inhibited}（同一年度已有未发布、网站阻止访问或报告无法读取的问题）"
        if self.unrouted:
            text += f"，{self.unrouted} 个机关没有收件人（请在登记册中填写 supervisors）"
        return text


@dataclass(frozen=True)
class _Mailed:
    """The last alert of a finding for a recipient that went into a mail."""

    kind: str
    finished: datetime | None  # when that mail was delivered or given up (None: still in the outbox)


@dataclass
class _Run:
    session: Session
    now: datetime
    result: Queued = field(default_factory=Queued)
    recipients: set[str] = field(default_factory=set)
    unrouted: set[str] = field(default_factory=set)

    def add(self, kind: AlertKind, recipient: str, *, finding_id: int | None = None, agency_id: str | None = None,
            year: int | None = None) -> None:
        self.session.add(Alert(finding_id=finding_id, agency_id=agency_id, year=year, recipient=recipient,
                               kind=kind.value, created_at=self.now, attempts=0))
        self.recipients.add(recipient)
        counter = "reminders" if kind == AlertKind.REMINDER else kind.value
        setattr(self.result, counter, getattr(self.result, counter) + 1)


def queue_alerts(store: Store, settings: Settings, now: datetime) -> Queued:
    """Queue the alerts due as of `now` (one transaction); `monitor.alerts.send_alerts` mails them."""
    today = now.astimezone(BEIJING).date()
    with store.transaction() as session:
        run = _Run(session, now)
        routes = Routes(session.scalars(select(Agency)))
        _queue_findings(run, routes, today, timedelta(days=settings.mail.repeat_after_days))
        if settings.mail.remind_days:
            _queue_reminders(run, routes, today, settings.mail.remind_days)
    run.result.recipients = len(run.recipients)
    run.result.unrouted = len(run.unrouted)
    if run.unrouted:
        logger.warning("%d 个机关及其上级机关都没有登记收件人（supervisors），其问题暂未通知：%s",
                       len(run.unrouted), "、".join(sorted(run.unrouted)[:20]))
    return run.result


def _queue_findings(run: _Run, routes: Routes, today: date, repeat_after: timedelta) -> None:
    session = run.session
    status = effective_status(today).label("effective")
    alerted = select(Alert.finding_id).where(Alert.finding_id.is_not(None))
    rows = session.execute(select(Finding, status).where(
        or_(Finding.status != FindingStatus.RESOLVED.value, Finding.id.in_(alerted))).order_by(Finding.id)).all()
    silencing = {(f.agency_id, f.year) for f, state in rows if state == FindingStatus.OPEN and f.rule in SILENCERS}
    unreadable = {(a, y) for a, y in session.execute(
        select(CrawlLink.agency_id, CrawlLink.year).where(CrawlLink.status == LinkStatus.UNREADABLE.value).distinct())}
    stored = {(a, y) for a, y in session.execute(select(Report.agency_id, Report.year).distinct())}
    pending: dict[int, dict[str, list[Alert]]] = defaultdict(lambda: defaultdict(list))
    for alert in session.scalars(select(Alert).where(Alert.mail_id.is_(None), Alert.finding_id.is_not(None))):
        pending[alert.finding_id or 0][alert.recipient].append(alert)
    mailed = _last_mailed(session)

    for finding, state in rows:
        key = (finding.agency_id, finding.year)
        silenced = state == FindingStatus.OPEN and (
            (finding.rule not in SILENCERS and key in silencing)
            or (table_rule(finding.rule) and (key in unreadable or key not in stored)))
        run.result.inhibited += silenced
        alertable = state == FindingStatus.OPEN and not silenced
        recipients = routes.recipients(finding.agency_id)
        if not recipients and alertable:
            run.unrouted.add(finding.agency_id)
        queued = pending.get(finding.id, {})
        for recipient in set(queued) - set(recipients):  # no longer routed there: withdrawn before it is mailed
            _withdraw(session, queued[recipient], tuple(AlertKind))
        for recipient in recipients:
            waiting = queued.get(recipient, [])
            last = mailed.get((finding.id, recipient))
            if alertable:
                _withdraw(session, waiting, (AlertKind.RESOLVED.value,))
                if any(alert.kind in _PROBLEM_KINDS for alert in waiting):
                    continue
                if last is None:
                    run.add(AlertKind.NEW, recipient, finding_id=finding.id)
                elif last.kind == AlertKind.RESOLVED or (
                        last.finished is not None and run.now - last.finished >= repeat_after):
                    run.add(AlertKind.REPEAT, recipient, finding_id=finding.id)
                continue
            _withdraw(session, waiting, _PROBLEM_KINDS)
            if (state == FindingStatus.RESOLVED and last is not None and last.kind in _PROBLEM_KINDS
                    and not any(alert.kind == AlertKind.RESOLVED for alert in waiting)):
                run.add(AlertKind.RESOLVED, recipient, finding_id=finding.id)


def _withdraw(session: Session, waiting: list[Alert], kinds: tuple[str, ...]) -> None:
    """Delete the queued alerts of these kinds (not in a mail yet) that no longer hold."""
    for alert in [alert for alert in waiting if alert.kind in kinds]:
        waiting.remove(alert)
        session.delete(alert)


def _last_mailed(session: Session) -> dict[tuple[int, str], _Mailed]:
    latest = (select(func.max(Alert.id)).where(Alert.mail_id.is_not(None), Alert.finding_id.is_not(None))
              .group_by(Alert.finding_id, Alert.recipient))
    query = (select(Alert.finding_id, Alert.recipient, Alert.kind, Mail.sent_at, Mail.given_up_at)
             .join(Mail, Mail.id == Alert.mail_id).where(Alert.id.in_(latest)))
    return {(finding_id or 0, recipient): _Mailed(kind, sent_at or given_up_at)
            for finding_id, recipient, kind, sent_at, given_up_at in session.execute(query)}


def _queue_reminders(run: _Run, routes: Routes, today: date, remind_days: int) -> None:
    """Agencies whose deadline for the report awaited is at most `remind_days` away and that have
    published nothing of that year: one reminder per agency-year and recipient. A queued reminder is
    withdrawn once the report appears."""
    session = run.session
    years = (today.year - 1, today.year)  # a deadline falls in the year after the report year
    published = {(a, y) for a, y in session.execute(select(Report.agency_id, Report.year).where(
        Report.year.in_(years)).distinct())}
    published |= {(a, y) for a, y in session.execute(select(CrawlLink.agency_id, CrawlLink.year).where(
        CrawlLink.year.in_(years), CrawlLink.status.in_(_PUBLISHED_LINKS)).distinct())}
    earlier: dict[tuple[str, int], dict[str, list[Alert]]] = defaultdict(lambda: defaultdict(list))
    for alert in session.scalars(select(Alert).where(Alert.kind == AlertKind.REMINDER.value,
                                                     Alert.year.in_(years))):
        earlier[(alert.agency_id or "", alert.year or 0)][alert.recipient].append(alert)
    for agency in sorted(routes.agencies.values(), key=lambda a: a.id):
        for year in years:
            reminded = earlier.get((agency.id, year), {})
            if (agency.id, year) in published:
                for alerts in reminded.values():
                    _withdraw(session, [a for a in alerts if a.mail_id is None], (AlertKind.REMINDER.value,))
                continue
            due = deadline(agency.kind, agency.level, year, agency.deadline)
            if not 0 <= (due - today).days <= remind_days:
                continue
            recipients = routes.recipients(agency.id)
            if not recipients:
                run.unrouted.add(agency.id)
            for recipient in recipients:
                if not reminded.get(recipient):
                    run.add(AlertKind.REMINDER, recipient, agency_id=agency.id, year=year)
