"""Activity packs and back-end kinds, found through the `interlock.activities` and `interlock.backends`
entry-point groups (DESIGN §1, §4).

An entry point names a `Pack` (or `BackendKind`) object, or a callable returning one. A broken pack
fails loudly with the pack's name instead of silently disappearing from the palette.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

from ..activity import ActivityType, Pack
from ..errors import PackError
from .connections import BackendKind

GROUP = "interlock.activities"
BACKENDS_GROUP = "interlock.backends"


class Registry:
    """Activity types by type name (`pack.activity`), one instance of each."""

    def __init__(self, packs: list[Pack] | None = None, backends: list[BackendKind] | None = None) -> None:
        self.packs: list[Pack] = []
        self._types: dict[str, ActivityType] = {}
        self.backends: dict[str, BackendKind] = {}
        for pack in packs or []:
            self.add(pack)
        for backend in backends or []:
            self.add_backend(backend)

    def add_backend(self, backend: BackendKind) -> None:
        if backend.kind in self.backends:
            raise PackError(f'back-end kind "{backend.kind}" is already registered')
        self.backends[backend.kind] = backend

    def add(self, pack: Pack) -> None:
        for cls in pack.activities:
            name = getattr(cls, "type_name", None)
            if not name or not name.startswith(pack.name + "."):
                raise PackError(f'activity pack "{pack.name}": {cls.__name__} needs a type_name '
                                f'starting with "{pack.name}."')
            if name in self._types:
                raise PackError(f'activity pack "{pack.name}": type "{name}" is already registered')
            if cls.kind != "junction" and not callable(getattr(cls, "run", None)):
                raise PackError(f'activity pack "{pack.name}": {name} has no run()')
            self._types[name] = cls()
        self.packs.append(pack)

    def get(self, type_name: str) -> ActivityType | None:
        return self._types.get(type_name)

    def types(self) -> dict[str, ActivityType]:
        return dict(self._types)

    @classmethod
    def from_entry_points(cls) -> Registry:
        return _installed()


@cache
def _installed() -> Registry:
    registry = Registry()
    for pack in _load_group(GROUP, Pack, "activity pack"):
        registry.add(pack)
    for backend in _load_group(BACKENDS_GROUP, BackendKind, "back-end"):
        registry.add_backend(backend)
    return registry


def _load_group(group: str, expected: type, label: str) -> list[Any]:
    found = []
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            loaded = ep.load()
            item = loaded() if callable(loaded) and not isinstance(loaded, expected) else loaded
        except Exception as exc:  # a broken third-party package must name itself
            raise PackError(f'{label} "{ep.name}" ({ep.value}) failed to load: '
                            f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(item, expected):
            raise PackError(f'{label} "{ep.name}" ({ep.value}) is not an '
                            f"{expected.__module__}.{expected.__name__}")
        found.append(item)
    return found
