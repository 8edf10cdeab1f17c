"""Send Platform Event: a message at a severity in the job's own log — the run log every watcher sees
(`interlock run`, `--events`, the designer) and the run history — as Orchestrator's activity raises an
event in its console."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activity import ActivityType, RunContext

Severity = Literal["info", "warning", "error"]


class PlatformEventProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Severity = Field("info", title="Type", description="The event's severity: info, warning or error")
    summary: str = Field(min_length=1, title="Summary", description="One line saying what happened")
    details: str = Field("", title="Details", description="More text: what to look at, what to do next")


class PlatformEventSent(BaseModel):
    type: str = Field(title="Type", description="The severity it was sent at")
    summary: str = Field(title="Summary", description="The summary it sent")
    details: str = Field(title="Details", description="The details it sent")


def event_text(summary: str, details: str) -> str:
    """One log line: the summary, then the details (a log line shows a line break as \\n)."""
    return f"{summary} — {details}" if details.strip() else summary


class SendPlatformEvent(ActivityType):
    type_name = "system.send_platform_event"
    display_name = "Send Platform Event"
    description = ("Writes an event at a severity (info, warning, error) into the job's log and run "
                   "history, where the run log, interlock run and the designer show it.")
    icon = "platform_event"
    color = "#a0522d"
    Properties = PlatformEventProperties
    Published = PlatformEventSent
    subject_field = "summary"

    async def run(self, properties: PlatformEventProperties, context: RunContext) -> dict[str, Any]:
        context.log(event_text(properties.summary, properties.details), properties.type)
        return {"type": properties.type, "summary": properties.summary, "details": properties.details}
