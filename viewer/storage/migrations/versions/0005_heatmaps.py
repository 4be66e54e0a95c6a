"""Heatmaps: the pages visited, each replay's page visits (page, viewport, deepest scroll) and their
clicks (element selector, positions, rage and dead marks), written with the replay's events.

Replays cached before this revision have no rows yet: the background backfill
(`viewer.storage.heatmaps.backfill_batch`) reads their events and writes them.

Revision ID: 0005_heatmaps
Revises: 0004_activity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_heatmaps"
down_revision = "0004_activity"
branch_labels = None
depends_on = None

# A page's clicks per element are read from this index alone (written out: a migration stays as it was).
_CLICK_INDEX = (
    "page_id", "selector", "visit_started_ms", "visit_viewport", "first_in_visit", "replay_id", "rage", "dead"
)


# A page's URL may say whose it was (`/users/jane`): when its last visit goes (a replay deleted, a user
# forgotten, retention), the page goes too. Cascaded deletes fire triggers in SQLite.
_FORGET_PAGES = """
CREATE TRIGGER heatmap_pages_forgotten AFTER DELETE ON heatmap_visits
WHEN NOT EXISTS (SELECT 1 FROM heatmap_visits WHERE page_id = OLD.page_id)
BEGIN
    DELETE FROM heatmap_pages WHERE id = OLD.page_id;
END
"""


def upgrade() -> None:
    op.create_table(
        "heatmap_replays",
        sa.Column("replay_id", sa.String, sa.ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "heatmap_pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("page", sa.Text, nullable=False, unique=True),
    )
    op.create_table(
        "heatmap_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("replay_id", sa.String, sa.ForeignKey("replays.id", ondelete="CASCADE"), nullable=False),
        sa.Column("page_id", sa.Integer, sa.ForeignKey("heatmap_pages.id"), nullable=False),
        sa.Column("started_ms", sa.Integer, nullable=False),
        sa.Column("offset_ms", sa.Integer, nullable=False),
        sa.Column("viewport", sa.String, nullable=False),
        sa.Column("viewport_width", sa.Integer),
        sa.Column("viewport_height", sa.Integer),
        sa.Column("deepest_px", sa.Float),
        sa.Column("page_height", sa.Float),
        sa.Column("click_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_heatmap_visits_page", "heatmap_visits", ["page_id", "started_ms"])
    op.create_index("ix_heatmap_visits_replay", "heatmap_visits", ["replay_id"])
    op.create_table(
        "heatmap_clicks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("heatmap_visits.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("page_id", sa.Integer, nullable=False),
        sa.Column("replay_id", sa.String, nullable=False),
        sa.Column("visit_started_ms", sa.Integer, nullable=False),
        sa.Column("visit_viewport", sa.String, nullable=False),
        sa.Column("selector", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("at_ms", sa.Integer, nullable=False),
        sa.Column("offset_ms", sa.Integer, nullable=False),
        sa.Column("x", sa.Float),
        sa.Column("y", sa.Float),
        sa.Column("page_x", sa.Float),
        sa.Column("page_y", sa.Float),
        sa.Column("element_x", sa.Float),
        sa.Column("element_y", sa.Float),
        sa.Column("viewport", sa.String, nullable=False),
        sa.Column("rage", sa.Boolean, nullable=False),
        sa.Column("dead", sa.Boolean, nullable=False),
        sa.Column("first_in_visit", sa.Boolean, nullable=False),
    )
    op.create_index("ix_heatmap_clicks_visit", "heatmap_clicks", ["visit_id"])
    op.execute(_FORGET_PAGES)
    op.create_index("ix_heatmap_clicks_page", "heatmap_clicks", list(_CLICK_INDEX))


def downgrade() -> None:
    op.execute("DROP TRIGGER heatmap_pages_forgotten")
    op.drop_index("ix_heatmap_clicks_page", table_name="heatmap_clicks")
    op.drop_index("ix_heatmap_clicks_visit", table_name="heatmap_clicks")
    op.drop_table("heatmap_clicks")
    op.drop_index("ix_heatmap_visits_replay", table_name="heatmap_visits")
    op.drop_index("ix_heatmap_visits_page", table_name="heatmap_visits")
    op.drop_table("heatmap_visits")
    op.drop_table("heatmap_pages")
    op.drop_table("heatmap_replays")
