"""The scom back-end against the fake WS-Management endpoint: maintenance windows start and end on the
management server it targets, objects are found by display name, SCOM's rules are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from winrm_fake_server import FakeWinRm, serve
from winrm_fake_shell import FakeObject, FakeState
from winrm_support import open_backend

from nodes.backends.interface import BackendError, utc_now
from nodes.backends.winrm.scom import ScomBackend


def group() -> FakeState:
    return FakeState(management_servers={"scom01.contoso.local"}, objects=[
        FakeObject("web01.contoso.local"),
        FakeObject("db01"), FakeObject("db01.contoso.local"),
        FakeObject("sql01.contoso.local"), FakeObject("sql01.contoso.local", "Microsoft.SQLServer.DBEngine"),
    ])


@pytest.fixture
def fake() -> Iterator[FakeWinRm]:
    with serve(group()) as endpoint:
        yield endpoint


@pytest.fixture
def scom(fake, monkeypatch) -> ScomBackend:
    return open_backend(monkeypatch, fake.port, "scom", management_server="scom01.contoso.local")


def obj(fake: FakeWinRm, name: str, class_name: str = "Microsoft.Windows.Computer") -> FakeObject:
    return next(o for o in fake.state.objects if o.display_name == name and o.class_name == class_name)


async def test_start_then_stop_maintenance_of_a_computer_found_by_its_short_name(fake, scom):
    record = await scom.start_maintenance("web01", "PlannedHardwareMaintenance", 30, "batch 1")
    assert (record.object, record.reason, record.comment) == \
        ("web01.contoso.local", "PlannedHardwareMaintenance", "batch 1")
    start, end = datetime.fromisoformat(record.start_time), datetime.fromisoformat(record.end_time)
    assert end - start == timedelta(minutes=30) and abs(utc_now() - start) < timedelta(seconds=10)
    started = fake.invocations[-1]
    connect = started.call("New-SCOMManagementGroupConnection")
    assert connect.param("ComputerName").field == "management_server"
    assert started.inputs["management_server"] == "scom01.contoso.local"
    assert started.call("Start-SCOMMaintenanceMode").has("Instance", "EndTime", "Reason", "Comment")
    assert any(call.has("DisplayName") for call in started.all("Get-SCOMClassInstance"))
    (window,) = obj(fake, "web01.contoso.local").windows
    assert (window.reason, window.comments, window.end) == ("PlannedHardwareMaintenance", "batch 1", None)

    with pytest.raises(BackendError, match="web01 is already in maintenance until "):
        await scom.start_maintenance("web01", "PlannedOther", 30, "again")
    ended = await scom.stop_maintenance("web01")
    assert window.end is not None and datetime.fromisoformat(ended.end_time) < end
    assert ended.start_time == record.start_time
    assert fake.invocations[-1].call("Set-SCOMMaintenanceMode").has("MaintenanceModeEntry", "EndTime")
    with pytest.raises(BackendError, match="web01 is not in maintenance"):
        await scom.stop_maintenance("web01")


async def test_an_exact_display_name_wins_over_a_domain_name(fake, scom):
    assert (await scom.start_maintenance("db01", "PlannedOther", 5, "")).object == "db01"
    assert obj(fake, "db01.contoso.local").windows == []


async def test_several_matches_ask_for_object_class_which_chooses(fake, scom, monkeypatch):
    with pytest.raises(BackendError) as caught:
        await scom.start_maintenance("sql01", "PlannedOther", 60, "")
    assert "2 monitored objects match 'sql01' on management server scom01.contoso.local via 127.0.0.1 " \
           "(sql01.contoso.local (Microsoft.Windows.Computer:sql01.contoso.local), sql01.contoso.local " \
           "(Microsoft.SQLServer.DBEngine:sql01.contoso.local)): set object_class" in str(caught.value)
    computers = open_backend(monkeypatch, fake.port, "scom", management_server="scom01.contoso.local",
                             object_class="Microsoft.Windows.Computer")
    await computers.start_maintenance("sql01", "PlannedOther", 60, "")
    assert fake.invocations[-1].call("Get-SCOMClass").has("Name")
    assert len(obj(fake, "sql01.contoso.local").windows) == 1
    assert obj(fake, "sql01.contoso.local", "Microsoft.SQLServer.DBEngine").windows == []
    unknown = open_backend(monkeypatch, fake.port, "scom", management_server="scom01.contoso.local",
                           object_class="Contoso.Nothing")
    with pytest.raises(BackendError, match=r"no class named 'Contoso\.Nothing'"):
        await unknown.stop_maintenance("sql01")
    with pytest.raises(BackendError, match="no monitored object with display name 'nope'"):
        await scom.stop_maintenance("nope")


async def test_reason_and_duration_follow_scoms_rules_before_any_call(fake, scom):
    with pytest.raises(BackendError, match="reason 'Lunch' is not one of SCOM's: PlannedOther, "):
        await scom.start_maintenance("web01", "Lunch", 30, "")
    with pytest.raises(BackendError, match="duration_min 4 is too short: SCOM needs at least 5"):
        await scom.start_maintenance("web01", "PlannedOther", 4, "")
    assert fake.invocations == []
