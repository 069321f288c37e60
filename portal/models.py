"""The tables, declared once for the app and for Alembic's autogenerate.

Times are UTC and stored without a zone (the same on SQLite and PostgreSQL);
days are UTC dates. No row holds an IP address, a cookie value or an email:
visitors appear only as keyed hashes (see :mod:`portal.visitors`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
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
