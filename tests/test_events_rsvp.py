"""RSVP: places up to the capacity then a waitlist, cancelling promotes, one registration per member
(proven with concurrent requests), registration closes at the start; attendees and their CSV."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest

from club.events import services, views
from club.events.models import Registration
from club.extensions import db
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_session,
    make_week,
    registrations_of,
    seat,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


def _register(client, event_session, **kwargs):
    return client.post(url("events.register", session_id=event_session.id), headers=EN, **kwargs)


def _cancel(client, event_session):
    return client.post(url("events.cancel", session_id=event_session.id), headers=EN)


def _seats(event_session) -> list[tuple[int, int | None]]:
    return [(registration.user_id, registration.seat) for registration in registrations_of(event_session)]


def _signed_in(app, user):
    member_client = app.test_client()
    login(member_client, user)
    return member_client


def _freeze(monkeypatch, moment) -> None:
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    monkeypatch.setattr(views, "utcnow", lambda: moment)


@pytest.fixture
def talk(app):
    return make_session(make_week(), 1, "10:00", "11:00", capacity=2, title="Il reclamo come regalo")


# -- places and the waitlist -----------------------------------------------------------------------


def test_members_get_places_up_to_the_capacity_then_the_waitlist(app, talk):
    members = [make_member() for _ in range(4)]
    for member in members:
        response = _register(_signed_in(app, member), talk)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(url("events.session_detail", session_id=talk.id))
    assert _seats(talk) == [(members[0].id, 1), (members[1].id, 2), (members[2].id, None), (members[3].id, None)]
    page = _signed_in(app, members[3]).get(url("events.session_detail", session_id=talk.id), headers=EN).text
    assert "You are on the waitlist" in page
    assert "Places: 2 of 2 taken" in page and "2 on the waitlist" in page


def test_a_session_without_capacity_seats_everyone(app):
    event_session = make_session(make_week(), 0, capacity=None)
    members = [make_member() for _ in range(3)]
    for member in members:
        assert _register(_signed_in(app, member), event_session).status_code == 302
    assert [registration_seat for _user, registration_seat in _seats(event_session)] == [1, 2, 3]


def test_cancelling_frees_the_place_for_the_first_on_the_waitlist_who_is_emailed(app, talk, mail_outbox):
    first, second, waiting, later = (make_member(locale="en", display_name=f"Socio {n}") for n in range(4))
    seat(talk, first, second, waiting, later)
    assert mail_outbox == []
    response = _cancel(_signed_in(app, first), talk)
    assert response.status_code == 302
    assert _seats(talk) == [(waiting.id, 1), (second.id, 2), (later.id, None)]
    promoted = next(r for r in registrations_of(talk) if r.user_id == waiting.id)
    assert promoted.promoted_at is not None
    assert len(mail_outbox) == 1
    message = mail_outbox[0]
    assert message["To"] == waiting.email
    assert message["Subject"] == "A place is free for you"
    body = message.get_body(("plain",)).get_content()
    assert "Il reclamo come regalo" in body
    assert url("events.session_detail", session_id=talk.id) in body


def test_a_waitlisted_member_cancelling_promotes_nobody(app, talk, mail_outbox):
    first, second, waiting = make_member(), make_member(), make_member()
    seat(talk, first, second, waiting)
    assert _cancel(_signed_in(app, waiting), talk).status_code == 302
    assert _seats(talk) == [(first.id, 1), (second.id, 2)]
    assert mail_outbox == []


def test_cancelling_with_an_empty_waitlist_leaves_the_place_free(app, talk, mail_outbox):
    first, second, newcomer = make_member(), make_member(), make_member()
    seat(talk, first, second)
    assert _cancel(_signed_in(app, first), talk).status_code == 302
    assert _register(_signed_in(app, newcomer), talk).status_code == 302
    assert _seats(talk) == [(newcomer.id, 1), (second.id, 2)]
    assert mail_outbox == []


# -- refusals that change nothing ------------------------------------------------------------------


def test_registering_twice_is_refused_and_changes_nothing(app, talk):
    member = make_member()
    member_client = _signed_in(app, member)
    assert _register(member_client, talk).status_code == 302
    before = _seats(talk)
    response = _register(member_client, talk)
    assert response.status_code == 409
    assert "already registered" in response.text
    assert _seats(talk) == before


def test_registering_twice_on_the_waitlist_is_refused(app, talk):
    seat(talk, make_member(), make_member())
    member = make_member()
    member_client = _signed_in(app, member)
    assert _register(member_client, talk).status_code == 302
    assert _register(member_client, talk).status_code == 409
    assert count(Registration, Registration.user_id == member.id) == 1


def test_cancelling_without_a_registration_is_refused(app, talk):
    response = _cancel(_signed_in(app, make_member()), talk)
    assert response.status_code == 409
    assert "not registered" in response.text


@pytest.mark.parametrize("moment", ["at the start", "during", "after the end"])
def test_registration_closes_when_the_session_starts(app, talk, monkeypatch, moment):
    now = {
        "at the start": talk.starts_at,
        "during": talk.starts_at + timedelta(minutes=30),
        "after the end": talk.ends_at + timedelta(days=1),
    }[moment]
    member_client = _signed_in(app, make_member())
    _freeze(monkeypatch, now)
    response = _register(member_client, talk)
    assert response.status_code == 409
    assert "Registration closed when the session started" in response.text
    assert count(Registration) == 0
    page = member_client.get(url("events.session_detail", session_id=talk.id), headers=EN).text
    assert "Registration is closed" in page


def test_a_past_session_is_refused_without_freezing_time(app):
    past = make_session(make_week(starts_on=-10, days=3), 0, capacity=5)
    response = _register(_signed_in(app, make_member()), past)
    assert response.status_code == 409
    assert count(Registration) == 0


def test_registration_is_open_until_the_last_moment(app, talk, monkeypatch):
    member_client = _signed_in(app, make_member())
    _freeze(monkeypatch, talk.starts_at - timedelta(seconds=1))
    assert _register(member_client, talk).status_code == 302


def test_cancelling_after_the_start_is_refused(app, talk, monkeypatch):
    member, waiting = make_member(), make_member()
    seat(talk, member, make_member(), waiting)
    member_client = _signed_in(app, member)
    before = _seats(talk)
    _freeze(monkeypatch, talk.starts_at)
    response = _cancel(member_client, talk)
    assert response.status_code == 409
    assert _seats(talk) == before


def test_a_draft_week_cannot_be_registered_for(app):
    event_session = make_session(make_week(status="draft"), 0, capacity=5)
    assert _register(_signed_in(app, make_member()), event_session).status_code == 404
    # An organiser sees the draft, yet cannot register for it either.
    response = _register(_signed_in(app, make_organiser()), event_session)
    assert response.status_code == 409
    assert "not published" in response.text
    assert count(Registration) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, talk):
    response = _register(client, talk)
    assert response.status_code == 302
    assert url("accounts.login") in response.headers["Location"]
    assert count(Registration) == 0


def test_an_unverified_member_cannot_register(app, talk):
    member = make_member()
    member_client = _signed_in(app, member)
    member.email_verified_at = None
    db.session.commit()
    response = _register(member_client, talk)
    assert response.status_code == 403
    assert count(Registration) == 0


def test_the_database_refuses_a_second_registration_or_a_shared_seat(app, talk):
    """The guarantee does not rest on the service's check: the constraints refuse it too."""
    from sqlalchemy.exc import IntegrityError

    member, other = make_member(), make_member()
    seat(talk, member)
    for row in (
        Registration(session_id=talk.id, user_id=member.id, seat=None),
        Registration(session_id=talk.id, user_id=other.id, seat=1),
    ):
        db.session.add(row)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert count(Registration) == 1


