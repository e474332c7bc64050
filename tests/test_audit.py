"""The auditors' commands through the real CLI, on SQLite and PostgreSQL: reports, findings (list,
confirm, dismiss), history, export; and every example query of docs/schema.md."""

from __future__ import annotations

import csv
import getpass
import hashlib
import importlib.util
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.cli_audit import display_width, render_table
from monitor.config import load_settings
from monitor.errors import InputError
from monitor.pipeline import ingest
from monitor.report import BEIJING
from monitor.store import Store, audit, models, registry
from monitor.store import findings as stored_findings
from monitor.store.database import MIGRATIONS, make_engine, upgrade
from monitor.template import all_cells, cell_label

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DOC = ROOT / "docs" / "schema.md"
NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)  # 17:00 in Beijing
PINGTAN_SEEN = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
OFFSET = timedelta(hours=8)

REGISTRY = """
[[agency]]
id = "weibin"
name = "卫滨区人民政府"
kind = "government"
level = "county"
region = "河南省/新乡市/卫滨区"
supervisors = ["gkb@example.org"]

[[agency]]
id = "weibin-office"
name = "卫滨区人民政府办公室"
kind = "department"
region = "河南省/新乡市/卫滨区"
parent = "weibin"

[[agency]]
id = "pingtan"
name = "平潭综合实验区"
kind = "government"
level = "prefecture"
region = "福建省/平潭综合实验区"

[[agency]]
id = "pingtan-bureau"
name = "平潭综合实验区某局"
kind = "department"
region = "福建省/平潭综合实验区"
"""


def _revision(seed: bytes) -> bytes:
    """A consistent correction of the seed: one request moved from 3.其他 to 4.保护第三方 (two cells
    of each row change; the narrative finding stays)."""
    changed = seed.replace("4.保护第三方合法权益\t1\t0\t0\t0\t1".encode(),
                           "4.保护第三方合法权益\t2\t0\t0\t0\t2".encode())
    changed = changed.replace("3.其他\t48\t0\t0\t0\t48".encode(), "3.其他\t47\t0\t0\t0\t47".encode())
    assert changed != seed
    return changed


class Env:
    """A populated database and a monitor.toml pointing at it; `run` invokes the real CLI."""

    def __init__(self, url: str, tmp_path: Path, corpus: Path) -> None:
        self.url, self.tmp = url, tmp_path
        self.config = tmp_path / "monitor.toml"
        self.config.write_text(f'[database]\nurl = "{url}"\n{REGISTRY}', encoding="utf-8")
        self.store = Store(make_engine(url))
        self.engine = self.store.engine
        upgrade(self.engine)
        with self.store.transaction() as session:
            registry.apply(session, load_settings(self.config).agency, NOW)
        self.seed = (corpus / "weibin-office-2025.txt").read_bytes()
        self.html = (corpus / "pingtan-2024.html").read_bytes()
        self.html_location = "https://www.pingtan.gov.cn/zwgk/ndbg/t20250310_97791.html"
        for year in (2023, 2024):
            self.ingest("weibin-office", self.seed.replace(b"2025", str(year).encode()), f"weibin-{year}.txt",
                        NOW - timedelta(days=365 * (2025 - year)))
        self.ingest("weibin-office", self.seed, "weibin-2025.txt", NOW)
        self.ingest("weibin-office", _revision(self.seed), "weibin-2025-v2.txt", NOW + timedelta(days=3))
        self.ingest("pingtan", self.html, self.html_location, PINGTAN_SEEN)
        self.ingest("pingtan-bureau", self.html, self.html_location, PINGTAN_SEEN)

    def ingest(self, agency: str, data: bytes, location: str, now: datetime):
        return ingest(self.store, agency, location, data=data, now=now)

    def run(self, *args: str, code: int = 0, env: dict[str, str] | None = None):
        result = CliRunner().invoke(main, [*args, "--config", str(self.config)], catch_exceptions=False, env=env)
        assert result.exit_code == code, (args, result.output)
        return result

    def json(self, *args: str):
        return json.loads(self.run(*args, "--format", "json").stdout)

    def finding(self, rule: str, year: int = 2025, agency: str = "weibin-office") -> models.Finding:
        with self.store.reading() as session:  # the finding is used after the session: still loaded
            return session.scalars(select(models.Finding).filter_by(rule=rule, year=year, agency_id=agency)).one()


