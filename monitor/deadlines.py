"""Publication deadlines (SPEC §1): by publisher kind and level, or the registry's override."""

from __future__ import annotations

from datetime import date

# (month, day) in the year after the report year.
DEFAULT_DEADLINES: dict[tuple[str, str | None], tuple[int, int]] = {
    ("department", None): (1, 31),
    ("township", None): (1, 31),
    ("government", "county"): (2, 20),
    ("government", "prefecture"): (3, 10),
    ("government", "province"): (3, 31),
}


def deadline(kind: str, level: str | None, report_year: int, override: str | None = None) -> date:
    """The day by which the report for `report_year` must be published (published on it: on time)."""
    if override:
        month, day = (int(part) for part in override.split("-"))
    else:
        month, day = DEFAULT_DEADLINES[(kind, level if kind == "government" else None)]
    return date(report_year + 1, month, day)

