"""The server's schema as `create_all` made it before migrations: projects, the change feed, replays and
their batches, users, analytics events. A database made by that `create_all` is stamped at this revision.

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
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token", sa.String(200), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    _create_changes()
    _create_replays()
    _create_people_and_events()


def _create_changes() -> None:
    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "kind", "key", name="uq_changes_entity"),
    )
    op.create_index("ix_changes_project_seq", "changes", ["project_id", "seq"])


def _create_replays() -> None:
    op.create_table(
        "replays",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("replay_id", sa.String(200), nullable=False),
        sa.Column("distinct_id", sa.String(400), nullable=False),
        sa.Column("device_id", sa.String(400), nullable=False),
        sa.Column("user_id", sa.String(400), nullable=False),
        sa.Column("start_ms", sa.Float, nullable=False),
        sa.Column("end_ms", sa.Float, nullable=False),
        sa.Column("start_url", sa.Text, nullable=False),
        sa.Column("lib_version", sa.String(40), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("click_count", sa.Integer, nullable=False),
        sa.Column("input_count", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("batch_count", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("stored_bytes", sa.BigInteger, nullable=False),
        sa.Column("interaction_runs", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "replay_id", name="uq_replays_project_replay"),
    )
    op.create_index("ix_replays_project_distinct", "replays", ["project_id", "distinct_id"])
    op.create_index("ix_replays_project_created", "replays", ["project_id", "created_at"])
    op.create_table(
        "replay_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "replay_pk", sa.Integer, sa.ForeignKey("replays.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("min_ms", sa.Float, nullable=False),
        sa.Column("max_ms", sa.Float, nullable=False),
        sa.Column("events_gz", sa.LargeBinary, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("replay_pk", "seq", name="uq_batches_replay_seq"),
    )


def _create_people_and_events() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("distinct_id", sa.String(400), nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "distinct_id", name="uq_users_project_distinct"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("insert_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("time_ms", sa.Float, nullable=False),
        sa.Column("distinct_id", sa.String(400), nullable=False),
        sa.Column("user_id", sa.String(400), nullable=False),
        sa.Column("replay_id", sa.String(200), nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "insert_id", name="uq_events_project_insert"),
    )
    op.create_index("ix_events_project_distinct", "events", ["project_id", "distinct_id"])
    op.create_index("ix_events_project_received", "events", ["project_id", "received_at"])
    op.create_index("ix_events_project_replay", "events", ["project_id", "replay_id"])


def downgrade() -> None:
    for table in ("events", "users", "replay_batches", "replays", "changes", "feed_counter", "projects"):
        op.drop_table(table)
