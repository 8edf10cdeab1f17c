"""Live validation: the engine's own checks (the same as `interlock validate`) run a moment after the
user stops editing, in a worker thread, on a snapshot of the document's text — never on the paint path
and never on a model the user is changing."""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from engine.config.registry import Registry
from engine.errors import Problem
from engine.format.document import Change, Document
from engine.format.fileio import dumps_runbook
from engine.format.validate import check_document

DEBOUNCE_MS = 250


class LiveValidator(QObject):
    checked = Signal(object)  # list[Problem] of the latest snapshot
    _finished = Signal(int, object)  # from the worker thread: (generation, problems)

    def __init__(self, document: Document, registry: Registry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.registry = registry
        self.file_name = "(unsaved)"
        self.problems: list[Problem] = []
        self._generation = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interlock-validate")
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        self._finished.connect(self._deliver)  # queued: the worker emits from its own thread
        document.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        self._timer.start()  # restart: validate once the user pauses

    def accept(self, problems: list[Problem]) -> None:
        """Problems already known for the current document (the loader's), instead of a new check."""
        self._timer.stop()
        self._generation += 1
        self.problems = problems
        self.checked.emit(problems)

    def run_now(self) -> Future[None]:
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        text = dumps_runbook(self.document.runbook)  # a snapshot: the worker never sees live models
        return self._pool.submit(self._check, generation, text, self.file_name)

    def _check(self, generation: int, text: str, file_name: str) -> None:
        _, problems = check_document(json.loads(text), file_name, self.registry)
        self._finished.emit(generation, problems)

    def _deliver(self, generation: int, problems: list[Problem]) -> None:
        if generation != self._generation:
            return  # an older snapshot finished after a newer one was asked for
        self.problems = problems
        self.checked.emit(problems)

    def shutdown(self) -> None:
        """Stop checking. Waits for a check in flight (milliseconds): its worker must not emit a
        signal into a window that is being destroyed."""
        self._timer.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
