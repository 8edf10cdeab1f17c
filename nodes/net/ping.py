"""Get Computer/IP Status: does a host answer? As in Orchestrator, a host that does not answer fails
the activity (so a runbook branches on its success or failure link); with fail_when_unreachable =
false it succeeds and publishes reachable = false instead."""

from __future__ import annotations

import statistics
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError

from .common import COLOR
from .reachability import Probe, icmp_mode, icmp_probe, resolve, tcp_probe


class PingProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, title="Computer or IP address", description="Host name or IP address")
    method: Literal["auto", "icmp", "tcp"] = Field(
        "auto", title="Method", description="auto: ICMP echo when this system allows it, else a TCP connect "
                                            "to Port; icmp or tcp: only that")
    port: int = Field(80, ge=1, le=65535, title="TCP port",
                      description="The port a TCP check connects to (a service the host runs: 22, 443, "
                                  "3389, 5985, ...)")
    count: int = Field(1, ge=1, le=20, title="Attempts", description="Echo requests (or connects) sent; "
                                                                     "one answer makes the host reachable")
    timeout_s: float = Field(2.0, gt=0, le=60, title="Timeout (s)", description="Longest wait per attempt")
    fail_when_unreachable: bool = Field(True, title="Fail when unreachable",
                                        description="true (as Orchestrator): a host that does not answer "
                                                    "fails the activity; false: it succeeds and publishes "
                                                    "reachable = false")


class PingRow(BaseModel):
    host: str = Field(description="The host as given")
    reachable: bool = Field(description="true when at least one attempt was answered")
    address: str = Field(description="The IP address that was tried (empty when the name is unknown)")
    method: str = Field(description="icmp or tcp: how it was checked")
    round_trip_ms: float | None = Field(title="Round trip (ms)",
                                        description="Average round-trip time of the answered attempts "
                                                    "(empty when unreachable)")
    received_percent: float = Field(title="Percentage of packets received",
                                    description="Answered attempts out of those sent, in percent")
    detail: str = Field(description="Why the host counts as unreachable (empty when reachable)")


class Ping(ActivityType):
    """Checks whether a host answers (ICMP echo, or a TCP connect)."""

    type_name = "net.ping"
    display_name = "Get Computer/IP Status"
    description = ("Checks whether a computer answers: ICMP echo when allowed, else a TCP connect; "
                   "publishes reachable, address and round-trip time. No answer fails it, as in "
                   "Orchestrator, unless Fail when unreachable is off.")
    icon = "ping"
    color = COLOR
    Properties = PingProperties
    Published = PingRow
    subject_field = "host"

    async def run(self, properties: PingProperties, context: RunContext) -> dict[str, Any]:
        p = properties
        method = p.method
        privileged = icmp_mode()
        if method == "auto":
            method = "tcp" if privileged is None else "icmp"
        elif method == "icmp" and privileged is None:
            raise ActivityError("ping: this system does not let Interlock send ICMP echo (run as root, or "
                                "add its group to net.ipv4.ping_group_range); use method tcp")
        try:
            address = await resolve(p.host, p.port)
        except OSError as exc:
            probe = Probe(method, failure=f"host name {p.host} not found ({exc.strerror or exc})")
            address = ""
        else:
            probe = await icmp_probe(address, p.count, p.timeout_s, bool(privileged)) if method == "icmp" \
                else await tcp_probe(address, p.port, p.count, p.timeout_s)
            if not probe.sent and p.method == "auto":
                probe = await tcp_probe(address, p.port, p.count, p.timeout_s)
        reachable = bool(probe.round_trips_ms)
        if not reachable and p.fail_when_unreachable:
            raise ActivityError(f"{p.host} is not reachable: {probe.failure}")
        return {"host": p.host, "reachable": reachable, "address": address, "method": probe.method,
                "round_trip_ms": round(statistics.fmean(probe.round_trips_ms), 3) if reachable else None,
                "received_percent": round(100 * len(probe.round_trips_ms) / p.count, 1),
                "detail": "" if reachable else probe.failure}
