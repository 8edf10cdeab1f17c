"""Real servers that tests start on 127.0.0.1 and stop by themselves (`from servers.sshd import
running_sshd`), and what starting one takes: a free port, waiting until it answers, stopping it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(what: str, ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path,
               within_s: float = 15.0) -> None:
    """Poll `ready` until it is true; fail the test with the server's output when the process exits or
    the time is up."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            return
        time.sleep(0.05)
    state = f"exited with {process.returncode}" if process.poll() is not None else \
        f"not ready after {within_s:g} s"
    pytest.fail(f"{what} {state}; its output:\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server started by a test (by its PID), killing it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
