"""Global variables in the config (DESIGN §6.1): `[variables]` holds text, `{ env = "X" }` or
`{ keyring = "service:user" }`; a mistake names the file and the variable; secret ones are redacted."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from test_connections import memory_keyring  # noqa: F401  (a fixture: the in-memory OS keyring)

from engine.config import redaction
from engine.config.redaction import Redactor, secret_env_names
from engine.config.secrets import resolve_variable
from engine.config.settings import Config, Variable, load_config
from engine.errors import ConfigError


@pytest.fixture(autouse=True)
def nothing_read_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_remembered", frozenset())


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interlock.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_env_and_keyring_variables_are_read(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, """
[variables]
"Mail Server" = "smtp.contoso.local"
"Svc Password" = { env = "INTERLOCK_TEST_SVC_PASSWORD" }
"Api Token" = { keyring = "interlock:api" }
"""))
    assert config.variables["Mail Server"] == Variable(value="smtp.contoso.local")
    assert not config.variables["Mail Server"].secret
    assert config.variables["Svc Password"].env == "INTERLOCK_TEST_SVC_PASSWORD"
    assert config.variables["Svc Password"].secret and config.variables["Api Token"].secret
    assert config.variables["Api Token"].keyring == "interlock:api"
    assert Config().variables == {}


@pytest.mark.parametrize(("entry", "message"), [
    ('"Count" = 5', "text"),
    ('"Both" = { env = "A", keyring = "s:u" }', "only one of"),
    ('"Empty" = {}', "value, env or keyring"),
    ('"Odd" = { env = "A", colour = "red" }', "colour"),
    ('"Ring" = { keyring = "no-colon" }', '"service:user"'),
    ('"{Braced}" = "x"', "braces"),
    ('" padded " = "x"', "spaces"),
    ('"" = "x"', "empty"),
])
def test_a_bad_variable_names_the_file_and_the_variable(tmp_path: Path, entry: str, message: str) -> None:
    path = config_file(tmp_path, f"[variables]\n{entry}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert str(path) in text and "variables" in text and message in text, text


def test_secret_variables_are_redacted(monkeypatch: pytest.MonkeyPatch,
                                       memory_keyring: object) -> None:  # noqa: F811
    monkeypatch.setenv("INTERLOCK_TEST_SVC_PASSWORD", "env-s3cret-value")
    keyring.set_password("interlock", "api", "keyring-s3cret-value")
    config = Config(variables={"Svc Password": Variable(env="INTERLOCK_TEST_SVC_PASSWORD"),
                               "Api Token": Variable(keyring="interlock:api"),
                               "Mail Server": Variable(value="smtp.contoso.local")})
    assert secret_env_names(config) == {"INTERLOCK_TEST_SVC_PASSWORD"}
    redactor = Redactor.for_config(config)
    assert redactor  # active even before the keyring entry is read
    assert redactor.text("pw env-s3cret-value via smtp.contoso.local") == "pw *** via smtp.contoso.local"
    assert resolve_variable("Api Token", config.variables["Api Token"]) == "keyring-s3cret-value"
    assert redactor.text("token keyring-s3cret-value") == "token ***"
    assert resolve_variable("Mail Server", config.variables["Mail Server"]) == "smtp.contoso.local"


def test_a_secret_variable_that_cannot_be_read_says_which_and_where(monkeypatch: pytest.MonkeyPatch,
                                                                    memory_keyring: object) -> None:  # noqa: F811
    monkeypatch.delenv("INTERLOCK_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError, match=r'variable "Svc Password".*INTERLOCK_TEST_UNSET.*not set'):
        resolve_variable("Svc Password", Variable(env="INTERLOCK_TEST_UNSET"))
    with pytest.raises(ConfigError, match=r'variable "Api Token".*no entry "api" for service "interlock"'):
        resolve_variable("Api Token", Variable(keyring="interlock:api"))
