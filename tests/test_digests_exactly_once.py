"""Exactly one digest per subscriber per period, counted on a real SMTP server (aiosmtpd on loopback):
cycles run twice, two schedulers at once, a sender or a cycle that dies half-way, two senders draining
at once (PostgreSQL's FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from club.core import outbox
from club.core.timeutil import utcnow
from club.digests import services
from club.extensions import db
from tests.case_factories import make_case
from tests.digest_factories import (
    all_subscribers,
    cycle,
    make_author,
    make_due_now,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    runs,
    smtp_for,
)
from tests.factories import make_member

SUBJECT = "digest from the club"  # in every digest's subject (the subscribers here read English)


@pytest.fixture
def smtp(app):
    with smtp_for(app) as server:
        yield server


@pytest.fixture
def readers(app) -> list[str]:
    """Twelve subscribers with something new to read: outsiders, members with a subscription, and
    members without one yet (the cycle gives them the default). Their addresses."""
    for number in range(6):
        make_subscriber(f"reader{number}@example.org", locale="en")
    for number in range(3):
        member_subscriber(make_member(email=f"member{number}@example.org"), "weekly", "en")
    for number in range(3):
        make_member(email=f"newcomer{number}@example.org", locale="en")
    make_subscriber("unconfirmed@example.org", confirmed=False)
    make_subscriber("off@example.org", frequency="off")
    make_case(make_author(), title="Something new", published_at=utcnow())
    db.session.commit()
    return sorted(
        [f"reader{n}@example.org" for n in range(6)]
        + [f"member{n}@example.org" for n in range(3)]
        + [f"newcomer{n}@example.org" for n in range(3)]
    )


def _one_each(addresses) -> Counter:
    return Counter(dict.fromkeys(addresses, 1))


def _assert_one_digest_each(smtp, addresses) -> None:
    assert smtp.count_by_recipient(SUBJECT) == _one_each(addresses)
    by_recipient = Counter(row.recipient for row in outbox_rows("digest"))
    assert by_recipient == _one_each(addresses)
    assert {row.status for row in outbox_rows("digest")} == {"sent"}
    per_subscriber = Counter(run.subscriber_id for run in runs())
    assert set(per_subscriber.values()) == {1}


def _in_threads(app, count: int, work) -> list:
    """Run work(index) in `count` threads, each in its own app context, released at the same moment."""
    db.session.commit()  # the test holds no transaction (nor SQLite lock) while the threads run
    barrier = threading.Barrier(count)
    errors: list = []

    def worker(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work(index)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    assert errors == [], errors
    return errors


# -- (a) twice in a row ----------------------------------------------------------------------------


def test_a_cycle_run_twice_and_drained_twice_sends_one_digest_each(app, smtp, readers):
    moment = utcnow()
    first = cycle("weekly", moment)
    assert (first.queued, first.skipped, first.already) == (12, 0, 0)
    outbox.drain()
    second = cycle("weekly", moment)
    assert (second.queued, second.skipped, second.already) == (0, 0, 12)
    outbox.drain()
    assert outbox.drain().handled == 0
    _assert_one_digest_each(smtp, readers)


# -- (b) two schedulers at once --------------------------------------------------------------------


def test_two_schedulers_at_once_send_one_digest_each(app, smtp, readers, monkeypatch):
    # Small batches, so that the two cycles and the two senders interleave many times.
    monkeypatch.setattr(services, "SUBSCRIBER_BATCH", 3)
    app.config["OUTBOX_BATCH"] = 2
    moment = utcnow()
    reports = {}

    def scheduler(index: int) -> None:
        reports[index] = services.run_cycle("weekly", moment)
        outbox.drain(worker=f"scheduler-{index}")

    _in_threads(app, 2, scheduler)
    # Whoever wrote which digest, together they wrote each once.
    assert reports[0].queued + reports[1].queued == 12
    assert reports[0].queued + reports[0].already == reports[1].queued + reports[1].already == 12
    outbox.drain()  # anything a sender gave back
    _assert_one_digest_each(smtp, readers)
    emails = Counter(row.email for row in all_subscribers())
    assert set(emails.values()) == {1}
    assert all(emails[f"newcomer{n}@example.org"] == 1 for n in range(3))  # one default subscription each


def test_two_schedulers_at_once_with_many_members_without_a_subscription(app, smtp):
    # Every subscriber here is made by the cycles themselves (ensure_member_subscriptions), both at once.
    for number in range(20):
        make_member(email=f"newcomer{number}@example.org", locale="en")
    make_case(make_author(), published_at=utcnow())
    moment = utcnow()

    def scheduler(index: int) -> None:
        services.run_cycle("weekly", moment)
        outbox.drain(worker=f"scheduler-{index}")

    _in_threads(app, 2, scheduler)
    _assert_one_digest_each(smtp, [f"newcomer{number}@example.org" for number in range(20)])


# -- (c) dying half-way ----------------------------------------------------------------------------


class SimulatedCrash(Exception):  # noqa: N818 - the name says what it stands for
    """The sender process dies (neither an SMTP nor a network error: nothing in the outbox catches it)."""


class CrashingTransport:
    """The real transport, whose session dies before sending its message number `after` + 1."""

    def __init__(self, inner, after: int) -> None:
        self.inner = inner
        self.after = after
        self.sent = 0

    @contextmanager
    def session(self):
        with self.inner.session() as connection:
            yield self._Connection(self, connection)

    class _Connection:
        def __init__(self, owner, connection) -> None:
            self.owner = owner
            self.connection = connection

        def sendmail(self, from_address, to_addresses, raw) -> None:
            if self.owner.sent == self.owner.after:
                raise SimulatedCrash("the sender died")
            self.connection.sendmail(from_address, to_addresses, raw)
            self.owner.sent += 1


def _crash_after(app, after: int) -> None:
    app.extensions["club_mail"] = CrashingTransport(app.extensions["club_mail"], after)


def _recover(app) -> None:
    app.extensions["club_mail"] = app.extensions["club_mail"].inner


def test_a_sender_that_dies_in_the_middle_of_a_batch_sends_the_rest_once_on_restart(app, smtp, readers):
    cycle("weekly")
    _crash_after(app, 5)
    with pytest.raises(SimulatedCrash):
        outbox.drain()
    assert smtp.received == 5
    statuses = Counter(row.status for row in outbox_rows("digest"))
    assert statuses == {"sent": 5, "pending": 7}  # what it had not sent is given back at once

    _recover(app)
    assert outbox.drain().sent == 7
    _assert_one_digest_each(smtp, readers)


def test_a_sender_killed_outright_leaves_its_claim_to_lapse_then_another_sends_the_rest_once(
    app, smtp, readers, monkeypatch
):
    cycle("weekly")
    _crash_after(app, 4)
    with monkeypatch.context() as killed:
        killed.setattr(outbox, "_release", lambda ids, worker: None)  # killed: no clean-up runs
        with pytest.raises(SimulatedCrash):
            outbox.drain(worker="dead-sender")
    _recover(app)
    statuses = Counter((row.status, row.claimed_by) for row in outbox_rows("digest"))
    assert statuses == {("sent", "dead-sender"): 4, ("sending", "dead-sender"): 8}

    # A restart within the lease leaves the dead sender's claim alone...
    assert outbox.drain(worker="new-sender").handled == 0
    assert smtp.received == 4
    # ...and takes the messages over once it has lapsed.
    app.config["OUTBOX_LEASE_SECONDS"] = 0
    assert outbox.drain(worker="new-sender").sent == 8
    _assert_one_digest_each(smtp, readers)


def test_a_cycle_that_dies_half_way_is_finished_by_the_next_run_without_duplicates(app, smtp, readers, monkeypatch):
    monkeypatch.setattr(services, "SUBSCRIBER_BATCH", 3)
    moment = utcnow()
    real_render = services.render
    rendered = []

    def dying_render(*args, **kwargs):
        if len(rendered) == 7:
            raise SimulatedCrash("the scheduler died while writing digests")
        rendered.append(args[0].email)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render", dying_render)
    with pytest.raises(SimulatedCrash):
        services.run_cycle("weekly", moment)
    db.session.rollback()  # the dead process's open transaction is lost
    assert len(runs()) == 6  # two whole batches of three were committed
    outbox.drain()
    assert smtp.received == 6

    monkeypatch.setattr(services, "render", real_render)
    report = cycle("weekly", moment)
    assert (report.queued, report.already) == (6, 6)
    outbox.drain()
    _assert_one_digest_each(smtp, readers)


def test_a_crash_between_the_servers_acceptance_and_the_record_resends_that_message_only(
    app, smtp, readers, monkeypatch
):
    """The one window SMTP leaves open: the server accepted a message, and the sender died before it
    wrote "sent". That message may go twice (SMTP has no way to ask "did you get it?"); no other can."""
    cycle("weekly")
    real_mark_sent = outbox._mark_sent
    calls = []

    def mark_sent_dies_once(message_id, worker):
        calls.append(message_id)
        if len(calls) == 3:
            raise SimulatedCrash("died after the 250, before the commit")
        real_mark_sent(message_id, worker)

    monkeypatch.setattr(outbox, "_mark_sent", mark_sent_dies_once)
    with pytest.raises(SimulatedCrash):
        outbox.drain()
    monkeypatch.setattr(outbox, "_mark_sent", real_mark_sent)
    in_flight = {row.id: row.recipient for row in outbox_rows("digest")}[calls[2]]
    # A restart sends the rest but leaves the accepted message alone while its claim lasts...
    outbox.drain()
    assert smtp.count_by_recipient(SUBJECT)[in_flight] == 1
    assert {row.recipient: row.status for row in outbox_rows("digest")}[in_flight] == "sending"
    # ...and only once the claim has lapsed may it go a second time.
    make_due_now(claims=True)
    outbox.drain()

    counts = smtp.count_by_recipient(SUBJECT)
    assert counts[in_flight] <= 2
    assert {address: count for address, count in counts.items() if address != in_flight} == _one_each(
        address for address in readers if address != in_flight
    )
    assert {row.status for row in outbox_rows("digest")} == {"sent"}


# -- (d) two senders at once -----------------------------------------------------------------------


def test_two_senders_at_once_send_each_message_once(app, smtp):
    addresses = [f"r{number:02}@example.org" for number in range(40)]
    for address in addresses:
        outbox.enqueue(f"test:{address}", "test", address, "A digest from the club", "Text")
    db.session.commit()
    _in_threads(app, 2, lambda index: outbox.drain(worker=f"sender-{index}", limit=3))
    assert smtp.count_by_recipient() == _one_each(addresses)
    assert {row.status for row in outbox_rows()} == {"sent"}


def test_concurrent_claims_skip_the_rows_another_sender_holds(app, database_backend):
    if database_backend != "postgresql":
        pytest.skip(
            "PostgreSQL only: SQLite has no row locks; a claim there takes the database's write lock "
            "(BEGIN IMMEDIATE), so two claims run one after the other (see the two-senders test)"
        )
    for number in range(10):
        outbox.enqueue(f"test:{number}", "test", f"r{number}@example.org", "S", "T")
    db.session.commit()

    a_holds_its_rows = threading.Event()
    b_claimed = threading.Event()
    seen: dict = {}
    claimed: dict = {}

    def after_select(conn, cursor, statement, parameters, context, executemany):
        # Sender A has selected (and locked) its rows but not yet marked them nor committed.
        if threading.current_thread().name == "sender-a" and "SKIP LOCKED" in statement and "a" not in seen:
            seen["a"] = True
            a_holds_its_rows.set()
            seen["b_finished_meanwhile"] = b_claimed.wait(timeout=15)

    def sender(name: str) -> None:
        with app.app_context():
            try:
                if name == "sender-b":
                    assert a_holds_its_rows.wait(timeout=15)
                claimed[name] = outbox.claim(name, 5)
                if name == "sender-b":
                    b_claimed.set()
            finally:
                db.session.remove()

    db.session.commit()
    event.listen(db.engine, "after_cursor_execute", after_select)
    try:
        threads = [threading.Thread(target=sender, args=(name,), name=name) for name in ("sender-a", "sender-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "after_cursor_execute", after_select)
    assert not any(thread.is_alive() for thread in threads)
    # B did not wait for A's lock (SKIP LOCKED), and took other rows (FOR UPDATE).
    assert seen["b_finished_meanwhile"] is True
    assert len(claimed["sender-a"]) == len(claimed["sender-b"]) == 5
    assert not set(claimed["sender-a"]) & set(claimed["sender-b"])
    assert {row.claimed_by for row in outbox_rows()} == {"sender-a", "sender-b"}


def test_two_schedulers_adding_the_default_subscriptions_at_once_do_not_collide(app):
    """The first scheduler has added the newcomers' subscriptions and not committed yet when the second
    adds them too: the second waits, then adds nothing (instead of failing on the unique email)."""
    for number in range(5):
        make_member(email=f"newcomer{number}@example.org")
    db.session.commit()
    first_added = threading.Event()
    added: dict = {}
    errors: list = []

    def scheduler(name: str) -> None:
        with app.app_context():
            try:
                if name == "second":
                    assert first_added.wait(timeout=15)
                    # Let the first commit a moment after the second has started waiting for it.
                    threading.Timer(0.3, release.set).start()
                added[name] = services.ensure_member_subscriptions()
                if name == "first":
                    first_added.set()
                    assert release.wait(timeout=15)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    release = threading.Event()
    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert added == {"first": 5, "second": 0}
    assert sorted(row.email for row in all_subscribers()) == [f"newcomer{n}@example.org" for n in range(5)]


def test_a_busy_database_when_recording_a_sent_message_is_waited_for_not_resent(app, smtp, readers, monkeypatch):
    """The server said 250 and SQLite was busy for a moment: the record is retried, nothing goes twice."""
    from sqlalchemy.exc import OperationalError

    cycle("weekly")
    real_mark_sent = outbox._mark_sent
    failures = []

    def busy_once(message_id, worker):
        if not failures:
            failures.append(message_id)
            raise OperationalError("UPDATE outbox_messages", {}, Exception("database is locked"))
        real_mark_sent(message_id, worker)

    monkeypatch.setattr(outbox, "_mark_sent", busy_once)
    outbox.drain()
    outbox.drain()

    assert failures
    _assert_one_digest_each(smtp, readers)
