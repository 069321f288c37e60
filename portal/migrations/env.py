"""Alembic's environment: the database comes from the app, not an ini file.

:func:`portal.db.upgrade` passes a connection it holds the migration lock on
(``config.attributes["connection"]``); otherwise (``alembic`` commands run
inside ``flask shell``, or ``revision --autogenerate``) the current app's
``DATABASE_URL`` is used.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from portal.models import Base


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite can do DDL in a transaction too: a failed migration then leaves
        # nothing half-applied on either database.
        transactional_ddl=True,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    from flask import current_app

    from portal.db import make_engine

    engine = make_engine(current_app.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run flask --app portal db-upgrade")
run()
