"""Secrets for connections: from an environment variable or the OS keyring, never from a file.

A connection names where its secret lives (`password_env = "VAR"` or `password_keyring =
"service:user"`); the value is read when the connection is opened and is never logged or stored:
every value read is remembered for redaction (`redaction`), which shows it `***` in events and results.
A secret global variable (`{ env = "VAR" }`, `{ keyring = "service:user" }`) is read the same way.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ConfigError
from .redaction import remember_secret
from .settings import Variable


def resolve_secret(options: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = _resolve(options, key, where, required)
    if value is not None:
        remember_secret(value)
    return value


def _resolve(options: dict[str, Any], key: str, where: str, required: bool) -> str | None:
    env_name = options.get(f"{key}_env")
    keyring_entry = options.get(f"{key}_keyring")
    if env_name and keyring_entry:
        raise ConfigError(f'{where}: set either "{key}_env" or "{key}_keyring", not both')
    if env_name:
        return _from_env(str(env_name), f"{key}_env", where)
    if keyring_entry:
        return _from_keyring(str(keyring_entry), f"{key}_keyring", where)
    if required:
        raise ConfigError(f'{where}: no {key}: set "{key}_env" (an environment variable) or '
                          f'"{key}_keyring" ("service:user" in the OS keyring)')
    return None


def resolve_variable(name: str, variable: Variable) -> str:
    """A global variable's value; a secret one is read now (and redacted from then on)."""
    if variable.value is not None:
        return variable.value
    if variable.env is not None:
        value = _from_env(variable.env, "env", f'variable "{name}"')
    else:
        value = _from_keyring(str(variable.keyring), "keyring", f'variable "{name}"')
    remember_secret(value)
    return value


def _from_env(name: str, key: str, where: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(f'{where}: "{key}" names the environment variable {name}, which is not set')
    return value


def _from_keyring(entry: str, key: str, where: str) -> str:
    service, sep, user = entry.partition(":")
    if not sep or not service or not user:
        raise ConfigError(f'{where}: "{key}" must be "service:user" (got {entry!r})')
    import keyring  # imported here: finding a keyring back-end is slow and most runs need none
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(service, user)
    except KeyringError as exc:
        raise ConfigError(f'{where}: the OS keyring cannot be read for "{entry}": {exc}') from None
    if value is None:
        raise ConfigError(f'{where}: no entry "{user}" for service "{service}" in the OS keyring (add it '
                          f'with: keyring set {service} {user})')
    return value
