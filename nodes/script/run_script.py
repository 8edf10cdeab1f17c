"""Run Script (script.run): Orchestrator's Run .Net Script, in Python or PowerShell, on this machine or
on a remote host (Python over an `ssh` connection, PowerShell over a `winrm` connection).

The script's published variables become the instance's rows (published.py). Subscribed values never
become code: `inputs` reach the script as variables, and a subscription written inside the script
reaches it as a value (the engine hands the script over as CodeWithData: ActivityType.code_properties).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.activity import ActivityType, CodeText, CodeWithData, RunContext
from engine.errors import ActivityError
from engine.fielddocs import FieldDoc, plain_doc
from nodes.backends.winrm.host import WinRmHost
from nodes.backends.winrm.script import Completed
from nodes.core.run_program import clean_environment, communicate

from . import powershell, python
from .outcome import ScriptResult, read_result
from .published import rows_of

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = ("_interlock", "__interlock", "in")  # the frames' own names


def _variable_name(value: str, what: str) -> str:
    name = value.strip().removeprefix("$")  # "$vms" as PowerShell writes it is the variable vms
    if not _NAME.fullmatch(name):
        raise ValueError(f'{what} "{value}" is not a variable name (letters, digits and _, not starting '
                         f"with a digit)")
    if name == "in" or name.startswith(_RESERVED[:2]):
        raise ValueError(f'{what} "{value}" is reserved for Interlock\'s own use')
    return name


class PublishedVariable(BaseModel):
    """One published field and the script variable it is read from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, title="Published name",
                      description="The field's name in the published data (what others subscribe to)")
    variable: str = Field(title="Variable", description="The script's variable that holds the value "
                                                        "($ optional)")
    collection: bool = Field(False, title="Collection",
                             description="One row per item of the variable; the other fields repeat")

    @field_validator("variable")
    @classmethod
    def _is_a_name(cls, value: str) -> str:
        return _variable_name(value, "variable")


class RunScriptProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["powershell", "python"] = Field(
        "powershell", title="Language", description="powershell (pwsh here, powershell.exe over winrm) or "
                                                    "python (this machine's, or python3 over ssh)")
    script: CodeText = Field("", title="Script", description="The code. A {{subscription}} in it is "
                                                             "passed as a value, never pasted as code")
    published: list[PublishedVariable] = Field(
        default_factory=list, title="Published data",
        description="Variables of the script published as fields (a collection: one row per item)")
    inputs: dict[str, Any] = Field(default_factory=dict, title="Inputs",
                                   description="Variables set before the script runs (values may subscribe)")
    connection: str | None = Field(None, title="Connection",
                                   description="Empty: this machine; else an ssh connection (python) or a "
                                               "winrm connection (powershell)")
    timeout_s: float | None = Field(None, gt=0, title="Timeout (s)",
                                    description="Stop the script after this many seconds (remote default: "
                                                "the connection's command_timeout_s)")

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, inputs: dict[str, Any]) -> dict[str, Any]:
        return {_variable_name(name, "input"): value for name, value in inputs.items()}

    @model_validator(mode="after")
    def _unique_names(self) -> RunScriptProperties:
        names = [p.name for p in self.published]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"published name {', '.join(twice)} given more than once")
        return self


class RunScript(ActivityType):
    """Runs a Python or PowerShell script and publishes the variables it names."""

    type_name = "script.run"
    display_name = "Run Script"
    description = ("Runs a PowerShell or Python script (Run .Net Script) here or on a remote host and "
                   "publishes its variables; a collection publishes one row per item.")
    icon = "script"
    color = "#2f6f8f"
    Properties = RunScriptProperties
    Published = None  # the fields are the script's published variables
    code_properties: ClassVar[frozenset[str]] = frozenset({"script"})

    def published_fields(self, properties: dict[str, Any]) -> list[str] | None:
        names = [p.get("name") for p in properties.get("published") or [] if isinstance(p, dict)]
        fields = [n for n in names if isinstance(n, str) and n]
        return fields + ([] if "output" in fields else ["output"])

    def published_docs(self, properties: dict[str, Any]) -> list[FieldDoc] | None:
        docs = {"output": FieldDoc("output", "Output", "text", "What the script printed (standard output)")}
        for p in properties.get("published") or []:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                item = "one item of " if p.get("collection") else ""
                docs[p["name"]] = FieldDoc(p["name"], p["name"], "any",
                                           f"{item}the script's variable {p.get('variable', '')}")
        return [docs.get(name) or plain_doc(name) for name in self.published_fields(properties) or []]

    async def run(self, properties: RunScriptProperties, context: RunContext) -> list[dict[str, Any]]:
        code = CodeWithData.of(properties.script)
        variables = [p.variable for p in properties.published]
        if properties.language == "python":
            result = await _run_python(properties, code, variables, context)
        else:
            result = await _run_powershell(properties, code, variables, context)
        return rows_of(properties.published, result.variables, result.output)


async def _run_python(properties: RunScriptProperties, code: CodeWithData, variables: list[str],
                      context: RunContext) -> ScriptResult:
    program = python.program(code, properties.inputs, variables)
    if not properties.connection:
        env = clean_environment(context.config, inherit_env=False)
        completed = await _local(python.local_command(), program, env, properties.timeout_s, "Python")
        return read_result(completed, "the Python script on this machine")
    from nodes.backends.ssh import SshClient  # asyncssh is loaded only when a script goes over ssh

    client = _remote(context, properties.connection, SshClient, "Python")
    done = await client.run(python.REMOTE_COMMAND, stdin=program, timeout_s=properties.timeout_s,
                            operation="run Python script")
    completed = Completed(done.stdout.encode("utf-8"), done.stderr.encode("utf-8"), done.exit_code)
    return read_result(completed, f'the Python script on connection "{properties.connection}" '
                                  f"({client.settings.host})")


async def _run_powershell(properties: RunScriptProperties, code: CodeWithData, variables: list[str],
                          context: RunContext) -> ScriptResult:
    script = powershell.whole_script(code, properties.inputs, variables)
    if not properties.connection:
        env = clean_environment(context.config, inherit_env=False)
        completed = await powershell.run_local(script, env, properties.timeout_s)
        return read_result(completed, "the PowerShell script on this machine")
    host = _remote(context, properties.connection, WinRmHost, "PowerShell")
    completed = await host.run_script(script, properties.timeout_s)
    return read_result(completed, f'the PowerShell script on connection "{properties.connection}" '
                                  f"({host.settings.host})")


def _remote(context: RunContext, name: str, backend_type: type, language: str) -> Any:
    """The back-end of the connection, which must be of the kind that runs this language remotely."""
    backend = context.connection(name)
    if not isinstance(backend, backend_type):
        kind = "an ssh" if language == "Python" else "a winrm"
        raise ActivityError(f'connection "{name}" is not {kind} connection: a {language} script runs '
                            f"remotely over {kind} connection (Python over ssh, PowerShell over winrm)")
    return backend


async def _local(argv: list[str], stdin: bytes, env: dict[str, str], timeout_s: float | None,
                 language: str) -> Completed:
    """A child process on this machine, fed `stdin`, killed after timeout_s."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        raise ActivityError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
    try:
        out, err = await communicate(process, timeout_s, stdin)
    except TimeoutError:
        raise ActivityError(f"the {language} script was killed after {timeout_s:g} s (timeout_s)") from None
    return Completed(out, err, process.returncode if process.returncode is not None else -1)
