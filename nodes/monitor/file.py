"""Monitor File: starts its runbook when a file matching a pattern is created, changed or deleted in a
folder (and, when asked, its subfolders).

The operating system's notifications come through watchfiles (docs/decisions.md). A burst of changes
to one file — a copy written in pieces, an editor's save — is one event: changes are gathered until
the folder has been quiet for `settle_s`, then each file is reported once, as what it became (created,
changed or deleted; a file created and deleted within one burst is not reported).
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from watchfiles import Change

from engine.activity import Row
from engine.errors import ActivityError
from engine.schedule.monitors import MonitorType, WatchContext

from .changes import batches

Event = Literal["created", "changed", "deleted"]


class FileProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(min_length=1, title="Folder",
                        description="The folder to watch (it must exist); a relative one is read from "
                                    "the runbook file's folder")
    pattern: str = Field("*", min_length=1, title="File name pattern",
                         description="Wildcards on the file name, * and ?, e.g. *.csv (any case)")
    include_subfolders: bool = Field(False, title="Include subfolders",
                                     description="Watch the folders below it too")
    events: list[Event] = Field(default_factory=lambda: ["created"], min_length=1, title="Events",
                                description="Which changes start the runbook: created, changed, deleted")
    settle_s: float = Field(1.0, ge=0.05, le=60, title="Quiet time (s)",
                            description="Changes to a file until the folder is quiet this long are one "
                                        "event")
    polling: bool = Field(False, title="Poll",
                          description="Look for changes every half second instead of relying on the "
                                      "system's notifications (network shares, some containers)")


class FileEvent(BaseModel):
    path: str = Field(description="The file's full path")
    name: str = Field(description="The file's name")
    folder: str = Field(description="The folder that holds it")
    event: str = Field(description="What happened: created, changed or deleted")
    size: int = Field(title="Size (bytes)", description="Its size in bytes (0 when deleted)")
    modified_at: str = Field(title="Modified at",
                             description="When it was last written (ISO 8601, UTC; empty when deleted)")


def file_row(path: Path, event: str) -> Row:
    size, modified = 0, ""
    if event != "deleted":
        try:
            stat = path.stat()
            size, modified = stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC).isoformat()
        except OSError:  # gone again since: still the event that happened
            pass
    return {"path": str(path), "name": path.name, "folder": str(path.parent), "event": event,
            "size": size, "modified_at": modified}


def what_happened(kinds: set[Change], path: Path) -> str | None:
    """One burst of changes to a path as one event, from where the file stands now."""
    if not path.exists():
        # Created and deleted within the burst (a temporary file): nothing a runbook should see.
        return None if Change.added in kinds and Change.deleted in kinds else "deleted"
    if path.is_dir():
        return None
    return "created" if Change.added in kinds and Change.deleted not in kinds else "changed"


class Matcher:
    """Which paths the monitor reports: the pattern on the name (any case), in the folder or below."""

    def __init__(self, properties: FileProperties, folder: Path) -> None:
        self.pattern = properties.pattern.lower()
        self.folder = folder
        self.recursive = properties.include_subfolders

    def __call__(self, path: Path) -> bool:
        if not self.recursive and path.parent != self.folder:
            return False
        return fnmatch.fnmatchcase(path.name.lower(), self.pattern)


def watched_folder(properties: FileProperties, context: WatchContext) -> Path:
    """The folder as an absolute path: a relative one is read from the runbook file's folder (where
    the runbook travels with its drop folder), else from the current one."""
    folder = Path(os.path.expanduser(properties.folder))
    if not folder.is_absolute() and context.runbook_path:
        folder = Path(context.runbook_path).parent / folder
    folder = folder.absolute()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ActivityError(f'monitor "{context.activity_name}": folder "{folder}" {what}')
    return folder


class MonitorFile(MonitorType):
    type_name = "monitor.file"
    display_name = "Monitor File"
    description = ("Starts the runbook when a file matching a pattern is created, changed or deleted in a "
                   "folder. Must be the runbook's first activity.")
    icon = "monitor_file"
    Properties = FileProperties
    Published = FileEvent
    subject_field = "name"

    def waiting_for(self, properties: FileProperties) -> str:
        below = " or below" if properties.include_subfolders else ""
        events = "/".join(properties.events)
        return f"a file matching {properties.pattern} {events} in {properties.folder}{below}"

    def check(self, properties: FileProperties, context: WatchContext) -> None:
        watched_folder(properties, context)

    def fire_now(self, properties: FileProperties, context: WatchContext) -> Row | None:
        """The newest matching file, as created (when created files are watched)."""
        if "created" not in properties.events:
            return None
        folder = watched_folder(properties, context)
        matches = Matcher(properties, folder)
        found = (folder.rglob("*") if properties.include_subfolders else folder.iterdir())
        files = [p for p in found if matches(p) and p.is_file()]
        if not files:
            return None
        return file_row(max(files, key=lambda p: p.stat().st_mtime), "created")

    async def watch(self, properties: FileProperties, context: WatchContext) -> AsyncIterator[Row]:
        folder = watched_folder(properties, context)
        matches = Matcher(properties, folder)
        # Closed here, not left to the garbage collector: closing it stops the watch thread.
        async with contextlib.aclosing(batches(folder, properties.include_subfolders, properties.settle_s,
                                               properties.polling, context.activity_name)) as bursts:
            async for changes in bursts:
                by_path: dict[Path, set[Change]] = {}
                for change, raw in changes:
                    by_path.setdefault(Path(raw), set()).add(change)
                for path in sorted(by_path):
                    if not matches(path):
                        continue
                    event = what_happened(by_path[path], path)
                    if event in properties.events:
                        yield file_row(path, event)
