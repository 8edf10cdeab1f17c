"""The core pack: start parameters, junctions, return data, invoking runbooks, comparing, waiting,
splitting text, running programs and counters (DESIGN §4.2, §6.1)."""

from engine.activity import Pack

from .compare_values import CompareValues
from .counters import GetCounter, ModifyCounter
from .delay import Delay
from .initialize_data import InitializeData
from .invoke_runbook import InvokeRunbook
from .junction import Junction
from .return_data import ReturnData
from .run_program import RunProgram
from .split import Split
from .wait import Wait

PACK = Pack(
    name="core",
    title="Runbook Control",
    description="Start parameters, junctions, returned data, child runbooks and utilities.",
    activities=[InitializeData, Junction, ReturnData, InvokeRunbook, CompareValues, Delay, Split,
                RunProgram, Wait, GetCounter, ModifyCounter],
)
