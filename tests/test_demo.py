"""`monitor demo`, as a new user runs it: the sample farm and the mail server on loopback, one cycle, the
mails printed; nothing left behind unless --keep."""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
from email.policy import default
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MONITOR = Path(sys.executable).with_name("monitor")


def _demo(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONIOENCODING": "utf-8"}
    env.pop("MONITOR_DEBUG", None)
    return subprocess.run([str(MONITOR), "demo", *args], cwd=tmp, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    tmp = tmp_path_factory.mktemp("demo")
    proc = _demo(tmp=tmp)
    print(proc.stdout)  # shown with -s: what a user sees
    return proc, tmp


def _mails(stdout: str) -> list[dict[str, str]]:
    """The mails printed: subject, To and the body of each."""
    mails = []
    for block in re.split(r"\n==== 邮件 \d+/\d+ ====\n", stdout)[1:]:
        head, _, body = block.partition("\n\n")
        fields = dict(line.split("：", 1) for line in head.splitlines())
        mails.append({"subject": fields["主题"], "to": fields["收件人"], "body": body})
    return mails


def test_the_demo_runs_a_cycle_and_prints_the_digests_the_mail_server_received(ran):
    proc, _ = ran
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "1. 抓取：机关 5 个；栏目已读 3，被阻止 1，失败 0；新报告 2" in out
    assert "2. 期限检查：5 个机关年度；LATE 1，MISSING 1，SOURCE-BLOCKED 1" in out
    assert "4. 邮件发送：新编成 2 封，送达 2 封" in out
    for rule in ("[LATE]", "[MISSING]", "[SOURCE-BLOCKED]", "[T3-BALANCE]"):
        assert rule in out, rule
    assert "邮件服务器收到 2 封邮件" in out

    mails = {mail["to"]: mail for mail in _mails(out)}
    assert set(mails) == {"gongkai@tongwan.example.org", "zwgk@yunxi.example.org"}
    district, city = mails["gongkai@tongwan.example.org"], mails["zwgk@yunxi.example.org"]
    # one digest per supervisor: a department's findings go to its parent's supervisor
    assert district["subject"] == "【年报监测】2个单位 2项问题 2026-04-15"
    assert city["subject"] == "【年报监测】2个单位 3项问题 2026-04-15"
    assert "桐湾区人民政府" in district["body"] and "桐湾区文化广电和旅游局" in district["body"]
    assert "年度报告逾期发布" in district["body"] and "晚于2026年2月20日的发布期限14天" in district["body"]
    assert "期限已过仍未发布年度报告" in district["body"]
    assert "表三勾稽关系不成立" in city["body"] and "相差6" in city["body"]
    assert "网站阻止访问" in city["body"] and "云溪市市场监督管理局" in city["body"]


def test_the_demo_leaves_nothing_behind(ran):
    proc, tmp = ran
    assert proc.returncode == 0
    assert list(tmp.iterdir()) == []  # neither its temporary folder nor anything in the working folder


def test_keep_keeps_the_database_the_configuration_and_the_mails(tmp_path):
    kept = tmp_path / "kept"
    proc = _demo("--keep", str(kept), "--date", "2026-04-20", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {p.name for p in kept.iterdir()} == {"monitor.toml", "demo.db", "mails"}
    messages = [email.message_from_bytes(p.read_bytes(), policy=default) for p in sorted((kept / "mails").iterdir())]
    assert len(messages) == 2 and all(str(m["Subject"]).startswith("【年报监测】") for m in messages)
    assert all("2026-04-20" in str(m["Subject"]) for m in messages)
    findings = subprocess.run([str(MONITOR), "findings", "--config", str(kept / "monitor.toml"), "--format", "json"],
                              capture_output=True, text=True, timeout=120)
    assert findings.returncode == 0, findings.stderr
    rules = {(row["agency"], row["rule"]) for row in json.loads(findings.stdout)}
    assert rules == {("tongwan", "LATE"), ("tongwan-culture", "MISSING"), ("yunxi-zrzy", "T3-BALANCE"),
                     ("yunxi-scjg", "SOURCE-BLOCKED")}

    again = _demo("--keep", str(kept), tmp=tmp_path)
    assert again.returncode == 2 and "已存在且不是空目录" in again.stderr
