"""The `alertmanager` back-end against a real Alertmanager 0.25: what the server holds after each
operation (GET /api/v2/silences), which silences a stop leaves alone, and the errors a user sees.
Every test uses its own object names, so they share one server."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from am_loopback import bearer_proxy, busy_proxy, serve
from amserver import Alertmanager, running_alertmanager

from engine.config.connections import Connections
from engine.config.connections import test_connection as connection_test
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.errors import ConfigError
from nodes.backends.alertmanager import AlertmanagerBackend
from nodes.backends.alertmanager.silences import decode_comment, encode_comment
from nodes.backends.interface import BackendError, iso_utc

KINDS = Registry.from_entry_points().backends


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    with running_alertmanager(tmp_path_factory.mktemp("alertmanager")) as server:
        yield server


def connections(**keys: Any) -> Connections:
    return Connections(Config(connections={"am": Connection(kind="alertmanager", **keys)}), KINDS)


def open_am(url: str, **keys: Any) -> AlertmanagerBackend:
    backend = connections(url=url, **keys).get("am")
    assert isinstance(backend, AlertmanagerBackend)
    return backend


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def only(silences: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(silences) == 1, silences
    return silences[0]


# -- what start and stop do on the server ---------------------------------------------------------------

async def test_start_creates_one_silence_for_the_object(alertmanager: Alertmanager):
    record = await open_am(alertmanager.url).start_maintenance("web-start", "PlannedHardwareMaintenance", 45,
                                                               "new disks")
    held = only(alertmanager.silences(instance="web-start"))
    assert held["status"]["state"] == "active"
    assert held["matchers"] == [{"name": "instance", "value": "web-start", "isRegex": False, "isEqual": True}]
    assert held["createdBy"] == "interlock"
    assert held["comment"] == "PlannedHardwareMaintenance: new disks"
    planned = when(held["endsAt"]) - when(held["startsAt"])
    assert abs(planned - timedelta(minutes=45)) < timedelta(seconds=2)
    # the published row is the server's silence, in the records' UTC form
    assert record.row() == {"object": "web-start", "reason": "PlannedHardwareMaintenance",
                            "comment": "new disks", "start_time": iso_utc(when(held["startsAt"])),
                            "end_time": iso_utc(when(held["endsAt"]))}
    assert record.start_time.endswith("+00:00")


async def test_stop_expires_only_our_window_on_that_object(alertmanager: Alertmanager):
    am = open_am(alertmanager.url)
    started = await am.start_maintenance("db-stop", "PlannedOther", 60, "")
    other_object = await am.start_maintenance("db-other", "PlannedOther", 60, "")
    by_a_person = alertmanager.add_silence({"instance": "db-stop"}, created_by="alice")
    wider = alertmanager.add_silence({"instance": "db-stop", "job": "node"}, created_by="interlock")

    ended = await am.stop_maintenance("db-stop")

    states = {s["createdBy"] + "/" + str(len(s["matchers"])): s["status"]["state"]
              for s in alertmanager.silences(instance="db-stop")}
    assert states == {"interlock/1": "expired", "alice/1": "active", "interlock/2": "active"}
    assert alertmanager.silence(by_a_person)["status"]["state"] == "active"
    assert alertmanager.silence(wider)["status"]["state"] == "active"
    assert only(alertmanager.silences(instance="db-other"))["status"]["state"] == "active"
    # the window as ended: its start, and the server's end after expiry (now, before the planned end)
    ours = next(s for s in alertmanager.silences(instance="db-stop") if s["status"]["state"] == "expired")
    assert ended.start_time == started.start_time
    assert ended.end_time == iso_utc(when(ours["endsAt"]))
    assert when(started.start_time) <= when(ended.end_time) < when(started.end_time)
    assert other_object.object == "db-other"

    with pytest.raises(BackendError) as caught:
        await am.stop_maintenance("db-stop")
    assert str(caught.value) == ('stop maintenance db-stop on connection "am": no active maintenance '
                                 'created by "interlock" (no active silence whose only matcher is '
                                 'instance="db-stop")')


async def test_stop_ends_every_window_of_ours_on_the_object(alertmanager: Alertmanager):
    """Two of our windows on one object (another Interlock with the same created_by, or one made by
    amtool as "interlock"): stop ends both, and publishes the span they covered."""
    first = alertmanager.add_silence({"instance": "dup01"}, created_by="interlock", minutes=30,
                                     comment="PlannedOther: first")
    second = alertmanager.add_silence({"instance": "dup01"}, created_by="interlock", minutes=90)
    ended = await open_am(alertmanager.url).stop_maintenance("dup01")
    held = [alertmanager.silence(first), alertmanager.silence(second)]
    assert [s["status"]["state"] for s in held] == ["expired", "expired"]
    assert ended.start_time == iso_utc(when(held[0]["startsAt"]))
    assert ended.end_time == iso_utc(max(when(s["endsAt"]) for s in held))
    assert (ended.reason, ended.comment) == ("PlannedOther", "first")


@pytest.mark.parametrize(("reason", "comment", "written"), [
    ("PlannedOther", "VM checkpoint of batch 1", "PlannedOther: VM checkpoint of batch 1"),
    ("SecurityIssue", "", "SecurityIssue"),
    ("UnplannedOther", "PlannedOther: nested", "UnplannedOther: PlannedOther: nested"),
])
def test_the_reason_rides_in_the_comment(reason: str, comment: str, written: str):
    assert encode_comment(reason, comment) == written
    assert decode_comment(written) == (reason, comment)
    assert decode_comment("patching, ask Bob: ext 42") == ("", "patching, ask Bob: ext 42")  # a person's


async def test_a_second_start_on_the_same_object_is_refused(alertmanager: Alertmanager):
    am = open_am(alertmanager.url)
    first = await am.start_maintenance("app-twice", "PlannedOther", 30, "")
    already = re.escape(f'start maintenance app-twice on connection "am": app-twice is already in '
                        f"maintenance until {first.end_time} (silence ")
    with pytest.raises(BackendError, match=already):
        await am.start_maintenance("app-twice", "PlannedOther", 30, "")
    assert len(alertmanager.silences(instance="app-twice")) == 1


async def test_label_and_created_by_are_the_connections(alertmanager: Alertmanager):
    ours = open_am(alertmanager.url, label="hostname", created_by="runbooks")
    await ours.start_maintenance("cache-label", "UnplannedOther", 10, "cache stuck")
    held = only(alertmanager.silences(hostname="cache-label"))
    assert held["matchers"][0]["name"] == "hostname" and held["createdBy"] == "runbooks"
    assert alertmanager.silences(instance="cache-label") == []
    # another connection's created_by (or label) does not end it
    for stranger in (open_am(alertmanager.url, label="hostname"), open_am(alertmanager.url)):
        with pytest.raises(BackendError, match="no active maintenance"):
            await stranger.stop_maintenance("cache-label")
    assert (await ours.stop_maintenance("cache-label")).reason == "UnplannedOther"
    assert only(alertmanager.silences(hostname="cache-label"))["status"]["state"] == "expired"


@pytest.mark.parametrize("name", ["node07:9100", 'odd "quoted" \\ name', "ünïcode-host"])
async def test_object_names_are_matched_exactly(alertmanager: Alertmanager, name: str):
    am = open_am(alertmanager.url)
    await am.start_maintenance(name, "PlannedOther", 10, "")
    alertmanager.add_silence({"instance": name + "x"}, created_by="interlock")  # a longer name: not ours
    assert (await am.stop_maintenance(name)).object == name
    held = {s["matchers"][0]["value"]: s["status"]["state"] for s in alertmanager.silences()
            if s["matchers"][0]["value"] in (name, name + "x")}
    assert held == {name: "expired", name + "x": "active"}


async def test_a_wave_of_parallel_windows(alertmanager: Alertmanager):
    """As the runbook does for a batch: 30 objects at once on one connection (Alertmanager refuses
    GETs beyond 8 at a time; the connection bounds and retries)."""
    am = open_am(alertmanager.url)
    names = [f"wave{n:02}" for n in range(30)]
    await asyncio.gather(*(am.start_maintenance(n, "PlannedOther", 15, "wave") for n in names))
    ended = await asyncio.gather(*(am.stop_maintenance(n) for n in names))
    assert [e.object for e in ended] == names
    for name in names:
        assert only(alertmanager.silences(instance=name))["status"]["state"] == "expired"


def test_one_connection_serves_jobs_on_different_event_loops(alertmanager: Alertmanager):
    """The engine opens a connection once and runs jobs on new loops (designer, tests): one after
    another, and two at once in two threads."""
    am = open_am(alertmanager.url)
    asyncio.run(am.start_maintenance("loop-a", "PlannedOther", 10, ""))
    asyncio.run(am.stop_maintenance("loop-a"))
    failures: list[BaseException] = []

    def job(name: str) -> None:
        async def cycle() -> None:
            await am.start_maintenance(name, "PlannedOther", 10, "")
            await am.stop_maintenance(name)
        try:
            asyncio.run(cycle())
        except BaseException as exc:  # reported below, with the thread's name
            failures.append(exc)

    threads = [threading.Thread(target=job, args=(f"loop-{n}",)) for n in "bc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    for name in ("loop-a", "loop-b", "loop-c"):
        assert only(alertmanager.silences(instance=name))["status"]["state"] == "expired"


async def test_connection_test_names_the_server_and_our_live_windows(alertmanager: Alertmanager):
    found = connections(url=alertmanager.url, created_by="probe-test")
    await found.get("am").start_maintenance("probe01", "PlannedOther", 10, "")
    alertmanager.add_silence({"instance": "probe02"}, created_by="alice")
    ok, message = await connection_test(found, "am")
    assert ok, message
    assert message.startswith(f"Alertmanager 0.25.0 at {alertmanager.url} (cluster disabled); 1 live "
                              f'silences made by "probe-test" (')
    ok, message = await connection_test(connections(url="http://127.0.0.1:1"), "am")
    assert not ok
    assert 'test connection on connection "am": cannot connect to Alertmanager at http://127.0.0.1:1: ' \
           "Connection refused" in message


# -- errors --------------------------------------------------------------------------------------------

async def test_a_closed_port_fails_at_once_naming_everything():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    begin = time.monotonic()
    with pytest.raises(BackendError) as caught:
        await open_am(url).start_maintenance("web01", "PlannedOther", 10, "")
    assert time.monotonic() - begin < 2
    message = str(caught.value)
    assert message.startswith('start maintenance web01 on connection "am": cannot connect to Alertmanager at '
                              f"{url}: ")
    assert message.endswith(": Connection refused (is the url right and the server up?)")


async def test_a_server_that_never_answers_is_bounded_by_timeout_s():
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        begin = time.monotonic()
        with pytest.raises(BackendError, match=r'stop maintenance web01 on connection "am": Alertmanager at '
                                               r".* did not answer GET /api/v2/silences within 0.3 s "
                                               r"\(timeout_s\)"):
            await open_am(url, timeout_s=0.3).stop_maintenance("web01")
        assert time.monotonic() - begin < 2


async def test_alertmanagers_own_error_is_shown(alertmanager: Alertmanager):
    # A window that ends before it starts: Alertmanager refuses it and says why.
    with pytest.raises(BackendError) as caught:
        await open_am(alertmanager.url).start_maintenance("neg-window", "PlannedOther", -5, "")
    message = str(caught.value)
    assert message.startswith('start maintenance neg-window on connection "am": POST /api/v2/silences at '
                              f"{alertmanager.url}: HTTP 400 Bad Request: ")
    assert "end time" in message.lower()
    assert alertmanager.silences(instance="neg-window") == []


async def test_a_wrong_url_path_is_named(alertmanager: Alertmanager):
    with pytest.raises(BackendError, match=r"GET /alertmanager/api/v2/silences at .*: HTTP 404 Not Found"):
        await open_am(alertmanager.url + "/alertmanager").stop_maintenance("web01")


async def test_an_answer_that_is_not_json_is_named():
    def html(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        return 200, "text/html", b"<html><body>Welcome to the intranet</body></html>"

    with serve(html) as url, pytest.raises(BackendError) as caught:
        await open_am(url).stop_maintenance("web01")
    assert str(caught.value) == (f'stop maintenance web01 on connection "am": GET /api/v2/silences at {url} '
                                 "answered with something that is not JSON ('<html><body>Welcome to the "
                                 "intranet</body></html>'): is url the Alertmanager itself?")


async def test_bearer_token_is_sent_and_never_shown(alertmanager: Alertmanager, monkeypatch):
    """Alertmanager has no login of its own: behind a proxy that wants a token, the token goes as a
    bearer header; a refusal names where the token comes from, never the token."""
    seen: list[str] = []
    monkeypatch.setenv("INTERLOCK_TEST_AM_TOKEN", "s3cret-t0ken")
    with serve(bearer_proxy(alertmanager.url, "s3cret-t0ken", seen)) as proxy:
        am = open_am(proxy, token_env="INTERLOCK_TEST_AM_TOKEN")
        await am.start_maintenance("behind-proxy", "PlannedOther", 10, "")
        await am.stop_maintenance("behind-proxy")
        assert set(seen) == {"Bearer s3cret-t0ken"} and len(seen) == 6  # GET POST GET, GET DELETE GET
        assert only(alertmanager.silences(instance="behind-proxy"))["status"]["state"] == "expired"
        assert "s3cret" not in repr(am.api.endpoint)

        monkeypatch.setenv("INTERLOCK_TEST_AM_TOKEN", "wr0ng-t0ken")
        with pytest.raises(BackendError) as caught:
            wrong = open_am(proxy, token_env="INTERLOCK_TEST_AM_TOKEN")
            await wrong.start_maintenance("behind-proxy", "PlannedOther", 10, "")
        message = str(caught.value)
        assert 'HTTP 401 Unauthorized: the server refused the bearer token from token_env ' \
               '"INTERLOCK_TEST_AM_TOKEN"' in message
        assert "wr0ng" not in message and seen[-1] == "Bearer wr0ng-t0ken"  # echoed by the proxy, redacted

        with pytest.raises(BackendError, match="wants a login: set token_env or token_keyring"):
            await open_am(proxy).stop_maintenance("behind-proxy")
        assert seen[-1] == ""


# -- configuration -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("keys", "says"), [
    ({}, 'key "url": Field required'),
    ({"url": "alertmanager:9093"}, 'key "url": must be an http:// or https:// URL'),
    ({"url": "ftp://am:21"}, 'key "url": must be an http:// or https:// URL'),
    ({"url": "http://bob:pw@am:9093"}, 'key "url": must not hold credentials'),
    ({"url": "http://am:9093/?x=1"}, 'key "url": must be the base URL'),
    ({"url": "http://am:9093", "urll": "x"}, 'key "urll": unknown key'),
    ({"url": "http://am:9093", "label": "9lives"}, 'key "label": \'9lives\' is not a label name'),
    ({"url": "http://am:9093", "timeout_s": 0}, 'key "timeout_s": Input should be greater than 0'),
    ({"url": "http://am:9093", "created_by": ""}, 'key "created_by": String should have at least 1'),
    ({"url": "https://am:9093", "verify": False, "ca_file": "ca.pem"},
     "ca_file has no use with verify = false"),
    ({"url": "https://am:9093", "ca_file": "missing-ca.pem"}, 'key "ca_file": .*missing-ca.pem not found'),
    ({"url": "http://am:9093", "token_env": "INTERLOCK_TEST_UNSET"},
     '"token_env" names the environment variable INTERLOCK_TEST_UNSET, which is not set'),
])
def test_bad_options_are_config_errors(keys: dict[str, Any], says: str, monkeypatch):
    monkeypatch.delenv("INTERLOCK_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError, match=says):
        connections(**keys).check("am")
    with pytest.raises(ConfigError, match=says):
        connections(**keys).get("am")


def test_a_plain_token_in_the_config_is_refused():
    with pytest.raises(ValueError, match='"token" must not be written in the file: use token_env'):
        Connection(kind="alertmanager", url="http://am:9093", token="s3cret")


def test_a_ca_file_is_loaded(tmp_path: Path):
    import ssl

    bundle = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    if not bundle.is_file():
        pytest.skip("no system CA bundle to copy")
    (tmp_path / "ca.pem").write_bytes(bundle.read_bytes())
    (tmp_path / "junk.pem").write_text("not a certificate")
    config = Config(connections={name: Connection(kind="alertmanager", url="https://am:9093", ca_file=file)
                                 for name, file in (("ok", "ca.pem"), ("bad", "junk.pem"))},
                    source=tmp_path / "interlock.toml")
    found = Connections(config, KINDS)
    assert isinstance(found.get("ok").api.endpoint.verify, ssl.SSLContext)
    with pytest.raises(ConfigError, match=r"connections\.bad: key .ca_file.:.*junk\.pem holds no usable"):
        found.check("bad")


async def test_a_busy_alertmanager_is_asked_again_then_reported(alertmanager):
    """Alertmanager refuses GETs beyond its concurrency limit with 503: a GET is tried again after
    0.2, 0.5 and 1 s, and a server still busy after that is reported with its own words."""
    seen: list[tuple[str, int]] = []
    with serve(busy_proxy(alertmanager.url, 2, seen)) as proxy:
        record = await open_am(proxy).start_maintenance("busy01", "PlannedOther", 10, "")
    assert record.object == "busy01"
    assert seen[:3] == [("GET", 503), ("GET", 503), ("GET", 200)]
    assert only(alertmanager.silences(instance="busy01"))["status"]["state"] == "active"

    seen.clear()
    with serve(busy_proxy(alertmanager.url, 10, seen)) as proxy, pytest.raises(BackendError) as caught:
        await open_am(proxy).stop_maintenance("busy01")
    assert seen == [("GET", 503)] * 4  # the first try and three more, then it gives up
    assert "503" in str(caught.value) and "limit of concurrent GET requests" in str(caught.value)
