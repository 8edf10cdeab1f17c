"""What the net pack's activities share."""

from __future__ import annotations

from pydantic import Field

COLOR = "#2f7d6d"

CONNECTION = Field(min_length=1, title="Connection",
                   description="The connection (from the config) to use")
