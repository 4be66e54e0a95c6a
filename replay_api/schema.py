"""The server's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    UniqueConstraint,
)

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token", String(200), nullable=False, unique=True),
    # Only a hash of the secret key is kept; it is shown once, by create-project.
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

# One row holding the last change sequence number. A write transaction locks it last, to number its
# changes just before it commits, so that numbers are handed out in commit order (PostgreSQL included)
# while the rest of concurrent writers' work (on different replays and profiles) overlaps.
feed_counter = Table(
    "feed_counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# The change feed, compacted: each entity has one row, its latest state or its tombstone.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(400), nullable=False),
    Column("op", String(8), nullable=False),
    Column("payload", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "kind", "key", name="uq_changes_entity"),
    Index("ix_changes_project_seq", "project_id", "seq"),
)

replays = Table(
    "replays",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("replay_id", String(200), nullable=False),
    Column("distinct_id", String(400), nullable=False, default=""),
    Column("device_id", String(400), nullable=False, default=""),
    Column("user_id", String(400), nullable=False, default=""),
    Column("start_ms", Float, nullable=False),
    Column("end_ms", Float, nullable=False),
    Column("start_url", Text, nullable=False, default=""),
    Column("lib_version", String(40), nullable=False, default=""),
    Column("event_count", Integer, nullable=False, default=0),
    Column("click_count", Integer, nullable=False, default=0),
    Column("input_count", Integer, nullable=False, default=0),
    Column("error_count", Integer, nullable=False, default=0),
    Column("batch_count", Integer, nullable=False, default=0),
    Column("last_seq", Integer, nullable=False, default=0),
    Column("stored_bytes", BigInteger, nullable=False, default=0),
    # JSON [[start_ms, end_ms], ...]: runs of user interaction, merged across batches (see activity.py).
    Column("interaction_runs", Text, nullable=False, default="[]"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # When assets were last captured for it (replay_api.assets; 0: never), so that sync knows to ask.
    Column("assets_at", BigInteger, nullable=False, default=0, server_default="0"),
    UniqueConstraint("project_id", "replay_id", name="uq_replays_project_replay"),
    Index("ix_replays_project_distinct", "project_id", "distinct_id"),
    Index("ix_replays_project_created", "project_id", "created_at"),
)

replay_batches = Table(
    "replay_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("replay_pk", Integer, ForeignKey("replays.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("min_ms", Float, nullable=False),
    Column("max_ms", Float, nullable=False),
    # gzip of the batch's events as a JSON array, in timestamp order.
    Column("events_gz", LargeBinary, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    UniqueConstraint("replay_pk", "seq", name="uq_batches_replay_seq"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("distinct_id", String(400), nullable=False),
    Column("properties", Text, nullable=False, default="{}"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "distinct_id", name="uq_users_project_distinct"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("insert_id", String(200), nullable=False),
    Column("name", String(400), nullable=False),
    Column("time_ms", Float, nullable=False),
    Column("distinct_id", String(400), nullable=False, default=""),
    Column("user_id", String(400), nullable=False, default=""),
    Column("replay_id", String(200), nullable=False, default=""),
    Column("properties", Text, nullable=False, default="{}"),
    Column("received_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "insert_id", name="uq_events_project_insert"),
    Index("ix_events_project_distinct", "project_id", "distinct_id"),
    Index("ix_events_project_received", "project_id", "received_at"),
    Index("ix_events_project_replay", "project_id", "replay_id"),
)

# Keys per person for the query API. Only a hash of each key is kept; it is shown once, by `key create`.
# A revoked key keeps its row (revoked_at set) so that `key list` can still say who had access.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(200), nullable=False),
    # "read": the change feed, replays, events and profiles; "admin": also deleting users, managing keys.
    Column("scope", String(8), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    # Updated at most once a minute per key, so that reading does not turn into a write per request.
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Index("ix_api_keys_project_name", "project_id", "name"),
)

# Comments and collections (replay_core.collab), one row per record: its merged wire form as JSON. A deleted
# record keeps its row (`deleted`), so an older version arriving later cannot bring it back; a comment's
# row goes with its replay (user deletion, retention), leaving the feed's tombstone.
collab_records = Table(
    "collab_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("replay_id", String(200), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "kind", "record_id", name="uq_collab_records_project_kind_record"),
    Index("ix_collab_records_project_replay", "project_id", "replay_id"),
)

# Capturing the assets replays reference at ingest (replay_api.assets, issue 18), off unless a project turns
# it on. `hosts`: JSON [{"host": "shop.example", "private": false}, ...], the only hosts it may fetch from
# (`private`: this one may be on a loopback, private or link-local address).
asset_policies = Table(
    "asset_policies",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id"), primary_key=True, autoincrement=False),
    Column("capture", Boolean, nullable=False),
    Column("hosts", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Replays whose assets are to be captured: queued by a batch's arrival, due a little later (more batches
# come), taken by the one worker whose turn it is. `generation` counts the batches that queued it: a capture
# during which another arrived leaves the job for another round.
asset_jobs = Table(
    "asset_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("replay_id", String(200), nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("generation", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    UniqueConstraint("project_id", "replay_id", name="uq_asset_jobs_project_replay"),
    Index("ix_asset_jobs_due", "due_at"),
)

# Captured contents, once each by their sha256, shared by every replay (and project) that references them.
assets = Table(
    "assets",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("fetched_at", BigInteger, nullable=False),
)

# Each replay's URL -> content map; a URL not captured keeps its reason (hash NULL). `url_hash` (sha256 of
# the URL) keeps the unique index short whatever the URL's length. Rows go with their replay, and a content
# no row maps to any more goes with the last of them.
replay_assets = Table(
    "replay_assets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("replay_id", String(200), nullable=False),
    Column("url_hash", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("hash", String(64), nullable=True),
    Column("reason", Text, nullable=False, default=""),
    Column("tried_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "replay_id", "url_hash", name="uq_replay_assets_replay_url"),
    Index("ix_replay_assets_hash", "hash"),
)
