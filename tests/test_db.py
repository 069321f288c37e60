"""The database layer: SQLite set up for concurrent writers, migrations on SQLite
and PostgreSQL, and the votes and views SQL on both."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal import activity, db
from portal.activity import Ballot
from portal.models import DailyViews, Vote

TABLES = {"alembic_version", "votes", "daily_views", "view_seen"}
THREADS = 12
NOW = dt.datetime(2026, 11, 2, 12, 0)


def sqlite_database(tmp_path: Path) -> db.Database:
    return db.Database(f"sqlite:///{tmp_path / 'portal.sqlite3'}", tmp_path / "instance")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[db.Database]:
    database = sqlite_database(tmp_path)
    db.upgrade(database)
    yield database
    database.dispose()


def run_threads(target: Callable[[int], None], count: int = THREADS) -> list[BaseException]:
    """Run ``target(i)`` in ``count`` threads at once; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def read_then_write(session: Session, i: int, after_read: threading.Barrier | None = None) -> None:
    """The shape that deadlocks deferred SQLite transactions: read, then write."""
    with session:
        session.scalar(select(func.count()).select_from(Vote))
        if after_read is not None:
            after_read.wait(timeout=10)
        activity.record_vote(session, "article", "a", "en", f"visitor-{i}", Ballot(helpful=True), NOW)


# --- SQLite -----------------------------------------------------------------------


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_db):
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_write_sessions_begin_immediate_and_read_sessions_do_not(sqlite_db, tmp_path):
    other = create_engine(f"sqlite:///{tmp_path / 'portal.sqlite3'}", connect_args={"timeout": 0})
    try:
        with sqlite_db.session() as session, other.connect() as probe:
            session.scalar(select(func.count()).select_from(Vote))  # a read opens the transaction...
            with pytest.raises(OperationalError, match="database is locked"):
                probe.exec_driver_sql("BEGIN IMMEDIATE")  # ...and it already holds the write lock
        with sqlite_db.read_session() as reading, other.connect() as probe:
            reading.scalar(select(func.count()).select_from(Vote))
            probe.exec_driver_sql("BEGIN IMMEDIATE")  # a reader never stands in a writer's way
            probe.exec_driver_sql("ROLLBACK")
    finally:
        other.dispose()


def test_concurrent_read_then_write_transactions_all_succeed(sqlite_db):
    start = threading.Barrier(THREADS)

    def vote(i: int) -> None:
        start.wait(timeout=10)
        read_then_write(sqlite_db.session(), i)

    assert run_threads(vote) == []
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == THREADS


def test_deferred_transactions_would_fail_the_same_load(sqlite_db):
    """The control for the test above: with SQLite's default BEGIN, concurrent
    read-then-write transactions are turned away with "database is locked"."""
    deferred = db.make_engine(sqlite_db.url)
    event.remove(deferred, "begin", db._sqlite_begin)
    event.listen(deferred, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
    after_read = threading.Barrier(THREADS)
    try:
        errors = run_threads(lambda i: read_then_write(Session(deferred), i, after_read))
    finally:
        deferred.dispose()
    assert errors and all("database is locked" in str(e) for e in errors)


def test_threads_voting_through_the_app_all_succeed(app):
    def vote(i: int) -> None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i}"  # each its own rate limit
        page = client.get("/articles/restart-your-harbor-hub").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/articles/restart-your-harbor-hub/vote",
            data={"csrf_token": csrf, "helpful": "no", "details": "1", "missing": f"comment {i}"},
        )
        assert response.status_code == 303, response.status_code

    assert run_threads(vote) == []
    with db.database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == THREADS
        assert session.scalar(select(DailyViews.count).where(DailyViews.key == "restart-your-harbor-hub")) == THREADS


def test_migrations_create_the_tables_on_an_empty_sqlite_database(tmp_path):
    database = sqlite_database(tmp_path)
    try:
        db.upgrade(database)
        db.upgrade(database)  # again: nothing to do
        assert set(inspect(database.engine).get_table_names()) >= TABLES
        with database.engine.connect() as connection:
            assert db.current_revisions(connection) == db.head_revisions()
    finally:
        database.dispose()


def test_workers_starting_together_migrate_once(tmp_path):
    # Several fresh databases: the race (every worker switching a new file to
    # WAL at once) is lost only now and then.
    for trial in range(20):
        folder = tmp_path / str(trial)
        folder.mkdir()
        databases = [sqlite_database(folder) for _ in range(6)]  # like gunicorn workers
        try:
            start = threading.Barrier(len(databases))

            def migrate(i: int, databases: list[db.Database] = databases, start: threading.Barrier = start) -> None:
                start.wait(timeout=10)
                db.upgrade(databases[i])

            assert run_threads(migrate, len(databases)) == []
            with databases[0].engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        finally:
            for database in databases:
                database.dispose()


