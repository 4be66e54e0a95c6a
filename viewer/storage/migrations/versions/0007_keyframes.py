"""Keyframes: the player's synthetic FullSnapshots of a cached replay, kept so that it seeks fast when it
is opened again. Each row is one keyframe of one replay, made by one version of the player (`format`:
rrweb's version and the keyframe builder's), with the number of the replay's events at or before it
(the page drops a keyframe whose count no longer matches the events it is given).

Revision ID: 0007_keyframes
Revises: 0006_collab
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_keyframes"
down_revision = "0006_collab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keyframes",
        sa.Column("replay_id", sa.String, sa.ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("at_ms", sa.Float, primary_key=True),
        sa.Column("format", sa.String, nullable=False),
        sa.Column("events_before", sa.Integer, nullable=False),
        sa.Column("raw_bytes", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keyframes")
