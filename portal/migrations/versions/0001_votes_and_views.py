"""Votes and daily view counts.

Revision ID: 0001
Revises:
Create Date: 2026-11-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("missing", sa.String(1000), nullable=True),
        sa.Column("reasons", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.CheckConstraint("kind IN ('article', 'faq')", name=op.f("ck_votes_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("kind", "key", "visitor", name=op.f("uq_votes_kind_key_visitor")),
    )
    op.create_index("ix_votes_kind_created", "votes", ["kind", "created"])
    op.create_table(
        "daily_views",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('article', 'faq')", name=op.f("ck_daily_views_kind")),
        sa.PrimaryKeyConstraint("kind", "day", "key", name=op.f("pk_daily_views")),
    )
    op.create_table(
        "view_seen",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("day", "digest", name=op.f("pk_view_seen")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("view_seen")
    op.drop_table("daily_views")
    op.drop_index("ix_votes_kind_created", table_name="votes")
    op.drop_table("votes")
