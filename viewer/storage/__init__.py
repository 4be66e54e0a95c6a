"""The local replay cache: SQLAlchemy schema and repository, no Qt."""

from viewer.storage.analytics import bucket_starts, next_bucket_start
from viewer.storage.cache import ReplayCache
from viewer.storage.database import CacheError, MovedAside
from viewer.storage.models import (
    AnalyticsEvent,
    CacheUpdate,
    EventCount,
    EventMoment,
    FunnelStep,
    ProfileChange,
    Removal,
    ReplayBatch,
    ReplayFault,
    ReplayMetadata,
    ReplayPage,
    ReplayQuery,
    ReplayRow,
    ReplaySort,
    RetryBackoff,
    UpdateResult,
    UserProfile,
)
from viewer.storage.zones import local_zone

__all__ = [
    "AnalyticsEvent",
    "CacheError",
    "CacheUpdate",
    "EventCount",
    "EventMoment",
    "FunnelStep",
    "MovedAside",
    "ProfileChange",
    "ReplayBatch",
    "ReplayCache",
    "ReplayFault",
    "ReplayMetadata",
    "ReplayPage",
    "ReplayQuery",
    "ReplayRow",
    "ReplaySort",
    "Removal",
    "RetryBackoff",
    "UpdateResult",
    "UserProfile",
    "bucket_starts",
    "local_zone",
    "next_bucket_start",
]
