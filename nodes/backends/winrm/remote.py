"""What the WinRM back-ends share: running an operation's script in a worker thread (at most
max_sessions at once per connection) and turning every way it can fail into a BackendError that names
the operation, the VM or object, the server and, when a cmdlet failed, the cmdlet."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from nodes.backends.blocking import BlockingCalls
from nodes.backends.interface import BackendError

from .errors import WinRmUnavailable, scrub
from .options import WinRmOptions, WinRmSettings
from .script import ScriptFailure, compose, read_outcome
from .session import WinRmSession

Explain = Callable[[dict[str, Any]], str]


class PowerShellBackend:
    """A connection whose operations are PowerShell scripts run over WinRM."""

    module: ClassVar[str]  # the PowerShell module the scripts import, for the hint when it is missing
    helpers: ClassVar[str] = ""  # PowerShell functions every script of the kind may use

    def __init__(self, connection: str, settings: WinRmSettings, options: WinRmOptions) -> None:
        self.connection = connection
        self.settings = settings
        self.options = options
        self._session = WinRmSession(settings)
        self._calls = BlockingCalls(settings.max_sessions)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.connection!r}, {self.settings.endpoint!r})"

    @property
    def where(self) -> str:
        """Where the scripts' cmdlets act, for messages (the kinds add the server they target)."""
        return self.settings.host

    async def run(self, operation: str, target: str | None, body: str, inputs: Mapping[str, Any],
                  explain: Explain) -> Any:
        """The script's value; BackendError for anything else. `explain` words a problem the script
        reported (no such VM, wrong state, ...)."""
        script = compose(body, inputs, self.helpers)
        try:
            completed = await self._calls.run(self._session.run_powershell, script)
            outcome = read_outcome(completed)
        except WinRmUnavailable as exc:
            raise BackendError(self.connection, operation, str(exc), target=target) from None
        except ScriptFailure as exc:
            raise self._error(operation, target, f"PowerShell on {self.settings.host} exited with code "
                                                 f"{exc.exit_code} without an answer: {exc.detail}") from None
        if outcome.kind == "ok":
            return outcome.value
        if outcome.kind == "problem" and isinstance(outcome.value, dict):
            raise self._error(operation, target, explain(outcome.value))
        raise self._error(operation, target, self._cmdlet_failed(outcome.value))

    def _cmdlet_failed(self, error: Any) -> str:
        details = error if isinstance(error, dict) else {"message": str(error)}
        cmdlet = str(details.get("cmdlet") or "")
        message = " ".join(str(details.get("message") or "no message").split())
        text = f"{cmdlet or 'PowerShell'} failed on {self.where}: {message}"
        if cmdlet == "Import-Module":
            text += f" (is the {self.module} PowerShell module installed on {self.settings.host}?)"
        return text

    def _error(self, operation: str, target: str | None, message: str) -> BackendError:
        return BackendError(self.connection, operation, scrub(message, self.settings.password), target=target)
