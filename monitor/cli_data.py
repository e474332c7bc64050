"""Commands that write the history database: init, ingest, agencies import/export."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor import registry
from monitor.batch import Failed, Job, ingest_many, read_manifest
from monitor.config import ConfigError, Settings, load_settings
from monitor.db import alembic_config, make_engine, models, refresh_statistics, sessions, upgrade
from monitor.errors import InputError
from monitor.ingest import Ingested

config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                             help="Configuration file (default ./monitor.toml; embedded defaults without one).")
now_option = click.option("--now", "now_text", help="Pretend the current time is this ISO 8601 time.")


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit with status 2."""
    click.echo(message, err=True)
    sys.exit(2)


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
        fail(f"--now: 不是 ISO 8601 时间：{text}")
    return value if value.tzinfo else value.replace(tzinfo=datetime.now().astimezone().tzinfo)


def open_database(settings: Settings, now: datetime) -> sessionmaker[Session]:
    """The session factory of a database at the current schema, with the TOML registry synced."""
    engine = make_engine(settings.database.url)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:  # the database cannot be reached at all
        fail(f"无法连接数据库 {engine.url.render_as_string(hide_password=True)}：{type(exc).__name__}: {exc}")
    if current != head:
        fail(f"数据库 {engine.url.render_as_string(hide_password=True)} 尚未初始化或版本过旧"
             f"（{current or '空'}，应为 {head}）：请先运行 monitor init")
    factory = sessions(engine)
    with factory.begin() as session:
        registry.sync(session, settings.agency, now)
    return factory


@click.command()
@config_option
def init(config_path: Path | None) -> None:
    """Create or migrate the database (Alembic upgrade head) and load the registry."""
    settings = settings_from(config_path)
    engine = make_engine(settings.database.url)
    upgrade(engine)
    with sessions(engine).begin() as session:
        count = registry.sync(session, settings.agency, datetime.now(UTC))
    where = engine.url.render_as_string(hide_password=True)
    click.echo(f"数据库已就绪：{where}；登记机关 {count} 个（{settings.source}）")


def refresh(factory: sessionmaker[Session]) -> None:
    """Refresh the planner's statistics after writes; a failure (e.g. no right to ANALYZE) only warns."""
    try:
        refresh_statistics(factory.kw["bind"])
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        click.echo(f"警告：未能更新查询统计信息（{type(reason).__name__}），数据已保存，只是查询可能变慢", err=True)


STATUS_WORDS = {"new": "已入库", "version": "已入库（新版本）", "unchanged": "内容未变，未新增版本"}
COUNT_WORDS = {"opened": "新发现", "seen": "仍存在", "reopened": "再次出现", "resolved": "已解决"}


def describe(agency_id: str, result: Ingested) -> str:
    """One line for a stored document: agency, year, version, what happened, the findings counted."""
    counts = "，".join(f"{COUNT_WORDS[k]} {v}" for k, v in result.counts.items() if v)
    return (f"{agency_id} {result.year}年度 第{result.version}版：{STATUS_WORDS[result.status]}"
            + (f"；问题：{counts}" if counts else ""))


@click.command()
@click.argument("location", required=False)
@click.option("--agency", "agency_id", help="Registry id of the publishing agency.")
@click.option("--year", type=int, help="Report year, when the document does not say it.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
    now = parse_now(now_text)
    settings = settings_from(config_path)
    try:
        jobs = read_manifest(manifest, now) if manifest else [Job(agency_id or "", location or "", now, year)]
    except InputError as exc:
        fail(f"monitor ingest: {exc}")
    factory = open_database(settings, now)
    tally = {"new": 0, "version": 0, "unchanged": 0, "failed": 0}
    for job, outcome in ingest_many(factory, jobs, workers):
        if isinstance(outcome, Failed):
            tally["failed"] += 1
            click.echo(f"monitor ingest: {job.location}: {outcome.reason}", err=True)
            continue
        tally[outcome.status] += 1
        click.echo(describe(job.agency_id, outcome))
    refresh(factory)
    if manifest:
        click.echo(f"共 {len(jobs)} 份：新入库 {tally['new']}，新版本 {tally['version']}，"
                   f"内容未变 {tally['unchanged']}，失败 {tally['failed']}（{manifest}）")
    if tally["failed"]:
        sys.exit(2)


@click.group()
def agencies() -> None:
    """The agency registry: import from and export to CSV."""


@agencies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
def import_agencies(path: Path, config_path: Path | None) -> None:
    """Import (insert or update) agencies from a CSV file with the SPEC §6 columns."""
    now = datetime.now(UTC)
    factory = open_database(settings_from(config_path), now)
    with factory.begin() as session:
        known = frozenset(session.scalars(select(models.Agency.id)))
        try:
            rows = registry.read_csv(path.read_text(encoding="utf-8-sig"), str(path), known)
        except (ConfigError, UnicodeDecodeError) as exc:
            fail(str(exc) if isinstance(exc, ConfigError) else f"{path}: 不是 UTF-8 编码的 CSV")
        count = registry.sync(session, rows, now)
    refresh(factory)
    click.echo(f"已导入 {count} 个机关（{path}）")


@agencies.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout).")
@config_option
def export_agencies(output: Path | None, config_path: Path | None) -> None:
    """Export the registry as CSV (the import format)."""
    factory = open_database(settings_from(config_path), datetime.now(UTC))
    with factory() as session:
        text = registry.write_csv(session)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


COMMANDS = (init, ingest, agencies)
