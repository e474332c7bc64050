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
from sqlalchemy.orm import Session, sessionmaker

from monitor import registry
from monitor.config import ConfigError, Settings, load_settings
from monitor.db import alembic_config, make_engine, models, refresh_statistics, sessions, upgrade
from monitor.errors import InputError
from monitor.fetch import read_location
from monitor.ingest import ingest as ingest_document

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


@click.command()
@click.argument("location")
@click.option("--agency", "agency_id", required=True, help="Registry id of the publishing agency.")
@click.option("--year", type=int, help="Report year, when the document does not say it.")
@config_option
@now_option
def ingest(location: str, agency_id: str, year: int | None, config_path: Path | None, now_text: str | None) -> None:
    """Store a report received by other means (a file or URL) as a version of the agency's report."""
    now = parse_now(now_text)
    factory = open_database(settings_from(config_path), now)
    try:
        data, content_type = read_location(location)
        result = ingest_document(factory, agency_id, data, location, now=now, year=year, content_type=content_type)
    except InputError as exc:
        fail(f"monitor ingest: {location}: {exc}")
    refresh_statistics(factory.kw["bind"])
    words = {"new": "已入库", "version": "已入库（新版本）", "unchanged": "内容未变，未新增版本"}
    counts = "，".join(f"{k} {v}" for k, v in result.counts.items() if v)
    click.echo(f"{agency_id} {result.year}年度 第{result.version}版：{words[result.status]}"
               + (f"；问题 {counts}" if counts else ""))


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
    refresh_statistics(factory.kw["bind"])
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
