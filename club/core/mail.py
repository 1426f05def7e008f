"""Sending email: one interface, three transports (SMTP, a development mailbox, memory for tests)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from club.core.timeutil import utcnow

log = logging.getLogger(__name__)
SMTP_COMPAT32 = email_policy.compat32.clone(linesep="\r\n")


class SMTPTransport:
    def __init__(self, config) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = config["MAIL_PORT"]
        self.use_tls = config["MAIL_USE_TLS"]
        self.use_ssl = config["MAIL_USE_SSL"]
        self.username = config["MAIL_USERNAME"]
        self.password = config["MAIL_PASSWORD"]
        self.timeout = config["MAIL_TIMEOUT"]

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        with self.connect() as smtp:
            smtp.send_message(message)

    @contextmanager
    def session(self):
        """One SMTP connection for many messages (the outbox drains through it)."""
        smtp = self.connect()
        try:
            yield smtp
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class _SingleMessageSessions:
    """Transports without connections: a "session" is the transport itself."""

    @contextmanager
    def session(self):
        yield self

    def send_message(self, message: EmailMessage) -> None:
        self.send(message)

    def sendmail(self, from_address: str, to_addresses: list[str], raw: bytes) -> None:
        self.send(message_from_bytes(raw, policy=email_policy.default))


class MailboxTransport(_SingleMessageSessions):
    """Development: each message becomes a .eml file in the instance folder, shown at /dev/mailbox."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(message.as_bytes())


class MemoryTransport(_SingleMessageSessions):
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)


def mailbox_directory(app) -> Path:
    return Path(app.instance_path) / "mailbox"


def init_mail(app) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend == "smtp":
        transport = SMTPTransport(app.config)
    elif backend == "mailbox":
        transport = MailboxTransport(mailbox_directory(app))
    elif backend == "memory":
        transport = MemoryTransport()
    else:
        raise RuntimeError(f"MAIL_BACKEND must be smtp, mailbox or memory, not {backend!r}")
    app.extensions["club_mail"] = transport


def transport():
    return current_app.extensions["club_mail"]


def new_message_id() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")


def sender_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def build_bytes(to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None) -> bytes:
    """The same message as build_message, as bytes ready for SMTP, built with the compat32 classes:
    several times faster than EmailMessage, which matters when the outbox sends thousands."""
    if html is None:
        message = MIMEText(text, "plain", "utf-8")
    else:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    message["From"] = formataddr((str(Header(name, "utf-8")) if not name.isascii() else name, address))
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8") if not subject.isascii() else subject
    message["Date"] = format_datetime(utcnow())
    headers = dict(headers or {})
    message["Message-ID"] = headers.pop("Message-ID", None) or new_message_id()
    for header_name, value in headers.items():
        message[header_name] = value
    # SMTP wants CRLF line ends; sendmail sends bytes as they are.
    return message.as_bytes(policy=SMTP_COMPAT32)


def build_message(
    to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None
) -> EmailMessage:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    headers = dict(headers or {})
    message["Message-ID"] = headers.pop("Message-ID", None) or new_message_id()
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message: EmailMessage) -> bool:
    """Hand a message to the transport; a failing mail server is logged, never shown as a 500."""
    try:
        transport().send(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", message["To"])
        return False
    return True


def send_template(to: str, template: str, subject, locale: str | None = None, **context) -> bool:
    """Render templates/email/<template>.txt and .html in the recipient's language and send them.

    subject is a lazy string so that it, too, is translated into the recipient's language.
    """
    subject_text, text, html = render_mail(template, subject, locale, **context)
    return send_message(build_message(to, subject_text, text, html))


def render_mail(template: str, subject, locale: str | None = None, **context) -> tuple[str, str, str]:
    """(subject, text, html) of templates/email/<template>.txt and .html in the recipient's language:
    what send_template sends at once, and what outbox writers store."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_text = str(subject)
        context = {"subject": subject_text, **context}
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    return subject_text, text, html
