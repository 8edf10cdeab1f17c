"""Start parameters of a job (declared by the start activity) and their checking."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import ParameterError
from .limits import number_problem, number_text_problem

ParameterType = Literal["string", "number", "boolean"]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Parameter name, as the operator types it")
    type: ParameterType = Field("string", description="string, number or boolean")
    # typed_by: a form hint — the default is read as the parameter's own type (the designer's table).
    default: Any = Field(None, description="Value used when the job is started without it",
                         json_schema_extra={"typed_by": "type"})
    required: bool = Field(True, description="A job cannot start without a value (or a default)")


def coerce(parameter: Parameter, value: Any) -> Any:
    """Convert a value (often text from a command line) to the parameter's type, or say why not."""
    if parameter.type == "string":
        if isinstance(value, str | int | float | bool):
            return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) \
                else str(value)
        raise ParameterError(f'parameter "{parameter.name}" must be text, got {value!r}')
    if parameter.type == "number":
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        text = "" if numeric else str(value).strip()
        problem = number_problem(value) if numeric else number_text_problem(text)
        if problem:  # a 5,000-digit integer, 1e999, NaN: nothing later could use it
            raise ParameterError(f'parameter "{parameter.name}" must be a number, got {_excerpt(value)}: '
                                 f"{problem}")
        if numeric:
            return value
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise ParameterError(f'parameter "{parameter.name}" must be a number, got {value!r}') \
                    from None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ParameterError(f'parameter "{parameter.name}" must be true or false, got {value!r}')


def check_parameters(declared: list[Parameter], given: dict[str, Any], runbook: str = "") -> dict[str, Any]:
    """The job's parameter values: every given one known and typed, every required one present."""
    where = f'runbook "{runbook}": ' if runbook else ""
    known = {p.name: p for p in declared}
    unknown = [name for name in given if name not in known]
    if unknown:
        names = ", ".join(f'"{n}"' for n in known) or "none"
        raise ParameterError(f"{where}unknown parameter {', '.join(repr(u) for u in unknown)} "
                             f"(this runbook takes: {names})")
    values: dict[str, Any] = {}
    missing = []
    for parameter in declared:
        if parameter.name in given:
            values[parameter.name] = coerce(parameter, given[parameter.name])
        elif parameter.default is not None:
            values[parameter.name] = coerce(parameter, parameter.default)
        elif parameter.required:
            missing.append(parameter.name)
    if missing:
        raise ParameterError(f"{where}missing required parameter "
                             + ", ".join(f'"{m}"' for m in missing)
                             + " (give it with -p NAME=VALUE)")
    return values


def _excerpt(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
