"""libvirt's domain states in Interlock's status vocabulary (DESIGN §4).

The numbers are virDomainState and virDomainPausedReason from libvirt's public ABI (they never change),
written here so that this module loads without libvirt-python; the tests check them against it.
"""

from __future__ import annotations

from nodes.backends.interface import VmStatus

NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED = range(8)
PAUSED_SHUTTING_DOWN = 8
PAUSED_STARTING_UP = 11

# libvirt's own words for the states: the <state> of a snapshot's XML, published as raw_status.
WORDS = {NOSTATE: "nostate", RUNNING: "running", BLOCKED: "blocked", PAUSED: "paused",
         SHUTDOWN: "shutdown", SHUTOFF: "shutoff", CRASHED: "crashed", PMSUSPENDED: "pmsuspended"}

# CRASHED and PMSUSPENDED are neither running nor cleanly stopped, and Interlock's start and stop
# cannot handle them (a crashed domain needs an operator; a suspended guest a wake-up): Unknown, so a
# runbook filtering on Running or Stopped leaves them alone. "disk-snapshot" is a snapshot's state
# when only its disks were captured.
_BY_WORD: dict[str, VmStatus] = {"running": "Running", "blocked": "Running", "paused": "Paused",
                                 "shutdown": "Stopping", "shutoff": "Stopped"}


def word(state: int) -> str:
    return WORDS.get(state, f"state {state}")


def status_of(state: int, reason: int, has_managed_save: bool) -> VmStatus:
    """The status of a domain from virDomainGetState's (state, reason) and whether it has a
    managed-save image (a shut-off domain with one is Saved: starting it restores the memory)."""
    if state == SHUTOFF and has_managed_save:
        return "Saved"
    if state == PAUSED and reason == PAUSED_STARTING_UP:
        return "Starting"
    if state == PAUSED and reason == PAUSED_SHUTTING_DOWN:
        return "Stopping"
    return status_of_word(word(state))


def status_of_word(raw: str) -> VmStatus:
    """The status for libvirt's word for a state (as a snapshot's XML records it)."""
    return _BY_WORD.get(raw, "Unknown")
