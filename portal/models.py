"""The tables, declared once for the app and for Alembic's autogenerate.

Times are UTC and stored without a zone (the same on SQLite and PostgreSQL);
days are UTC dates. No row about reading (votes, views, walks) holds an IP
address, a cookie value or an email: visitors appear only as keyed hashes (see
:mod:`portal.visitors`). Only a ticket holds the name and email its customer
gave, because staff must answer them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so later migrations can drop or alter them by name on every
# database (SQLite's batch mode needs the names too).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KINDS = ("article", "faq")
KEY_LENGTH = 200  # slugs and FAQ ids are at most 80 characters; room to spare
MISSING_LENGTH = 1000  # "what was missing" is cut to this many characters


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Vote(Base):
    """A visitor's answer to "Was this helpful?" on an article or FAQ entry.

    One row per visitor per item (unique on kind, key, visitor): voting again
    replaces the answer, its reasons and its time. ``kind`` is ``article`` or
    ``faq``; ``key`` the article slug or FAQ id; ``visitor`` a keyed hash of the
    anonymous visitor id; ``missing`` the optional "what was missing" text (at
    most 1,000 characters) and ``reasons`` the boxes ticked with it, as
    comma-separated codes (:data:`portal.activity.REASONS`); ``lang`` the
    language of the item voted on.
    """

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("kind", "key", "visitor"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        Index("ix_votes_kind_created", "kind", "created"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    helpful: Mapped[bool]
    visitor: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    missing: Mapped[str | None] = mapped_column(String(MISSING_LENGTH))
    reasons: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(16))


class DailyViews(Base):
    """How many visitors viewed an item on a day: each visitor counts once per
    item per day (see :class:`ViewSeen`)."""

    __tablename__ = "daily_views"
    __table_args__ = (CheckConstraint(f"kind IN {KINDS!r}", name="kind"),)

    # Day before key: rankings read one kind over a range of days.
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ViewSeen(Base):
    """Which (visitor, item) pairs have been counted today, for deduplication.

    The smallest structure that counts exactly: one 64-bit keyed hash of (day,
    kind, key, visitor) per pair, in a table without rowid, and only for the
    current day: rows of earlier days are deleted once a day. So it is bounded by
    one day's distinct (visitor, item) pairs, and a visitor cannot be followed
    from one day or item to the next. (A Bloom filter or HyperLogLog per item
    would be fixed-size but approximate, undercounting exactly the popular
    items, and each update would rewrite a shared blob.) Two pairs colliding in
    64 bits within a day is a one-in-a-million chance at 6 million pairs.
    """

    __tablename__ = "view_seen"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    digest: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


# Troubleshooting walks ---------------------------------------------------------

TREE_OUTCOMES = ("solved", "escalated")
ID_LENGTH = 80  # tree, node and option ids


class TreeWalk(Base):
    """One visitor's walk through one troubleshooting tree on one day.

    ``walk`` is a keyed hash of (visitor, tree, day), so Refresh, Back and
    "Start over" continue the same walk and nothing links it to a person.
    ``last_node`` is where the visitor was last seen; ``outcome`` is ``solved``
    (said "yes" at a solution) or ``escalated`` (reached an escalation or ran out
    of solutions), at ``outcome_node``. A walk with no outcome that has not moved
    for a while is *abandoned* (:mod:`portal.tree_analytics`).
    """

    __tablename__ = "tree_walks"
    __table_args__ = (
        CheckConstraint(f"outcome IN {TREE_OUTCOMES!r}", name="outcome"),
        Index("ix_tree_walks_tree_started", "tree", "started"),
    )

    walk: Mapped[str] = mapped_column(String(32), primary_key=True)
    tree: Mapped[str] = mapped_column(String(ID_LENGTH))
    lang: Mapped[str] = mapped_column(String(16))
    started: Mapped[dt.datetime] = mapped_column(DateTime())
    updated: Mapped[dt.datetime] = mapped_column(DateTime())
    last_node: Mapped[str] = mapped_column(String(ID_LENGTH))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_node: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class TreeStep(Base):
    """What a walk did at a node, each thing counted once per walk: ``choice`` is
    ``""`` for "reached this node", an option id for an answer, or ``solved`` /
    ``not-solved`` for the answer to "Did this solve it?"."""

    __tablename__ = "tree_steps"
    __table_args__ = ({"sqlite_with_rowid": False},)

    walk: Mapped[str] = mapped_column(String(32), ForeignKey("tree_walks.walk", ondelete="CASCADE"), primary_key=True)
    node: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    choice: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)


# Tickets -------------------------------------------------------------------------

TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("web", "api", "phone")
MESSAGE_AUTHORS = ("customer", "staff", "note", "system")
# Field limits, enforced by the forms and the API before the database sees them.
NAME_LENGTH = 100
EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
SUBJECT_LENGTH = 150
BODY_LENGTH = 10_000
REFERENCE_LENGTH = 16


class Staff(Base):
    """A support agent. ``password_hash`` is werkzeug's scrypt; ``active`` false
    ends every session and refuses login without deleting the agent's history."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    password_changed: Mapped[dt.datetime] = mapped_column(DateTime())


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; this row holds only
    its SHA-256, so a copy of the database cannot be used to sign in. Deleting
    the row ends the session (logout, password change, disabled account)."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime())


