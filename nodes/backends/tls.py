"""TLS trust for the connections that check a server's certificate (http, alertmanager, ...): the
system's CAs, or those of a `ca_file` named in the connection, read once when it is opened."""

from __future__ import annotations

import ssl

from engine.config.connections import OpenContext
from engine.errors import ConfigError


def trust_context(ca_file: str | None, context: OpenContext) -> ssl.SSLContext:
    """A client TLS context trusting `ca_file` (relative to the config file), else the system's CAs;
    a ConfigError naming the key when the file is missing or holds no certificate. Made once per
    connection: loading a CA store costs ~50 ms, more than a request on a LAN."""
    if ca_file is None:
        return ssl.create_default_context()
    path = context.path(ca_file)
    if not path.is_file():
        raise ConfigError(f'{context.where}: key "ca_file": {path} not found')
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f'{context.where}: key "ca_file": {path} holds no usable PEM certificate '
                          f"({exc})") from None
