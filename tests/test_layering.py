"""The core packages must run without Qt: importing them never loads PySide6."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_PACKAGES = ["viewer.recording", "viewer.storage", "viewer.sync", "replay_api"]


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_package_does_not_import_qt(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(root.__path__, root.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{package} imported Qt: {result.stdout.strip()}"
