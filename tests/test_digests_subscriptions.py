"""Who receives the digest: members' preferences, the default subscription, and the public sign-up with
double opt-in (confirmation through the outbox, a button to confirm, links that cannot be forged)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import itsdangerous
import pytest
from sqlalchemy import select

from club.core.models import OutboxMessage
from club.digests import services
from club.digests.models import Subscriber
from club.extensions import db
from tests.case_factories import make_case
from tests.digest_factories import (
    all_subscribers,
    cycle,
    drain_to_memory,
    make_author,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    path_of,
    reload_subscriber,
    runs,
    subscriber_by_email,
    text_of,
)
from tests.factories import make_member
from tests.helpers import extract_csrf_token, login, url

EN = {"Accept-Language": "en"}


def _main(response) -> str:
    """The page's <main>, without the CSRF tokens (which differ on every page)."""
    page = response.get_data(as_text=True)
    main = page[page.index('<main id="main"') : page.index("</main>")]
    return re.sub(r'name="csrf_token"[^>]*', "", main)


# -- members' preferences --------------------------------------------------------------------------


def test_a_member_without_a_subscription_sees_weekly_chosen_and_nothing_is_written(client):
    member = make_member(locale="en")
    login(client, member)
    response = client.get(url("digests.settings"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="weekly"|<option[^>]*value="weekly"[^>]*selected', page)
    assert re.search(r'<option[^>]*selected[^>]*value="en"|<option[^>]*value="en"[^>]*selected', page)
    assert all_subscribers() == []  # no write on GET


@pytest.mark.parametrize(("frequency", "locale"), [("daily", "en"), ("weekly", "it"), ("monthly", "en"), ("off", "it")])
def test_a_member_chooses_frequency_and_language(client, frequency, locale):
    member = make_member()
    login(client, member)
    response = client.post(url("digests.settings"), data={"frequency": frequency, "locale": locale})
    assert response.status_code == 302
    subscriber = subscriber_by_email(member.email)
    assert (subscriber.user_id, subscriber.frequency, subscriber.locale) == (member.id, frequency, locale)
    assert subscriber.confirmed_at is not None  # members need no double opt-in
    follow = client.get(url("digests.settings"))
    assert re.search(rf'<option[^>]*selected[^>]*value="{frequency}"|value="{frequency}"[^>]*selected', follow.text)


@pytest.mark.parametrize(
    "data",
    [
        {"frequency": "hourly", "locale": "it"},
        {"frequency": "daily", "locale": "fr"},
        {"frequency": "", "locale": "it"},
        {"locale": "en"},
    ],
)
def test_bad_preferences_are_refused_and_change_nothing(client, data):
    member = make_member()
    member_subscriber(member, "monthly", "it")
    login(client, member)
    response = client.post(url("digests.settings"), data=data, headers=EN)
    assert response.status_code == 400
    subscriber = subscriber_by_email(member.email)
    assert (subscriber.frequency, subscriber.locale) == ("monthly", "it")


def test_bad_preferences_of_a_member_without_a_subscription_store_nothing(client):
    login(client, make_member())
    assert client.post(url("digests.settings"), data={"frequency": "hourly", "locale": "it"}).status_code == 400
    assert all_subscribers() == []


def test_the_settings_need_a_signed_in_member(client):
    response = client.get(url("digests.settings"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(url("digests.settings"), data={"frequency": "off", "locale": "it"}).status_code == 302
    assert all_subscribers() == []


def test_an_address_subscribed_before_joining_becomes_the_members_subscription(client):
    make_subscriber("later.member@example.org", frequency="daily")
    member = make_member(email="later.member@example.org")
    login(client, member)
    assert client.post(url("digests.settings"), data={"frequency": "monthly", "locale": "en"}).status_code == 302
    (subscriber,) = all_subscribers()
    assert (subscriber.user_id, subscriber.frequency, subscriber.locale) == (member.id, "monthly", "en")


# -- the default subscription of members -----------------------------------------------------------


def test_active_members_without_a_row_get_the_default_weekly_subscription_at_the_next_cycle(app):
    italian = make_member()
    english = make_member(locale="en")
    chose_off = make_member()
    member_subscriber(chose_off, "off")
    make_member(verified=False)
    make_member(suspended=True)
    known = make_member(email="known@example.org")
    make_subscriber("known@example.org", frequency="monthly")  # subscribed before joining

    cycle("weekly")

    by_email = {row.email: row for row in all_subscribers()}
    assert set(by_email) == {italian.email, english.email, chose_off.email, "known@example.org"}
    assert (by_email[italian.email].frequency, by_email[italian.email].locale) == ("weekly", "it")
    assert (by_email[english.email].frequency, by_email[english.email].locale) == ("weekly", "en")
    assert by_email[italian.email].user_id == italian.id and by_email[italian.email].confirmed_at is not None
    assert by_email[chose_off.email].frequency == "off"  # a choice is never overwritten
    assert by_email["known@example.org"].frequency == "monthly"
    assert by_email["known@example.org"].user_id is None and known.id is not None
    # A second cycle adds nobody.
    cycle("weekly")
    assert len(all_subscribers()) == 4


def test_a_new_member_receives_the_weekly_digest_without_doing_anything(app):
    member = make_member()
    make_case(make_author(), title="Un caso nuovo per tutti")
    report = cycle("weekly")
    assert report.queued == 1
    mails = drain_to_memory(app)
    assert "Un caso nuovo per tutti" in text_of(mails[member.email])


# -- the public sign-up: double opt-in -------------------------------------------------------------


def _subscribe(client, email="ext@example.org", frequency="weekly", locale="en", **kwargs):
    return client.post(
        url("digests.subscribe"), data={"email": email, "frequency": frequency, "locale": locale}, **kwargs
    )


def _confirm_path(app) -> str:
    (message,) = drain_to_memory(app).values()
    link = re.search(r"https?://\S+/digests/confirm/\S+", text_of(message))
    assert link, text_of(message)
    return path_of(link.group(0))


def test_the_subscribe_page_works_without_an_account(client):
    response = client.get(url("digests.subscribe"), headers=EN)
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="frequency"' in response.text


def test_subscribing_sends_a_confirmation_through_the_outbox_and_nothing_else(app, client):
    make_case(make_author(), title="Un caso pubblico recente")
    response = _subscribe(client, email="  Ext@Example.ORG ", headers=EN)
    assert response.status_code == 200
    assert "Check your inbox" in response.text

    subscriber = subscriber_by_email("ext@example.org")
    assert (subscriber.frequency, subscriber.locale, subscriber.confirmed_at) == ("weekly", "en", None)
    (message,) = outbox_rows()
    assert (message.kind, message.recipient, message.status) == ("digest-confirm", "ext@example.org", "pending")
    assert "Confirm" in message.subject

    # The digest cycle passes the unconfirmed address by.
    report = cycle("weekly")
    assert (report.queued, report.skipped) == (0, 0)
    assert runs(subscriber) == []
    assert [row.kind for row in outbox_rows()] == ["digest-confirm"]
    mails = drain_to_memory(app)
    assert list(mails) == ["ext@example.org"]
    assert "/digests/confirm/" in text_of(mails["ext@example.org"])


def test_the_confirmation_link_asks_for_a_press_of_the_button_then_confirms(app, client):
    make_case(make_author(), title="Un caso pubblico recente")
    _subscribe(client)
    path = _confirm_path(app)

    page = client.get(path, headers=EN)
    assert page.status_code == 200
    assert re.search(r'<form method="post"[^>]*>.*<button type="submit"', page.text, re.S)
    assert subscriber_by_email("ext@example.org").confirmed_at is None  # a mail scanner's GET changes nothing
    assert client.head(path).status_code == 200
    assert subscriber_by_email("ext@example.org").confirmed_at is None

    done = client.post(path, headers=EN)
    assert done.status_code == 200
    assert "Subscription confirmed" in done.text
    subscriber = subscriber_by_email("ext@example.org")
    assert subscriber.confirmed_at is not None

    # Confirmed: the next cycle brings the digest.
    assert cycle("weekly").queued == 1
    assert [run.status for run in runs(subscriber)] == ["queued"]
    assert "Un caso pubblico recente" in text_of(drain_to_memory(app)["ext@example.org"])

    # Pressing the button again is harmless.
    assert client.post(path, headers=EN).status_code == 200
    assert reload_subscriber(subscriber).confirmed_at == subscriber.confirmed_at


@pytest.mark.csrf
def test_the_confirm_button_carries_a_csrf_token(app, client):
    client.post(
        url("digests.subscribe"),
        data={
            "email": "ext@example.org",
            "frequency": "daily",
            "locale": "it",
            "csrf_token": extract_csrf_token(client.get(url("digests.subscribe")).text),
        },
    )
    path = _confirm_path(app)
    assert client.post(path).status_code == 400
    assert subscriber_by_email("ext@example.org").confirmed_at is None
    token = extract_csrf_token(client.get(path).text)
    assert client.post(path, data={"csrf_token": token}).status_code == 200
    assert subscriber_by_email("ext@example.org").confirmed_at is not None


def _expired_confirm_token(subscriber: Subscriber, monkeypatch) -> str:
    with monkeypatch.context() as patch:
        then = int(time.time()) - services.CONFIRM_MAX_AGE - 60
        patch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: then)
        return services.confirm_token(subscriber)


def test_bad_confirmation_links_answer_404_and_confirm_nobody(app, client, monkeypatch):
    _subscribe(client)
    subscriber = subscriber_by_email("ext@example.org")
    good = services.confirm_token(subscriber)
    tampered = good[:-3] + ("AAA" if good[-3:] != "AAA" else "BBB")
    other = make_subscriber("other@example.org", confirmed=False)
    payload_of_other = services.confirm_token(other).split(".")[0] + "." + ".".join(good.split(".")[1:])
    tokens = {
        "garbage": "not-a-token",
        "tampered signature": tampered,
        "another subscriber's id": payload_of_other,
        "expired": _expired_confirm_token(subscriber, monkeypatch),
        "an unsubscribe token": services.subscriber_token(subscriber, "unsubscribe"),
    }
    for name, token in tokens.items():
        for method in (client.get, client.post):
            response = method(url("digests.confirm", token=token), headers=EN)
            assert response.status_code == 404, name
            assert "This link does not work" in response.text, name
    assert subscriber_by_email("ext@example.org").confirmed_at is None
    assert subscriber_by_email("other@example.org").confirmed_at is None
    # The good one still works (the checks above did not spoil it).
    assert client.post(url("digests.confirm", token=good)).status_code == 200


def test_asking_again_the_same_day_sends_no_second_confirmation(app, client):
    _subscribe(client)
    first = _confirm_path(app)
    assert _subscribe(client, frequency="monthly", headers=EN).status_code == 200
    assert drain_to_memory(app) == {}  # the form cannot flood an inbox
    assert subscriber_by_email("ext@example.org").frequency == "monthly"
    assert client.post(first).status_code == 200
    assert subscriber_by_email("ext@example.org").confirmed_at is not None


def test_a_confirmation_link_that_expired_unused_is_replaced_on_a_later_day(app, client, monkeypatch):
    _subscribe(client)
    first = _confirm_path(app)
    later = datetime.now(UTC) + timedelta(days=8)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(later.timestamp()))
    assert client.get(first).status_code == 404  # expired
    assert _subscribe(client, headers=EN).status_code == 200
    second = _confirm_path(app)
    assert second != first
    assert client.post(second).status_code == 200
    assert subscriber_by_email("ext@example.org").confirmed_at is not None


def test_leaving_and_subscribing_again_retires_the_earlier_links(app, client):
    _subscribe(client)
    first = _confirm_path(app)
    assert client.post(first).status_code == 200
    subscriber = subscriber_by_email("ext@example.org")
    old_unsubscribe = services.subscriber_token(subscriber, "unsubscribe")
    services.unsubscribe(subscriber)
    db.session.commit()

    _subscribe(client, frequency="daily")
    second = _confirm_path(app)
    subscriber = subscriber_by_email("ext@example.org")
    assert (subscriber.frequency, subscriber.confirmed_at) == ("daily", None)
    assert client.post(first).status_code == 404
    assert client.get(url("digests.unsubscribe", token=old_unsubscribe)).status_code == 404
    assert cycle("daily").queued == 0  # unconfirmed again: nothing goes out
    assert client.post(second).status_code == 200
    assert subscriber_by_email("ext@example.org").confirmed_at is not None


def test_the_page_answers_the_same_for_an_address_already_confirmed(app, client):
    make_subscriber("known@example.org", frequency="monthly")
    unknown = _subscribe(client, email="new@example.org", headers=EN)
    known = _subscribe(client, email="known@example.org", headers=EN)
    assert unknown.status_code == known.status_code == 200
    assert _main(known) == _main(unknown).replace("new@example.org", "known@example.org")
    # Nothing goes to the confirmed address, and its subscription is unchanged.
    assert [row.recipient for row in outbox_rows()] == ["new@example.org"]
    assert subscriber_by_email("known@example.org").frequency == "monthly"


@pytest.mark.parametrize(
    ("email", "frequency", "locale"),
    [
        ("not-an-address", "weekly", "it"),
        ("", "weekly", "it"),
        ("someone@", "weekly", "it"),
        ("a" * 250 + "@example.org", "weekly", "it"),
        ("ext@example.org", "off", "it"),
        ("ext@example.org", "hourly", "it"),
        ("ext@example.org", "weekly", "de"),
    ],
)
def test_bad_sign_ups_are_refused_with_a_message_and_store_nothing(client, email, frequency, locale):
    response = _subscribe(client, email=email, frequency=frequency, locale=locale, headers=EN)
    assert response.status_code == 400
    assert 'class="field__error' in response.text or "error" in response.text
    if email == "not-an-address":
        assert "Write a valid email address." in response.text
    assert all_subscribers() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.ratelimit
@pytest.mark.config(SUBSCRIBE_RATE_LIMIT="2 per minute")
def test_subscribing_is_rate_limited(client):
    statuses = [_subscribe(client, email=f"r{n}@example.org").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert sorted(row.email for row in all_subscribers()) == ["r0@example.org", "r1@example.org"]
    assert client.get(url("digests.subscribe")).status_code == 200  # reading the page is not limited


def test_subscribing_is_not_rate_limited_when_limits_are_off(client):
    assert {_subscribe(client, email=f"r{n}@example.org").status_code for n in range(8)} == {200}