@pytest.fixture
def env(database_url, tmp_path, corpus_dir):
    environment = Env(database_url, tmp_path, corpus_dir)
    yield environment
    environment.store.close()


def _is_beijing_iso(value: str) -> bool:
    parsed = datetime.fromisoformat(value)
    return parsed.utcoffset() == OFFSET and value.endswith("+08:00")


# --- monitor reports -------------------------------------------------------------------------------

def test_reports_json_has_the_spec_shape_and_values(env):
    rows = env.json("reports")
    assert [(r["agency"], r["year"], r["version"]) for r in rows] == [
        ("pingtan", 2024, 1), ("pingtan-bureau", 2024, 1),
        ("weibin-office", 2023, 1), ("weibin-office", 2024, 1), ("weibin-office", 2025, 1), ("weibin-office", 2025, 2)]
    for row in rows:
        assert set(audit.REPORT_KEYS) <= set(row)
        assert list(row)[:len(audit.REPORT_KEYS)] == list(audit.REPORT_KEYS)
        assert _is_beijing_iso(row["first_seen"])
        assert row["published"] is None or _is_beijing_iso(row["published"])
    pingtan, bureau = rows[0], rows[1]
    assert pingtan == pingtan | {
        "url": env.html_location, "published": "2025-03-10T15:35:00+08:00", "first_seen": "2025-03-11T10:00:00+08:00",
        "template": "2021", "sha256": hashlib.sha256(env.html).hexdigest(), "agency_name": "平潭综合实验区",
        "published_source": "meta:pubdate", "deadline": "2025-03-10", "on_time": True, "is_latest": True}
    assert (bureau["deadline"], bureau["on_time"]) == ("2025-01-31", False)  # a department: 31 January
    v1, v2 = rows[4], rows[5]
    assert v1["first_seen"] == "2026-02-01T17:00:00+08:00" and v1["published"] is None and v1["on_time"] is None
    assert v1["sha256"] == hashlib.sha256(env.seed).hexdigest() and v1["url"] == "weibin-2025.txt"
    assert (v1["is_latest"], v2["is_latest"]) == (False, True)
    assert v2["first_seen"] == "2026-02-04T17:00:00+08:00"


def test_reports_filters(env):
    def keys(*args):
        return [(r["agency"], r["year"], r["version"]) for r in env.json("reports", *args)]

    assert keys("--agency", "weibin-office", "--year", "2025") == [("weibin-office", 2025, 1),
                                                                   ("weibin-office", 2025, 2)]
    assert keys("--year", "2024") == [("pingtan", 2024, 1), ("pingtan-bureau", 2024, 1), ("weibin-office", 2024, 1)]
    assert keys("--since", "2026-02-02") == [("weibin-office", 2025, 2)]
    assert keys("--since", "2026-02-01T17:00:00+08:00") == [("weibin-office", 2025, 1), ("weibin-office", 2025, 2)]
    assert ("weibin-office", 2025, 1) not in keys("--latest") and len(keys("--latest")) == 5
    assert keys("--agency", "nobody") == []
    result = env.run("reports", "--since", "yesterday", code=2)
    assert "--since" in result.stderr


def test_reports_csv_and_table(env):
    rows = env.json("reports")
    text = env.run("reports", "--format", "csv").stdout
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0])[:len(audit.REPORT_KEYS)] == list(audit.REPORT_KEYS)
    assert len(parsed) == len(rows)
    for row, json_row in zip(parsed, rows, strict=True):
        for key in audit.REPORT_KEYS:
            expected = json_row[key]
            assert row[key] == ("" if expected is None else str(expected)), key
    assert parsed[1]["on_time"] == "false" and parsed[0]["on_time"] == "true"
    table = env.run("reports", env={"COLUMNS": "100"}).stdout
    assert "机关" in table and "发布日期" in table and "pingtan" in table and "共 6 个版本" in table
    assert "2025-03-10" in table and "meta:pubdate" in table
    assert all(display_width(line) <= 100 for line in table.splitlines())


# --- monitor findings ------------------------------------------------------------------------------