class Ticket(Base):
    """A customer's request for a person.

    ``reference`` is what the customer quotes (:mod:`portal.tickets.reference`),
    unique by constraint. ``submission`` is the idempotency key of the form or
    API call that created it, so a double click or a retried request finds the
    ticket it already made. ``context`` is what the customer tried before
    asking (JSON: ``searches``, ``articles``, ``tree`` with the transcript).
    Due times come from the SLA when the ticket is opened; ``first_response``
    is when staff first replied.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN {TICKET_STATUSES!r}", name="status"),
        CheckConstraint(f"priority IN {PRIORITIES!r}", name="priority"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint("csat_score BETWEEN 1 AND 5", name="csat_score"),
        CheckConstraint("nps_score BETWEEN 0 AND 10", name="nps_score"),
        Index("ix_tickets_status_created", "status", "created"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(REFERENCE_LENGTH), unique=True)
    submission: Mapped[str | None] = mapped_column(String(64), unique=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    updated: Mapped[dt.datetime] = mapped_column(DateTime())
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    category: Mapped[str] = mapped_column(String(KEY_LENGTH))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    lang: Mapped[str] = mapped_column(String(16), default="en")
    product: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    first_response_due: Mapped[dt.datetime] = mapped_column(DateTime())
    resolution_due: Mapped[dt.datetime] = mapped_column(DateTime())
    first_response: Mapped[dt.datetime | None] = mapped_column(DateTime())
    solved: Mapped[dt.datetime | None] = mapped_column(DateTime())
    closed: Mapped[dt.datetime | None] = mapped_column(DateTime())
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    csat_comment: Mapped[str | None] = mapped_column(String(MISSING_LENGTH))
    csat_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    nps_score: Mapped[int | None] = mapped_column(SmallInteger)


class TicketMessage(Base):
    """The conversation, in order: the customer's description is the first
    ``customer`` message; ``staff`` replies are emailed, ``note`` is internal,
    ``system`` records a change (status, priority, assignee) for the history."""

    __tablename__ = "ticket_messages"
    __table_args__ = (CheckConstraint(f"author IN {MESSAGE_AUTHORS!r}", name="author"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    author: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)


class OutboxMessage(Base):
    """An email waiting to be sent, written in the same transaction as the
    ticket or reply it announces, so an acknowledged ticket always has its
    email. ``attempts`` and ``next_attempt`` drive retries with back-off;
    ``sent`` is set once the SMTP server accepted it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_next_attempt", "sent", "next_attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(16), default="en")
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[dt.datetime] = mapped_column(DateTime())
    sent: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")


class SuggestionOpened(Base):
    """A suggested article opened from the ticket form. ``visit`` is a keyed
    hash of the anonymous visitor; ``ticket_id`` is filled in when the same
    visitor then submits a ticket, so a row without one is a deflection."""

    __tablename__ = "suggestions_opened"
    __table_args__ = (Index("ix_suggestions_opened_created", "created"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit: Mapped[str] = mapped_column(String(32), index=True)
    slug: Mapped[str] = mapped_column(String(KEY_LENGTH))
    created: Mapped[dt.datetime] = mapped_column(DateTime())
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))


# Insights ------------------------------------------------------------------------

EVENT_KINDS = ("view", "vote", "search", "open", "suggest", "suggest_open", "tree_start", "tree_outcome", "ticket")
DETAIL_LENGTH = 200


class Event(Base):
    """One thing a visitor did, for the insights reports (:mod:`portal.insights`).

    ``visit`` is a keyed hash of (visitor, UTC day): it ties one visitor's
    events on one day together and changes at midnight, so no row can follow a
    person from day to day; staff-opened and API tickets have ``""``. No column
    holds an IP address, a cookie value or an email: typed text (search
    queries) is redacted before it is stored. ``subject``, ``detail`` and
    ``value`` mean what :data:`portal.insights.events.KINDS` documents for each
    ``kind``. Rows older than the retention period are deleted once their day
    has been rolled up into :class:`EventDay`.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind"),
        Index("ix_events_at_kind", "at", "kind"),
        Index("ix_events_visit", "visit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime())
    visit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(KEY_LENGTH), default="")
    detail: Mapped[str] = mapped_column(String(DETAIL_LENGTH), default="")
    lang: Mapped[str] = mapped_column(String(16), default="")
    category: Mapped[str] = mapped_column(String(KEY_LENGTH), default="")
    value: Mapped[int | None] = mapped_column(Integer)


class EventDay(Base):
    """A day's events, counted: one row per (day, metric, subject, detail, lang,
    category). Complete days are rolled up from :class:`Event` once, and the
    reports read these rows, so the raw events can be deleted after the
    retention period without changing a figure."""

    __tablename__ = "event_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    detail: Mapped[str] = mapped_column(String(DETAIL_LENGTH), primary_key=True)
    lang: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class EventRollup(Base):
    """The days already rolled up into :class:`EventDay` (each exactly once:
    the primary key makes a second worker's attempt fail and roll back)."""

    __tablename__ = "event_rollups"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[dt.datetime] = mapped_column(DateTime())
