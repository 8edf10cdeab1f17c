"""A stand-in `systemctl` for the tests (no init system runs here): the part of systemctl's command
line that the system pack uses, over unit states kept in units.json beside the installed script, so
that start/stop/restart change what `show` reports. Every call's argv is appended to calls.jsonl.

Units behave as their "behaviour" says: "normal" gets there at once, "slow" stays activating for
`polls` calls of `show`, "never" stays activating, "fails" starts and dies (failed, a new InvocationID).
A masked unit refuses to start, as systemd does.

install(folder, units) writes bin/systemctl (running this file with the tests' Python) and the state.
"""

from __future__ import annotations

import fcntl
import json
import stat
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def unit(description: str, active: str = "inactive", file_state: str = "enabled",
         behaviour: str = "normal", polls: int = 3) -> dict[str, Any]:
    sub = {"active": "running", "inactive": "dead", "failed": "failed"}[active]
    return {"description": description, "active": active, "sub": sub, "file_state": file_state,
            "behaviour": behaviour, "polls": polls, "invocation": 1 if active == "active" else 0,
            "pending": 0}


def install(folder: Path, units: dict[str, dict[str, Any]]) -> Path:
    """bin/systemctl in folder, with these units (by full name, "nginx.service"); the bin folder."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "units.json").write_text(json.dumps(units, indent=1), encoding="utf-8")
    script = bin_dir / "systemctl"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(HERE.parent)!r})\n"
                      f"import systemctl_standin\n"
                      f"sys.exit(systemctl_standin.main([{str(script)!r}, *sys.argv[1:]]))\n",
                      encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def read_units(bin_dir: Path) -> dict[str, dict[str, Any]]:
    return json.loads((bin_dir / "units.json").read_text(encoding="utf-8"))


def calls(bin_dir: Path) -> list[list[str]]:
    log = bin_dir / "calls.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


# -- the command --------------------------------------------------------------------------------------

def _full(name: str) -> str:
    return name if "." in name else f"{name}.service"


def _set(u: dict[str, Any], active: str, sub: str) -> None:
    u["active"], u["sub"] = active, sub


def _start(u: dict[str, Any]) -> None:
    u["invocation"] += 1
    behaviour = u["behaviour"]
    if behaviour == "normal":
        _set(u, "active", "running")
    else:
        _set(u, "activating", "start")
        u["pending"] = u["polls"] if behaviour == "slow" else 1


def _show(name: str, u: dict[str, Any] | None, wanted: list[str]) -> str:
    if u is not None and u["active"] == "activating" and u["behaviour"] != "never":
        u["pending"] -= 1
        if u["pending"] <= 0:
            _set(u, *(("failed", "failed") if u["behaviour"] == "fails" else ("active", "running")))
    values = {"Id": name, "LoadState": "not-found", "ActiveState": "inactive", "SubState": "dead",
              "Description": name, "UnitFileState": "", "InvocationID": ""}
    if u is not None:
        values.update({"LoadState": "loaded", "ActiveState": u["active"], "SubState": u["sub"],
                       "Description": u["description"], "UnitFileState": u["file_state"],
                       "InvocationID": f"{u['invocation']:032x}" if u["invocation"] else ""})
    return "".join(f"{key}={values[key]}\n" for key in wanted if key in values)


def main(argv: list[str]) -> int:
    bin_dir = Path(argv[0]).parent
    with (bin_dir / "calls.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(argv[1:]) + "\n")
    args = argv[1:]
    if "--" not in args or len(args) - args.index("--") != 2:
        print("stand-in systemctl: expected OPTIONS VERB -- UNIT", file=sys.stderr)
        return 64
    options, name = args[:args.index("--")], _full(args[-1])
    verbs = [a for a in options if not a.startswith("-")]
    with (bin_dir / "units.json").open("r+", encoding="utf-8") as state:
        fcntl.flock(state, fcntl.LOCK_EX)
        units = json.load(state)
        u = units.get(name)
        code = _run(verbs, options, name, u)
        state.seek(0)
        state.truncate()
        json.dump(units, state, indent=1)
    return code


def _run(verbs: list[str], options: list[str], name: str, u: dict[str, Any] | None) -> int:
    if verbs == ["show"]:
        wanted = next(o for o in options if o.startswith("--property=")).split("=", 1)[1].split(",")
        sys.stdout.write(_show(name, u, wanted))
        return 0
    if len(verbs) != 1 or verbs[0] not in ("start", "stop", "restart") or "--no-block" not in options:
        print(f"stand-in systemctl: unsupported {options}", file=sys.stderr)
        return 64
    if u is None:
        print(f"Failed to {verbs[0]} {name}: Unit {name} not found.", file=sys.stderr)
        return 5
    if verbs[0] != "stop" and u["file_state"] == "masked":
        print(f"Failed to {verbs[0]} {name}: Unit {name} is masked.", file=sys.stderr)
        return 1
    if verbs[0] in ("stop", "restart"):
        _set(u, "inactive", "dead")
    if verbs[0] in ("start", "restart") and (u["active"] != "active" or verbs[0] == "restart"):
        _start(u)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