def test_findings_json_has_the_spec_shape_and_values(env):
    rows = env.json("findings", "--now", "2026-02-10T12:00:00+08:00")
    with env.store.reading() as session:
        stored = {f.id: (f.agency_id, f.year, f.rule, f.severity, f.status, f.message, f.evidence, f.first_seen)
                  for f in session.scalars(select(models.Finding))}
    assert {r["id"] for r in rows} == set(stored)
    for row in rows:
        assert list(row)[:len(audit.FINDING_KEYS)] == list(audit.FINDING_KEYS)
        assert {"confirmed", "triaged_by", "triage_reason", "dismissed_until", "dismissal_expired"} <= set(row)
        assert row["dismissal_expired"] is False
        assert _is_beijing_iso(row["first_seen"]) and _is_beijing_iso(row["last_seen"])
        *finding, first_seen = stored[row["id"]]
        assert [row["agency"], row["year"], row["rule"], row["severity"], row["status"], row["message"],
                row["evidence"]] == finding
        assert datetime.fromisoformat(row["first_seen"]) == first_seen
    [narrative] = [r for r in rows if r["rule"] == "NARRATIVE-SUM" and r["year"] == 2025]
    assert narrative | {"agency": "weibin-office", "severity": "error", "status": "open",
                        "first_seen": "2026-02-01T17:00:00+08:00", "last_seen": "2026-02-04T17:00:00+08:00",
                        "confirmed": False, "triaged_by": None, "report_version": 2} == narrative
    assert (narrative["evidence"]["expected"], narrative["evidence"]["actual"]) == (3351, 3652)
    [revised] = [r for r in rows if r["rule"] == "REVISED"]
    assert revised["severity"] == "warning" and revised["status"] == "open"


def test_findings_filters(env):
    def ids(*args):
        return {(r["agency"], r["year"], r["rule"]) for r in env.json("findings", *args)}

    rows = env.json("findings")
    everything = ids()
    assert ids("--rule", "NARRATIVE-SUM") == {("weibin-office", y, "NARRATIVE-SUM") for y in (2023, 2024, 2025)}
    assert ids("--rule", "narrative-sum") == ids("--rule", "NARRATIVE-SUM")
    for severity in ("error", "warning"):
        assert ids("--severity", severity) == {(r["agency"], r["year"], r["rule"]) for r in rows
                                               if r["severity"] == severity}
    assert ("weibin-office", 2025, "REVISED") in ids("--severity", "warning")
    assert ("weibin-office", 2025, "NARRATIVE-SUM") in ids("--severity", "error", "--agency", "weibin-office")
    assert {f[1] for f in ids("--year", "2024")} == {2024}
    assert ids("--agency", "pingtan") == set()
    # The 平潭综合实验区 report filed under another agency: a warning, and its only finding.
    assert ids("--agency", "pingtan-bureau") == {("pingtan-bureau", 2024, "AGENCY-MISMATCH")}
    assert ids("--since", "2026-02-02") == {("weibin-office", 2025, "REVISED")}
    assert ids("--status", "resolved") == set()
    assert ids("--status", "open") == everything
    result = env.run("findings", "--status", "bogus", code=2)
    assert "bogus" in result.output
    result = env.run("findings", "--rule", "NO-SUCH-RULE", code=2)  # a typo is refused, not an empty list
    assert "没有规则 NO-SUCH-RULE" in result.stderr and result.stdout == ""


def test_findings_csv_and_table(env):
    rows = env.json("findings")
    parsed = list(csv.DictReader(io.StringIO(env.run("findings", "--format", "csv").stdout)))
    assert list(parsed[0])[:len(audit.FINDING_KEYS)] == list(audit.FINDING_KEYS)
    assert [int(r["id"]) for r in parsed] == [r["id"] for r in rows]
    for row, json_row in zip(parsed, rows, strict=True):
        assert json.loads(row["evidence"]) == json_row["evidence"]
        assert (row["message"], row["first_seen"], row["status"]) == (
            json_row["message"], json_row["first_seen"], json_row["status"])
    table = env.run("findings", env={"COLUMNS": "110"}).stdout
    assert "NARRATIVE-SUM" in table and "错误" in table and "未解决" in table and "问题说明" in table
    assert all(display_width(line) <= 110 for line in table.splitlines())
    assert "没有符合条件的问题" in env.run("findings", "--agency", "pingtan").stdout


# --- confirm and dismiss ---------------------------------------------------------------------------

