"""A token's path context: the row of every activity it passed through (DESIGN §3.2).

Contexts form a chain from the newest row back to the start, shared between tokens, so fan-out costs
one small object per row. Subscriptions read the chain; they never see another branch's rows.
"""

from __future__ import annotations

from typing import Any

from ..format.templates import JOB, VAR, Reference


class MissingData(LookupError):
    """A subscription whose data is not on this token's path."""


class PathContext:
    __slots__ = ("activity_id", "common", "fields", "parent")

    def __init__(self, parent: PathContext | None, activity_id: str, fields: dict[str, Any],
                 common: dict[str, Any]) -> None:
        self.parent = parent
        self.activity_id = activity_id
        self.fields = fields
        self.common = common

    @property
    def status(self) -> str:
        return self.common["@status"]

    def find(self, activity_id: str) -> PathContext | None:
        node: PathContext | None = self
        while node is not None:
            if node.activity_id == activity_id:
                return node
            node = node.parent
        return None

    def lookup(self, ref: Reference) -> Any:
        node: PathContext | None = self  # find(), inlined: two subscriptions per instance walk the chain
        wanted = ref.activity
        while node is not None and node.activity_id != wanted:
            node = node.parent
        if node is None:
            raise MissingData(f'no data from "{ref.activity}" on this path (needed by {ref})')
        source = node.common if ref.common else node.fields
        try:
            return source[ref.field]
        except KeyError:
            raise MissingData(f'"{ref.activity}" published no field "{ref.field}" on this path '
                              f"(needed by {ref})") from None


def lookup_in(context: PathContext | None, ref: Reference) -> Any:
    if context is None:
        raise MissingData(f'no data from "{ref.activity}" on this path (needed by {ref})')
    return context.lookup(ref)


def root_context(job: dict[str, Any], variables: dict[str, Any]) -> PathContext:
    """Where every token's path starts when the runbook reads job data or global variables: two rows
    under the reserved ids, which the ordinary lookup finds behind the activities' own (a runbook that
    reads neither starts from None and pays nothing)."""
    return PathContext(PathContext(None, VAR, variables, {}), JOB, job, {})
