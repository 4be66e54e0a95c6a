"""Replays a sync could not download: why, how often it failed, and when to try again.

A server that cannot serve one replay (its events are missing or corrupt) must not hold up the rest of
the feed: the sync moves its cursor past the replay and keeps a row here until a retry succeeds.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replay_faults",
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("replay_id", sa.String, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_ms", sa.Integer, nullable=False),
        sa.Column("last_failed_ms", sa.Integer, nullable=False),
        sa.Column("next_retry_ms", sa.Integer, nullable=False),
    )
    op.create_index("ix_replay_faults_retry", "replay_faults", ["source_id", "next_retry_ms"])


def downgrade() -> None:
    op.drop_index("ix_replay_faults_retry", table_name="replay_faults")
    op.drop_table("replay_faults")
