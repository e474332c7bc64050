"""`monitor send`: the queued alerts become one digest mail per recipient, delivered by SMTP or written
as .eml files (monitor.alerts)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli_data import config_option, fail, now_option, opened, parse_now, settings_from
from monitor.text import printable


@click.command()
@config_option
@now_option
def send(config_path: Path | None, now_text: str | None) -> None:
    """Deliver the queued alert mails (SMTP, or .eml files in the outbox without smtp_host); undelivered
    ones stay queued.

    The alerts queued by crawl and deadlines are composed into one digest per recipient and stored;
    a mail is marked sent once the server accepted it. A failed one is retried by a later send (after
    a growing delay), a refused address is given up and shown by monitor status. Each problem is one
    line on stderr; the exit status is 0 even then."""
    from monitor.alerts import send_alerts
    from monitor.alerts.transport import missing_password
    from monitor.store import runs

    now = parse_now(now_text)
    settings = settings_from(config_path)
    problem = missing_password(settings.mail)
    if problem:
        fail(f"monitor send: {problem}")
    from monitor.service.lock import exclusive

    with opened(settings) as store, exclusive(store) as mine:
        if not mine:
            fail("monitor send: 监测服务（monitor run）或另一个 monitor send 正在运行，邮件由它发送；请稍后再试")
        run_id = runs.start(store, "send", datetime.now(UTC))
        try:
            result = send_alerts(store, settings, now)
        except Exception as exc:
            runs.finish(store, run_id, datetime.now(UTC), runs.RunStatus.FAILED, {}, f"{type(exc).__name__}: {exc}")
            raise
        stats = asdict(result) | {"problems": result.problems[:200]}
        runs.finish(store, run_id, datetime.now(UTC), runs.RunStatus.OK, stats)
    for line in result.problems:
        click.echo(printable(f"monitor send: {line}"), err=True)
    click.echo(result.summary())

