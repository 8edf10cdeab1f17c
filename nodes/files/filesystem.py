"""The one interface every files.* activity works through: a file system on this machine (local.py) or
on a host over SFTP (sftp.py). An activity's operation is written once against it; the two back-ends
only translate the few primitives below.

Failures are PathError (the path and the system's reason, e.g. "Permission denied"); the activity's base
class (base.py) turns it into the message the user reads, naming the operation and where it ran.
"""

from __future__ import annotations

import posixpath
import stat as stat_module
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Literal

Kind = Literal["file", "folder", "link", "other"]


class PathError(Exception):
    """An operation on a path failed; `reason` is what the system said, `missing` that it is not there."""

    def __init__(self, path: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.missing = missing


@dataclass(frozen=True)
class Stat:
    """What a file system says about one path (times are POSIX timestamps)."""

    kind: Kind
    size: int
    modified: float
    accessed: float | None
    created: float | None  # the birth time, where the system keeps and tells it
    mode: int  # permission bits
    owner: str  # a user name, or the numeric id when no name is known
    hidden: bool
    readonly: bool

    @property
    def is_folder(self) -> bool:
        return self.kind == "folder"


@dataclass(frozen=True)
class Entry:
    """One name in a folder, with what lstat says about it (links are not followed)."""

    name: str
    path: str
    stat: Stat


def iso(timestamp: float | None) -> str:
    """A timestamp as ISO-8601 UTC (empty when unknown)."""
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def kind_of(mode: int) -> Kind:
    if stat_module.S_ISDIR(mode):
        return "folder"
    if stat_module.S_ISREG(mode):
        return "file"
    return "link" if stat_module.S_ISLNK(mode) else "other"


def readonly_mode(mode: int) -> bool:
    """No one may write it (Windows' read-only attribute shows the same way in st_mode)."""
    return not mode & 0o222


class FileSystem(ABC):
    """The primitives of a file system; paths are text in the system's own syntax."""

    #: os.path on this machine, posixpath over SFTP: joins and splits paths the way the system does
    paths: ModuleType = posixpath
    #: whether wildcards tell "A.log" from "a.log"
    case_sensitive: bool = True

    @property
    @abstractmethod
    def where(self) -> str:
        """Where operations run, for messages: `this machine` or `connection "web01" (svc@web01:22)`."""

    @abstractmethod
    async def stat(self, path: str, *, follow: bool = True) -> Stat | None:
        """What the path is (links followed unless `follow` is false); None when nothing is there."""

    @abstractmethod
    async def entries(self, folder: str) -> list[Entry]:
        """The folder's content (links not followed)."""

    @abstractmethod
    async def make_folder(self, path: str) -> None:
        """Create the folder and its missing parents."""

    @abstractmethod
    async def remove_folder(self, path: str) -> None:
        """Remove an empty folder."""

    @abstractmethod
    async def remove_file(self, path: str) -> None:
        """Remove a file (or a link, not what it points to)."""

    @abstractmethod
    async def rename(self, source: str, target: str, *, replace: bool) -> None:
        """Move within the system; `replace` allows an existing target file to be replaced."""

    @abstractmethod
    async def copy(self, source: str, target: str) -> None:
        """Copy a file's content and modification time (the target is replaced)."""

    @abstractmethod
    async def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        """The file's bytes from offset (length None: to the end)."""

    @abstractmethod
    async def write(self, path: str, data: bytes, *, append: bool) -> None:
        """Write the bytes: at the end of the file (created when missing) or as its whole content."""

    async def exists(self, path: str) -> bool:
        return await self.stat(path) is not None

    async def require(self, path: str, what: Literal["file", "folder", "any"] = "any") -> Stat:
        """The path's Stat; PathError when it is missing or not of the kind needed."""
        found = await self.stat(path)
        if found is None:
            raise PathError(path, "no such file or folder", missing=True)
        if what == "file" and found.is_folder:
            raise PathError(path, "is a folder, not a file")
        if what == "folder" and not found.is_folder:
            raise PathError(path, "is not a folder")
        return found

    def full(self, path: str) -> str:
        """The path the system uses for a path as the user wrote it (see LocalFileSystem)."""
        return path
