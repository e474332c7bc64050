"""The service's log on stderr: one line per event (active, standby, stopping…) and one summary line
per job run, as text or as JSON lines (`--log-format json`: time, job, outcome, counts, duration)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import datetime, tzinfo
from typing import Any

from monitor.text import printable

JOB_WORDS = {"crawl": "抓取", "deadlines": "期限检查", "send": "发送", "recheck": "复查"}
OUTCOME_WORDS = {"ok": "完成", "failed": "失败", "interrupted": "已中断"}


class ServiceLog:
    """Writes lines to the sys.stderr of the moment, one at a time (jobs log from their threads)."""

    def __init__(self, form: str, zone: tzinfo) -> None:
        self.form, self.zone = form, zone
        self.lock = threading.Lock()

    def _write(self, text_line: str, record: dict[str, Any]) -> None:
        time = datetime.now(self.zone).isoformat(timespec="seconds")
        if self.form == "json":
            line = json.dumps({"time": time, **record}, ensure_ascii=False)
        else:
            line = f"{time} {printable(text_line).replace(chr(10), ' ')}"
        with self.lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def event(self, event: str, message: str) -> None:
        """A change of the service's state: `event` is a word (active, standby…), `message` says it."""
        self._write(f"[{event}] {message}", {"event": event, "message": message})

    def job(self, job: str, outcome: str, stats: dict[str, Any], duration: float, error: str | None = None) -> None:
        """The summary of one job run: its outcome, its counts (numbers only), how long it took."""
        numbers = {key: value for key, value in stats.items() if isinstance(value, int | float)
                   and not isinstance(value, bool)}
        shown = " ".join(f"{key}={value}" for key, value in numbers.items() if value)
        text_line = (f"[{job}] {JOB_WORDS.get(job, job)}{OUTCOME_WORDS.get(outcome, outcome)}（{duration:.1f} 秒）"
                     + (f"：{shown}" if shown else "") + (f"；错误：{error}" if error else ""))
        record: dict[str, Any] = {"job": job, "outcome": outcome, "counts": numbers, "duration": round(duration, 3)}
        if error:
            record["error"] = error
        self._write(text_line, record)


class Forward(logging.Handler):
    """APScheduler's warnings (a run missed, a job still running at its next time) as service events."""

    def __init__(self, log: ServiceLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.event("scheduler", record.getMessage())
