"""`monitor demo`: the whole monitor at work on a bundled sample, offline (see monitor/demo/)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from email.message import EmailMessage
from pathlib import Path

import click

from monitor.cli_data import checked_time, fail
from monitor.config import Settings
from monitor.report import BEIJING
from monitor.store import Store, create, registry
from monitor.text import printable

DEFAULT_DATE = "2026-04-15"  # after every 2026 deadline (31 January to 31 March)
RUN_AT = time(9, 0)  # Beijing time, on the day of --date


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=DEFAULT_DATE, show_default=True,
              help="The day the cycle runs as (09:00 Beijing time). The sample's reports are dated up to 2026-03-06: "
                   "an earlier day sees them as dated in the future.")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Work in DIR (new or empty) and keep it: monitor.toml, the SQLite database, the mails received "
                   "(mails/*.eml).")
def demo(day: datetime, keep: Path | None) -> None:
    """Serve a bundled sample site farm and a local mail server on loopback, run one full cycle and print the
    mails delivered.

    The fictional agencies of the farm have, as of the default date, a late report, a missing one, a report
    whose tables do not add up and a site that blocks the crawler. The cycle is the service's: crawl,
    deadlines, queue the alerts, send them by SMTP. Without --keep everything is removed afterwards."""
    from monitor.demo import environment

    now = checked_time("--date", day.strftime("%Y-%m-%d"), datetime.combine(day.date(), RUN_AT, BEIJING))
    with _folder(keep) as folder, environment(folder) as env:
        click.echo(f"示例网站：{'、'.join(env.farm.origin(site) for site in env.farm.servers)}；"
                   f"邮件服务器：{env.sink.host}:{env.sink.port}")
        click.echo(f"数据目录：{folder}{'' if keep else '（结束后删除）'}；监测时间：{now:%Y-%m-%d %H:%M}（北京时间）")
        store, _ = create(env.settings.database.url)
        with store:
            with store.transaction() as session:
                registry.apply(session, env.settings.agency, datetime.now(UTC))
            _cycle(store, env.settings, now)
            _print_findings(store)
        _print_mails(env.sink.messages)
    if keep is not None:
        click.echo(f"已保留数据目录 {keep}（monitor findings --config {keep / 'monitor.toml'} 可查询）")


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    """The data directory: `keep` (created; refused unless new or empty), else a temporary one removed after."""
    if keep is None:
        folder = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        fail(f"monitor demo: --keep {keep} 已存在且不是空目录")
    try:
        keep.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"monitor demo: 无法创建目录 {keep}：{exc.strerror or exc}")
    yield Path(os.path.abspath(keep))


def _cycle(store: Store, settings: Settings, now: datetime) -> None:
    """Crawl, deadlines, queue the alerts, send them: as the service does, each step's account printed."""
    from monitor import timeliness
    from monitor.alerts import queue_alerts, send_alerts
    from scrapers.crawl import Crawl, interruptible

    job = Crawl(store, settings, now)
    with interruptible(job):
        s = job.run()
    if s.interrupted:
        click.echo("\nmonitor demo: 已中断", err=True)
        sys.exit(130)
    click.echo(f"\n1. 抓取：机关 {s.agencies} 个；栏目已读 {s.listings_read}，被阻止 {s.blocked}，失败 {s.failed}；"
               f"新报告 {s.new_reports}，无法读取 {s.unreadable}；请求 {s.requests} 次")
    for problem in s.problems:
        click.echo(printable(f"   {problem}"))
    evaluated = timeliness.evaluate(store, now, first_year=settings.crawl.first_year,
                                    down_after=settings.crawl.down_after)
    rules = "，".join(f"{rule} {count}" for rule, count in sorted(evaluated.by_rule.items()))
    click.echo(f"2. 期限检查：{evaluated.agency_years} 个机关年度；{rules or '没有发现问题'}")
    click.echo(f"3. {queue_alerts(store, settings, now).summary()}")
    sent = send_alerts(store, settings, now)
    click.echo(f"4. {sent.summary()}")
    for problem in sent.problems:
        click.echo(printable(f"   {problem}"))


def _print_findings(store: Store) -> None:
    """The open findings, by rule: the agency, the year and the message of each."""
    from sqlalchemy import select

    from monitor.store.models import Agency, Finding, FindingStatus
    from rules import REGISTRY

    query = (select(Finding.rule, Agency.name, Finding.year, Finding.message)
             .join(Agency, Agency.id == Finding.agency_id)
             .where(Finding.status == FindingStatus.OPEN.value).order_by(Finding.rule, Agency.name, Finding.id))
    by_rule: dict[str, list[str]] = defaultdict(list)
    with store.reading() as session:
        for rule, agency, year, message in session.execute(query):
            by_rule[rule].append(f"{agency} {year}年度：{message}")
    click.echo(f"\n发现的问题（{sum(map(len, by_rule.values()))} 项）：")
    for rule, lines in by_rule.items():
        title = REGISTRY[rule].title if rule in REGISTRY else rule
        click.echo(f"[{rule}] {title}")
        for line in lines:
            click.echo(printable(f"  {line}"))


def _print_mails(messages: list[EmailMessage]) -> None:
    """Each mail the server received: subject, recipients and the plain-text body."""
    click.echo(f"\n邮件服务器收到 {len(messages)} 封邮件。")
    for number, message in enumerate(messages, 1):
        click.echo(f"\n==== 邮件 {number}/{len(messages)} ====")
        click.echo(f"主题：{message['Subject']}")
        click.echo(f"收件人：{message['To']}")
        body = message.get_body(preferencelist=("plain",))
        click.echo("")
        click.echo(printable(body.get_content().rstrip()) if isinstance(body, EmailMessage) else "（没有纯文本正文）")
    if not messages:
        click.echo("monitor demo: 没有邮件送达，见上面的发送结果", err=True)
        sys.exit(1)
