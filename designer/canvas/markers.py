"""What activity and link items share: the validation problems they carry and show on hover."""

from __future__ import annotations

from collections.abc import Callable


class ProblemMarkers:
    """Mixin for canvas items: `errors` and `warnings` from live validation; the item repaints and
    rebuilds its tooltip (`_refresh_tooltip`) only when they change."""

    errors: list[str]
    warnings: list[str]
    _refresh_tooltip: Callable[[], None]  # each item words its own tooltip

    def set_problems(self, errors: list[str], warnings: list[str]) -> None:
        if (errors, warnings) != (self.errors, self.warnings):
            self.errors, self.warnings = errors, warnings
            self._refresh_tooltip()
            self.update()  # type: ignore[attr-defined]
