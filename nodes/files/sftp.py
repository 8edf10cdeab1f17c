"""A host's file system over SFTP (asyncssh's client on an `ssh` connection): the primitives of
filesystem.py. Paths are POSIX paths on the host; a relative path starts at the login's home folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncssh

from nodes.backends.ssh import SshClient

from .filesystem import Entry, FileSystem, PathError, Stat, kind_of, readonly_mode

T = TypeVar("T")
MISSING = (asyncssh.FX_NO_SUCH_FILE, asyncssh.FX_NO_SUCH_PATH)


def _stat(path: str, attrs: asyncssh.SFTPAttrs, owner: str | None = None) -> Stat:
    mode = attrs.permissions or 0
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return Stat(kind=kind_of(mode), size=attrs.size or 0, modified=float(attrs.mtime or 0),
                accessed=float(attrs.atime) if attrs.atime is not None else None,
                created=float(attrs.crtime) if attrs.crtime is not None else None,
                mode=mode & 0o7777, owner=owner or attrs.owner or (str(attrs.uid) if attrs.uid is not None
                                                                   else ""),
                hidden=name.startswith("."), readonly=readonly_mode(mode))


def _owner_in(longname: str) -> str | None:
    """The owner's name in an `ls -l` style line (OpenSSH's readdir sends one per entry)."""
    fields = longname.split()
    return fields[2] if len(fields) > 3 else None


class SftpFileSystem(FileSystem):
    """Files on the host of an `ssh` connection, through one SFTP session."""

    def __init__(self, client: SshClient, sftp: asyncssh.SFTPClient) -> None:
        self.client = client
        self.sftp = sftp

    @property
    def where(self) -> str:
        return f'connection "{self.client.name}" ({self.client.settings.address})'

    async def _call(self, path: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except asyncssh.SFTPError as exc:
            raise PathError(path, str(exc.reason).lower(), missing=exc.code in MISSING) from None
        except (asyncssh.Error, OSError) as exc:
            raise PathError(path, f"the connection dropped: {getattr(exc, 'reason', exc)}") from None

    async def stat(self, path: str, *, follow: bool = True) -> Stat | None:
        call = self.sftp.stat(path) if follow else self.sftp.lstat(path)
        try:
            return _stat(path, await self._call(path, call))
        except PathError as exc:
            if exc.missing:
                return None
            raise

    async def entries(self, folder: str) -> list[Entry]:
        names = await self._call(folder, self.sftp.readdir(folder))
        found = []
        for item in names:
            name = str(item.filename)
            if name in (".", ".."):
                continue
            path = f"{folder.rstrip('/')}/{name}" if folder.rstrip("/") else f"/{name}"
            found.append(Entry(name, path, _stat(path, item.attrs, _owner_in(str(item.longname or "")))))
        return found

    async def make_folder(self, path: str) -> None:
        await self._call(path, self.sftp.makedirs(path, exist_ok=True))

    async def remove_folder(self, path: str) -> None:
        await self._call(path, self.sftp.rmdir(path))

    async def remove_file(self, path: str) -> None:
        await self._call(path, self.sftp.remove(path))

    async def rename(self, source: str, target: str, *, replace: bool) -> None:
        # SFTP's own rename never replaces; OpenSSH's posix-rename extension does, atomically.
        call = self.sftp.posix_rename(source, target) if replace else self.sftp.rename(source, target)
        try:
            await self._call(source, call)
        except PathError as exc:
            # OpenSSH says only "Failure" for a move to another file system (EXDEV): copy, then remove.
            if exc.reason != "failure":
                raise
            if not replace and await self.exists(target):
                raise PathError(target, "already exists") from None
            await self.copy(source, target)
            await self.remove_file(source)

    async def copy(self, source: str, target: str) -> None:
        await self._call(source, self.sftp.copy(source, target, preserve=True))

    async def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        async def read() -> bytes:
            async with self.sftp.open(path, "rb") as file:
                await file.seek(offset)
                return await file.read(-1 if length is None else length)
        return await self._call(path, read())

    async def write(self, path: str, data: bytes, *, append: bool) -> None:
        async def write() -> None:
            async with self.sftp.open(path, "ab" if append else "wb") as file:
                await file.write(data)
        await self._call(path, write())


@asynccontextmanager
async def sftp_file_system(client: SshClient, operation: str) -> AsyncIterator[SftpFileSystem]:
    """The host's file system for the block (one SFTP session)."""
    async with client.sftp(operation=operation) as sftp:
        yield SftpFileSystem(client, sftp)
