"""Delete File, as Orchestrator's: a file, or a wildcard's files in a folder (and its sub-folders with
`recursive`), filtered by age; one row per file deleted."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, FileRow, connection_field, file_row, recursive_field
from .filesystem import FileSystem
from .matching import AgeFilter, matching_files


class DeleteFileProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="File",
                      description="The file, or a wildcard in its name (/var/log/app/*.log); a plain name "
                                  "that is not there fails, a wildcard that matches nothing does not")
    recursive: bool = recursive_field("delete")
    older_than_days: float | None = Field(None, ge=0, title="Older than (days)",
                                          description="Only files last modified more than this many days ago")
    newer_than_days: float | None = Field(None, gt=0, title="Newer than (days)",
                                          description="Only files last modified less than this many days ago")


class DeleteFile(FileActivity):
    """Deletes the files a path or wildcard names; publishes one row per deleted file."""

    type_name = "files.delete_file"
    display_name = "Delete File"
    description = ("Deletes a file or a wildcard's files (optionally in sub-folders, older or newer than N "
                   "days), here or on an ssh host; one row per deleted file.")
    icon = "file_delete"
    operation = "delete file"
    Properties = DeleteFileProperties
    Published = FileRow
    subject_field = "path"

    async def act(self, properties: DeleteFileProperties, fs: FileSystem,
                  context: RunContext) -> list[dict[str, Any]]:
        path = fs.full(properties.path)
        age = AgeFilter(properties.older_than_days, properties.newer_than_days)
        rows = []
        for entry in await matching_files(fs, path, recursive=properties.recursive, age=age):
            await fs.remove_file(entry.path)
            rows.append(file_row(fs, entry.path, entry.stat))
        if not rows:
            context.log(f"no file matches {path}: nothing deleted")
        return rows
