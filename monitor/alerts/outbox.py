"""The outbox: queued alerts become one digest mail per recipient, stored before delivery; then each mail
due is delivered and marked, so that none is lost and none is sent twice but for a crash in between.

1. Compose (one transaction): the recipient's queued alerts are rendered into a message whose bytes,
   subject and Message-ID are stored as a `mails` row, and the alerts point at it. A problem alert whose
   finding is no longer open (dismissed or resolved since it was queued) is withdrawn instead.
2. Deliver: each queued mail whose time has come. It is marked sent only after the SMTP server accepted
   it (or its .eml file was written and synced): a process killed in between leaves it queued, and the
   next send delivers the same bytes again, with the same Message-ID (at most one duplicate).
   A temporary failure keeps it queued with its attempts, last error and next attempt (5 minutes ×
   2^(attempts−1), at most 12 hours); a permanent refusal (a 5xx for the recipient or the data) or the
   `max_attempts`-th failure gives it up with the reason, which `outbox` reports.

Two processes must not send at once (the service holds a lock while it sends)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from monitor.alerts import digest
from monitor.alerts.transport import Outcome, Transport, missing_password, transport
from monitor.config import Settings
from monitor.report import BEIJING
from monitor.store import Store
from monitor.store.findings import effective_status
from monitor.store.models import Agency, Alert, AlertKind, Finding, FindingStatus, Mail, MailStatus, Report
from monitor.text import clip

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=12)
GIVEN_UP_SHOWN = timedelta(days=30)  # how long `outbox` keeps reporting a mail given up


@dataclass
class Sent:
    """What one send did: digests composed, mails delivered, failed (still queued) and given up, the
    alerts delivered, and one line per problem."""

    composed: int = 0
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    alerts: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"邮件发送：新编成 {self.composed} 封，送达 {self.sent} 封（共 {self.alerts} 条通知），"
                f"失败待重试 {self.failed} 封，已放弃 {self.given_up} 封")


@dataclass
class Outbox:
    """The outbox for `monitor status`: mails queued (those failing among them), sent on the Beijing day
    of `now`, and the recipients given up in the last 30 days with the reason."""

    queued: int
    failing: int
    sent_today: int
    given_up: list[tuple[str, str]]


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed delivery."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def send_alerts(store: Store, settings: Settings, now: datetime) -> Sent:
    """Compose the queued alerts into digests and deliver every mail due. Never raises for a delivery
    problem: it is a line in `Sent.problems` and the mail stays queued (or is given up)."""
    result = Sent()
    sender = parseaddr(settings.mail.sender)[1]
    if "@" not in sender or re.search(r"[\x00-\x1f\x7f]", settings.mail.sender):
        result.problems.append(f"[mail] sender 不是有效的发件人地址：{clip(settings.mail.sender)}；邮件未编成")
        return result
    result.composed = _compose(store, settings, now, sender)
    problem = missing_password(settings.mail)
    if problem:
        result.problems.append(problem)
        return result
    _deliver(store, settings, now, sender, result)
    return result


def _message_domain(sender: str) -> str:
    domain = re.sub(r"[^A-Za-z0-9.-]", "", sender.rpartition("@")[2])
    return domain or "localhost"


def _valid_recipient(address: str) -> bool:
    return "@" in address and parseaddr(address)[1] == address and not re.search(r"[\s\x00-\x1f\x7f<>]", address)


def _compose(store: Store, settings: Settings, now: datetime, sender: str) -> int:
    today = now.astimezone(BEIJING).date()
    day = now.astimezone(ZoneInfo(settings.schedule.timezone))
    state = effective_status(today).label("effective")
    composed = 0
    with store.transaction() as session:
        query = (select(Alert, Finding, Report, state).outerjoin(Finding, Finding.id == Alert.finding_id)
                 .outerjoin(Report, Report.id == Finding.report_id).where(Alert.mail_id.is_(None))
                 .order_by(Alert.id).with_for_update(skip_locked=True, of=Alert))
        rows: list[tuple[Alert, Finding | None, Report | None]] = []
        for alert, finding, report, effective in session.execute(query):
            if finding is not None and alert.kind != AlertKind.RESOLVED and effective != FindingStatus.OPEN:
                session.delete(alert)  # dismissed or resolved since it was queued: never mailed
                continue
            rows.append((alert, finding, report))
        if not rows:
            return 0
        agencies = {a.id: a for a in session.scalars(select(Agency))}
        for recipient, items in digest.grouped_by_recipient(rows).items():
            built = digest.build(recipient, items, agencies, day.date(), settings.mail.repeat_after_days)
            mail = Mail(recipient=recipient, subject=built.subject, message_id=f"<pending-{uuid4().hex}>", data=b"",
                        status=MailStatus.QUEUED.value, created_at=now, attempts=0)
            session.add(mail)
            session.flush()
            ids = ",".join(str(alert.id) for alert, _, _ in items)
            token = hashlib.sha256(f"{recipient}|{ids}|{now.isoformat()}".encode()).hexdigest()[:16]
            mail.message_id = f"<digest-{mail.id}.{token}@{_message_domain(sender)}>"
            if _valid_recipient(recipient):
                mail.data = digest.message(built, sender=settings.mail.sender, message_id=mail.message_id,
                                           date_header=day)
            else:
                _give_up(session, mail, now, f"收件人地址无效：{clip(recipient)}")
            for alert, _, _ in items:
                alert.mail_id = mail.id
            composed += 1
    return composed


def _deliver(store: Store, settings: Settings, now: datetime, sender: str, result: Sent) -> None:
    with store.reading() as session:
        due = list(session.scalars(select(Mail.id).where(
            Mail.status == MailStatus.QUEUED.value,
            (Mail.next_attempt_at.is_(None)) | (Mail.next_attempt_at <= now)).order_by(Mail.id)))
    if not due:
        return
    channel: Transport = transport(settings.mail)
    try:
        for position, mail_id in enumerate(due):
            with store.reading() as session:
                mail = session.get(Mail, mail_id)
            if mail is None or mail.status != MailStatus.QUEUED:
                continue
            outcome = channel.deliver(mail.id, mail.created_at, sender, mail.recipient, mail.data)
            if outcome.status == "unreachable":
                host = f"{settings.mail.smtp_host}:{settings.mail.smtp_port}"
                rest = due[position:]
                for waiting in rest:
                    _record(store, settings, now, waiting, Outcome("retry", outcome.reason), result, quiet=True)
                result.problems.append(f"无法使用邮件服务器 {host}：{outcome.reason}；{len(rest)} 封邮件留在队列中，"
                                       f"稍后重试")
                return
            _record(store, settings, now, mail_id, outcome, result)
    finally:
        channel.close()


def _give_up(session: Session, mail: Mail, now: datetime, why: str) -> None:
    mail.status, mail.given_up_at, mail.last_error, mail.next_attempt_at = MailStatus.GIVEN_UP.value, now, why, None


def _record(store: Store, settings: Settings, now: datetime, mail_id: int, outcome: Outcome, result: Sent,
            quiet: bool = False) -> None:
    """Write down how one delivery went (its own transaction, right after it)."""
    with store.transaction() as session:
        mail = session.get(Mail, mail_id)
        if mail is None:
            return
        mail.attempts += 1
        where = f"邮件 {mail.id}（致 {clip(mail.recipient)}）"
        if outcome.status == "sent":
            mail.status, mail.sent_at, mail.last_error, mail.next_attempt_at = MailStatus.SENT.value, now, None, None
            delivered = session.execute(update(Alert).where(Alert.mail_id == mail.id).values(
                sent_at=now, attempts=mail.attempts, last_error=None))
            result.sent += 1
            result.alerts += getattr(delivered, "rowcount", 0) or 0
            return
        if outcome.status == "refused":
            _give_up(session, mail, now, outcome.reason)
            result.given_up += 1
            result.problems.append(f"{where}被拒收，已放弃：{outcome.reason}")
        elif mail.attempts >= settings.mail.max_attempts:
            _give_up(session, mail, now, f"已尝试 {mail.attempts} 次仍未送达（最后一次：{outcome.reason}）")
            result.given_up += 1
            result.problems.append(f"{where}已尝试 {mail.attempts} 次仍未送达，已放弃：{outcome.reason}")
        else:
            mail.last_error, mail.next_attempt_at = outcome.reason, now + backoff(mail.attempts)
            result.failed += 1
            if not quiet:
                retry = mail.next_attempt_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
                result.problems.append(f"{where}未送达，{retry} 后重试：{outcome.reason}")
        session.execute(update(Alert).where(Alert.mail_id == mail.id).values(attempts=mail.attempts,
                                                                             last_error=mail.last_error))


def outbox(store: Store, now: datetime) -> Outbox:
    """The state of the outbox as of `now`."""
    start = datetime.combine(now.astimezone(BEIJING).date(), datetime.min.time(), BEIJING)
    with store.reading() as session:
        def count(*where: ColumnElement[bool]) -> int:
            return session.scalar(select(func.count()).select_from(Mail).where(*where)) or 0

        queued = count(Mail.status == MailStatus.QUEUED.value)
        failing = count(Mail.status == MailStatus.QUEUED.value, Mail.attempts > 0)
        sent_today = count(Mail.status == MailStatus.SENT.value, Mail.sent_at >= start,
                           Mail.sent_at < start + timedelta(days=1))
        given_up: dict[str, str] = {}
        for recipient, why in session.execute(
                select(Mail.recipient, Mail.last_error).where(Mail.status == MailStatus.GIVEN_UP.value,
                                                              Mail.given_up_at >= now - GIVEN_UP_SHOWN)
                .order_by(Mail.given_up_at.desc(), Mail.id.desc())):
            given_up.setdefault(recipient, why or "")
    return Outbox(queued, failing, sent_today, sorted(given_up.items()))
