"""The settings dialog: retention, remote assets, inactivity threshold, default speed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from viewer.settings import PLAYBACK_SPEEDS, Settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.retention = QSpinBox()
        self.retention.setRange(1, 3650)
        self.retention.setSuffix(" days")
        self.retention.setValue(settings.retention_days)
        self.remote_assets = QCheckBox("Load images, stylesheets and fonts from the recorded sites")
        self.remote_assets.setChecked(settings.load_remote_assets)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.5, 3600)
        self.threshold.setDecimals(1)
        self.threshold.setSuffix(" s")
        self.threshold.setValue(settings.inactivity_threshold_s)
        self.speed = QComboBox()
        for speed in PLAYBACK_SPEEDS:
            self.speed.addItem(f"{speed:g}×", speed)
        self.speed.setCurrentIndex(PLAYBACK_SPEEDS.index(settings.playback_speed))
        form = QFormLayout()
        form.addRow("Keep replays for", self.retention)
        form.addRow("Remote assets", self.remote_assets)
        form.addRow("Inactive after", self.threshold)
        form.addRow("Default speed", self.speed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.extra = QVBoxLayout()
        layout.addLayout(self.extra)
        layout.addWidget(buttons)

    def apply(self) -> None:
        """Copy the dialog's values into the settings (the caller saves and applies them)."""
        self.settings.retention_days = self.retention.value()
        self.settings.load_remote_assets = self.remote_assets.isChecked()
        self.settings.inactivity_threshold_s = self.threshold.value()
        self.settings.playback_speed = float(self.speed.currentData())
