"""The cache's tables as SQLAlchemy Core objects; the migrations are what create them on disk."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("kind", String, nullable=False),
    Column("created_ms", Integer, nullable=False),
)

replays = Table(
    "replays",
    metadata,
    Column("id", String, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("user_id", String),
    Column("start_ms", Integer, nullable=False),
    Column("end_ms", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("active_ms", Integer, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("click_count", Integer, nullable=False),
    Column("input_count", Integer, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("start_url", Text, nullable=False),
    Column("urls", Text, nullable=False),  # JSON array of the URLs visited, in order
    Column("size_bytes", Integer, nullable=False),  # the events' JSON, uncompressed
    Column("stored_bytes", Integer, nullable=False),  # the compressed chunks
    Column("chunk_count", Integer, nullable=False),
    Column("updated_ms", Integer, nullable=False),
    # Frustration figures from the replay's activity timeline (replay_core.frustration); `frustration`
    # is the "Most frustrated" sort key. `activity_version` is the rules' version they were computed
    # with, NULL until computed (replays cached before migration 0004 are backfilled in the background).
    Column("rage_count", Integer, nullable=False, server_default="0"),
    Column("dead_count", Integer, nullable=False, server_default="0"),
    Column("failed_request_count", Integer, nullable=False, server_default="0"),
    Column("frustration", Integer, nullable=False, server_default="0"),
    Column("activity_version", Integer),
)
Index("ix_replays_start", replays.c.start_ms, replays.c.id)
Index("ix_replays_duration", replays.c.duration_ms, replays.c.id)
Index("ix_replays_active", replays.c.active_ms, replays.c.id)
Index("ix_replays_user", replays.c.user_id, replays.c.start_ms)
Index("ix_replays_frustration", replays.c.frustration, replays.c.id)
# Partial indexes for the feed's `has:` filters (see migration 0004_activity).
for _name, _column in (
    ("error", replays.c.error_count),
    ("rage", replays.c.rage_count),
    ("dead", replays.c.dead_count),
    ("failed_request", replays.c.failed_request_count),
):
    Index(f"ix_replays_has_{_name}", replays.c.start_ms, replays.c.id, sqlite_where=_column > 0)

# Which batches a replay is made of: storing a batch twice is recognised here and skipped.
replay_batches = Table(
    "replay_batches",
    metadata,
    Column("replay_id", String, ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
    Column("batch_key", String, primary_key=True),
    Column("stored_ms", Integer, nullable=False),
)

event_chunks = Table(
    "event_chunks",
    metadata,
    Column("replay_id", String, ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("first_ts", Integer, nullable=False),
    Column("last_ts", Integer, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("raw_bytes", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # zstandard-compressed JSON array of events
)

# The player's keyframes of a replay (viewer.storage.keyframes): JSON text compressed with zstandard.
keyframes = Table(
    "keyframes",
    metadata,
    Column("replay_id", String, ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
    Column("at_ms", Float, primary_key=True),
    Column("format", String, nullable=False),
    Column("events_before", Integer, nullable=False),
    Column("raw_bytes", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("id", String, nullable=False, unique=True),
    Column("name", Text),
    Column("email", Text),
    Column("properties", Text, nullable=False),  # JSON object of the profile's properties
    Column("updated_ms", Integer, nullable=False),
)

analytics_events = Table(
    "analytics_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("insert_id", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("time_ms", Integer, nullable=False),
    Column("user_id", String),
    Column("replay_id", String),
    Column("properties", Text, nullable=False),
)
Index("ix_analytics_name_time", analytics_events.c.name, analytics_events.c.time_ms)
Index("ix_analytics_replay", analytics_events.c.replay_id, analytics_events.c.name)
Index("ix_analytics_user", analytics_events.c.user_id, analytics_events.c.time_ms)

sync_state = Table(
    "sync_state",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("cursor", Text),
    Column("synced_ms", Integer),
    Column("last_error", Text),
)

# Replays a sync skipped because their server could not serve them; retried with a growing delay.
replay_faults = Table(
    "replay_faults",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("replay_id", String, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_ms", Integer, nullable=False),
    Column("last_failed_ms", Integer, nullable=False),
    Column("next_retry_ms", Integer, nullable=False),
)
Index("ix_replay_faults_retry", replay_faults.c.source_id, replay_faults.c.next_retry_ms)

# The feed search index (FTS5, trigram tokenizer for substring matches) is a virtual table that
# SQLAlchemy cannot describe; migration 0002 creates it with triggers that keep it in step with users.
USER_SEARCH_TABLE = "user_search"

# The columns of the index a page's heatmap reads without touching the table (migration 0005 too).
HEATMAP_CLICK_INDEX = ("page_id", "selector", "visit_started_ms", "visit_viewport", "first_in_visit", "replay_id",
                       "rage", "dead")  # fmt: skip

# Heatmaps (replay_core.heatmap), written with the replay's events: its page visits and their clicks.
# `heatmap_replays` says which rules' version computed a replay's rows (none: not yet, see 0005_heatmaps).
heatmap_replays = Table(
    "heatmap_replays",
    metadata,
    Column("replay_id", String, ForeignKey("replays.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False),
)

# The pages visited (URL without query and fragment), numbered: visits and clicks keep the number. A
# trigger of migration 0005 deletes a page with its last visit.
heatmap_pages = Table(
    "heatmap_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("page", Text, nullable=False, unique=True),
)

heatmap_visits = Table(
    "heatmap_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("replay_id", String, ForeignKey("replays.id", ondelete="CASCADE"), nullable=False),
    Column("page_id", Integer, ForeignKey("heatmap_pages.id"), nullable=False),
    Column("started_ms", Integer, nullable=False),
    Column("offset_ms", Integer, nullable=False),  # from the replay's start
    Column("viewport", String, nullable=False),  # desktop, tablet or mobile, at the visit's start
    Column("viewport_width", Integer),
    Column("viewport_height", Integer),
    Column("deepest_px", Float),  # document scroll y + viewport height, the deepest of the visit
    Column("page_height", Float),  # when known
    Column("click_count", Integer, nullable=False),
)
Index("ix_heatmap_visits_page", heatmap_visits.c.page_id, heatmap_visits.c.started_ms)
Index("ix_heatmap_visits_replay", heatmap_visits.c.replay_id)

# A click also carries its visit's page, replay, start and viewport class, so that a page's clicks per
# element are one scan of `ix_heatmap_clicks_page` (10,000 replays' clicks in well under a second).
heatmap_clicks = Table(
    "heatmap_clicks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("heatmap_visits.id", ondelete="CASCADE"), nullable=False),
    Column("page_id", Integer, nullable=False),
    Column("replay_id", String, nullable=False),
    Column("visit_started_ms", Integer, nullable=False),
    Column("visit_viewport", String, nullable=False),
    Column("selector", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("at_ms", Integer, nullable=False),
    Column("offset_ms", Integer, nullable=False),
    Column("x", Float),
    Column("y", Float),
    Column("page_x", Float),
    Column("page_y", Float),
    Column("element_x", Float),
    Column("element_y", Float),
    Column("viewport", String, nullable=False),  # the click's own, after any resize during the visit
    Column("rage", Boolean, nullable=False),
    Column("dead", Boolean, nullable=False),
    # The visit's first click on this element: visits per element are a sum, not a count of distinct ids.
    Column("first_in_visit", Boolean, nullable=False),
)
Index("ix_heatmap_clicks_visit", heatmap_clicks.c.visit_id)
Index(
    "ix_heatmap_clicks_page",
    *(heatmap_clicks.c[name] for name in HEATMAP_CLICK_INDEX),
)
