"""Run SSH Command: a command run by the remote user's shell on a host of an `ssh` connection.

As in Orchestrator, `command` is shell text. Subscribed data belongs in `arguments`: each is quoted
(shlex) and appended, so a value like `'; rm -rf ~` reaches the command as one literal argument.
"""

from __future__ import annotations

import shlex
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.backends.interface import backend_for
from nodes.backends.ssh import Completed, SshClient
from nodes.core.run_program import ProgramRow

from .common import COLOR, CONNECTION


def _as_text(value: Any) -> Any:
    """A subscribed number or boolean as the text a shell would see."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


class SshCommandProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = CONNECTION
    command: str = Field(min_length=1, title="Command",
                         description="Shell text run by the remote user's shell (e.g. `systemctl status "
                                     "nginx`); put subscribed data in Arguments, not here")
    arguments: list[str] = Field(default_factory=list, title="Arguments",
                                 description="Values appended to the command, each quoted for the shell "
                                             "(safe for subscribed data)")
    rows: Literal["one", "lines"] = Field("one", title="Rows published",
                                          description="one row, or one row per line of standard output")
    timeout_s: float | None = Field(None, gt=0, title="Timeout (s)",
                                    description="Stop the command after this many seconds (default: the "
                                                "connection's command_timeout_s)")
    fail_on_exit_code: bool = Field(True, title="Fail on a non-zero exit code",
                                    description="false: a non-zero exit code is published, not a failure")

    @field_validator("arguments", mode="before")
    @classmethod
    def _arguments_as_text(cls, value: Any) -> Any:
        return [_as_text(item) for item in value] if isinstance(value, list) else value


def command_line(properties: SshCommandProperties) -> str:
    """The text the remote shell runs: the command, then each argument quoted."""
    if not properties.arguments:
        return properties.command
    return f"{properties.command} {shlex.join(properties.arguments)}"


def rows_of(done: Completed, rows: Literal["one", "lines"]) -> list[dict[str, Any]]:
    if rows == "lines":
        return [{"line": line, "index": i, "exit_code": done.exit_code, "stderr": done.stderr}
                for i, line in enumerate(done.stdout.splitlines())]
    return [{"exit_code": done.exit_code, "stdout": done.stdout, "stderr": done.stderr}]


class SshCommand(ActivityType):
    """Runs a command on a host over SSH and publishes its exit code and output."""

    type_name = "net.ssh_command"
    display_name = "Run SSH Command"
    description = ("Runs a command on a host over SSH (an ssh connection); publishes exit code and "
                   "output. A non-zero exit fails unless told otherwise.")
    icon = "ssh"
    color = COLOR
    Properties = SshCommandProperties
    Published = ProgramRow

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        if properties.get("rows") == "lines":
            return ["line", "index", "exit_code", "stderr"]
        return ["exit_code", "stdout", "stderr"]

    async def run(self, properties: SshCommandProperties, context: RunContext) -> list[dict[str, Any]]:
        client = backend_for(context, properties.connection, SshClient, "run SSH commands")
        done = await client.run(command_line(properties), timeout_s=properties.timeout_s)
        if done.exit_code != 0 and properties.fail_on_exit_code:
            tail = done.stderr.strip().splitlines()[-1:] or done.stdout.strip().splitlines()[-1:]
            raise ActivityError(f'command on connection "{client.name}" ({client.settings.address}) '
                                f"exited with code {done.exit_code}" + (f": {tail[0]}" if tail else ""))
        return rows_of(done, properties.rows)
