"""A job's events over Server-Sent Events, against a real `interlock server` on 127.0.0.1: the VM
Checkpoint runbook started over the API on a simulated lab; the stream a client reads ends with the
same counts as the stored job, and a client that reconnects with Last-Event-ID misses nothing and sees
nothing twice — also when it is further behind than the server's in-memory buffer (8 events here)."""

from __future__ import annotations

import threading

import api_support
import httpx
from api_support import counts, read_stream, result_counts, wait_for_status
from servers.interlock_server import InterlockServer

BATCH = {"Batch Number": "1"}
BATCH_VMS = 12

api_server = api_support.api_server  # one real server for the module (a fixture)


def start_checkpoint(client: httpx.Client) -> str:
    answer = client.post("/api/v1/jobs", json={"runbook": "vm/vm-checkpoint.json", "parameters": BATCH})
    assert answer.status_code == 202, answer.text
    return answer.json()["job_id"]


def test_the_stream_of_vm_checkpoint_ends_with_the_counts_of_the_stored_job(
        api_server: InterlockServer) -> None:
    with api_server.client() as client:
        job = start_checkpoint(client)
        streamed = read_stream(client, job)
        document = wait_for_status(client, job)
    numbers = [number for number, _ in streamed]
    assert numbers == list(range(1, len(numbers) + 1))  # every event once, in order
    events = [event for _, event in streamed]
    assert events[0]["kind"] == "job_started" and events[-1]["kind"] == "job_finished"
    assert events[-1]["status"] == document["status"] == "success"
    assert {e["job_id"] for e in events} == {job}
    assert counts(events) == result_counts(document)
    assert counts(events)[("start_vm", "success")] == len([1 for i in range(1, BATCH_VMS + 1) if i % 2])
    assert counts(events)[("new_checkpoint", "success")] == BATCH_VMS


def test_a_client_that_reconnects_with_last_event_id_misses_nothing(api_server: InterlockServer) -> None:
    with api_server.client() as client:
        job = start_checkpoint(client)
        seen: list[tuple[int, dict]] = []
        drops = 0
        while not seen or seen[-1][1]["kind"] != "job_finished":
            # drop the connection every 5 events, and come back from the last id seen
            seen += read_stream(client, job, last_event_id=seen[-1][0] if seen else None, stop_after=5)
            drops += 1
        document = wait_for_status(client, job)
        replayed = read_stream(client, job)  # the whole stream again, after the end: from the history
    assert drops > 3
    assert [n for n, _ in seen] == list(range(1, len(seen) + 1))
    assert seen == replayed
    assert counts([e for _, e in seen]) == result_counts(document)


def test_a_late_client_gets_the_stored_events_then_the_live_ones(api_server: InterlockServer) -> None:
    """Streams that start late (behind the buffer) and one that starts at once read the same events."""
    with api_server.client() as client:
        job = start_checkpoint(client)
        early: list[tuple[int, dict]] = []
        reader = threading.Thread(target=lambda: early.extend(read_stream(client, job)))
        reader.start()
        late_from_middle = read_stream(client, job, last_event_id=20)
        reader.join(timeout=60)
    assert early and early[-1][1]["kind"] == "job_finished"
    assert late_from_middle == early[20:]


def test_the_stream_of_an_unknown_job_is_a_404_and_a_bad_last_event_id_a_422(
        api_server: InterlockServer) -> None:
    with api_server.client() as client:
        missing = client.get("/api/v1/jobs/no-such-job/events")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        job = client.post("/api/v1/jobs",
                          json={"runbook": "ops/echo.json", "parameters": {"Name": "x"}}).json()
        bad = client.get(f"/api/v1/jobs/{job['job_id']}/events", headers={"Last-Event-ID": "banana"})
        assert bad.status_code == 422 and "Last-Event-ID" in bad.json()["detail"]
    assert httpx.get(f"{api_server.url}/api/v1/jobs/{job['job_id']}/events").status_code == 401
