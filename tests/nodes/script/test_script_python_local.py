"""Run Script in Python on this machine: a real child interpreter, its published variables as rows."""

from __future__ import annotations

import json
import time
from pathlib import Path

from script_support import engine, failure, own, published, runbook, script, start, write

from engine.cli.main import main
from engine.config.settings import Connection


async def test_scalars_and_a_collection_publish_one_row_per_item(tmp_path: Path) -> None:
    text = 'owner = "ops"\ncount = 3\nvms = ["web01", "web02", "db01"]\nprint("listed", count)\n'
    rb = runbook(tmp_path, [script("list", "python", text, published=published("owner=owner", "count=count",
                                                                                "vm=vms*"))])
    result = await engine().run(rb)
    assert result.status == "success", result
    assert own(result.rows("list")) == [
        {"owner": "ops", "count": 3, "vm": vm, "output": "listed 3"} for vm in ("web01", "web02", "db01")]


async def test_collections_zip_to_the_longest_and_scalars_repeat(tmp_path: Path) -> None:
    text = "names = ['a', 'b', 'c']\nsizes = [1, 2]\nnote = None\n"
    rb = runbook(tmp_path, [script("zip", "python", text,
                                   published=published("name=names*", "size=sizes*", "note=$note"))])
    rows = own((await engine().run(rb)).rows("zip"))
    assert [(r["name"], r["size"], r["note"]) for r in rows] == \
        [("a", 1, None), ("b", 2, None), ("c", "", None)]


async def test_an_empty_collection_publishes_no_row_and_nothing_downstream_runs(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [script("none", "python", "vms = []", published=published("vm=vms*")),
                            script("after", "python", "pass")])
    result = await engine().run(rb)
    assert result.status == "success" and result.rows("none") == []
    assert not result.activity("after").instances


async def test_values_that_json_cannot_hold_are_published_as_text(tmp_path: Path) -> None:
    text = "import pathlib\nwhere = pathlib.PurePosixPath('/srv/app')\ntags = {'x'}\nmore = {1: (2, 3)}\n"
    rb = runbook(tmp_path, [script("odd", "python", text, published=published("where=where", "tags=tags",
                                                                               "more=more"))])
    (row,) = own((await engine().run(rb)).rows("odd"))
    assert (row["where"], row["tags"], row["more"]) == ("/srv/app", ["x"], {"1": [2, 3]})


async def test_inputs_reach_the_script_as_variables_once_per_incoming_row(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [
        script("list", "python", "vms = ['web01', 'web02', 'db01']", published=published("vm=vms*")),
        script("greet", "python", "greeting = 'hello ' + vm + ' ' + str(n * 2)",
               inputs={"vm": "{{list.vm}}", "n": 21}, published=published("greeting=greeting")),
    ], [{"from": "list", "to": "greet",
         "include": [{"field": "list.vm", "op": "starts_with", "value": "web"}]}])
    result = await engine().run(rb)
    assert result.status == "success", result
    assert sorted(r["greeting"] for r in result.rows("greet")) == ["hello web01 42", "hello web02 42"]


async def test_a_subscribed_value_in_the_script_is_data_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f"'; import os; os.system(\"touch {marker}\") #"
    text = "text = {{start.Text}}\nprint({{start.Text}})\nprint('length', len({{start.Text}}))"
    rb = runbook(tmp_path, [start("Text"), script("show", "python", text, published=published("text=text"))])
    result = await engine().run(rb, {"Text": hostile})
    assert result.status == "success", result
    (row,) = own(result.rows("show"))
    assert row["text"] == hostile
    assert row["output"] == f"{hostile}\nlength {len(hostile)}"
    assert not marker.exists()


async def test_a_subscription_inside_quotes_is_refused_with_what_to_do(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [start("Name"), script("show", "python", 'print("hello {{start.Name}}")')])
    error = failure(await engine().run(rb, {"Name": "x"}), "show")
    assert "inside a Python string literal" in error and "inputs" in error


async def test_a_script_error_fails_the_instance_with_its_message_and_line(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [script("bad", "python", "x = 1\nraise ValueError('no such VM: web09')")])
    error = failure(await engine().run(rb), "bad")
    assert error == "the Python script on this machine failed: ValueError: no such VM: web09 (line 2)"


async def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [script("bad", "python", "x = 1\nif x\n  pass")])
    error = failure(await engine().run(rb), "bad")
    assert "SyntaxError" in error and "(line 2)" in error


async def test_a_non_zero_exit_fails_the_instance_with_the_exit_code(tmp_path: Path) -> None:
    text = "import sys\nprint('bye')\nsys.stderr.write('disk full')\nsys.exit(3)"
    rb = runbook(tmp_path, [script("quit", "python", text)])
    error = failure(await engine().run(rb), "quit")
    assert error == "the Python script on this machine exited with code 3: disk full"


