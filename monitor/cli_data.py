"""Commands that write the database: init, ingest, agencies sync/import, and the registry export.

The registry in the database is the source of truth: `monitor init` and `monitor agencies sync` apply
monitor.toml, `monitor agencies import` applies a CSV file, and nothing else changes it. Every other
command says so when the file and the database differ.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from monitor.cli import refuse, year_value
from monitor.config import EMBEDDED_SOURCE, ConfigError, Settings, load_settings
from monitor.errors import InputError
from monitor.store import Store, StoreError, create, findings, open_store, registry
from monitor.store.audit import atomic_write
from monitor.store.database import SCHEMA_REVISION, refresh_statistics
from monitor.text import clip, inline, printable

if TYPE_CHECKING:
    from monitor.pipeline import Ingested

config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                             help="Configuration file (default ./monitor.toml; embedded defaults without one).")
now_option = click.option("--now", "now_text", help="Pretend the current time is this ISO 8601 time.")
# The times --now and --since accept: any later or earlier cannot be moved to UTC or Beijing time
# (Python's datetime ends with the year 9999) nor stored.
MIN_TIME_YEAR, MAX_TIME_YEAR = 1970, 9998


def fail(message: str) -> NoReturn:
    """Print a one-line error (without control characters: it may quote a document) and exit with
    status 2."""
    refuse(message)


def settings_from(config_path: Path | None) -> Settings:
    try:
        return load_settings(config_path)
    except ConfigError as exc:
        fail(str(exc))


def parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now: 不是 ISO 8601 时间：{clip(text)}")
    value = value if value.tzinfo else value.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return checked_time("--now", text, value)


def checked_time(option: str, text: str, value: datetime) -> datetime:
    """`value` (aware) if it lies within 1970–9998 and converts to UTC; else one line and exit 2."""
    try:
        in_range = MIN_TIME_YEAR <= value.year <= MAX_TIME_YEAR and value.astimezone(UTC) is not None
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        fail(f"{option}: 时间应在 {MIN_TIME_YEAR} 年至 {MAX_TIME_YEAR} 年之间：{clip(text)}")
    return value


@contextmanager
def opened_quietly(settings: Settings) -> Iterator[Store]:
    """The configured database, which must exist at the current schema (only `monitor init` creates
    one), closed after the block."""
    try:
        store = open_store(settings.database.url)
    except StoreError as exc:
        fail(str(exc))
    with store:
        yield store


@contextmanager
def opened(settings: Settings) -> Iterator[Store]:
    """`opened_quietly`, and a registry of monitor.toml that differs from the database is reported on
    stderr, not applied."""
    with opened_quietly(settings) as store:
        if settings.source != EMBEDDED_SOURCE and settings.agency:
            with store.reading() as session:
                changes = registry.compare(session, settings.agency)
            if changes:
                click.echo(f"注意：{settings.source} 的登记册与数据库不同（{changes.summary()}），未应用；"
                           "要应用请运行 monitor agencies sync", err=True)
        yield store


def refresh(store: Store) -> None:
    """Refresh the planner's statistics after writes; a failure (e.g. no right to ANALYZE) only warns."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        refresh_statistics(store.engine)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        click.echo(f"警告：未能更新查询统计信息（{type(reason).__name__}），数据已保存，只是查询可能变慢", err=True)


@click.command()
@config_option
def init(config_path: Path | None) -> None:
    """Create or migrate the database (Alembic upgrade head) and apply the registry of monitor.toml."""
    settings = settings_from(config_path)
    try:
        store, before = create(settings.database.url)
    except StoreError as exc:
        fail(f"monitor init: {exc}")
    with store, store.transaction() as session:
        changes = registry.apply(session, settings.agency, datetime.now(UTC))
    state = "新建" if before is None else "已是最新" if before == SCHEMA_REVISION else f"已从 {before} 迁移"
    click.echo(f"数据库已就绪（{state}）：{store.name}")
    click.echo(f"登记册（{settings.source.strip('（）')}）：{changes.summary()}")
    if settings.source == EMBEDDED_SOURCE:
        click.echo(f"未找到 monitor.toml，使用内置默认配置；数据目录：{settings.base_dir}")


COUNT_WORDS = {"opened": "新发现", "seen": "仍存在", "reopened": "再次出现", "resolved": "已解决"}


def describe(agency_id: str, result: Ingested) -> str:
    """One line for a stored document: agency, year, version, what happened, the findings counted."""
    from monitor.pipeline import IngestStatus

    status_words = {IngestStatus.NEW: "已入库", IngestStatus.VERSION: "已入库（新版本）",
                    IngestStatus.UNCHANGED: "内容未变，未新增版本"}
    counts = "，".join(f"{COUNT_WORDS[k]} {v}" for k, v in result.counts.items() if v)
    mismatch = "AGENCY-MISMATCH" in result.rules
    return printable(f"{agency_id} {result.year}年度 第{result.version}版：{status_words[result.status]}"
                     + (f"；问题：{counts}" if counts else "")
                     + ("；注意：报告中的机关与登记的机关不符（AGENCY-MISMATCH），请核对" if mismatch else ""))


@click.command()
@click.argument("location", required=False)
@click.option("--agency", "agency_id", help="Registry id of the publishing agency.")
@click.option("--year", metavar="Y", callback=year_value, help="Report year (2008–2100), when the document does "
              "not say it.")
