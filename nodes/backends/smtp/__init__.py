"""The `smtp` connection kind: e-mail through a mail server (smtplib), for net.send_email.

    [connections.mail]
    kind = "smtp"
    host = "smtp.contoso.com"
    security = "starttls"                      # starttls (587) | tls (465) | none (25)
    username = "svc-runbook@contoso.com"
    password_env = "INTERLOCK_MAIL_PASSWORD"   # or password_keyring; never plain text
    from = "Runbooks <runbooks@contoso.com>"
"""

from __future__ import annotations

from nodes.backends.resolved import resolved_kind

from .mailer import SmtpMailer
from .options import SmtpOptions, SmtpSettings, resolve, valid_address

SMTP = resolved_kind(
    "smtp", "SMTP (e-mail)", SmtpOptions, resolve, SmtpMailer,
    "Sends e-mail through a mail server (SMTP with STARTTLS or TLS, optional login).")

__all__ = ["SMTP", "SmtpMailer", "SmtpOptions", "SmtpSettings", "valid_address"]
