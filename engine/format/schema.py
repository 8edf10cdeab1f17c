"""The JSON Schema of the runbook file, format 1 (DESIGN §2), generated from engine.model.

    python -m engine.format.schema              rewrite resources/schema/runbook.schema.json
    python -m engine.format.schema --check      exit 1 when the checked-in file is stale
    python -m engine.format.schema -o -         print the schema

The schema covers the shape of the file (keys, types, patterns), which is what editors and other
tools need. What only a registry or the graph can tell — a type's properties, unique ids, cycles,
subscriptions — stays with `interlock validate`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..paths import resources_dir
from .jsonfmt import dumps
from .model import FORMAT, FORMAT_VERSION, Runbook

SCHEMA_ID = f"urn:interlock:schema:runbook:{FORMAT_VERSION}"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_PATH = resources_dir() / "schema" / "runbook.schema.json"
REGENERATE = "python -m engine.format.schema"

# pydantic cannot push a bound onto a union (`int | float`) and writes its own keyword instead;
# these are the JSON Schema keywords for them.
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def _fix_bounds(node: Any) -> Any:
    if isinstance(node, list):
        return [_fix_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    fixed = {}
    for key, value in node.items():
        if key in _BOUNDS and isinstance(value, int | float) and "anyOf" in node:
            fixed[_BOUNDS[key]] = value
        else:
            fixed[key] = _fix_bounds(value)
    if fixed.get("anyOf") == [{"type": "integer"}, {"type": "number"}]:
        # int | float: every integer is a number already
        del fixed["anyOf"]
        fixed = {"type": "number", **fixed}
    return fixed


def runbook_schema() -> dict[str, Any]:
    """The schema as a JSON object, keys in a stable order."""
    generated = _fix_bounds(Runbook.model_json_schema(by_alias=True, mode="validation"))
    # What the models check in code rather than in their annotations:
    generated["required"] = ["format", *[k for k in generated.get("required", []) if k != "format"]]
    include = generated["$defs"]["Link"]["properties"]["include"]
    for branch in include["anyOf"]:
        if branch.get("type") == "array":
            branch["minItems"] = 1  # "include": [] passes nothing: omit the key for the default
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": f"Interlock runbook, format {FORMAT_VERSION}",
        "description": f'A runbook file ("format": "{FORMAT}"). Activity properties are checked by '
                       f"each activity type; ids, links and subscriptions by `interlock validate`.",
        **{k: v for k, v in generated.items() if k != "title"},
    }


def schema_text() -> str:
    """The canonical text of the schema file."""
    return dumps(runbook_schema())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.format.schema",
                                     description="Write the JSON Schema of the runbook format.")
    parser.add_argument("-o", "--output", default=str(SCHEMA_PATH),
                        help="where to write it ('-' for stdout; default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the file differs from the models")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(args.output)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            print(f"{target} is stale: regenerate it with `{REGENERATE}`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
