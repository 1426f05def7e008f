"""Factories and helpers for the digest and outbox tests: subscribers, cycles, and a real SMTP server.

    ext = make_subscriber("ext@example.org", frequency="daily", locale="en")      # confirmed
    pending = make_subscriber(confirmed=False)
    sub = member_subscriber(alice, "weekly")                                        # via the service
    report = cycle("weekly", utcnow())                                              # run_cycle, committed
    mails = drain_to_memory(app)                                                    # {recipient: EmailMessage}

    with smtp_for(app) as server:            # aiosmtpd on loopback; the app now sends over SMTP to it
        server.answer("bad@example.org", "550 5.1.1 No such user")
        outbox.drain()
        server.count_by_recipient()          # {"ext@example.org": 1, ...}
        server.connections                   # how many SMTP connections the senders opened

Everything a factory makes is committed, like the other factories, so requests and threads see it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from club.core import mail, outbox
from club.core.models import OutboxMessage
from club.core.timeutil import ROME, utcnow
from club.digests import services
from club.digests.models import DigestCycle, DigestRun, Subscriber
from club.extensions import db
from tests.factories import _next, make_member


def _fresh() -> None:
    """End the test's transaction, so what it reads next is what other sessions (requests, threads,
    scheduled jobs) have committed meanwhile, on every backend."""
    db.session.commit()
    db.session.expire_all()


# -- subscribers -----------------------------------------------------------------------------------


def make_subscriber(
    email_address: str | None = None,
    *,
    frequency: str = "weekly",
    locale: str = "it",
    confirmed: bool = True,
    user=None,
    bounce_count: int = 0,
    covered_until: datetime | None = None,
    token_version: int = 1,
) -> Subscriber:
    """A subscriber row as the services would leave it (confirmed unless told otherwise)."""
    subscriber = Subscriber(
        email=(email_address or (user.email if user else f"reader{_next()}@example.org")).lower(),
        user_id=user.id if user else None,
        frequency=frequency,
        locale=locale,
        confirmed_at=utcnow() if confirmed else None,
        bounce_count=bounce_count,
        covered_until=covered_until,
        token_version=token_version,
    )
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def member_subscriber(user, frequency: str = "weekly", locale: str = "it") -> Subscriber:
    """The member's subscription, made through the service the settings page uses."""
    subscriber = services.save_member_preferences(user, frequency, locale)
    db.session.commit()
    return subscriber


def make_author(**kwargs):
    """A member who writes case studies and has the digest off (so they receive none themselves)."""
    author = make_member(**kwargs)
    member_subscriber(author, "off")
    return author


def reload_subscriber(subscriber_or_id) -> Subscriber | None:
    subscriber_id = subscriber_or_id if isinstance(subscriber_or_id, int) else subscriber_or_id.id
    _fresh()
    return db.session.get(Subscriber, subscriber_id)


def subscriber_by_email(address: str) -> Subscriber | None:
    _fresh()
    return db.session.scalar(select(Subscriber).where(Subscriber.email == address.lower()))


def all_subscribers() -> list[Subscriber]:
    _fresh()
    return list(db.session.scalars(select(Subscriber).order_by(Subscriber.id)))


