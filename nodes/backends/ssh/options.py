"""The keys of an `ssh` connection and what they resolve to when it is opened: where to connect, who
logs in with which key or password (from password_env / password_keyring, never the file), which host
keys are trusted, and the time limits."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
from pydantic import BaseModel, ConfigDict, Field

from engine.config.connections import OpenContext
from engine.errors import ConfigError


class SshOptions(BaseModel):
    """[connections.NAME] keys of kind "ssh"."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, description="The host to log in to (name or address)")
    port: int = Field(22, ge=1, le=65535, description="The SSH server's port")
    username: str | None = Field(None, min_length=1,
                                 description="The remote account (default: the local user's name)")
    key_file: str | None = Field(None, description="Private key file (OpenSSH or PEM), relative to the "
                                                   "config file; its passphrase is the password")
    password_env: str | None = Field(None, description="Environment variable holding the password (or "
                                                       "the key's passphrase)")
    password_keyring: str | None = Field(None, description='"service:user" of the password in the OS '
                                                           "keyring")
    known_hosts: str | None = Field(None, description="known_hosts file of the trusted host keys "
                                                      "(default: the user's ~/.ssh/known_hosts)")
    accept_unknown_hosts: bool = Field(False, description="Accept a host whose key is in no known_hosts "
                                                          "entry (unsafe: for labs); a changed key is "
                                                          "always refused")
    connect_timeout_s: float = Field(15, gt=0, le=300, description="Longest wait to connect and log in")
    command_timeout_s: float = Field(300, gt=0, le=86400, description="Longest one command may run when "
                                                                      "the activity sets no timeout")
    max_sessions: int = Field(8, ge=1, le=256, description="Commands and SFTP sessions open at once on the "
                                                           "connection; more wait (OpenSSH's MaxSessions "
                                                           "is 10)")


@dataclass(frozen=True)
class SshSettings:
    """A connection's resolved options: what a client needs to log in."""

    connection: str
    host: str
    port: int
    username: str
    key: asyncssh.SSHKey | None = field(repr=False)  # loaded (and decrypted) from key_file
    password: str | None = field(repr=False)
    known_hosts: Path | None  # None: the default file does not exist, so no host is known
    accept_unknown_hosts: bool
    connect_timeout_s: float
    command_timeout_s: float
    max_sessions: int

    @property
    def address(self) -> str:
        """user@host:port, for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.username}@{host}:{self.port}"


def resolve(options: SshOptions, context: OpenContext) -> SshSettings:
    """Check what the options model cannot (files exist, the password's source) and read the
    password; ConfigError names the file, the table and the key. Never connects."""
    password = context.secret("password", required=False)
    key = _private_key(context.path(options.key_file), password, context) if options.key_file else None
    if options.known_hosts is not None:
        known_hosts: Path | None = context.path(options.known_hosts)
        assert known_hosts is not None
        if not known_hosts.is_file():
            raise ConfigError(f'{context.where}: key "known_hosts": {known_hosts} not found')
    else:
        default = Path("~/.ssh/known_hosts").expanduser()
        known_hosts = default if default.is_file() else None
    return SshSettings(
        connection=context.name, host=options.host, port=options.port,
        username=options.username or getpass.getuser(), key=key, password=password,
        known_hosts=known_hosts,
        accept_unknown_hosts=options.accept_unknown_hosts, connect_timeout_s=options.connect_timeout_s,
        command_timeout_s=options.command_timeout_s, max_sessions=options.max_sessions)


def _private_key(path: Path, passphrase: str | None, context: OpenContext) -> asyncssh.SSHKey:
    """The key of key_file, decrypted with the password when it has a passphrase."""
    if not path.is_file():
        raise ConfigError(f'{context.where}: key "key_file": {path} not found')
    try:
        return asyncssh.read_private_key(path, passphrase)
    except asyncssh.KeyEncryptionError as exc:
        # Never the passphrase itself: only where it came from.
        why = "wrong passphrase" if "incorrect passphrase" in str(exc).lower() else str(exc)
        raise ConfigError(f'{context.where}: key "key_file": {path} cannot be decrypted with the '
                          f"password (password_env / password_keyring): {why}") from None
    except (asyncssh.KeyImportError, ValueError) as exc:
        hint = " (its passphrase comes from password_env / password_keyring)" \
            if passphrase is None and "passphrase" in str(exc).lower() else ""
        raise ConfigError(f'{context.where}: key "key_file": {path} is not a usable private key: '
                          f"{exc}{hint}") from None
    except OSError as exc:
        raise ConfigError(f'{context.where}: key "key_file": {path} cannot be read: '
                          f"{exc.strerror or exc}") from None
