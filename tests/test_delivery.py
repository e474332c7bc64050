"""Delivery of the alert digests to a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL:
the headers of a digest; the server down for several sends and then up (nothing lost, each mail once);
a refused address given up and reported; STARTTLS and implicit TLS with login; the .eml outbox; the
sending process killed after the server accepted (at most one duplicate, same Message-ID); `monitor
send` on the command line; and the HTML mail rendered by headless Chromium into a screenshot."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import unavailable
from sqlalchemy import select, update

from monitor.alerts import Outbox, outbox, queue_alerts, send_alerts
from monitor.config import Agency, Settings
from monitor.report import BEIJING
from monitor.store import Store, models
from monitor.store import findings as stored_findings
from monitor.store.models import MailStatus
from rules import Finding as RuleFinding
from rules import Severity

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "build" / "test-artifacts"  # build/ is ignored by git
MONITOR = [sys.executable, "-m", "monitor.cli"]
NOW = datetime(2026, 2, 1, 9, 0, tzinfo=BEIJING)
SENDER = "年报监测 <monitor@example.org>"
CITY = Agency(id="xinxiang", name="新乡市人民政府", kind="government", level="prefecture", region="河南省/新乡市",
              supervisors=["city@example.org"])
COUNTY = Agency(id="weibin", name="卫滨区人民政府", kind="government", level="county", region="河南省/新乡市/卫滨区",
                parent="xinxiang")
OFFICE = Agency(id="weibin-office", name="卫滨区人民政府办公室", kind="department", region="河南省/新乡市/卫滨区",
                parent="weibin")
BUREAU = Agency(id="weibin-finance", name="卫滨区财政局", kind="department", region="河南省/新乡市/卫滨区",
                parent="weibin")
FINANCE = BUREAU.model_copy(update={"supervisors": ["finance@example.org"]})
UNDATED = RuleFinding("UNDATED", Severity.WARNING, "2025年度报告没有标注发布日期。",
                      {"cells": ["publication.date"], "url": "https://www.weibin.gov.cn/2025.html"})


# --- a recording SMTP server -------------------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class Server:
    """An aiosmtpd server on 127.0.0.1 that records what it accepts. `refuse` maps an address to the reply
    to its RCPT; with `hold` set, it accepts a message and then waits for `release` before answering."""

    def __init__(self, port: int, login: bool = False, **smtp: Any) -> None:
        self.port = port
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.refused: list[str] = []
        self.logins: list[tuple[str, str]] = []
        self.hold = False
        self.accepted = threading.Event()
        self.release = threading.Event()
        if login:
            smtp["authenticator"] = self.authenticate
        self.controller = Controller(self, hostname="127.0.0.1", port=port, **smtp)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            self.refused.append(address)
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        self.accepted.set()
        while self.hold and not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == ("monitor", "s3cret"))

    def stop(self) -> None:
        self.release.set()
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """`smtp(port=None, login=False, **aiosmtpd options)`: a started Server, stopped after the test."""
    servers: list[Server] = []

    def start(port: int | None = None, login: bool = False, **options: Any) -> Server:
        server = Server(port or free_port(), login, **options)
        server.controller.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.controller._thread is not None:
            server.stop()


# --- the database and the settings --------------------------------------------------------------------

@pytest.fixture
def store(registered) -> Store:
    return registered([CITY, COUNTY, OFFICE, FINANCE], NOW)


def settings(tmp_path: Path, port: int | None, **mail: Any) -> Settings:
    values = {"sender": SENDER, "outbox_dir": str(tmp_path / "outbox"), "timeout_s": 20, **mail}
    if port is not None:
        values |= {"smtp_host": "127.0.0.1", "smtp_port": port}
    return Settings(mail=values, base_dir=tmp_path)


def problems_for(store: Store, tmp_path: Path, *agency_ids: str, now: datetime = NOW) -> None:
    """An open finding for each agency, queued as alerts."""
    for agency_id in agency_ids:
        with store.transaction() as session:
            stored_findings.sync(session, agency_id, 2025, None, [UNDATED], ["UNDATED"], now)
    queue_alerts(store, settings(tmp_path, None), now)


def mails(store: Store) -> list[models.Mail]:
    with store.reading() as session:
        return list(session.scalars(select(models.Mail).order_by(models.Mail.id)))


def message_ids(server: Server) -> list[str]:
    return [r.message["Message-ID"] for r in server.received]


# --- SMTP --------------------------------------------------------------------------------------------

def test_a_digest_is_delivered_with_its_headers(store, smtp, tmp_path):
    server = smtp()
    problems_for(store, tmp_path, "weibin-office", "weibin-finance")
    result = send_alerts(store, settings(tmp_path, server.port), NOW)
    assert (result.composed, result.sent, result.alerts, result.failed, result.problems) == (2, 2, 2, 0, [])
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["city@example.org", "finance@example.org"]
    [city] = [r for r in server.received if r.rcpt_tos == ["city@example.org"]]
    [stored] = [m for m in mails(store) if m.recipient == "city@example.org"]
    assert city.mail_from == "monitor@example.org"
    assert city.data.isascii()  # encoded headers, base64 bodies: any server takes it
    message = city.message
    assert message["Message-ID"] == stored.message_id
    assert re.fullmatch(r"<digest-\d+\.[0-9a-f]{16}@example\.org>", stored.message_id)
    assert (message["From"], message["To"]) == (SENDER, "city@example.org")
    assert message["Subject"] == "【年报监测】1个单位 1项问题 2026-02-01" == stored.subject
    assert message["Date"].datetime == NOW
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [(p.get_content_type(), p.get_content_charset()) for p in parts] == [("text/plain", "utf-8"),
                                                                               ("text/html", "utf-8")]
    assert "卫滨区人民政府办公室" in parts[0].get_content() and "卫滨区人民政府办公室" in parts[1].get_content()
    assert outbox(store, NOW) == Outbox(queued=0, failing=0, sent_today=2, given_up=[])
    with store.reading() as session:
        assert {a.sent_at for a in session.scalars(select(models.Alert))} == {NOW}


def test_smtp_down_for_several_sends_then_up_loses_nothing_and_sends_each_mail_once(store, smtp, tmp_path):
    port = free_port()  # nothing listens there yet
    problems_for(store, tmp_path, "weibin-office", "weibin-finance")
    at = NOW
    for attempt, wait in ((1, 5), (2, 10), (3, 20)):
        result = send_alerts(store, settings(tmp_path, port), at)
        assert (result.sent, result.failed, result.given_up) == (0, 2, 0)
        [problem] = result.problems
        assert f"无法使用邮件服务器 127.0.0.1:{port}" in problem and "2 封邮件留在队列中" in problem
        assert [(m.attempts, m.status, m.next_attempt_at) for m in mails(store)] == [
            (attempt, MailStatus.QUEUED, at + timedelta(minutes=wait))] * 2
        early = send_alerts(store, settings(tmp_path, port), at + timedelta(minutes=wait - 1))  # not due yet
        assert (early.failed, early.problems) == (0, [])
        assert queue_alerts(store, settings(tmp_path, None), at).new == 0  # queued already: not again
        at += timedelta(minutes=wait)
    assert outbox(store, at) == Outbox(queued=2, failing=2, sent_today=0, given_up=[])

    server = smtp(port=port)
    result = send_alerts(store, settings(tmp_path, port), at)
    assert (result.composed, result.sent, result.alerts, result.problems) == (0, 2, 2, [])
    assert send_alerts(store, settings(tmp_path, port), at + timedelta(days=1)).sent == 0
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["city@example.org", "finance@example.org"]
    assert sorted(message_ids(server)) == sorted(m.message_id for m in mails(store))
    assert outbox(store, at) == Outbox(queued=0, failing=0, sent_today=2, given_up=[])


def test_a_refused_address_is_given_up_and_reported_and_the_others_delivered(store, smtp, tmp_path):
    server = smtp()
    server.refuse["finance@example.org"] = "550 5.1.1 <finance@example.org>: Recipient address rejected"
    problems_for(store, tmp_path, "weibin-office", "weibin-finance")
    result = send_alerts(store, settings(tmp_path, server.port), NOW)
    assert (result.sent, result.failed, result.given_up) == (1, 0, 1)
    [problem] = result.problems
    assert "finance@example.org" in problem and "550" in problem and "已放弃" in problem
    assert [r.rcpt_tos for r in server.received] == [["city@example.org"]]
    state = outbox(store, NOW)
    assert (state.queued, state.failing, state.sent_today) == (0, 0, 1)
    [(address, reason)] = state.given_up
    assert address == "finance@example.org" and "550" in reason and "Recipient address rejected" in reason
    assert send_alerts(store, settings(tmp_path, server.port), NOW + timedelta(days=1)).given_up == 0
    assert server.refused == ["finance@example.org"]  # never tried again


def test_a_temporary_refusal_is_retried_until_max_attempts(store, smtp, tmp_path):
    server = smtp()
    server.refuse["finance@example.org"] = "451 4.3.0 Try again later"
    problems_for(store, tmp_path, "weibin-finance")
    first = send_alerts(store, settings(tmp_path, server.port, max_attempts=2), NOW)
    assert (first.failed, first.given_up) == (1, 0) and "451" in first.problems[0] and "后重试" in first.problems[0]
    assert outbox(store, NOW).failing == 1
    second = send_alerts(store, settings(tmp_path, server.port, max_attempts=2), NOW + timedelta(minutes=5))
    assert (second.failed, second.given_up) == (0, 1)
    [(_, reason)] = outbox(store, NOW).given_up
    assert "已尝试 2 次" in reason and "451" in reason
    assert server.refused == ["finance@example.org"] * 2


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_tls_and_login_with_the_password_from_the_environment(store, smtp, tmp_path, monkeypatch, mode):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # aiosmtpd offers AUTH on an implicit-TLS connection only with auth_require_tls off (it does not see
    # that connection as TLS); under STARTTLS it requires TLS before AUTH and MAIL.
    options: dict[str, Any] = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True}
                               if mode == "starttls" else {"ssl_context": context, "auth_require_tls": False})
    server = smtp(login=True, **options)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the self-signed certificate
    problems_for(store, tmp_path, "weibin-finance")
    configured = settings(tmp_path, server.port, username="monitor", **{mode: True})

    monkeypatch.delenv("MONITOR_SMTP_PASSWORD", raising=False)
    missing = send_alerts(store, configured, NOW)
    assert (missing.composed, missing.sent, missing.failed) == (1, 0, 0)
    assert len(missing.problems) == 1 and "MONITOR_SMTP_PASSWORD" in missing.problems[0]
    assert [(m.status, m.attempts) for m in mails(store)] == [(MailStatus.QUEUED, 0)]  # not even tried

    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "s3cret")
    result = send_alerts(store, configured, NOW)
    assert (result.sent, result.problems) == (1, []), result.problems
    assert server.logins == [("monitor", "s3cret")]
    assert [r.rcpt_tos for r in server.received] == [["finance@example.org"]]


def test_an_untrusted_certificate_keeps_the_mail_queued(store, smtp, tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = smtp(ssl_context=context)
    problems_for(store, tmp_path, "weibin-finance")
    result = send_alerts(store, settings(tmp_path, server.port, tls=True), NOW)
    assert (result.sent, result.failed) == (0, 1) and "证书" in result.problems[0]
    assert server.received == [] and outbox(store, NOW).queued == 1


# --- the .eml outbox --------------------------------------------------------------------------------

def test_without_smtp_host_each_mail_is_an_eml_file_in_the_outbox(store, tmp_path):
    problems_for(store, tmp_path, "weibin-office", "weibin-finance")
    result = send_alerts(store, settings(tmp_path, None), NOW)
    assert (result.sent, result.alerts, result.problems) == (2, 2, [])
    folder = tmp_path / "outbox"
    names = sorted(p.name for p in folder.iterdir())
    stored = mails(store)
    assert names == sorted(f"20260201T010000Z-{m.id}.eml" for m in stored)  # nothing half-written left
    for mail in stored:
        data = (folder / f"20260201T010000Z-{mail.id}.eml").read_bytes()
        assert data == mail.data
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert (message["Message-ID"], message["To"]) == (mail.message_id, mail.recipient)
    assert outbox(store, NOW).sent_today == 2

    # Killed after writing, before marking: written again under the same name, not a second file.
    with store.transaction() as session:
        session.execute(update(models.Mail).values(status=MailStatus.QUEUED.value, sent_at=None))
    assert send_alerts(store, settings(tmp_path, None), NOW + timedelta(hours=1)).sent == 2
    assert sorted(p.name for p in folder.iterdir()) == names


def test_an_outbox_that_cannot_be_written_keeps_the_mail_queued(store, tmp_path):
    (tmp_path / "outbox").write_text("a file where the folder should be")
    problems_for(store, tmp_path, "weibin-finance")
    result = send_alerts(store, settings(tmp_path, None), NOW)
    assert (result.sent, result.failed) == (0, 1) and "无法写入" in result.problems[0]
    assert outbox(store, NOW).failing == 1


# --- on the command line, and killed in the middle ----------------------------------------------------

def config_file(database_url: str, tmp_path: Path, port: int, **mail: Any) -> Path:
    extra = "".join(f"{key} = {value}\n" for key, value in mail.items())
    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n\n[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
                    f'sender = "{SENDER}"\ntimeout_s = 20\n{extra}', encoding="utf-8")
    return path


def test_killed_after_the_server_accepted_the_mail_is_delivered_again_with_the_same_message_id(
        store, smtp, tmp_path, database_url):
    server = smtp()
    server.hold = True  # the server keeps the message and does not answer: the sender never marks it
    problems_for(store, tmp_path, "weibin-finance")
    path = config_file(database_url, tmp_path, server.port)
    sender = subprocess.Popen([*MONITOR, "send", "--config", str(path), "--now", NOW.isoformat()],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.accepted.wait(120), "the mail never reached the server"
    finally:
        os.kill(sender.pid, signal.SIGKILL)
        sender.communicate(timeout=60)
    server.release.set()
    server.hold = False
    [stored] = mails(store)
    assert (stored.status, stored.sent_at) == (MailStatus.QUEUED, None)  # never marked

    result = send_alerts(store, settings(tmp_path, server.port), NOW + timedelta(minutes=1))
    assert (result.composed, result.sent, result.problems) == (0, 1, [])
    assert send_alerts(store, settings(tmp_path, server.port), NOW + timedelta(days=1)).sent == 0
    assert message_ids(server) == [stored.message_id] * 2  # one duplicate at most, the same message
    assert server.received[0].message.get_body(("html",)).get_content() == (  # type: ignore[union-attr]
        server.received[1].message.get_body(("html",)).get_content())  # type: ignore[union-attr]


def test_monitor_send_prints_each_problem_and_a_summary_and_records_its_run(store, tmp_path, database_url):
    port = free_port()  # no server
    problems_for(store, tmp_path, "weibin-finance")
    path = config_file(database_url, tmp_path, port)
    done = subprocess.run([*MONITOR, "send", "--config", str(path), "--now", NOW.isoformat()], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("邮件发送：新编成 1 封，送达 0 封") and "失败待重试 1 封" in done.stdout
    [line] = done.stderr.splitlines()
    assert line.startswith(f"monitor send: 无法使用邮件服务器 127.0.0.1:{port}：连接被拒绝")
    with store.reading() as session:
        [run] = session.scalars(select(models.Run).where(models.Run.kind == "send")).all()
        assert (run.status, run.stats["failed"], run.stats["composed"]) == ("ok", 1, 1)

    refused = subprocess.run([*MONITOR, "send", "--config", str(config_file(database_url, tmp_path, port,
                                                                            username='"monitor"'))],
                             capture_output=True, text=True, timeout=120,
                             env={k: v for k, v in os.environ.items() if k != "MONITOR_SMTP_PASSWORD"})
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert "MONITOR_SMTP_PASSWORD" in refused.stderr


# --- what it looks like -------------------------------------------------------------------------------

def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_html_mail_renders_in_chromium(registered, tmp_path, capsys):
    chromium = shutil.which("chromium", path="/usr/bin")
    if chromium is None:
        unavailable("/usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk): the mail "
                    "screenshot was not taken", "MONITOR_REQUIRE_CHROMIUM")
    store = registered([CITY, COUNTY, OFFICE, BUREAU], NOW)
    earlier = datetime(2026, 2, 10, 9, tzinfo=BEIJING)
    missing = RuleFinding("MISSING", Severity.ERROR, "2024年度报告的发布期限2025年1月31日已过，仍未找到该报告。",
                          {"cells": ["publication.report"], "expected": "2025-01-31", "actual": None})
    with store.transaction() as session:
        stored_findings.sync(session, "weibin-office", 2024, None, [missing], ["MISSING"], earlier)
    queue_alerts(store, settings(tmp_path, None), earlier)
    send_alerts(store, settings(tmp_path, None), earlier)

    day = datetime(2026, 2, 13, 9, tzinfo=BEIJING)  # the county's deadline (20 February) is a week away
    report_id = _stored_report(store, "weibin-office")
    office = [
        RuleFinding("T3-BALANCE", Severity.ERROR, "表三「自然人」列：本年新收81加上年结转3，与（七）总计79加结转下年度"
                    "继续办理3不等，相差2。", {"cells": ["applications.new_received.natural_person",
                                                 "applications.carried_over.natural_person",
                                                 "applications.total_processed.natural_person",
                                                 "applications.carried_forward.natural_person"],
                                       "expected": 84, "actual": 82}),
        RuleFinding("NARRATIVE-SUM", Severity.ERROR, "正文称共3351条，但「其中」列出的各项相加为3652条，超出301条。",
                    {"cells": [], "expected": 3351, "actual": 3652,
                     "text": "全年主动公开各类政务信息3351条，其中政策文件2121条、工作动态779条、通知公告752条。"}),
        RuleFinding("BLANK-CELL", Severity.WARNING, "表三有1个单元格未能读出数值：「（二）部分公开」科研机构（空白）。",
                    {"cells": ["applications.partial.research"]}),
    ]
    late = RuleFinding("LATE", Severity.ERROR, "2025年度报告于2026年2月5日发布，晚于2026年1月31日的发布期限5天，"
                       "也超过了《条例》规定的最迟期限2026年1月31日。",
                       {"cells": ["publication.date"], "expected": "2026-01-31", "actual": "2026-02-05",
                        "url": "https://czj.weibin.gov.cn/zfxxgk/2026/02/05/art_1.html"})
    with store.transaction() as session:
        stored_findings.sync(session, "weibin-office", 2025, report_id, office, [f.rule for f in office], day)
        stored_findings.sync(session, "weibin-office", 2024, None, [], ["MISSING"], day)  # published since
        stored_findings.sync(session, "weibin-finance", 2025, None, [late, UNDATED], ["LATE", "UNDATED"], day)
    queued = queue_alerts(store, settings(tmp_path, None), day)
    assert (queued.new, queued.resolved, queued.reminders) == (5, 1, 1)
    assert send_alerts(store, settings(tmp_path, None), day).sent == 1
    message = email.message_from_bytes(mails(store)[-1].data, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    page, shot = tmp_path / "mail.html", tmp_path / "mail.png"
    page.write_text(html, encoding="utf-8")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1000,2600", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    assert _png_size(shot) == (1000, 2600)  # the whole digest, its three sections
    assert shot.stat().st_size > 30_000  # a rendered page, not a blank one
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "mail.png")
    shutil.copyfile(page, ARTIFACTS / "mail.html")
    with capsys.disabled():
        print(f"\nmail screenshot: {ARTIFACTS / 'mail.png'}")


def _stored_report(store: Store, agency_id: str) -> int:
    sha = hashlib.sha256(agency_id.encode()).hexdigest()
    url = f"https://www.weibin.gov.cn/zfxxgk/{agency_id}/2025.html"
    with store.transaction() as session:
        session.add(models.Blob(sha256=sha, size=1, data=b"x"))
        document = models.Document(url=url, fetched_at=NOW, media_type="text/html", sha256=sha, size=1)
        session.add(document)
        session.flush()
        report = models.Report(agency_id=agency_id, year=2025, version=1, document_id=document.id, sha256=sha,
                               url=url, template="2021", parse_status="ok", first_seen=NOW)
        session.add(report)
        session.flush()
        return report.id


def test_monitor_send_does_not_deliver_beside_a_running_service(store, tmp_path, database_url):
    """Two senders at once would mail the same queued digests twice: `monitor send` holds the service's
    lock while it sends, and refuses in one line while a service (or another send) holds it."""
    from monitor.service.lock import service_lock

    problems_for(store, tmp_path, "weibin-finance")
    path = config_file(database_url, tmp_path, free_port())
    lock = service_lock(store)
    assert lock.acquire()
    try:
        done = subprocess.run([*MONITOR, "send", "--config", str(path), "--now", NOW.isoformat()],
                              capture_output=True, text=True, timeout=120)
    finally:
        lock.release()
    assert done.returncode == 2 and "正在运行" in done.stderr and len(done.stderr.splitlines()) == 1, done
    assert mails(store) == []  # nothing composed, nothing sent
