"""A WS-Management endpoint on 127.0.0.1 for the WinRM back-ends' tests: HTTP with basic auth (or TLS),
speaking the part of the protocol pywinrm uses to run a command: Create shell, Command, Receive (stdout
and stderr as base64 streams, then CommandState Done with the exit code), Signal terminate, Delete shell.
Commands run in the fake PowerShell; the server only carries them.

It also misbehaves on request: an output split over two Receive answers, a command that never finishes
(Receive answers the WS-Man OperationTimeout fault, as Windows does while a command runs), a slow command.
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from winrm_fake_shell import FakePowerShell, FakeState

NS = {"s": "http://www.w3.org/2003/05/soap-envelope", "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
      "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
      "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"}
_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
_ACTIONS = {"http://schemas.xmlsoap.org/ws/2004/09/transfer/Create": "Create",
            f"{_SHELL}/Command": "Command", f"{_SHELL}/Receive": "Receive", f"{_SHELL}/Signal": "Signal",
            "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete": "Delete"}
_TIMED_OUT = 2150858793  # the WSManFault code of "no output within OperationTimeout"


@dataclass
class CommandRun:
    command_line: str
    skip_cmd_shell: bool
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    receives: int = 0


@dataclass
class FakeWinRm:
    """The endpoint and what it saw; tests read `shell` (scripts, calls) and `state` (the systems)."""

    state: FakeState
    username: str = "interlock"
    password: str = "S3cr3t-pw!"
    tls: ssl.SSLContext | None = None
    split_output: bool = True  # answer each command's output in two Receives
    hang: bool = False  # commands never finish (Receive times out, as on a busy server)
    command_delay_s: float = 0.0
    port: int = 0
    shell: FakePowerShell = field(init=False)
    shells: dict[str, dict[str, CommandRun]] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    commands: list[CommandRun] = field(default_factory=list)
    peak_shells: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.shell = FakePowerShell(self.state)

    # -- the protocol --

    def handle(self, body: bytes) -> tuple[int, str]:
        root = ET.fromstring(body)
        action = _ACTIONS.get(root.findtext(".//a:Action", "", NS), "")
        message_id = root.findtext(".//a:MessageID", "", NS)
        selector = root.find(".//w:Selector[@Name='ShellId']", NS)
        shell_id = selector.text if selector is not None and selector.text else ""
        with self._lock:
            self.actions.append(action)
        if action == "Create":
            shell_id = str(uuid.uuid4()).upper()
            with self._lock:
                self.shells[shell_id] = {}
                self.peak_shells = max(self.peak_shells, len(self.shells))
            return 200, envelope(action, message_id, (
                "<x:ResourceCreated><a:Address>http://127.0.0.1/wsman</a:Address><a:ReferenceParameters>"
                "<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>"
                f"<w:SelectorSet><w:Selector Name=\"ShellId\">{shell_id}</w:Selector></w:SelectorSet>"
                "</a:ReferenceParameters></x:ResourceCreated>"))
        commands = self.shells.get(shell_id)
        if commands is None:
            return 500, fault(message_id, 2150858843, "The request for the Windows Remote Shell with ShellId "
                                                      f"{shell_id} failed because the shell was not found.")
        if action == "Command":
            return 200, self._command(root, message_id, commands)
        if action == "Receive":
            node = root.find(".//rsp:DesiredStream", NS)
            return self._receive(message_id, commands[node.get("CommandId", "") if node is not None else ""])
        if action == "Signal":
            return 200, envelope(action, message_id, "<rsp:SignalResponse/>")
        if action == "Delete":
            with self._lock:
                self.shells.pop(shell_id, None)
            return 200, envelope(action, message_id, "")
        return 500, fault(message_id, 2150858817, f"unsupported action {action!r}")

    def _command(self, root: ET.Element, message_id: str, commands: dict[str, CommandRun]) -> str:
        line = " ".join(filter(None, (root.findtext(".//rsp:Command", "", NS),
                                      root.findtext(".//rsp:Arguments", "", NS))))
        options = {o.get("Name"): (o.text or "") for o in root.iterfind(".//w:Option", NS)}
        run = CommandRun(line, options.get("WINRS_SKIP_CMD_SHELL") == "TRUE")
        if not self.hang:
            if self.command_delay_s:
                time.sleep(self.command_delay_s)
            run.stdout, run.stderr, run.exit_code = self.shell.run(line)
        command_id = str(uuid.uuid4()).upper()
        commands[command_id] = run
        self.commands.append(run)
        return envelope("Command", message_id,
                        f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>")

    def _receive(self, message_id: str, run: CommandRun) -> tuple[int, str]:
        if self.hang:
            time.sleep(0.2)
            why = "The WS-Management service cannot complete the operation within the OperationTimeout."
            return 500, fault(message_id, _TIMED_OUT, why)
        run.receives += 1
        half = len(run.stdout) // 2 if self.split_output else len(run.stdout)
        if run.receives == 1 and half < len(run.stdout):
            return 200, receive(message_id, run.stdout[:half], b"", None)
        rest = run.stdout[half:] if self.split_output else run.stdout
        return 200, receive(message_id, rest, run.stderr, run.exit_code)

    # -- serving --

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
                # delayed ACK add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._answer(401, "", {"WWW-Authenticate": 'Basic realm="WSMAN"'})
                    return
                status, text = fake.handle(body)
                self._answer(status, text, {})

            def _answer(self, status: int, text: str, headers: dict[str, str]) -> None:
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def invocations(self) -> list:
        return self.shell.invocations

    def scripts(self) -> list[str]:
        return [inv.script for inv in self.shell.invocations]


@contextmanager
def serve(state: FakeState | None = None, **options: object) -> Iterator[FakeWinRm]:
    """A running endpoint; on leaving, it stops, and the test fails if a script was not what a back-end
    should send or a shell was left open."""
    fake = FakeWinRm(state or FakeState(), **options)  # type: ignore[arg-type]
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.shell.script_errors == [], fake.shell.script_errors
    assert fake.shells == {}, f"shells left open: {list(fake.shells)}"


def envelope(action: str, relates_to: str, body: str) -> str:
    return (f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:w="{NS["w"]}" '
            f'xmlns:rsp="{NS["rsp"]}" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"><s:Header>'
            f"<a:Action>{action}Response</a:Action><a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>"
            f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>")


def receive(message_id: str, stdout: bytes, stderr: bytes, exit_code: int | None) -> str:
    streams = (f'<rsp:Stream Name="stdout">{base64.b64encode(stdout).decode()}</rsp:Stream>'
               f'<rsp:Stream Name="stderr">{base64.b64encode(stderr).decode()}</rsp:Stream>')
    if exit_code is None:
        state = f'<rsp:CommandState State="{_SHELL}/CommandState/Running"/>'
    else:
        state = (f'<rsp:CommandState State="{_SHELL}/CommandState/Done">'
                 f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>")
    return envelope("Receive", message_id, f"<rsp:ReceiveResponse>{streams}{state}</rsp:ReceiveResponse>")


def fault(message_id: str, code: int, message: str) -> str:
    return envelope("Fault", message_id, (
        '<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>'
        f'<s:Reason><s:Text xml:lang="en-US">{escape(message)}</s:Text></s:Reason>'
        '<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" '
        f'Code="{code}" Machine="127.0.0.1"><f:Message>{escape(message)}</f:Message></f:WSManFault>'
        "</s:Detail></s:Fault>"))
