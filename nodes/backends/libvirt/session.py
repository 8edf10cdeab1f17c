"""libvirt-python, loaded only when a libvirt connection is used (it is an optional extra), and the one
libvirt connection a back-end holds.

One connection per back-end object is more than thrift: the test driver (test:///...) keeps its whole
state in the connection, so a second connection would see a different host.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from engine.errors import ConfigError

INSTALL = ("pip install 'interlock[libvirt]' (libvirt-python builds against the system's libvirt: on "
           "Debian or Ubuntu first apt install libvirt-dev pkg-config)")


def load_sdk(where: str) -> Any:
    """The libvirt module; ConfigError naming the connection and the install command when it is
    missing."""
    try:
        import libvirt
    except ImportError as exc:
        raise ConfigError(f'{where}: key "kind": kind "libvirt" needs libvirt-python, which cannot be '
                          f"imported ({exc}): {INSTALL}") from None
    if not hasattr(libvirt, "openAuth"):  # e.g. a folder named libvirt on sys.path, as a namespace package
        where_found = getattr(libvirt, "__file__", None) or list(getattr(libvirt, "__path__", []))
        raise ConfigError(f'{where}: key "kind": the module "libvirt" found at {where_found} is not '
                          f"libvirt-python: {INSTALL}")
    _silence(libvirt)
    return libvirt


@functools.cache
def _silence(sdk: Any) -> None:
    # libvirt prints every error to stderr unless a handler is registered; Interlock reports them
    # itself (each failed call still raises libvirtError).
    sdk.registerErrorHandler(lambda _context, _error: None, None)


def error_text(exc: Exception) -> str:
    """libvirt's message for a libvirtError."""
    get = getattr(exc, "get_error_message", None)
    return (get() if callable(get) else None) or str(exc) or type(exc).__name__


class Session:
    """The back-end's libvirt connection: opened on first use (in a worker thread, since opening
    qemu+ssh:// runs ssh), and opened again when libvirt reports it dead."""

    def __init__(self, sdk: Any, uri: str, username: str | None = None, password: str | None = None) -> None:
        self.sdk = sdk
        self.uri = uri
        self.hostname = ""
        self._username = username
        self._password = password  # never in a message: only the auth callback reads it
        self._connection: Any = None
        self._lock = threading.Lock()

    def connection(self) -> Any:
        """The open connection (libvirtError when it cannot be opened). Blocking."""
        with self._lock:
            if self._connection is None or not self._alive():
                self._connection = self._open()
                self.hostname = self._connection.getHostname()
            return self._connection

    def _alive(self) -> bool:
        try:
            return self._connection.isAlive() == 1
        except self.sdk.libvirtError:
            return False

    def _open(self) -> Any:
        if self._username is None and self._password is None:
            return self.sdk.open(self.uri)
        asked = [self.sdk.VIR_CRED_AUTHNAME, self.sdk.VIR_CRED_PASSPHRASE]
        return self.sdk.openAuth(self.uri, [asked, self._answer, None], 0)

    def _answer(self, credentials: list[list[Any]], _data: object) -> int:
        """libvirt's auth callback: fill in each credential asked for, or refuse (-1) when this
        connection was not given it."""
        for credential in credentials:
            if credential[0] == self.sdk.VIR_CRED_AUTHNAME and self._username is not None:
                credential[4] = self._username
            elif credential[0] == self.sdk.VIR_CRED_PASSPHRASE and self._password is not None:
                credential[4] = self._password
            else:
                return -1
        return 0
