"""What every files.* activity shares: the `connection` property (empty: this machine; an `ssh`
connection: that host over SFTP), opening the file system, the wording of failures, and the
if-the-target-exists rule that keeps copy, move, rename and compress from overwriting silently."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from engine.activity import ActivityType, RunContext, RunOutput
from engine.errors import ActivityError
from nodes.backends.interface import backend_for
from nodes.backends.ssh import SshClient

from .filesystem import FileSystem, PathError, Stat, iso
from .local import LocalFileSystem
from .sftp import sftp_file_system

COLOR = "#8a6d3b"

IfExists = Literal["fail", "overwrite", "unique"]


def connection_field() -> Any:
    return Field("", title="Connection",
                 description="Empty: this machine. The name of an `ssh` connection: the same operation on "
                             "that host, over SFTP")


def if_exists_field() -> Any:
    return Field("fail", title="If the target exists",
                 description="fail (default); overwrite it; or unique: a free name with _1, _2 ... before "
                             "the extension (report_1.txt)")


def recursive_field(verb: str) -> Any:
    return Field(False, title="Include sub-folders",
                 description=f"A wildcard matches in every sub-folder too: {verb} those files as well")


class FileRow(BaseModel):
    """The fields every row about one file has."""

    path: str = Field(description="The file's full path")
    name: str = Field(description="The file's name, without its folder")
    folder: str = Field(description="The folder that holds it")
    size: int = Field(description="Its size in bytes")
    modified: str = Field(description="When it was last modified (ISO-8601, UTC)")


def file_row(fs: FileSystem, path: str, found: Stat) -> dict[str, Any]:
    folder, name = fs.paths.split(path)
    return {"path": path, "name": name, "folder": folder, "size": found.size, "modified": iso(found.modified)}


@asynccontextmanager
async def open_file_system(context: RunContext, connection: str, operation: str) \
        -> AsyncIterator[FileSystem]:
    """This machine's file system (relative paths from the runbook's folder), or the SFTP one of an
    `ssh` connection for the block."""
    if not connection:
        folder = os.path.dirname(os.path.abspath(context.runbook_path)) if context.runbook_path else None
        yield LocalFileSystem(folder)
        return
    client = backend_for(context, connection, SshClient, "work with files (choose an ssh connection, or "
                                                         "none for this machine)")
    async with sftp_file_system(client, operation) as fs:
        yield fs


async def free_target(fs: FileSystem, target: str, if_exists: IfExists) -> tuple[str, bool]:
    """Where a new file may go: (path, whether an existing file there is to be replaced)."""
    found = await fs.stat(target)
    if found is None:
        return target, False
    if found.is_folder:
        raise PathError(target, "a folder of that name is in the way")
    if if_exists == "overwrite":
        return target, True
    if if_exists == "fail":
        raise PathError(target, "already exists (set if_exists to overwrite or unique to write anyway)")
    stem, extension = fs.paths.splitext(target)
    for number in count(1):
        candidate = f"{stem}_{number}{extension}"
        if not await fs.exists(candidate):
            return candidate, False
    raise AssertionError("unreachable")


class FileActivity(ActivityType):
    """Base of the files.* activities: subclasses write `act` once, for both file systems."""

    operation: ClassVar[str]  # what it does, for messages: "copy file"
    color = COLOR

    async def act(self, properties: Any, fs: FileSystem, context: RunContext) -> RunOutput:
        raise NotImplementedError

    async def run(self, properties: Any, context: RunContext) -> RunOutput:
        async with open_file_system(context, properties.connection, self.operation) as fs:
            try:
                return await self.act(properties, fs, context)
            except PathError as exc:
                raise ActivityError(f"{self.operation} on {fs.where}: {exc.path}: {exc.reason}") from None
