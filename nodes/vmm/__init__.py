"""The VM pack: get, start and stop VMs; new, get, restore and remove checkpoints (DESIGN §4.2).
Every activity works on any connection whose kind manages VMs (nodes.backends.interface.VmManager)."""

from engine.activity import Pack

from .get_checkpoint import GetCheckpoint
from .get_vm import GetVm
from .new_checkpoint import NewCheckpoint
from .remove_checkpoint import RemoveCheckpoint
from .restore_checkpoint import RestoreCheckpoint
from .start_vm import StartVm
from .stop_vm import StopVm

PACK = Pack(
    name="vmm",
    title="Virtual Machines",
    description="VMs and their checkpoints on SCVMM, Hyper-V, libvirt or the simulated lab.",
    activities=[GetVm, StartVm, StopVm, NewCheckpoint, GetCheckpoint, RestoreCheckpoint, RemoveCheckpoint],
)
