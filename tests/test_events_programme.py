"""The programme: sessions in Europe/Rome time, speakers, linked cases, room clashes, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from club.events.models import EventSession, Registration, SessionKind, Speaker, session_cases
from club.extensions import db
from tests.case_factories import make_case
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_session,
    make_week,
    registrations_of,
    reload,
    seat,
    session_form_data,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser_client(client):
    login(client, make_organiser())
    return client


def _only_session() -> EventSession:
    db.session.expire_all()
    return db.session.scalars(select(EventSession)).one()


def _session_state(session_id: int) -> dict:
    event_session = reload(EventSession, session_id)
    state = {column.key: getattr(event_session, column.key) for column in EventSession.__table__.columns}
    state["speakers"] = [(s.user_id, s.guest_name, s.guest_organisation) for s in event_session.speakers]
    state["cases"] = [case.id for case in event_session.cases]
    return state


def _new(client, week, day_offset=0, **overrides):
    return client.post(
        url("events.new_session", week_id=week.id), data=session_form_data(week, day_offset, **overrides), headers=EN
    )


# -- Europe/Rome, across the changes of time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("first_day", "day_offset", "utc_hour"),
    [
        ("2030-03-29", 1, 9),  # Saturday 30 March 2030: winter time, UTC+1
        ("2030-03-29", 2, 8),  # Sunday 31 March 2030, the last of March: summer time from 02:00, UTC+2
        ("2030-10-25", 1, 8),  # Saturday 26 October 2030: still summer time
        ("2030-10-25", 2, 9),  # Sunday 27 October 2030, the last of October: back to winter time
    ],
)
def test_times_are_read_in_europe_rome_and_stored_in_utc(organiser_client, first_day, day_offset, utc_hour):
    week = make_week(starts_on=datetime.fromisoformat(first_day).date())
    response = _new(organiser_client, week, day_offset, start="10:00", end="11:30")
    assert response.status_code == 302, response.get_data(as_text=True)
    event_session = _only_session()
    day = week.starts_on + timedelta(days=day_offset)
    assert event_session.starts_at == datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
    assert event_session.ends_at == datetime(day.year, day.month, day.day, utc_hour + 1, 30, tzinfo=UTC)
    # The edit form shows the same Rome wall clock back.
    page = organiser_client.get(url("events.edit_session", session_id=event_session.id)).get_data(as_text=True)
    assert 'value="10:00"' in page and 'value="11:30"' in page and f'value="{day.isoformat()}"' in page


def test_a_session_across_the_spring_change_lasts_one_hour_less(organiser_client):
    week = make_week(starts_on=datetime(2030, 3, 31).date(), days=1)
    assert _new(organiser_client, week, start="01:00", end="04:00").status_code == 302
    event_session = _only_session()
    assert event_session.starts_at == datetime(2030, 3, 31, 0, 0, tzinfo=UTC)
    assert event_session.ends_at - event_session.starts_at == timedelta(hours=2)


# -- what a session holds --------------------------------------------------------------------------


def test_organiser_adds_a_full_session(organiser_client):
    speaker = make_member(display_name="Giulia Bianchi")
    case = make_case(make_member(), title="Reclami risolti in un giorno")
    week = make_week()
    response = _new(
        organiser_client,
        week,
        2,
        title="Resilienza nei contact centre",
        kind="panel",
        theme="resilienza",
        room="Sala Verdi",
        online_url="https://meet.example.com/abc",
        capacity="40",
        speakers=f"{speaker.email.upper()}\nMario Rossi | Telco Spa\nAnna Neri",
        cases=f" {case.id} ",
    )
    assert response.status_code == 302
    event_session = _only_session()
    assert response.headers["Location"].endswith(url("events.session_detail", session_id=event_session.id))
    assert (event_session.title, event_session.kind, event_session.theme) == (
        "Resilienza nei contact centre",
        "panel",
        "resilienza",
    )
    assert event_session.room == "Sala Verdi" and event_session.capacity == 40
    assert event_session.online_url == "https://meet.example.com/abc"
    assert [(s.user_id, s.guest_name, s.guest_organisation) for s in event_session.speakers] == [
        (speaker.id, None, None),
        (None, "Mario Rossi", "Telco Spa"),
        (None, "Anna Neri", None),
    ]
    assert [c.id for c in event_session.cases] == [case.id]


@pytest.mark.parametrize("kind", [kind.value for kind in SessionKind])
def test_every_session_type_is_accepted(organiser_client, kind):
    week = make_week()
    assert _new(organiser_client, week, kind=kind).status_code == 302
    assert _only_session().kind == kind


def test_online_only_session_and_session_without_capacity(organiser_client):
    week = make_week(place=None, online=True)
    response = _new(organiser_client, week, room="", online_url="http://meet.example.com/x", capacity="")
    assert response.status_code == 302
    event_session = _only_session()
    assert event_session.room is None and event_session.capacity is None


def test_organiser_edits_a_session(organiser_client):
    week = make_week()
    event_session = make_session(week, 0, "10:00", "11:00", room="Sala A", speakers=[("Ospite", "Org")])
    response = organiser_client.post(
        url("events.edit_session", session_id=event_session.id),
        data=session_form_data(week, 1, title="Titolo nuovo", room="Sala A", start="10:30", end="12:00"),
    )
    assert response.status_code == 302
    state = _session_state(event_session.id)
    assert state["title"] == "Titolo nuovo"
    assert state["starts_at"] == datetime(2031, 6, 10, 8, 30, tzinfo=UTC)  # summer time
    assert state["speakers"] == []


def test_organiser_deletes_a_session_with_its_registrations(organiser_client):
    week = make_week()
    event_session = make_session(week, 0, capacity=5)
    seat(event_session, make_member())
    response = organiser_client.post(url("events.delete_session", session_id=event_session.id))
    assert response.status_code == 302
    assert count(EventSession) == 0 and count(Registration) == 0


# -- bad input -------------------------------------------------------------------------------------

BAD_SESSIONS = {
    "title missing": {"title": None},
    "title too short": {"title": "ab"},
    "title too long": {"title": "t" * 201},
    "description too long": {"description": "d" * 20_001},
    "kind missing": {"kind": None},
    "unknown kind": {"kind": "concert"},
    "theme not of the week": {"theme": "altro"},
    "day missing": {"day": None},
    "day not a date": {"day": "lunedì"},
    "day before the week": {"day": "2031-06-08"},
    "day after the week": {"day": "2031-06-14"},
    "start missing": {"start": None},
    "start not a time": {"start": "25:00"},
    "end missing": {"end": None},
    "end equal to start": {"start": "10:00", "end": "10:00"},
    "end before start": {"start": "10:00", "end": "09:59"},
    "neither room nor link": {"room": "", "online_url": ""},
    "room too long": {"room": "r" * 81},
    "link not http": {"online_url": "ftp://files.example.com/x"},
    "javascript link": {"online_url": "javascript:alert(1)"},
    "link without scheme": {"online_url": "meet.example.com/x"},
    "link too long": {"online_url": "https://example.com/" + "x" * 300},
    "capacity zero": {"capacity": "0"},
    "capacity negative": {"capacity": "-3"},
    "capacity not a number": {"capacity": "molti"},
    "unknown speaker email": {"speakers": "nobody@example.com"},
    "speaker without a name": {"speakers": " | Telco Spa"},
    "speaker name too long": {"speakers": "n" * 121 + " | Org"},
    "same member twice": {"speakers": "twice@example.com\nTWICE@example.com"},
    "same guest twice": {"speakers": "Anna Neri | Telco\nanna neri | TELCO"},
    "too many speakers": {"speakers": "\n".join(f"Ospite {n} | Org" for n in range(13))},
    "case not a number": {"cases": "12, abc"},
    "unknown case": {"cases": "99999"},
}


@pytest.fixture
def twice(app):
    """The member the "same member twice" case names."""
    return make_member(email="twice@example.com")


@pytest.mark.parametrize("overrides", BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_bad_input_on_the_new_session_form_is_refused(organiser_client, twice, overrides):
    week = make_week()
    response = _new(organiser_client, week, **overrides)
    assert response.status_code == 400
    assert count(EventSession) == 0 and count(Speaker) == 0


@pytest.mark.parametrize("overrides", BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_bad_input_on_the_edit_session_form_changes_nothing(organiser_client, twice, overrides):
    week = make_week()
    event_session = make_session(week, 0, room="Sala Verdi", speakers=[("Ospite", "Org")])
    before = _session_state(event_session.id)
    response = organiser_client.post(
        url("events.edit_session", session_id=event_session.id),
        data=session_form_data(week, **overrides),
        headers=EN,
    )
    assert response.status_code == 400
    assert _session_state(event_session.id) == before


def test_speakers_are_members_by_email_each_once(organiser_client):
    week = make_week()
    member = make_member()
    response = _new(organiser_client, week, speakers=f"{member.email}\n{member.email.upper()}")
    assert response.status_code == 400
    assert "listed twice" in response.get_data(as_text=True)
    response = _new(organiser_client, week, speakers="nessuno@example.com")
    assert "No member uses this address" in response.get_data(as_text=True)
    assert count(EventSession) == 0


def test_a_deleted_member_cannot_be_a_speaker(organiser_client):
    week = make_week()
    member = make_member()
    member.deleted_at = member.created_at
    db.session.commit()
    assert _new(organiser_client, week, speakers=member.email).status_code == 400


@pytest.mark.parametrize("status", ["draft", "submitted", "archived"])
def test_only_published_cases_can_be_linked(organiser_client, status):
    week = make_week()
    author = make_member()
    published = make_case(author)
    other = make_case(author, status=status)
    response = _new(organiser_client, week, cases=f"{published.id}, {other.id}")
    assert response.status_code == 400
    assert count(EventSession) == 0
    assert db.session.scalar(select(session_cases.c.case_id).limit(1)) is None


def test_capacity_cannot_go_below_those_seated(organiser_client):
    week = make_week()
    event_session = make_session(week, 0, room="Sala Verdi", capacity=3)
    seat(event_session, make_member(), make_member(), make_member())
    before = _session_state(event_session.id)
    response = organiser_client.post(
        url("events.edit_session", session_id=event_session.id),
        data=session_form_data(week, capacity="2"),
        headers=EN,
    )
    assert response.status_code == 400
    assert "cannot be lower" in response.get_data(as_text=True)
    assert _session_state(event_session.id) == before
    response = organiser_client.post(
        url("events.edit_session", session_id=event_session.id), data=session_form_data(week, capacity="3")
    )
    assert response.status_code == 302


def test_raising_the_capacity_seats_the_waitlist_in_order(organiser_client, mail_outbox):
    week = make_week()
    event_session = make_session(week, 0, room="Sala Verdi", capacity=1)
    first, second, third = make_member(), make_member(), make_member()
    seat(event_session, first, second, third)
    response = organiser_client.post(
        url("events.edit_session", session_id=event_session.id), data=session_form_data(week, capacity="2")
    )
    assert response.status_code == 302
    assert [(r.user_id, r.seat) for r in registrations_of(event_session)] == [
        (first.id, 1),
        (second.id, 2),
        (third.id, None),
    ]
    assert [message["To"] for message in mail_outbox] == [second.email]


# -- rooms may not be double-booked ----------------------------------------------------------------


@pytest.fixture
def booked(organiser_client):
    week = make_week()
    existing = make_session(week, 0, "10:00", "11:00", room="Sala Verdi", title="Già in programma")
    return organiser_client, week, existing


@pytest.mark.parametrize(
    ("room", "start", "end"),
    [
        ("Sala Verdi", "10:30", "11:30"),  # overlaps the end
        ("Sala Verdi", "09:30", "10:01"),  # overlaps the start
        ("Sala Verdi", "10:15", "10:45"),  # inside
        ("Sala Verdi", "09:00", "12:00"),  # around
        ("Sala Verdi", "10:00", "11:00"),  # the same
        ("sala verdi", "10:15", "10:45"),  # the room name in another case
        ("SALA VERDI", "10:59", "11:30"),
    ],
)
def test_overlapping_sessions_in_one_room_are_refused(booked, room, start, end):
    client, week, existing = booked
    response = _new(client, week, room=room, start=start, end=end)
    assert response.status_code == 409
    assert "The room is taken at that time by “Già in programma”" in response.get_data(as_text=True)
    assert count(EventSession) == 1


@pytest.mark.parametrize(
    ("day_offset", "room", "start", "end"),
    [
        (0, "Sala Verdi", "11:00", "12:00"),  # starts when the other ends
        (0, "Sala Verdi", "09:00", "10:00"),  # ends when the other starts
        (0, "Sala Rossi", "10:00", "11:00"),  # another room
        (1, "Sala Verdi", "10:00", "11:00"),  # another day
    ],
)
def test_touching_sessions_and_other_rooms_are_fine(booked, day_offset, room, start, end):
    client, week, existing = booked
    assert _new(client, week, day_offset, room=room, start=start, end=end).status_code == 302
    assert count(EventSession) == 2


@pytest.mark.parametrize(("stored", "asked"), [("SALA CITTÀ", "Sala Città"), ("Sala Città", "SALA CITTÀ")])
def test_room_names_are_compared_without_case_beyond_ascii(organiser_client, stored, asked):
    week = make_week()
    make_session(week, 0, "10:00", "11:00", room=stored)
    assert _new(organiser_client, week, room=asked, start="10:30", end="11:30").status_code == 409
    assert count(EventSession) == 1


def test_the_same_guest_in_two_organisations_is_two_speakers(organiser_client):
    week = make_week()
    assert _new(organiser_client, week, speakers="Anna Neri | Telco\nAnna Neri | Banca").status_code == 302


def test_online_sessions_never_clash(booked):
    client, week, existing = booked
    response = _new(client, week, room="", online_url="https://meet.example.com/x", start="10:00", end="11:00")
    assert response.status_code == 302


def test_editing_a_session_does_not_clash_with_itself_but_with_others(booked):
    client, week, existing = booked
    other = make_session(week, 0, "14:00", "15:00", room="Sala Verdi")
    assert (
        client.post(
            url("events.edit_session", session_id=existing.id),
            data=session_form_data(week, title="Già in programma", start="10:00", end="11:30"),
        ).status_code
        == 302
    )
    before = _session_state(other.id)
    response = client.post(
        url("events.edit_session", session_id=other.id),
        data=session_form_data(week, start="11:00", end="15:00"),
        headers=EN,
    )
    assert response.status_code == 409
    assert "The room is taken" in response.get_data(as_text=True)
    assert _session_state(other.id) == before
