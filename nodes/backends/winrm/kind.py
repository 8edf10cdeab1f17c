"""A WinRM connection kind: its options model, a check that never connects, how it opens, and the
live test of `interlock connections test` (the back-end's own probe)."""

from __future__ import annotations

from pydantic import BaseModel

from engine.config.connections import BackendKind, OpenContext
from nodes.backends.interface import probe

from .options import WinRmOptions, resolve
from .remote import PowerShellBackend


def winrm_kind(kind: str, title: str, options: type[WinRmOptions], backend: type[PowerShellBackend],
               description: str) -> BackendKind:
    def check(values: BaseModel, context: OpenContext) -> None:
        assert isinstance(values, options)
        resolve(values, context)  # the transport's package, the username, the password's source

    def open_connection(values: BaseModel, context: OpenContext) -> PowerShellBackend:
        assert isinstance(values, options)
        return backend(context.name, resolve(values, context), values)

    return BackendKind(kind=kind, title=title, Options=options, open=open_connection, check=check,
                       description=description, probe=probe)
