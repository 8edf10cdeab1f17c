"""Get File Status: whether a file or folder is there, and its size, times and attributes. As in
Orchestrator, a missing path fails the activity; `if_missing: publish` publishes `exists: false`
instead, for a link condition."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, connection_field
from .filesystem import FileSystem, PathError, iso


class FileStatusProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File or folder", description="The path to look at")
    if_missing: Literal["fail", "publish"] = Field(
        "fail", title="If it is missing",
        description="fail (as Orchestrator), or publish a row with exists false")


class FileStatus(BaseModel):
    path: str = Field(description="The full path")
    name: str = Field(description="The name, without its folder")
    folder: str = Field(description="The folder that holds it")
    extension: str = Field(description="The name's extension with its dot (.log), or empty")
    exists: bool = Field(description="Whether anything is at the path")
    is_folder: bool = Field(description="true for a folder")
    size: int = Field(description="Size in bytes (0 for a folder or a missing file)")
    created: str = Field(description="When it was created (ISO-8601 UTC); empty where the system does not "
                                     "tell (Linux, SFTP)")
    modified: str = Field(description="When it was last modified (ISO-8601 UTC)")
    accessed: str = Field(description="When it was last read (ISO-8601 UTC; many systems update it lazily)")
    readonly: bool = Field(description="No one may write it (no write permission bit; Windows' read-only "
                                       "attribute)")
    hidden: bool = Field(description="Hidden: the name starts with a dot; on Windows the hidden attribute")
    owner: str = Field(description="The owning user's name (over SFTP the name OpenSSH lists, else the "
                                   "numeric id)")
    permissions: str = Field(description="The permission bits in octal (0644)")


class GetFileStatus(FileActivity):
    """Publishes one row about a file or folder."""

    type_name = "files.get_file_status"
    display_name = "Get File Status"
    description = ("Publishes whether a file or folder exists, its size, times and attributes (here or on "
                   "an ssh host).")
    icon = "file_status"
    operation = "get file status"
    Properties = FileStatusProperties
    Published = FileStatus
    subject_field = "path"

    async def act(self, properties: FileStatusProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        path = fs.full(properties.path)
        folder, name = fs.paths.split(path)
        row: dict[str, Any] = {"path": path, "name": name, "folder": folder,
                               "extension": fs.paths.splitext(name)[1]}
        found = await fs.stat(path)
        if found is None:
            if properties.if_missing == "fail":
                raise PathError(path, "no such file or folder (set if_missing to publish to get "
                                      "exists: false instead)", missing=True)
            return {**row, "exists": False, "is_folder": False, "size": 0, "created": "", "modified": "",
                    "accessed": "", "readonly": False, "hidden": False, "owner": "", "permissions": ""}
        owner = await _owner_name(fs, folder, name, found.owner)
        return {**row, "exists": True, "is_folder": found.is_folder,
                "size": 0 if found.is_folder else found.size, "created": iso(found.created),
                "modified": iso(found.modified), "accessed": iso(found.accessed),
                "readonly": found.readonly, "hidden": found.hidden, "owner": owner,
                "permissions": f"{found.mode:04o}"}


async def _owner_name(fs: FileSystem, folder: str, name: str, owner: str) -> str:
    """The owner's name: SFTP v3 sends only ids with a stat, but OpenSSH's folder listing has names."""
    if not owner.isdigit() or not folder:
        return owner
    try:
        return next((entry.stat.owner for entry in await fs.entries(folder) if entry.name == name), owner)
    except PathError:  # a folder that may not be listed: the id will do
        return owner
