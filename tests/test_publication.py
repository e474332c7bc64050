"""The publication rules (LATE, MISSING, UNDATED, REMOVED, SOURCE-BLOCKED, SOURCE-DOWN) on the records
of one agency-year: pure, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from monitor.report import BEIJING
from rules.publication import FirstVersion, Listing, Publication, Removed, evaluate_publication


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


LISTING = Listing("http://127.0.0.2/zfxxgknb/", first_ok=at("2025-01-05T07:00"), last_ok=at("2025-03-01T07:00"))
BASE = Publication(agency_name="某某区发展和改革局", kind="department", year=2024, deadline=date(2025, 1, 31),
                   statutory=date(2025, 1, 31), now=at("2025-03-01T08:00"), listings=(LISTING,))


def rules(subject: Publication) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in evaluate_publication(subject):
        found.setdefault(finding.rule, []).append(finding)
    return found


def first(published: str | None, seen: str = "2025-02-10T07:00", source: str = "meta:pubdate") -> FirstVersion:
    return FirstVersion("http://127.0.0.2/r.html", at(seen), at(published) if published else None,
                        source if published else None, 1)


def test_a_report_published_on_the_deadline_day_is_on_time() -> None:
    assert rules(replace(BASE, first=first("2025-01-31T23:59"))) == {}


def test_a_report_published_after_the_deadline_is_late_by_so_many_days() -> None:
    found = rules(replace(BASE, first=first("2025-02-03T10:00")))
    (late,) = found["LATE"]
    assert "2025年2月3日发布" in late.message
    assert "晚于2025年1月31日的发布期限3天" in late.message
    assert "也超过了《条例》规定的最迟期限" in late.message
    assert late.evidence["expected"] == "2025-01-31" and late.evidence["actual"] == "2025-02-03"
    assert late.evidence["days_late"] == 3 and late.evidence["date_source"] == "meta:pubdate"


def test_an_earlier_override_missed_says_the_statutory_limit_was_kept() -> None:
    subject = replace(BASE, deadline=date(2025, 1, 20), first=first("2025-01-25T10:00"))
    (late,) = rules(subject)["LATE"]
    assert "晚于2025年1月20日的发布期限5天" in late.message
    assert "未超过《条例》规定的最迟期限2025年1月31日" in late.message


def test_the_day_is_taken_in_beijing_time() -> None:
    # 2025-01-31 20:00 UTC is 1 February in Beijing: one day late
    utc = datetime.fromisoformat("2025-01-31T20:00:00+00:00")
    subject = replace(BASE, first=FirstVersion("u", at("2025-02-10T00:00"), utc, "meta:pubdate", 1))
    assert rules(subject)["LATE"][0].evidence["actual"] == "2025-02-01"


def test_an_undated_report_is_judged_on_first_seen_only_when_the_monitor_watched_before_the_deadline() -> None:
    watched = replace(BASE, first=first(None, seen="2025-02-10T07:00"))
    found = rules(watched)
    assert set(found) == {"LATE", "UNDATED"}
    assert "按监测首次发现的日期计" in found["LATE"][0].message
    late_start = replace(watched, listings=(replace(LISTING, first_ok=at("2025-02-10T07:00")),))
    assert set(rules(late_start)) == {"UNDATED"}  # the first look came after the deadline: says nothing


def test_missing_needs_a_listing_read_after_the_deadline() -> None:
    (missing,) = rules(BASE)["MISSING"]
    assert "发布期限2025年1月31日已过" in missing.message and "仍未找到该报告" in missing.message
    read_before = replace(BASE, listings=(replace(LISTING, last_ok=at("2025-01-31T07:00")),))
    assert "MISSING" not in rules(read_before)
    before_deadline = replace(BASE, now=at("2025-01-31T20:00"))
    assert "MISSING" not in rules(before_deadline)
    assert "MISSING" not in rules(replace(BASE, listed=True))  # a link was found (unreadable or not fetched)
    assert "MISSING" not in rules(replace(BASE, listings=()))  # no listing: the monitor cannot know


def test_a_blocked_listing_raises_source_blocked_and_never_missing() -> None:
    blocked = replace(LISTING, block_kind="challenge", error="HTTP 412 challenge")
    found = rules(replace(BASE, listings=(blocked,)))
    assert set(found) == {"SOURCE-BLOCKED"}
    assert "反爬虫验证" in found["SOURCE-BLOCKED"][0].message
    # another listing read fine does not make the block a "not published"
    assert "MISSING" not in rules(replace(BASE, listings=(LISTING, blocked)))


def test_source_rules_speak_for_the_awaited_year_only() -> None:
    blocked = replace(LISTING, block_kind="soft-404")
    assert rules(replace(BASE, listings=(blocked,), current=False)) == {}


def test_source_down_after_n_consecutive_failures() -> None:
    failing = replace(LISTING, failures=2, error="连接超时")
    assert "SOURCE-DOWN" not in rules(replace(BASE, listings=(failing,)))
    (down,) = rules(replace(BASE, listings=(replace(failing, failures=3),)))["SOURCE-DOWN"]
    assert "已连续3次无法访问" in down.message and "连接超时" in down.message


def test_removed_reports_are_each_a_finding() -> None:
    gone = (Removed("http://127.0.0.2/a.html", "某某区2024年政府信息公开工作年度报告", at("2025-03-01T07:00"),
                    "网页返回 HTTP 404"),)
    (removed,) = rules(replace(BASE, first=first("2025-01-20T00:00"), removed=gone))["REMOVED"]
    assert "已从网站撤下（网页返回 HTTP 404" in removed.message and removed.evidence["url"] == gone[0].url


def test_revised_keeps_the_text_diff_of_the_changed_paragraphs(corpus_dir) -> None:
    from monitor.pipeline import read
    from rules import Context, evaluate

    data = (corpus_dir / "weibin-office-2025.txt").read_text(encoding="utf-8")
    before = read(data.encode(), "v1.txt")
    changed = data.replace("构建“科室初审、办公室复审、分管领导终审”三级审核体系", "构建两级审核体系")
    assert changed != data
    after = read(changed.encode(), "v2.txt")
    (revised,) = [f for f in evaluate(after, Context(previous_version=before), ("history",)) if f.rule == "REVISED"]
    assert "表格数值未变，正文有1处改动" in revised.message
    (change,) = revised.evidence["paragraphs"]
    assert change["section"] == "overview"
    assert "三级审核体系" in change["before"] and "两级审核体系" in change["after"]
