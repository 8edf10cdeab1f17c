"""Connections to the fake WS-Management endpoint, made the way a user's config makes them."""

from __future__ import annotations

from typing import Any

import pytest

from engine.config.connections import Connections
from engine.config.registry import Registry
from engine.config.settings import Config, Connection

PASSWORD_ENV = "INTERLOCK_TEST_WINRM_PASSWORD"


def connection(port: int, kind: str, **keys: Any) -> Connection:
    """A connection to the fake on 127.0.0.1: basic auth over http, as the fake speaks it."""
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "https": False, "transport": "basic",
                              "username": "interlock", "password_env": PASSWORD_ENV, **keys}
    return Connection(kind=kind, **{k: v for k, v in values.items() if v is not None})


def open_backend(monkeypatch: pytest.MonkeyPatch, port: int, kind: str, *, password: str = "S3cr3t-pw!",
                 name: str = "lab", **keys: Any) -> Any:
    monkeypatch.setenv(PASSWORD_ENV, password)
    config = Config(connections={name: connection(port, kind, **keys)})
    return Connections(config, Registry.from_entry_points().backends).get(name)
