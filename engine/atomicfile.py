"""Writing a file atomically, as editors do: a reader sees the old file or the new one, never a part of
one; a crash leaves the old file in place; and the file keeps what `ls -l` shows of it.

The text goes to a temp file beside the target, `.NAME.PID.RANDOM.tmp`, which is flushed to disk and
renamed over the target (then the folder is flushed, where the system allows). Before the rename the
temp gets the target's mode and, where the system allows it, its owner and group, so a runbook or lab
that a scheduler running as another user reads stays readable; a new file gets the mode `open()` would
give it (0666 less the umask), not a private temp file's 0600. A symbolic link is written through, not
replaced by a file.

A writer killed between creating its temp and renaming it leaves the temp behind: the next write of the
same file removes those whose writer process is gone (the PID in the name says which one wrote it).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from pathlib import Path

# A temp of ours this old whose writer process has ended was left by a killed writer. (A write takes
# milliseconds; the margin covers a writer on another host sharing the folder, whose PID means nothing
# here.)
STALE_AFTER_S = 60.0
# Any temp of ours this old is abandoned, whatever its PID says (reused since, or another host's).
ABANDONED_AFTER_S = 24 * 3600.0
# After the target's name: `.PID.RANDOM.tmp`, or mkstemp's `.XXXXXXXX.tmp` of earlier versions (no PID).
_OUR_TEMP = re.compile(r"\.(?:(\d+)\.[0-9a-f]{8}|[a-z0-9_]{8})\.tmp")

_swept: dict[Path, float] = {}  # target -> when its folder was last looked at for stale temps


def write_atomically(path: str | Path, text: str) -> None:
    """Replace (or create) the file at `path` with `text` in UTF-8, atomically."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    target = Path(os.path.realpath(path))
    _remove_stale_temps(target)
    try:
        existing: os.stat_result | None = target.stat()
    except FileNotFoundError:
        existing = None
    fd, temp = _create_temp(target)
    try:
        with open(fd, "wb") as handle:
            if existing is not None:
                _copy_owner_and_mode(handle.fileno(), existing)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _create_temp(target: Path) -> tuple[int, Path]:
    # 0666: the umask applies as it does to open(); an existing target's mode is copied afterwards.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"{target.parent}: no free temp file name for {target.name}")


def _copy_owner_and_mode(fd: int, existing: os.stat_result) -> None:
    if os.name != "posix":
        return
    created = os.fstat(fd)
    if (created.st_uid, created.st_gid) != (existing.st_uid, existing.st_gid):
        # Root can give the file back to its owner; anyone can keep its group if they belong to it.
        # Neither is possible otherwise, and the write goes on as the writer's own file.
        try:
            os.fchown(fd, existing.st_uid, existing.st_gid)
        except OSError:
            with contextlib.suppress(OSError):
                os.fchown(fd, -1, existing.st_gid)
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))  # after chown, which may clear set-id bits


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX; not every file system allows it on a folder)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temps(target: Path) -> None:
    """Remove the temps of `target` that killed writers left. A temp only becomes stale STALE_AFTER_S
    after it was made, so the folder is looked at no more often than that for one target."""
    now = time.monotonic()
    last = _swept.get(target)
    if last is not None and now - last < STALE_AFTER_S:
        return
    _swept[target] = now
    prefix = f".{target.name}"
    try:
        entries = [e for e in os.scandir(target.parent)
                   if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return
    wall = time.time()
    for entry in entries:
        match = _OUR_TEMP.fullmatch(entry.name, len(prefix))
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = wall - entry.stat(follow_symlinks=False).st_mtime
            pid = match.group(1)
            if age > ABANDONED_AFTER_S or (pid is not None and age > STALE_AFTER_S and not _alive(int(pid))):
                os.unlink(entry.path)
        except OSError:  # gone meanwhile, or not ours to remove: harmless either way
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill would end the process there: only age says a temp is abandoned
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True
