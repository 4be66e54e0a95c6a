"""Syncing the local cache from a replay API: transport, client, syncer; no Qt."""
