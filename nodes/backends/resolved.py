"""A connection kind whose back-end is made from resolved settings: `resolve(options, context)` checks
and reads what the options name (files, secrets; never connects), and the back-end class takes the
result. The check is the resolve alone; the live test is the back-end's own async `probe()`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from engine.config.connections import BackendKind, OpenContext
from nodes.backends.interface import probe


def resolved_kind(kind: str, title: str, options: type[BaseModel],
                  resolve: Callable[[Any, OpenContext], Any], backend: Callable[[Any], Any],
                  description: str) -> BackendKind:
    def check(values: BaseModel, context: OpenContext) -> None:
        assert isinstance(values, options)
        resolve(values, context)

    def open_backend(values: BaseModel, context: OpenContext) -> Any:
        assert isinstance(values, options)
        return backend(resolve(values, context))

    return BackendKind(kind=kind, title=title, Options=options, open=open_backend, check=check,
                       probe=probe, description=description)
