"""What one runbook server is made of: its catalogue, its engine configuration, its schedules, its
limits. Built by `interlock server` from its options, or by a test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config.settings import Config

DEFAULT_LISTEN = "127.0.0.1:8181"
MAX_BODY_BYTES = 1_000_000  # a start request is parameters, not files: a megabyte is plenty
EVENT_BUFFER = 10_000  # events of a running job kept in memory for its streams; older ones from history

@dataclass
class ServerSettings:
    catalogue: Path
    config: Config = field(default_factory=Config)
    schedules: Path | None = None  # a schedules file whose entries (and monitors) the server runs
    tokens: Path | None = None  # the token and audit database; default INTERLOCK_HOME's server.sqlite3
    max_body_bytes: int = MAX_BODY_BYTES
    drain_timeout_s: float = 0.0  # on shutdown, wait this long for running jobs before cancelling them
    cors_origins: tuple[str, ...] = ()  # none: browsers of other origins are refused (CORS off)
    event_buffer: int = EVENT_BUFFER
    log: Callable[[str], None] | None = None  # where the server's log lines go; None: stderr
