"""The database: one SQLAlchemy engine per app, a session per request, migrations.

SQLite, the default, is set up for a web server with several workers:

- WAL journal, so pages that read never wait for a writer;
- a busy timeout, so a writer waits its turn instead of failing;
- foreign keys enforced;
- every write transaction begun ``IMMEDIATE``. With SQLite's default deferred
  ``BEGIN``, two requests that each read and then write both hold a read lock and
  both ask to upgrade it; SQLite cannot wait that out, so one of them gets
  "database is locked" at once, whatever the busy timeout. ``BEGIN IMMEDIATE``
  takes the write lock first, so concurrent writers queue instead.

Views that only read use :func:`reader`, whose transactions begin deferred, so a
busy FAQ page never queues behind votes. PostgreSQL (``postgresql://``) needs none
of this and gets none of it.

Migrations (Alembic, in ``portal/migrations``) run when the app starts unless
``AUTO_MIGRATE`` is off, and with ``flask --app portal db-upgrade``. Workers
starting together take turns: an exclusive ``flock`` on a file in the instance
folder for SQLite, ``pg_advisory_lock`` for PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LOCK_FILE = "migrate.lock"
BUSY_TIMEOUT_MS = 5000
# Any constant shared by every worker of every deployment: the advisory lock
# only has to exclude other portal processes migrating the same database.
PG_MIGRATION_LOCK = 7_210_304_917
READ_ONLY = "portal_read_only"  # execution option: begin SQLite transactions deferred
EXTENSION = "portal.db"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets the settings described above."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # The driver we install, whichever SQLAlchemy's default is (psycopg2 before 2.1).
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        # pool_pre_ping: a connection dropped by a database restart is replaced
        # quietly instead of failing the next request.
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Turn off pysqlite's own transaction handling (it would BEGIN deferred, and
    # only before DML); SQLAlchemy's "begin" event below emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # Safe with WAL: a power cut may lose the last commits, never corrupt.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the database to WAL (a setting kept in the file, so this is a
    no-op after the first time). The switch needs the database to itself, and
    SQLite answers "database is locked" at once rather than waiting when other
    connections are opening a new database at the same moment (workers
    starting together), so it is retried for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(connection: Connection) -> None:
    mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
    connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One app's engine; sessions come from :func:`session` and :func:`reader`."""

    def __init__(self, url: str, instance_dir: Path) -> None:
        self.url = url
        self.instance_dir = instance_dir
        self.engine = make_engine(url)
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.purged_through: dt.date | None = None  # see portal.activity.count_view

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session for writes, and for the reads that decide them."""
        return Session(self.engine, expire_on_commit=False)

    def read_session(self) -> Session:
        """A new session for reading only (deferred transactions on SQLite)."""
        return Session(self.read_engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close pooled connections (after migrating at start-up, so a server
        that forks workers never shares one; and at the end of tests)."""
        self.engine.dispose()


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION]


def session() -> Session:
    """This request's session for writes; closed (rolled back if uncommitted) when
    the request ends."""
    if "portal_db_session" not in g:
        g.portal_db_session = database().session()
    return g.portal_db_session


def reader() -> Session:
    """This request's session for pages that only read."""
    if "portal_db_reader" not in g:
        g.portal_db_reader = database().read_session()
    return g.portal_db_reader


def _close_sessions(_exc: BaseException | None = None) -> None:
    for name in ("portal_db_session", "portal_db_reader"):
        opened = g.pop(name, None)
        if opened is not None:
            opened.close()


# Migrations -----------------------------------------------------------------


# The newest migration. Start-up compares it with the database's version using
# SQLAlchemy alone, so a worker whose database is up to date never imports
# Alembic (a third of start-up time); tests/test_db.py keeps it equal to the
# head of portal/migrations/versions.
LATEST_REVISION = "0003"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file: the scripts live in the
    package and env.py takes the database from the app (or ``connection``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def _is_up_to_date(connection: Connection) -> bool:
    if not inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions == [LATEST_REVISION]


@contextmanager
def _migration_lock(db: Database) -> Iterator[Connection]:
    """A connection held while no other process migrates the same database."""
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_MIGRATION_LOCK})
            connection.commit()  # the lock belongs to the session, not the transaction
            try:
                yield connection
            finally:
                connection.rollback()  # a failed migration leaves an aborted transaction
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_MIGRATION_LOCK})
                connection.commit()
        return
    db.instance_dir.mkdir(parents=True, exist_ok=True)
    with open(db.instance_dir / LOCK_FILE, "a+b") as lock:
        # The OS releases a flock when its holder dies, so a worker killed while
        # migrating never leaves the others waiting forever.
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with db.engine.connect() as connection:
                yield connection
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database up to ``revision``; safe to run from several processes
    at once (they take turns, and the later ones find nothing to do)."""
    with db.read_engine.connect() as connection:
        if revision == "head" and _is_up_to_date(connection):
            return  # the common case at every start-up: no lock, no Alembic run
    from alembic import command

    with _migration_lock(db) as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command() -> None:
    """Apply the database migrations (creating the database's tables on first use)."""
    db = database()
    upgrade(db)
    with db.engine.connect() as connection:
        revisions = ", ".join(sorted(current_revisions(connection))) or "none"
    click.echo(f"database {db.engine.url.render_as_string(hide_password=True)} at revision {revisions}")


def init_app(app: Flask) -> None:
    db = Database(app.config["DATABASE_URL"], Path(app.instance_path))
    app.extensions[EXTENSION] = db
    app.teardown_appcontext(_close_sessions)
    app.cli.add_command(db_upgrade_command)
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(db)
        db.dispose()
