"""The connections an import needs: Orchestrator keeps a server, a port and an account inside each Send
Email, Query Database or Run SSH Command; Interlock keeps them once per connection in interlock.toml.
Activities with the same settings share one connection; the file is connections.toml, to copy into
interlock.toml, and a password becomes the name of an environment variable to set, never text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .naming import slug, unique

ENV_PREFIX = "INTERLOCK_"


class ConnectionReport(BaseModel):
    name: str
    kind: str
    source: str  # the first activity that uses it
    env: str | None = None  # the environment variable of its password, when it has one
    to_check: list[str] = []  # keys the export did not give as plain values: fill them in


@dataclass
class ConnectionBook:
    entries: list[tuple[ConnectionReport, dict[str, Any]]] = field(default_factory=list)
    _by_options: dict[str, str] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)

    def add(self, kind: str, where: str, options: dict[str, Any], *, password: bool = False,
            to_check: tuple[str, ...] = (), label: str | None = None) -> str:
        """The name of the connection with these options (made on first use). `password`: the
        activity had one (encrypted in the export): the connection reads it from an environment
        variable. `to_check`: keys whose value must be filled in by hand. `label`: what names it (default:
        its host)."""
        identity = json.dumps([kind, options, password, sorted(to_check)], sort_keys=True, ensure_ascii=False)
        if identity in self._by_options:
            return self._by_options[identity]
        where_to = label or str(options.get("host") or kind)
        name = unique(slug(f"{kind} {where_to}", kind), self._taken)
        env = f"{ENV_PREFIX}{name.upper()}_PASSWORD" if password else None
        written = {"kind": kind, **options, **({"password_env": env} if env else {})}
        self.entries.append((ConnectionReport(name=name, kind=kind, source=where, env=env,
                                              to_check=sorted(to_check)), written))
        self._by_options[identity] = name
        return name

    def reports(self) -> list[ConnectionReport]:
        return [report for report, _ in self.entries]

    def toml(self) -> str:
        lines = ["# Connections the imported runbooks use: copy these tables into interlock.toml",
                 "# (see docs/connections.md). Passwords were encrypted in the export and are not carried",
                 "# over: set the environment variable named by password_env (or use password_keyring)."]
        for report, options in self.entries:
            lines += ["", f"[connections.{report.name}]  # first used by {report.source}"]
            for key, value in options.items():
                check = key in report.to_check
                note = "  # check: the export did not give it as a plain value" if check else ""
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}{note}")
        return "\n".join(lines) + "\n"
