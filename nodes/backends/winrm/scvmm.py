"""The `scvmm` connection kind (placeholder while it is being built; replaced by the real module)."""

from pydantic import BaseModel, ConfigDict

from engine.connections import BackendKind, OpenContext
from engine.errors import ConfigError


class _Options(BaseModel):
    model_config = ConfigDict(extra="allow")


def _open(options: BaseModel, context: OpenContext) -> object:
    raise ConfigError(f"{context.where}: kind \"scvmm\" is not built yet")


SCVMM = BackendKind(kind="scvmm", title="scvmm", Options=_Options, open=_open)
