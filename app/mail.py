"""E-mail over SMTP (standard library ``smtplib``), configured by ``MAIL_*`` in ``config.py``.

With no ``MAIL_SERVER`` nothing is sent: :func:`mail_configured` is False and callers skip e-mail (the in-app
notifications still work). One :class:`Mailer` holds one SMTP connection for a batch of messages, so a daily
digest run opens one connection whatever the number of recipients; a message that fails is reported to the
caller (who keeps it for the next run) and the connection is reopened for the next one.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

__all__ = ["Mail", "Mailer", "mail_configured", "send_mail", "usable_address"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One message: recipient, subject and plain-text body (UTF-8)."""

    to: str
    subject: str
    body: str


def mail_configured() -> bool:
    """True when ``MAIL_SERVER`` is set."""
    return bool(current_app.config.get("MAIL_SERVER"))


def usable_address(address: str | None) -> bool:
    """True for an address worth sending to (accounts made without e-mail get ``…@khong-co-email.invalid``)."""
    if not address or "@" not in address:
        return False
    return not address.strip().lower().endswith(".invalid")


def _message(mail: Mail) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg.get("MAIL_FROM") or "no-reply@cbccvc.local"
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="cbccvc.local")
    msg.set_content(mail.body, charset="utf-8")
    return msg


class Mailer:
    """An SMTP session for a batch of messages (``with Mailer() as m: m.send(mail)``)."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = current_app.config
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25),
                            timeout=int(cfg.get("MAIL_TIMEOUT") or 20))
        try:
            smtp.ehlo()
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        except Exception:
            smtp.close()
            raise
        return smtp

    def send(self, mail: Mail) -> None:
        """Send one message; raises ``smtplib.SMTPException`` / ``OSError`` when it could not be sent."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(_message(mail))
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """End the session (quietly: the server may already be gone)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one message now. False (and a log line) when no server is configured; raises when sending fails."""
    if not mail_configured():
        log.info("mail: no MAIL_SERVER configured, e-mail to %s skipped", to)
        return False
    with Mailer() as mailer:
        mailer.send(Mail(to, subject, body))
    return True
