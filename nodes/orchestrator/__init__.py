"""What an Orchestrator import leaves where Interlock has no counterpart yet (DESIGN §6.2)."""

from engine.activity import Pack

from .unsupported import Unsupported

PACK = Pack(
    name="orchestrator",
    title="Orchestrator import",
    description="Placeholders for imported Orchestrator activities that Interlock cannot run yet.",
    activities=[Unsupported],
)
