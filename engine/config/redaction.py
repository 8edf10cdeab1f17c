"""Redaction: the values of the configured secrets, shown `***` wherever they would leave the engine.

A connection names where its secret lives (`password_env = "VAR"`, `token_keyring = "service:user"`,
any `KEY_env` / `KEY_keyring` key, as `secrets.resolve_secret` reads them), and so does a secret global
variable (`{ env = "VAR" }`, `{ keyring = "service:user" }`). The values behind those names are known to
the process: the environment variables when a redactor is made, and every secret `resolve_secret` or
`resolve_variable` has read since (keyring entries included). What the engine hands out — events to
every subscriber (progress, `--events`, the history, the designer) and the job result — goes through a
`Redactor`, so a secret that a program printed or a runbook passed on is stored and shown as `***`.

Values shorter than MIN_SECRET_LENGTH are left alone: masking "abc" in every output would mangle it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

from pydantic import BaseModel

from .settings import Config

MASK = "***"
MIN_SECRET_LENGTH = 4
SECRET_KEY_SUFFIXES = ("_env", "_keyring")

# Secrets read by resolve_secret in this process. Replaced, never changed in place: readers (on the
# event loop) see one consistent set while a worker thread opening a connection adds to it.
_remembered: frozenset[str] = frozenset()


def remember_secret(value: str) -> None:
    """A secret that has been read (from the environment or the keyring): redact it from now on."""
    global _remembered
    if len(value) >= MIN_SECRET_LENGTH and value not in _remembered:
        _remembered = _remembered | {value}


def _secret_options(config: Config | None) -> Iterable[tuple[str, str]]:
    """(key, value) of every `KEY_env` / `KEY_keyring` option of every connection, and of every secret
    global variable (`{ env = "VAR" }` as ("value_env", "VAR"))."""
    if config is None:
        return
    for connection in config.connections.values():
        for key, value in connection.options().items():
            if key.endswith(SECRET_KEY_SUFFIXES) and isinstance(value, str) and value:
                yield key, value
    for variable in config.variables.values():
        if variable.env:
            yield "value_env", variable.env
        elif variable.keyring:
            yield "value_keyring", variable.keyring


def secret_env_names(config: Config | None) -> frozenset[str]:
    """The environment variables the config's secrets are read from (set or not)."""
    return frozenset(value for key, value in _secret_options(config) if key.endswith("_env"))


def secret_values(config: Config | None) -> frozenset[str]:
    """The secret values known now: the config's secret variables that are set, and every secret read
    so far. Never prompts (a keyring entry is known once its connection has read it)."""
    found = {os.environ.get(name, "") for name in secret_env_names(config)}
    return frozenset(v for v in found if len(v) >= MIN_SECRET_LENGTH) | _remembered


class Redactor:
    """Replaces known secret values by `***` in text and in nested data (dicts, lists, tuples, pydantic
    models). Data without a secret comes back as the same object; data with one is copied, never
    changed in place (the job's own rows keep their values for the activities downstream)."""

    def __init__(self, values: Iterable[str] = (), *, expect_secrets: bool = False) -> None:
        self._values = frozenset(v for v in values if len(v) >= MIN_SECRET_LENGTH)
        # A config that names secrets may read more of them later (a keyring entry when its
        # connection opens): such a redactor stays active even while it knows no value yet.
        self._expect = expect_secrets or bool(self._values)
        self._seen: frozenset[str] | None = None
        self._pattern: re.Pattern[str] | None = None

    @classmethod
    def for_config(cls, config: Config | None) -> Redactor:
        return cls(secret_values(config), expect_secrets=any(True for _ in _secret_options(config)))

    def __bool__(self) -> bool:
        return self._expect or bool(_remembered)

    def _current(self) -> re.Pattern[str] | None:
        if self._seen is not _remembered:  # a secret was read since: include it
            self._seen = _remembered
            values = sorted(self._values | _remembered, key=len, reverse=True)  # longest match first
            self._pattern = re.compile("|".join(map(re.escape, values))) if values else None
        return self._pattern

    def text(self, text: str) -> str:
        pattern = self._current()
        return text if pattern is None or pattern.search(text) is None else pattern.sub(MASK, text)

    def value(self, data: Any) -> Any:
        """`data` with every known secret in its strings (keys included) replaced; one pass."""
        pattern = self._current()
        return data if pattern is None else _redact(data, pattern)


def _redact(data: Any, pattern: re.Pattern[str]) -> Any:
    """Copies only what changes: untouched data costs one search per string and no allocation."""
    if isinstance(data, str):
        return data if pattern.search(data) is None else pattern.sub(MASK, data)
    if isinstance(data, dict):
        copied: dict[Any, Any] | None = None
        for index, (key, value) in enumerate(data.items()):
            new_key, new_value = _redact(key, pattern), _redact(value, pattern)
            if copied is None:
                if new_key is key and new_value is value:
                    continue
                copied = dict(islice(data.items(), index))
            copied[new_key] = new_value
        return data if copied is None else copied
    if isinstance(data, list | tuple):
        items: list[Any] | None = None
        for index, value in enumerate(data):
            new = _redact(value, pattern)
            if items is None:
                if new is value:
                    continue
                items = list(data[:index])
            items.append(new)
        return data if items is None else type(data)(items)
    if isinstance(data, BaseModel):
        changes = {}
        for name, value in data.__dict__.items():
            new = _redact(value, pattern)
            if new is not value:
                changes[name] = new
        return data.model_copy(update=changes) if changes else data
    return data
