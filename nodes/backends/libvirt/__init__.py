"""The `libvirt` connection kind: KVM/QEMU (or any libvirt) hosts through libvirt-python.

    [connections.kvm01]
    kind = "libvirt"
    uri = "qemu+ssh://root@kvm01/system"
    shutdown_timeout_s = 120        # how long a shutdown may take before Stop VM fails
    max_sessions = 5                # libvirt calls of this connection at once

libvirt-python is an optional extra, imported only when a libvirt connection is checked or opened, so
this module loads without it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.config.connections import BackendKind, OpenContext
from nodes.backends.interface import probe

from .backend import LibvirtBackend
from .session import Session, load_sdk


class LibvirtOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, description="libvirt connection URI, e.g. qemu+ssh://root@kvm01/system")
    # libvirtd serves 5 calls of one client at once by default (max_client_requests)
    max_sessions: int = Field(5, ge=1, description="libvirt calls of this connection at once")
    shutdown_timeout_s: float = Field(120.0, gt=0, description="how long Stop VM waits for a guest to "
                                                                "shut down before it fails")
    username: str | None = Field(None, description="for URIs that ask for credentials (SASL, libssh)")
    password_env: str | None = Field(None, description="environment variable holding the password")
    password_keyring: str | None = Field(None, description='"service:user" of the password in the OS keyring')


def check_libvirt(options: BaseModel, context: OpenContext) -> None:
    """libvirt-python is importable and a password variable is set (nothing is connected; a keyring
    entry is read when the connection opens, since reading a keyring can be slow)."""
    assert isinstance(options, LibvirtOptions)
    load_sdk(context.where)
    if options.password_env:
        context.secret("password", required=False)


def open_libvirt(options: BaseModel, context: OpenContext) -> LibvirtBackend:
    """The back-end; it connects on its first operation, in a worker thread."""
    assert isinstance(options, LibvirtOptions)
    sdk = load_sdk(context.where)
    session = Session(sdk, options.uri, options.username, context.secret("password", required=False))
    return LibvirtBackend(context.name, session, max_sessions=options.max_sessions,
                          shutdown_timeout_s=options.shutdown_timeout_s)


LIBVIRT = BackendKind(
    kind="libvirt",
    title="libvirt (KVM/QEMU)",
    Options=LibvirtOptions,
    open=open_libvirt,
    check=check_libvirt,
    probe=probe,
    description="Domains of a libvirt host as VMs, their snapshots as checkpoints; custom properties in "
                "each domain's metadata.",
)

__all__ = ["LIBVIRT", "LibvirtBackend", "LibvirtOptions"]