def test_confirm(env):
    finding = env.finding("NARRATIVE-SUM")
    result = env.run("findings", "confirm", str(finding.id), "--reason", "3351 与分项之和不符", "--by", "审计员乙",
                     "--now", "2026-02-10T09:00:00+08:00")
    assert f"#{finding.id}" in result.stdout and "已确认" in result.stdout
    [row] = env.json("findings", "--rule", "NARRATIVE-SUM", "--year", "2025")
    assert row | {"status": "open", "confirmed": True, "triaged_by": "审计员乙",
                  "triage_reason": "3351 与分项之和不符", "dismissed_until": None} == row
    # The default actor is the OS user; options may also be given to the group.
    CliRunner().invoke(main, ["findings", "--config", str(env.config), "confirm", str(finding.id), "--reason", "复核"],
                       catch_exceptions=False)
    assert env.finding("NARRATIVE-SUM").triaged_by == getpass.getuser()


def test_dismiss_survives_reingest_and_expires_after_until(env):
    finding = env.finding("NARRATIVE-SUM")
    result = env.run("findings", "dismiss", str(finding.id), "--reason", "会议场次不计入信息条数",
                     "--until", "2026-03-01", "--by", "审计员甲", "--now", "2026-02-10T09:00:00+08:00")
    assert "已忽略至 2026-03-01" in result.stdout
    # A new version that still shows the problem: the finding stays dismissed.
    third = env.ingest("weibin-office", _revision(env.seed).replace("主动公开".encode(), "主动公开了".encode(), 1),
                       "weibin-2025-v3.txt", NOW + timedelta(days=12))
    assert third.version == 3
    [row] = env.json("findings", "--rule", "NARRATIVE-SUM", "--year", "2025", "--now", "2026-02-20T09:00:00+08:00")
    assert row["last_seen"] == "2026-02-13T17:00:00+08:00"
    assert row | {"status": "dismissed", "triaged_by": "审计员甲", "triage_reason": "会议场次不计入信息条数",
                  "dismissed_until": "2026-03-01", "confirmed": False} == row
    [row] = env.json("findings", "--status", "dismissed", "--now", "2026-03-01T23:59:00+08:00")
    assert row["id"] == finding.id and row["dismissal_expired"] is False
    # The day after --until (Beijing time), the finding reads as open again; listing writes nothing.
    assert env.json("findings", "--status", "dismissed", "--now", "2026-03-02T00:30:00+08:00") == []
    [row] = env.json("findings", "--rule", "NARRATIVE-SUM", "--year", "2025", "--now", "2026-03-02T00:30:00+08:00")
    assert row["status"] == "open" and row["triaged_by"] == "审计员甲" and row["dismissal_expired"] is True
    assert row["dismissed_until"] == "2026-03-01"
    assert [r["id"] for r in env.json("findings", "--status", "open", "--rule", "NARRATIVE-SUM", "--year", "2025",
                                      "--now", "2026-03-02T00:30:00+08:00")] == [finding.id]
    [year] = env.json("history", "weibin-office", "--year", "2025", "--now", "2026-03-02T00:30:00+08:00")["years"]
    [listed] = [f for f in year["findings"] if f["id"] == finding.id]
    assert (listed["status"], listed["dismissal_expired"]) == ("open", True)
    events = [e for e in year["events"] if e["finding_id"] == finding.id]
    assert [e["action"] for e in events] == ["opened", "dismiss"]
    assert events[1]["actor"] == "审计员甲" and "会议场次不计入信息条数" in events[1]["reason"]
    assert events[1]["at"] == "2026-02-10T09:00:00+08:00"
    assert env.finding("NARRATIVE-SUM").status == "dismissed"  # the table still says dismissed
    # A writing command writes the expiry back, at its (real) time, and the trail says why.
    with env.store.transaction() as session:
        assert stored_findings.expire_dismissals(session, datetime(2026, 3, 2, 0, 30, tzinfo=BEIJING)) == 1
    assert env.finding("NARRATIVE-SUM").status == "open"
    events = [e for e in env.json("history", "weibin-office", "--year", "2025")["years"][0]["events"]
              if e["finding_id"] == finding.id]
    assert [e["action"] for e in events] == ["opened", "dismiss", "dismissal-expired"]
    assert events[2]["at"] == "2026-03-02T00:30:00+08:00" and "2026-03-01" in events[2]["reason"]
    [row] = env.json("findings", "--rule", "NARRATIVE-SUM", "--year", "2025", "--now", "2026-03-02T00:30:00+08:00")
    assert (row["status"], row["dismissal_expired"]) == ("open", False)


