"""One app per user and data folder: a second start (a clicked replay-viewer:// link) hands its target over."""

from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from viewer import paths

CONNECT_MS = 500


def instance_name() -> str:
    """A socket name for this user and data folder (tests and several caches don't collide)."""
    folder = hashlib.sha1(str(paths.data_dir()).encode()).hexdigest()[:12]
    user = os.getuid() if hasattr(os, "getuid") else 0
    return f"replay-viewer-{user}-{folder}"


def hand_over(target: str, name: str | None = None) -> bool:
    """Give `target` (a link or an absolute path; "" for just the window) to an app already running.

    False when there is none to take it.
    """
    socket = QLocalSocket()
    socket.connectToServer(name or instance_name())
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(target.encode("utf-8") + b"\n")
    delivered = socket.waitForBytesWritten(CONNECT_MS)
    socket.disconnectFromServer()
    return delivered


def _answered(name: str) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
    answered = socket.waitForConnected(CONNECT_MS)
    socket.abort()
    return answered


class InstanceServer(QObject):
    """Listens for targets handed over by later starts of the app."""

    targetReceived = Signal(str)  # a link or a file to open
    showRequested = Signal()  # a plain start: the window comes to the front

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or instance_name()
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Listen, unless an app already answers on the name (then False: its socket is left alone)."""
        if _answered(self.name):
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by an app that crashed
        return self._server.listen(self.name)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            # A bound slot, not a lambda holding this object: a socket deleted later must not drop the
            # last reference to its server mid-destruction (the server would delete the socket twice).
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(socket.deleteLater)

    def _read(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket):
            return
        while socket.canReadLine():
            target = bytes(socket.readLine().data()).decode("utf-8", "replace").strip()
            if target:
                self.targetReceived.emit(target)
            else:
                self.showRequested.emit()

    def close(self) -> None:
        self._server.close()
