"""The core pack: start parameters, junctions, return data, invoking runbooks, comparing, waiting,
splitting text and running programs (DESIGN §4.2)."""

from engine.activity import Pack

from .compare_values import CompareValues
from .delay import Delay
from .initialize_data import InitializeData
from .invoke_runbook import InvokeRunbook
from .junction import Junction
from .return_data import ReturnData
from .run_program import RunProgram
from .split import Split

PACK = Pack(
    name="core",
    title="Runbook Control",
    description="Start parameters, junctions, returned data, child runbooks and utilities.",
    activities=[InitializeData, Junction, ReturnData, InvokeRunbook, CompareValues, Delay, Split,
                RunProgram],
)
