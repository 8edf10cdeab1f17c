"""Counters as a job uses them (DESIGN §6.1, Orchestrator's Get Counter Value / Modify Counter).

The config's `[counters]` says which counters exist and where each starts; their values live in a
`CounterStore` (the run history's database, engine.history.counters), which the engine is given when it
is made, so this layer never imports a history back-end. A store applies `next_value` inside one
transaction that holds the write lock, which is what keeps concurrent jobs and processes from losing a
change.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, Protocol

from ..errors import ActivityError, InterlockError

if TYPE_CHECKING:
    from ..config.settings import Config

CounterAction = Literal["get", "increment", "decrement", "set", "reset"]
LOWEST, HIGHEST = -(2**63), 2**63 - 1  # what SQLite (and PostgreSQL's bigint) keep


class CounterStore(Protocol):
    def change(self, name: str, action: CounterAction, amount: int, default: int) -> int:
        """Apply `action` to the counter (blocking, atomic) and return its value afterwards; a counter
        never changed before starts at `default`. Raises an InterlockError when the store fails."""


def next_value(name: str, action: CounterAction, current: int, amount: int, default: int) -> int:
    """The counter's value after `action`; ActivityError when it would leave the 64-bit range."""
    if action == "get":
        return current
    if action == "reset":
        return default
    value = {"increment": current + amount, "decrement": current - amount, "set": amount}[action]
    if not LOWEST <= value <= HIGHEST:
        raise ActivityError(f'counter "{name}": {action} by {amount} would take it beyond the range of '
                            f"a 64-bit integer (it is {current})")
    return value


async def use_counter(config: Config, store: CounterStore | None, name: str, action: CounterAction,
                      amount: int = 0) -> int:
    """Apply an action to a counter the config defines; its value afterwards. The store's blocking
    transaction runs in a worker thread (it may wait for another process's lock)."""
    counter = config.counters.get(name)
    if counter is None:
        where = str(config.source) if config.source else "the config file (interlock.toml)"
        raise ActivityError(f'counter "{name}" is not defined: add it under [counters] in {where}')
    if store is None:
        raise ActivityError(f'counter "{name}": this engine was started without a counter store '
                            "(Engine(counters=...)), so it cannot keep counters")
    try:
        return await asyncio.to_thread(store.change, name, action, amount, counter.default)
    except ActivityError:
        raise
    except InterlockError as exc:
        raise ActivityError(f'counter "{name}": {exc}') from None
