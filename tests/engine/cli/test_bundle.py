"""Export for headless run: the runbook with every runbook it invokes, their relative paths kept, a
connections template without secrets, and a command that runs as printed."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path

import pytest
from conftest import vm, write_lab

from engine.bundle import export_for_headless_run
from engine.cli.main import main
from engine.config.settings import Config, Connection
from engine.errors import RunbookError

SEED = Path(__file__).resolve().parents[3] / "resources" / "examples" / "vm-checkpoint.json"


def write(path: Path, activities: list[dict], links: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": path.stem, "activities": activities,
                                "links": links}))
    return path


def test_parent_and_invoked_children_are_copied_with_their_relative_paths(tmp_path):
    source = tmp_path / "src"
    write(source / "children" / "grandchild.json", [{"id": "s", "type": "core.delay", "name": "S",
                                                     "properties": {"seconds": 0}}], [])
    write(source / "children" / "child.json", [
        {"id": "s", "type": "core.delay", "name": "S", "properties": {"seconds": 0}},
        {"id": "call", "type": "core.invoke_runbook", "name": "Call",
         "properties": {"path": "grandchild.json"}}],
        [{"from": "s", "to": "call"}])
    parent = write(source / "parent.json", [
        {"id": "start", "type": "core.initialize_data", "name": "Start",
         "properties": {"parameters": [{"name": "Who", "type": "string", "default": "ops"}]}},
        {"id": "call", "type": "core.invoke_runbook", "name": "Call",
         "properties": {"path": "children/child.json"}}], [{"from": "start", "to": "call"}])
    made = export_for_headless_run(parent, tmp_path / "out")
    copied = sorted(str(p.relative_to(tmp_path / "out")) for p in made.runbooks)
    assert copied == ["children/child.json", "children/grandchild.json", "parent.json"]
    assert made.command == 'interlock run parent.json -p "Who=ops" --config interlock.toml'
    assert (tmp_path / "out" / "RUN.md").read_text().count(made.command) == 1


def test_connections_template_has_names_and_kinds_and_no_secrets(tmp_path):
    config = Config(connections={"default": Connection(kind="scvmm", host="vmm01", username="svc",
                                                       password_env="VMM_PASSWORD")})
    made = export_for_headless_run(SEED, tmp_path / "out", config=config)
    template = tomllib.loads((tmp_path / "out" / "interlock.toml").read_text())
    assert template == {"connections": {"default": {"kind": "scvmm", "host": "vmm01", "username": "svc",
                                                     "password_env": "VMM_PASSWORD"}}}
    assert made.command == 'interlock run vm-checkpoint.json -p "Batch Number=<Batch Number>" ' \
                           "--config interlock.toml"


def test_an_invalid_runbook_is_not_exported(tmp_path):
    bad = write(tmp_path / "bad.json", [{"id": "x", "type": "nope.nothing", "name": "X"}], [])
    with pytest.raises(RunbookError, match="unknown activity type"):
        export_for_headless_run(bad, tmp_path / "out")


def test_the_exported_command_runs_from_the_folder(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["bundle", str(SEED), "-o", str(out)]) == 0
    command = capsys.readouterr().out.strip().split(" && ", 1)[1]
    # point the template's simulated connection at a small lab, as an operator would fill it in
    write_lab(out / "lab.json", [vm("web01", "Running")])
    (out / "interlock.toml").write_text((out / "interlock.toml").read_text().replace(
        'kind = "simulated"', 'kind = "simulated"\nlab = "lab.json"'))
    monkeypatch.chdir(out)
    argv = shlex.split(command.replace("<Batch Number>", "1"))
    assert argv[0] == "interlock"
    assert main(argv[1:]) == 0
    assert json.loads((out / "lab.json").read_text())["vms"][0]["checkpoints"] != []
