"""The `ssh` connection kind: commands and SFTP on a host through OpenSSH's protocol (asyncssh).

    [connections.web01]
    kind = "ssh"
    host = "web01.contoso.local"
    username = "svc-runbook"
    key_file = "keys/svc-runbook"             # relative to the config file
    password_env = "INTERLOCK_WEB01_KEY_PASS"  # the key's passphrase; without key_file: the password
    known_hosts = "known_hosts"                # default: ~/.ssh/known_hosts

The back-end object is an SshClient (client.py), the API activities use.
"""

from __future__ import annotations

from nodes.backends.resolved import resolved_kind

from .client import Completed, SshClient
from .options import SshOptions, SshSettings, resolve

SSH = resolved_kind(
    "ssh", "SSH", SshOptions, resolve, SshClient,
    "Commands and file transfers (SFTP) on a host over SSH, with a key or a password.")

__all__ = ["SSH", "Completed", "SshClient", "SshOptions", "SshSettings"]
