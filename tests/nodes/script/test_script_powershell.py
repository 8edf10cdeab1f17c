"""Run Script in PowerShell: on a Windows host over WinRM (the project's loopback WS-Management endpoint,
whose fake PowerShell runs the script out of the wrapper the activity sends), and through `pwsh` on this
machine when it is installed."""

from __future__ import annotations

import base64
import json
import shutil
import sys
from pathlib import Path

import pytest
from script_support import engine, failure, own, published, runbook, script, start

from engine import Engine
from engine.config import connections as configured
from engine.config.registry import Registry
from engine.config.settings import load_config
from engine.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "winrm"))
from winrm_fake_server import serve
from winrm_support import PASSWORD_ENV, connection

HOSTILE = '"; Remove-Item C:\\ -Recurse; "'


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, "S3cr3t-pw!")
    return "S3cr3t-pw!"


def data_block(script_text: str) -> dict:
    (encoded,) = [line.split("FromBase64String('")[1].split("'")[0] for line in script_text.splitlines()
                  if "FromBase64String('" in line]
    return json.loads(base64.b64decode(encoded))


async def test_published_scalars_and_a_collection_over_winrm(tmp_path: Path, password: str) -> None:
    text = "$owner = 'ops'\n$vms = @('web01', 'web02', 'db01')\nWrite-Output \"listed for $owner\""
    rb = runbook(tmp_path, [script("list", "powershell", text, connection="win01",
                                   published=published("owner=$owner", "vm=vms*"))])
    with serve() as fake:
        result = await engine(win01=connection(fake.port, "winrm")).run(rb)
    assert result.status == "success", result
    assert own(result.rows("list")) == [{"owner": "ops", "vm": vm, "output": "listed for ops"}
                                        for vm in ("web01", "web02", "db01")]
    (invocation,) = fake.invocations
    assert invocation.inputs == {"inputs": {}, "values": [], "published": ["owner", "vms"]}


async def test_a_subscribed_value_reaches_powershell_as_data(tmp_path: Path, password: str) -> None:
    text = '$text = "{{start.Text}}"\nWrite-Output "got {{start.Text}}"\n$same = {{start.Text}}'
    rb = runbook(tmp_path, [start("Text"), script("show", "powershell", text, connection="win01",
                                                  published=published("text=text", "same=same"))])
    with serve() as fake:
        result = await engine(win01=connection(fake.port, "winrm")).run(rb, {"Text": HOSTILE})
    assert result.status == "success", result
    assert own(result.rows("show")) == [{"text": HOSTILE, "same": HOSTILE, "output": f"got {HOSTILE}"}]
    (sent,) = fake.scripts()
    assert "Remove-Item" not in sent and HOSTILE not in sent  # the script's text never holds the value
    assert '$text = "$($__interlock_data[0])"' in sent
    assert data_block(sent)["values"] == [HOSTILE, HOSTILE, HOSTILE]
    assert not fake.invocations[0].uses("Remove-Item")


async def test_a_subscription_in_single_quotes_expands(tmp_path: Path, password: str) -> None:
    text = "$text = 'VM {{start.Text}} costs $5'"
    rb = runbook(tmp_path, [start("Text"), script("show", "powershell", text, connection="win01",
                                                  published=published("text=text"))])
    with serve() as fake:
        result = await engine(win01=connection(fake.port, "winrm")).run(rb, {"Text": HOSTILE})
    assert own(result.rows("show")) == [{"text": f"VM {HOSTILE} costs $5", "output": ""}]
    assert '$text = "VM $($__interlock_data[0]) costs `$5"' in fake.scripts()[0]


async def test_inputs_are_variables_once_per_incoming_row(tmp_path: Path, password: str) -> None:
    rb = runbook(tmp_path, [
        script("list", "python", "vms = ['web01', 'web02']", published=published("vm=vms*")),
        script("greet", "powershell", '$greeting = "hello $vm from $site"', connection="win01",
               inputs={"vm": "{{list.vm}}", "site": "Lyon"}, published=published("greeting=greeting")),
    ])
    with serve() as fake:
        result = await engine(win01=connection(fake.port, "winrm")).run(rb)
    assert sorted(r["greeting"] for r in result.rows("greet")) == ["hello web01 from Lyon",
                                                                   "hello web02 from Lyon"]
    assert sorted(inv.inputs["inputs"]["vm"] for inv in fake.invocations) == ["web01", "web02"]


