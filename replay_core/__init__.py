"""The Qt-free core of the app and the server: rrweb events, reading, activity, markers and ingest."""

from replay_core.activity import (
    INACTIVITY_THRESHOLD_MS,
    InactiveSpan,
    inactive_spans,
    is_user_interaction,
)
from replay_core.events import EventType, IncrementalSource, MouseInteraction
from replay_core.markers import Marker, MarkerKind, markers_for
from replay_core.reader import (
    Recording,
    RecordingError,
    RecordingOutline,
    parse_recording,
    read_recording,
)
from replay_core.summary import ReplaySummary, summarize

__all__ = [
    "INACTIVITY_THRESHOLD_MS",
    "EventType",
    "InactiveSpan",
    "IncrementalSource",
    "Marker",
    "MarkerKind",
    "MouseInteraction",
    "Recording",
    "RecordingOutline",
    "RecordingError",
    "ReplaySummary",
    "inactive_spans",
    "is_user_interaction",
    "markers_for",
    "parse_recording",
    "read_recording",
    "summarize",
]
