"""The net pack: commands over SSH, e-mail, and whether a host answers (DESIGN §6.3)."""

from engine.activity import Pack

from .ping import Ping
from .send_email import SendEmail
from .ssh_command import SshCommand

PACK = Pack(
    name="net",
    title="Network and Mail",
    description="Run SSH Command, Send Email and Get Computer/IP Status.",
    activities=[SshCommand, SendEmail, Ping],
)
