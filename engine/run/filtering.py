"""Evaluating conditions against a token (links) or an instance's result (loops)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from ..format.model import DataCondition, StatusCondition
from ..format.templates import Reference, has_template, render_value
from .conditions import compare
from .datapath import MissingData, PathContext

Report = Callable[[str], None]


@lru_cache(maxsize=4096)
def field_reference(field: str) -> Reference:
    activity, _, name = field.partition(".")
    return Reference(activity, name)


def holds(condition: StatusCondition | DataCondition, context: PathContext, report: Report) -> bool:
    if isinstance(condition, StatusCondition):
        wanted = condition.status  # a plain field: much cheaper than the model's private cache
        status = context.common["@status"]
        return status == wanted if isinstance(wanted, str) else status in wanted
    try:
        left = context.lookup(field_reference(condition.field))
    except MissingData:
        return False  # a token without that field (an error token, another branch): simply false
    right = condition.value
    if has_template(right):
        try:
            right = render_value(right, context.lookup)
        except MissingData as exc:
            report(f"condition on {condition.field}: {exc}")
            return False
    result, why = compare(left, condition.op, right)
    if why:
        report(f"condition {condition.field} {condition.op} is false: {why}")
    return result


def passes(include: Iterable[StatusCondition | DataCondition],
           exclude: Iterable[StatusCondition | DataCondition], context: PathContext, report: Report) -> bool:
    """Some include condition holds and no exclude condition does (DESIGN §3.4)."""
    if not any(holds(c, context, report) for c in include):
        return False
    return not any(holds(c, context, report) for c in exclude)
