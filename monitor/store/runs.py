"""The `runs` table: what each crawl, deadline evaluation or send did, for `monitor status` and auditors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.store import Store
from monitor.store.models import Run


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


def start(store: Store, kind: str, started: datetime) -> int:
    with store.transaction() as session:
        run = Run(kind=kind, started_at=started, status=RunStatus.RUNNING.value, stats={})
        session.add(run)
        session.flush()
        return run.id


def finish(store: Store, run_id: int, finished: datetime, status: RunStatus, stats: dict[str, Any],
           error: str | None = None) -> None:
    with store.transaction() as session:
        run = session.get(Run, run_id)
        if run is not None:
            run.finished_at, run.status, run.stats, run.error = finished, status.value, stats, error