async def test_a_throw_fails_the_instance_with_its_message(tmp_path: Path, password: str) -> None:
    rb = runbook(tmp_path, [script("bad", "powershell", "throw 'no such VM: web09'", connection="win01")])
    with serve() as fake:
        error = failure(await engine(win01=connection(fake.port, "winrm")).run(rb), "bad")
    assert error == 'the PowerShell script on connection "win01" (127.0.0.1) failed: no such VM: web09'


async def test_an_exit_code_without_an_answer_fails_the_instance(tmp_path: Path, password: str) -> None:
    text = "Write-Output 'stopping'\nexit 3"
    rb = runbook(tmp_path, [script("quit", "powershell", text, connection="win01")])
    with serve() as fake:
        error = failure(await engine(win01=connection(fake.port, "winrm")).run(rb), "quit")
    assert error == 'the PowerShell script on connection "win01" (127.0.0.1) exited with code 3: stopping'


async def test_timeout_over_winrm(tmp_path: Path, password: str) -> None:
    rb = runbook(tmp_path, [script("slow", "powershell", "$x = 1", connection="win01", timeout_s=1)])
    with serve(hang=True) as fake:
        error = failure(await engine(win01=connection(fake.port, "winrm", operation_timeout_s=1,
                                                      read_timeout_s=5)).run(rb), "slow")
    assert error.startswith('run script on connection "win01": the script did not finish within timeout_s '
                            f"(1 s) on 127.0.0.1:{fake.port}")


async def test_an_unreachable_host_is_named(tmp_path: Path, password: str) -> None:
    with serve() as fake:
        port = fake.port  # stopped below: nothing listens there any more
    rb = runbook(tmp_path, [script("far", "powershell", "$x = 1", connection="win01")])
    error = failure(await engine(win01=connection(port, "winrm")).run(rb), "far")
    assert error == (f'run script on connection "win01": cannot reach 127.0.0.1:{port} (connection refused); '
                     "is its WinRM listener on that port?")


async def test_a_powershell_script_needs_a_winrm_connection(tmp_path: Path, password: str) -> None:
    rb = runbook(tmp_path, [script("vmm", "powershell", "$x = 1", connection="vmm01")])
    with serve() as fake:
        error = failure(await engine(vmm01=connection(fake.port, "scvmm")).run(rb), "vmm")
    assert error.startswith('connection "vmm01" is not a winrm connection')


def test_wrong_keys_of_a_winrm_connection_are_named(tmp_path: Path, password: str) -> None:
    config = tmp_path / "interlock.toml"
    config.write_text('[connections.win01]\nkind = "winrm"\nhost = "win01"\nusername = "svc"\n'
                      f'password_env = "{PASSWORD_ENV}"\nshell = "cmd"\n', encoding="utf-8")
    connections = Engine(load_config(config), Registry.from_entry_points()).connections
    with pytest.raises(ConfigError) as raised:
        connections.check("win01")
    assert str(raised.value) == f'{config}: connections.win01: key "shell": unknown key'


async def test_connection_test_says_which_windows_answered(password: str) -> None:
    with serve() as fake:
        connections = engine(win01=connection(fake.port, "winrm")).connections
        ok, said = await configured.test_connection(connections, "win01")
    assert ok, said
    assert said.startswith("WIN01: Microsoft Windows Server 2022 Standard, PowerShell 5.1")


async def test_without_pwsh_a_local_powershell_script_says_what_to_install(tmp_path: Path,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pwsh there
    rb = runbook(tmp_path, [script("here", "powershell", "$x = 1")])
    error = failure(await engine().run(rb), "here")
    assert error.startswith('PowerShell is not installed on this machine ("pwsh" is not on PATH)')


async def test_pwsh_runs_a_local_script_with_data_not_code(tmp_path: Path) -> None:
    if shutil.which("pwsh") is None:
        pytest.skip("pwsh is not installed: PowerShell 7 runs local PowerShell scripts")
    text = '$text = "{{start.Text}}"\n$vms = @("web01", "web02")\nWrite-Output "got {{start.Text}}"'
    rb = runbook(tmp_path, [start("Text"), script("show", "powershell", text,
                                                  published=published("text=text", "vm=vms*"))])
    result = await engine().run(rb, {"Text": HOSTILE})
    assert result.status == "success", result
    assert own(result.rows("show")) == [{"text": HOSTILE, "vm": vm, "output": f"got {HOSTILE}"}
                                        for vm in ("web01", "web02")]