def test_dismiss_without_until_and_default_actor(env):
    finding = env.finding("REVISED")
    env.run("findings", "dismiss", str(finding.id), "--reason", "只改了错别字")
    [row] = env.json("findings", "--rule", "REVISED", "--now", "2030-01-01T00:00:00+08:00")
    assert row["status"] == "dismissed" and row["dismissed_until"] is None
    assert row["triaged_by"] == getpass.getuser()


def test_triage_errors_are_one_line(env):
    for action in ("confirm", "dismiss"):
        result = env.run("findings", action, "99999", "--reason", "x", code=2)
        assert result.stderr.strip() == f"monitor findings {action}: 没有编号为 99999 的问题"
        assert result.stdout == ""
    finding = env.finding("NARRATIVE-SUM")
    assert "--reason" in env.run("findings", "confirm", str(finding.id), code=2).output  # required
    assert "不能为空" in env.run("findings", "confirm", str(finding.id), "--reason", "  ", code=2).stderr
    result = env.run("findings", "dismiss", str(finding.id), "--reason", "x", "--until", "2026-01-01",
                     "--now", "2026-02-10T09:00:00+08:00", code=2)
    assert "已经过去" in result.stderr
    assert "%Y-%m-%d" in env.run("findings", "dismiss", str(finding.id), "--reason", "x", "--until", "3/1",
                                   code=2).output
    assert env.finding("NARRATIVE-SUM").status == "open" and env.finding("NARRATIVE-SUM").triaged_by is None


# --- monitor history -------------------------------------------------------------------------------

def test_history_json(env):
    data = env.json("history", "weibin-office")
    assert data["agency"] | {"id": "weibin-office", "name": "卫滨区人民政府办公室", "kind": "department",
                             "region": "河南省/新乡市/卫滨区", "parent": "weibin"} == data["agency"]
    assert [y["year"] for y in data["years"]] == [2023, 2024, 2025]
    year = data["years"][2]
    assert [v["version"] for v in year["versions"]] == [1, 2]
    assert year["deadline"] == "2026-01-31" and year["on_time"] is None
    assert {f["rule"] for f in year["findings"]} >= {"NARRATIVE-SUM", "REVISED", "TEXT-REUSE"}
    assert all(f["year"] == 2025 and f["agency"] == "weibin-office" for f in year["findings"])
    actions = [(e["rule"], e["action"], e["report_version"]) for e in year["events"]]
    assert ("NARRATIVE-SUM", "opened", 1) in actions and ("REVISED", "opened", 2) in actions
    assert all(_is_beijing_iso(e["at"]) for e in year["events"])
    pingtan = env.json("history", "pingtan")["years"]
    assert len(pingtan) == 1 and pingtan[0]["first_published"] == "2025-03-10T15:35:00+08:00"
    dates = pingtan[0]["versions"][0]["dates"]
    assert {(d["source"], d["value"]) for d in dates} == {("meta:pubdate", "2025-03-10T15:35:00+08:00"),
                                                         ("url", "2025-03-10T00:00:00+08:00")}
    assert [y["year"] for y in env.json("history", "weibin-office", "--year", "2024")["years"]] == [2024]
    only = env.json("history", "weibin-office", "--rule", "REVISED")["years"]
    assert {f["rule"] for y in only for f in y["findings"]} == {"REVISED"}
    assert env.json("history", "weibin")["years"] == []


def test_history_agency_option_since_and_csv(env):
    data = env.json("history", "weibin-office")
    assert env.json("history", "--agency", "weibin-office") == data
    assert "请给出一个机关编号" in env.run("history", code=2).stderr
    assert "请给出一个机关编号" in env.run("history", "weibin-office", "--agency", "pingtan", code=2).stderr
    # --since keeps the versions and findings first seen, and the events, on or after it.
    [year] = env.json("history", "weibin-office", "--since", "2026-02-02")["years"]
    assert year["year"] == 2025 and [v["version"] for v in year["versions"]] == [2]
    assert {f["rule"] for f in year["findings"]} == {"REVISED"}
    assert [(e["rule"], e["action"], e["report_version"]) for e in year["events"]] == [("REVISED", "opened", 2)]
    # CSV: one row per version stored and per finding event, oldest first.
    rows = list(csv.DictReader(io.StringIO(env.run("history", "weibin-office", "--format", "csv").stdout)))
    assert tuple(rows[0]) == audit.TIMELINE_KEYS
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert [(r["year"], r["version"], r["detail"]) for r in rows if r["event"] == "stored"] == [
        ("2023", "1", "weibin-2023.txt"), ("2024", "1", "weibin-2024.txt"), ("2025", "1", "weibin-2025.txt"),
        ("2025", "2", "weibin-2025-v2.txt")]
    events = [(int(r["year"]), int(r["finding_id"]), r["event"]) for r in rows if r["event"] != "stored"]
    assert events == [(y["year"], e["finding_id"], e["action"]) for y in data["years"] for e in y["events"]]
    messages = {f["id"]: f["message"] for y in data["years"] for f in y["findings"]}
    assert all(r["detail"] == messages[int(r["finding_id"])] for r in rows if r["event"] != "stored")
    assert [r["version"] for r in rows if r["rule"] == "REVISED"] == ["2"]


