"""The agency registry in the database, the source of truth: applied from monitor.toml (`monitor init`,
`monitor agencies sync`) or a CSV file (`monitor agencies import`), compared with them, exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.config import Agency, ConfigError, check_registry, format_errors
from monitor.store import models
from monitor.text import FORMULA_START, csv_cell, csv_error_reason

CSV_COLUMNS = ("id", "name", "kind", "level", "region", "parent", "listing", "supervisors", "deadline")
LIST_COLUMNS = ("listing", "supervisors")


@dataclass
class Changes:
    """How a list of agencies differs from the database: new ids, and known ids with other values."""

    added: list[Agency] = field(default_factory=list)
    changed: list[Agency] = field(default_factory=list)
    unchanged: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.changed)

    def summary(self) -> str:
        return f"新增 {len(self.added)} 个，变更 {len(self.changed)} 个，未变 {self.unchanged} 个"


def _stored_values(row: models.Agency) -> tuple[object, ...]:
    return (row.name, row.kind, row.level, row.region, row.parent_id, sorted(s.url for s in row.listings),
            list(row.supervisors), row.deadline)


def _values(agency: Agency) -> tuple[object, ...]:
    return (agency.name, agency.kind, agency.level, agency.region, agency.parent, sorted(agency.listing),
            list(agency.supervisors), agency.deadline)


def _rows(session: Session) -> dict[str, models.Agency]:
    query = select(models.Agency).options(selectinload(models.Agency.listings))
    return {row.id: row for row in session.scalars(query)}


def known_ids(session: Session) -> list[str]:
    return list(session.scalars(select(models.Agency.id)))


def compare(session: Session, agencies: Iterable[Agency]) -> Changes:
    """What applying `agencies` would change; changes nothing."""
    return _compare(_rows(session), agencies)


def _compare(known: dict[str, models.Agency], agencies: Iterable[Agency]) -> Changes:
    changes = Changes()
    for agency in agencies:
        row = known.get(agency.id)
        if row is None:
            changes.added.append(agency)
        elif _stored_values(row) != _values(agency):
            changes.changed.append(agency)
        else:
            changes.unchanged += 1
    return changes


def apply(session: Session, agencies: Iterable[Agency], now: datetime) -> Changes:
    """Insert new agencies and update changed ones (with their listing pages); agencies of the database
    that the list does not name are kept. Returns what changed."""
    known = _rows(session)
    changes = _compare(known, agencies)
    # Parents before their children, so that a parent exists before the row that points at it.
    pending = {agency.id: agency for agency in (*changes.added, *changes.changed)}
    for agency in _parents_first(pending):
        row = known.get(agency.id) or models.Agency(id=agency.id)
        row.name, row.kind, row.level, row.region = agency.name, agency.kind, agency.level, agency.region
        row.parent_id, row.supervisors, row.deadline, row.updated_at = (
            agency.parent, list(agency.supervisors), agency.deadline, now)
        wanted = set(agency.listing)
        present = {s.url for s in row.listings}
        row.listings = [s for s in row.listings if s.url in wanted] + [
            models.ListingSource(url=url) for url in agency.listing if url not in present]
        session.add(row)
    session.flush()
    return changes


def _parents_first(pending: dict[str, Agency]) -> list[Agency]:
    ordered: list[Agency] = []
    placed: set[str] = set()

    def place(agency: Agency, trail: frozenset[str] = frozenset()) -> None:
        if agency.id in placed or agency.id in trail:
            return
        parent = pending.get(agency.parent or "")
        if parent is not None:
            place(parent, trail | {agency.id})
        placed.add(agency.id)
        ordered.append(agency)

    for agency in pending.values():
        place(agency)
    return ordered


def read_csv(text: str, source: str, known: frozenset[str] = frozenset()) -> list[Agency]:
    """Agencies from CSV (SPEC §6 column names; `listing` and `supervisors` separated by `;`).

    Every problem is reported with its line and field; nothing is imported unless all lines are valid.
    A parent may be in the file or already in the database (`known`). A value that `write_csv` guarded
    against spreadsheets (a single quote before 「=」, 「+」, 「-」, 「@」) is read back without the quote.
    A line CSV itself cannot read (a field longer than csv.field_size_limit()) is refused with its number.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise ConfigError(f"{source}:{reader.line_num + 1}: {csv_error_reason(exc)}") from None
    missing = {"id", "name", "kind"} - set(fieldnames or [])
    if missing:
        raise ConfigError(f"{source}: 缺少列 {', '.join(sorted(missing))}")
    unknown = set(fieldnames or []) - set(CSV_COLUMNS)
    if unknown:
        raise ConfigError(f"{source}: 未知的列 {', '.join(sorted(unknown))}")
    agencies: list[Agency] = []
    problems: list[str] = []
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # the line where the unreadable record starts
            problems.append(f"{source}:{reader.line_num + 1}: {csv_error_reason(exc)}")
            break
        line = reader.line_num
        if None in record:  # DictReader puts the values beyond the header under the key None
            problems.append(f"{source}:{line}: 这一行有 {len(reader.fieldnames or []) + len(record[None])} 个字段，"
                            f"比表头多 {len(record[None])} 个（含逗号的值请加英文双引号）")
            continue
        values = {key: _unguarded((value or "").strip()) for key, value in record.items()}
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


def _unguarded(value: str) -> str:
    """A value without the single quote `write_csv` put before a formula-like start."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def write_csv(session: Session) -> str:
    """The registry as CSV in the import format, with a UTF-8 BOM (so that Excel and WPS read the Chinese).
    Values are made printable and formula-safe (`monitor.text.csv_cell`): a name 「=HYPERLINK(…)」 is
    written 「'=HYPERLINK(…)」, which a spreadsheet shows as text and `read_csv` reads back as it was."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in sorted(_rows(session).values(), key=lambda r: r.id):
        writer.writerow([csv_cell(value) for value in (
            row.id, row.name, row.kind, row.level or "", row.region, row.parent_id or "",
            ";".join(s.url for s in row.listings), ";".join(row.supervisors), row.deadline or "")])
    return out.getvalue()
