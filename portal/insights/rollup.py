"""Complete days rolled up into ``event_days``; raw events deleted after the
retention period.

A day is *complete* once it is over (UTC). Rolling it up counts its events
with :func:`portal.insights.metrics.day_metrics`, writes one ``event_days`` row
per count and marks the day in ``event_rollups``, all in one transaction. The
mark is the table's primary key, so when two workers roll up the same day the
second one's insert fails and its transaction rolls back: each day is counted
exactly once. A day without events is marked too, so it is never looked at
again.

Retention deletes events older than ``EVENT_RETENTION_DAYS`` days, only of days
already rolled up: the reports read those days from ``event_days``, so no
figure changes when their events go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import READ_ONLY
from portal.insights import metrics
from portal.models import Event, EventDay, EventRollup

DEFAULT_RETENTION_DAYS = 90
BATCH = 500  # event_days rows per INSERT
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RollupResult:
    """What one run did: the days it rolled up and the events it deleted."""

    rolled: tuple[dt.date, ...]
    deleted: int


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def writer(bind: Engine) -> Engine:
    """``bind`` for writing: a reader's engine begins SQLite transactions
    deferred, which could fail to take the write lock under load."""
    return bind.execution_options(**{READ_ONLY: False})


def rolled_days(session: Session, since: dt.date, until: dt.date) -> set[dt.date]:
    """The days from ``since`` to ``until`` (inclusive) already rolled up."""
    rows = session.scalars(select(EventRollup.day).where(EventRollup.day >= since, EventRollup.day <= until))
    return set(rows)


def pending_days(session: Session, since: dt.date, until: dt.date, today: dt.date) -> list[dt.date]:
    """The complete days from ``since`` to ``until`` not rolled up yet."""
    last = min(until, today - dt.timedelta(days=1))
    if last < since:
        return []
    done = rolled_days(session, since, last)
    days = (since + dt.timedelta(days=n) for n in range((last - since).days + 1))
    return [day for day in days if day not in done]


# What metrics.day_metrics reads of an event, as plain rows (quicker than ORM objects).
EVENT_COLUMNS = (
    Event.at,
    Event.visit,
    Event.kind,
    Event.subject,
    Event.detail,
    Event.value,
    Event.lang,
    Event.category,
)


def events_between(session: Session, start: dt.datetime, end: dt.datetime) -> Sequence[Row[Any]]:
    """The events from ``start`` (inclusive) to ``end`` (exclusive)."""
    return session.execute(select(*EVENT_COLUMNS).where(Event.at >= start, Event.at < end)).all()


def roll_up_day(engine: Engine, day: dt.date, now: dt.datetime) -> bool:
    """Count ``day``'s events into ``event_days`` and mark it; False when
    another worker marked it first (nothing is written twice)."""
    with Session(writer(engine)) as session:
        try:
            session.add(EventRollup(day=day, rolled_at=now))
            session.flush()  # claims the day, or fails at once if it is taken
        except IntegrityError:
            session.rollback()
            return False
        counts = metrics.day_metrics(events_between(session, start_of(day), start_of(day) + _DAY))
        rows = [
            {"day": day, "metric": m, "subject": s, "detail": d, "lang": lang, "category": c, "count": n}
            for (m, s, d, lang, c), n in sorted(counts.items())
        ]
        for start in range(0, len(rows), BATCH):
            session.execute(EventDay.__table__.insert(), rows[start : start + BATCH])
        try:
            session.commit()
        except IntegrityError:  # PostgreSQL reports the clash when the other worker commits
            session.rollback()
            return False
    return True


def roll_up(engine: Engine, days: Iterable[dt.date], now: dt.datetime) -> list[dt.date]:
    """Roll up each of ``days`` (complete days only); returns those this call did."""
    return [day for day in days if day < now.date() and roll_up_day(engine, day, now)]


def apply_retention(engine: Engine, today: dt.date, retention_days: int) -> int:
    """Delete events older than ``retention_days`` days whose day is rolled up;
    returns how many. Events of a day not rolled up stay until it is."""
    cutoff = today - dt.timedelta(days=retention_days)
    with Session(writer(engine)) as session:
        first_event = session.scalar(select(Event.at).order_by(Event.at).limit(1))
        if first_event is None or first_event.date() >= cutoff:
            return 0
        pending = pending_days(session, first_event.date(), cutoff - _DAY, today)
        if pending:
            cutoff = min(cutoff, pending[0])
        result = session.execute(
            delete(Event).where(Event.at < start_of(cutoff)), execution_options={"preserve_rowcount": True}
        )
        session.commit()
        return int(result.rowcount or 0)


def run(engine: Engine, now: dt.datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> RollupResult:
    """Roll up every complete day that has events and is not rolled up, then
    apply retention (``flask insights-rollup``)."""
    today = now.date()
    with Session(engine) as session:
        first_event = session.scalar(select(Event.at).order_by(Event.at).limit(1))
        days = pending_days(session, first_event.date(), today, today) if first_event else []
    rolled = roll_up(engine, days, now)
    return RollupResult(tuple(rolled), apply_retention(engine, today, retention_days))
