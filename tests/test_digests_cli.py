"""`flask digests send`: a dry run counts and writes nothing; a real run writes the cycle and sends it."""

from datetime import timedelta

from sqlalchemy import func, select

from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.digests import schedule
from club.digests.models import DigestRun, Subscriber
from club.extensions import db
from tests.case_factories import make_case
from tests.factories import make_member


def _last_week():
    """A moment inside the period the latest due weekly run covers."""
    return schedule.due_moment("weekly", utcnow()) - timedelta(days=1)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_dry_run_counts_the_members_it_would_reach_and_writes_nothing(runner, mail_outbox):
    make_member()
    make_member()
    make_case(make_member(), published_at=_last_week())

    result = runner.invoke(args=["digests", "send", "--frequency", "daily", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written" in result.output
    # Nobody has chosen "daily": members get weekly by default, so nothing is due, and nothing is written.
    assert _count(Subscriber) == 0 and _count(DigestRun) == 0 and _count(OutboxMessage) == 0
    weekly = runner.invoke(args=["digests", "send", "--frequency", "weekly", "--dry-run"])
    assert "3 queued" in weekly.output
    assert _count(Subscriber) == 0 and _count(DigestRun) == 0 and _count(OutboxMessage) == 0
    assert mail_outbox == []


def test_a_real_run_writes_the_cycle_once_and_sends_it(runner, mail_outbox):
    make_member()
    make_case(make_member(), published_at=_last_week())

    first = runner.invoke(args=["digests", "send", "--frequency", "weekly"])
    second = runner.invoke(args=["digests", "send", "--frequency", "weekly"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "2 queued" in first.output and "Outbox: 2 sent" in first.output
    assert "0 queued" in second.output and "2 done before" in second.output
    assert len(mail_outbox) == 2 and _count(DigestRun) == 2
