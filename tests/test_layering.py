"""The server and the Qt-free packages run with Qt absent, and a server install does not ask for Qt.

The import rules themselves are import-linter contracts in pyproject.toml (`make lint` runs them);
these tests check what the contracts cannot: the code really runs without Qt installed.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

import pytest

QT_FREE_PACKAGES = ["replay_core", "replay_fetch", "viewer.storage", "viewer.sync", "viewer.commands.cache", "replay_api"]

# Makes PySide6 unimportable in the child process, as on a machine where only the server is installed.
_WITHOUT_QT = (
    "import sys\n"
    "class NoQt:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r} (Qt is not installed here)')\n"
    "sys.meta_path.insert(0, NoQt())\n"
)


def _run_without_qt(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_QT + code], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("package", QT_FREE_PACKAGES)
def test_package_imports_with_qt_absent(package: str) -> None:
    code = (
        "import importlib, pkgutil\n"
        f"root = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(getattr(root, '__path__', []), root.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
    )
    result = _run_without_qt(code)
    assert result.returncode == 0, result.stderr


def test_server_command_runs_with_qt_absent() -> None:
    result = _run_without_qt("from replay_api.cli import main\nsys.argv = ['replay-api', '--help']\nmain()\n")
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout


def test_qt_is_only_asked_for_by_the_app_extra() -> None:
    qt = [r for r in requires("replay-viewer") or [] if r.lower().startswith("pyside6")]
    assert qt, "the app extra names Qt"
    assert all("extra == \"app\"" in r for r in qt), qt
