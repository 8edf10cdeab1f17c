"""Compress File on this machine and over SFTP: what the zip holds, and no silent overwrite."""

from __future__ import annotations

import zipfile
from pathlib import Path

from chains import error
from sides import Side, side, sshd  # noqa: F401 (fixtures)


def tree(root: Path) -> None:
    (root / "site" / "css").mkdir(parents=True)
    (root / "site" / "index.html").write_text("<h1>hi</h1>")
    (root / "site" / "css" / "main.css").write_text("h1 {}")
    (root / "logs").mkdir()
    (root / "logs" / "a.log").write_text("a" * 1000)
    (root / "logs" / "b.log").write_text("b")
    (root / "logs" / "c.txt").write_text("c")


async def test_compress_a_folder_and_a_wildcard_into_one_zip(side: Side, tmp_path: Path):
    tree(tmp_path)
    archive = tmp_path / "out" / "backup.zip"
    archive.parent.mkdir()
    result = await side.one(tmp_path, "files.compress", files=[str(tmp_path / "site"),
                                                               str(tmp_path / "logs" / "*.log")],
                            archive=str(archive))
    assert result.status == "success", result
    expected = ["a.log", "b.log", "site/css/main.css", "site/index.html"]
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == expected
        assert opened.read("a.log") == b"a" * 1000
        assert opened.read("site/css/main.css") == b"h1 {}"
    (row,) = result.rows("it")
    assert row["archive"] == str(archive) and row["file_count"] == 4 and sorted(row["files"]) == expected
    assert row["size"] == archive.stat().st_size


async def test_compress_never_replaces_an_archive_unless_told(side: Side, tmp_path: Path):
    tree(tmp_path)
    archive = tmp_path / "logs.zip"
    archive.write_bytes(b"old")
    args = {"files": [str(tmp_path / "logs" / "*.log")], "archive": str(archive)}
    refused = await side.one(tmp_path, "files.compress", **args)
    assert refused.status == "failed"
    assert f"compress on {side.where}: {archive}: already exists" in error(refused, "it")
    assert archive.read_bytes() == b"old"
    unique = await side.one(tmp_path, "files.compress", **args, if_exists="unique")
    assert unique.rows("it")[0]["archive"] == str(tmp_path / "logs_1.zip")
    replaced = await side.one(tmp_path, "files.compress", **args, if_exists="overwrite")
    assert replaced.status == "success"
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["a.log", "b.log"]


async def test_compress_fails_when_nothing_matches_or_a_source_is_missing(side: Side, tmp_path: Path):
    empty = await side.one(tmp_path, "files.compress", files=[str(tmp_path / "*.none")],
                           archive=str(tmp_path / "x.zip"))
    assert empty.status == "failed" and "no file to compress" in error(empty, "it")
    missing = await side.one(tmp_path, "files.compress", files=[str(tmp_path / "ghost")],
                             archive=str(tmp_path / "x.zip"))
    assert f"{tmp_path / 'ghost'}: no such file or folder" in error(missing, "it")
    assert not (tmp_path / "x.zip").exists()