def test_history_table_and_unknown_agency(env):
    finding = env.finding("NARRATIVE-SUM")
    env.run("findings", "dismiss", str(finding.id), "--reason", "会议场次", "--by", "审计员甲", "--until", "2026-03-01",
            "--now", "2026-02-10T09:00:00+08:00")
    text = env.run("history", "weibin-office", "--now", "2026-02-11T09:00:00+08:00", env={"COLUMNS": "120"}).stdout
    assert "卫滨区人民政府办公室（weibin-office）" in text and "== 2025年度" in text and "== 2023年度" in text
    assert "截止 2026-01-31" in text and "NARRATIVE-SUM" in text and "已忽略" in text and "审计员甲" in text
    assert "记录：" in text and "忽略" in text
    pingtan = env.run("history", "pingtan").stdout
    assert "meta:pubdate 2025-03-10 15:35" in pingtan and "按时" in pingtan
    assert "逾期" in env.run("history", "pingtan-bureau").stdout
    result = env.run("history", "nobody", code=2)
    assert result.stderr.strip() == "monitor history: 登记册中没有机关 nobody"


# --- monitor export --------------------------------------------------------------------------------

def _stored_cells(env) -> dict[tuple, float | None]:
    with env.store.reading() as session:
        rows = session.execute(
            select(models.Report.agency_id, models.Report.year, models.Report.version, models.ReportValue.table_key,
                   models.ReportValue.row_key, models.ReportValue.field_key, models.ReportValue.value)
            .join(models.ReportValue, models.ReportValue.report_id == models.Report.id))
        return {tuple(row[:6]): row[6] for row in rows}


def _check_export_rows(env, rows: list[tuple]) -> None:
    stored = _stored_cells(env)
    assert len(rows) == len(stored) == 6 * len(all_cells())
    names = {"weibin-office": ("卫滨区人民政府办公室", "河南省/新乡市/卫滨区"),
             "pingtan": ("平潭综合实验区", "福建省/平潭综合实验区"),
             "pingtan-bureau": ("平潭综合实验区某局", "福建省/平潭综合实验区")}
    seen = set()
    for agency, name, region, year, version, published, table, row, field, label, value in rows:
        key = (agency, int(year), int(version), table, row, field)
        assert key not in seen
        seen.add(key)
        assert (name, region) == names[agency]
        assert label == cell_label(table, row, field)
        expected = stored[key]
        if expected is None:
            assert value in (None, "")
        else:
            assert float(value) == expected, key
        assert (published or None) == ("2025-03-10T15:35:00+08:00" if agency.startswith("pingtan") else None)
    assert seen == set(stored)
    # Within a version the cells follow the template.
    first = [(r[6], r[7], r[8]) for r in rows[:len(all_cells())]]
    assert first == list(all_cells())


def test_export_csv_round_trips_every_value(env):
    output = env.tmp / "out.csv"
    result = env.run("export", "--output", str(output))
    assert f"已导出 {6 * len(all_cells())} 个单元格" in result.stdout
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    assert tuple(header) == audit.EXPORT_HEADER
    _check_export_rows(env, [tuple(r) for r in reader])
    # A value the document left blank is an empty field, not 0.
    with env.store.transaction() as session:
        report_id = session.scalar(select(models.Report.id).where(models.Report.agency_id == "pingtan"))
        session.execute(sa.update(models.ReportValue).where(
            models.ReportValue.report_id == report_id, models.ReportValue.row_key == "fees").values(value=None))
        session.execute(sa.update(models.ReportValue).where(
            models.ReportValue.report_id == report_id, models.ReportValue.row_key == "licensing").values(value=12.5))
    env.run("export", "--output", str(output), "--force", "--agency", "pingtan")
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))[1:]
    assert len(rows) == len(all_cells())
    by_row = {r[7]: r[10] for r in rows}
    assert by_row["fees"] == "" and by_row["licensing"] == "12.5"


