"""Interlock's engine: the runbook format, validation, the asyncio executor, history and the CLI.

Qt-free: it imports neither the designer nor any activity pack; packs arrive through entry points.
"""

from .activity import ActivityType, Pack, RunContext
from .config.registry import Registry
from .config.settings import Config, Connection, load_config
from .errors import (
    ActivityError,
    ConfigError,
    InterlockError,
    PackError,
    ParameterError,
    Problem,
    RunbookError,
)
from .format.fileio import dumps_runbook, load_runbook, save_runbook, validate_file
from .format.model import Activity, Link, Runbook
from .parameters import Parameter
from .run.events import Event
from .run.executor import Engine, JobHandle
from .run.result import JobResult

__all__ = [
    "Activity", "ActivityError", "ActivityType", "Config", "ConfigError", "Connection", "Engine", "Event",
    "InterlockError", "JobHandle", "JobResult", "Link", "Pack", "PackError", "Parameter", "ParameterError",
    "Problem", "Registry", "RunContext", "Runbook", "RunbookError", "dumps_runbook", "load_config",
    "load_runbook", "save_runbook", "validate_file",
]
