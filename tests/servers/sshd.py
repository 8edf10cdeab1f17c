"""A real OpenSSH server for the tests (Debian's openssh-server): /usr/sbin/sshd on a free loopback port
with a temporary host key and an authorized_keys holding temporary client keys, for the current user;
stopped by its PID when the block ends.

    with running_sshd(tmp_path) as server:
        Connection(kind="ssh", **server.connection_keys())   # host, port, username, key_file, known_hosts

`server.client_key` logs in; `server.encrypted_key` (passphrase `server.passphrase`) too;
`server.stranger_key` is a key the server does not know. SFTP is served (internal-sftp).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import require_real

from . import free_port, stop, wait_ready

SSHD = "/usr/sbin/sshd"


@dataclass
class SshServer:
    host: str
    port: int
    user: str
    client_key: Path  # authorized, no passphrase
    encrypted_key: Path  # authorized, encrypted with `passphrase`
    passphrase: str
    stranger_key: Path  # not authorized
    known_hosts: Path  # a known_hosts file holding this server's host key
    host_key_line: str  # that line
    fingerprint: str  # the host key's SHA256 fingerprint, as ssh-keygen -l shows it
    log: Path
    process: subprocess.Popen[bytes]

    def connection_keys(self, **overrides: Any) -> dict[str, Any]:
        """The keys of an `ssh` connection to this server (absolute paths), with overrides."""
        keys: dict[str, Any] = {"host": self.host, "port": self.port, "username": self.user,
                                "key_file": str(self.client_key), "known_hosts": str(self.known_hosts),
                                "connect_timeout_s": 10}
        keys.update(overrides)
        return {key: value for key, value in keys.items() if value is not None}


def _keygen(path: Path, passphrase: str = "") -> str:
    """A new ed25519 key pair at path (and path.pub); returns the public key line."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", path.name, "-f", str(path)],
                   check=True, capture_output=True, timeout=30)
    return path.with_suffix(".pub").read_text(encoding="utf-8").strip()


def _config(home: Path, port: int, user: str, extra: str) -> str:
    root = "PermitRootLogin prohibit-password\n" if user == "root" else ""
    return (f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host_key'}\n"
            f"AuthorizedKeysFile {home / 'authorized_keys'}\nPidFile {home / 'sshd.pid'}\n"
            "StrictModes no\nUsePAM no\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nLogLevel VERBOSE\nSubsystem sftp internal-sftp\n"
            f"{root}{extra}")


def _greets(port: int) -> bool:
    """The server answers with its SSH banner."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            return conn.recv(64).startswith(b"SSH-")
    except OSError:
        return False


@contextmanager
def running_sshd(home: Path, extra_config: str = "") -> Iterator[SshServer]:
    """An sshd with its files in home, for the current user (skips, or fails in CI, without sshd).
    extra_config: more sshd_config lines (e.g. "SetEnv PATH=..." for a stand-in command)."""
    require_real(Path(SSHD).exists() and shutil.which("ssh-keygen") is not None, "OpenSSH's sshd",
                 "apt install openssh-server")
    home.mkdir(parents=True, exist_ok=True)
    user, port, passphrase = getpass.getuser(), free_port(), "test-passphrase-4711"
    host_line = _keygen(home / "host_key")
    authorized = [_keygen(home / "client_key"), _keygen(home / "encrypted_key", passphrase)]
    _keygen(home / "stranger_key")
    (home / "authorized_keys").write_text("\n".join(authorized) + "\n", encoding="utf-8")
    known_line = f"[127.0.0.1]:{port} {' '.join(host_line.split()[:2])}"
    (home / "known_hosts").write_text(known_line + "\n", encoding="utf-8")
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", str(home / "host_key.pub")], check=True,
                                 capture_output=True, text=True, timeout=30).stdout.split()[1]
    (home / "sshd_config").write_text(_config(home, port, user, extra_config), encoding="utf-8")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation needs it
    log = home / "sshd.log"
    with log.open("wb") as output:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(home / "sshd_config")],
                                   stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_ready("sshd", lambda: _greets(port), process, log)
        yield SshServer(host="127.0.0.1", port=port, user=user, client_key=home / "client_key",
                        encrypted_key=home / "encrypted_key", passphrase=passphrase,
                        stranger_key=home / "stranger_key", known_hosts=home / "known_hosts",
                        host_key_line=known_line, fingerprint=fingerprint, log=log, process=process)
    finally:
        stop(process)
