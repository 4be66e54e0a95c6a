"""Playback rules every part shares: the speeds a replay plays at."""

from __future__ import annotations

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
NORMAL_SPEED = 1.0
