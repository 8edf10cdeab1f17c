"""Building engine-made pydantic models on the hot path without re-validating them.

`model_construct` spends most of its time on generic bookkeeping; the engine builds events and
results from values it already trusts, so it fills the instance directly (defaults included).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


@cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    out = {}
    for name, info in cls.model_fields.items():
        if info.default_factory is None and not info.is_required():
            out[name] = info.default
    return out


@cache
def _factories(cls: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    return tuple((n, i.default_factory) for n, i in cls.model_fields.items() if i.default_factory)


@cache
def _field_count(cls: type[BaseModel]) -> int:
    return len(cls.model_fields)


def build(cls: type[M], **values: Any) -> M:
    if len(values) == _field_count(cls):  # every field given (an instance's result): nothing to fill
        data = values
    else:
        data = {**_defaults(cls), **values}
        for name, factory in _factories(cls):
            if name not in data:
                data[name] = factory()
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
