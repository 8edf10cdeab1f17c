"""The event stream of a job that invokes a child runbook ends with the parent's own job_finished, after
the activities that follow the call — never at the child's end (the client only stops at its job's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import act, make_config, read_stream, start, wait_for_status, write_runbook
from servers.interlock_server import running_server


def test_the_stream_ends_at_the_parent_finishing_not_at_its_child(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    write_runbook(catalogue / "ops" / "child.json", "Child", [
        start(), act("answer", "core.return_data", data={"said": "hi"})])
    write_runbook(catalogue / "ops" / "parent.json", "Parent", [
        start(), act("call", "core.invoke_runbook", path="child.json"),
        act("after", "core.delay", seconds=0.5),
        act("answer", "core.return_data", data={"child": "{{call.said}}"})])
    with pytest.MonkeyPatch.context(), running_server(catalogue, config=make_config(tmp_path),
                                                      home=tmp_path / "home") as server, \
            server.client() as client:
        answer = client.post("/api/v1/jobs", json={"runbook": "ops/parent.json", "parameters": {}})
        assert answer.status_code == 202, answer.text
        job = answer.json()["job_id"]
        events = [event for _, event in read_stream(client, job)]
        document = wait_for_status(client, job)
    assert document["status"] == "success" and document["returned"] == {"child": "hi"}
    finished = [e for e in events if e["kind"] == "job_finished"]
    assert events[-1]["kind"] == "job_finished" and events[-1]["job_id"] == job
    assert any(e["activity"] == "after" for e in events if e["kind"] == "instance_finished"), \
        "the stream stopped at the child's end"
    assert {e["job_id"] for e in finished} == {job}, finished
