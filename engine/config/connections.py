"""Connections: from a name in a runbook to a live back-end object (DESIGN §4).

A back-end kind ("simulated", "scvmm", ...) is published by a distribution through the
`interlock.backends` entry-point group as a `BackendKind`: its name, an options model for the keys of
`[connections.NAME]` beyond `kind`, and `open`, which makes the back-end object. The engine knows
nothing of VMs or monitoring: activities ask their context for `connection(name)` and check that what
they get can do their job.

With no `[connections.default]` in the config, `default` is the simulated lab (DESIGN §4).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ActivityError, ConfigError, InterlockError
from .secrets import resolve_secret
from .settings import Config, Connection

DEFAULT_CONNECTION = "default"
DEFAULT_KIND = "simulated"
# The keys that say where a connection goes, shown in lists of connections.
_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
_URL_QUERY = re.compile(r"\?.*$")
_WHERE_KEYS = ("host", "port", "uri", "url", "base_url", "lab", "vmm_server", "management_server",
               "computer_name")


@dataclass(frozen=True)
class OpenContext:
    """What a back-end kind gets besides its options when a connection is opened."""

    name: str
    where: str  # "FILE: connections.NAME" (or "connection NAME (built-in default)"), for messages
    base_dir: Path  # relative paths in options resolve against the config file's folder
    options: dict[str, Any]  # the raw keys, for secrets

    def secret(self, key: str, *, required: bool = True) -> str | None:
        """The value of `KEY_env` / `KEY_keyring` for this connection (never a plain key in the file)."""
        return resolve_secret(self.options, key, self.where, required=required)

    def path(self, value: str | Path) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


@dataclass(frozen=True)
class BackendKind:
    """A kind of connection, as a back-end package registers it."""

    kind: str
    title: str
    Options: type[BaseModel]  # the keys beyond `kind`; extra="forbid" so a typo is named
    open: Callable[[BaseModel, OpenContext], Any]
    description: str = ""
    # Optional cheap check before a job runs (a file exists, ...); raises ConfigError. Never connects.
    check: Callable[[BaseModel, OpenContext], None] | None = None
    # Optional live test of an opened back-end (`interlock connections test`): does one cheap read
    # and returns a line saying what it found ("42 VMs visible"); raises on failure.
    probe: Callable[[Any], Awaitable[str]] | None = None


class Connections:
    """The connections of one configuration; each is opened once and shared by the jobs of an engine."""

    def __init__(self, config: Config, kinds: dict[str, BackendKind]) -> None:
        self.config = config
        self.kinds = kinds
        self._open: dict[str, Any] = {}
        self._lock = threading.Lock()  # blocking activities open connections from worker threads

    def names(self) -> list[str]:
        names = list(self.config.connections)
        return names if DEFAULT_CONNECTION in names else [DEFAULT_CONNECTION, *names]

    def describe(self, name: str) -> Connection:
        """The configured connection (the built-in simulated lab for an unconfigured `default`)."""
        found = self.config.connections.get(name)
        if found is not None:
            return found
        if name == DEFAULT_CONNECTION:
            return Connection(kind=DEFAULT_KIND)
        configured = ", ".join(self.names())
        source = f"in {self.config.source}" if self.config.source else "(no config file was found)"
        raise ConfigError(f'connection "{name}" is not configured {source}; configured: {configured}. '
                          f'Add a [connections.{name}] table to the config (see docs/connections.md).')

    def _where(self, name: str) -> str:
        if name in self.config.connections and self.config.source:
            return f"{self.config.source}: connections.{name}"
        return f'connection "{name}"' + ("" if name in self.config.connections else " (built-in default)")

    def _prepare(self, name: str) -> tuple[BackendKind, BaseModel, OpenContext]:
        connection = self.describe(name)
        where = self._where(name)
        kind = self.kinds.get(connection.kind)
        if kind is None:
            known = ", ".join(sorted(self.kinds)) or "none installed"
            raise ConfigError(f'{where}: unknown kind "{connection.kind}" (known kinds: {known})')
        raw = connection.options()
        try:
            options = kind.Options.model_validate(raw)
        except ValidationError as exc:
            lines = []
            for error in exc.errors():
                key = ".".join(str(part) for part in error["loc"])
                message = "unknown key" if error["type"] == "extra_forbidden" else \
                    error["msg"].removeprefix("Value error, ")
                lines.append(f'{where}: key "{key}": {message}')
            raise ConfigError("\n".join(lines)) from None
        return kind, options, OpenContext(name, where, self.config.base_dir(), raw)

    def check(self, name: str) -> None:
        """Raise ConfigError when the connection is unknown or its keys are wrong (nothing is opened)."""
        kind, options, context = self._prepare(name)
        if kind.check is not None:
            kind.check(options, context)

    def get(self, name: str) -> Any:
        """The back-end object of a connection, opened on first use."""
        opened = self._open.get(name)  # once opened, no lock: every instance of a run asks
        if opened is not None:
            return opened
        with self._lock:
            if name not in self._open:
                kind, options, context = self._prepare(name)
                self._open[name] = kind.open(options, context)
            return self._open[name]

    def destination(self, name: str) -> str:
        """Where a connection goes, in a few words for lists ("host=vmm01.contoso.local"); never a
        secret, since those are only *_env / *_keyring names."""
        if name not in self.config.connections:
            return "the bundled simulated lab (built-in default)"
        options = self.describe(name).options()
        return ", ".join(f"{key}={_without_credentials(str(options[key]))}" for key in _WHERE_KEYS
                         if key in options)

    def kind_of(self, name: str) -> str:
        return self.describe(name).kind

    def backend_kind(self, name: str) -> BackendKind:
        """The installed kind of a connection; ConfigError when the connection or kind is unknown."""
        return self._prepare(name)[0]


def _without_credentials(where: str) -> str:
    """A URL with its user:password@ part and its query hidden: a mistaken config must not print a
    password in a list of connections (`postgresql://u:pw@db/x` -> `postgresql://u:***@db/x`)."""
    return _URL_PASSWORD.sub(r"\1***@", _URL_QUERY.sub("?…", where))


async def test_connection(connections: Connections, name: str) -> tuple[bool, str]:
    """Open a connection and run its kind's probe: (answered, what it found or why not). Used by
    `interlock connections test` and the designer's Connections dialog."""
    started = time.perf_counter()
    try:
        kind = connections.backend_kind(name)
        backend = await asyncio.to_thread(connections.get, name)  # opening may connect (libvirt)
        found = await kind.probe(backend) if kind.probe is not None else "opened (this kind has no test)"
    except (InterlockError, ActivityError) as exc:  # a config mistake, a back-end's own message
        return False, str(exc)
    except Exception as exc:  # a back-end's surprise: say what it was, without a traceback
        return False, f"{type(exc).__name__}: {exc}"
    return True, f"{found} ({(time.perf_counter() - started) * 1e3:.0f} ms)"
