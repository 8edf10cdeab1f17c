"""Activity packs, found through the `interlock.activities` entry-point group (DESIGN §1).

An entry point names a `Pack` object (or a callable returning one). A broken pack fails loudly with the
pack's name instead of silently disappearing from the palette.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from .activity import ActivityType, Pack
from .errors import PackError

GROUP = "interlock.activities"


class Registry:
    """Activity types by type name (`pack.activity`), one instance of each."""

    def __init__(self, packs: list[Pack] | None = None) -> None:
        self.packs: list[Pack] = []
        self._types: dict[str, ActivityType] = {}
        for pack in packs or []:
            self.add(pack)

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
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            loaded = ep.load()
            pack = loaded() if callable(loaded) and not isinstance(loaded, Pack) else loaded
        except Exception as exc:  # a broken third-party pack must name itself
            raise PackError(f'activity pack "{ep.name}" ({ep.value}) failed to load: '
                            f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(pack, Pack):
            raise PackError(f'activity pack "{ep.name}" ({ep.value}) is not an engine.activity.Pack')
        registry.add(pack)
    return registry
