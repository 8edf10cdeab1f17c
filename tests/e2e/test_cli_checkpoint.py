"""The VM Checkpoint job from the command line, as the README tells a new user to run it, and
`interlock lab show / reset` to see the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_lab, vm, write_lab

from engine.cli.main import main
from nodes.backends.simulated import bundled_lab

RUNBOOK = str(Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    write_lab(tmp_path / "lab.json", [vm("web01", "Running"), vm("db01", "Stopped"),
                                      vm("mail01", "Running", batch="2")])
    path = tmp_path / "interlock.toml"
    path.write_text('[connections.default]\nkind = "simulated"\nlab = "lab.json"\n')
    return path


def test_run_prints_which_vms_were_stopped_checkpointed_and_restarted(config, capsys):
    code = main(["run", RUNBOOK, "-p", "Batch Number=1", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 0, err
    summary = err[err.index("VM Checkpoint: success"):]
    assert "Stop VM: 1 success: web01" in summary
    assert "New VM Checkpoint: 2 success: web01, db01" in summary
    assert "Start VM: 1 success: web01" in summary
    assert "Wait for Stopped: junction fired" in summary
    lab = read_lab(config.parent / "lab.json")
    assert [len(v.checkpoints) for v in lab.vms] == [1, 1, 0]


def test_run_json_is_the_job_result(config, capsys):
    code = main(["run", RUNBOOK, "-p", "Batch Number=2", "--config", str(config), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out)
    assert result["runbook"] == "VM Checkpoint" and result["parameters"] == {"Batch Number": "2"}
    stopped = [row["vm_name"] for a in result["activities"] if a["id"] == "stop_vm"
               for i in a["instances"] for row in i["rows"]]
    assert stopped == ["mail01"]


def test_missing_batch_number_runs_nothing(config, capsys):
    before = (config.parent / "lab.json").read_bytes()
    assert main(["run", RUNBOOK, "--config", str(config)]) == 2
    assert "Batch Number" in capsys.readouterr().err
    assert (config.parent / "lab.json").read_bytes() == before


def test_lab_show_lists_vms_checkpoints_and_windows(config, capsys):
    main(["run", RUNBOOK, "-p", "Batch Number=1", "--config", str(config)])
    capsys.readouterr()
    assert main(["lab", "show", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "VMs (3)" in out and "Maintenance windows (1)" in out
    web01 = next(line for line in out.splitlines() if line.startswith("web01"))
    assert "Running" in web01 and "VM was Stopped" in web01 and " 1 " in web01
    assert main(["lab", "show", "--config", str(config), "--batch", "2", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in shown["vms"]] == ["mail01"]


def test_lab_reset_puts_back_the_bundled_lab(isolated_home, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./interlock.toml: the built-in default connection
    assert main(["lab", "show"]) == 0
    working = isolated_home / "lab.json"
    data = json.loads(working.read_text())
    data["vms"] = data["vms"][:1]
    working.write_text(json.dumps(data))
    assert main(["lab", "reset"]) == 0
    assert json.loads(working.read_text()) == json.loads(bundled_lab().read_text())


def test_lab_reset_refuses_a_users_own_lab(config, capsys):
    assert main(["lab", "reset", "--config", str(config)]) == 2
    assert "lab file of your own" in capsys.readouterr().err
