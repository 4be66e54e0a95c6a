"""Replay Viewer: a desktop viewer for rrweb session replays."""
