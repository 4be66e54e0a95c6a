"""Assets captured at ingest (issue 18): asset_policies, asset_jobs, assets, replay_assets, replays.assets_at.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replays") as batch:
        batch.add_column(sa.Column("assets_at", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table(
        "asset_policies",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True, autoincrement=False),
        sa.Column("capture", sa.Boolean, nullable=False),
        sa.Column("hosts", sa.Text, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "asset_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("replay_id", sa.String(200), nullable=False),
        sa.Column("due_at", sa.BigInteger, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.UniqueConstraint("project_id", "replay_id", name="uq_asset_jobs_project_replay"),
    )
    op.create_index("ix_asset_jobs_due", "asset_jobs", ["due_at"])
    op.create_table(
        "assets",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("fetched_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "replay_assets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("replay_id", sa.String(200), nullable=False),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("tried_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "replay_id", "url_hash", name="uq_replay_assets_replay_url"),
    )
    op.create_index("ix_replay_assets_hash", "replay_assets", ["hash"])


def downgrade() -> None:
    op.drop_index("ix_replay_assets_hash", table_name="replay_assets")
    op.drop_table("replay_assets")
    op.drop_table("assets")
    op.drop_index("ix_asset_jobs_due", table_name="asset_jobs")
    op.drop_table("asset_jobs")
    op.drop_table("asset_policies")
    with op.batch_alter_table("replays") as batch:
        batch.drop_column("assets_at")
