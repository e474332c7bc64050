"""Persistence, the one owner of the database: the models and their migrations, opening a database,
the agency registry, report versions, findings and their triage, and the auditors' queries.

Nothing here parses a document or runs a rule: `monitor.pipeline` does, and hands over Reports and
findings to store.
"""

from monitor.store.database import Store, StoreError, create, open_store

__all__ = ["Store", "StoreError", "create", "open_store"]
