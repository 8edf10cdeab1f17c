"""Copy File, Move File and Rename File: one file or a wildcard's files to a new place, never over an
existing file unless `if_exists` says so."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, IfExists, connection_field, free_target, if_exists_field
from .filesystem import Entry, FileSystem, PathError
from .matching import has_wildcard, matching_files


class TransferProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    source: str = Field(min_length=1, title="File",
                        description="The file, or a wildcard in its name for several (/data/out/*.csv)")
    destination: str = Field(min_length=1, title="Destination",
                             description="A folder (the files keep their names) or, for one file, the new "
                                         "file's path")
    if_exists: IfExists = if_exists_field()


class Transferred(BaseModel):
    source: str = Field(description="Where the file was")
    destination: str = Field(description="Where it is now (with if_exists unique: the name chosen)")
    size: int = Field(description="Its size in bytes")


async def _target(fs: FileSystem, entry: Entry, destination: str, several: bool) -> str:
    """The path the file goes to: into the destination folder, or the destination itself."""
    found = await fs.stat(destination)
    if found is not None and found.is_folder:
        return fs.paths.join(destination, entry.name)
    if several:
        raise PathError(destination, "is not a folder (a wildcard's files go into a folder)",
                        missing=found is None)
    parent = fs.paths.dirname(destination)
    if parent:
        await fs.require(parent, "folder")
    return destination


class _Transfer(FileActivity):
    """Copy and Move: the same selection of files and targets, a different last step."""

    Properties = TransferProperties
    Published = Transferred
    subject_field = "source"

    async def _move(self, fs: FileSystem, source: str, target: str, replace: bool) -> None:
        raise NotImplementedError

    async def act(self, properties: TransferProperties, fs: FileSystem,
                  context: RunContext) -> list[dict[str, Any]]:
        source, destination = fs.full(properties.source), fs.full(properties.destination)
        several = has_wildcard(fs.paths.basename(source))
        rows = []
        for entry in await matching_files(fs, source):
            wanted = await _target(fs, entry, destination, several)
            if wanted == entry.path:
                raise PathError(wanted, "is the source file itself")
            target, replace = await free_target(fs, wanted, properties.if_exists)
            await self._move(fs, entry.path, target, replace)
            rows.append({"source": entry.path, "destination": target, "size": entry.stat.size})
        if not rows:
            context.log(f"no file matches {source}: nothing to {self.operation.split()[0]}")
        return rows


class CopyFile(_Transfer):
    """Copies files, keeping their modification times."""

    type_name = "files.copy_file"
    display_name = "Copy File"
    description = ("Copies a file, or a wildcard's files, into a folder or to a new name (here or on an ssh "
                   "host).")
    icon = "file_copy"
    operation = "copy file"

    async def _move(self, fs: FileSystem, source: str, target: str, replace: bool) -> None:
        await fs.copy(source, target)


class MoveFile(_Transfer):
    """Moves files (a rename where possible, else a copy and a delete)."""

    type_name = "files.move_file"
    display_name = "Move File"
    description = ("Moves a file, or a wildcard's files, into a folder or to a new path (here or on an ssh "
                   "host).")
    icon = "file_move"
    operation = "move file"

    async def _move(self, fs: FileSystem, source: str, target: str, replace: bool) -> None:
        await fs.rename(source, target, replace=replace)


class RenameFileProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File", description="The file to rename")
    new_name: str = Field(min_length=1, title="New name",
                          description="Its new name in the same folder (a full path in that folder "
                                      "works too)")
    if_exists: IfExists = if_exists_field()


def _renamed(fs: FileSystem, path: str, new_name: str) -> str:
    """The new path: a name in the file's folder. A full path in that same folder is accepted too (as
    Orchestrator's Rename File takes one); another folder is Move File's job."""
    folder = fs.paths.dirname(path)
    name = fs.paths.basename(new_name.rstrip("/"))
    if fs.paths.dirname(new_name) and fs.paths.dirname(fs.full(new_name)) != folder:
        raise PathError(new_name, f"is not in the file's folder {folder}: new_name is a name (use Move File "
                                  f"to move the file elsewhere)")
    if name in ("", ".", ".."):
        raise PathError(new_name, "new_name must be a file name")
    return fs.paths.join(folder, name)


class RenameFile(FileActivity):
    """Renames a file within its folder."""

    type_name = "files.rename_file"
    display_name = "Rename File"
    description = "Gives a file a new name in its folder (here or on an ssh host)."
    icon = "file_rename"
    operation = "rename file"
    Properties = RenameFileProperties
    Published = Transferred
    subject_field = "source"

    async def act(self, properties: RenameFileProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        path = fs.full(properties.path)
        wanted = _renamed(fs, path, properties.new_name)
        found = await fs.require(path, "file")
        if wanted == path:
            return {"source": path, "destination": path, "size": found.size}
        target, replace = await free_target(fs, wanted, properties.if_exists)
        await fs.rename(path, target, replace=replace)
        return {"source": path, "destination": target, "size": found.size}
