"""Email over SMTP (aiosmtplib): a plain-text message, STARTTLS or implicit TLS per config."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from swarmdeck.costs.alerts._alert import Alert
from swarmdeck.costs.alerts._text import plain_text
from swarmdeck.costs.config import EmailChannel as EmailConfig

SMTP_TIMEOUT_SECONDS = 15.0


class EmailChannel:
    """Sends each alert as one message to every configured recipient."""

    def __init__(self, config: EmailConfig, *, name: str = "email") -> None:
        self.name = name
        self._config = config

    def __repr__(self) -> str:
        return f"EmailChannel(name={self.name!r}, host={self._config.smtp_host!r})"

    async def send(self, alert: Alert) -> None:
        config = self._config
        await aiosmtplib.send(
            message(alert, sender=config.sender, to=config.to),
            hostname=config.smtp_host,
            port=config.smtp_port,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            use_tls=config.use_tls,
            # Implicit TLS already encrypts; STARTTLS on top of it is an error.
            start_tls=config.starttls and not config.use_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )


def message(alert: Alert, *, sender: str, to: list[str]) -> EmailMessage:
    """The message: the alert's title as subject, its facts as a plain-text body."""
    mail = EmailMessage()
    mail["Subject"] = alert.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["X-SwarmDeck-Alert"] = alert.id
    mail["X-SwarmDeck-Event"] = alert.event_type
    mail.set_content(plain_text(alert))
    return mail
