"""The background service: `monitor run` and `monitor status`.

In process: the cron translation (next fire times in Asia/Shanghai), the scheduler firing every job
(short interval triggers and recording jobs), a failing job recorded while the next still runs, the
real jobs on an empty registry, the lock (one active, one standby; a lost lock goes back to standby)
and `monitor status`. As processes: SIGTERM during a crawl, and two services on one database with the
active one killed. SQLite and PostgreSQL; no assertion on speed, only generous time limits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import ScheduleConfig, Settings
from monitor.service import schedule
from monitor.service.jobs import JOBS
from monitor.service.lock import service_lock
from monitor.service.logs import ServiceLog
from monitor.service.scheduler import Service
from monitor.store import Store, runs
from monitor.store.database import make_engine
from monitor.store.models import Run

ROOT = Path(__file__).resolve().parents[1]
MONITOR = [sys.executable, "-m", "monitor.cli"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 4, 12, 0, tzinfo=SHANGHAI)  # a Wednesday
LIMIT = 60  # seconds: any wait here ends long before, or something is wrong


def wait_until(condition: Callable[[], object], what: str, limit: float = LIMIT) -> None:
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, f"not within {limit} s: {what}"
        time.sleep(0.05)


# --- the schedule ----------------------------------------------------------------------------------

def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_the_configured_cron_triggers_fire_at_the_expected_times_in_shanghai():
    upcoming = schedule.next_runs(ScheduleConfig(), NOW)
    assert upcoming == {"crawl": shanghai(2026, 2, 5, 7, 0), "deadlines": shanghai(2026, 2, 5, 7, 30),
                        "send": shanghai(2026, 2, 5, 8, 0),
                        "recheck": shanghai(2026, 2, 8, 3, 0)}  # "0 3 * * 0": Sunday, as in cron
    assert all(when is not None and when.utcoffset() == SHANGHAI.utcoffset(NOW) for when in upcoming.values())
    # in UTC, 07:00 in Shanghai is 23:00 the day before
    assert upcoming["crawl"].astimezone(UTC) == datetime(2026, 2, 4, 23, 0, tzinfo=UTC)  # type: ignore[union-attr]
    berlin = schedule.next_runs(ScheduleConfig(timezone="Europe/Berlin", send="15 9 * * 1-5"), NOW)
    assert berlin["send"] == datetime(2026, 2, 4, 9, 15, tzinfo=ZoneInfo("Europe/Berlin"))  # 05:00 UTC, still ahead


@pytest.mark.parametrize(("field", "days"), [
    ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"), ("*/2", "sun,tue,thu,sat"), ("5-7", "sun,fri,sat"),
    ("sun-tue", "sun,mon,tue"), ("0,3", "sun,wed"), ("SAT", "sat"), ("*", "*")])
def test_cron_weekdays_count_from_sunday(field, days):
    assert schedule.weekdays(field) == days


def test_a_day_of_month_and_a_weekday_both_restricted_fire_on_either_as_in_cron():
    trigger = schedule.cron_trigger("0 7 1 * 1", "Asia/Shanghai")  # the 1st of the month, and every Monday
    assert trigger.get_next_fire_time(None, NOW) == shanghai(2026, 2, 9, 7, 0)  # Monday
    assert trigger.get_next_fire_time(None, shanghai(2026, 2, 28, 8, 0)) == shanghai(2026, 3, 1, 7, 0)  # the 1st


def test_crawls_are_jittered_and_the_other_jobs_are_not():
    made = schedule.triggers(ScheduleConfig(crawl_jitter_s=120))
    assert made["crawl"].jitter == 120 and made["send"].jitter is None
    for _ in range(20):
        when = made["crawl"].get_next_fire_time(None, NOW)
        assert when is not None and shanghai(2026, 2, 5, 7, 0) <= when <= shanghai(2026, 2, 5, 7, 2)


# --- the service in process ------------------------------------------------------------------------

class Recorder:
    """Jobs that record their calls; those named in `failing` raise."""

    def __init__(self, failing: tuple[str, ...] = ()) -> None:
        self.calls: list[str] = []
        self.failing = failing
        self.lock = threading.Lock()

    def jobs(self) -> dict[str, Callable[[Any], dict[str, Any]]]:
        def make(name: str) -> Callable[[Any], dict[str, Any]]:
            def job(context: Any) -> dict[str, Any]:
                with self.lock:
                    self.calls.append(name)
                if name in self.failing:
                    raise RuntimeError(f"{name} broke\nsecond line")
                return {"agencies": 2, "interrupted": False, "problems": ["p"]}
            return job
        return {name: make(name) for name in schedule.JOB_NAMES}

    def count(self, name: str) -> int:
        with self.lock:
            return self.calls.count(name)


def settings_for(url: str, **schedule_values: Any) -> Settings:
    return Settings.model_validate({"database": {"url": url}, "schedule": schedule_values})


def log_records(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def started(service: Service) -> threading.Thread:
    thread = threading.Thread(target=service.serve, daemon=True)
    thread.start()
    return thread


def stopped(service: Service, thread: threading.Thread) -> None:
    service.stop()
    thread.join(LIMIT)
    assert not thread.is_alive(), "the service did not stop"


def run_rows(store: Store) -> list[Run]:
    with store.reading() as session:
        return list(session.scalars(sa.select(Run).order_by(Run.id)))


def test_the_scheduler_fires_the_configured_jobs(registered, database_url, capsys):
    store = registered([], NOW)
    settings = settings_for(database_url)
    recorder = Recorder()
    every_second = {name: IntervalTrigger(seconds=1) for name in schedule.JOB_NAMES}
    service = Service(settings, store, ServiceLog("json", SHANGHAI), jobs=recorder.jobs(), triggers=every_second)
    thread = started(service)
    wait_until(lambda: all(recorder.count(name) >= 2 for name in schedule.JOB_NAMES), "every job fired twice")
    stopped(service, thread)
    assert recorder.calls[:3] == ["crawl", "deadlines", "send"]  # the first cycle at start
    rows = run_rows(store)
    assert [row.kind for row in rows] == recorder.calls  # one at a time, each recorded
    assert {row.status for row in rows} == {"ok"}
    assert all(row.finished_at and row.stats["agencies"] == 2 and row.stats["problems"] == ["p"] for row in rows)
    records = log_records(capsys.readouterr().err)
    assert records[0]["event"] == "active" and records[-1]["event"] == "stopped"
    summaries = [r for r in records if "job" in r]
    assert [r["job"] for r in summaries] == recorder.calls
    assert summaries[0]["outcome"] == "ok" and summaries[0]["counts"] == {"agencies": 2}
    assert summaries[0]["duration"] >= 0 and datetime.fromisoformat(summaries[0]["time"]).utcoffset()


def test_a_failing_job_is_recorded_and_the_next_still_runs(registered, database_url, capsys):
    store = registered([], NOW)
    recorder = Recorder(failing=("crawl",))
    service = Service(settings_for(database_url), store, ServiceLog("text", SHANGHAI), jobs=recorder.jobs(),
                      triggers={})
    thread = started(service)
    wait_until(lambda: len(run_rows(store)) == 3 and run_rows(store)[-1].finished_at, "the first cycle")
    stopped(service, thread)
    crawl, deadlines, send = run_rows(store)
    assert (crawl.kind, crawl.status, crawl.error) == ("crawl", "failed", "RuntimeError: crawl broke")
    assert (deadlines.status, send.status) == ("ok", "ok")
    err = capsys.readouterr().err
    assert "[crawl] 抓取失败" in err and "错误：RuntimeError: crawl broke" in err
    assert "[send] 发送完成" in err and "[stopped]" in err


def test_no_first_cycle_when_run_at_start_is_off(registered, database_url):
    store = registered([], NOW)
    recorder = Recorder()
    soon = {"send": IntervalTrigger(seconds=0.5)}
    service = Service(settings_for(database_url), store, ServiceLog("json", SHANGHAI), jobs=recorder.jobs(),
                      triggers=soon, start_cycle=False)
    thread = started(service)
    wait_until(lambda: recorder.count("send"), "the send job")
    stopped(service, thread)
    assert set(recorder.calls) == {"send"}


def test_the_real_jobs_on_an_empty_registry(registered, database_url, capsys):
    store = registered([], NOW)
    settings = settings_for(database_url, crawl_jitter_s=0)
    service = Service(settings, store, ServiceLog("json", SHANGHAI))
    assert service.jobs is JOBS
    for name in ("crawl", "deadlines", "send", "recheck"):
        assert service.run_job(name) == runs.RunStatus.OK, capsys.readouterr().err
    rows = run_rows(store)
    assert [(row.kind, row.status) for row in rows] == [
        ("crawl", "ok"), ("deadlines", "ok"), ("send", "ok"), ("recheck", "ok")]
    assert rows[0].stats["agencies"] == 0 and rows[0].stats["agency_years"] == 0
    assert rows[3].stats["interrupted"] is False


def test_one_active_one_standby_and_the_standby_takes_over(registered, database_url, capsys):
    store = registered([], NOW)
    other = Store(make_engine(database_url))
    settings = settings_for(database_url)
    first = Service(settings, store, ServiceLog("json", SHANGHAI), jobs=Recorder().jobs(), triggers={},
                    start_cycle=False, poll_s=0.2)
    second_jobs = Recorder()
    second = Service(settings, other, ServiceLog("json", SHANGHAI), jobs=second_jobs.jobs(), triggers={},
                     poll_s=0.2)
    try:
        first_thread = started(first)
        wait_until(lambda: first.state == "active", "the first service active")
        second_thread = started(second)
        wait_until(lambda: second.state == "standby", "the second service waiting")
        assert service_lock(store).taken()
        time.sleep(0.5)
        assert second.state == "standby" and not second_jobs.calls
        stopped(first, first_thread)
        wait_until(lambda: second.state == "active", "the standby taking over")
        wait_until(lambda: second_jobs.count("send"), "the first cycle of the new active service")
        stopped(second, second_thread)
        assert not service_lock(store).taken()
    finally:
        other.close()
    events = [r["event"] for r in log_records(capsys.readouterr().err) if "event" in r]
    assert events.count("active") == 2 and "standby" in events


def test_a_lost_lock_stops_scheduling_and_goes_back_to_standby(registered, database_url, capsys):
    store = registered([], NOW)
    recorder = Recorder()
    service = Service(settings_for(database_url), store, ServiceLog("json", SHANGHAI), jobs=recorder.jobs(),
                      triggers={}, start_cycle=True, poll_s=0.2)
    thread = started(service)
    wait_until(lambda: recorder.count("send") == 1, "the first cycle")
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///") + ".lock").unlink()  # another file at the path
    else:
        with store.engine.begin() as connection:  # the server ends the lock's session
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = CAST(:a AS oid) AND objid = CAST(:b AS oid) AND objsubid = 2"),
                service.lock.key)  # type: ignore[attr-defined]
    wait_until(lambda: recorder.count("send") == 2, "the lock taken again, with a first cycle")
    stopped(service, thread)
    events = [r["event"] for r in log_records(capsys.readouterr().err) if "event" in r]
    assert events[:3] == ["active", "lock-lost", "active"], events


# --- monitor status --------------------------------------------------------------------------------

def write_config(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n\n[schedule]\ncrawl_jitter_s = 300\n\n'
                    f'[mail]\noutbox_dir = "{tmp_path / "outbox"}"\n\n{extra}', encoding="utf-8")
    return path


def test_status_as_text_and_json(registered, database_url, tmp_path):
    store = registered([], NOW)
    config = write_config(tmp_path, database_url)
    crawl_id = runs.start(store, "crawl", datetime(2026, 2, 3, 23, 0, tzinfo=UTC))
    runs.finish(store, crawl_id, datetime(2026, 2, 3, 23, 0, 42, tzinfo=UTC), runs.RunStatus.OK,
                {"agencies": 3, "new_reports": 1, "interrupted": False, "problems": ["x"]})
    send_id = runs.start(store, "send", datetime(2026, 2, 4, 0, 0, tzinfo=UTC))
    runs.finish(store, send_id, datetime(2026, 2, 4, 0, 0, 1, tzinfo=UTC), runs.RunStatus.FAILED, {},
                "OperationalError: connection refused")
    runs.start(store, "recheck", datetime(2026, 2, 4, 1, 0, tzinfo=UTC))  # its process died
    args = ["status", "--config", str(config), "--now", NOW.isoformat()]

    shown = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    status = json.loads(shown.stdout)
    assert status["active"] is False and status["timezone"] == "Asia/Shanghai"
    assert status["jobs"][0] == {"job": "crawl", "cron": "0 7 * * *", "next": "2026-02-05T07:00:00+08:00",
                                 "jitter_s": 300}
    assert [job["next"] for job in status["jobs"]][1:] == [
        "2026-02-05T07:30:00+08:00", "2026-02-05T08:00:00+08:00", "2026-02-08T03:00:00+08:00"]
    by_kind = {run["kind"]: run for run in status["runs"]}
    assert by_kind["crawl"] | {"id": 0} == {
        "id": 0, "kind": "crawl", "status": "ok", "stale": False, "started": "2026-02-04T07:00:00+08:00",
        "finished": "2026-02-04T07:00:42+08:00", "duration_s": 42.0, "counts": {"agencies": 3, "new_reports": 1},
        "error": None}
    assert by_kind["send"]["error"] == "OperationalError: connection refused"
    assert by_kind["recheck"]["status"] == "running" and by_kind["recheck"]["stale"] is True
    assert status["outbox"] == {"queued": 0, "failing": 0, "sent_today": 0, "given_up": []}

    text = CliRunner().invoke(main, args, catch_exceptions=False).stdout
    print(text)
    assert "服务：未运行" in text
    assert "抓取（crawl，0 7 * * *）：2026-02-05T07:00:00+08:00，另随机推迟至多 300 秒" in text
    assert "复查（recheck，0 3 * * 0）：2026-02-08T03:00:00+08:00" in text
    assert f"crawl #{crawl_id} 完成：2026-02-04T07:00:00+08:00 开始，用时 42.0 秒；agencies=3 new_reports=1" in text
    assert f"send #{send_id} 失败" in text and "错误：OperationalError: connection refused" in text
    assert "recheck #" in text and "未结束（进程已不在）" in text
    assert "发件箱：待发送 0，发送失败待重试 0，今日已发送 0" in text

    lock = service_lock(store)  # a service holds the lock: the running run is its own
    assert lock.acquire()
    try:
        status = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    finally:
        lock.release()
    assert status["active"] is True
    assert {run["kind"]: run for run in status["runs"]}["recheck"]["stale"] is False


def test_status_writes_nothing(registered, database_url, tmp_path):
    store = registered([], NOW)
    config = write_config(tmp_path, database_url)
    before = sorted(p.name for p in tmp_path.iterdir())
    shown = CliRunner().invoke(main, ["status", "--config", str(config)], catch_exceptions=False)
    assert shown.exit_code == 0 and "最近运行：（无记录）" in shown.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no lock file, no outbox folder
    assert run_rows(store) == []


# --- configuration errors --------------------------------------------------------------------------

@pytest.mark.parametrize(("section", "key", "reason"), [
    ('crawl = "61 7 * * *"', "schedule.crawl", "cron 表达式无效"),
    ('send = "0 8 * *"', "schedule.send", "不是 cron 表达式"),
    ('timezone = "Mars/Olympus"', "schedule.timezone", "不是时区名称"),
    ('crawl_every = "0 7 * * *"', "schedule.crawl_every", "未知的配置项"),
])
def test_configuration_errors_name_the_file_the_key_and_the_reason(tmp_path, section, key, reason):
    path = tmp_path / "monitor.toml"
    path.write_text(f"[schedule]\n{section}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: {key}: ") and reason in lines[0], lines


# --- monitor run as a process ----------------------------------------------------------------------

class Running:
    """`monitor run --log-format json` as a process; its stderr read as it comes."""

    def __init__(self, config: Path, *options: str) -> None:
        self.process = subprocess.Popen([*MONITOR, "run", "--config", str(config), "--log-format", "json", *options],
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def records(self) -> list[dict[str, Any]]:
        return log_records("".join(self.lines))

    def events(self) -> list[str]:
        return [r["event"] for r in self.records() if "event" in r]

    def wait_for(self, event: str) -> None:
        def seen() -> bool:
            assert self.process.poll() is None or event in self.events(), "".join(self.lines)
            return event in self.events()
        wait_until(seen, f"the log event {event}")

    def finish(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        status = self.process.wait(LIMIT)
        self.reader.join(LIMIT)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(LIMIT)


def init(config: Path) -> None:
    done = subprocess.run([*MONITOR, "init", "--config", str(config)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def rows_of(database_url: str) -> list[tuple[str, str]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(  # type: ignore[misc]
                sa.text("SELECT kind, status FROM runs ORDER BY id"))]
    finally:
        engine.dispose()


def test_two_services_on_one_database_one_active_and_the_standby_takes_over(database_url, tmp_path):
    config = write_config(tmp_path, database_url)
    init(config)
    first = Running(config, "--no-start-cycle", "--standby-poll", "0.3")
    second = None
    try:
        first.wait_for("active")
        second = Running(config, "--no-start-cycle", "--standby-poll", "0.3")
        second.wait_for("standby")
        assert "active" not in second.events()
        status = subprocess.run([*MONITOR, "status", "--config", str(config), "--format", "json"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert json.loads(status.stdout)["active"] is True, status.stderr
        first.process.kill()  # SIGKILL: no chance to release anything
        first.process.wait(LIMIT)
        second.wait_for("active")
        assert second.finish() == 0
        assert second.events()[-2:] == ["stopping", "stopped"]
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert rows_of(database_url) == []  # --no-start-cycle, and no cron time came


class SlowSite(BaseHTTPRequestHandler):
    """A listing page (with no report on it) that takes 3 s to answer; no robots.txt."""

    asked = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self.send_error(404)
            return
        SlowSite.asked.set()
        time.sleep(3)
        body = '<html><body><a href="/about.html">关于本站</a></body></html>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


def test_sigterm_during_a_crawl_finishes_its_unit_records_the_run_and_exits_0(database_url, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SlowSite.asked.clear()
    agency = (f'[crawl]\nallow_private_addresses = true\nper_host_interval_s = 0\ntimeout_s = 20\n\n'
              f'[[agency]]\nid = "slow-office"\nname = "慢速县人民政府办公室"\nkind = "department"\n'
              f'listing = ["http://127.0.0.1:{server.server_address[1]}/nb/"]\n')
    config = write_config(tmp_path, database_url, agency)
    init(config)
    service = Running(config)
    try:
        service.wait_for("active")
        assert SlowSite.asked.wait(LIMIT), "".join(service.lines)
        assert service.finish() == 0, "".join(service.lines)
    finally:
        service.kill()
        server.shutdown()
        server.server_close()
    assert rows_of(database_url) == [("crawl", "interrupted")]  # the cycle ends there
    summary = [r for r in service.records() if "job" in r]
    assert [(r["job"], r["outcome"]) for r in summary] == [("crawl", "interrupted")]
    assert summary[0]["counts"]["listings_read"] == 1, summary  # the page in flight was read to the end
    assert service.events()[-2:] == ["stopping", "stopped"]
