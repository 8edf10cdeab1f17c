"""Which host keys an `ssh` connection trusts: those in its known_hosts file. asyncssh asks this check
about any other key; an unknown host is accepted only with accept_unknown_hosts, a host whose known key
differs (a changed key: a reinstalled host or a man in the middle) never is. Either way the key's
fingerprint is kept for the message that names it."""

from __future__ import annotations

import asyncssh

from .options import SshSettings


class HostKeyCheck(asyncssh.SSHClient):
    """asyncssh's client callbacks for one connection attempt."""

    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self.offered: asyncssh.SSHKey | None = None  # the key the server showed, when not trusted
        self.changed = False  # the host is in known_hosts with another key

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.offered = key
        known = self.settings.known_hosts
        if known is not None:
            trusted = asyncssh.match_known_hosts(str(known), host, addr, port if port != 22 else None)[0]
            self.changed = bool(trusted)
        return self.settings.accept_unknown_hosts and not self.changed


def host_key_refusal(check: HostKeyCheck) -> str:
    """Why the server's host key was refused, with its fingerprint and what to do."""
    s = check.settings
    key = check.offered
    shown = f"{key.get_algorithm()} key {key.get_fingerprint('sha256')}" if key is not None else "its key"
    where = s.known_hosts or "~/.ssh/known_hosts (which does not exist)"
    target = s.host if s.port == 22 else f"[{s.host}]:{s.port}"
    if check.changed:
        return (f"host key CHANGED: {target} showed {shown}, which is not the key {where} holds for it; "
                f"refused (if the host was reinstalled, check the new fingerprint and replace its "
                f"line in {where})")
    keyscan = f"ssh-keyscan{'' if s.port == 22 else f' -p {s.port}'} {s.host}"
    return (f"host key not known: {target} showed {shown}, which is in no entry of {where}; refused. "
            f"Check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then add "
            f"its line ({keyscan}) to the known_hosts file, or set accept_unknown_hosts = true (labs only)")
