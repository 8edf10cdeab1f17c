"""Compress: files, folders and wildcards into one zip archive (where they are: on this machine or on
the ssh host), never over an existing archive unless `if_exists` says so."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, IfExists, connection_field, free_target, if_exists_field, recursive_field
from .filesystem import Entry, FileSystem, PathError
from .matching import has_wildcard, matching_files


class CompressProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    files: list[str] = Field(min_length=1, title="Files",
                             description="What to put in the archive: files, folders (with everything in "
                                         "them) and wildcards (/var/log/app/*.log)")
    archive: str = Field(min_length=1, title="Archive", description="The zip file to write")
    recursive: bool = recursive_field("compress (their folders are kept in the archive)")
    if_exists: IfExists = if_exists_field()


class Compressed(BaseModel):
    archive: str = Field(description="The archive's full path (with if_exists unique: the name chosen)")
    file_count: int = Field(description="How many files it holds")
    size: int = Field(description="The archive's size in bytes")
    files: list[str] = Field(description="The names of the files in the archive")


async def _members(fs: FileSystem, source: str, recursive: bool) -> list[tuple[str, Entry]]:
    """The files a source names, each with its name in the archive: a file by its name, a folder's
    files under the folder's name, a wildcard's files relative to the wildcard's folder."""
    path = fs.full(source)
    base = fs.paths.dirname(path)
    if has_wildcard(fs.paths.basename(path)):
        found = await matching_files(fs, path, recursive=recursive)
    elif (await fs.require(path)).is_folder:
        found = await matching_files(fs, fs.paths.join(path, "*"), recursive=True)
    else:
        found = await matching_files(fs, path)
    return [(fs.paths.relpath(entry.path, base).replace("\\", "/"), entry) for entry in found]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, modified: float) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime(max(modified, 315532800))[:6])  # zip: >= 1980
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


class Compress(FileActivity):
    """Publishes one row about the archive written."""

    type_name = "files.compress"
    display_name = "Compress File"
    description = "Puts files, folders or a wildcard's files into a zip archive, here or on an ssh host."
    icon = "file_zip"
    operation = "compress"
    Properties = CompressProperties
    Published = Compressed
    subject_field = "archive"

    async def act(self, properties: CompressProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        target, _ = await free_target(fs, fs.full(properties.archive), properties.if_exists)
        members: dict[str, Entry] = {}
        for source in properties.files:
            for name, entry in await _members(fs, source, properties.recursive):
                if entry.path != target and members.setdefault(name, entry) is not entry:
                    context.log(f"{entry.path} left out: the archive already holds a file named {name}")
        if not members:
            raise PathError(", ".join(properties.files), "no file to compress", missing=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, entry in members.items():
                data = await fs.read(entry.path)
                await asyncio.to_thread(_add, archive, name, data, entry.stat.modified)
        await fs.write(target, buffer.getvalue(), append=False)
        return {"archive": target, "file_count": len(members), "size": len(buffer.getvalue()),
                "files": list(members)}
