"""What a process runs with: the configuration file, connections, secrets and installed packs.

Holds `interlock.toml` and its model (`settings`), the connections opened from it and the back-end kinds
that open them (`connections`), secrets from environment variables or the OS keyring (`secrets`), the
masking of their values wherever they would leave the engine (`redaction`) and the registry of activity
packs and back-end kinds found through entry points (`registry`).

May import: the foundation modules only (errors, paths, activity, parameters). Never `format`, `run`,
`history`, `schedule` or `cli`, so every other sub-package can depend on it.
"""

from .connections import DEFAULT_CONNECTION, BackendKind, Connections, OpenContext, test_connection
from .redaction import MASK, Redactor, secret_env_names, secret_values
from .registry import Registry
from .secrets import resolve_secret
from .settings import Config, Connection, EngineSettings, load_config

__all__ = [
    "DEFAULT_CONNECTION", "MASK", "BackendKind", "Config", "Connection", "Connections", "EngineSettings",
    "OpenContext", "Redactor", "Registry", "load_config", "resolve_secret", "secret_env_names",
    "secret_values", "test_connection",
]