@click.option("--manifest", type=click.Path(path_type=Path),
              help="CSV file of many documents (columns agency, location, year) instead of LOCATION.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes for --manifest (default: CPUs).")
@config_option
@now_option
def ingest(location: str | None, agency_id: str | None, year: int | None, manifest: Path | None,
           workers: int | None, config_path: Path | None, now_text: str | None) -> None:
    """Store reports received by other means (files or URLs) as versions of agencies' reports.

    One document: LOCATION --agency ID [--year Y]. Many: --manifest FILE.csv [--workers N], where a
    relative location is a file beside the manifest; one agency's rows are stored in the given order."""
    if (location is None) == (manifest is None):
        fail("monitor ingest: 请给出一个文件或网址（LOCATION），或用 --manifest 给出清单，二者只能选一")
    if manifest is None and not agency_id:
        fail("monitor ingest: 请用 --agency 指定发布机关")
    if manifest is not None and (agency_id or year):
        fail("monitor ingest: --manifest 的机关和年度写在清单的 agency、year 列，不能再用 --agency、--year")
    from monitor.batch import Failed, Job, ingest_many, read_manifest  # only ingest reads documents

    now = parse_now(now_text)
    settings = settings_from(config_path)
    try:
        jobs = read_manifest(manifest, now) if manifest else [Job(agency_id or "", location or "", now, year)]
    except InputError as exc:
        fail(f"monitor ingest: {exc}")
    tally = {"new": 0, "version": 0, "unchanged": 0, "failed": 0}
    with opened(settings) as store:
        for job, outcome in ingest_many(store, jobs, workers):
            if isinstance(outcome, Failed):
                tally["failed"] += 1
                click.echo(printable(f"monitor ingest: {inline(job.location)}: {outcome.reason}"), err=True)
                continue
            tally[outcome.status] += 1
            click.echo(describe(job.agency_id, outcome))
        expire_dismissals(store)
        refresh(store)
    if manifest:
        click.echo(f"共 {len(jobs)} 份：新入库 {tally['new']}，新版本 {tally['version']}，"
                   f"内容未变 {tally['unchanged']}，失败 {tally['failed']}（{manifest}）")
    if tally["failed"]:
        sys.exit(2)


def expire_dismissals(store: Store) -> None:
    """A writing command writes back the dismissals that expired before now (the real time)."""
    with store.transaction() as session:
        findings.expire_dismissals(session, datetime.now(UTC))


@click.group()
def agencies() -> None:
    """The agency registry: apply monitor.toml (sync), import from and export to CSV."""


@agencies.command("sync")
@config_option
def sync_agencies(config_path: Path | None) -> None:
    """Apply the registry of monitor.toml to the database (insert new agencies, update changed ones)."""
    settings = settings_from(config_path)
    with opened_quietly(settings) as store:
        with store.transaction() as session:
            changes = registry.apply(session, settings.agency, datetime.now(UTC))
        refresh(store)
    click.echo(f"已应用登记册（{settings.source.strip('（）')}）：{changes.summary()}")


@agencies.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@config_option
def import_agencies(path: Path, config_path: Path | None) -> None:
    """Import (insert or update) agencies from a CSV file with the SPEC §6 columns."""
    from monitor.fetch import read_text_file

    try:
        text = read_text_file(path)
    except InputError as exc:
        fail(f"monitor agencies import: {exc}")
    with opened(settings_from(config_path)) as store:
        with store.transaction() as session:
            known = frozenset(registry.known_ids(session))
            try:
                rows = registry.read_csv(text, str(path), known)
            except ConfigError as exc:
                fail(str(exc))
            changes = registry.apply(session, rows, datetime.now(UTC))
        refresh(store)
    click.echo(f"已导入（{path}）：{changes.summary()}")


@agencies.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing file (a regular file only).")
@config_option
def export_agencies(output: Path | None, force: bool, config_path: Path | None) -> None:
    """Export the registry as CSV (the import format, UTF-8 with a BOM for Excel and WPS)."""
    if output is not None:
        check_output("monitor agencies export", output, force)
    with opened(settings_from(config_path)) as store, store.reading() as session:
        text = registry.write_csv(session)
    if output is None:
        click.echo(text, nl=False)
        return

    def write(target: Path) -> None:
        target.write_text(text, encoding="utf-8")

    try:
        atomic_write(output, write)
    except OSError as exc:
        fail(f"monitor agencies export: 无法写入 {output}：{exc.strerror or exc}")


def check_output(command: str, path: Path, force: bool) -> None:
    """An export's file: a new file in an existing folder, or, with --force, a regular file to replace
    (never a symbolic link, a device, a pipe or a socket). Otherwise one line and exit 2."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        fail(f"{command}: 无法访问 {path}：{exc.strerror or exc}")
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            fail(f"{command}: {path} 是符号链接，不会覆盖；请换一个文件名")
        if stat.S_ISDIR(info.st_mode):
            fail(f"{command}: {path} 是目录，请给出文件名")
        if not stat.S_ISREG(info.st_mode):
            fail(f"{command}: {path} 不是普通文件（设备、管道或套接字），不会覆盖；请换一个文件名")
        if not force:
            fail(f"{command}: {path} 已存在；加 --force 覆盖")
    if not path.parent.is_dir():
        fail(f"{command}: 目录 {path.parent} 不存在")


COMMANDS = (init, ingest, agencies)
