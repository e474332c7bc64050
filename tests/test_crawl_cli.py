"""`monitor crawl` and `monitor deadlines` as an operator runs them, on the fixture farm: the closing
summary, SIGTERM stopping after the document in flight, and `kill -9` losing nothing stored and
repeating, on the next run, nothing already stored. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from farm import DEFAULT_NOW, build_farm

from monitor.report import BEIJING
from monitor.store.database import make_engine

NOW = (DEFAULT_NOW if DEFAULT_NOW.tzinfo else DEFAULT_NOW.replace(tzinfo=BEIJING)).isoformat()
MONITOR = [sys.executable, "-m", "monitor.cli"]


@pytest.fixture(scope="module")
def farm():
    with build_farm(slow_seconds=4, drip_interval=0.5) as running:
        yield running


def config(farm, database_url: str, tmp_path: Path, interval: float) -> Path:
    """A monitor.toml for the farm's agencies but those behind network faults (their timeouts would
    make the run long; tests/test_crawl.py covers them)."""
    entries = [entry for entry in farm.registry() if not entry["id"].startswith("fault")]
    from farm.truth import registry_toml

    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n\n[crawl]\nallow_private_addresses = true\n'
                    f"per_host_interval_s = {interval}\ntimeout_s = 2\nmax_document_mb = 5\n\n"
                    + registry_toml(entries), encoding="utf-8")
    subprocess.run([*MONITOR, "init", "--config", str(path)], check=True, capture_output=True)
    return path


def stored_count(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
    finally:
        engine.dispose()


def versions(database_url: str) -> list[tuple[str, int, int, str]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(  # type: ignore[misc]
                sa.text("SELECT agency_id, year, version, url FROM reports")))
    finally:
        engine.dispose()


def start(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*MONITOR, "crawl", "--config", str(path), "--now", NOW, "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_reports(database_url: str, process: subprocess.Popen[str], at_least: int) -> None:
    end = time.monotonic() + 120
    while stored_count(database_url) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, "no report stored in 120 s"
        time.sleep(0.2)


def test_crawl_then_deadlines_on_the_command_line(farm, database_url, tmp_path):
    path = config(farm, database_url, tmp_path, interval=0.02)
    done = subprocess.run([*MONITOR, "crawl", "--config", str(path), "--now", NOW, "--no-progress"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.splitlines()
    assert summary[0].startswith("抓取完成：机关 "), done.stdout
    assert "被阻止 7" in summary[0] and "请求 " in summary[0]
    assert summary[1].startswith("期限检查"), done.stdout
    assert "网站阻止访问（SOURCE-BLOCKED）7" in summary[1] and "未发布（MISSING）1" in summary[1]
    progress = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == len([e for e in farm.registry() if not e["id"].startswith("fault")])
    again = subprocess.run([*MONITOR, "deadlines", "--config", str(path), "--now", NOW],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "仍存在" in again.stdout and "新发现" not in again.stdout, again.stdout


def test_an_interrupted_crawl_loses_nothing_and_the_next_repeats_nothing_stored(farm, database_url, tmp_path):
    path = config(farm, database_url, tmp_path, interval=0.3)  # slow enough to be caught in the middle
    first = start(path)
    wait_for_reports(database_url, first, 3)
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 130, (out, err)
    assert out.startswith("抓取已中断"), out
    after_term = versions(database_url)

    second = start(path)
    wait_for_reports(database_url, second, len(after_term) + 3)
    os.kill(second.pid, signal.SIGKILL)
    second.communicate(timeout=30)
    after_kill = versions(database_url)
    assert set(after_term) <= set(after_kill)

    farm.clear()
    third = subprocess.run([*MONITOR, "crawl", "--config", str(path), "--now", NOW, "--no-progress"],
                           capture_output=True, text=True, timeout=600)
    assert third.returncode == 0, third.stderr
    final = versions(database_url)
    assert set(after_kill) <= set(final)
    assert len({(a, y, v) for a, y, v, _ in final}) == len(final)  # no version twice
    # nothing stored before was fetched in full again (its link was recorded as stored)
    fetched = {f"http://{r.address}{r.target}" for r in farm.requests if r.status == 200 and not r.conditional}
    repeated = {url for _, _, _, url in after_kill} & fetched
    assert len(repeated) <= 1, repeated  # at most the document in flight when it was killed


def test_a_crawl_by_hand_waits_for_no_one_and_refuses_beside_a_running_service(farm, database_url, tmp_path):
    from monitor.service.lock import service_lock
    from monitor.store import open_store

    path = config(farm, database_url, tmp_path, interval=0.02)
    with open_store(database_url) as store:
        lock = service_lock(store)
        assert lock.acquire()
        try:
            done = subprocess.run([*MONITOR, "crawl", "--config", str(path), "--now", NOW, "--no-progress"],
                                  capture_output=True, text=True, timeout=120)
        finally:
            lock.release()
    assert done.returncode == 2 and "正在运行" in done.stderr and len(done.stderr.splitlines()) == 1, done
    assert stored_count(database_url) == 0
