"""iCalendar files, parsed back with the icalendar library: one session, the week, "my sessions"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from club.accounts.models import User
from club.events.models import CalendarToken
from club.extensions import db
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_session,
    make_week,
    seat,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    assert ".ics" in response.headers["Content-Disposition"]
    return Calendar.from_ical(response.data)


def events_by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(event_session) -> str:
    return f"session-{event_session.id}@club-esperienza-cliente"


def utc_instant(calendar: Calendar, event, name: str) -> datetime:
    """The instant of DTSTART/DTEND as a calendar application reads it: the local wall clock and the
    file's own VTIMEZONE (not Python's zoneinfo), then to UTC."""
    prop = event[name]
    assert prop.params["TZID"] == "Europe/Rome"
    local = datetime.strptime(prop.to_ical().decode(), "%Y%m%dT%H%M%S")
    zones = {str(zone["TZID"]): zone for zone in calendar.walk("VTIMEZONE")}
    return local.replace(tzinfo=zones["Europe/Rome"].to_tz()).astimezone(UTC)


@pytest.fixture
def dst_week(app):
    """Friday 29 March - Tuesday 2 April 2030: summer time starts on Sunday 31 March."""
    week = make_week(starts_on=date(2030, 3, 29), title="Settimana di primavera")
    winter = make_session(week, 1, "10:00", "11:00", title="Sabato d'inverno", description="**Una** testimonianza")
    summer = make_session(week, 2, "10:00", "11:30", title="Domenica d'estate")
    return week, winter, summer


def test_one_session_as_an_ics_file(client, dst_week):
    week, winter, summer = dst_week
    calendar = parse(client.get(url("events.session_calendar", session_id=winter.id)))
    assert str(calendar["VERSION"]) == "2.0"
    events = events_by_uid(calendar)
    assert list(events) == [uid(winter)]
    event = events[uid(winter)]
    assert str(event["SUMMARY"]) == "Sabato d'inverno"
    assert str(event["URL"]).endswith(url("events.session_detail", session_id=winter.id))
    assert "Una testimonianza" in str(event["DESCRIPTION"]) and "**" not in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == winter.room
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.hour, start.minute, str(start.tzinfo)) == (10, 0, "Europe/Rome")
    assert start == datetime(2030, 3, 30, 9, 0, tzinfo=UTC) == winter.starts_at
    assert end == datetime(2030, 3, 30, 10, 0, tzinfo=UTC)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]


def test_times_are_right_on_both_sides_of_the_spring_change(client, dst_week):
    week, winter, summer = dst_week
    response = client.get(url("events.week_calendar", week_id=week.id))
    calendar = parse(response)
    events = events_by_uid(calendar)
    assert set(events) == {uid(winter), uid(summer)}
    assert b"DTSTART;TZID=Europe/Rome:20300330T100000" in response.data
    assert b"DTSTART;TZID=Europe/Rome:20300331T100000" in response.data
    assert utc_instant(calendar, events[uid(winter)], "DTSTART") == datetime(2030, 3, 30, 9, 0, tzinfo=UTC)
    assert utc_instant(calendar, events[uid(summer)], "DTSTART") == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
    assert utc_instant(calendar, events[uid(summer)], "DTEND") == datetime(2030, 3, 31, 9, 30, tzinfo=UTC)
    assert events[uid(summer)].decoded("DTSTART") == summer.starts_at


def test_times_are_right_on_both_sides_of_the_autumn_change(client):
    week = make_week(starts_on=date(2030, 10, 25))
    summer = make_session(week, 1, "10:00", "11:00")  # Saturday 26 October 2030, UTC+2
    winter = make_session(week, 2, "10:00", "11:00")  # Sunday 27 October 2030, UTC+1
    calendar = parse(client.get(url("events.week_calendar", week_id=week.id)))
    events = events_by_uid(calendar)
    assert utc_instant(calendar, events[uid(summer)], "DTSTART") == datetime(2030, 10, 26, 8, 0, tzinfo=UTC)
    assert utc_instant(calendar, events[uid(winter)], "DTSTART") == datetime(2030, 10, 27, 9, 0, tzinfo=UTC)
    assert events[uid(winter)].decoded("DTSTART") == winter.starts_at


def test_the_week_file_holds_the_whole_programme_and_nothing_else(client, dst_week):
    week, winter, summer = dst_week
    extra = make_session(week, 4, "18:00", "19:00", title="Premiazione", kind="award_ceremony")
    other_week = make_week()
    make_session(other_week, 0, title="Altra settimana")
    calendar = parse(client.get(url("events.week_calendar", week_id=week.id)))
    assert set(events_by_uid(calendar)) == {uid(winter), uid(summer), uid(extra)}
    assert str(calendar["X-WR-CALNAME"]) == "Settimana di primavera"


def test_an_empty_week_gives_a_valid_empty_calendar(client):
    week = make_week()
    calendar = parse(client.get(url("events.week_calendar", week_id=week.id)))
    assert calendar.walk("VEVENT") == []


# -- my sessions, by a private token ---------------------------------------------------------------


def _feed_path(user) -> str:
    db.session.expire_all()
    token = db.session.get(CalendarToken, user.id)
    assert token is not None
    return url("events.personal_calendar", token=token.token)


@pytest.fixture
def member_with_sessions(app):
    member = make_member()
    week = make_week(online=True)
    seated = make_session(week, 0, title="Con il posto", online_url="https://meet.example.com/mio", capacity=5)
    seated_later = make_session(week, 3, title="Anche questa", capacity=None)
    waitlisted = make_session(week, 1, title="In lista di attesa", capacity=1)
    make_session(week, 2, title="Non iscritto")
    draft_session = make_session(make_week(status="draft"), 0, title="Bozza")
    seat(seated, member)
    seat(seated_later, member)
    seat(waitlisted, make_member(), member)
    # The organiser registered the member before publishing a week that went back to draft.
    from club.events.models import Registration

    db.session.add(Registration(session_id=draft_session.id, user_id=member.id, seat=1))
    db.session.commit()
    member_client = app.test_client()
    login(member_client, member)
    return member, member_client, seated, seated_later


def test_the_personal_calendar_holds_only_the_sessions_with_a_place(app, member_with_sessions):
    member, member_client, seated, seated_later = member_with_sessions
    assert member_client.post(url("events.reset_calendar_token")).status_code == 302
    page = member_client.get(url("events.my_sessions"), headers=EN)
    assert page.status_code == 200
    path = _feed_path(member)
    assert path in page.text
    assert "Con il posto" in page.text and "In lista di attesa" not in page.text
    # A calendar application fetches it without signing in.
    response = app.test_client().get(path)
    calendar = parse(response)
    assert response.headers["Cache-Control"] == "private, no-store"
    events = events_by_uid(calendar)
    assert list(events) == [uid(seated), uid(seated_later)]
    assert events[uid(seated)].decoded("DTSTART") == seated.starts_at
    assert "https://meet.example.com/mio" in str(events[uid(seated)]["LOCATION"])
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]


def test_resetting_the_token_retires_the_old_address(app, member_with_sessions):
    member, member_client, seated, seated_later = member_with_sessions
    member_client.post(url("events.reset_calendar_token"))
    old_path = _feed_path(member)
    assert app.test_client().get(old_path).status_code == 200
    assert member_client.post(url("events.reset_calendar_token")).status_code == 302
    new_path = _feed_path(member)
    assert new_path != old_path
    assert app.test_client().get(old_path).status_code == 404
    assert len(events_by_uid(parse(app.test_client().get(new_path)))) == 2
    assert count(CalendarToken) == 1


def test_my_sessions_page_before_any_token(member_with_sessions):
    member, member_client, seated, seated_later = member_with_sessions
    page = member_client.get(url("events.my_sessions"), headers=EN)
    assert page.status_code == 200
    assert "Create my calendar address" in page.text
    assert count(CalendarToken) == 0  # no write on GET


@pytest.mark.parametrize("token", ["unknown-token", "x" * 65, "a"])
def test_an_unknown_token_is_404(client, member_with_sessions, token):
    member, member_client, seated, seated_later = member_with_sessions
    member_client.post(url("events.reset_calendar_token"))
    assert client.get(url("events.personal_calendar", token=token)).status_code == 404


def test_a_suspended_members_calendar_is_404(app, member_with_sessions):
    member, member_client, seated, seated_later = member_with_sessions
    member_client.post(url("events.reset_calendar_token"))
    path = _feed_path(member)
    user = db.session.get(User, member.id)
    user.suspended_at = user.created_at
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_tokens_are_personal(app, member_with_sessions):
    member, member_client, seated, seated_later = member_with_sessions
    other = make_organiser()
    other_client = app.test_client()
    login(other_client, other)
    member_client.post(url("events.reset_calendar_token"))
    other_client.post(url("events.reset_calendar_token"))
    assert _feed_path(member) != _feed_path(other)
    assert parse(app.test_client().get(_feed_path(other))).walk("VEVENT") == []


def test_anonymous_visitors_have_no_my_sessions(client):
    response = client.get(url("events.my_sessions"))
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    response = client.post(url("events.reset_calendar_token"))
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    assert count(CalendarToken) == 0
