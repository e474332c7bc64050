"""Who is alerted about an agency: its supervisors, or those of the nearest ancestor that names some."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.store.models import Agency


class Routes:
    """Recipients by agency id, from the registry in the database (read once per run)."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self.agencies = {agency.id: agency for agency in agencies}
        self._cache: dict[str, tuple[str, ...]] = {}

    def recipients(self, agency_id: str) -> tuple[str, ...]:
        """The agency's supervisors; when it names none, its parent's, recursively (a cycle in the
        registry ends the search). Empty when no agency up the chain names one."""
        if agency_id not in self._cache:
            found: tuple[str, ...] = ()
            seen: set[str] = set()
            current: str | None = agency_id
            while current is not None and current not in seen and current in self.agencies:
                seen.add(current)
                agency = self.agencies[current]
                addresses = [address.strip() for address in agency.supervisors or [] if address.strip()]
                if addresses:
                    found = tuple(dict.fromkeys(addresses))
                    break
                current = agency.parent_id
            self._cache[agency_id] = found
        return self._cache[agency_id]
