"""DOT and Mermaid renderings of a runbook: nodes by name, junctions distinct, links labelled, disabled
things dashed, and text that cannot break the output syntax."""

from __future__ import annotations

import re

import pytest

from engine.config.registry import Registry
from engine.format.export import condition_text, link_text, render_text, to_dot, to_mermaid
from engine.format.model import Link, Runbook


def runbook(**changes: object) -> Runbook:
    data = {
        "format": "interlock.runbook/1",
        "name": 'VM "Checkpoint"',
        "activities": [
            {"id": "start", "type": "core.initialize_data", "name": "Custom Start"},
            {"id": "get_vms", "type": "vmm.get_vm", "name": "Get VMs in Batch"},
            {"id": "stop_vm", "type": "vmm.stop_vm", "name": "Stop VM"},
            {"id": "wait", "type": "core.junction", "name": "Wait for Stopped"},
            {"id": "old", "type": "core.delay", "name": "Old step", "enabled": False},
            {"id": "end", "type": "core.delay", "name": 'Say "done" | <end>'},
        ],
        "links": [
            {"from": "start", "to": "get_vms"},
            {"from": "get_vms", "to": "stop_vm",
             "include": [{"field": "get_vms.status", "op": "equals", "value": "Running"}]},
            {"from": "get_vms", "to": "wait", "label": "all VMs", "color": "#ff0000"},
            {"from": "stop_vm", "to": "wait", "include": [{"status": ["warning", "failed"]}],
             "enabled": False},
            {"from": "wait", "to": "old"},
            {"from": "wait", "to": "end", "exclude": [{"field": "wait.count", "op": "less_than", "value": 3}],
             "delay_s": 5},
        ],
    }
    data.update(changes)
    return Runbook.model_validate(data)


def dot_node(text: str, node_id: str) -> str:
    match = re.search(rf'^  "{node_id}" \[(.*)\];$', text, re.MULTILINE)
    assert match, f"no node {node_id} in\n{text}"
    return match.group(1)


def dot_edge(text: str, source: str, target: str) -> str:
    match = re.search(rf'^  "{source}" -> "{target}"(?: \[(.*)\])?;$', text, re.MULTILINE)
    assert match, f"no edge {source} -> {target} in\n{text}"
    return match.group(1) or ""


def test_dot_nodes_are_labelled_with_names_and_junctions_are_diamonds() -> None:
    text = to_dot(runbook())
    assert text.startswith('digraph "VM \\"Checkpoint\\"" {\n') and text.endswith("}\n")
    assert dot_node(text, "get_vms") == 'label="Get VMs in Batch"'
    assert "shape=diamond" in dot_node(text, "wait")
    assert "shape=diamond" not in dot_node(text, "stop_vm")
    assert "dashed" in dot_node(text, "old") and "dashed" not in dot_node(text, "start")
    assert 'label="Say \\"done\\" | <end>"' in dot_node(text, "end")


def test_dot_edges_carry_labels_or_condition_summaries() -> None:
    text = to_dot(runbook())
    assert dot_edge(text, "start", "get_vms") == ""  # the default success link needs no words
    assert dot_edge(text, "get_vms", "stop_vm") == 'label="status = Running"'
    assert dot_edge(text, "get_vms", "wait") == 'label="all VMs", color="#ff0000"'
    assert dot_edge(text, "stop_vm", "wait") == 'label="@status in failed, warning", style=dashed'
    assert dot_edge(text, "wait", "end") == 'label="not count < 3 (after 5s)"'
    assert text.count(" -> ") == 6


def test_mermaid_shapes_edges_and_styles() -> None:
    text = to_mermaid(runbook())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  get_vms["Get VMs in Batch"]' in lines
    assert '  wait{"Wait for Stopped"}' in lines  # a junction is a rhombus
    assert "  start --> get_vms" in lines
    assert '  get_vms -->|"status = Running"| stop_vm' in lines
    assert '  stop_vm -.->|"@status in failed, warning"| wait' in lines  # disabled link: dotted
    assert "  linkStyle 2 stroke:#ff0000" in lines
    assert "  class old disabled" in lines


def test_mermaid_escapes_text_and_reserved_ids() -> None:
    text = to_mermaid(runbook())
    # "end" would close the flowchart; quotes, pipes and angle brackets would end the label early.
    assert '  _end["Say #quot;done#quot; #124; #lt;end#gt;"]' in text.splitlines()
    assert '  wait -->|"not count < 3 (after 5s)"| _end'.replace("<", "#lt;") in text.splitlines()
    assert not re.search(r"^\s*end\b", text, re.MULTILINE)


def test_a_colour_that_could_break_a_style_line_is_left_out() -> None:
    book = runbook(links=[{"from": "start", "to": "get_vms", "color": "red;} click x"}])
    assert "linkStyle" not in to_mermaid(book)


@pytest.mark.parametrize(("condition", "text"), [
    ({"status": "failed"}, "@status = failed"),
    ({"field": "a.name", "op": "starts_with", "value": "web"}, "name starts with web"),
    ({"field": "a.n", "op": "between", "value": [1, 5]}, "n between 1 and 5"),
    ({"field": "a.n", "op": "is_empty"}, "n is empty"),
    ({"field": "a.x.y", "op": "at_least", "value": 2}, "x.y ≥ 2"),
])
def test_condition_summaries(condition: dict, text: str) -> None:
    link = Link.model_validate({"from": "a", "to": "b", "include": [condition]})
    assert condition_text(link.include[0]) == text


def test_long_labels_are_shortened() -> None:
    link = Link.model_validate({"from": "a", "to": "b", "label": "x" * 200})
    assert len(link_text(link)) <= 48 and link_text(link).endswith("…")


def test_junctions_come_from_the_registry_when_given() -> None:
    registry = Registry.from_entry_points()
    text = to_dot(runbook(), registry)
    assert "shape=diamond" in dot_node(text, "wait")
    assert render_text(runbook(), "mermaid", registry) == to_mermaid(runbook(), registry)


def test_export_is_deterministic() -> None:
    assert to_dot(runbook()) == to_dot(runbook())
    assert to_mermaid(runbook()) == to_mermaid(runbook())
