"""Create Folder and Delete Folder (Orchestrator's activities of the same names)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import RunContext

from .base import FileActivity, connection_field
from .filesystem import FileSystem, PathError


class CreateFolderProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="Folder", description="The folder to create, with any missing "
                                                                 "parent folders")
    fail_if_exists: bool = Field(False, title="Fail if it exists",
                                 description="true: a folder already there fails the activity")


class CreatedFolder(BaseModel):
    path: str = Field(description="The folder's full path")
    created: bool = Field(description="false when it was there already")


class CreateFolder(FileActivity):
    """Creates a folder and its missing parents."""

    type_name = "files.create_folder"
    display_name = "Create Folder"
    description = "Creates a folder (and its missing parents) here or on an ssh host."
    icon = "folder_create"
    operation = "create folder"
    Properties = CreateFolderProperties
    Published = CreatedFolder
    subject_field = "path"

    async def act(self, properties: CreateFolderProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        path = fs.full(properties.path)
        found = await fs.stat(path)
        if found is not None:
            if not found.is_folder:
                raise PathError(path, "a file of that name is in the way")
            if properties.fail_if_exists:
                raise PathError(path, "already exists (fail_if_exists is set)")
            return {"path": path, "created": False}
        await fs.make_folder(path)
        return {"path": path, "created": True}


class DeleteFolderProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection: str = connection_field()
    path: str = Field(min_length=1, title="Folder", description="The folder to delete")
    recursive: bool = Field(False, title="With its content",
                            description="true: delete everything in it too; false: a folder that is not "
                                        "empty fails the activity")


class DeletedFolder(BaseModel):
    path: str = Field(description="The folder's full path")
    files_deleted: int = Field(description="How many files were in it (recursive)")
    folders_deleted: int = Field(description="How many folders were deleted, itself included")


async def _delete_tree(fs: FileSystem, folder: str) -> tuple[int, int]:
    """Delete the folder with its content, deepest first; links are removed, never followed."""
    files = folders = 0
    for entry in await fs.entries(folder):
        if entry.stat.is_folder:
            sub_files, sub_folders = await _delete_tree(fs, entry.path)
            files, folders = files + sub_files, folders + sub_folders
        else:
            await fs.remove_file(entry.path)
            files += 1
    await fs.remove_folder(folder)
    return files, folders + 1


class DeleteFolder(FileActivity):
    """Deletes a folder: an empty one, or with `recursive` everything in it."""

    type_name = "files.delete_folder"
    display_name = "Delete Folder"
    description = "Deletes a folder here or on an ssh host; its content only when recursive is set."
    icon = "folder_delete"
    operation = "delete folder"
    Properties = DeleteFolderProperties
    Published = DeletedFolder
    subject_field = "path"

    async def act(self, properties: DeleteFolderProperties, fs: FileSystem,
                  context: RunContext) -> dict[str, Any]:
        path = fs.full(properties.path)
        await fs.require(path, "folder")
        link = await fs.stat(path, follow=False)
        if link is not None and link.kind == "link":  # never empty the folder a link points to
            raise PathError(path, "is a link to a folder, not a folder (Delete File removes the link)")
        if not properties.recursive:
            content = await fs.entries(path)
            if content:
                raise PathError(path, f"is not empty ({len(content)} items); set recursive to true to "
                                      f"delete it with everything in it")
            await fs.remove_folder(path)
            return {"path": path, "files_deleted": 0, "folders_deleted": 1}
        files, folders = await _delete_tree(fs, path)
        return {"path": path, "files_deleted": files, "folders_deleted": folders}
