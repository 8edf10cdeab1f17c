"""How Interlock uses Python's cyclic garbage collector.

Loading a big runbook, or running a job with thousands of instances, creates many objects that all
stay alive (the document's dicts and models, each instance's rows). Every allocation threshold crossed
meanwhile starts a collection that walks them and frees nothing: measured on a 10,000-activity file it
cost several times the parsing itself, and half the engine's per-instance cost (benchmarks/engine.py).
Reference counting still frees ordinary garbage at once; only reference cycles wait for the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Collect young objects after this many net allocations instead of CPython's 700: a job's bursts of
# short-lived rows and events then rarely trigger a pass, and the cycles they leave are still freed.
JOB_GEN0_THRESHOLD = 20_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """No collection inside the block (a load that only builds objects); resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_for_jobs() -> None:
    """For a process that is about to run jobs (the CLI, the scheduler, the designer): move what is
    loaded so far (modules, registry, runbooks) out of the collector's sight with gc.freeze, and raise
    the young-generation threshold. Call once, after loading."""
    gc.collect()
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, JOB_GEN0_THRESHOLD), gen1, gen2)