# -- concurrent requests ---------------------------------------------------------------------------


def _race(clients, path) -> list:
    """POST `path` from every client at the same moment; the status codes (or the exceptions)."""
    db.session.commit()  # the test's transaction ends: it holds no lock nor snapshot during the race
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def worker(index, member_client):
        try:
            barrier.wait(timeout=30)
            results[index] = member_client.post(path, headers=EN).status_code
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=worker, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def test_one_member_racing_eight_requests_gets_exactly_one_registration(app, talk):
    member = make_member()
    clients = [_signed_in(app, member) for _ in range(8)]
    results = _race(clients, url("events.register", session_id=talk.id))
    assert sorted(results, key=str) == sorted([302] + [409] * 7, key=str), results
    assert _seats(talk) == [(member.id, 1)]


def test_one_member_racing_for_a_full_session_gets_one_waitlist_place(app, talk):
    seat(talk, make_member(), make_member())
    member = make_member()
    results = _race([_signed_in(app, member) for _ in range(8)], url("events.register", session_id=talk.id))
    assert sorted(results, key=str) == sorted([302] + [409] * 7, key=str), results
    assert count(Registration, Registration.user_id == member.id, Registration.seat.is_(None)) == 1


def test_members_racing_for_the_last_place_never_exceed_the_capacity(app):
    event_session = make_session(make_week(), 0, capacity=3)
    early = [make_member(), make_member()]
    seat(event_session, *early)
    racers = [make_member() for _ in range(8)]
    results = _race([_signed_in(app, member) for member in racers], url("events.register", session_id=event_session.id))
    assert results == [302] * 8, results
    rows = registrations_of(event_session)
    seated = [r for r in rows if r.seat is not None]
    assert sorted(r.seat for r in seated) == [1, 2, 3]
    assert {r.user_id for r in rows} == {m.id for m in early + racers}
    assert sum(1 for r in rows if r.seat is None) == 7


