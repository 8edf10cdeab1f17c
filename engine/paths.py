"""Where Interlock keeps its files: INTERLOCK_HOME when set, else the platform's user directories."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "interlock"


def home_override() -> Path | None:
    value = os.environ.get("INTERLOCK_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """History database, the working copy of the simulated lab."""
    override = home_override()
    return override if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    override = home_override()
    return override if override else Path(platformdirs.user_config_dir(APP, appauthor=False))


def history_path() -> Path:
    return data_dir() / "history.sqlite3"


def resources_dir() -> Path:
    """The resources/ folder of a source checkout (examples, the bundled lab, icons, schema)."""
    return Path(__file__).resolve().parent.parent / "resources"
