"""Alembic environment: the engine comes from `monitor.store.database.upgrade` (or alembic.ini's URL).

The models are imported only so that `alembic revision --autogenerate` can compare them with a
database; the revisions themselves never import application code.

On SQLite, a batch migration rebuilds a table (copy, drop, rename), and dropping a table that others
reference fails while foreign keys are enforced; so they are switched off for the migration (SQLite's
own procedure for schema changes), checked with `PRAGMA foreign_key_check` before the commit, and
switched on again."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from monitor.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                    poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside a transaction: SQLite ignores this pragma inside one
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite)
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("migration left rows whose foreign keys point nowhere")
            connection.commit()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


run()
