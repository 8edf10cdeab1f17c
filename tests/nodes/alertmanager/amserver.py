"""A real Alertmanager for the tests (Debian's prometheus-alertmanager), on a free loopback port with its
own config and storage, stopped by its PID at teardown; and a view of what it holds, through its API."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import require_real

BINARY = "prometheus-alertmanager"
READY_WITHIN_S = 15.0
# Every alert goes to a receiver that sends nothing: the tests only need silences.
CONFIG = """\
route:
  receiver: "null"
receivers:
  - name: "null"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Alertmanager:
    url: str
    process: subprocess.Popen[bytes]
    http: httpx.Client  # one client for the test's own look-ups: a new one each time loads the CA store

    def silences(self, **labels: str) -> list[dict[str, Any]]:
        """What the server holds (GET /api/v2/silences), those with a matcher on each label=value."""
        query = [("filter", f'{name}="{value}"') for name, value in labels.items()]
        response = self.http.get(f"{self.url}/api/v2/silences", params=query)
        response.raise_for_status()
        return response.json()

    def silence(self, silence_id: str) -> dict[str, Any]:
        response = self.http.get(f"{self.url}/api/v2/silence/{silence_id}")
        response.raise_for_status()
        return response.json()

    def add_silence(self, matchers: dict[str, str], created_by: str, minutes: int = 60,
                    comment: str = "made by hand") -> str:
        """A silence made as a person (or another tool) would make it."""
        from datetime import UTC, datetime, timedelta

        begin = datetime.now(UTC)
        body = {"matchers": [{"name": n, "value": v, "isRegex": False, "isEqual": True}
                             for n, v in matchers.items()],
                "startsAt": begin.isoformat(), "endsAt": (begin + timedelta(minutes=minutes)).isoformat(),
                "createdBy": created_by, "comment": comment}
        response = self.http.post(f"{self.url}/api/v2/silences", json=body)
        response.raise_for_status()
        return response.json()["silenceID"]


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, http: httpx.Client) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if http.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    state = f"exited with {process.returncode}" if process.poll() is not None else \
        f"not ready after {READY_WITHIN_S:g} s"
    pytest.fail(f"Alertmanager {state}; its output:\n{log.read_text(errors='replace')[-3000:]}",
                pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_alertmanager(home: Path, tls: tuple[Path, Path] | None = None) -> Iterator[Alertmanager]:
    """An Alertmanager with its files in home (skips, or fails in CI, without the binary); with tls
    (certificate, key) it serves https."""
    binary = shutil.which(BINARY)
    require_real(binary is not None, "Alertmanager", "apt install prometheus-alertmanager")
    assert binary is not None
    (home / "alertmanager.yml").write_text(CONFIG, encoding="utf-8")
    log = home / "alertmanager.log"
    address = f"127.0.0.1:{free_port()}"
    options = []
    if tls is not None:
        (home / "web.yml").write_text(f"tls_server_config:\n  cert_file: {tls[0]}\n  key_file: {tls[1]}\n",
                                      encoding="utf-8")
        options.append(f"--web.config.file={home / 'web.yml'}")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, f"--config.file={home / 'alertmanager.yml'}", f"--storage.path={home / 'data'}",
             f"--web.listen-address={address}", *options,
             "--cluster.listen-address=",  # no HA gossip: it would listen on 0.0.0.0:9094
             "--log.level=warn"],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"{'https' if tls else 'http'}://{address}"
    try:
        # The test's own look-ups trust the server: what is tested is the back-end's TLS check.
        with httpx.Client(verify=False, timeout=5) as http:
            _wait_ready(url, process, log, http)
            yield Alertmanager(url, process, http)
    finally:
        _stop(process)
