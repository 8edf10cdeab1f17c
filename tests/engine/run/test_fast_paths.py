"""The engine's per-instance shortcuts say exactly what the general code says: timestamps, rendered
properties, and which statuses a status-only link lets through."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from engine.format.model import StatusCondition
from engine.format.templates import compile_properties, render_value
from engine.run.clock import iso
from engine.run.datapath import PathContext
from engine.run.filtering import passes
from engine.run.plan import _passing_statuses

STATUSES = ["success", "warning", "failed", "cancelled"]


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
def test_iso_matches_datetime_isoformat(timestamp):
    assert iso(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()


def test_iso_of_a_whole_second_and_of_a_second_rounded_up():
    assert iso(1_700_000_000.0) == "2023-11-14T22:13:20+00:00"
    assert iso(1_700_000_000.9999996) == datetime.fromtimestamp(1_700_000_000.9999996, UTC).isoformat()


def test_compiled_properties_render_like_render_value():
    row = {"vm_id": "id-1", "vm_name": "web01", "count": 3, "flag": True}
    context = PathContext(None, "get_vms", row, {"@status": "success"})
    properties = {"connection": "default", "vm_id": "{{get_vms.vm_id}}", "count": "{{get_vms.count}}",
                  "name": "Batch 1 - {{get_vms.vm_name}}", "mode": "shutdown", "limit": 5, "none": None,
                  "filters": [{"field": "custom_property_1", "op": "equals", "value": "{{get_vms.flag}}"}],
                  "table": {"a": "{{get_vms.vm_name}}", "b": [1, 2]}, "escaped": "\\{{not.this}}"}
    compiled = compile_properties(properties)(context.lookup)
    assert compiled == render_value(properties, context.lookup)
    assert compiled["count"] == 3 and compiled["name"] == "Batch 1 - web01"
    # Nested values are fresh copies: an activity that changed its list would not change the runbook.
    assert compiled["filters"] is not properties["filters"]


statuses = st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3)
conditions = st.lists(statuses.map(lambda s: StatusCondition(status=s if len(s) > 1 else s[0])), max_size=3)


@given(conditions, conditions)
def test_status_only_links_pass_what_filtering_passes(include, exclude):
    allowed = _passing_statuses(tuple(include), tuple(exclude))
    for status in STATUSES:
        token = PathContext(None, "a", {}, {"@status": status})
        assert (status in allowed) == passes(include, exclude, token, lambda _message: None), status
