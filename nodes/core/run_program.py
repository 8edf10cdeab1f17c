"""Run Program: a program started directly, never through a shell.

The child's environment: Interlock's own environment without the variables the config's secrets are
read from (every `KEY_env` of every connection) and without any variable holding a known secret value;
with `inherit_env: false`, only the basic variables below. Then the activity's `env` on top. Whatever
the program prints is published as it is, and masked (`***`) where it holds a secret value when it
leaves the engine (engine/config/redaction.py).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.config.redaction import secret_env_names, secret_values
from engine.errors import ActivityError

# What a program needs to start and behave on any system, kept with inherit_env = false (Windows
# programs need SYSTEMROOT and friends to start at all).
BASIC_ENV = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE",
})


class RunProgramProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    argv: list[str] = Field(min_length=1, title="Command line",
                            description="The program and its arguments (no shell)")
    cwd: str | None = Field(None, title="Working folder",
                            description="Working directory (default: the current one)")
    env: dict[str, str] = Field(default_factory=dict, title="Environment variables",
                                description="Variables added to the environment")
    inherit_env: bool = Field(True, title="Inherit environment",
                              description="Start from Interlock's environment (without the variables "
                                          "secrets are read from); false: only PATH, HOME, LANG, TZ, "
                                          "TMPDIR and the like")
    timeout_s: float | None = Field(None, gt=0, description="Kill the program after this many seconds")
    rows: Literal["one", "lines"] = Field("one", title="Rows published",
                                          description="one row, or one row per line of output")


class ProgramRow(BaseModel):
    """Every field a Run Program row may have; which ones depends on `rows` (published_fields)."""

    exit_code: int = Field(description="The program's exit code (0: it succeeded)")
    stdout: str = Field(title="Output", description="What the program printed (standard output)")
    stderr: str = Field(title="Error output", description="What the program printed on standard error")
    line: str = Field(description="One line of the output (rows: lines)")
    index: int = Field(description="The line's position, from 0 (rows: lines)")


def _env_key(name: str) -> str:
    return name.upper() if os.name == "nt" else name  # Windows variable names ignore case


def child_environment(properties: RunProgramProperties, config: Any) -> dict[str, str]:
    """The environment a program gets (see the module's docstring)."""
    return clean_environment(config, inherit_env=properties.inherit_env, extra=properties.env)


def clean_environment(config: Any, *, inherit_env: bool, extra: dict[str, str] | None = None) \
        -> dict[str, str]:
    """Interlock's environment without the config's secrets (and with inherit_env false, only the
    basic variables), then `extra` on top: what any child process of an activity gets."""
    hidden = {_env_key(name) for name in secret_env_names(config)}
    secrets = secret_values(config)
    inherited = {name: value for name, value in os.environ.items()
                 if _env_key(name) not in hidden and value not in secrets
                 and (inherit_env or _env_key(name) in BASIC_ENV or name.startswith("LC_"))}
    return {**inherited, **(extra or {})}


async def communicate(process: asyncio.subprocess.Process, timeout_s: float | None,
                      stdin: bytes | None = None) -> tuple[bytes, bytes]:
    """The child's stdout and stderr once it ends; after timeout_s (TimeoutError) or when the instance
    is cancelled, the child is killed and reaped first, so nothing keeps running behind the job."""
    try:
        async with asyncio.timeout(timeout_s):
            return await process.communicate(stdin)
    except (TimeoutError, asyncio.CancelledError):
        if process.returncode is None:
            process.kill()
        await process.wait()
        raise


class RunProgram(ActivityType):
    """Runs a program directly (never through a shell, so subscribed text cannot inject commands)."""

    type_name = "core.run_program"
    display_name = "Run Program"
    description = "Runs a program without a shell; publishes exit code and output. A non-zero exit fails."
    icon = "program"
    color = "#444444"
    Properties = RunProgramProperties
    Published = ProgramRow

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        if properties.get("rows") == "lines":
            return ["line", "index", "exit_code", "stderr"]
        return ["exit_code", "stdout", "stderr"]

    async def run(self, properties: RunProgramProperties, context: RunContext) -> list[dict[str, Any]]:
        try:
            process = await asyncio.create_subprocess_exec(
                *properties.argv, cwd=properties.cwd,
                env=child_environment(properties, context.config),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
        except FileNotFoundError:
            raise ActivityError(f"program not found: {properties.argv[0]}") from None
        except OSError as exc:
            raise ActivityError(f"cannot start {properties.argv[0]}: {exc.strerror or exc}") from None
        try:
            out, err = await communicate(process, properties.timeout_s)
        except TimeoutError:
            raise ActivityError(f"{properties.argv[0]} killed after {properties.timeout_s:g} s") from None
        stdout = out.decode(errors="replace")
        stderr = err.decode(errors="replace")
        if process.returncode != 0:
            tail = stderr.strip().splitlines()[-1:] or stdout.strip().splitlines()[-1:]
            raise ActivityError(f"{properties.argv[0]} exited with code {process.returncode}"
                                + (f": {tail[0]}" if tail else ""))
        if properties.rows == "lines":
            return [{"line": line, "index": i, "exit_code": 0, "stderr": stderr}
                    for i, line in enumerate(stdout.splitlines())]
        return [{"exit_code": process.returncode, "stdout": stdout, "stderr": stderr}]
