"""The service's jobs. Each takes a `Context` and returns the counts recorded in its `runs` row; a
crawl's counts say `interrupted` when the service's stop event ended it after the unit in flight."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from monitor.config import Settings
from monitor.store import Store

MAX_PROBLEMS = 200  # the problem lines of a crawl or a send kept in its run's stats


@dataclasses.dataclass(frozen=True)
class Context:
    """What a job runs on: the database, the settings, the time it started (UTC) and the stop event."""

    store: Store
    settings: Settings
    now: datetime
    stop: threading.Event


Job = Callable[[Context], dict[str, Any]]


def counts(result: Any, prefix: str = "") -> dict[str, int]:
    """The whole numbers of a result of the alerts module (a dataclass), as `prefix + field`."""
    return {f"{prefix}{item.name}": value for item in dataclasses.fields(result)
            if isinstance(value := getattr(result, item.name), int)}


def _crawl(context: Context, *, listings: bool) -> dict[str, Any]:
    from scrapers.crawl import Crawl

    crawl = Crawl(context.store, context.settings, context.now)
    crawl.stop = context.stop  # the service's stop event ends it after the unit in flight
    summary = crawl.run(listings=listings)
    return summary.as_stats() | {"problems": summary.problems[:MAX_PROBLEMS]}


def _evaluate_and_queue(context: Context) -> dict[str, Any]:
    from monitor import timeliness
    from monitor.alerts import queue_alerts
    from monitor.store import findings

    with context.store.transaction() as session:
        findings.expire_dismissals(session, context.now)
    crawl = context.settings.crawl
    evaluated = timeliness.evaluate(context.store, context.now, first_year=crawl.first_year,
                                    down_after=crawl.down_after)
    queued = queue_alerts(context.store, context.settings, context.now)
    return ({"agency_years": evaluated.agency_years} | dict(evaluated.counts) | dict(evaluated.by_rule)
            | counts(queued, "queued_"))


def crawl(context: Context) -> dict[str, Any]:
    """Read every listing, fetch and read new or changed reports; then the deadlines, and queue alerts."""
    stats = _crawl(context, listings=True)
    return stats if stats["interrupted"] else stats | _evaluate_and_queue(context)


def deadlines(context: Context) -> dict[str, Any]:
    """The publication rules (LATE, MISSING, …) for every agency; then queue alerts."""
    return _evaluate_and_queue(context)


def send(context: Context) -> dict[str, Any]:
    """Deliver the queued alert mails."""
    from monitor.alerts import send_alerts

    sent = send_alerts(context.store, context.settings, context.now)
    return counts(sent) | {"problems": sent.problems[:MAX_PROBLEMS]}


def recheck(context: Context) -> dict[str, Any]:
    """Fetch the known reports that are due again (conditional GET): revisions and removals."""
    return _crawl(context, listings=False)


JOBS: dict[str, Job] = {"crawl": crawl, "deadlines": deadlines, "send": send, "recheck": recheck}
