"""Create Folder, Delete Folder, Copy File, Move File and Rename File, each on this machine and over
SFTP: what is on disk afterwards and what the activity published; no silent overwrite."""

from __future__ import annotations

from pathlib import Path

from chains import error
from sides import Side, side, sshd  # noqa: F401 (fixtures)


async def test_create_folder_makes_missing_parents_and_reports_an_existing_one(side: Side, tmp_path: Path):
    target = tmp_path / "a" / "b" / "c"
    first = await side.one(tmp_path, "files.create_folder", path=str(target))
    assert first.status == "success", first
    assert target.is_dir()
    assert first.rows("it") == [{"path": str(target), "created": True}]
    again = await side.one(tmp_path, "files.create_folder", path=str(target))
    assert again.rows("it") == [{"path": str(target), "created": False}]
    strict = await side.one(tmp_path, "files.create_folder", path=str(target), fail_if_exists=True)
    assert strict.status == "failed"
    assert f"{target}: already exists" in error(strict, "it")


async def test_create_folder_where_a_file_is_fails(side: Side, tmp_path: Path):
    (tmp_path / "taken").write_text("x")
    result = await side.one(tmp_path, "files.create_folder", path=str(tmp_path / "taken"))
    assert result.status == "failed"
    assert "a file of that name is in the way" in error(result, "it")


async def test_delete_folder_refuses_a_full_folder_unless_recursive(side: Side, tmp_path: Path):
    folder = tmp_path / "old"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    refused = await side.one(tmp_path, "files.delete_folder", path=str(folder))
    assert refused.status == "failed"
    assert f"delete folder on {side.where}" in error(refused, "it")
    assert f"{folder}: is not empty (2 items); set recursive to true" in error(refused, "it")
    assert (folder / "a.txt").exists()
    done = await side.one(tmp_path, "files.delete_folder", path=str(folder), recursive=True)
    assert done.status == "success", done
    assert not folder.exists()
    assert done.rows("it") == [{"path": str(folder), "files_deleted": 2, "folders_deleted": 2}]


async def test_delete_folder_removes_an_empty_one_and_fails_on_a_missing_one(side: Side, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    done = await side.one(tmp_path, "files.delete_folder", path=str(tmp_path / "empty"))
    assert done.status == "success" and not (tmp_path / "empty").exists()
    missing = await side.one(tmp_path, "files.delete_folder", path=str(tmp_path / "nowhere"))
    assert missing.status == "failed"
    assert f"{tmp_path / 'nowhere'}: no such file or folder" in error(missing, "it")


async def test_copy_file_into_a_folder_and_to_a_new_name(side: Side, tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "in" / "report.csv").write_text("a,b\n")
    into = await side.one(tmp_path, "files.copy_file", source=str(tmp_path / "in" / "report.csv"),
                          destination=str(tmp_path / "out"))
    assert into.status == "success", into
    assert into.rows("it") == [{"source": str(tmp_path / "in" / "report.csv"),
                                "destination": str(tmp_path / "out" / "report.csv"), "size": 4}]
    renamed = await side.one(tmp_path, "files.copy_file", source=str(tmp_path / "in" / "report.csv"),
                             destination=str(tmp_path / "out" / "copy.csv"))
    assert renamed.status == "success"
    assert (tmp_path / "out" / "copy.csv").read_text() == "a,b\n"
    assert (tmp_path / "in" / "report.csv").exists()


async def test_copy_file_never_overwrites_unless_told(side: Side, tmp_path: Path):
    (tmp_path / "new.txt").write_text("new")
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "new.txt").write_text("old")
    args = {"source": str(tmp_path / "new.txt"), "destination": str(tmp_path / "dest")}
    refused = await side.one(tmp_path, "files.copy_file", **args)
    assert refused.status == "failed"
    assert f"{tmp_path / 'dest' / 'new.txt'}: already exists (set if_exists" in error(refused, "it")
    assert (tmp_path / "dest" / "new.txt").read_text() == "old"
    unique = await side.one(tmp_path, "files.copy_file", **args, if_exists="unique")
    assert unique.rows("it")[0]["destination"] == str(tmp_path / "dest" / "new_1.txt")
    assert (tmp_path / "dest" / "new_1.txt").read_text() == "new"
    assert (tmp_path / "dest" / "new.txt").read_text() == "old"
    again = await side.one(tmp_path, "files.copy_file", **args, if_exists="unique")
    assert again.rows("it")[0]["destination"] == str(tmp_path / "dest" / "new_2.txt")
    overwritten = await side.one(tmp_path, "files.copy_file", **args, if_exists="overwrite")
    assert overwritten.status == "success"
    assert (tmp_path / "dest" / "new.txt").read_text() == "new"


