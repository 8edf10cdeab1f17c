"""What the API tests share: a catalogue of small runbooks (plus the VM Checkpoint example), a config
with a simulated lab and a secret variable, and reading a job's event stream as a client does."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import vm, write_lab
from servers.interlock_server import InterlockServer, running_server

ROOT = Path(__file__).resolve().parents[3]
VM_CHECKPOINT = ROOT / "resources" / "examples" / "vm-checkpoint.json"
SECRET_ENV = "INTERLOCK_TEST_SERVER_SECRET"
SECRET = "s3rv3r-only-secret-value"
LAB_VMS = [vm(f"web{i:02d}", "Running" if i % 2 else "Stopped", host=f"hv0{i % 3}") for i in range(1, 13)] + \
    [vm("other01", batch="2")]


def act(id_: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "name": id_.replace("_", " ").title(), "properties": properties}


def write_runbook(path: Path, name: str, activities: list[dict[str, Any]]) -> Path:
    links = [{"from": a["id"], "to": b["id"]} for a, b in pairwise(activities)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": name, "activities": activities,
                                "links": links}, indent=2), encoding="utf-8")
    return path


def start(parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return act("start", "core.initialize_data", parameters=parameters or [])


def make_catalogue(folder: Path) -> Path:
    """ops/echo.json (Name required, Count a number), ops/slow.json (a 30 s delay), ops/quick.json
    (a 1.5 s delay), ops/secret.json (returns the secret variable), ops/watch.json (starts with a monitor),
    vm/vm-checkpoint.json, broken.json."""
    catalogue = folder / "catalogue"
    write_runbook(catalogue / "ops" / "echo.json", "Echo", [
        start([{"name": "Name", "type": "string"}, {"name": "Count", "type": "number", "default": 1}]),
        act("answer", "core.return_data",
            data={"greeting": "hello {{start.Name}}", "count": "{{start.Count}}"})])
    write_runbook(catalogue / "ops" / "slow.json", "Slow", [start(), act("wait", "core.delay", seconds=30)])
    write_runbook(catalogue / "ops" / "quick.json", "Quick",
                  [start(), act("wait", "core.delay", seconds=1.5)])
    write_runbook(catalogue / "ops" / "secret.json", "Secret", [
        start(), act("answer", "core.return_data", data={"password": "{{var.svc_password}}"})])
    write_runbook(catalogue / "ops" / "watch.json", "Watch", [
        act("tick", "monitor.date_time", every=1, unit="hours"), act("wait", "core.delay", seconds=0)])
    (catalogue / "vm").mkdir(parents=True)
    shutil.copy(VM_CHECKPOINT, catalogue / "vm" / "vm-checkpoint.json")
    (catalogue / "broken.json").write_text('{"format": "interlock.runbook/1", "name": ', encoding="utf-8")
    (catalogue / ".git").mkdir()
    (catalogue / ".git" / "hidden.json").write_text("{}", encoding="utf-8")
    return catalogue


def make_config(folder: Path, time_scale: float = 0.002) -> Path:
    lab = write_lab(folder / "lab.json", LAB_VMS, time_scale=time_scale)
    config = folder / "interlock.toml"
    config.write_text(f'[connections.default]\nkind = "simulated"\nlab = "{lab.as_posix()}"\n\n'
                      f'[variables]\nsvc_password = {{ env = "{SECRET_ENV}" }}\n', encoding="utf-8")
    return config


def read_stream(client: httpx.Client, job_id: str, last_event_id: int | None = None,
                stop_after: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """The (id, event) pairs of a job's stream, as an EventSource reads them; stops after `stop_after`
    events (a dropped connection) or at the end of the stream."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    events: list[tuple[int, dict[str, Any]]] = []
    with client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=headers, timeout=60) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        number, data = None, []
        for line in response.iter_lines():
            if line.startswith("id:"):
                number = int(line[3:].strip())
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                assert number is not None
                events.append((number, json.loads("\n".join(data))))
                number, data = None, []
                if stop_after is not None and len(events) >= stop_after:
                    break
    return events


def counts(events: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Finished instances by (activity, status)."""
    found: dict[tuple[str, str], int] = {}
    for event in events:
        if event["kind"] == "instance_finished":
            key = (event["activity"], event["status"])
            found[key] = found.get(key, 0) + 1
    return found


def result_counts(document: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Finished instances by (activity, status) in a job document (junctions are events of their own)."""
    found: dict[tuple[str, str], int] = {}
    for activity in document["activities"]:
        if activity["id"] in document["junctions"]:
            continue
        for instance in activity["instances"]:
            key = (activity["id"], instance["status"])
            found[key] = found.get(key, 0) + 1
    return found


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InterlockServer]:
    """One real server for a test module: the catalogue above, the lab config, the secret in its
    environment, and a small event buffer (8), so that streams also replay from the run history."""
    folder = tmp_path_factory.mktemp("server")
    catalogue, config = make_catalogue(folder), make_config(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_ENV, SECRET)
        with running_server(catalogue, config=config, home=folder / "home",
                            args=["--event-buffer", "8"]) as server:
            yield server


def wait_for_status(client: httpx.Client, job_id: str, within_s: float = 60.0) -> dict[str, Any]:
    """The job's document once it is no longer running."""
    deadline = time.monotonic() + within_s
    while True:
        document = client.get(f"/api/v1/jobs/{job_id}").json()
        if document["status"] != "running" or time.monotonic() > deadline:
            return document
        time.sleep(0.1)
