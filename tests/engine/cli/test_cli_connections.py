"""`interlock connections` lists what the config names; `interlock connections test` opens each one and
does one cheap read, failing (exit 1) with the back-end's message when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import vm, write_lab

from engine.cli.main import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    write_lab(tmp_path / "lab.json", [vm("web01"), vm("db01", "Stopped")])
    path = tmp_path / "interlock.toml"
    path.write_text('[connections.default]\nkind = "simulated"\nlab = "lab.json"\n\n'
                    '[connections.gone]\nkind = "simulated"\nlab = "missing.json"\n\n'
                    '[connections.vmm01]\nkind = "scvmm"\nhost = "vmm01.contoso.local"\n'
                    'username = "svc"\npassword_env = "INTERLOCK_TEST_NO_SUCH_VAR"\n')
    return path


def test_list_names_each_connection_its_kind_and_problem(config, capsys):
    assert main(["connections", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:4]}
    assert "simulated" in lines["default"] and "lab=lab.json" in lines["default"]
    assert lines["default"].split()[-1] == "ok"
    assert "missing.json" in lines["gone"] and "problem" in lines["gone"]
    assert "scvmm" in lines["vmm01"] and "host=vmm01.contoso.local" in lines["vmm01"]
    missing = config.parent / "missing.json"
    assert f'{config}: connections.gone: key "lab": lab file {missing} not found' in out


def test_test_reads_the_lab_and_reports_a_missing_one(config, capsys):
    assert main(["connections", "test", "default", "--config", str(config)]) == 0
    assert "default: ok: 2 VMs visible" in capsys.readouterr().out
    assert main(["connections", "test", "default", "gone", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert "default: ok" in captured.out
    assert 'gone: FAILED:' in captured.err and "missing.json" in captured.err


def test_a_secret_that_is_not_set_fails_the_test_by_its_variable_name(config, capsys, monkeypatch):
    monkeypatch.delenv("INTERLOCK_TEST_NO_SUCH_VAR", raising=False)
    assert main(["connections", "test", "vmm01", "--config", str(config)]) == 1
    assert "INTERLOCK_TEST_NO_SUCH_VAR" in capsys.readouterr().err


def test_an_unknown_name_is_a_usage_mistake(config, capsys):
    assert main(["connections", "test", "nosuch", "--config", str(config)]) == 2
    assert 'connection "nosuch" is not configured' in capsys.readouterr().err


def test_list_never_shows_a_password_written_into_a_url(tmp_path, capsys):
    path = tmp_path / "interlock.toml"
    path.write_text('[connections.cmdb]\nkind = "database"\nurl = "postgresql://runbooks:hunter2@db01/cmdb"\n\n'
                    '[connections.crm]\nkind = "database"\nurl = "mssql+pyodbc://db02/crm?PWD=hunter3"\n')
    main(["connections", "--config", str(path)])
    out = capsys.readouterr().out
    assert "postgresql://runbooks:***@db01/cmdb" in out and "mssql+pyodbc://db02/crm?…" in out
    assert "hunter2" not in out and "hunter3" not in out
