"""The client of an `ssh` connection: commands and SFTP on one SSH connection per connection name.

Other activities code against this API (net.ssh_command, script.run over SSH, the files.* activities):

    client: SshClient = context.connection("web01")          # opened by the `ssh` connection kind
    done = await client.run(["python3", "-"], stdin=script.encode(), timeout_s=60)
    done.exit_code, done.stdout, done.stderr                  # the command's outcome (text)
    async with client.sftp() as sftp:                         # an asyncssh.SFTPClient
        await sftp.put(local_path, remote_path)

Every failure to reach or log in to the host is a BackendError (an ActivityError) whose message names
the operation, the connection and user@host:port, and says what the other side said; a non-zero exit
is not an error here (the caller decides).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import asyncssh

from nodes.backends.interface import BackendError

from .hostkeys import HostKeyCheck, host_key_refusal
from .options import SshSettings

KEEPALIVE_S = 30  # a dropped connection is noticed within ~3 keepalives and opened anew on next use


@dataclass(frozen=True)
class Completed:
    """What a remote command did: its exit code (-N when killed by signal N), and what it printed,
    decoded as UTF-8 (undecodable bytes replaced)."""

    exit_code: int
    stdout: str
    stderr: str


class SshClient:
    """Commands and SFTP on a host, over one SSH connection shared by every job of an engine.

    The connection is made on first use (not when the connection is opened), kept, and made again
    when it has dropped. It belongs to the event loop that made it: on another loop (the designer's
    job loop, a test's loop) a new one is made.
    """

    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._sessions: asyncio.Semaphore | None = None  # max_sessions channels open at once
        self._connection: asyncssh.SSHClientConnection | None = None

    @property
    def name(self) -> str:
        """The connection's name in the config."""
        return self.settings.connection

    def error(self, operation: str, message: str) -> BackendError:
        """An error naming the operation, this connection and user@host:port."""
        return BackendError(self.name, operation, f"{self.settings.address}: {message}")

    async def run(self, command: str | list[str], stdin: bytes | None = None,
                  timeout_s: float | None = None, *, operation: str = "run command") -> Completed:
        """Run a command on the host and wait for it to end.

        command: a list is an argv, quoted with shlex.join for the remote shell (use it for anything
        that holds data); a str is handed to the remote user's shell as it is. stdin: bytes written
        to the command's standard input, then end of file (None: empty input). timeout_s: the
        longest the command may run (default: the connection's command_timeout_s); when it passes,
        the command is sent SIGKILL, its channel is closed and a BackendError says so (a server that
        refuses signals, as OpenSSH does for root, leaves it running until it next writes output). operation
        names what is done, for messages ("run script").
        """
        text = shlex.join(command) if isinstance(command, list) else command
        limit = timeout_s if timeout_s is not None else self.settings.command_timeout_s
        async with self._session_slot():
            process = await self._start(text, stdin, operation)
            try:
                async with asyncio.timeout(limit):
                    stdout, stderr = await process.communicate()
            except (TimeoutError, asyncio.CancelledError) as exc:
                _stop(process)
                if isinstance(exc, TimeoutError):
                    raise self.error(operation, f"the command did not end within {limit:g} s and was "
                                                f"stopped") from None
                raise
            except (asyncssh.DisconnectError, OSError) as exc:
                raise self.error(operation, f"the connection dropped: {_reason(exc)}") from None
        code = process.returncode
        return Completed(exit_code=code if code is not None else -1,
                         stdout=_text(stdout), stderr=_text(stderr))

    async def _start(self, command: str, stdin: bytes | None,
                     operation: str) -> asyncssh.SSHClientProcess[bytes]:
        """A session running the command. A connection found dead only now (the peer went away
        between two keepalives) is made again once: the command had not started, so that is safe."""
        for attempt in (1, 2):
            connection = await self._connect(operation)
            try:
                return await connection.create_process(command, input=stdin or b"", encoding=None)
            except (asyncssh.ChannelOpenError, asyncssh.DisconnectError, OSError) as exc:
                if attempt == 1 and connection.is_closed():
                    continue
                raise self.error(operation, f"the server refused a session: {_reason(exc)}") from None
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def sftp(self, *, operation: str = "sftp") -> AsyncIterator[asyncssh.SFTPClient]:
        """An asyncssh.SFTPClient on this connection for the block. Starting it fails with a
        BackendError; asyncssh.SFTPError raised by the caller's own calls inside the block are the
        caller's to word (they carry the server's reason, e.g. "No such file"). The block holds one of
        the connection's max_sessions slots: finish it before calling run(), not inside it (a wave of
        blocks each waiting for a second slot would wait for ever)."""
        async with self._session_slot():
            connection = await self._connect(operation)
            try:
                client = await connection.start_sftp_client()
            except (asyncssh.Error, OSError) as exc:
                raise self.error(operation, f"SFTP is not available: {_reason(exc)}") from None
            async with client:
                yield client

    async def probe(self) -> str:
        """`interlock connections test`: log in and say which server answered."""
        connection = await self._connect("test connection")
        version = connection.get_extra_info("server_version") or "an SSH server"
        s = self.settings
        return f"{version} at {s.host}:{s.port}, logged in as {s.username}"

    async def close(self) -> None:
        """Close the connection (a later call connects again)."""
        if self._connection is not None and self._loop is asyncio.get_running_loop():
            self._connection.close()
            await self._connection.wait_closed()
        self._connection = None

    def _this_loop(self) -> tuple[asyncio.Lock, asyncio.Semaphore]:
        """The lock and session slots of the running loop (a new loop starts afresh)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._lock is None or self._sessions is None:
            self._loop, self._lock, self._connection = loop, asyncio.Lock(), None
            self._sessions = asyncio.Semaphore(self.settings.max_sessions)
        return self._lock, self._sessions

    def _session_slot(self) -> asyncio.Semaphore:
        # A server refuses channels beyond its MaxSessions ("administratively prohibited"): a wave of
        # instances on one host queues here instead.
        return self._this_loop()[1]

    async def _connect(self, operation: str) -> asyncssh.SSHClientConnection:
        lock, _ = self._this_loop()
        async with lock:
            if self._connection is None or self._connection.is_closed():
                self._connection = await self._open(operation)
            return self._connection

    async def _open(self, operation: str) -> asyncssh.SSHClientConnection:
        s = self.settings
        check = HostKeyCheck(s)
        # With a key, the password is only its passphrase: it is never sent to the server.
        login = {"client_keys": [s.key], "password": None} if s.key is not None else \
            {"client_keys": (), "password": s.password} if s.password is not None else {}
        try:
            async with asyncio.timeout(s.connect_timeout_s):
                return await asyncssh.connect(
                    s.host, s.port, username=s.username, client_factory=lambda: check,
                    known_hosts=str(s.known_hosts) if s.known_hosts else ([], [], []),
                    config=None, agent_path=None if login else (), connect_timeout=s.connect_timeout_s,
                    keepalive_interval=KEEPALIVE_S, **login)
        except TimeoutError:
            raise self.error(operation, f"no answer within {s.connect_timeout_s:g} s "
                                        f"(connect_timeout_s)") from None
        except asyncssh.HostKeyNotVerifiable:
            raise self.error(operation, host_key_refusal(check)) from None
        except asyncssh.PermissionDenied:
            raise self.error(operation, f"the server refused the login of {s.username} "
                                        f"({_credentials(s)})") from None
        except socket.gaierror as exc:
            raise self.error(operation, f"host name {s.host} not found ({exc.strerror})") from None
        except OSError as exc:
            raise self.error(operation, f"cannot connect: {_os_reason(exc)}") from None
        except asyncssh.Error as exc:
            raise self.error(operation, _reason(exc)) from None


def _credentials(s: SshSettings) -> str:
    if s.key is not None:
        return f"key {s.key.get_filename().decode(errors='replace')}"  # type: ignore[union-attr]
    if s.password is not None:
        return "password from password_env / password_keyring"
    return "the user's own keys and ssh-agent: set key_file or password_env"


def _stop(process: asyncssh.SSHClientProcess[bytes]) -> None:
    """End a remote command that overran: SIGKILL (OpenSSH >= 7.9 delivers it, except to root's sessions),
    then close its channel, so that it ends at its next output if the signal was refused."""
    with suppress(asyncssh.Error, OSError, ValueError):
        process.send_signal("KILL")
    process.close()


def _os_reason(exc: OSError) -> str:
    # asyncio words a refused connect "Connect call failed (addr)": the errno says more.
    return os.strerror(exc.errno) if exc.errno else str(exc)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return str(reason)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")
