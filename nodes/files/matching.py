"""Which files a path names: a file, or a wildcard in its last part (`/var/log/app/*.log`), in its folder
or with `recursive` in every sub-folder too, optionally only those older or newer than some days (as
Orchestrator's Delete File filters them). Links to folders are never followed."""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass

from .filesystem import Entry, FileSystem

WILDCARDS = frozenset("*?[")
DAY_S = 86400


def has_wildcard(text: str) -> bool:
    return bool(WILDCARDS & set(text))


@dataclass(frozen=True)
class AgeFilter:
    """Modified more than `older_than_days` ago and/or less than `newer_than_days` ago (this
    machine's clock)."""

    older_than_days: float | None = None
    newer_than_days: float | None = None

    def keeps(self, modified: float, now: float) -> bool:
        age = now - modified
        if self.older_than_days is not None and age <= self.older_than_days * DAY_S:
            return False
        return self.newer_than_days is None or age < self.newer_than_days * DAY_S


async def matching_files(fs: FileSystem, path: str, *, recursive: bool = False,
                         age: AgeFilter | None = None) -> list[Entry]:
    """The files the path names, sorted by path. A plain name (no wildcard, not recursive) must exist
    and be a file; a wildcard may match none. The folder part must exist."""
    folder, pattern = fs.paths.split(path)
    keep = age or AgeFilter()
    now = time.time()
    if not has_wildcard(pattern) and not recursive:
        found = await fs.require(path, "file")
        return [Entry(pattern, path, found)] if keep.keeps(found.modified, now) else []
    await fs.require(folder or ".", "folder")
    matched: list[Entry] = []
    pending = [folder or "."]
    while pending:
        for entry in sorted(await fs.entries(pending.pop()), key=lambda e: e.name):
            if entry.stat.is_folder:
                if recursive:
                    pending.append(entry.path)
            elif _matches(fs, entry.name, pattern) and keep.keeps(entry.stat.modified, now):
                matched.append(entry)
    return sorted(matched, key=lambda e: e.path)


def _matches(fs: FileSystem, name: str, pattern: str) -> bool:
    if fs.case_sensitive:
        return fnmatch.fnmatchcase(name, pattern)
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())
