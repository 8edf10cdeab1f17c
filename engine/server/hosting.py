"""Running the application on uvicorn, with a shutdown that ends jobs before connections.

On SIGTERM or Ctrl+C, uvicorn would first wait for open connections to close — and the event stream of
a running job stays open until the job ends — and only then run the application's shutdown, which ends
the jobs. So the first signal ends the jobs first (drained for `drain_timeout_s`, the rest cancelled and
recorded); their streams then close after their `job_finished`, and uvicorn stops as usual. A second
signal stops at once, as uvicorn's own second Ctrl+C does.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from ..errors import InterlockError
from .app import create_app
from .settings import ServerSettings

GRACE_S = 10.0  # after the jobs have ended, how long uvicorn waits for connections still open


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Listen:
        """HOST:PORT, [IPv6]:PORT or :PORT (all interfaces)."""
        found = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\[\]]*):(\d{1,5})", text.strip())
        if not found:
            raise InterlockError(f'--listen "{text}": give HOST:PORT, e.g. 127.0.0.1:8181 or [::1]:8181')
        host = found.group(1) or found.group(3) or "0.0.0.0"
        port = int(found.group(2) or found.group(4))
        if not 0 < port < 65536:
            raise InterlockError(f'--listen "{text}": the port must be 1 to 65535')
        return cls(host, port)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI, drain_timeout_s: float) -> None:
        super().__init__(config)
        self.app, self.drain_timeout_s = app, drain_timeout_s
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ending: asyncio.Task[None] | None = None
        self.signalled = False

    async def serve(self, sockets: Any = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        state = getattr(self.app.state, "server", None)
        if self.signalled or state is None or self.loop is None:
            self.force_exit = self.signalled  # a second signal: stop now
            super().handle_exit(sig, frame)
            return
        self.signalled = True
        self.loop.call_soon_threadsafe(self._end_jobs, state, sig, frame)

    def _end_jobs(self, state: Any, sig: int, frame: FrameType | None) -> None:
        async def end() -> None:
            try:
                state.log("stopping: running jobs end (drained, then cancelled) and are recorded")
                await state.jobs.shutdown(self.drain_timeout_s)
            finally:
                uvicorn.Server.handle_exit(self, sig, frame)
        self.ending = asyncio.get_running_loop().create_task(end(), name="server shutdown")


def serve(settings: ServerSettings, listen: Listen, tls_cert: Path | None = None,
          tls_key: Path | None = None) -> None:
    """Serve until SIGTERM or Ctrl+C."""
    if (tls_cert is None) != (tls_key is None):
        raise InterlockError("give both --tls-cert and --tls-key (the certificate and its private key)")
    for option, file in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if file is not None and not file.is_file():
            raise InterlockError(f"{option} {file}: no such file")
    app = create_app(settings)
    config = uvicorn.Config(app, host=listen.host, port=listen.port, ssl_certfile=tls_cert,
                            ssl_keyfile=tls_key,
                            timeout_graceful_shutdown=int(GRACE_S), proxy_headers=False, server_header=False,
                            log_level="info")
    _Server(config, app, settings.drain_timeout_s).run()