def test_the_app_migrates_at_start_unless_told_not_to(tmp_path, content_dir, built):
    from portal import create_app

    base = {"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": built, "SECRET_KEY": "test"}
    manual = create_app({**base, "INSTANCE_DIR": tmp_path / "manual", "AUTO_MIGRATE": False})
    assert inspect(db.database(manual).engine).get_table_names() == []
    result = manual.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert f"at revision {db.LATEST_REVISION}" in result.output
    assert set(inspect(db.database(manual).engine).get_table_names()) >= TABLES
    automatic = create_app({**base, "INSTANCE_DIR": tmp_path / "automatic"})
    assert set(inspect(db.database(automatic).engine).get_table_names()) >= TABLES
    for app in (manual, automatic):
        app.extensions["portal.published"].close()
        db.database(app).dispose()


# --- PostgreSQL (the postgres_url fixture is in conftest.py) ---------------------


def test_migrations_apply_on_postgresql_from_several_workers_at_once(postgres_url, tmp_path):
    databases = [db.Database(postgres_url, tmp_path) for _ in range(4)]
    try:
        start = threading.Barrier(len(databases))

        def migrate(i: int) -> None:
            start.wait(timeout=10)
            db.upgrade(databases[i])

        assert run_threads(migrate, len(databases)) == []
        assert set(inspect(databases[0].engine).get_table_names()) >= TABLES
        with databases[0].engine.connect() as connection:
            assert db.current_revisions(connection) == db.head_revisions()
    finally:
        for database in databases:
            database.dispose()


def test_votes_and_views_on_postgresql(postgres_url, tmp_path):
    database = db.Database(postgres_url, tmp_path)
    try:
        db.upgrade(database)
        day = NOW.date()
        with database.session() as session:
            no = Ballot(helpful=False, details=True, missing="Out of date", reasons=("out-of-date",))
            activity.record_vote(session, "faq", "q", "en", "v1", no, NOW)
            activity.record_vote(session, "faq", "q", "en", "v1", Ballot(True), NOW)  # replaces
            activity.record_vote(session, "faq", "q", "en", "v2", Ballot(False), NOW)
            assert activity.record_view(session, "faq", "q", day, 42, purge=True)
            assert not activity.record_view(session, "faq", "q", day, 42)
            assert activity.record_view(session, "faq", "q", day, -(2**63))
        start = threading.Barrier(THREADS)

        def vote(i: int) -> None:
            start.wait(timeout=10)
            read_then_write(database.session(), i)

        assert run_threads(vote) == []
        with database.read_session() as session:
            [days] = activity.daily_activity(session, "faq", day - dt.timedelta(days=1)).values()
            assert days == [activity.ranking.DailyActivity(day, views=2, helpful=1, unhelpful=1)]
            assert activity.helpfulness_counts(session, "faq") == {"q": (1, 1)}
            assert session.scalar(select(func.count()).select_from(Vote).where(Vote.key == "a")) == THREADS
    finally:
        database.dispose()


def test_the_app_runs_on_postgresql(postgres_url, content_dir, built, tmp_path):
    from portal import create_app

    app = create_app(
        {"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": built, "INSTANCE_DIR": tmp_path / "pg",
         "SECRET_KEY": "test", "DATABASE_URL": postgres_url}
    )
    try:
        client = app.test_client()
        page = client.get("/articles/harbor-hub-lights").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/faq/why-is-the-light-on-my-hub-orange/vote",
            data={"csrf_token": csrf, "helpful": "no", "details": "1", "missing": "NUL \x00 and all"},
        )
        assert response.status_code == 303
        assert "Popular articles" in client.get("/").get_data(as_text=True)
        with db.database(app).session() as session:
            [stored] = session.scalars(select(Vote))
            assert stored.missing == "NUL  and all"
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


def test_latest_revision_constant_is_the_migrations_head():
    from portal.db import LATEST_REVISION, head_revisions

    assert head_revisions() == {LATEST_REVISION}


def _migrations_differ_from_models(database: db.Database) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from portal.models import Base

    db.upgrade(database)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrations_build_exactly_the_tables_the_models_declare_on_sqlite(sqlite_db):
    assert _migrations_differ_from_models(sqlite_db) == []


def test_migrations_build_exactly_the_tables_the_models_declare_on_postgresql(postgres_url, tmp_path):
    database = db.Database(postgres_url, tmp_path)
    try:
        assert _migrations_differ_from_models(database) == []
    finally:
        database.dispose()
