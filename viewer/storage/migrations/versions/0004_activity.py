"""Each replay's frustration figures (rage and dead clicks, failed requests) for the feed's badges,
`has:` filters and the "Most frustrated" sort.

The counts of replays cached before this revision are unknown: `activity_version` stays NULL until the
background backfill (`viewer.storage.activity_counts.backfill_batch`) reads their events and fills them in.

Revision ID: 0004_activity
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_activity"
down_revision = "0003"
branch_labels = None
depends_on = None

_COUNTS = ("rage_count", "dead_count", "failed_request_count", "frustration")
# The feed's default order is by start time: each `has:` filter gets the start-time index of its replays.
_HAS_INDEXES = {
    "ix_replays_has_error": "error_count > 0",
    "ix_replays_has_rage": "rage_count > 0",
    "ix_replays_has_dead": "dead_count > 0",
    "ix_replays_has_failed_request": "failed_request_count > 0",
}


def upgrade() -> None:
    for name in _COUNTS:
        op.add_column("replays", sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    op.add_column("replays", sa.Column("activity_version", sa.Integer, nullable=True))
    op.create_index("ix_replays_frustration", "replays", ["frustration", "id"])
    for index, where in _HAS_INDEXES.items():
        op.create_index(index, "replays", ["start_ms", "id"], sqlite_where=sa.text(where))


def downgrade() -> None:
    for index in _HAS_INDEXES:
        op.drop_index(index, table_name="replays")
    op.drop_index("ix_replays_frustration", table_name="replays")
    with op.batch_alter_table("replays") as batch:
        for name in (*_COUNTS, "activity_version"):
            batch.drop_column(name)
