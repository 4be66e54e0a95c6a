"""The first cache schema: sources, replays and their chunks, users, analytics events, sync state.

Revision ID: 0001
Revises:
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
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("created_ms", sa.Integer, nullable=False),
    )
    _create_replays()
    _create_replay_parts()
    _create_people_and_events()
    op.create_table(
        "sync_state",
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cursor", sa.Text),
        sa.Column("synced_ms", sa.Integer),
        sa.Column("last_error", sa.Text),
    )


def _create_replays() -> None:
    op.create_table(
        "replays",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("user_id", sa.String),
        *[
            sa.Column(name, sa.Integer, nullable=False)
            for name in (
                "start_ms",
                "end_ms",
                "duration_ms",
                "active_ms",
                "event_count",
                "click_count",
                "input_count",
                "error_count",
            )
        ],  # fmt: skip
        sa.Column("start_url", sa.Text, nullable=False),
        sa.Column("urls", sa.Text, nullable=False),
        *[
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("size_bytes", "stored_bytes", "chunk_count", "updated_ms")
        ],
    )
    op.create_index("ix_replays_start", "replays", ["start_ms", "id"])
    op.create_index("ix_replays_duration", "replays", ["duration_ms", "id"])
    op.create_index("ix_replays_active", "replays", ["active_ms", "id"])
    op.create_index("ix_replays_user", "replays", ["user_id", "start_ms"])


def _create_replay_parts() -> None:
    replay_fk = sa.ForeignKey("replays.id", ondelete="CASCADE")
    op.create_table(
        "replay_batches",
        sa.Column("replay_id", sa.String, replay_fk, primary_key=True),
        sa.Column("batch_key", sa.String, primary_key=True),
        sa.Column("stored_ms", sa.Integer, nullable=False),
    )
    op.create_table(
        "event_chunks",
        sa.Column("replay_id", sa.String, sa.ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("first_ts", sa.Integer, nullable=False),
        sa.Column("last_ts", sa.Integer, nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("raw_bytes", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def _create_people_and_events() -> None:
    op.create_table(
        "users",
        # An integer key: the search index refers to users by rowid, which VACUUM keeps only when aliased.
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("updated_ms", sa.Integer, nullable=False),
    )
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("insert_id", sa.String, nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("time_ms", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String),
        sa.Column("replay_id", sa.String),
        sa.Column("properties", sa.Text, nullable=False),
    )
    op.create_index("ix_analytics_name_time", "analytics_events", ["name", "time_ms"])
    op.create_index("ix_analytics_replay", "analytics_events", ["replay_id", "name"])
    op.create_index("ix_analytics_user", "analytics_events", ["user_id", "time_ms"])


def downgrade() -> None:
    for table in ("sync_state", "analytics_events", "users", "event_chunks", "replay_batches", "replays"):
        op.drop_table(table)
    op.drop_table("sources")
