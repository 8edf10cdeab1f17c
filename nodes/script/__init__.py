"""The script pack: Run Script (Orchestrator's Run .Net Script) in PowerShell or Python."""

from engine.activity import Pack

from .run_script import RunScript

PACK = Pack(
    name="script",
    title="Scripts",
    description="PowerShell and Python scripts, here or on remote hosts, publishing their variables.",
    activities=[RunScript],
)