# -- cycles, runs, the outbox ----------------------------------------------------------------------


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment given by the Italian wall clock (an aware datetime in Europe/Rome)."""
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


def rome_clock(moment: datetime) -> tuple[int, int, int, time]:
    local = moment.astimezone(ROME)
    return local.year, local.month, local.day, local.time().replace(tzinfo=None)


def cycle(frequency: str = "weekly", moment: datetime | None = None) -> services.CycleReport:
    """run_cycle for the period ending at `moment` (now by default), as the scheduler runs it."""
    report = services.run_cycle(frequency, moment or utcnow())
    db.session.commit()
    return report


def runs(subscriber=None, status: str | None = None) -> list[DigestRun]:
    _fresh()
    statement = select(DigestRun).order_by(DigestRun.id)
    if subscriber is not None:
        statement = statement.where(DigestRun.subscriber_id == subscriber.id)
    if status is not None:
        statement = statement.where(DigestRun.status == status)
    return list(db.session.scalars(statement))


def cycles() -> list[DigestCycle]:
    _fresh()
    return list(db.session.scalars(select(DigestCycle).order_by(DigestCycle.frequency, DigestCycle.period_key)))


def outbox_rows(kind: str | None = None, recipient: str | None = None) -> list[OutboxMessage]:
    _fresh()
    statement = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    if recipient is not None:
        statement = statement.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(statement))


def make_due_now(*, claims: bool = False) -> None:
    """Every waiting message becomes due at once (as if its pause were over); claims=True also
    lets every claim lapse (as if the sender holding it had died long ago)."""
    past = datetime(2000, 1, 1, tzinfo=ROME)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(next_attempt_at=past))
    if claims:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending").values(claimed_at=past))
    db.session.commit()


def drain_to_memory(app) -> dict[str, EmailMessage]:
    """Drain the outbox into the memory transport; the messages of this drain by recipient."""
    sent = app.extensions["club_mail"].outbox
    before = len(sent)
    db.session.commit()
    outbox.drain()
    fresh = sent[before:]
    by_recipient = {message["To"]: message for message in fresh}
    assert len(by_recipient) == len(fresh), "two messages to one recipient in one drain"
    return by_recipient


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def path_of(absolute_url: str) -> str:
    """The path (and query) of an absolute URL from an email, for the test client."""
    parts = urlsplit(absolute_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def unsubscribe_url(message: EmailMessage) -> str:
    """The http(s) URL of the List-Unsubscribe header."""
    for item in str(message["List-Unsubscribe"]).split(","):
        value = item.strip().removeprefix("<").removesuffix(">")
        if value.startswith(("http://", "https://")):
            return value
    raise AssertionError(f"no http(s) URL in List-Unsubscribe: {message['List-Unsubscribe']}")


# -- a real SMTP server on loopback ----------------------------------------------------------------


def free_port() -> int:
    """A loopback port with nothing listening on it (connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Delivery:
    connection: int
    recipient: str
    message: EmailMessage


class SMTPRecorder:
    """An aiosmtpd handler that records what it accepted and on which connection.

    answer(address, "451 ...") makes the server answer RCPT TO for that address with the reply
    (temporary 4xx, permanent 5xx) until answer(address, None) lets it through again.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections = 0
        self.deliveries: list[Delivery] = []
        self.refusals: list[tuple[str, str]] = []
        self.replies: dict[str, str] = {}
        self._numbers: dict[int, int] = {}

    def answer(self, address: str, reply: str | None) -> None:
        with self.lock:
            if reply is None:
                self.replies.pop(address.lower(), None)
            else:
                self.replies[address.lower()] = reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook
        self._count(session)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: N802 - aiosmtpd's hook
        self._count(session)
        session.host_name = hostname
        return f"250 {server.hostname}"

    def _count(self, session) -> None:
        with self.lock:
            if id(session) not in self._numbers:
                self.connections += 1
                self._numbers[id(session)] = self.connections

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            reply = self.replies.get(address.lower())
            if reply is not None:
                self.refusals.append((address.lower(), reply))
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.deliveries.append(Delivery(self._numbers.get(id(session), 0), recipient.lower(), message))
        return "250 Message accepted for delivery"

    # -- reading what arrived --

    def count_by_recipient(self, kind_subject: str | None = None) -> Counter:
        with self.lock:
            return Counter(
                item.recipient
                for item in self.deliveries
                if kind_subject is None or kind_subject in str(item.message["Subject"])
            )

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [item.message for item in self.deliveries if item.recipient == address.lower()]

    @property
    def received(self) -> int:
        return len(self.deliveries)


def use_smtp(app, port: int) -> None:
    """Send the app's mail over SMTP to 127.0.0.1:port (from now on, for every thread of the app)."""
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    app.config["MAIL_TIMEOUT"] = 5
    mail.init_mail(app)


@contextmanager
def smtp_for(app):
    """A real SMTP server (aiosmtpd) on a free loopback port, and the app sending its mail to it."""
    recorder = SMTPRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(app, controller.port)
        yield recorder
    finally:
        controller.stop()