async def test_exit_zero_still_publishes(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [script("done", "python", "import sys\nstate = 'ok'\nsys.exit(0)",
                                   published=published("state=state"))])
    assert own((await engine().run(rb)).rows("done")) == [{"state": "ok", "output": ""}]


async def test_timeout_kills_the_script(tmp_path: Path) -> None:
    rb = runbook(tmp_path, [script("slow", "python", "import time\ntime.sleep(60)", timeout_s=0.5)])
    started = time.monotonic()
    error = failure(await engine().run(rb), "slow")
    assert time.monotonic() - started < 10
    assert error == "the Python script was killed after 0.5 s (timeout_s)"


async def test_the_child_environment_holds_no_secret_and_nothing_beyond_the_basics(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("INTERLOCK_TEST_SCRIPT_SECRET", "hunter2-secret")
    monkeypatch.setenv("INTERLOCK_TEST_SCRIPT_OTHER", "visible-elsewhere")
    text = "import os\nnames = sorted(os.environ)\nvalues = '|'.join(os.environ.values())"
    rb = runbook(tmp_path, [script("env", "python", text,
                                   published=published("names=names", "values=values"))])
    secret_holder = Connection(kind="winrm", host="win01", username="svc",
                               password_env="INTERLOCK_TEST_SCRIPT_SECRET")
    (row,) = own((await engine(win01=secret_holder).run(rb)).rows("env"))
    assert "INTERLOCK_TEST_SCRIPT_SECRET" not in row["names"] and "hunter2-secret" not in row["values"]
    assert "INTERLOCK_TEST_SCRIPT_OTHER" not in row["names"]
    assert "PATH" in row["names"]


async def test_a_remote_python_script_needs_an_ssh_connection(tmp_path: Path, monkeypatch) -> None:
    rb = runbook(tmp_path, [script("remote", "python", "pass", connection="win01")])
    win01 = Connection(kind="winrm", host="win01", username="svc", password_env="INTERLOCK_TEST_SCRIPT_PW",
                       transport="basic")
    monkeypatch.setenv("INTERLOCK_TEST_SCRIPT_PW", "x")
    error = failure(await engine(win01=win01).run(rb), "remote")
    assert error == ('connection "win01" is not an ssh connection: a Python script runs remotely over an ssh '
                     "connection (Python over ssh, PowerShell over winrm)")


def test_bad_properties_are_named_by_validation(tmp_path: Path) -> None:
    from engine import RunbookError

    bad = [script("bad", "python", "x = 1", inputs={"not a name": 1},
                  published=[{"name": "a", "variable": "1x"}, {"name": "a", "variable": "y"}])]
    try:
        runbook(tmp_path, bad)
    except RunbookError as exc:
        text = str(exc)
    else:
        raise AssertionError("invalid properties were accepted")
    assert 'variable "1x" is not a variable name' in text
    assert 'input "not a name" is not a variable name' in text


def test_cli_runs_a_runbook_whose_script_publishes_a_collection_and_a_link_filters_it(tmp_path: Path,
                                                                                      capsys) -> None:
    text = "vms = ['web01', 'db01', 'web02']\nsizes = [2, 8, 4]"
    path = write(tmp_path, [
        script("list", "python", text, published=published("vm=vms*", "memory_gb=sizes*")),
        script("report", "python", "line = vm + ': ' + str(gb) + ' GB'",
               inputs={"vm": "{{list.vm}}", "gb": "{{list.memory_gb}}"}, published=published("line=line")),
    ], [{"from": "list", "to": "report",
         "include": [{"field": "list.memory_gb", "op": "at_least", "value": 4}]}])
    config = tmp_path / "interlock.toml"
    config.write_text("", encoding="utf-8")
    code = main(["run", str(path), "--json", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0, out
    document = json.loads(out)
    assert document["status"] == "success"
    (report,) = [a for a in document["activities"] if a["id"] == "report"]
    lines = sorted(row["line"] for inst in report["instances"] for row in inst["rows"])
    assert lines == ["db01: 8 GB", "web02: 4 GB"]


def test_a_secret_the_script_prints_is_masked_in_the_job_result(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("INTERLOCK_TEST_SCRIPT_TOKEN", "tok-3141-secret")
    path = write(tmp_path, [script("use", "python", "print('token is', token)\nsame = token",
                                   inputs={"token": "{{var.token}}"}, published=published("same=same"))])
    config = tmp_path / "interlock.toml"
    config.write_text('[variables]\ntoken = { env = "INTERLOCK_TEST_SCRIPT_TOKEN" }\n', encoding="utf-8")
    code = main(["run", str(path), "--json", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "tok-3141-secret" not in out
    (use,) = [a for a in json.loads(out)["activities"] if a["id"] == "use"]
    assert own(use["instances"][0]["rows"]) == [{"same": "***", "output": "token is ***"}]
