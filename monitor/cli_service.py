"""The service's commands: `monitor run` (the scheduled jobs, one active instance per database, the
others hot standbys) and `monitor status`."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import click

from monitor.cli_data import config_option, now_option, opened, opened_quietly, parse_now, settings_from
from monitor.service.scheduler import DEFAULT_POLL_S


@click.command()
@config_option
@click.option("--no-start-cycle", is_flag=True,
              help="No first cycle (crawl, deadlines, send) at start; as run_at_start = false in [schedule].")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Log lines on stderr: text, or JSON lines (time, job, outcome, counts, duration).")
@click.option("--standby-poll", type=click.FloatRange(min=0.05), default=DEFAULT_POLL_S, show_default=True,
              metavar="SECONDS", help="How often a standby tries to take over, and the active service checks "
              "that it still holds the lock.")
def run(config_path: Path | None, no_start_cycle: bool, log_format: str, standby_poll: float) -> None:
    """The background service: crawl, deadlines, send and re-check on the configured schedule, until SIGTERM or Ctrl-C.

    One service per database is active; another started on the same database waits as a hot standby
    and takes over when the active one stops or dies. SIGTERM or Ctrl-C lets the job in flight finish
    its unit of work, then exits with status 0."""
    from zoneinfo import ZoneInfo

    from monitor.service.logs import ServiceLog
    from monitor.service.scheduler import Service

    settings = settings_from(config_path)
    log = ServiceLog(log_format, ZoneInfo(settings.schedule.timezone))
    with opened(settings) as store:
        service = Service(settings, store, log, poll_s=standby_poll,
                          start_cycle=settings.schedule.run_at_start and not no_start_cycle)

        def stop(_signum: int, _frame: Any) -> None:
            service.stop()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            service.serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


@click.command()
@config_option
@now_option
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Text, or one JSON object.")
def status(config_path: Path | None, now_text: str | None, form: str) -> None:
    """The service's next run times, its last runs and their outcomes, and the mail outbox.

    Also whether a service is active (holds the database's service lock); a run left `running` with no
    service active is shown as stale. Next run times are as of --now (default: now). Writes nothing."""
    from monitor.service.status import gather, render

    now = parse_now(now_text)
    settings = settings_from(config_path)
    with opened_quietly(settings) as store:
        found = gather(settings, store, now)
    click.echo(json.dumps(found, ensure_ascii=False, indent=1) if form == "json" else render(found))
