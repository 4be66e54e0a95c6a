"""Appearance (issue 16): System / Light / Dark in Settings; what we paint ourselves is readable in both."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_new_user import activate, click_row, in_dialog, wait_for_feed
from viewer.settings import load_settings
from viewer.storage import ReplayRow
from viewer.ui.appearance import apply_appearance
from viewer.ui.main_window import MainWindow
from viewer.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.webengine


@pytest.fixture(autouse=True)
def back_to_the_system_scheme() -> object:
    yield None
    apply_appearance("system")  # the next test's application is light again


def luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio: 4.5 for text, 3 for the parts of a control."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def pixels(widget: QWidget) -> list[QColor]:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return [image.pixelColor(x, y) for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)]


def background_and_strongest(widget: QWidget) -> tuple[QColor, float]:
    """The widget's most common colour (its background) and the highest contrast anything drawn on it has."""
    seen = pixels(widget)
    background = QColor(Counter(c.rgb() for c in seen).most_common(1)[0][0])
    return background, max(contrast(background, c) for c in seen)


def has_the_apps_palette(widget: QWidget) -> bool:
    return widget.palette().color(widget.backgroundRole()) == QApplication.palette().base().color()


def choose_appearance(qtbot: QtBot, window: MainWindow, label: str) -> None:
    def pick(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.appearance.setFocus()
        qtbot.keyClicks(dialog.appearance, label[0])
        assert dialog.appearance.currentText() == label
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    activate(qtbot, window)
    done = in_dialog(qtbot, pick)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert done == ["done"]
    activate(qtbot, window)  # again, after the dialog (offscreen, Qt does not do it)


def test_dark_and_light_appearance_keep_the_feed_timeline_and_charts_readable(
    qtbot: QtBot, window: MainWindow, cached_rows: list[ReplayRow]
) -> None:
    wait_for_feed(qtbot, window, len(cached_rows))
    click_row(qtbot, window, 0)  # a replay on the timeline
    for label in ("Dark", "Light"):
        choose_appearance(qtbot, window, label)
        dark = label == "Dark"
        assert load_settings().appearance == label.lower()
        window_colour = QApplication.palette().color(window.backgroundRole())
        assert (window_colour.lightness() < 128) is dark
        # Qt hands the new palette to the widgets by posted events: wait for the feed to have it.
        qtbot.waitUntil(lambda: has_the_apps_palette(window.feed.list.viewport()), timeout=3000)
        qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        feed_background, feed_text = background_and_strongest(window.feed.list.viewport())
        assert (feed_background.lightness() < 128) is dark and feed_text >= 4.5
        timeline = window.player.controls.timeline
        image = timeline.grab().toImage()
        track = image.pixelColor(timeline.width() - 12, timeline.height() // 2)  # not played yet
        assert (image.pixelColor(2, 2).lightness() < 128) is dark
        assert contrast(track, image.pixelColor(2, 2)) >= 3
        for button in (window.player.controls.play_button, window.player.controls.fullscreen_button):
            assert background_and_strongest(button)[1] >= 3  # its icon shows on the bar
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.reports.event_chart.title() != "", timeout=5000)
        chart_view = window.reports.event_chart.scene().views()[0]
        chart_background, chart_text = background_and_strongest(chart_view)
        assert (chart_background.lightness() < 128) is dark and chart_text >= 4.5


def test_the_window_has_the_app_icon(window) -> None:  # type: ignore[no-untyped-def]
    """The icon the task bar and the .desktop entry show: our SVG, drawn (not Qt's empty default)."""
    icon = window.windowIcon()
    image = icon.pixmap(64, 64).toImage()
    assert not icon.isNull() and image.width() == 64
    corner, middle = image.pixelColor(1, 1), image.pixelColor(32, 40)
    assert corner.alpha() == 0 and middle.alpha() == 255  # the rounded tile, transparent outside it
