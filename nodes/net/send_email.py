"""Send Email: a message through an `smtp` connection, to To, Cc and Bcc recipients, with a text or
HTML body, file attachments and an importance."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.activity import ActivityType, RunContext
from engine.errors import ActivityError
from nodes.backends.interface import backend_for
from nodes.backends.smtp import SmtpMailer, valid_address

from .common import COLOR, CONNECTION
from .message import Importance, addresses, bare, build

RECIPIENTS = "A list of addresses, or addresses separated by commas (\"Ops <ops@contoso.com>\" works)"


class SendEmailProperties(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    connection: str = CONNECTION
    to: list[str] | str = Field(default_factory=list, title="To", description=RECIPIENTS)
    cc: list[str] | str = Field(default_factory=list, title="Cc", description=RECIPIENTS)
    bcc: list[str] | str = Field(default_factory=list, title="Bcc",
                                 description=RECIPIENTS + "; not shown to the other recipients")
    subject: str = Field("", title="Subject", description="The subject line (line breaks become spaces)")
    body: str = Field("", title="Message", description="The message text")
    body_type: Literal["text", "html"] = Field("text", title="Format", description="text or html")
    attachments: list[str] = Field(default_factory=list, title="Attachments",
                                   description="Files to attach; a relative path is relative to the "
                                               "runbook's folder")
    importance: Importance = Field("normal", title="Importance",
                                   description="low, normal or high (X-Priority and Importance headers)")
    sender: str | None = Field(None, alias="from", title="From",
                               description="The sender (default: the connection's from)")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return valid_address(value) if value else None


class SentRow(BaseModel):
    message_id: str = Field(title="Message ID", description="The Message-ID header of the sent message")
    recipients: list[str] = Field(description="Every address the server accepted (To, Cc and Bcc)")


class SendEmail(ActivityType):
    """Sends an e-mail through an SMTP server."""

    type_name = "net.send_email"
    display_name = "Send Email"
    description = "Sends an e-mail (text or HTML, attachments, importance) through an smtp connection."
    icon = "email"
    color = COLOR
    Properties = SendEmailProperties
    Published = SentRow

    async def run(self, properties: SendEmailProperties, context: RunContext) -> dict[str, Any]:
        p = properties
        mailer = backend_for(context, p.connection, SmtpMailer, "send e-mail")
        sender = p.sender or mailer.settings.sender
        if sender is None:
            raise ActivityError(f'no sender: set "from" on the activity or on connection "{p.connection}"')
        to, cc, bcc = addresses(p.to, "to"), addresses(p.cc, "cc"), addresses(p.bcc, "bcc")
        envelope = list(dict.fromkeys(bare(a) for a in to + cc + bcc))
        if not envelope:
            raise ActivityError("no recipients: set to, cc or bcc")
        folder = Path(context.runbook_path).parent if context.runbook_path else Path.cwd()
        files = [folder / Path(f).expanduser() for f in p.attachments]
        message = build(sender, to, cc, p.subject, p.body, p.body_type, p.importance, files)
        refused = await context.run_blocking(mailer.send, message, bare(sender), envelope)
        if refused:
            context.warn("the server refused " + "; ".join(f"{who} ({why})" for who, why in refused.items()))
        return {"message_id": message["Message-ID"], "recipients": [a for a in envelope if a not in refused]}