def test_members_racing_for_every_place_fill_it_exactly(app):
    event_session = make_session(make_week(), 0, capacity=4)
    racers = [make_member() for _ in range(8)]
    results = _race([_signed_in(app, member) for member in racers], url("events.register", session_id=event_session.id))
    assert results == [302] * 8, results
    rows = registrations_of(event_session)
    assert sorted(r.seat for r in rows if r.seat is not None) == [1, 2, 3, 4]
    assert sum(1 for r in rows if r.seat is None) == 4


# -- attendees and their CSV -----------------------------------------------------------------------


@pytest.fixture
def crowd(talk):
    people = [
        make_member(display_name="Anna Verdi", organisation="Banca Adriatica"),
        make_member(display_name='=HYPERLINK("http://evil.example")', organisation="+39 Telco"),
        make_member(display_name="@Marco", organisation="-Retail"),
    ]
    seat(talk, *people)
    return talk, people


def test_organisers_see_the_attendees(app, crowd):
    talk, people = crowd
    page = _signed_in(app, make_organiser()).get(url("events.attendees", session_id=talk.id), headers=EN)
    assert page.status_code == 200
    assert "Anna Verdi" in page.text and "Banca Adriatica" in page.text
    assert "@Marco" in page.text and "Waitlist" in page.text


def test_organisers_export_the_attendees_as_csv(app, crowd):
    talk, people = crowd
    response = _signed_in(app, make_organiser()).get(url("events.attendees_csv", session_id=talk.id))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"attendees-session-{talk.id}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["name"] for row in rows] == ["Anna Verdi", '\'=HYPERLINK("http://evil.example")', "'@Marco"]
    assert [row["organisation"] for row in rows] == ["Banca Adriatica", "'+39 Telco", "'-Retail"]
    assert [row["email"] for row in rows] == [person.email for person in people]
    assert [(row["status"], row["seat"]) for row in rows] == [
        ("registered", "1"),
        ("registered", "2"),
        ("waitlist", ""),
    ]
    assert all(row["registered_at"] for row in rows)


def test_an_empty_attendee_list(app, talk):
    organiser_client = _signed_in(app, make_organiser())
    assert organiser_client.get(url("events.attendees", session_id=talk.id)).status_code == 200
    rows = list(csv.reader(io.StringIO(organiser_client.get(url("events.attendees_csv", session_id=talk.id)).text)))
    assert rows == [["name", "email", "organisation", "status", "seat", "registered_at"]]


@pytest.mark.parametrize("endpoint", ["events.attendees", "events.attendees_csv"])
def test_members_cannot_see_the_attendees(app, crowd, endpoint):
    talk, people = crowd
    path = url(endpoint, session_id=talk.id)
    assert _signed_in(app, people[0]).get(path).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and url("accounts.login") in anonymous.headers["Location"]
