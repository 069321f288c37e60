"""Votes and views: recorded as visitors act, read back for the rankings.

The functions taking a :class:`~sqlalchemy.orm.Session` do the SQL and nothing
else; :func:`count_view` and :func:`popularity` are the request-side wrappers
that must never break a page (a failure is logged and the page goes on).
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from sqlalchemy import Date, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal import db, ranking, visitors
from portal.i18n import LazyText, lazy_gettext
from portal.insights.events import redact
from portal.models import MISSING_LENGTH, DailyViews, ViewSeen, Vote

# The boxes a "No" voter may tick, as stored code → label customers read (in
# their language; the codes are what is stored and counted).
REASONS: dict[str, LazyText] = {
    "steps-failed": lazy_gettext("The steps didn't work"),
    "not-what-i-wanted": lazy_gettext("It's not what I was looking for"),
    "hard-to-understand": lazy_gettext("It was hard to understand"),
    "out-of-date": lazy_gettext("It's out of date"),
}
# Control characters other than line breaks and tabs, lone surrogates and the
# like are dropped from comments: PostgreSQL refuses NUL, and none of it is text.
_DROP = {"Cc", "Cs", "Co", "Cn"}
_KEEP = {"\n", "\t"}


@dataclass(frozen=True)
class Ballot:
    """One "Was this helpful?" answer as posted.

    ``details`` is true when it came from the "what was missing" form (so the
    visitor is done); ``missing`` is the cleaned comment, ``reasons`` the known
    codes ticked, in :data:`REASONS` order.
    """

    helpful: bool
    details: bool = False
    missing: str = ""
    reasons: tuple[str, ...] = ()


def clean_comment(raw: str) -> str:
    """Free text fit to store: normalised, without control characters, line
    breaks as ``\\n``, cut to :data:`~portal.models.MISSING_LENGTH` characters."""
    text = raw[: MISSING_LENGTH * 4].replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if c in _KEEP or unicodedata.category(c) not in _DROP)
    return text.strip()[:MISSING_LENGTH].strip()


def parse_ballot(form: Mapping[str, Any]) -> Ballot | None:
    """The ballot in a posted form (a werkzeug MultiDict), or None when it does
    not say yes or no. Unknown reasons are ignored; a comment only counts with
    a "no"."""
    helpful = form.get("helpful", "")
    if helpful not in ("yes", "no"):
        return None
    if helpful == "yes":
        return Ballot(helpful=True, details=bool(form.get("details")))
    ticked = set(form.getlist("reason")) if hasattr(form, "getlist") else set()
    return Ballot(
        helpful=False,
        details=bool(form.get("details")),
        missing=clean_comment(str(form.get("missing", ""))),
        reasons=tuple(code for code in REASONS if code in ticked),
    )


def _insert(session: Session, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def record_vote(
    session: Session, kind: str, key: str, lang: str, visitor: str, ballot: Ballot, now: dt.datetime
) -> None:
    """Store the ballot, replacing this visitor's earlier vote on the item. The
    comment is redacted first (:func:`portal.insights.events.redact`): the
    insights show it to staff, and no one needs a customer's email or card
    number there."""
    values = {
        "helpful": ballot.helpful,
        "missing": redact(ballot.missing)[:MISSING_LENGTH].strip() or None,
        "reasons": ",".join(ballot.reasons),
        "lang": lang,
        "created": now,
    }
    stmt = _insert(session, Vote).values(kind=kind, key=key, visitor=visitor, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["kind", "key", "visitor"], set_=values))
    session.commit()


def record_view(
    session: Session, kind: str, key: str, day: dt.date, digest: int, purge: bool = False, also: Any = None
) -> bool:
    """Count a view unless this digest (visitor, item, day) was counted already.
    ``purge`` first forgets the digests of earlier days; ``also`` is a row to
    write in the same transaction (the view's event). Returns whether it counted."""
    if also is not None:
        session.add(also)
    if purge:
        session.execute(delete(ViewSeen).where(ViewSeen.day < day))
    seen = _insert(session, ViewSeen).values(day=day, digest=digest).on_conflict_do_nothing()
    # SQLAlchemy reports an INSERT's rowcount only when asked to (psycopg 3).
    counted = session.execute(seen, execution_options={"preserve_rowcount": True}).rowcount == 1
    if counted:
        bump = _insert(session, DailyViews).values(kind=kind, day=day, key=key, count=1)
        session.execute(
            bump.on_conflict_do_update(index_elements=["kind", "day", "key"], set_={"count": DailyViews.count + 1})
        )
    session.commit()
    return counted


def daily_activity(session: Session, kind: str, since: dt.date) -> dict[str, list[ranking.DailyActivity]]:
    """Views and votes per item per day, from ``since`` on."""
    days: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    views = select(DailyViews.key, DailyViews.day, DailyViews.count).where(
        DailyViews.kind == kind, DailyViews.day >= since
    )
    for key, day, count in session.execute(views):
        days[key, day][0] += count
    vote_day = func.date(Vote.created, type_=Date)
    votes = (
        select(
            Vote.key,
            vote_day,
            func.sum(case((Vote.helpful, 1), else_=0)),
            func.sum(case((Vote.helpful, 0), else_=1)),
        )
        .where(Vote.kind == kind, Vote.created >= dt.datetime.combine(since, dt.time()))
        .group_by(Vote.key, vote_day)
    )
    for key, day, helpful, unhelpful in session.execute(votes):
        days[key, day][1] += helpful
        days[key, day][2] += unhelpful
    found: dict[str, list[ranking.DailyActivity]] = defaultdict(list)
    for (key, day), (viewed, helpful, unhelpful) in days.items():
        found[key].append(ranking.DailyActivity(day, viewed, helpful, unhelpful))
    return dict(found)


def helpfulness_counts(session: Session, kind: str) -> dict[str, tuple[int, int]]:
    """Helpful and unhelpful votes per item, all time (for dashboards)."""
    rows = session.execute(
        select(Vote.key, func.sum(case((Vote.helpful, 1), else_=0)), func.count())
        .where(Vote.kind == kind)
        .group_by(Vote.key)
    )
    return {key: (helpful, total - helpful) for key, helpful, total in rows}


# Request side -----------------------------------------------------------------


def count_view(kind: str, key: str, event: Any = None) -> None:
    """Count this request as a view of the item, and write its ``event``
    (:func:`portal.insights.events.for_request`) with it: one small transaction,
    skipped for bots and HEAD requests; a failure is logged, never raised."""
    if request.method == "HEAD" or visitors.is_bot():
        return
    database = db.database()
    day = visitors.today()
    digest = visitors.view_digest(kind, key, day)
    # Once per process per day, forget yesterday's digests: keeps ViewSeen to a day.
    purge = database.purged_through != day
    session = db.session()
    try:
        record_view(session, kind, key, day, digest, purge=purge, also=event)
    except SQLAlchemyError as exc:
        session.rollback()
        current_app.logger.warning("could not count a view of %s %r: %s", kind, key, exc)
        return
    database.purged_through = day


def popularity(kind: str) -> dict[str, float]:
    """Each item's popularity today (:func:`portal.ranking.popularity`); empty,
    and logged, when the database cannot be read, so pages fall back to file order.

    Kept per process for ``RANKING_CACHE_SECONDS``: scoring reads up to
    180 days of counters, which with a long history costs far more than the
    page, and a ranking need not move with every single view.
    """
    cache: dict[str, tuple[float, dict[str, float]]] = current_app.extensions.setdefault("portal.popularity", {})
    now = time.monotonic()
    cached = cache.get(kind)
    if cached and now - cached[0] < current_app.config["RANKING_CACHE_SECONDS"]:
        return cached[1]
    today = visitors.today()
    try:
        activity = daily_activity(db.reader(), kind, today - dt.timedelta(days=ranking.WINDOW_DAYS))
    except SQLAlchemyError as exc:
        db.reader().rollback()
        current_app.logger.warning("could not read %s popularity: %s", kind, exc)
        return {}
    scores = {key: ranking.popularity(days, today) for key, days in activity.items()}
    cache[kind] = (now, scores)
    return scores
