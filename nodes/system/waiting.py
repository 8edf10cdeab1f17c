"""Start/Stop Service's part that is the same on every host: skip what is already done, ask, then poll
the status with a growing but bounded interval until the service gets there or the time is up."""

from __future__ import annotations

import asyncio

from .servicestate import Action, ServiceManager, ServiceState

FIRST_POLL_S = 0.25
MAX_POLL_S = 3.0
_TARGET = {"start": "running", "stop": "stopped", "restart": "running"}
_ON_ITS_WAY = {"start": "starting", "stop": "stopping"}


async def change_service(manager: ServiceManager, service: str, action: Action, *, wait: bool,
                         timeout_s: float) -> tuple[ServiceState, bool]:
    """The service's final state, and whether anything was asked of the host. A start of a running
    service or a stop of a stopped one asks nothing and succeeds (as Start-Service does); one already on
    its way is waited for."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    before = await manager.status(service)
    target = _TARGET[action]
    if action != "restart" and before.status in (target, _ON_ITS_WAY[action]):
        if before.status == target or not wait:
            return before, False
        return await _until(manager, service, action, deadline, timeout_s, before), False
    if action == "restart" and not manager.native_restart:
        if before.status != "stopped":
            await manager.request(service, "stop")
            await _until(manager, service, "stop", deadline, timeout_s, before)
        await manager.request(service, "start")
    else:
        await manager.request(service, action)
    if not wait:
        return await manager.status(service), True
    return await _until(manager, service, action, deadline, timeout_s, before), True


async def _until(manager: ServiceManager, service: str, action: Action, deadline: float, timeout_s: float,
                 before: ServiceState) -> ServiceState:
    loop = asyncio.get_running_loop()
    target = _TARGET[action]
    interval = FIRST_POLL_S
    while True:
        state = await manager.status(service)
        renewed = bool(state.generation) and state.generation != before.generation
        if state.status == target and (action != "restart" or not before.generation or renewed):
            return state
        if target == "running" and state.status == "stopped" and renewed:
            raise manager.place.error(f"{action} service", service,
                                      f"it started but stopped again ({state.raw_status})")
        left = deadline - loop.time()
        if left <= 0:
            raise manager.place.error(f"{action} service", service,
                                      f"still {state.status} ({state.raw_status}) after {timeout_s:g} s "
                                      f"(timeout_s), not {target}; the host may still get it there")
        await asyncio.sleep(min(interval, left))
        interval = min(interval * 1.5, MAX_POLL_S)
