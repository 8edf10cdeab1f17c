"""The runbook tester, as in Orchestrator: run in step mode (one instance at a time: Step releases the
next, Continue lets the rest run) and stop at breakpoints toggled on activities. It is the engine's own
pause hook (`before_instance`), not a second engine: a paused instance has not started; its inputs are
already resolved and shown."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from engine.run.job import PausePoint


class Tester(QObject):
    paused = Signal(object)  # the PausePoint the job now waits at
    resumed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.breakpoints: set[str] = set()
        self.step_mode = False
        self.waiting: list[tuple[PausePoint, asyncio.Event]] = []
        self.stepping: PausePoint | None = None  # let go by Step; the next pause shows when it ends

    def toggle_breakpoint(self, activity_id: str) -> bool:
        """Set or clear a breakpoint; True when it is now set."""
        if activity_id in self.breakpoints:
            self.breakpoints.discard(activity_id)
            return False
        self.breakpoints.add(activity_id)
        return True

    async def before_instance(self, point: PausePoint) -> None:
        if not (self.step_mode or point.activity in self.breakpoints):
            return
        release = asyncio.Event()
        self.waiting.append((point, release))
        if len(self.waiting) == 1 and self.stepping is None:
            self.paused.emit(point)
        await release.wait()

    def note_finished(self, activity: str, instance: int) -> None:
        """An instance ended (from the job's events): after a Step, show the next pause now."""
        stepping = self.stepping
        if stepping is not None and (stepping.activity, stepping.instance) == (activity, instance):
            self.stepping = None
            if self.waiting:
                self.paused.emit(self.waiting[0][0])

    def step(self) -> None:
        """Let exactly one waiting instance run; the job pauses again before the next one, shown once
        this one has ended."""
        self.step_mode = True
        if self.waiting:
            self.stepping = self.waiting[0][0]
            self._release(1)

    def continue_(self) -> None:
        """Run on, stopping only at breakpoints."""
        self.step_mode = False
        self.stepping = None
        self._release(len(self.waiting))  # what is held now goes on; breakpoints still stop later ones

    def _release(self, count: int) -> None:
        for _ in range(min(count, len(self.waiting))):
            _, release = self.waiting.pop(0)
            release.set()
        self.resumed.emit()
        if self.waiting and self.stepping is None:
            self.paused.emit(self.waiting[0][0])

    def reset(self) -> None:
        """A job ended or was stopped: nothing stays held."""
        self.stepping = None
        self._release(len(self.waiting))
        self.step_mode = False
