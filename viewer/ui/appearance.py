"""Light or dark: the app follows the system's colour scheme, or the one chosen in Settings.

The Fusion style draws every control from the palette, so one palette per scheme makes the whole app
(and the widgets we paint ourselves, which take their colours from it) readable in both.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from viewer import resources

APPEARANCES = ("system", "light", "dark")  # as stored in settings.json
_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
_followed: list[str] = []  # the choice in force, for the system's scheme changes


def app_icon() -> QIcon:
    """The application's icon (window, task bar; the .desktop entry points at the same file)."""
    return QIcon(str(resources.icon_path()))


def apply_appearance(choice: str) -> None:
    """Use the chosen scheme ("system" follows the desktop, and its changes, while the app runs)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    hints = QGuiApplication.styleHints()
    if choice in _SCHEMES:
        hints.setColorScheme(_SCHEMES[choice])
    else:
        hints.unsetColorScheme()
    if not _followed:
        hints.colorSchemeChanged.connect(lambda _scheme: _set_palette(app, _followed[-1]))
    _followed[:] = [choice]
    _set_palette(app, choice)


def is_dark(choice: str) -> bool:
    if choice in _SCHEMES:
        return choice == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def _set_palette(app: QApplication, choice: str) -> None:
    app.setPalette(dark_palette() if is_dark(choice) else app.style().standardPalette())


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    colours = {
        role.Window: "#2d2d30",
        role.WindowText: "#e8e8e8",
        role.Base: "#1f1f22",
        role.AlternateBase: "#29292d",
        role.ToolTipBase: "#3a3a3f",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#a0a0a8",
        role.Text: "#e8e8e8",
        role.Button: "#37373b",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a50",
        role.Midlight: "#3e3e44",
        role.Mid: "#2a2a2e",
        role.Dark: "#1c1c1f",
        role.Shadow: "#0e0e10",
        role.Highlight: "#3d8ee8",
        role.HighlightedText: "#ffffff",
        role.Link: "#79b3ff",
        role.LinkVisited: "#b59cff",
    }
    for colour_role, name in colours.items():
        palette.setColor(colour_role, QColor(name))
    disabled = QPalette.ColorGroup.Disabled
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, colour_role, QColor("#7a7a80"))
    palette.setColor(disabled, role.Highlight, QColor("#505058"))
    return palette
