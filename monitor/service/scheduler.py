"""`monitor run`: while this instance holds the service lock, APScheduler runs the jobs on their cron
schedule after a first cycle (crawl, deadlines, send); while another instance holds it, this one waits
as a hot standby and takes over when the lock frees.

Jobs run one at a time (one worker thread; misfires coalesced, one instance of each). Every run is
recorded in `runs` and logged; a job that raises is recorded as failed and the service goes on.
`stop()` (SIGTERM, Ctrl-C) and a lost lock end the active period alike: the stop event asks the job in
flight to finish its unit of work, the scheduler shuts down, the job is waited for. Signal handlers only
set events, which the main thread never waits on (it polls them), so a handler cannot deadlock it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from monitor.config import Settings
from monitor.service import schedule
from monitor.service.jobs import JOBS, Context, Job
from monitor.service.lock import ServiceLock, service_lock
from monitor.service.logs import JOB_WORDS, Forward, ServiceLog
from monitor.store import Store, runs
from monitor.text import clip

DEFAULT_POLL_S = 5.0  # how often a standby tries the lock, and the active service checks it still holds it
WATCH_S = 0.5  # how often the active service looks at its stop event
MISFIRE_GRACE_S = 6 * 3600  # a run delayed by a longer job still runs (once) within this time
CYCLE = ("crawl", "deadlines", "send")


def one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {clip(lines[0], 300)}" if lines else type(exc).__name__


class Service:
    """The service on a database. `jobs` and `triggers` default to the real jobs and the configured
    schedule (tests give others); `poll_s` is the standby's polling interval."""

    def __init__(self, settings: Settings, store: Store, log: ServiceLog, *, jobs: Mapping[str, Job] = JOBS,
                 triggers: Mapping[str, BaseTrigger] | None = None, start_cycle: bool = True,
                 poll_s: float = DEFAULT_POLL_S, lock: ServiceLock | None = None) -> None:
        self.settings, self.store, self.log, self.jobs = settings, store, log, jobs
        self.triggers = schedule.triggers(settings.schedule) if triggers is None else triggers
        self.start_cycle, self.poll_s = start_cycle, poll_s
        self.lock = service_lock(store) if lock is None else lock
        self.zone = ZoneInfo(settings.schedule.timezone)
        self.stopping = threading.Event()  # the service is to stop
        self.halt = threading.Event()  # the active period is to end (stopping, or the lock lost)
        self.next_check = 0.0
        self.state = ""

    def stop(self) -> None:
        """Ask the service to stop after the unit of work in flight (safe in a signal handler)."""
        self.stopping.set()
        self.halt.set()

    def serve(self) -> None:
        """Until `stop()`: active while this instance holds the lock, a standby while another does."""
        forward = Forward(self.log)
        scheduler_log = logging.getLogger("apscheduler")
        scheduler_log.addHandler(forward)
        scheduler_log.propagate = False
        try:
            while not self.stopping.is_set():
                if self._acquire():
                    self._active()
                    continue
                self._pause(self.poll_s)
        finally:
            self.lock.release()
            scheduler_log.removeHandler(forward)
            scheduler_log.propagate = True
        self.log.event("stopped", "服务已停止")

    def _say(self, state: str, message: str) -> None:
        """Log a state once, when it is entered."""
        if state != self.state:
            self.state = state
            self.log.event(state, message)

    def _acquire(self) -> bool:
        try:
            if self.lock.acquire():
                return True
        except Exception as exc:  # the database is unreachable: keep trying
            self._say("unreachable", f"无法连接数据库检查服务锁（{one_line(exc)}）：每 {self.poll_s:g} 秒重试")
            return False
        self._say("standby", f"另一个服务正在运行（{self.store.name}）：本实例作为热备等待，"
                             f"每 {self.poll_s:g} 秒检查一次，它停止后接替")
        return False

    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < end:
            time.sleep(min(0.1, max(0.0, end - time.monotonic())))

    def _active(self) -> None:
        """Run the scheduler until the service stops or the lock is lost; then wait for the job in flight."""
        self.halt = threading.Event()
        if self.stopping.is_set():
            self.halt.set()
        work, watch = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
        scheduler = BlockingScheduler(timezone=self.zone, executors={"default": work, "watch": watch},
                                      job_defaults={"coalesce": True, "max_instances": 1,
                                                    "misfire_grace_time": MISFIRE_GRACE_S})
        for name, trigger in self.triggers.items():
            scheduler.add_job(self.run_job, trigger, args=[name], id=name, name=name)
        if self.start_cycle:
            scheduler.add_job(self._cycle, "date", id="cycle", name="cycle")
        self.next_check = time.monotonic() + self.poll_s
        scheduler.add_job(self._watch, "interval", args=[scheduler], seconds=WATCH_S, id="watch", executor="watch",
                          next_run_time=datetime.now(self.zone))
        scheduler.add_listener(lambda _event: self._started(scheduler), EVENT_SCHEDULER_STARTED)
        try:
            scheduler.start()
        finally:
            work.shutdown(wait=True)  # the job in flight finishes its unit of work
            watch.shutdown(wait=True)
            self.lock.release()

    def _started(self, scheduler: BlockingScheduler) -> None:
        upcoming = "，".join(f"{JOB_WORDS[job.id]} {job.next_run_time:%Y-%m-%d %H:%M:%S}"
                            for job in scheduler.get_jobs() if job.id in JOB_WORDS and job.next_run_time)
        self._say("active", f"本实例为主用服务（{self.store.name}）"
                            + ("：先运行一轮抓取、期限检查和发送" if self.start_cycle else "")
                            + (f"；下次运行：{upcoming}" if upcoming else ""))

    def _watch(self, scheduler: BlockingScheduler) -> None:
        """Shut the scheduler down when the service is to stop or the lock is no longer held."""
        if self.stopping.is_set():
            self._say("stopping", "收到停止信号：进行中的任务完成当前单元后退出")
        elif time.monotonic() < self.next_check:
            return
        elif self.lock.held():
            self.next_check = time.monotonic() + self.poll_s
            return
        else:
            self._say("lock-lost", "服务锁已失去（与数据库的连接中断？）：停止调度，转为热备")
        self.halt.set()
        with contextlib.suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=False)

    def _cycle(self) -> None:
        for name in CYCLE:
            self.run_job(name)

    def run_job(self, name: str) -> runs.RunStatus | None:
        """Run one job now, recorded in `runs` and logged; its outcome (None: not run, the period ends)."""
        if self.halt.is_set():
            return None
        started, clock = datetime.now(UTC), time.monotonic()
        run_id, stats, error = None, {}, None
        try:
            run_id = runs.start(self.store, name, started)
            stats = self.jobs[name](Context(self.store, self.settings, started, self.halt))
            status = runs.RunStatus.INTERRUPTED if stats.get("interrupted") else runs.RunStatus.OK
        except Exception as exc:
            status, error = runs.RunStatus.FAILED, one_line(exc)
            logging.getLogger("monitor").error("%s 失败", name, exc_info=exc)
        if run_id is not None:
            try:
                runs.finish(self.store, run_id, datetime.now(UTC), status, stats, error)
            except Exception as exc:
                self.log.event("unrecorded", f"无法在 runs 中记录 {name} 的结果（{one_line(exc)}）")
        self.log.job(name, status.value, stats, time.monotonic() - clock, error)
        return status
