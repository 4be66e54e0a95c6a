"""Where the shared fixtures are: beside the repository, or where REPLAY_VIEWER_FIXTURES says."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _find_fixtures() -> Path:
    candidates = [
        os.environ.get("REPLAY_VIEWER_FIXTURES", ""),
        str(REPO.parent / "shared" / "fixtures"),
        "/work/shared/fixtures",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MANIFEST.md").is_file():
            return Path(candidate)
    raise RuntimeError(
        "The shared fixtures were not found; set REPLAY_VIEWER_FIXTURES to the fixtures folder"
    )


FIXTURES = _find_fixtures()
RRWEB_FIXTURES = sorted((FIXTURES / "rrweb").glob("*.json"))
MIXPANEL_CAPTURES = sorted(p for p in (FIXTURES / "mixpanel-wire").iterdir() if p.is_dir())
