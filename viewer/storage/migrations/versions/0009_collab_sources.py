"""Collections with several sync sources, and collection entries of replays that are gone.

`collab_sent` remembers which sources hold a comment or collection: one it was uploaded to (with the
outbox revision that went up) or one whose change feed carried it (revision 0). A collection goes to every
sync source its replays come from and every source that holds it; it leaves the outbox when all of them
have the latest change. `gone_replays` notes a replay deleted from the cache (a user deleted, retention, a
deletion upstream) while a collection names it, so the collection can say so; a replay cached again is
not gone any more.

Revision ID: 0009_collab_sources
Revises: 0008_assets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_collab_sources"
down_revision = "0008_assets"
branch_labels = None
depends_on = None

_GONE = """
CREATE TRIGGER collection_replay_gone AFTER DELETE ON replays
WHEN EXISTS (SELECT 1 FROM collection_entries WHERE replay_id = OLD.id)
BEGIN
    INSERT OR REPLACE INTO gone_replays (replay_id, gone_ms)
        VALUES (OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END
"""
_BACK = """
CREATE TRIGGER collection_replay_back AFTER INSERT ON replays
BEGIN
    DELETE FROM gone_replays WHERE replay_id = NEW.id;
END
"""


def upgrade() -> None:
    op.create_table(
        "collab_sent",
        sa.Column("kind", sa.String, primary_key=True),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source", sa.String, primary_key=True),  # the sync source's name
        sa.Column("rev", sa.Integer, nullable=False),  # the outbox revision it holds (0: from its feed)
    )
    op.create_table(
        "gone_replays",
        sa.Column("replay_id", sa.String, primary_key=True),
        sa.Column("gone_ms", sa.Integer, nullable=False),
    )
    op.execute(_GONE)
    op.execute(_BACK)


def downgrade() -> None:
    op.execute("DROP TRIGGER collection_replay_back")
    op.execute("DROP TRIGGER collection_replay_gone")
    op.drop_table("gone_replays")
    op.drop_table("collab_sent")
