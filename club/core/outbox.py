"""The outbox: mail is written as rows in the writer's transaction and sent by a separate drain.

Exactly once, as far as SMTP allows: a row's unique key makes writing the same message twice
impossible; a sender claims rows (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite) so
two senders never take the same row; each row is marked sent in its own commit right after the SMTP
server accepted it, so a sender that dies loses at most the message in flight, which another sender
takes over once its claim has expired. Temporary failures (4xx, a refused or dropped connection) are
retried with exponentially growing pauses; permanent ones (5xx) are final and reported to the
domains through the "mail_bounced" hook.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from club.core import hooks
from club.core.mail import build_bytes, sender_address, transport
from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.extensions import db

log = logging.getLogger(__name__)


def enqueue(
    key: str, kind: str, recipient: str, subject: str, text: str, html: str | None = None, headers: dict | None = None
) -> OutboxMessage | None:
    """Add a message in the caller's transaction; None when a message with this key already exists."""
    message = OutboxMessage(
        key=key,
        kind=kind,
        recipient=recipient,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        headers=dict(headers or {}),
        next_attempt_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def write_transaction() -> None:
    """Start the session's transaction as a writer (SQLite: take the write lock at BEGIN)."""
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _writer() -> None:
    """End the session's transaction and start a writer's. On SQLite a read transaction cannot become
    a writer once another sender has committed since it began ("database is locked" at once, with no
    wait): every write of a sender starts a transaction of its own, taking the write lock at BEGIN."""
    db.session.commit()
    write_transaction()


def claim(worker: str, limit: int) -> list[int]:
    """Mark up to `limit` due messages as being sent by `worker` and commit; their ids."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    _writer()
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                # A sender that died holding the claim: take the message over.
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - lease),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status="sending", claimed_by=worker, claimed_at=now)
        )
    db.session.commit()
    return ids


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _permanent(error: Exception) -> bool:
    code = _smtp_code(error)
    return code is not None and 500 <= code < 600


def _connection_lost(error: Exception) -> bool:
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError) and not isinstance(error, smtplib.SMTPException)


def _mark_sent(message_id: int, worker: str) -> None:
    # Its own short transaction on its own connection, right after the server's 250: a single UPDATE
    # takes SQLite's write lock without first reading, and the ORM session's overhead is not paid per
    # message.
    table = OutboxMessage.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == message_id, table.c.claimed_by == worker)
            .values(status="sent", sent_at=utcnow(), last_error=None)
        )


def _record_sent(message_id: int, worker: str, attempts: int = 5) -> None:
    """_mark_sent, tried again when the database is busy for a moment (another writer holds SQLite's lock)."""
    for attempt in range(attempts):
        try:
            _mark_sent(message_id, worker)
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)


def _mark_failed(message: OutboxMessage, worker: str, error: Exception, report: DrainReport) -> None:
    _writer()
    config = current_app.config
    attempts = message.attempts + 1
    description = f"{type(error).__name__}: {error}"[:500]
    if _permanent(error) or attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        values = {"status": "failed", "attempts": attempts, "last_error": description}
        report.failed += 1
        permanent = True
    else:
        pause = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1)
        values = {
            "status": "pending",
            "attempts": attempts,
            "last_error": description,
            "next_attempt_at": utcnow() + timedelta(seconds=pause),
            "claimed_by": None,
            "claimed_at": None,
        }
        report.retried += 1
        permanent = False
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker).values(**values)
    )
    if permanent:
        hooks.collect("mail_bounced", message)
    db.session.commit()


def _release(ids: list[int], worker: str) -> None:
    """Give claimed messages back at once (the sender is stopping before it tried them)."""
    if ids:
        _writer()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending")
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        db.session.commit()


def drain(worker: str | None = None, limit: int | None = None, batches: int | None = None) -> DrainReport:
    """Send what is due, batch after batch, over one SMTP connection per batch, until nothing is due."""
    worker = worker or f"{socket.gethostname()}:{id(object())}"
    limit = limit or current_app.config["OUTBOX_BATCH"]
    report = DrainReport()
    done_batches = 0
    while batches is None or done_batches < batches:
        ids = claim(worker, limit)
        if not ids:
            break
        done_batches += 1
        _send_batch(ids, worker, report)
    return report


def _send_batch(ids: list[int], worker: str, report: DrainReport) -> None:
    messages = {
        message.id: message for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    }
    remaining = list(ids)
    sender = sender_address()
    try:
        with transport().session() as connection:
            while remaining:
                message = messages[remaining[0]]
                raw = build_bytes(
                    message.recipient, message.subject, message.text_body, message.html_body, message.headers
                )
                try:
                    connection.sendmail(sender, [message.recipient], raw)
                except (OSError, smtplib.SMTPException) as error:
                    _mark_failed(message, worker, error, report)
                    remaining.pop(0)
                    if _connection_lost(error):
                        raise
                    continue
                # Accepted by the server: from here on the message is never given back for another try,
                # even if recording it fails (its claim then has to lapse first).
                remaining.pop(0)
                _record_sent(message.id, worker)
                report.sent += 1
    except (OSError, smtplib.SMTPException) as error:
        # No connection (refused at the start, or dropped): the untried messages wait for the next drain.
        log.warning("outbox: SMTP unavailable (%s); %d messages wait", error, len(remaining))
        for message_id in remaining:
            _mark_failed(messages[message_id], worker, error, report)
    finally:
        _release(remaining, worker)
