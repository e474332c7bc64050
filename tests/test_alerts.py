"""Alerts (SPEC §5) on SQLite and PostgreSQL: routing to supervisors (inherited from parents), one digest
per recipient grouped by agency with errors first, the Chinese subject, agency text that never becomes
markup, no alert twice, repeats after the interval, the 「已纠正」 notice, dismissed findings never
mailed, inhibition, and deadline reminders. Mails go to the .eml outbox (no smtp_host) and are read back."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.alerts import queue_alerts, send_alerts
from monitor.config import Agency, Settings
from monitor.report import BEIJING
from monitor.store import Store, models, registry
from monitor.store import findings as stored_findings
from monitor.store.models import FindingAction, LinkStatus
from monitor.template import cell_label
from rules import Finding as RuleFinding
from rules import Severity

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=BEIJING)
CITY = Agency(id="xinxiang", name="新乡市人民政府", kind="government", level="prefecture", region="河南省/新乡市",
              supervisors=["city@example.org", "deputy@example.org"])
COUNTY = Agency(id="weibin", name="卫滨区人民政府", kind="government", level="county", region="河南省/新乡市/卫滨区",
                parent="xinxiang")
OFFICE = Agency(id="weibin-office", name="卫滨区人民政府办公室", kind="department", region="河南省/新乡市/卫滨区",
                parent="weibin")
BUREAU = Agency(id="weibin-finance", name="卫滨区财政局", kind="department", region="河南省/新乡市/卫滨区",
                parent="weibin", supervisors=["finance@example.org"])
LONELY = Agency(id="lonely", name="某某乡人民政府", kind="township", region="河南省")

BALANCE = ("T3-BALANCE", "error", "表三「自然人」列勾稽关系不成立：本年新收81加上年结转0，与办结79加结转下年度0不等。",
           {"cells": ["applications.new_received.natural_person", "applications.total_processed.natural_person"],
            "expected": 81, "actual": 79})
NARRATIVE = ("NARRATIVE-SUM", "error", "正文称共3351条，但「其中」列出的各项相加为3652条。",
             {"cells": [], "expected": 3351, "actual": 3652,
              "text": "全年主动公开各类政务信息3351条，其中政策文件2121条。"})
BLANK = ("BLANK-CELL", "warning", "表三有1个单元格未能读出数值。", {"cells": ["applications.new_received.research"]})
UNDATED = ("UNDATED", "warning", "2025年度报告的页面、元数据和栏目列表中都没有发布日期。",
           {"cells": ["publication.date"], "url": "https://www.weibin.gov.cn/2025.html"})
MISSING = ("MISSING", "error", "2025年度报告的发布期限2026年1月31日已过，仍未找到该报告。",
           {"cells": ["publication.report"], "expected": "2026-01-31", "actual": None})
BLOCKED = ("SOURCE-BLOCKED", "warning", "无法检查2025年度报告是否发布：网站反爬虫验证。",
           {"cells": ["publication.listing:https://www.weibin.gov.cn/nb/"], "url": "https://www.weibin.gov.cn/nb/"})


def settings(tmp_path: Path, **mail: Any) -> Settings:
    return Settings(mail={"outbox_dir": str(tmp_path / "outbox"), **mail}, base_dir=tmp_path)


@pytest.fixture
def store(registered) -> Store:
    return registered([CITY, COUNTY, OFFICE, BUREAU, LONELY], NOW)


def stored_report(store: Store, agency_id: str, year: int = 2025) -> int:
    """A stored version of the agency-year (its table findings can be mailed)."""
    sha = hashlib.sha256(f"{agency_id}/{year}".encode()).hexdigest()
    url = f"https://www.example.gov.cn/{agency_id}/{year}.html"
    with store.transaction() as session:
        session.add(models.Blob(sha256=sha, size=1, data=b"x"))
        document = models.Document(url=url, fetched_at=NOW, media_type="text/html", sha256=sha, size=1)
        session.add(document)
        session.flush()
        report = models.Report(agency_id=agency_id, year=year, version=1, document_id=document.id, sha256=sha, url=url,
                               title=f"{year}年政府信息公开工作年度报告", template="2021", parse_status="ok",
                               first_seen=NOW)
        session.add(report)
        session.flush()
        return report.id


def evaluated(store: Store, agency_id: str, *items: tuple, year: int = 2025, rules: set[str] | None = None,
              report_id: int | None = None, now: datetime = NOW) -> None:
    """One evaluation of `rules` (default: those of `items`) for the agency-year: those not shown resolve."""
    found = [RuleFinding(rule, Severity(severity), message, evidence) for rule, severity, message, evidence in items]
    with store.transaction() as session:
        stored_findings.sync(session, agency_id, year, report_id, found, rules or {item[0] for item in items}, now)


def alerts(store: Store) -> list[tuple[str, str, str]]:
    """(recipient, kind, rule or 'reminder:agency') of every alert, in order."""
    with store.reading() as session:
        rows = session.execute(select(models.Alert, models.Finding).outerjoin(
            models.Finding, models.Finding.id == models.Alert.finding_id).order_by(models.Alert.id)).all()
        return [(a.recipient, a.kind, f.rule if f else f"reminder:{a.agency_id}") for a, f in rows]


def sent_mails(tmp_path: Path) -> list[EmailMessage]:
    folder = tmp_path / "outbox"
    paths = sorted(folder.glob("*.eml"), key=lambda p: int(p.stem.rsplit("-", 1)[1])) if folder.is_dir() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]  # type: ignore[misc]


def bodies(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()  # type: ignore[attr-defined]


def deliver(store: Store, tmp_path: Path, now: datetime = NOW, **mail: Any) -> list[EmailMessage]:
    """Queue and send; the mails written by this send."""
    before = len(sent_mails(tmp_path))
    queue_alerts(store, settings(tmp_path, **mail), now)
    result = send_alerts(store, settings(tmp_path, **mail), now)
    assert result.problems == [] and result.failed == result.given_up == 0
    return sent_mails(tmp_path)[before:]


# --- routing ---------------------------------------------------------------------------------------

def test_findings_go_to_the_supervisors_inherited_up_the_parent_chain(store, tmp_path):
    for agency in ("weibin-office", "weibin-finance", "lonely"):
        evaluated(store, agency, UNDATED)
    queued = queue_alerts(store, settings(tmp_path), NOW)
    assert sorted(alerts(store)) == [("city@example.org", "new", "UNDATED"), ("deputy@example.org", "new", "UNDATED"),
                                     ("finance@example.org", "new", "UNDATED")]
    assert (queued.new, queued.recipients, queued.unrouted) == (3, 3, 1)  # lonely: nobody up its chain

    # The registry names a supervisor: what was never sent is queued then, as new.
    with store.transaction() as session:
        registry.apply(session, [LONELY.model_copy(update={"supervisors": ["xiang@example.org"]})], NOW)
    again = queue_alerts(store, settings(tmp_path), NOW + timedelta(hours=1))
    assert (again.new, again.unrouted) == (1, 0)
    assert ("xiang@example.org", "new", "UNDATED") in alerts(store)


# --- the digest ------------------------------------------------------------------------------------

def test_one_digest_per_recipient_grouped_by_agency_with_errors_first(store, tmp_path):
    report_id = stored_report(store, "weibin-office")
    evaluated(store, "weibin-office", BALANCE, NARRATIVE, BLANK, report_id=report_id)
    evaluated(store, "weibin", UNDATED)
    evaluated(store, "weibin-finance", UNDATED)
    mails = deliver(store, tmp_path)
    by_recipient = {m["To"]: m for m in mails}
    assert sorted(by_recipient) == ["city@example.org", "deputy@example.org", "finance@example.org"]
    city = by_recipient["city@example.org"]
    assert city["Subject"] == "【年报监测】2个单位 4项问题 2026-02-01"
    assert by_recipient["finance@example.org"]["Subject"] == "【年报监测】1个单位 1项问题 2026-02-01"
    text, html = bodies(city)
    # The agency with errors comes first, and within it the errors before the warning.
    assert text.index("卫滨区人民政府办公室") < text.index("■ 卫滨区人民政府（")
    office = text[text.index("卫滨区人民政府办公室"):text.index("■ 卫滨区人民政府（")]
    assert office.index("【错误】") < office.index("【警告】")
    assert office.rindex("【错误】") < office.index("【警告】")
    # What a supervisor needs to act: the message, expected and actual, the cells, the sentence, the report
    # link and the stored copy.
    for part in (text, html):
        assert "本年新收81加上年结转0" in part
        assert cell_label("applications", "new_received", "natural_person") in part
        assert "全年主动公开各类政务信息3351条" in part
        assert "https://www.example.gov.cn/weibin-office/2025.html" in part
        assert f"报告编号 {report_id}" in part and "monitor history weibin-office" in part
    assert "应为：81" in text and "实际：79" in text
    assert '<a href="https://www.weibin.gov.cn/2025.html"' in html
    assert "共 3 项：错误 2 项，警告 1 项" in html


def test_the_subject_and_date_are_in_the_configured_time_zone(store, tmp_path):
    early = datetime(2026, 2, 1, 7, 0, tzinfo=BEIJING)  # still 31 January in UTC
    evaluated(store, "weibin-finance", UNDATED)
    [beijing] = deliver(store, tmp_path, now=early)
    assert beijing["Subject"] == "【年报监测】1个单位 1项问题 2026-02-01" and beijing["Date"].endswith("+0800")
    evaluated(store, "weibin-finance", UNDATED, MISSING)
    queue_alerts(store, settings(tmp_path), early)
    send_alerts(store, Settings(mail={"outbox_dir": str(tmp_path / "outbox")}, schedule={"timezone": "UTC"},
                                base_dir=tmp_path), early)
    utc = sent_mails(tmp_path)[-1]
    assert utc["Subject"] == "【年报监测】1个单位 1项问题 2026-01-31" and utc["Date"].endswith("+0000")


def test_agency_supplied_text_never_becomes_markup(store, tmp_path):
    hostile = "<script>alert(1)</script>{{7*7}}\x1b[31m局\u202e"
    with store.transaction() as session:
        registry.apply(session, [BUREAU.model_copy(update={"name": hostile})], NOW)
    sentence = "共<img src=x onerror=alert(2)>10项{% raw %}\x07"
    evaluated(store, "weibin-finance", ("NARRATIVE-SUM", "error", "正文<b>加粗</b>{{ d.recipient }}",
                                        {"cells": [], "expected": 10, "actual": 12, "text": sentence,
                                         "url": "javascript:alert(3)"}))
    [mail] = deliver(store, tmp_path)
    text, html = bodies(mail)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}局" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>加粗</b>" not in html and "&lt;b&gt;加粗&lt;/b&gt;{{ d.recipient }}" in html
    assert 'href="javascript' not in html and "javascript:alert(3)" in html
    assert "<script>alert(1)</script>{{7*7}}局" in text and "{{ d.recipient }}" in text and "{% raw %}" in text
    for part in (text, html):
        assert not any(char in part for char in "\x1b\x07\u202e")


# --- never twice, again after the interval, resolved ---------------------------------------------

def test_no_finding_is_alerted_twice_across_queue_runs(store, tmp_path):
    evaluated(store, "weibin-finance", UNDATED)
    first = queue_alerts(store, settings(tmp_path), NOW)
    second = queue_alerts(store, settings(tmp_path), NOW + timedelta(minutes=5))  # still queued: not again
    assert (first.new, second.new, second.repeat) == (1, 0, 0)
    assert len(deliver(store, tmp_path, now=NOW + timedelta(minutes=10))) == 1
    evaluated(store, "weibin-finance", UNDATED, now=NOW + timedelta(days=1))  # seen again by a later crawl
    assert deliver(store, tmp_path, now=NOW + timedelta(days=1)) == []
    assert alerts(store) == [("finance@example.org", "new", "UNDATED")]


def test_an_open_finding_is_mailed_again_after_the_repeat_interval(store, tmp_path):
    evaluated(store, "weibin-finance", UNDATED)
    deliver(store, tmp_path, repeat_after_days=3)
    assert deliver(store, tmp_path, now=NOW + timedelta(days=2, hours=23), repeat_after_days=3) == []
    [again] = deliver(store, tmp_path, now=NOW + timedelta(days=3), repeat_after_days=3)
    text, _ = bodies(again)
    assert "（再次提醒）" in text and "报告没有标注发布日期" in text
    assert deliver(store, tmp_path, now=NOW + timedelta(days=4), repeat_after_days=3) == []
    assert [kind for _, kind, _ in alerts(store)] == ["new", "repeat"]


def test_a_resolved_finding_that_was_mailed_gets_one_resolved_notice(store, tmp_path):
    evaluated(store, "weibin-finance", MISSING, year=2024)
    deliver(store, tmp_path)
    evaluated(store, "weibin-finance", year=2024, rules={"MISSING"}, now=NOW + timedelta(days=1))  # resolved
    [notice] = deliver(store, tmp_path, now=NOW + timedelta(days=1))
    assert notice["Subject"] == "【年报监测】1个单位 1项已纠正 2026-02-02"
    text, html = bodies(notice)
    assert "已纠正的问题（1 项）" in text and "期限已过仍未发布年度报告" in text and "需要处理的问题（" not in text
    assert "【已纠正】卫滨区财政局 2024年度报告" in text and "已纠正" in html
    assert deliver(store, tmp_path, now=NOW + timedelta(days=2)) == []  # once
    assert sorted(kind for _, kind, rule in alerts(store) if rule == "MISSING") == ["new", "resolved"]


def test_a_finding_resolved_before_it_was_mailed_is_withdrawn_without_notice(store, tmp_path):
    evaluated(store, "weibin-finance", MISSING)
    queue_alerts(store, settings(tmp_path), NOW)
    evaluated(store, "weibin-finance", rules={"MISSING"})
    assert deliver(store, tmp_path) == []
    assert alerts(store) == []


# --- dismissed -------------------------------------------------------------------------------------

def _dismiss(store: Store, rule: str, until: date | None = None) -> None:
    with store.transaction() as session:
        finding = session.scalars(select(models.Finding).where(models.Finding.rule == rule)).one()
        stored_findings.triage(session, finding.id, FindingAction.DISMISS, "审计员甲", "栏目另有说明", NOW, until)


def test_a_dismissed_finding_is_never_mailed_until_its_dismissal_expires(store, tmp_path):
    evaluated(store, "weibin-finance", UNDATED)
    evaluated(store, "weibin-finance", MISSING, year=2024)
    _dismiss(store, "UNDATED", until=date(2026, 2, 10))
    [mail] = deliver(store, tmp_path)
    text, _ = bodies(mail)
    assert "期限已过仍未发布年度报告" in text and "报告没有标注发布日期" not in text
    assert deliver(store, tmp_path, now=NOW + timedelta(days=5)) == []
    [expired] = deliver(store, tmp_path, now=datetime(2026, 2, 11, 9, tzinfo=BEIJING))  # the day after `until`
    assert "报告没有标注发布日期（新发现）" in bodies(expired)[0]


def test_a_finding_dismissed_after_it_was_queued_is_not_mailed(store, tmp_path):
    evaluated(store, "weibin-finance", UNDATED)
    queue_alerts(store, settings(tmp_path), NOW)
    _dismiss(store, "UNDATED")
    assert send_alerts(store, settings(tmp_path), NOW).composed == 0
    assert sent_mails(tmp_path) == [] and alerts(store) == []


# --- inhibition ------------------------------------------------------------------------------------

@pytest.mark.parametrize("silencer", [MISSING, BLOCKED], ids=["MISSING", "SOURCE-BLOCKED"])
def test_missing_or_blocked_silences_the_other_rules_of_the_agency_year(store, tmp_path, silencer):
    report_id = stored_report(store, "weibin-finance")
    evaluated(store, "weibin-finance", BALANCE, NARRATIVE, report_id=report_id)
    evaluated(store, "weibin-finance", silencer, UNDATED)
    evaluated(store, "weibin-finance", UNDATED, year=2024)  # another year: not silenced
    queued = queue_alerts(store, settings(tmp_path), NOW)
    assert (queued.new, queued.inhibited) == (2, 3)
    assert sorted(rule for _, _, rule in alerts(store)) == sorted([silencer[0], "UNDATED"])
    # The silencer goes away: the rest is mailed then.
    evaluated(store, "weibin-finance", UNDATED, rules={silencer[0], "UNDATED"}, now=NOW + timedelta(days=1))
    later = queue_alerts(store, settings(tmp_path), NOW + timedelta(days=1))
    assert (later.new, later.inhibited) == (3, 0)


def test_an_unreadable_report_silences_its_table_rules(store, tmp_path):
    report_id = stored_report(store, "weibin-finance")
    evaluated(store, "weibin-finance", BALANCE, BLANK, NARRATIVE, report_id=report_id)
    with store.transaction() as session:  # a later version of the year that the reader refused
        session.add(models.CrawlLink(agency_id="weibin-finance", url_hash="u" * 64, url="https://x.gov.cn/2025.pdf",
                                     listing_url="https://x.gov.cn/nb/", title="2025年年度报告（更正）", year=2025,
                                     correction=True, status=LinkStatus.UNREADABLE.value, first_seen=NOW,
                                     last_seen=NOW))
    queued = queue_alerts(store, settings(tmp_path), NOW)
    assert (queued.new, queued.inhibited) == (1, 2)
    assert [rule for _, _, rule in alerts(store)] == ["NARRATIVE-SUM"]


def test_table_rules_without_a_stored_version_are_silenced(store, tmp_path):
    evaluated(store, "weibin-finance", BALANCE, NARRATIVE)
    queued = queue_alerts(store, settings(tmp_path), NOW)
    assert (queued.new, queued.inhibited) == (1, 1)


# --- reminders -------------------------------------------------------------------------------------

def test_agencies_without_a_report_are_reminded_before_their_deadline(store, tmp_path):
    before = datetime(2026, 1, 23, 9, tzinfo=BEIJING)  # departments: 31 January, 8 days ahead
    assert queue_alerts(store, settings(tmp_path, remind_days=7), before).reminders == 0
    stored_report(store, "weibin-office")  # published already: no reminder
    day = datetime(2026, 1, 24, 9, tzinfo=BEIJING)
    queued = queue_alerts(store, settings(tmp_path, remind_days=7), day)
    assert sorted(alerts(store)) == [("finance@example.org", "reminder", "reminder:weibin-finance")]
    assert (queued.reminders, queued.unrouted) == (1, 1)  # lonely (a township, 31 January): nobody to tell
    [mail] = deliver(store, tmp_path, now=day, remind_days=7)
    assert mail["Subject"] == "【年报监测】1个单位 1份年报即将到期 2026-01-24"
    text, html = bodies(mail)
    assert "即将到期、尚未发布的年度报告（1 份）" in text
    assert "卫滨区财政局" in text and "发布期限为 2026年1月31日，还有 7 天" in text and "还有" in html
    assert deliver(store, tmp_path, now=day + timedelta(days=1), remind_days=7) == []  # once per agency-year
    # The county government (20 February) is reminded through its parent, then not once its report is listed.
    county = datetime(2026, 2, 13, 9, tzinfo=BEIJING)
    queue_alerts(store, settings(tmp_path, remind_days=7), county)
    assert ("city@example.org", "reminder", "reminder:weibin") in alerts(store)
    with store.transaction() as session:
        session.add(models.CrawlLink(agency_id="weibin", url_hash="w" * 64, url="https://x.gov.cn/2025.html",
                                     listing_url="https://x.gov.cn/nb/", title="2025年年度报告", year=2025,
                                     status=LinkStatus.PENDING.value, first_seen=county, last_seen=county))
    queue_alerts(store, settings(tmp_path, remind_days=7), county)
    assert not [a for a in alerts(store) if a[2] == "reminder:weibin"]  # withdrawn before it was mailed


def test_no_reminders_when_remind_days_is_zero(store, tmp_path):
    day = datetime(2026, 1, 31, 9, tzinfo=BEIJING)
    assert queue_alerts(store, settings(tmp_path, remind_days=0), day).reminders == 0
    assert queue_alerts(store, settings(tmp_path, remind_days=1), day).reminders == 3  # office (2), finance (1)
