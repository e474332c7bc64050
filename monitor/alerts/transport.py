"""Delivering one stored message: over SMTP (STARTTLS or implicit TLS, login with the password from
MONITOR_SMTP_PASSWORD), or, without `smtp_host`, as an .eml file in the outbox folder.

Every failure becomes an Outcome, never an exception: `sent` (the server accepted it, or the file is
written and synced), `retry` (temporary), `refused` (permanent: a 5xx for the recipient or the data),
`unreachable` (no usable connection: the mails after it are not tried in this send)."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from monitor.config import MailConfig
from monitor.text import clip

PASSWORD_VARIABLE = "MONITOR_SMTP_PASSWORD"


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "retry", "refused", "unreachable"]
    reason: str = ""


class Transport(Protocol):
    def deliver(self, mail_id: int, created_at: datetime, sender: str, recipient: str, data: bytes) -> Outcome: ...

    def close(self) -> None: ...


def missing_password(mail: MailConfig) -> str | None:
    """The one-line error when SMTP login needs a password the environment does not give."""
    if mail.smtp_host and mail.username and not os.environ.get(PASSWORD_VARIABLE):
        return (f"[mail] username = {mail.username} 需要登录密码，但环境变量 {PASSWORD_VARIABLE} 未设置；"
                "邮件留在队列中，设置后再发送")
    return None


def transport(mail: MailConfig) -> Transport:
    return Smtp(mail) if mail.smtp_host else EmlOutbox(Path(mail.outbox_dir))


def reason(exc: BaseException) -> str:
    """Why a delivery failed, in Chinese, on one line."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"登录邮件服务器失败（{exc.smtp_code} {_text(exc.smtp_error)}）"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"邮件服务器不支持所需功能（{_text(exc)}），请检查 starttls、tls 与 username 设置"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器拒绝（{exc.smtp_code} {_text(exc.smtp_error)}）"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "邮件服务器断开了连接"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝（邮件服务器未运行，或地址、端口有误）"
    if isinstance(exc, TimeoutError):
        return "连接超时"
    if isinstance(exc, socket.gaierror):
        return "无法解析邮件服务器主机名"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"邮件服务器证书校验失败（{_text(exc.verify_message or exc)}）"
    if isinstance(exc, ssl.SSLError):
        return f"TLS 握手失败（{_text(exc.reason or exc)}）"
    if isinstance(exc, OSError):
        return f"网络错误（{_text(exc.strerror or exc)}）"
    return f"{type(exc).__name__}：{_text(exc)}"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return clip(str(value), 160)


class Smtp:
    """One SMTP connection per send, opened at the first message and again after a lost one."""

    def __init__(self, mail: MailConfig) -> None:
        self.mail = mail
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        mail, host = self.mail, self.mail.smtp_host or ""
        context = ssl.create_default_context()
        local = socket.gethostname() or "localhost"
        connection: smtplib.SMTP
        if mail.tls:
            connection = smtplib.SMTP_SSL(host, mail.smtp_port, local_hostname=local, timeout=mail.timeout_s,
                                          context=context)
        else:
            connection = smtplib.SMTP(host, mail.smtp_port, local_hostname=local, timeout=mail.timeout_s)
        try:
            if mail.starttls:
                connection.starttls(context=context)
            if mail.username:
                connection.login(mail.username, os.environ.get(PASSWORD_VARIABLE, ""))
        except BaseException:
            connection.close()
            raise
        return connection

    def deliver(self, mail_id: int, created_at: datetime, sender: str, recipient: str, data: bytes) -> Outcome:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                return Outcome("unreachable", reason(exc))
        try:
            self.connection.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, next(iter(exc.recipients.values()), (0, b"")))
            return Outcome("refused" if code >= 500 else "retry", f"收件人地址被拒绝（{code} {_text(text)}）")
        except smtplib.SMTPDataError as exc:
            return Outcome("refused" if exc.smtp_code >= 500 else "retry", reason(exc))
        except smtplib.SMTPSenderRefused as exc:  # the sender is configuration: never a reason to give up at once
            return Outcome("retry", f"发件人地址被拒绝（{exc.smtp_code} {_text(exc.smtp_error)}）")
        except UnicodeEncodeError:  # a non-ASCII address: smtplib sends ASCII commands only
            self.close()
            address = recipient if not recipient.isascii() else sender  # the sender: configuration, retried
            return Outcome("refused" if address == recipient else "retry",
                           f"地址含非 ASCII 字符，无法通过 SMTP 投递：{_text(address)}")
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return Outcome("retry", reason(exc))
        return Outcome("sent")

    def close(self) -> None:
        if self.connection is None:
            return
        connection, self.connection = self.connection, None
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


class EmlOutbox:
    """Each message as `{outbox_dir}/{created, UTC}-{id}.eml`, written atomically and synced; the name is
    fixed by the mail, so a re-delivery replaces the file instead of adding one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, mail_id: int, created_at: datetime) -> Path:
        return self.folder / f"{created_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{mail_id}.eml"

    def deliver(self, mail_id: int, created_at: datetime, sender: str, recipient: str, data: bytes) -> Outcome:
        target = self.path(mail_id, created_at)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temporary, 0o640)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            directory = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as exc:
            return Outcome("retry", f"无法写入 {target}（{exc.strerror or exc}）")
        return Outcome("sent")

    def close(self) -> None:
        return None
