"""The file system of this machine: the primitives of filesystem.py on os and shutil, each run in a
worker thread so a slow disk or network share never holds up the event loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat as stat_module
from collections.abc import Callable
from typing import TypeVar

from .filesystem import Entry, FileSystem, PathError, Stat, kind_of, readonly_mode

T = TypeVar("T")

try:  # POSIX only: user names of owners
    import pwd
except ImportError:  # pragma: no cover - Windows
    pwd = None  # type: ignore[assignment]


def _owner(uid: int) -> str:
    if pwd is None:
        return ""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _hidden(name: str, result: os.stat_result) -> bool:
    attributes = getattr(result, "st_file_attributes", None)
    if attributes is not None:  # Windows: the hidden attribute
        return bool(attributes & stat_module.FILE_ATTRIBUTE_HIDDEN)
    return name.startswith(".")


def _stat(path: str, result: os.stat_result) -> Stat:
    # st_birthtime where the system tells it (macOS, BSD; Windows from Python 3.12); Windows' st_ctime
    # is the creation time too. Linux keeps it but Python's os.stat does not expose it.
    created = getattr(result, "st_birthtime", None)
    if created is None and os.name == "nt":  # pragma: no cover - Windows
        created = result.st_ctime
    return Stat(kind=kind_of(result.st_mode), size=result.st_size, modified=result.st_mtime,
                accessed=result.st_atime, created=created, mode=stat_module.S_IMODE(result.st_mode),
                owner=_owner(result.st_uid), hidden=_hidden(os.path.basename(path), result),
                readonly=readonly_mode(result.st_mode))


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


class LocalFileSystem(FileSystem):
    """Files on the machine that runs the job."""

    paths = os.path
    case_sensitive = os.name != "nt"

    def __init__(self, base_folder: str | None = None) -> None:
        self.base_folder = base_folder or os.getcwd()

    def full(self, path: str) -> str:
        """`~` expanded; a relative path is taken from the runbook's folder, as other activities' files."""
        return os.path.normpath(os.path.join(self.base_folder, os.path.expanduser(path)))

    @property
    def where(self) -> str:
        return "this machine"

    async def _call(self, path: str, function: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.to_thread(function, *args)
        except FileNotFoundError as exc:
            raise PathError(exc.filename or path, _reason(exc), missing=True) from None
        except OSError as exc:
            raise PathError(getattr(exc, "filename", None) or path, _reason(exc)) from None

    async def stat(self, path: str, *, follow: bool = True) -> Stat | None:
        def get() -> Stat | None:
            try:
                return _stat(path, os.stat(path, follow_symlinks=follow))
            except (FileNotFoundError, NotADirectoryError):
                return None
        return await self._call(path, get)

    async def entries(self, folder: str) -> list[Entry]:
        def scan() -> list[Entry]:
            with os.scandir(folder) as found:
                return [Entry(item.name, item.path, _stat(item.path, item.stat(follow_symlinks=False)))
                        for item in found]
        return await self._call(folder, scan)

    async def make_folder(self, path: str) -> None:
        await self._call(path, os.makedirs, path, 0o777, True)

    async def remove_folder(self, path: str) -> None:
        await self._call(path, os.rmdir, path)

    async def remove_file(self, path: str) -> None:
        await self._call(path, os.remove, path)

    async def rename(self, source: str, target: str, *, replace: bool) -> None:
        def move() -> None:
            # os.rename replaces a file silently on POSIX: the caller checked the target first when
            # replacing is not allowed. Across file systems, shutil.move copies and removes.
            try:
                (os.replace if replace else os.rename)(source, target)
            except OSError as exc:
                if exc.errno != 18:  # EXDEV: another file system
                    raise
                shutil.move(source, target)
        await self._call(source, move)

    async def copy(self, source: str, target: str) -> None:
        await self._call(source, shutil.copy2, source, target)

    async def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        def read() -> bytes:
            with open(path, "rb") as file:
                file.seek(offset)
                return file.read(-1 if length is None else length)
        return await self._call(path, read)

    async def write(self, path: str, data: bytes, *, append: bool) -> None:
        def write() -> None:
            with open(path, "ab" if append else "wb") as file:
                file.write(data)
        await self._call(path, write)
