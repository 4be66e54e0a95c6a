"""What each `replay-viewer` command does; `viewer.cli` parses the arguments and dispatches here."""
