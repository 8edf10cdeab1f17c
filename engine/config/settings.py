"""Engine configuration and connections, from TOML (DESIGN §4).

Looked up as `--config FILE`, else ./interlock.toml, else interlock.toml in the user config dir; with
none, the defaults below (the `default` connection is the bundled simulated lab). Secrets are never
read from the file: a connection names an environment variable or a keyring entry instead, and so does
a secret global variable (`[variables]`, DESIGN §6.1).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import paths
from ..errors import ConfigError
from ..limits import MAX_INTEGER_DIGITS, beyond_limits

CONFIG_NAME = "interlock.toml"
_PLAIN_SECRET_KEYS = ("password", "secret", "token", "api_key")


class EngineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_parallel: int = Field(50, ge=1, description="Default instances of one activity at once")
    max_invoke_depth: int = Field(16, ge=1, description="How deep runbooks may invoke runbooks")


class HistorySettings(BaseModel):
    """Where the run history lives (DESIGN §6.5): SQLite in INTERLOCK_HOME unless `url` names a
    PostgreSQL database shared by several machines; its password comes from the environment or the
    keyring, never from the file."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description='"postgresql://user@host:5432/db"; none: the SQLite file')
    password_env: str | None = Field(None, min_length=1, description="The environment variable holding it")
    password_keyring: str | None = Field(None, description='"service:user" of the keyring entry holding it')

    @field_validator("url")
    @classmethod
    def _postgresql(cls, url: str | None) -> str | None:
        if url is None:
            return None
        scheme, _, rest = url.partition("://")
        if not scheme.startswith("postgresql") or not rest:
            raise ValueError(f'must be a "postgresql://user@host/database" URL (got scheme {scheme!r})')
        if "@" in rest and ":" in rest.rpartition("@")[0]:
            raise ValueError("must not hold a password: use password_env or password_keyring")
        return url


class Connection(BaseModel):
    """One named connection; the keys beyond `kind` belong to its back-end, which checks them."""

    model_config = ConfigDict(extra="allow")

    kind: str

    @model_validator(mode="before")
    @classmethod
    def _no_plain_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key.lower() in _PLAIN_SECRET_KEYS:
                    raise ValueError(f'"{key}" must not be written in the file: use {key}_env = '
                                     f'"ENV_VAR" or {key}_keyring = "service:user"')
        return data

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Variable(BaseModel):
    """A global variable (`{{var.NAME}}`): text written in the file, or a secret read from an environment
    variable or the OS keyring when a job that uses it starts (config/secrets.resolve_variable)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str | None = None
    env: str | None = Field(None, min_length=1, description="The environment variable holding the value")
    keyring: str | None = Field(None, description='"service:user" of the OS keyring entry holding the value')

    @model_validator(mode="before")
    @classmethod
    def _text_or_table(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"value": data}
        if not isinstance(data, dict):
            raise ValueError(f'a variable is text ("..."), {{ env = "VAR" }} or '
                             f'{{ keyring = "service:user" }} (got {data!r}: write it as text)')
        return data

    @field_validator("keyring")
    @classmethod
    def _service_and_user(cls, entry: str | None) -> str | None:
        service, sep, user = (entry or "").partition(":")
        if entry is not None and not (service and sep and user):
            raise ValueError(f'must be "service:user" (got {entry!r})')
        return entry

    @model_validator(mode="after")
    def _one_source(self) -> Variable:
        given = [key for key in ("value", "env", "keyring") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give one of value, env or keyring" if not given else
                             f"give only one of value, env or keyring (got {' and '.join(given)})")
        return self

    @property
    def secret(self) -> bool:
        """Read from the environment or the keyring: shown `***` wherever it would leave the engine."""
        return self.value is None


class Counter(BaseModel):
    """A counter (core.get_counter / core.modify_counter, DESIGN §6.1): its value lives in the run
    history's database; the config says which counters exist and where each starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: int = Field(0, ge=-(2**63), le=2**63 - 1,
                         description="The value the counter starts from, and returns to on reset")

    @model_validator(mode="before")
    @classmethod
    def _number_or_table(cls, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"default": data}  # `Tickets = 5` reads as { default = 5 }
        if not isinstance(data, dict):
            raise ValueError(f"a counter is {{ default = 0 }} (got {data!r})")
        return data


def _check_variable_name(name: str, what: str = "variable") -> str | None:
    """Why a name cannot be written as `{{var.NAME}}` (or as a counter's name), or None."""
    if not name:
        return f"a {what} name cannot be empty"
    if "{" in name or "}" in name:
        return f"a {what} name cannot hold braces"
    if name != name.strip():
        return f"a {what} name cannot begin or end with spaces"
    return None


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: EngineSettings = Field(default_factory=EngineSettings)
    connections: dict[str, Connection] = Field(default_factory=dict)
    variables: dict[str, Variable] = Field(default_factory=dict)
    counters: dict[str, Counter] = Field(default_factory=dict)
    history: HistorySettings = Field(default_factory=HistorySettings)
    # Where the file was read from (None: defaults); relative paths in connections resolve against it.
    source: Path | None = Field(None, exclude=True)

    @field_validator("variables")
    @classmethod
    def _referable_names(cls, variables: dict[str, Variable]) -> dict[str, Variable]:
        for name in variables:
            why = _check_variable_name(name)
            if why:
                raise ValueError(f"{name!r}: {why} (it is written {{{{var.NAME}}}} in runbooks)")
        return variables

    @field_validator("counters")
    @classmethod
    def _counter_names(cls, counters: dict[str, Counter]) -> dict[str, Counter]:
        for name in counters:
            why = _check_variable_name(name, "counter")
            if why:
                raise ValueError(f"{name!r}: {why}")
        return counters

    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file's content; ConfigError names the file when it is missing, unreadable or not TOML."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except ValueError:  # an integer past Python's conversion limit
        raise ConfigError(f"{path}: not valid TOML: an integer of more than {MAX_INTEGER_DIGITS} digits") \
            from None
    beyond = beyond_limits(data)  # what the TOML parser takes but no later walk or conversion should
    if beyond is not None:
        raise ConfigError(f'{path}: key "{beyond[0]}": {beyond[1]}')
    return data


def find_config(path: str | Path | None) -> Path | None:
    if path is not None:
        return Path(path)
    for candidate in (Path.cwd() / CONFIG_NAME, paths.config_dir() / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the configuration; ConfigError names the file and key of any problem."""
    found = find_config(path)
    if found is None:
        return Config()
    data = read_toml(found, "config file")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f'{found}: key "{key}": {message}')
        raise ConfigError("\n".join(lines)) from None
    config.source = found.resolve()
    return config
