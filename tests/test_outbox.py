"""The outbox (club/core/outbox.py) against a real SMTP server on loopback (aiosmtpd).

Unique keys, one SMTP connection per batch, claims and their lease, temporary failures retried with
exponential backoff, permanent ones final and reported through the "mail_bounced" hook.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from club.core import hooks, outbox
from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.extensions import db
from tests.digest_factories import free_port, make_due_now, outbox_rows, smtp_for, use_smtp

BASE = 60  # OUTBOX_RETRY_BASE_SECONDS of the configuration


@pytest.fixture
def smtp(app):
    with smtp_for(app) as server:
        yield server


def _enqueue(*recipients: str, kind: str = "test") -> list[OutboxMessage]:
    messages = [
        outbox.enqueue(f"{kind}:{address}", kind, address, f"Hello {address}", f"Text for {address}", "<p>Hi</p>")
        for address in recipients
    ]
    db.session.commit()
    return messages


def _by_recipient() -> dict[str, OutboxMessage]:
    return {row.recipient: row for row in outbox_rows()}


# -- writing ---------------------------------------------------------------------------------------


def test_a_key_is_written_once(app):
    first = outbox.enqueue("digest:1:weekly:2026-11-23", "digest", "a@example.org", "S", "T")
    second = outbox.enqueue("digest:1:weekly:2026-11-23", "digest", "a@example.org", "S again", "T again")
    # The refused duplicate does not spoil the writer's transaction: it carries on and commits.
    other = outbox.enqueue("digest:2:weekly:2026-11-23", "digest", "b@example.org", "S", "T")
    db.session.commit()
    assert first is not None and other is not None
    assert second is None
    rows = outbox_rows()
    assert [(row.key, row.subject) for row in rows] == [
        ("digest:1:weekly:2026-11-23", "S"),
        ("digest:2:weekly:2026-11-23", "S"),
    ]
    assert {row.status for row in rows} == {"pending"}


def test_a_key_already_committed_is_refused_in_a_later_transaction(app):
    _enqueue("a@example.org")
    assert outbox.enqueue("test:a@example.org", "test", "a@example.org", "S", "T") is None
    db.session.commit()
    assert len(outbox_rows()) == 1


def test_messages_belong_to_the_writers_transaction(app):
    outbox.enqueue("test:gone", "test", "gone@example.org", "S", "T")
    db.session.rollback()
    assert outbox_rows() == []


# -- sending over SMTP -----------------------------------------------------------------------------


def test_a_batch_goes_over_one_connection(app, smtp):
    messages = _enqueue(*(f"r{n}@example.org" for n in range(5)))
    report = outbox.drain()
    assert (report.sent, report.retried, report.failed) == (5, 0, 0)
    assert smtp.connections == 1
    assert {delivery.connection for delivery in smtp.deliveries} == {1}
    assert sorted(smtp.count_by_recipient().items()) == [(f"r{n}@example.org", 1) for n in range(5)]
    rows = outbox_rows()
    assert {row.status for row in rows} == {"sent"}
    assert all(row.sent_at is not None and row.attempts == 0 for row in rows)
    # What arrived is what was written: subject, both parts, and the Message-ID fixed at writing time.
    delivered = smtp.messages_to("r0@example.org")[0]
    assert delivered["Subject"] == "Hello r0@example.org"
    assert delivered.get_content_type() == "multipart/alternative"
    assert delivered["Message-ID"] and delivered["Date"]
    assert messages[0].id == rows[0].id


def test_each_batch_opens_its_own_connection(app, smtp):
    _enqueue(*(f"r{n}@example.org" for n in range(5)))
    report = outbox.drain(limit=2)
    assert report.sent == 5
    assert smtp.connections == 3  # batches of 2, 2 and 1
    assert smtp.received == 5


def test_nothing_due_opens_no_connection(app, smtp):
    assert outbox.drain().handled == 0
    assert smtp.connections == 0


def test_a_drain_stops_after_the_batches_asked_for(app, smtp):
    _enqueue(*(f"r{n}@example.org" for n in range(5)))
    assert outbox.drain(limit=2, batches=1).sent == 2
    assert smtp.received == 2
    assert [row.status for row in outbox_rows()].count("pending") == 3
    assert outbox.drain(limit=2).sent == 3
    assert smtp.received == 5


def test_the_message_id_is_decided_at_writing_time(app, smtp):
    outbox.enqueue("test:m", "test", "m@example.org", "S", "T", headers={"Message-ID": "<fixed.1@club.example>"})
    db.session.commit()
    outbox.drain()
    assert smtp.messages_to("m@example.org")[0]["Message-ID"] == "<fixed.1@club.example>"


# -- claims ----------------------------------------------------------------------------------------


def test_a_claimed_message_is_not_claimed_again_until_its_lease_lapses(app):
    _enqueue("a@example.org", "b@example.org")
    first = outbox.claim("sender-1", 10)
    assert len(first) == 2
    assert outbox.claim("sender-2", 10) == []
    rows = outbox_rows()
    assert {(row.status, row.claimed_by) for row in rows} == {("sending", "sender-1")}
    # sender-1 died: once the lease is over, another sender takes its messages over.
    make_due_now(claims=True)
    assert sorted(outbox.claim("sender-2", 10)) == sorted(first)
    assert {row.claimed_by for row in outbox_rows()} == {"sender-2"}


def test_a_sender_whose_claim_was_taken_over_cannot_mark_the_message(app, smtp):
    (message,) = _enqueue("a@example.org")
    outbox.claim("slow", 10)
    make_due_now(claims=True)
    outbox.claim("fast", 10)
    outbox._mark_sent(message.id, "slow")  # the slow sender wakes up: its mark changes nothing
    (row,) = outbox_rows()
    assert (row.status, row.claimed_by) == ("sending", "fast")


# -- temporary failures ----------------------------------------------------------------------------


def test_a_temporary_refusal_is_retried_with_exponential_backoff(app, smtp):
    smtp.answer("b@example.org", "451 4.3.0 Mailbox busy, try later")
    _enqueue("a@example.org", "b@example.org", "c@example.org")

    start = utcnow()
    report = outbox.drain()
    end = utcnow()
    assert (report.sent, report.retried, report.failed) == (2, 1, 0)
    assert smtp.connections == 1  # the refusal did not cost the batch its connection
    assert sorted(smtp.count_by_recipient()) == ["a@example.org", "c@example.org"]
    row = _by_recipient()["b@example.org"]
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error and "Mailbox busy" in row.last_error
    assert row.claimed_by is None and row.claimed_at is None
    assert start + timedelta(seconds=BASE) <= row.next_attempt_at <= end + timedelta(seconds=BASE)

    # Not due yet: a drain now leaves it alone.
    assert outbox.drain().handled == 0

    make_due_now()
    start = utcnow()
    outbox.drain()
    end = utcnow()
    row = _by_recipient()["b@example.org"]
    assert (row.status, row.attempts) == ("pending", 2)
    assert start + timedelta(seconds=2 * BASE) <= row.next_attempt_at <= end + timedelta(seconds=2 * BASE)

    make_due_now()
    start = utcnow()
    outbox.drain()
    end = utcnow()
    row = _by_recipient()["b@example.org"]
    assert row.attempts == 3
    assert start + timedelta(seconds=4 * BASE) <= row.next_attempt_at <= end + timedelta(seconds=4 * BASE)

    # The server accepts again: sent once, and the others were never sent again.
    smtp.answer("b@example.org", None)
    make_due_now()
    assert outbox.drain().sent == 1
    row = _by_recipient()["b@example.org"]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert smtp.count_by_recipient() == {"a@example.org": 1, "b@example.org": 1, "c@example.org": 1}


def test_a_refused_connection_is_retried_and_sent_once_the_server_listens(app):
    use_smtp(app, free_port())  # nothing listens there
    _enqueue("a@example.org", "b@example.org")
    start = utcnow()
    report = outbox.drain()
    end = utcnow()
    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    for row in outbox_rows():
        assert (row.status, row.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in row.last_error
        assert start + timedelta(seconds=BASE) <= row.next_attempt_at <= end + timedelta(seconds=BASE)

    make_due_now()
    outbox.drain()
    assert {row.attempts for row in outbox_rows()} == {2}
    assert all(row.next_attempt_at >= utcnow() + timedelta(seconds=2 * BASE - 5) for row in outbox_rows())

    with smtp_for(app) as server:
        make_due_now()
        assert outbox.drain().sent == 2
        assert server.connections == 1
        assert server.count_by_recipient() == {"a@example.org": 1, "b@example.org": 1}
    assert {(row.status, row.attempts) for row in outbox_rows()} == {("sent", 2)}


@pytest.mark.config(OUTBOX_MAX_ATTEMPTS=2)
def test_a_message_that_keeps_failing_gives_up_after_the_last_attempt(app, smtp):
    bounced = []
    hooks.register(app, "mail_bounced", lambda message: bounced.append(message.recipient))
    smtp.answer("b@example.org", "451 4.3.0 Try later")
    _enqueue("b@example.org")
    assert outbox.drain().retried == 1
    make_due_now()
    assert outbox.drain().failed == 1
    (row,) = outbox_rows()
    assert (row.status, row.attempts) == ("failed", 2)
    assert bounced == ["b@example.org"]
    make_due_now()
    assert outbox.drain().handled == 0


# -- permanent failures ----------------------------------------------------------------------------


def test_a_permanent_refusal_is_final_and_reported(app, smtp):
    bounced = []
    hooks.register(app, "mail_bounced", lambda message: bounced.append((message.key, message.recipient)))
    smtp.answer("gone@example.org", "550 5.1.1 No such user here")
    _enqueue("a@example.org", "gone@example.org", "c@example.org")

    report = outbox.drain()
    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    assert smtp.connections == 1
    row = _by_recipient()["gone@example.org"]
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert "550" in row.last_error and "No such user" in row.last_error
    assert bounced == [("test:gone@example.org", "gone@example.org")]

    # Final: no later drain tries it again.
    make_due_now(claims=True)
    assert outbox.drain().handled == 0
    assert smtp.refusals == [("gone@example.org", "550 5.1.1 No such user here")]