def test_export_xlsx_round_trips_every_value(env, monkeypatch):
    output = env.tmp / "out.xlsx"
    env.run("export", "--format", "xlsx", "--output", str(output))
    workbook = openpyxl.load_workbook(output, read_only=True)
    assert workbook.sheetnames == ["历史数据"]
    rows = list(workbook["历史数据"].iter_rows(values_only=True))
    assert rows[0] == audit.EXPORT_HEADER
    _check_export_rows(env, [tuple(r) for r in rows[1:]])
    assert isinstance(rows[1][3], int) and isinstance(rows[1][10], int)  # year and whole numbers as numbers
    workbook.close()
    # Past Excel's row limit the rows continue on further sheets, each with the header.
    monkeypatch.setattr(audit, "XLSX_MAX_ROWS", 500)
    env.run("export", "--output", str(output), "--force")  # the format follows the suffix
    workbook = openpyxl.load_workbook(output, read_only=True)
    sheets = [list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames]
    assert workbook.sheetnames[:2] == ["历史数据", "历史数据 (2)"] and len(sheets) == 3
    assert all(s[0] == audit.EXPORT_HEADER and len(s) <= 500 for s in sheets)
    _check_export_rows(env, [tuple(r) for s in sheets for r in s[1:]])
    workbook.close()


def test_export_refuses_to_overwrite_and_default_names(env, monkeypatch):
    monkeypatch.chdir(env.tmp)
    env.run("export")
    env.run("export", "--format", "xlsx")
    assert (env.tmp / "history.csv").exists() and (env.tmp / "history.xlsx").exists()
    before = (env.tmp / "history.csv").read_bytes()
    result = env.run("export", code=2)
    assert result.stderr.strip() == "monitor export: history.csv 已存在；加 --force 覆盖"
    assert "--force" in env.run("export", "--format", "xlsx", code=2).stderr
    assert (env.tmp / "history.csv").read_bytes() == before
    env.run("export", "--force", "--year", "2023")
    assert len((env.tmp / "history.csv").read_text(encoding="utf-8-sig").splitlines()) == 1 + len(all_cells())
    assert "不存在" in env.run("export", "--output", str(env.tmp / "no" / "such" / "dir.csv"), code=2).stderr
    assert not [p for p in env.tmp.iterdir() if p.name.endswith(".part")]


def test_export_rows_stream_in_batches(env):
    """The export reads through the database cursor in batches, not all rows at once."""
    with env.store.reading() as session:
        rows = audit.export_rows(session, batch=7)
        first = next(rows)
        assert first[:5] == ("pingtan", "平潭综合实验区", "福建省/平潭综合实验区", 2024, 1)
        assert sum(1 for _ in rows) == 6 * len(all_cells()) - 1


# --- docs/schema.md --------------------------------------------------------------------------------

def _doc_queries() -> list[tuple[str, str]]:
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    return [(info.strip(), sql.strip()) for info, sql in re.findall(r"^```sql([^\n]*)\n(.*?)^```", text,
                                                                         re.DOTALL | re.MULTILINE)]


def test_schema_doc_queries_run_and_answer(env):
    # A dismissed finding, so that the triage example has something to show.
    env.run("findings", "dismiss", str(env.finding("REVISED").id), "--reason", "只改了错别字", "--by", "审计员甲")
    with pytest.raises(InputError) as refused:  # and a document kept as unreadable
        env.ingest("weibin-office", b"%PDF-1.7\n garbage", "https://www.weibin.gov.cn/scan.pdf", NOW)
    [unreadable] = env.json("history", "weibin-office")["unreadable"]
    assert (unreadable["url"], unreadable["reason"]) == ("https://www.weibin.gov.cn/scan.pdf", str(refused.value))
    assert "无法读取的文件" in env.run("history", "weibin-office").stdout
    dialect = env.engine.dialect.name
    queries = _doc_queries()
    assert len(queries) >= 10
    ran = 0
    with env.engine.connect() as connection:
        for info, sql in queries:
            if info and info != dialect:
                assert info in {"sqlite", "postgresql"}, info
                continue
            rows = connection.execute(sa.text(sql)).all()
            assert rows, f"no rows from:\n{sql}"
            ran += 1
            if "applications__new_received__total AS new_requests" in sql:
                assert [(r.year, r.new_requests) for r in rows] == [(2023, 81), (2024, 81), (2025, 81)]
            if "WHERE on_time = 0" in sql:
                assert [(r.agency_id, r.year) for r in rows] == [("pingtan-bureau", 2024)]
            if "read_error IS NOT NULL" in sql:
                assert [(r.agency_id, r.url) for r in rows] == [("weibin-office", "https://www.weibin.gov.cn/scan.pdf")]
            if "old_value" in sql:
                assert {(r.row_key, r.field_key, r.old_value, r.new_value) for r in rows} == {
                    ("withheld_third_party", "natural_person", 1, 2), ("withheld_third_party", "total", 1, 2),
                    ("other_other", "natural_person", 48, 47), ("other_other", "total", 48, 47)}
    assert ran == len(queries) - 1  # one dialect-specific query is for the other database


