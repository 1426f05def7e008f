"""The digests' share of `flask demo`: every member subscribed, outsiders confirmed or not, one bouncing."""

from sqlalchemy import func, select

from club.accounts.models import User
from club.digests import demo as digests_demo
from club.digests.models import Subscriber
from club.extensions import db


def test_the_demo_subscribes_every_member_and_a_few_outsiders_once(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Digest subscribers:" in result.output

    members = db.session.scalar(select(func.count()).select_from(User))
    subscribers = db.session.scalars(select(Subscriber)).all()
    assert sum(1 for row in subscribers if row.user_id is not None) == members
    outsiders = [row for row in subscribers if row.user_id is None]
    assert len(outsiders) == len(digests_demo.OUTSIDERS)
    assert any(row.confirmed_at is None for row in outsiders)
    assert any(row.bounce_count >= 3 for row in outsiders)
    assert {row.frequency for row in subscribers} >= {"daily", "weekly", "monthly"}

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == len(subscribers)
