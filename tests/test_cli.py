"""`monitor check` as a user runs it: exit status, JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading

import pytest


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor.cli", "check", *args], capture_output=True, text=True,
                          timeout=120, env={"PYTHONIOENCODING": "utf-8", "PATH": ""})


def test_json_output_and_exit_1_on_error_findings(corpus_dir):
    proc = run_check(str(corpus_dir / "weibin-office-2025.txt"), "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "annual-report/1" and data["agency"] == "卫滨区人民政府办公室"
    assert data["source"]["media_type"] == "text/plain" and len(data["source"]["sha256"]) == 64
    assert [f["rule"] for f in data["findings"] if f["severity"] == "error"] == ["NARRATIVE-SUM"]


def test_human_summary_and_exit_0(corpus_dir):
    proc = run_check(str(corpus_dir / "pingtan-2024.html"))
    assert proc.returncode == 0, proc.stderr
    assert "平潭综合实验区" in proc.stdout and "2021年格式" in proc.stdout and "未发现问题" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour codes when not on a terminal


def test_human_summary_names_the_finding(corpus_dir):
    proc = run_check(str(corpus_dir / "weibin-office-2025.txt"))
    assert proc.returncode == 1
    assert "NARRATIVE-SUM" in proc.stdout and "3652" in proc.stdout and "应为：3351" in proc.stdout


def test_the_document_is_the_witness_of_its_year_and_agency(corpus_dir):
    proc = run_check(str(corpus_dir / "pingtan-2024.html"), "--json", "--agency", "平潭综合实验区", "--year", "2024",
                     "--kind", "government")
    data = json.loads(proc.stdout)
    assert (data["agency"], data["year"]) == ("平潭综合实验区", 2024) and not data["findings"]
    proc = run_check(str(corpus_dir / "pingtan-2024.html"), "--json", "--agency", "测试机关")
    data = json.loads(proc.stdout)
    assert data["agency"] == "平潭综合实验区"  # the document's name stands; the other one is a warning
    assert [f["rule"] for f in data["findings"]] == ["AGENCY-MISMATCH"]
    proc = run_check(str(corpus_dir / "pingtan-2024.html"), "--year", "2023")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "2024 年" in proc.stderr and "2023 年" in proc.stderr


@pytest.mark.parametrize("content,reason", [
    (b"", "文件为空"),
    (bytes(range(256)) * 16, "二进制"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ("<html><head><title>某某局2024年度部门决算</title></head><body><p>一般公共预算支出</p>"
     "<table><tr><td>科目</td><td>金额</td></tr></table></body></html>".encode(), "不是政府信息公开工作年度报告"),
])
def test_bad_input_exit_2_with_one_line(tmp_path, content, reason):
    path = tmp_path / "input"
    path.write_bytes(content)
    proc = run_check(str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and reason in lines[0], proc.stderr


def test_missing_file_exit_2(tmp_path):
    proc = run_check(str(tmp_path / "nope.html"))
    assert proc.returncode == 2 and "文件不存在" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture
def web_root(tmp_path, corpus_dir):
    shutil.copy(corpus_dir / "pingtan-2024.html", tmp_path / "report.html")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_check_url_on_loopback(web_root):
    proc = run_check(f"{web_root}/report.html", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["agency"] == "平潭综合实验区"


def test_check_url_404_exit_2(web_root):
    proc = run_check(f"{web_root}/missing.html")
    assert proc.returncode == 2 and "HTTP 404" in proc.stderr
