"""Commands of the monitoring cycle: crawl (find, fetch, read, store and evaluate reports) and deadlines
(the publication rules: LATE, MISSING, UNDATED, REMOVED, SOURCE-BLOCKED, SOURCE-DOWN)."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli_data import config_option, expire_dismissals, fail, now_option, opened, parse_now, settings_from
from monitor.config import Settings
from monitor.store import Store, runs
from monitor.text import printable

RULE_WORDS = {"LATE": "逾期发布", "MISSING": "未发布", "UNDATED": "无发布日期", "REMOVED": "被撤下",
              "SOURCE-BLOCKED": "网站阻止访问", "SOURCE-DOWN": "栏目无法访问"}
COUNT_WORDS = {"opened": "新发现", "seen": "仍存在", "reopened": "再次出现", "resolved": "已解决"}


def evaluate_deadlines(store: Store, settings: Settings, now: datetime, agency_ids: list[str] | None) -> str:
    """Run the publication rules, queue the alerts due, and describe the outcome in one line."""
    from monitor import timeliness
    from monitor.alerts import queue_alerts

    result = timeliness.evaluate(store, now, first_year=settings.crawl.first_year,
                                 down_after=settings.crawl.down_after, agency_ids=agency_ids)
    rules = "，".join(f"{RULE_WORDS.get(rule, rule)}（{rule}）{count}"
                     for rule, count in sorted(result.by_rule.items()))
    counts = "，".join(f"{COUNT_WORDS[key]} {value}" for key, value in result.counts.items() if value)
    queued = queue_alerts(store, settings, now)
    return (f"期限检查（{now.astimezone(UTC).isoformat(timespec='seconds')}）：{result.agency_years} 个机关年度；"
            f"{rules or '没有发现问题'}" + (f"；{counts}" if counts else "") + f"；{queued.summary()}")


@click.command()
@click.option("--agency", "agency_ids", multiple=True, help="Only this agency (registry id); repeatable.")
@config_option
@now_option
def deadlines(agency_ids: tuple[str, ...], config_path: Path | None, now_text: str | None) -> None:
    """Evaluate LATE, MISSING, UNDATED, REMOVED, SOURCE-BLOCKED and SOURCE-DOWN for every agency as of
    --now (default: now) and record the findings."""
    now = parse_now(now_text)
    settings = settings_from(config_path)
    with opened(settings) as store:
        _known(store, agency_ids)
        run_id = runs.start(store, "deadlines", datetime.now(UTC))
        line = evaluate_deadlines(store, settings, now, list(agency_ids) or None)
        runs.finish(store, run_id, datetime.now(UTC), runs.RunStatus.OK, {"summary": line})
        expire_dismissals(store)
    click.echo(line)


@click.command()
@click.option("--agency", "agency_ids", multiple=True, help="Only this agency (registry id); repeatable.")
@click.option("--progress/--no-progress", default=None, help="A progress bar (default: on a terminal).")
@config_option
@now_option
def crawl(agency_ids: tuple[str, ...], progress: bool | None, config_path: Path | None, now_text: str | None) -> None:
    """One crawl cycle: read every agency's listings, fetch new or changed reports, read, store and
    evaluate them, then the publication rules. Ctrl-C or SIGTERM stops after the document in flight."""
    from scrapers.crawl import Crawl, interruptible

    now = parse_now(now_text)
    settings = settings_from(config_path)
    from monitor.service.lock import exclusive

    with opened(settings) as store, exclusive(store) as mine:
        if not mine:
            fail("monitor crawl: 监测服务（monitor run）或另一个 monitor crawl、monitor send 正在运行；请稍后再试")
        _known(store, agency_ids)
        total = _count(store, agency_ids)
        show = sys.stderr.isatty() if progress is None else progress
        bar = _bar(total, show)
        started = datetime.now(UTC)
        run_id = runs.start(store, "crawl", started)
        job = Crawl(store, settings, now, on_agency=bar)
        with interruptible(job):
            summary = job.run(list(agency_ids) or None)
        line = evaluate_deadlines(store, settings, now, list(agency_ids) or None) if not summary.interrupted else ""
        status = runs.RunStatus.INTERRUPTED if summary.interrupted else runs.RunStatus.OK
        stats = summary.as_stats() | {"problems": summary.problems[:200]}
        runs.finish(store, run_id, datetime.now(UTC), status, stats)
        expire_dismissals(store)
    close = getattr(bar, "close", None)
    if close is not None:
        close()
    for problem in summary.problems[:50]:
        click.echo(printable(f"monitor crawl: {problem}"), err=True)
    if len(summary.problems) > 50:
        click.echo(f"monitor crawl: 另有 {len(summary.problems) - 50} 条问题，见 monitor status", err=True)
    s = summary
    click.echo(f"{'抓取已中断' if s.interrupted else '抓取完成'}：机关 {s.agencies} 个；栏目已读 {s.listings_read}，"
               f"未变（304）{s.listings_unchanged}，被阻止 {s.blocked}，失败 {s.failed}；新报告 {s.new_reports}，"
               f"新版本 {s.new_versions}，内容未变 {s.unchanged_reports}，无法读取 {s.unreadable}，"
               f"失效链接 {s.dead_links}，撤下 {s.removed}，错误 {s.errors}；请求 {s.requests} 次，{_size(s.bytes)}")
    if line:
        click.echo(line)
    if s.interrupted:
        sys.exit(130)


def _known(store: Store, agency_ids: tuple[str, ...]) -> None:
    if not agency_ids:
        return
    from monitor.store import registry

    with store.reading() as session:
        known = set(registry.known_ids(session))
    unknown = [agency_id for agency_id in agency_ids if agency_id not in known]
    if unknown:
        fail(f"登记册中没有机关：{', '.join(unknown)}")


def _count(store: Store, agency_ids: tuple[str, ...]) -> int:
    from monitor.store import registry

    if agency_ids:
        return len(agency_ids)
    with store.reading() as session:
        return len(list(registry.known_ids(session)))


class _Lines:
    """Progress as plain lines on stderr (not a terminal)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.lock = threading.Lock()

    def __call__(self, agency_id: str) -> None:
        with self.lock:
            self.done += 1
            click.echo(printable(f"[{self.done}/{self.total}] {agency_id}"), err=True)


class _Bar:
    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="个机关", desc="抓取", file=sys.stderr, leave=False)

    def __call__(self, agency_id: str) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _bar(total: int, show: bool) -> _Lines | _Bar:
    return _Bar(total) if show else _Lines(total)


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 2**10:.1f} KB"
