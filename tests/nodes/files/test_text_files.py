"""Read Line, Append Line and Find Text on this machine and over SFTP: lines by number and range,
encodings (UTF-8, UTF-16 with its byte-order mark, ASCII), line endings, regular expressions."""

from __future__ import annotations

from pathlib import Path

import pytest
from chains import error
from sides import LOCAL, Side, side, sshd  # noqa: F401 (fixtures)

from engine.errors import RunbookError

TEXT = "alpha\nbeta\r\ngamma\ndelta\nepsilon\n"


@pytest.mark.parametrize(("spec", "numbers"), [
    ("1-END", [1, 2, 3, 4, 5]), ("2-3", [2, 3]), ("3", [3]), ("END", [5]), ("1, 4-END", [1, 4, 5]),
    ("4-9", [4, 5]), ("7", []),
])
async def test_read_line_publishes_the_lines_asked_for(side: Side, tmp_path: Path, spec, numbers):
    (tmp_path / "f.txt").write_bytes(TEXT.encode())
    result = await side.one(tmp_path, "files.read_line", path=str(tmp_path / "f.txt"), lines=spec)
    assert result.status == "success", result
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    assert result.rows("it") == [{"line": words[n - 1], "number": n, "path": str(tmp_path / "f.txt")}
                                 for n in numbers]


async def test_read_line_reads_utf16_with_its_byte_order_mark(side: Side, tmp_path: Path):
    (tmp_path / "u.txt").write_bytes("Zürich\r\nKöln\r\n".encode("utf-16"))
    result = await side.one(tmp_path, "files.read_line", path=str(tmp_path / "u.txt"), lines="END")
    assert [r["line"] for r in result.rows("it")] == ["Köln"]
    strict = await side.one(tmp_path, "files.read_line", path=str(tmp_path / "u.txt"), encoding="ascii")
    assert strict.status == "failed"
    assert "is not ascii text" in error(strict, "it")


@pytest.mark.parametrize(("type_", "bad", "message"), [
    ("files.read_line", {"lines": "0-2"}, "key \"properties.lines\": '0-2' is not a line number or range"),
    ("files.read_line", {"lines": "5-2"}, "'5-2': the range ends before it starts"),
    ("files.read_line", {"lines": "first"}, "'first' is not a line number or range: use 3, 1-5, 10-END"),
    ("files.read_line", {"encoding": "klingon"}, "key \"properties.encoding\": unknown encoding 'klingon'"),
    ("files.append_line", {"text": "x", "encoding": "auto"}, "unknown encoding 'auto'"),
    ("files.find_text", {"pattern": "(", "regex": True}, "pattern '(' is not a valid regular expression"),
])
async def test_bad_properties_are_refused_before_the_job_naming_the_key(tmp_path: Path, type_, bad, message):
    with pytest.raises(RunbookError) as refused:
        await LOCAL.one(tmp_path, type_, path="x.txt", **bad)
    assert 'activity "it"' in str(refused.value) and message in str(refused.value)


async def test_append_line_adds_a_line_of_its_own(side: Side, tmp_path: Path):
    path = tmp_path / "app.log"
    path.write_bytes(b"first")  # no line ending at the end
    result = await side.one(tmp_path, "files.append_line", path=str(path), text="second")
    assert result.status == "success", result
    assert path.read_bytes() == b"first\nsecond\n"
    assert result.rows("it") == [{"path": str(path), "text": "second", "size": 13, "created": False}]
    await side.one(tmp_path, "files.append_line", path=str(path), text="third")
    assert path.read_bytes() == b"first\nsecond\nthird\n"


async def test_append_line_creates_the_file_or_fails_when_told(side: Side, tmp_path: Path):
    path = tmp_path / "new.log"
    refused = await side.one(tmp_path, "files.append_line", path=str(path), text="x", create_if_missing=False)
    assert refused.status == "failed"
    assert f"{path}: no such file (set create_if_missing" in error(refused, "it")
    assert not path.exists()
    created = await side.one(tmp_path, "files.append_line", path=str(path), text="x")
    assert created.rows("it")[0]["created"] is True
    assert path.read_text() == "x\n"


async def test_append_line_keeps_utf16_and_crlf_files_as_they_are(side: Side, tmp_path: Path):
    path = tmp_path / "win.txt"
    first = await side.one(tmp_path, "files.append_line", path=str(path), text="Grüße", encoding="unicode",
                           line_ending="crlf")
    assert first.status == "success", first
    await side.one(tmp_path, "files.append_line", path=str(path), text="zweite", encoding="utf-16")
    data = path.read_bytes()
    assert data.startswith(b"\xff\xfe") and data.count(b"\xff\xfe") == 1
    assert data.decode("utf-16") == "Grüße\r\nzweite\r\n"


async def test_append_line_in_ascii_refuses_other_characters(side: Side, tmp_path: Path):
    result = await side.one(tmp_path, "files.append_line", path=str(tmp_path / "a.txt"), text="naïve",
                            encoding="ascii")
    assert result.status == "failed"
    assert "cannot be written as ascii: 'ï' has no code in it" in error(result, "it")


async def test_find_text_plain_ignores_case_and_publishes_each_match(side: Side, tmp_path: Path):
    (tmp_path / "a.log").write_text("ok\nERROR disk full; error again\nfine\n")
    (tmp_path / "b.log").write_text("Error: timeout\n")
    result = await side.one(tmp_path, "files.find_text", path=str(tmp_path / "*.log"), pattern="error")
    assert result.status == "success", result
    assert [(Path(r["path"]).name, r["number"], r["match"]) for r in result.rows("it")] == [
        ("a.log", 2, "ERROR"), ("a.log", 2, "error"), ("b.log", 1, "Error")]
    assert result.rows("it")[0]["line"] == "ERROR disk full; error again"
    exact = await side.one(tmp_path, "files.find_text", path=str(tmp_path / "a.log"), pattern="error",
                           case_sensitive=True)
    assert [r["match"] for r in exact.rows("it")] == ["error"]


async def test_find_text_regex_publishes_groups(side: Side, tmp_path: Path):
    (tmp_path / "app.log").write_text("user=ann id=7\nnothing\nuser=bob\n")
    result = await side.one(tmp_path, "files.find_text", path=str(tmp_path / "app.log"),
                            pattern=r"user=(\w+)(?: id=(\d+))?", regex=True)
    assert [(r["number"], r["groups"]) for r in result.rows("it")] == [(1, ["ann", "7"]), (3, ["bob", ""])]
    plain = await side.one(tmp_path, "files.find_text", path=str(tmp_path / "app.log"), pattern="id=(")
    assert plain.status == "success" and plain.rows("it") == []
