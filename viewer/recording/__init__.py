"""rrweb knowledge without Qt: reading recordings, activity, markers and summaries."""

from viewer.recording.activity import (
    DEFAULT_INACTIVITY_THRESHOLD_MS,
    InactiveSpan,
    inactive_spans,
    is_user_interaction,
)
from viewer.recording.events import EventType, IncrementalSource, MouseInteraction
from viewer.recording.markers import Marker, MarkerKind, markers_for
from viewer.recording.reader import (
    Recording,
    RecordingError,
    parse_recording,
    read_recording,
)
from viewer.recording.summary import ReplaySummary, summarize

__all__ = [
    "DEFAULT_INACTIVITY_THRESHOLD_MS",
    "EventType",
    "InactiveSpan",
    "IncrementalSource",
    "Marker",
    "MarkerKind",
    "MouseInteraction",
    "Recording",
    "RecordingError",
    "ReplaySummary",
    "inactive_spans",
    "is_user_interaction",
    "markers_for",
    "parse_recording",
    "read_recording",
    "summarize",
]
