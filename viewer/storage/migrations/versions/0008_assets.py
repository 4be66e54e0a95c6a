"""Assets: the images, stylesheets and fonts recorded pages referenced, fetched by the app so that a replay
shows them offline and after the site has changed (issue 18). `assets` holds each content once, by its
sha256; `replay_assets` maps each URL a replay references to the content fetched for it (NULL: not
fetched, with the reason). When the last replay using an asset goes (user deletion, retention, eviction
of a replay), a trigger removes the asset.

Revision ID: 0008_assets
Revises: 0007_keyframes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_assets"
down_revision = "0007_keyframes"
branch_labels = None
depends_on = None

_FORGET = """
CREATE TRIGGER assets_forgotten AFTER DELETE ON replay_assets
WHEN OLD.hash IS NOT NULL
BEGIN
    DELETE FROM assets WHERE hash = OLD.hash
        AND NOT EXISTS (SELECT 1 FROM replay_assets WHERE hash = OLD.hash);
END
"""


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("hash", sa.String, primary_key=True),  # sha256 of the content, hex
        sa.Column("content_type", sa.String, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("fetched_ms", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "replay_assets",
        sa.Column("replay_id", sa.String, sa.ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.String, primary_key=True),
        sa.Column("hash", sa.String, sa.ForeignKey("assets.hash", ondelete="SET NULL"), nullable=True),
        sa.Column("reason", sa.String, nullable=False, server_default=""),  # why not fetched
        sa.Column("tried_ms", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_replay_assets_hash", "replay_assets", ["hash"])
    op.execute(_FORGET)


def downgrade() -> None:
    op.execute("DROP TRIGGER assets_forgotten")
    op.drop_index("ix_replay_assets_hash", "replay_assets")
    op.drop_table("replay_assets")
    op.drop_table("assets")
