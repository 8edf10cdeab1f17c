"""Fuzzing the runbook reader (issue 14, item 3): mutated runbook files — bytes flipped, values
replaced by hostile ones (deep nesting, huge numbers, NaN, lone surrogates, broken references), keys
duplicated or dropped — given to `interlock validate` and `interlock run` in-process. Every answer is
exit 0 or 2 with a message naming the file, never a traceback; a file that validates also loads, saves
and reloads to the same runbook."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import main
from engine.config.registry import Registry
from engine.format.fileio import dumps_runbook, load_runbook

ROOT = Path(__file__).resolve().parents[3]
SEEDS = [(ROOT / "resources/examples/vm-checkpoint.json").read_text(encoding="utf-8"),
         *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/engine/run/fixtures").glob("*.json"))
           if not p.name.endswith(".expected.json"))]
REGISTRY = Registry.from_entry_points()


def raw_json(text: str) -> tuple[str, str]:
    """JSON text to put in place of a value as it is (json.dumps cannot write these). A tuple, as no
    JSON value is one; a str subclass confuses hypothesis's choice sequences."""
    return ("raw", text)


HOSTILE = st.one_of(
    st.integers(1, 3000).map(lambda n: raw_json("[" * n + "]" * n)),
    st.integers(1, 3000).map(lambda n: raw_json('{"a":' * n + "1" + "}" * n)),
    st.integers(1, 6000).map(lambda n: raw_json("9" * n)),
    st.sampled_from(["NaN", "-Infinity", "1e999", "-0.0", '"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"',
                     '"\\u0000"', '"\\u001b[2K"']).map(raw_json),
    st.sampled_from(["{{", "{{}}", "{{ }}", "{{a.", "{{.x}}", "{{get_vms.vm_name", "{{custom_start.}}",
                     "\\{{x", "{{{{a.b}}}}", "{{custom_start.Batch Number}}", "{{get_vms.vm_name}}}",
                     "x{{Get VMs.vm_name}}y", "\\{{get_vms.vm_name}}"]),
    st.text(max_size=20), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.none(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def paths_in(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_in(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths_in(child, (*path, i))
    return found


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def mutated_structure(draw: st.DrawFn) -> bytes:
    """A seed with one to three values replaced, keys duplicated or keys dropped."""
    data = json.loads(draw(st.sampled_from(SEEDS)))
    raw: dict[str, str] = {}
    for n in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_in(data)))
        target = at(data, path[:-1]) if path else None
        action = draw(st.sampled_from(["replace", "replace", "duplicate", "drop"]))
        marker = f"@@{n}@@"
        if action == "duplicate" and isinstance(at(data, path), dict) and at(data, path):
            obj = at(data, path)
            key = draw(st.sampled_from(sorted(obj)))
            obj[marker] = None  # becomes a second `key` below
            again = draw(st.sampled_from(["1", '"x"', "null", "[]", "{}"]))
            raw[f'"{marker}": null'] = f"{json.dumps(key)}: {again}"
        elif action == "drop" and path and isinstance(target, dict):
            del target[path[-1]]
        elif path:
            value = draw(HOSTILE)
            if isinstance(value, tuple):
                raw[json.dumps(marker)] = value[1]
                value = marker
            target[path[-1]] = value
    text = json.dumps(data, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    for marker, replacement in raw.items():
        text = text.replace(marker, replacement)
    return text.encode("utf-8")


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    """A seed with bytes flipped, inserted, deleted, or cut short."""
    data = bytearray(draw(st.sampled_from(SEEDS)).encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"{", b"[", b"}", b"]", b'"', b"\\", b",", b"\x00", b"\xff",
                                                  b"\xed\xa0\x80", b"{{", b"\\u", b"9" * 50, b"\n"]))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 8))]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def check(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.json"
        path.write_bytes(content)
        code, output = cli("validate", str(path))
        assert code in (0, 2), output
        assert "Traceback" not in output
        assert output.startswith(f"{path}: "), output
        if code == 2:
            # An invalid file is refused by run too, before anything runs or is recorded.
            code, output = cli("run", str(path), "--config", str(Path(folder) / "none.toml"))
            assert code == 2 and "Traceback" not in output and str(path) in output, output
            return
        runbook = load_runbook(path, REGISTRY)
        saved = Path(folder) / "saved.json"
        saved.write_text(dumps_runbook(runbook), encoding="utf-8")
        assert dumps_runbook(load_runbook(saved, REGISTRY)) == dumps_runbook(runbook)


FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(mutated_structure())
def test_mutated_runbook_structure_is_valid_or_refused_with_a_message(content: bytes) -> None:
    check(content)


@FUZZ
@given(mutated_bytes())
def test_mutated_runbook_bytes_are_valid_or_refused_with_a_message(content: bytes) -> None:
    check(content)
