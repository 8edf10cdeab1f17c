"""The catalogue: the runbook files under one folder (as git keeps them), each known by its path
relative to that folder ("patching/vms.json").

Every listing looks at the files again (a walk and a stat each, cheap next to parsing) and re-reads only
those whose modification time or size changed, so a `git pull` in the folder is served at once, without
a restart. A file that does not load is listed with its problems instead of failing the listing; starting
it is refused with the same located messages `interlock validate` prints. Paths are checked before any
file is touched: nothing outside the folder (no `..`, no absolute path, no link leading out) is served.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, Field

from ..errors import InterlockError, RunbookError
from ..format.fileio import load_runbook
from ..format.model import Runbook
from ..run.executor import Engine

SUFFIX = ".json"


class NotInCatalogue(InterlockError):
    """A path that names no runbook file of the catalogue."""


class CatalogueEntry(BaseModel):
    path: str = Field(description="The file's path in the catalogue, with / between folders")
    folder: str = Field(description='Its folder in the catalogue ("" at the top)')
    name: str = Field(description="The runbook's name (the file's stem when it does not load)")
    description: str = ""
    parameters: list[dict[str, Any]] = Field(
        default_factory=list, description="Its start parameters: name, type, default, required")
    valid: bool = Field(True, description="False when the file does not load; `problems` say why")
    problems: list[str] = Field(default_factory=list, description="Located errors and warnings")
    modified_at: float = 0.0


@dataclass
class _Loaded:
    stamp: tuple[int, int]  # (mtime_ns, size) of the file when read
    entry: CatalogueEntry
    runbook: Runbook | None


class Catalogue:
    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root.resolve()
        self.engine = engine
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()  # listings run in worker threads; one reads a changed file at a time

    # -- paths ---------------------------------------------------------------------------------------

    def file(self, path: str) -> Path:
        """The file a catalogue path names, or NotInCatalogue."""
        pure = PurePosixPath(path)
        if (not path or pure.is_absolute() or "\\" in path or any(p in ("", ".", "..") for p in pure.parts)
                or pure.suffix != SUFFIX or any(p.startswith(".") for p in pure.parts)):
            raise NotInCatalogue(f'no runbook "{path}" in the catalogue (a path like "folder/name.json")')
        file = (self.root / pure).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            raise NotInCatalogue(f'no runbook "{path}" in the catalogue ({self.root})')
        return file

    def paths(self) -> list[str]:
        """Every runbook file's catalogue path, sorted; hidden folders (.git) and files left out."""
        found = []
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            base = Path(folder).relative_to(self.root)
            found += [(base / f).as_posix() for f in files if f.endswith(SUFFIX) and not f.startswith(".")]
        return sorted(found)

    # -- reading -------------------------------------------------------------------------------------

    def entries(self) -> list[CatalogueEntry]:
        """The catalogue as it is on disk now."""
        listed = []
        paths = self.paths()
        for path in paths:
            try:
                listed.append(self._load(path).entry)
            except NotInCatalogue:  # removed between the walk and the read
                continue
        with self._lock:
            for gone in set(self._loaded) - set(paths):
                del self._loaded[gone]
        return listed

    def entry(self, path: str) -> CatalogueEntry:
        return self._load(path).entry

    def runbook(self, path: str) -> Runbook:
        """The runbook to run; RunbookError (with catalogue paths in its messages) when it does not load."""
        loaded = self._load(path)
        if loaded.runbook is None:
            raise RunbookError("\n".join(p for p in loaded.entry.problems if ": warning: " not in p)
                               or f"{path}: invalid runbook", file=path)
        return loaded.runbook

    def _load(self, path: str) -> _Loaded:
        file = self.file(path)
        try:
            stat = file.stat()
        except OSError:
            raise NotInCatalogue(f'no runbook "{path}" in the catalogue ({self.root})') from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._loaded.get(path)
            if known is not None and known.stamp == stamp:
                return known
            loaded = self._read(path, file, stamp, stat.st_mtime)
            self._loaded[path] = loaded
            return loaded

    def _read(self, path: str, file: Path, stamp: tuple[int, int], mtime: float) -> _Loaded:
        folder = PurePosixPath(path).parent.as_posix()
        base = {"path": path, "folder": "" if folder == "." else folder, "modified_at": mtime}
        try:
            runbook = load_runbook(file, self.engine.registry)
            parameters = [p.model_dump(mode="json") for p in self.engine.start_parameters(runbook)]
        except RunbookError as exc:
            problems = [self.relative_message(str(p), file, path) for p in exc.problems]
            return _Loaded(stamp, CatalogueEntry(**base, name=PurePosixPath(path).stem, valid=False,
                                                 problems=problems), None)
        except InterlockError as exc:  # e.g. a start activity whose parameters cannot be read
            problems = [self.relative_message(str(exc), file, path)]
            return _Loaded(stamp, CatalogueEntry(**base, name=PurePosixPath(path).stem, valid=False,
                                                 problems=problems), None)
        warnings = [self.relative_message(str(w), file, path) for w in runbook.warnings]
        return _Loaded(stamp, CatalogueEntry(**base, name=runbook.name, description=runbook.description,
                                             parameters=parameters, problems=warnings), runbook)

    def relative_message(self, message: str, file: Path, path: str) -> str:
        """Messages name the file by its catalogue path: the server's folders are not the caller's."""
        return message.replace(str(file), path)
