"""Permissions and CSRF: every organiser page and action refuses members (403) and sends anonymous
visitors to sign in; every POST route of the events blueprint refuses a request without a CSRF token.
Neither changes anything."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from club.events import services, views
from club.events.models import CalendarToken, EventSession, EventWeek, Feedback, Registration, Speaker
from club.extensions import db
from tests.case_factories import image_bytes
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    make_session,
    make_week,
    seat,
    session_form_data,
    week_form_data,
)
from tests.factories import make_member, make_organiser
from tests.helpers import csrf_token, login, url

EN = {"Accept-Language": "en"}

PUBLIC = {
    "events.index",
    "events.week",
    "events.week_calendar",
    "events.cover",
    "events.session_detail",
    "events.session_calendar",
    "events.personal_calendar",
}
MEMBERS = {"events.register", "events.cancel", "events.rate", "events.my_sessions", "events.reset_calendar_token"}
ORGANISERS = {
    "events.new_week",
    "events.edit_week",
    "events.upload_week_cover",
    "events.new_session",
    "events.edit_session",
    "events.delete_session",
    "events.attendees",
    "events.attendees_csv",
    "events.feedback",
}


def _events_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("events.")]


def test_every_events_route_is_classified(app):
    """A new route must be added to one of the lists above (and so to the tests below)."""
    assert {rule.endpoint for rule in _events_rules(app)} == PUBLIC | MEMBERS | ORGANISERS


def snapshot() -> dict:
    db.session.expire_all()
    weeks = [
        (w.id, w.title, w.themes, w.starts_on, w.ends_on, w.place, w.online, w.status, w.cover_filename)
        for w in db.session.scalars(select(EventWeek).order_by(EventWeek.id))
    ]
    sessions = [
        (s.id, s.title, s.kind, s.starts_at, s.ends_at, s.room, s.capacity, s.online_url)
        for s in db.session.scalars(select(EventSession).order_by(EventSession.id))
    ]
    registrations = [
        (r.session_id, r.user_id, r.seat) for r in db.session.scalars(select(Registration).order_by(Registration.id))
    ]
    feedback = [(f.session_id, f.user_id, f.rating, f.comment) for f in db.session.scalars(select(Feedback))]
    speakers = [(s.session_id, s.user_id, s.guest_name) for s in db.session.scalars(select(Speaker))]
    tokens = [(t.user_id, t.token) for t in db.session.scalars(select(CalendarToken))]
    return {
        "weeks": weeks,
        "sessions": sessions,
        "registrations": registrations,
        "feedback": feedback,
        "speakers": speakers,
        "tokens": tokens,
    }


@pytest.fixture
def world(app):
    week = make_week()
    event_session = make_session(week, 1, room="Sala Verdi", capacity=5)
    attendee = make_member()
    seat(event_session, attendee)
    return {"week": week, "session": event_session, "attendee": attendee}


def _organiser_requests(world) -> list[tuple[str, str, str, dict]]:
    """(label, method, path, form data): each organiser page and action, with data that would succeed
    (in this order: the deletion comes last)."""
    week, event_session = world["week"], world["session"]
    week_data = week_form_data(title="Cambiato da chi non può")
    session_data = session_form_data(week, 2, title="Aggiunta da chi non può", room="Sala Nuova")
    edited_data = session_form_data(week, 3, title="Cambiata da chi non può", room="Sala Verdi", capacity="9")
    return [
        ("new week form", "GET", url("events.new_week"), {}),
        ("new week", "POST", url("events.new_week"), week_data),
        ("edit week form", "GET", url("events.edit_week", week_id=week.id), {}),
        ("edit week", "POST", url("events.edit_week", week_id=week.id), week_data),
        (
            "cover upload",
            "POST",
            url("events.upload_week_cover", week_id=week.id),
            {"cover": (io.BytesIO(image_bytes()), "cover.png")},
        ),
        ("new session form", "GET", url("events.new_session", week_id=week.id), {}),
        ("new session", "POST", url("events.new_session", week_id=week.id), session_data),
        ("edit session form", "GET", url("events.edit_session", session_id=event_session.id), {}),
        ("edit session", "POST", url("events.edit_session", session_id=event_session.id), edited_data),
        ("attendees", "GET", url("events.attendees", session_id=event_session.id), {}),
        ("attendees CSV", "GET", url("events.attendees_csv", session_id=event_session.id), {}),
        ("feedback", "GET", url("events.feedback", week_id=week.id), {}),
        ("delete session", "POST", url("events.delete_session", session_id=event_session.id), {}),
    ]


def _send(client, method, path, data):
    if method == "GET":
        return client.get(path, headers=EN)
    # A fresh stream per request: the test client consumes it.
    data = {
        key: (io.BytesIO(value[0].getvalue()), value[1]) if isinstance(value, tuple) else value
        for key, value in data.items()
    }
    return client.post(path, data=data, headers=EN, content_type="multipart/form-data")


def test_the_organiser_list_covers_every_organiser_route(app, world):
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(path, method=method)[0] for _label, method, path, _data in _organiser_requests(world)}
    assert covered == ORGANISERS


def test_members_get_403_on_every_organiser_page_and_action(app, world):
    member_client = app.test_client()
    login(member_client, world["attendee"])
    before = snapshot()
    for label, method, path, data in _organiser_requests(world):
        response = _send(member_client, method, path, data)
        assert response.status_code == 403, f"{label}: {response.status_code}"
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in_from_every_organiser_page(app, world):
    anonymous = app.test_client()
    before = snapshot()
    for label, method, path, data in _organiser_requests(world):
        response = _send(anonymous, method, path, data)
        assert response.status_code == 302, f"{label}: {response.status_code}"
        assert url("accounts.login") in response.headers["Location"], label
    assert snapshot() == before


def test_organisers_reach_every_organiser_page_and_action(app, world):
    """The control for the two tests above: the same requests succeed for an organiser."""
    organiser_client = app.test_client()
    login(organiser_client, make_organiser())
    for label, method, path, data in _organiser_requests(world):
        response = _send(organiser_client, method, path, data)
        assert response.status_code in (200, 302), f"{label}: {response.status_code}"


def test_suspended_organisers_are_refused(app, world):
    organiser = make_organiser()
    organiser_client = app.test_client()
    login(organiser_client, organiser)
    organiser.suspended_at = organiser.created_at
    db.session.commit()
    before = snapshot()
    for label, method, path, data in _organiser_requests(world):
        response = _send(organiser_client, method, path, data)
        assert response.status_code in (302, 401, 403), f"{label}: {response.status_code}"
    assert snapshot() == before


# -- CSRF ------------------------------------------------------------------------------------------


def _events_posts(app, values) -> dict[str, str]:
    paths = {}
    for rule in _events_rules(app):
        if "POST" in rule.methods:
            with app.test_request_context():
                paths[rule.endpoint] = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
    return paths


@pytest.mark.csrf
def test_every_events_post_route_refuses_a_missing_or_bad_token(app, monkeypatch):
    organiser = make_organiser()
    week = make_week()
    upcoming = make_session(week, 1, capacity=5)
    past = make_session(week, 0, capacity=5)
    seat(past, organiser)
    seat(upcoming, organiser)
    # The organiser's past session has ended; the upcoming one has not started.
    now = past.ends_at + timedelta(hours=1)
    assert now < upcoming.starts_at
    monkeypatch.setattr(services, "utcnow", lambda: now)
    monkeypatch.setattr(views, "utcnow", lambda: now)
    client = app.test_client()
    login(client, organiser)  # the helper sends the token
    paths = _events_posts(app, {"week_id": week.id, "session_id": upcoming.id})
    paths["events.rate"] = url("events.rate", session_id=past.id)
    assert set(paths) == {
        "events.register",
        "events.cancel",
        "events.rate",
        "events.reset_calendar_token",
        "events.new_week",
        "events.edit_week",
        "events.upload_week_cover",
        "events.new_session",
        "events.edit_session",
        "events.delete_session",
    }
    form = {
        **week_form_data(title="Senza token"),
        **session_form_data(week, 2, title="Senza token", room="Sala Nuova"),
        "rating": "5",
    }
    before = snapshot()
    for endpoint, path in sorted(paths.items()):
        for token in (None, "not-a-token"):
            data = {**form, "cover": (io.BytesIO(image_bytes()), "cover.png")}
            if token:
                data["csrf_token"] = token
            response = client.post(path, data=data, headers=EN, content_type="multipart/form-data")
            assert response.status_code == 400, f"{endpoint} accepted a POST with token {token!r}"
            assert "did not come from this site" in response.text, endpoint
    assert snapshot() == before
    # The control: with a valid token the same request goes through.
    response = client.post(paths["events.reset_calendar_token"], data={"csrf_token": csrf_token(client)}, headers=EN)
    assert response.status_code == 302
    assert snapshot() != before
