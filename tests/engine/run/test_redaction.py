"""Redaction: the values of the config's secrets are shown `***` in whatever leaves the engine (events to
every subscriber, the job result), wherever they sit in it; with no secret configured nothing is wrapped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import load_runbook
from engine.config import redaction, secrets
from engine.config.redaction import MIN_SECRET_LENGTH, Redactor, secret_env_names
from engine.config.registry import Registry
from engine.config.settings import Config, Connection
from engine.run.events import Event
from engine.run.executor import Engine
from engine.run.services import PausePoint

PASSWORD = "hunter2-but-longer"
TOKEN = "tok-0123456789"


def secret_config(**extra: str) -> Config:
    return Config(connections={
        "vmm01": Connection(kind="scvmm", host="vmm01", password_env="TEST_REDACT_PASSWORD"),
        "alerts": Connection(kind="alertmanager", url="http://127.0.0.1:1", token_env="TEST_REDACT_TOKEN",
                             **extra),
    })


@pytest.fixture(autouse=True)
def nothing_read_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets read by other tests in this process are not this test's."""
    monkeypatch.setattr(redaction, "_remembered", frozenset())


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_REDACT_PASSWORD", PASSWORD)
    monkeypatch.setenv("TEST_REDACT_TOKEN", TOKEN)


def test_secret_env_names_are_every_env_option_of_every_connection() -> None:
    assert secret_env_names(secret_config()) == {"TEST_REDACT_PASSWORD", "TEST_REDACT_TOKEN"}
    assert secret_env_names(Config()) == frozenset()


def test_values_are_replaced_in_nested_data_and_untouched_data_is_not_copied(secret_env: None) -> None:
    redactor = Redactor.for_config(secret_config())
    data = {"rows": [{"stdout": f"pw={PASSWORD}\ntoken {TOKEN}!", "n": 3}], PASSWORD: (TOKEN, 1.5)}
    assert redactor.value(data) == {"rows": [{"stdout": "pw=***\ntoken ***!", "n": 3}], "***": ("***", 1.5)}
    clean = {"rows": [{"stdout": "nothing here", "ok": True}], "list": ["a", "b"]}
    assert redactor.value(clean) is clean


def test_the_longest_secret_wins_and_short_values_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_REDACT_PASSWORD", "abc")  # too short: would mangle ordinary output
    monkeypatch.setenv("TEST_REDACT_TOKEN", "secret-and-more")
    monkeypatch.setenv("TEST_REDACT_OTHER", "secret")
    redactor = Redactor.for_config(secret_config(other_env="TEST_REDACT_OTHER"))
    assert MIN_SECRET_LENGTH == 4
    assert redactor.text("abc secret-and-more secret") == "abc *** ***"


def test_no_secret_configured_means_no_wrapping() -> None:
    assert not Redactor.for_config(Config())
    engine = Engine(Config(), Registry.from_entry_points())
    assert engine.redactor is None


def runbook(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "rb.json"
    path.write_text(json.dumps({"format": "interlock.runbook/1", "name": "Returns", "activities": [
        {"id": "back", "type": "core.return_data", "name": "Back", "properties": {"data": data}}],
        "links": []}), encoding="utf-8")
    return path


async def test_events_and_result_are_redacted_for_every_subscriber(tmp_path: Path, secret_env: None) -> None:
    engine = Engine(secret_config(), Registry.from_entry_points())
    first: list[Event] = []
    second: list[Event] = []
    result = await engine.run(load_runbook(runbook(tmp_path, {"pw": PASSWORD, "plain": "visible"})),
                              sinks=[first.append, second.append])
    dumped = json.dumps(result.model_dump(mode="json"))
    assert PASSWORD not in dumped and result.returned == {"pw": "***", "plain": "visible"}
    for events in (first, second):
        text = "".join(e.to_json() for e in events)
        assert PASSWORD not in text and '"pw": "***"' in text
    assert [type(e) for e in first] == [type(e) for e in second]


async def test_a_secret_resolved_later_is_redacted_too(tmp_path: Path, secret_env: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyring password is read when its connection opens, after the engine was made: once read, it
    is known to every redactor."""
    engine = Engine(secret_config(), Registry.from_entry_points())
    late = "from-the-keyring-42"
    monkeypatch.setattr(secrets, "_from_keyring", lambda entry, key, where: late)
    assert secrets.resolve_secret({"password_keyring": "svc:user"}, "password", "here") == late
    result = await engine.run(load_runbook(runbook(tmp_path, {"pw": late})))
    assert result.returned == {"pw": "***"}


async def test_the_testers_pause_shows_inputs_masked(tmp_path: Path, secret_env: None) -> None:
    """The designer's step mode shows an instance's resolved inputs before it runs: masked too."""
    engine = Engine(secret_config(), Registry.from_entry_points())
    seen: list[PausePoint] = []

    async def pause(point: PausePoint) -> None:
        seen.append(point)

    handle = engine.start(load_runbook(runbook(tmp_path, {"pw": TOKEN})), before_instance=pause)
    result = await handle.wait()
    assert result.returned == {"pw": "***"}
    assert [p.inputs for p in seen] == [{"data": {"pw": "***"}}]
