"""Insights: the event log, its daily roll-up, and the NPS answer on tickets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KINDS = "('view', 'vote', 'search', 'open', 'suggest', 'suggest_open', 'tree_start', 'tree_outcome', 'ticket')"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("visit", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_events_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_at_kind", "events", ["at", "kind"])
    op.create_index("ix_events_visit", "events", ["visit"])
    op.create_table(
        "event_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "subject", "detail", "lang", "category", name=op.f("pk_event_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_event_rollups")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("nps_score", sa.SmallInteger(), nullable=True))
        batch.create_check_constraint("nps_score", "nps_score BETWEEN 0 AND 10")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("ck_tickets_nps_score", type_="check")
        batch.drop_column("nps_score")
    op.drop_table("event_rollups")
    op.drop_table("event_days")
    op.drop_index("ix_events_visit", table_name="events")
    op.drop_index("ix_events_at_kind", table_name="events")
    op.drop_table("events")
