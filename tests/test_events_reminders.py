"""Reminders: the day before (Europe/Rome), to each seated member, exactly once however many runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from club.core import scheduler
from club.events import services
from club.events.models import ReminderSent
from club.extensions import db
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_session,
    make_week,
    rome,
    rome_today,
    seat,
)
from tests.factories import make_member


def _sent() -> set[tuple[int, int]]:
    db.session.expire_all()
    return {(row.session_id, row.user_id) for row in db.session.scalars(select(ReminderSent))}


def _reminders(outbox) -> list:
    """The reminders among the messages sent (a scheduler run also sends other mail, such as digests)."""
    return [message for message in outbox if message["List-Id"] is None]


def _recipients(outbox) -> list[str]:
    return sorted(message["To"] for message in _reminders(outbox))


@pytest.fixture
def programme(app):
    """The week of 9-13 June 2031; the reminders for Tuesday 10 June go on Monday 9 June."""
    week = make_week(starts_on=date(2031, 6, 9))
    seated = [make_member(locale="en", display_name=f"Socio {n}") for n in range(2)]
    waitlisted = make_member()
    tuesday = make_session(week, 1, "10:00", "11:00", capacity=2, title="Martedì mattina", room="Sala Verdi")
    seat(tuesday, *seated, waitlisted)
    monday = make_session(week, 0, "18:00", "19:00", title="Lunedì sera")  # today: no reminder
    wednesday = make_session(week, 2, "09:00", "10:00", title="Mercoledì")  # the day after tomorrow
    seat(monday, seated[0])
    seat(wednesday, seated[0], seated[1])
    return {"tuesday": tuesday, "seated": seated, "waitlisted": waitlisted, "wednesday": wednesday}


def test_seated_members_are_reminded_the_day_before_once(programme, mail_outbox):
    tuesday, seated = programme["tuesday"], programme["seated"]
    now = rome(date(2031, 6, 9), "08:00")
    assert services.send_reminders(now) == 2
    db.session.commit()
    assert _recipients(mail_outbox) == sorted(member.email for member in seated)
    assert _sent() == {(tuesday.id, member.id) for member in seated}
    message = mail_outbox[0]
    assert message["Subject"] == "Tomorrow: Martedì mattina"
    body = message.get_body(("plain",)).get_content()
    assert "10:00" in body  # the Rome wall clock, not 08:00 UTC
    assert "Sala Verdi" in body
    assert f"/events/sessions/{tuesday.id}" in body
    # However many more runs, that day or the next hours: nothing more.
    for hours in (0, 1, 13):
        assert services.send_reminders(now + timedelta(hours=hours)) == 0
        db.session.commit()
    assert len(mail_outbox) == 2
    assert count(ReminderSent) == 2


def test_the_day_before_is_a_rome_day(programme, mail_outbox):
    tuesday, seated = programme["tuesday"], programme["seated"]
    # 23:30 on Sunday 8 June in Rome (21:30 UTC): "tomorrow" is Monday, not Tuesday.
    assert services.send_reminders(rome(date(2031, 6, 8), "23:30")) == 1
    db.session.commit()
    assert tuesday.id not in {session_id for session_id, _user in _sent()}
    # 00:30 on Monday 9 June in Rome is still Sunday in UTC: "tomorrow" is Tuesday.
    assert services.send_reminders(rome(date(2031, 6, 9), "00:30")) == 2
    db.session.commit()
    assert {(s, u) for s, u in _sent() if s == tuesday.id} == {(tuesday.id, member.id) for member in seated}


def test_a_session_just_after_midnight_is_reminded_on_the_previous_rome_day(mail_outbox):
    week = make_week(starts_on=date(2031, 6, 9))
    member = make_member()
    early = make_session(week, 1, "00:30", "01:30")  # Tuesday 00:30 in Rome = Monday 22:30 UTC
    seat(early, member)
    assert services.send_reminders(rome(date(2031, 6, 8), "12:00")) == 0
    assert services.send_reminders(rome(date(2031, 6, 9), "12:00")) == 1
    db.session.commit()
    assert _sent() == {(early.id, member.id)}


def test_reminders_across_the_change_of_time(mail_outbox):
    week = make_week(starts_on=date(2030, 3, 29))
    member = make_member()
    sunday = make_session(week, 2, "10:00", "11:00")  # Sunday 31 March 2030, the first summer-time day
    seat(sunday, member)
    assert services.send_reminders(rome(date(2030, 3, 29), "23:00")) == 0
    assert services.send_reminders(rome(date(2030, 3, 30), "23:59")) == 1
    db.session.commit()
    assert _recipients(mail_outbox) == [member.email]


def test_waitlisted_members_and_other_days_get_nothing(programme, mail_outbox):
    services.send_reminders(rome(date(2031, 6, 9), "08:00"))
    db.session.commit()
    assert programme["waitlisted"].email not in _recipients(mail_outbox)
    assert all("Mercoledì" not in message["Subject"] for message in mail_outbox)
    assert all("Lunedì" not in message["Subject"] for message in mail_outbox)


def test_the_next_day_reminds_the_next_sessions(programme, mail_outbox):
    services.send_reminders(rome(date(2031, 6, 9), "08:00"))
    assert services.send_reminders(rome(date(2031, 6, 10), "08:00")) == 2
    db.session.commit()
    wednesday = programme["wednesday"]
    assert {(s, u) for s, u in _sent() if s == wednesday.id} == {(wednesday.id, m.id) for m in programme["seated"]}
    assert len(mail_outbox) == 4


def test_a_member_promoted_after_the_first_run_is_reminded_too(app, programme, mail_outbox):
    tuesday, seated, waitlisted = programme["tuesday"], programme["seated"], programme["waitlisted"]
    now = rome(date(2031, 6, 9), "08:00")
    services.send_reminders(now)
    db.session.commit()
    services.cancel(tuesday, seated[0], now=now)
    db.session.commit()
    mail_outbox.clear()
    assert services.send_reminders(now + timedelta(hours=1)) == 1
    db.session.commit()
    assert _recipients(mail_outbox) == [waitlisted.email]


def test_draft_weeks_and_suspended_members_are_not_emailed(mail_outbox):
    draft = make_week(starts_on=date(2031, 6, 9), status="draft")
    published = make_week(starts_on=date(2031, 6, 9))
    member, suspended = make_member(), make_member()
    seat(make_session(published, 1), member, suspended)
    draft_session = make_session(draft, 1)
    from club.events.models import Registration

    db.session.add(Registration(session_id=draft_session.id, user_id=member.id, seat=1))
    suspended.suspended_at = suspended.created_at
    db.session.commit()
    assert services.send_reminders(rome(date(2031, 6, 9), "08:00")) == 1
    db.session.commit()
    assert _recipients(mail_outbox) == [member.email]


# -- the scheduler ---------------------------------------------------------------------------------


@pytest.fixture
def tomorrow_session(app):
    """A session tomorrow (Europe/Rome) with two seated members and one on the waitlist."""
    week = make_week(starts_on=rome_today(), days=3)
    event_session = make_session(week, 1, "10:00", "11:00", capacity=2)
    members = [make_member(), make_member(), make_member()]
    seat(event_session, *members)
    return event_session, members


def test_the_scheduler_command_sends_each_reminder_once(app, tomorrow_session, mail_outbox):
    event_session, members = tomorrow_session
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scheduler", "--once"])
    assert first.exit_code == 0, first.output
    assert "events.reminders: 2" in first.output
    second = runner.invoke(args=["scheduler", "--once"])
    assert second.exit_code == 0, second.output
    assert "events.reminders: 0" in second.output
    assert _recipients(mail_outbox) == sorted(member.email for member in members[:2])
    assert _sent() == {(event_session.id, member.id) for member in members[:2]}


def test_run_once_runs_the_reminders_job_and_commits(app, tomorrow_session, mail_outbox):
    event_session, members = tomorrow_session
    assert scheduler.run_once(app)["events.reminders"] == 2
    assert scheduler.run_once(app)["events.reminders"] == 0
    assert len(_reminders(mail_outbox)) == 2
    assert count(ReminderSent) == 2


def test_the_reminders_job_is_scheduled_every_hour(app):
    jobs = {job_id: (function, trigger) for job_id, function, trigger in scheduler.jobs(app)}
    function, trigger = jobs["events.reminders"]
    assert function is services.send_reminders
    assert trigger == {"trigger": "cron", "minute": 5}
