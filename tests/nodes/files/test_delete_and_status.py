"""Delete File (wildcards, sub-folders, age filters; one row per deleted file) and Get File Status, on
this machine and over SFTP."""

from __future__ import annotations

import getpass
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from chains import error
from sides import Side, side, sshd  # noqa: F401 (fixtures)

DAY = 86400


def aged(path: Path, days: float, text: str = "x") -> Path:
    """A file last modified `days` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - days * DAY
    os.utime(path, (then, then))
    return path


async def test_delete_file_by_wildcard_and_age_publishes_each_deleted_file(side: Side, tmp_path: Path):
    logs = tmp_path / "logs"
    old = [aged(logs / "a.log", 40, "aaaa"), aged(logs / "b.log", 10)]
    young = aged(logs / "c.log", 1)
    other = aged(logs / "keep.txt", 40)
    result = await side.one(tmp_path, "files.delete_file", path=str(logs / "*.log"), older_than_days=7)
    assert result.status == "success", result
    assert [r["path"] for r in result.rows("it")] == [str(p) for p in old]
    first = result.rows("it")[0]
    assert first["name"] == "a.log" and first["folder"] == str(logs) and first["size"] == 4
    assert first["modified"].endswith("Z")
    assert not any(p.exists() for p in old)
    assert young.exists() and other.exists()


async def test_delete_file_newer_than_and_recursive(side: Side, tmp_path: Path):
    aged(tmp_path / "top.tmp", 0.1)
    aged(tmp_path / "sub" / "deep" / "inner.tmp", 0.2)
    aged(tmp_path / "sub" / "stale.tmp", 30)
    result = await side.one(tmp_path, "files.delete_file", path=str(tmp_path / "*.tmp"), recursive=True,
                            newer_than_days=1)
    assert result.status == "success", result
    assert sorted(r["name"] for r in result.rows("it")) == ["inner.tmp", "top.tmp"]
    assert (tmp_path / "sub" / "stale.tmp").exists()
    assert not (tmp_path / "sub" / "deep" / "inner.tmp").exists()


async def test_delete_file_of_a_missing_file_fails_but_an_empty_wildcard_does_not(side: Side, tmp_path: Path):
    missing = await side.one(tmp_path, "files.delete_file", path=str(tmp_path / "gone.txt"))
    assert missing.status == "failed"
    assert error(missing, "it") == (f"delete file on {side.where}: {tmp_path / 'gone.txt'}: "
                                    f"no such file or folder")
    nothing = await side.one(tmp_path, "files.delete_file", path=str(tmp_path / "*.bak"))
    assert nothing.status == "success"
    assert nothing.rows("it") == []


async def test_get_file_status_of_a_file(side: Side, tmp_path: Path):
    path = tmp_path / "report.csv"
    path.write_text("12345")
    os.chmod(path, 0o444)
    os.utime(path, (1_700_000_000, 1_700_000_100))
    result = await side.one(tmp_path, "files.get_file_status", path=str(path))
    assert result.status == "success", result
    (row,) = result.rows("it")
    assert row["path"] == str(path) and row["name"] == "report.csv" and row["extension"] == ".csv"
    assert row["exists"] is True and row["is_folder"] is False and row["size"] == 5
    assert row["modified"] == datetime.fromtimestamp(1_700_000_100, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["accessed"] == datetime.fromtimestamp(1_700_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["readonly"] is True and row["hidden"] is False and row["permissions"] == "0444"
    assert row["owner"] == getpass.getuser()


async def test_get_file_status_of_a_hidden_folder(side: Side, tmp_path: Path):
    (tmp_path / ".cache").mkdir()
    result = await side.one(tmp_path, "files.get_file_status", path=str(tmp_path / ".cache"))
    (row,) = result.rows("it")
    assert row["is_folder"] is True and row["hidden"] is True and row["readonly"] is False


async def test_get_file_status_of_a_missing_file_fails_or_publishes_exists_false(side: Side, tmp_path: Path):
    path = str(tmp_path / "none.txt")
    failed = await side.one(tmp_path, "files.get_file_status", path=path)
    assert failed.status == "failed"
    assert f"get file status on {side.where}: {path}: no such file or folder" in error(failed, "it")
    published = await side.one(tmp_path, "files.get_file_status", path=path, if_missing="publish")
    assert published.status == "success"
    (row,) = published.rows("it")
    assert row["exists"] is False and row["size"] == 0 and row["name"] == "none.txt"
