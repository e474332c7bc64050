"""`monitor status`: whether a service is active, the next run of each job, the last runs of each kind
and the mail outbox, as a dict (`--format json`) or text. Reads only: the SQLite lock file is tried,
never created, and nothing is written to the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from monitor.config import Settings
from monitor.service.lock import service_lock
from monitor.service.logs import JOB_WORDS, OUTCOME_WORDS
from monitor.service.schedule import JOB_NAMES, next_runs
from monitor.store import Store
from monitor.store.models import Run
from monitor.text import printable

RECENT = 3  # runs shown of each kind


def gather(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """The status as of `now` (the next run times; the runs and the outbox are as they are)."""
    from monitor.alerts import outbox

    zone = ZoneInfo(settings.schedule.timezone)
    active = service_lock(store).taken()
    upcoming = next_runs(settings.schedule, now)
    box = outbox(store, now)
    return {
        "database": store.name,
        "active": active,
        "now": now.astimezone(zone).isoformat(timespec="seconds"),
        "timezone": settings.schedule.timezone,
        "jobs": [{"job": name, "cron": getattr(settings.schedule, name),
                  "next": when.isoformat(timespec="seconds") if (when := upcoming[name]) else None,
                  "jitter_s": settings.schedule.crawl_jitter_s if name == "crawl" else 0} for name in JOB_NAMES],
        "runs": _runs(store, active, zone),
        "outbox": {"queued": box.queued, "failing": box.failing, "sent_today": box.sent_today,
                   "given_up": [{"recipient": recipient, "reason": reason} for recipient, reason in box.given_up]},
    }


def _runs(store: Store, active: bool, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The last RECENT runs of each kind, the service's kinds first. A `running` run is stale when no
    service holds the lock, or when a later run of its kind started (one job of a kind runs at a time)."""
    shown = []
    with store.reading() as session:
        kinds = set(session.scalars(select(Run.kind).distinct()))
        for kind in [k for k in JOB_NAMES if k in kinds] + sorted(kinds - set(JOB_NAMES)):
            latest = session.scalars(select(Run).where(Run.kind == kind)
                                     .order_by(Run.started_at.desc(), Run.id.desc()).limit(RECENT))
            for index, run in enumerate(latest):
                stats = run.stats or {}
                shown.append({
                    "id": run.id, "kind": run.kind, "status": run.status,
                    "stale": run.status == "running" and (not active or index > 0),
                    "started": run.started_at.astimezone(zone).isoformat(timespec="seconds"),
                    "finished": run.finished_at.astimezone(zone).isoformat(timespec="seconds")
                    if run.finished_at else None,
                    "duration_s": round((run.finished_at - run.started_at).total_seconds(), 1)
                    if run.finished_at else None,
                    "counts": {key: value for key, value in stats.items()
                               if isinstance(value, int | float) and not isinstance(value, bool)},
                    "error": run.error,
                })
    return shown


def render(status: dict[str, Any]) -> str:
    """The status as text."""
    lines = [f"服务：{'运行中（有实例持有服务锁）' if status['active'] else '未运行（没有实例持有服务锁）'}"
             f"；数据库 {status['database']}",
             f"当前时间：{status['now']}（{status['timezone']}）", "下次运行："]
    for job in status["jobs"]:
        when = job["next"] or "（不再运行）"
        jitter = f"，另随机推迟至多 {job['jitter_s']} 秒" if job["jitter_s"] else ""
        lines.append(f"  {JOB_WORDS[job['job']]}（{job['job']}，{job['cron']}）：{when}{jitter}")
    lines.append("最近运行：" if status["runs"] else "最近运行：（无记录）")
    for run in status["runs"]:
        if run["stale"]:
            outcome = "未结束（进程已不在）"
        else:
            outcome = OUTCOME_WORDS.get(run["status"], "运行中" if run["status"] == "running" else run["status"])
        took = f"，用时 {run['duration_s']} 秒" if run["duration_s"] is not None else ""
        shown = " ".join(f"{key}={value}" for key, value in run["counts"].items() if value)
        lines.append(f"  {run['kind']} #{run['id']} {outcome}：{run['started']} 开始{took}"
                     + (f"；{shown}" if shown else "") + (f"；错误：{run['error']}" if run["error"] else ""))
    box = status["outbox"]
    lines.append(f"发件箱：待发送 {box['queued']}，发送失败待重试 {box['failing']}，今日已发送 {box['sent_today']}，"
                 f"已放弃的地址 {len(box['given_up'])}")
    lines.extend(f"  已放弃：{item['recipient']}（{item['reason']}）" for item in box["given_up"])
    return printable("\n".join(lines))
