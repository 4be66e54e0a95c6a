"""Exporting a replay or a clip of it as video: frames rendered one by one at exact times by the player."""