async def test_copy_file_with_a_wildcard_copies_every_match(side: Side, tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    for name in ("a.log", "b.log", "c.txt"):
        (tmp_path / "src" / name).write_text(name)
    result = await side.one(tmp_path, "files.copy_file", source=str(tmp_path / "src" / "*.log"),
                            destination=str(tmp_path / "dst"))
    assert result.status == "success", result
    assert sorted(p.name for p in (tmp_path / "dst").iterdir()) == ["a.log", "b.log"]
    assert [r["source"] for r in result.rows("it")] == [str(tmp_path / "src" / "a.log"),
                                                        str(tmp_path / "src" / "b.log")]
    not_a_folder = await side.one(tmp_path, "files.copy_file", source=str(tmp_path / "src" / "*.log"),
                                  destination=str(tmp_path / "dst" / "one.log"))
    assert "is not a folder (a wildcard's files go into a folder)" in error(not_a_folder, "it")


async def test_copy_file_of_a_missing_source_fails_naming_it(side: Side, tmp_path: Path):
    result = await side.one(tmp_path, "files.copy_file", source=str(tmp_path / "ghost.txt"),
                            destination=str(tmp_path))
    assert result.status == "failed"
    assert error(result, "it") == (f"copy file on {side.where}: {tmp_path / 'ghost.txt'}: "
                                   f"no such file or folder")


async def test_move_file_moves_and_keeps_an_existing_target(side: Side, tmp_path: Path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "today.log").write_text("today")
    moved = await side.one(tmp_path, "files.move_file", source=str(tmp_path / "today.log"),
                           destination=str(tmp_path / "archive"))
    assert moved.status == "success", moved
    assert not (tmp_path / "today.log").exists()
    assert (tmp_path / "archive" / "today.log").read_text() == "today"
    (tmp_path / "today.log").write_text("again")
    refused = await side.one(tmp_path, "files.move_file", source=str(tmp_path / "today.log"),
                             destination=str(tmp_path / "archive"))
    assert refused.status == "failed"
    assert (tmp_path / "archive" / "today.log").read_text() == "today"
    assert (tmp_path / "today.log").exists()
    replaced = await side.one(tmp_path, "files.move_file", source=str(tmp_path / "today.log"),
                              destination=str(tmp_path / "archive"), if_exists="overwrite")
    assert replaced.status == "success", replaced
    assert (tmp_path / "archive" / "today.log").read_text() == "again"


async def test_rename_file_in_its_folder(side: Side, tmp_path: Path):
    (tmp_path / "draft.txt").write_text("text")
    (tmp_path / "final.txt").write_text("older")
    refused = await side.one(tmp_path, "files.rename_file", path=str(tmp_path / "draft.txt"),
                             new_name="final.txt")
    assert refused.status == "failed"
    assert (tmp_path / "final.txt").read_text() == "older"
    done = await side.one(tmp_path, "files.rename_file", path=str(tmp_path / "draft.txt"),
                          new_name="final.txt", if_exists="unique")
    assert done.rows("it") == [{"source": str(tmp_path / "draft.txt"),
                                "destination": str(tmp_path / "final_1.txt"), "size": 4}]
    assert not (tmp_path / "draft.txt").exists()
    moved = await side.one(tmp_path, "files.rename_file", path=str(tmp_path / "final_1.txt"),
                           new_name="../elsewhere.txt")
    assert moved.status == "failed"
    assert f"is not in the file's folder {tmp_path}: new_name is a name (use Move File" in error(moved, "it")
    full = await side.one(tmp_path, "files.rename_file", path=str(tmp_path / "final_1.txt"),
                          new_name=str(tmp_path / "done.txt"))  # Orchestrator's imports give a full path
    assert full.status == "success", full
    assert (tmp_path / "done.txt").read_text() == "text"



async def test_move_file_to_another_file_system(side: Side, tmp_path: Path):
    # /dev/shm is a tmpfs apart from /tmp here: the move copies and removes (OpenSSH: "Failure").
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return
    target = shm / f"interlock-files-{side.name}-{tmp_path.name}.txt"
    (tmp_path / "data.txt").write_text("payload")
    try:
        result = await side.one(tmp_path, "files.move_file", source=str(tmp_path / "data.txt"),
                                destination=str(target))
        assert result.status == "success", result
        assert target.read_text() == "payload" and not (tmp_path / "data.txt").exists()
    finally:
        target.unlink(missing_ok=True)


async def test_delete_folder_never_follows_a_link(side: Side, tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "keep.txt").write_text("keep")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    refused = await side.one(tmp_path, "files.delete_folder", path=str(tmp_path / "alias"), recursive=True)
    assert refused.status == "failed"
    assert "is a link to a folder, not a folder" in error(refused, "it")
    assert (tmp_path / "real" / "keep.txt").exists()
    (tmp_path / "real" / "sub").mkdir()
    (tmp_path / "real" / "sub" / "link").symlink_to(tmp_path / "real")
    sub = tmp_path / "real" / "sub"
    done = await side.one(tmp_path, "files.delete_folder", path=str(sub), recursive=True)
    assert done.rows("it") == [{"path": str(sub), "files_deleted": 1, "folders_deleted": 1}]
    assert (tmp_path / "real" / "keep.txt").exists()
