"""A member's digest follows their account: their current address, their bounces, their deletion."""

from club.accounts.models import User
from club.core.models import OutboxMessage
from club.digests import services
from club.extensions import db
from tests.case_factories import make_case
from tests.digest_factories import cycle, drain_to_memory, member_subscriber, reload_subscriber
from tests.factories import DEFAULT_PASSWORD, make_member


def test_a_member_who_changed_address_gets_the_digest_at_the_new_one(app):
    member = make_member(email="vecchio@example.org")
    subscriber = member_subscriber(member)
    make_case(make_member())
    user = db.session.get(User, member.id)
    user.email = "nuovo@example.org"
    db.session.commit()

    cycle()
    sent = drain_to_memory(app)

    assert "nuovo@example.org" in sent and "vecchio@example.org" not in sent
    # A refusal at the new address counts against the member's subscription.
    services.bounced(OutboxMessage(recipient="nuovo@example.org"))
    db.session.commit()
    assert reload_subscriber(subscriber).bounce_count == 1


def test_deleting_the_account_deletes_the_subscription_and_its_address(client):
    from club.members import services as member_services

    member = make_member(email="via@example.org")
    subscriber_id = member_subscriber(member).id

    member_services.delete_account(db.session.get(User, member.id), DEFAULT_PASSWORD)
    db.session.commit()

    assert reload_subscriber(subscriber_id) is None
