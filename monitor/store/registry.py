"""The agency registry in the database: synced from monitor.toml, imported from and exported to CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import Agency, ConfigError, check_registry, format_errors
from monitor.db import models

CSV_COLUMNS = ("id", "name", "kind", "level", "region", "parent", "listing", "supervisors", "deadline")
LIST_COLUMNS = ("listing", "supervisors")


def sync(session: Session, agencies: Iterable[Agency], now: datetime) -> int:
    """Insert or update agencies (and their listing pages); returns how many were written."""
    count = 0
    known = {a.id: a for a in session.scalars(select(models.Agency))}
    pending = list(agencies)
    # Parents first, so a parent exists before the child that points at it.
    pending.sort(key=lambda a: (a.parent is not None, a.parent or ""))
    for agency in pending:
        row = known.get(agency.id) or models.Agency(id=agency.id)
        row.name, row.kind, row.level, row.region = agency.name, agency.kind, agency.level, agency.region
        row.parent_id, row.supervisors, row.deadline, row.updated_at = (
            agency.parent, list(agency.supervisors), agency.deadline, now)
        wanted = set(agency.listing)
        row.listings = [s for s in row.listings if s.url in wanted] + [
            models.ListingSource(url=url) for url in agency.listing if url not in {s.url for s in row.listings}]
        session.add(row)
        session.flush()
        count += 1
    return count


def read_csv(text: str, source: str, known: frozenset[str] = frozenset()) -> list[Agency]:
    """Agencies from CSV (SPEC §6 column names; `listing` and `supervisors` separated by `;`).

    Every problem is reported with its line and field; nothing is imported unless all lines are valid.
    A parent may be in the file or already in the database (`known`).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"id", "name", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise ConfigError(f"{source}: 缺少列 {', '.join(sorted(missing))}")
    unknown = set(reader.fieldnames or []) - set(CSV_COLUMNS)
    if unknown:
        raise ConfigError(f"{source}: 未知的列 {', '.join(sorted(unknown))}")
    agencies: list[Agency] = []
    problems: list[str] = []
    for line, record in enumerate(reader, start=2):
        values = {key: (value or "").strip() for key, value in record.items() if key}
        data: dict[str, object] = {k: v for k, v in values.items() if v and k not in LIST_COLUMNS}
        for key in LIST_COLUMNS:
            data[key] = [part.strip() for part in values.get(key, "").split(";") if part.strip()]
        try:
            agencies.append(Agency(**data))
        except ValidationError as exc:
            problems.append(format_errors(source, exc, where=f":{line}"))
    if not problems:
        try:
            check_registry(agencies, known)
        except ValueError as exc:
            problems.append(f"{source}: {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
    return agencies


def write_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in session.scalars(select(models.Agency).order_by(models.Agency.id)):
        writer.writerow([row.id, row.name, row.kind, row.level or "", row.region, row.parent_id or "",
                         ";".join(s.url for s in row.listings), ";".join(row.supervisors), row.deadline or ""])
    return out.getvalue()

