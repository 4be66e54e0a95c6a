"""Fetching a recording's assets over HTTP, under replay_core.fetch_rules: the one client the app's asset
cache and the server's capture at ingest both use (issue 18). Qt-free and web-framework-free: it knows
neither the desktop (`viewer`) nor the server (`replay_api`), and neither keeps a copy of its rules."""
