"""The settings dialog: retention, fetching assets into the cache (and its size, with Clear), default speed,
sources."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from viewer.config.options import declared
from viewer.config.settings_json import host_entry
from viewer.settings import Settings
from viewer.sync.service import verify_key
from viewer.sync.sources import SourceError, add_source, check_source, list_sources, remove_source
from viewer.ui.cache_worker import CacheWorker


def _size_text(size: int) -> str:
    if size < 1000:
        return f"{size} bytes" if size else "empty"
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


_FORM_OPTIONS = ("retention_days", "fetch_assets", "playback_speed", "appearance")
_FETCH_LABELS = {
    "never": "Never (recorded images, stylesheets and fonts are not shown)",
    "when-opened": "When a replay is opened",
    "prefetch": "When a replay is opened and after each sync",
}


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, parent: QWidget | None = None, cache: CacheWorker | None = None
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self.setWindowTitle("Settings")
        self.settings = settings
        # titles, ranges and choices come from the options' declarations (viewer.config.settings_json)
        retention, remote, speed, appearance = (declared(Settings, name) for name in _FORM_OPTIONS)
        self.retention = QSpinBox()
        self.retention.setRange(int(retention.minimum or 1), int(retention.maximum or 3650))
        self.retention.setSuffix(" days")
        self.retention.setValue(settings.retention_days)
        self.fetch_assets = QComboBox()
        for choice in remote.choices or (settings.fetch_assets,):
            self.fetch_assets.addItem(_FETCH_LABELS.get(str(choice), str(choice)), choice)
        self.fetch_assets.setCurrentIndex(max(0, self.fetch_assets.findData(settings.fetch_assets)))
        self.fetch_assets.setToolTip(
            "The player never reaches the recorded sites: their images, stylesheets and fonts are fetched into "
            "the cache by the app and shown from there, also offline and after the site has changed."
        )
        self.allowed_hosts = QLineEdit(", ".join(settings.asset_hosts_allowed))
        self.allowed_hosts.setPlaceholderText("none (e.g. staging.lan, 127.0.0.1)")
        self.allowed_hosts.setToolTip(
            "Hosts whose assets may be fetched from loopback or private addresses"
        )
        self.speed = QComboBox()
        for choice in speed.choices or (settings.playback_speed,):
            self.speed.addItem(f"{choice:g}×", choice)
        self.speed.setCurrentIndex(max(0, self.speed.findData(settings.playback_speed)))
        form = QFormLayout()
        form.addRow(retention.title, self.retention)
        form.addRow(remote.title, self.fetch_assets)
        form.addRow(declared(Settings, "asset_hosts_allowed").title, self.allowed_hosts)
        form.addRow("Asset cache", self._asset_cache_row())
        form.addRow(speed.title, self.speed)
        self.appearance = QComboBox()
        for choice in appearance.choices or ("system",):
            self.appearance.addItem(str(choice).capitalize(), choice)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(settings.appearance)))
        form.addRow(appearance.title, self.appearance)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._sources_box())
        layout.addWidget(buttons)
        self.sources_changed = False

    def _asset_cache_row(self) -> QWidget:
        row = QWidget()
        self.asset_size = QLabel("…" if self._cache is not None else "not open")
        self.clear_assets = QPushButton("Clear")
        self.clear_assets.setEnabled(self._cache is not None)
        self.clear_assets.clicked.connect(self._clear_assets)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.asset_size)
        layout.addWidget(self.clear_assets)
        layout.addStretch(1)
        if self._cache is not None:
            self._cache.call(lambda cache: cache.assets_bytes(), self._show_asset_size)
        return row

    def _show_asset_size(self, size: int) -> None:
        self.asset_size.setText(_size_text(size))
        self.clear_assets.setEnabled(size > 0)

    def _clear_assets(self) -> None:
        if self._cache is None:
            return
        self.clear_assets.setEnabled(False)
        self._cache.call(lambda cache: cache.clear_assets(), lambda _removed: self._show_asset_size(0))

    def _sources_box(self) -> QGroupBox:
        box = QGroupBox("Replay API sources (synced every minute; keys live in the system keychain)")
        self.sources = QListWidget()
        add = QPushButton("Add…")
        add.clicked.connect(self._add_source)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_source)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.sources)
        layout.addLayout(buttons)
        self._list_sources()
        return box

    def _list_sources(self) -> None:
        self.sources.clear()
        for source in list_sources():
            item = QListWidgetItem(f"{source.name} — {source.url} · {source.key_description()}")
            item.setData(Qt.ItemDataRole.UserRole, source.name)
            self.sources.addItem(item)

    def _add_source(self) -> None:
        name, ok = QInputDialog.getText(self, "Add source", "Name:")
        if not ok or not name.strip():
            return
        url, ok = QInputDialog.getText(
            self, "Add source", "Replay API base URL:", text="http://127.0.0.1:8765"
        )
        if not ok:
            return
        key, ok = QInputDialog.getText(
            self, "Add source", "API key (read or admin):", QLineEdit.EchoMode.Password
        )
        if not ok:
            return
        try:
            check_source(name, url, key)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:  # one try, connecting for at most 5 s: the server says what the key may do, or refuses it
                checked = verify_key(url, key)
            finally:
                QApplication.restoreOverrideCursor()
            if checked.refused:
                raise SourceError(checked.refused)
            known = checked.key
            warning = add_source(
                name, url, key, key_name=known.name if known else "", key_scope=known.scope if known else ""
            )
        except SourceError as exc:
            QMessageBox.warning(self, "Source not added", str(exc))
            return
        notes = [f"Added {name.strip()!r}: {checked.describe()}.", checked.warning, warning]
        QMessageBox.information(self, "Source added", "\n\n".join(n for n in notes if n))
        self.sources_changed = True
        self._list_sources()

    def _remove_source(self) -> None:
        item = self.sources.currentItem()
        if item is not None:
            remove_source(item.data(Qt.ItemDataRole.UserRole))
            self.sources_changed = True
            self._list_sources()

    def apply(self) -> None:
        """Copy the dialog's values into the settings (the caller saves and applies them)."""
        self.settings.retention_days = self.retention.value()
        self.settings.fetch_assets = str(self.fetch_assets.currentData())
        hosts = (host_entry(part) for part in self.allowed_hosts.text().replace(",", " ").split())
        self.settings.asset_hosts_allowed = [host for host in hosts if host]
        self.settings.playback_speed = float(self.speed.currentData())
        self.settings.appearance = str(self.appearance.currentData())