def _revision_module(name: str):
    """A migration revision file as a module (it imports only alembic and the standard library)."""
    path = MIGRATIONS / "versions" / name
    spec = importlib.util.spec_from_file_location(f"revision_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_compliance_bodies_give_the_rows_of_the_view(env):
    # SQLite's view probes the findings per row, PostgreSQL's counts them in one grouped pass (0005).
    grouped = _revision_module("0005_compliance_grouped_on_postgresql.py")
    probing, grouping = grouped.COMPLIANCE_SQL, grouped.COMPLIANCE_GROUPED_SQL
    assert probing == _revision_module("0002_auditor_views.py").COMPLIANCE_SQL  # 0005 downgrades to 0002's body
    env.run("findings", "dismiss", str(env.finding("REVISED").id), "--reason", "只改了错别字", "--by", "审计员甲")
    columns = "agency_id, year, versions, first_published_day, deadline, on_time, open_errors, open_warnings, dismissed"
    with env.engine.connect() as connection:
        def rows(source: str) -> list[tuple]:
            return [tuple(r) for r in connection.execute(sa.text(f"SELECT {columns} FROM {source} ORDER BY 1, 2"))]

        view = rows("v_compliance")
        for body in (probing, grouping):
            assert rows(f"({body.removeprefix('CREATE VIEW v_compliance AS')}) body") == view
    assert len(view) == 5
    assert all(any(row[i] for row in view) for i in (6, 7, 8)), view  # errors, warnings and a dismissal counted


def test_schema_doc_describes_every_table_and_view(env):
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    described = set(re.findall(r"^\*\*`([a-z_]+)`\*\*", text, re.MULTILINE))
    inspector = sa.inspect(env.engine)
    assert described == set(inspector.get_table_names()) | set(inspector.get_view_names())


# --- the command line and the table renderer -------------------------------------------------------

def test_commands_are_registered():
    result = CliRunner().invoke(main, ["--help"])
    for name in ("reports", "findings", "history", "export"):
        assert name in result.output
    assert {"confirm", "dismiss"} <= set(CliRunner().invoke(main, ["findings", "--help"]).output.split())


def test_render_table_aligns_cjk_and_fits_the_width():
    rows = [[1, "卫滨区人民政府办公室", "正文称共3351条，但「其中」列出的各项相加为3652条，超出301条。" * 3],
            [22, "pingtan", "short"]]
    text = render_table(["编号", "机关", "问题说明"], rows, flexible=(2,), width=60)
    lines = text.splitlines()
    assert all(display_width(line) <= 60 for line in lines)
    assert "…" in lines[2] and lines[3].rstrip().endswith("short")
    assert lines[2].startswith("   1  卫滨区") and lines[3].startswith("  22  pingtan")
    # The second column starts at the same display column on every line.
    def column(words):
        return [display_width(line[:line.index(word)]) for line, word in zip(lines[2:], words, strict=True)]

    assert column(("卫滨区", "pingtan")) == [6, 6]
    assert column(("正文", "short")) == [6 + display_width("卫滨区人民政府办公室") + 2] * 2


def test_iso_renders_beijing_time():
    assert audit.iso(datetime(2026, 1, 31, 16, 30, tzinfo=UTC)) == "2026-02-01T00:30:00+08:00"
    assert audit.iso(date(2026, 3, 1)) == "2026-03-01" and audit.iso(None) is None
    assert audit.parse_since("2026-02-02") == datetime(2026, 2, 1, 16, 0, tzinfo=UTC)
