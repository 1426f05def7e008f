"""The event weeks of `flask demo` (club.events.demo): last year's with ratings, the coming one, a draft."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import combinations

import pytest
from sqlalchemy import func, select

from club.accounts.models import User
from club.cases.models import CaseStudy, Status
from club.core.timeutil import ROME, utcnow
from club.events import demo as events_demo
from club.events import services
from club.events.models import (
    EventSession,
    EventWeek,
    Feedback,
    Registration,
    SessionKind,
    Speaker,
    WeekStatus,
    session_cases,
)
from club.extensions import db
from club.members import demo as members_demo

EVENT_TABLES = {
    "weeks": EventWeek,
    "sessions": EventSession,
    "speakers": Speaker,
    "session_cases": session_cases,
    "registrations": Registration,
    "feedback": Feedback,
}
FEEDBACK_WINDOW = timedelta(days=7)


def _counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(table)) for name, table in EVENT_TABLES.items()}


def _weeks() -> dict[str, EventWeek]:
    """The demo weeks by role: "past", "coming" (published) and "draft"."""
    today = utcnow().astimezone(ROME).date()
    weeks = db.session.scalars(select(EventWeek).order_by(EventWeek.starts_on)).all()
    published = [week for week in weeks if week.status == WeekStatus.PUBLISHED]
    drafts = [week for week in weeks if week.status == WeekStatus.DRAFT]
    assert len(published) == 2 and len(drafts) == 1, [(week.title, week.status) for week in weeks]
    past, coming = published
    assert past.ends_on < today < coming.starts_on
    return {"past": past, "coming": coming, "draft": drafts[0]}


def _overlap(first, second) -> bool:
    return first.starts_at < second.ends_at and second.starts_at < first.ends_at


def test_demo_loads_the_event_weeks_once(runner, mail_outbox):
    first = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    after_first = _counts()
    assert after_first["weeks"] == 3
    assert "Event weeks: 3 new, 3 in all" in first.output

    second = runner.invoke(args=["demo"])

    assert second.exit_code == 0, second.output
    assert _counts() == after_first
    assert "Event weeks: 0 new, 3 in all" in second.output
    titles = db.session.scalars(select(EventWeek.title)).all()
    assert len(set(titles)) == len(titles) == 3
    # Registrations and promotions from the waitlist email members on the site; the demo sends nothing.
    assert mail_outbox == []

    weeks = _weeks()
    _the_weeks_are_well_formed(weeks)
    _no_room_holds_two_sessions_at_once()
    _registrations_keep_the_rules()
    _only_attendees_rated_the_past_week(weeks)
    _the_coming_week_is_full_of_plans(weeks)
    _the_demo_member_has_sessions_and_speaks(weeks)
    _speakers_and_cases_belong_together(weeks)


def _the_weeks_are_well_formed(weeks):
    past, coming, draft = weeks["past"], weeks["coming"], weeks["draft"]
    today = utcnow().astimezone(ROME).date()
    assert past.title == f"Settimana Relazione Esperienza Cliente {coming.starts_on.year - 1}"
    assert coming.title == f"Settimana Relazione Esperienza Cliente {coming.starts_on.year}"
    for week in (past, coming):
        assert week.starts_on.weekday() == 0 and (week.ends_on - week.starts_on).days == 4
        assert week.online and "Milano" in week.place
        assert len(week.themes) == 3 and "**Settimana Relazione Esperienza Cliente**" in week.description
        assert 15 <= len(week.sessions) <= 22
        kinds = Counter(item.kind for item in week.sessions)
        assert set(kinds) == {kind.value for kind in SessionKind}
        assert kinds[SessionKind.TESTIMONIAL] >= 8 and kinds[SessionKind.AWARD_CEREMONY] == 1
        ceremony = next(item for item in week.sessions if item.kind == SessionKind.AWARD_CEREMONY)
        assert ceremony.starts_at.astimezone(ROME).date() == week.ends_on  # the week closes with it
        assert {item.theme for item in week.sessions if item.theme} == set(week.themes)
    assert set(past.themes) == {"Resilienza", "Relazione", "Recupero"}
    assert 14 <= (coming.starts_on - today).days <= 63
    assert coming.starts_on > today and min(item.starts_at for item in coming.sessions) > utcnow()
    assert max(item.ends_at for item in past.sessions) < utcnow()
    assert draft.sessions and draft.starts_on > coming.ends_on
    # Only organisers see the draft.
    assert draft.id not in {week.id for week in services.visible_weeks(None)}
    for week in (past, coming, draft):
        for item in week.sessions:
            assert item.ends_at > item.starts_at
            start, end = item.starts_at.astimezone(ROME), item.ends_at.astimezone(ROME)
            assert week.starts_on <= start.date() == end.date() <= week.ends_on, item.title
            assert 8 <= start.hour and end.hour <= 22, item.title
            assert item.room or item.online_url
            assert item.capacity is not None and 40 <= item.capacity <= 200
            assert item.online_url is None or item.online_url.startswith("https://")


def _no_room_holds_two_sessions_at_once():
    by_room = defaultdict(list)
    for item in db.session.scalars(select(EventSession)):
        if item.room:
            by_room[(item.week_id, item.room.lower())].append(item)
    assert by_room
    for (_, room), items in by_room.items():
        for first, second in combinations(items, 2):
            assert not _overlap(first, second), (room, first.title, second.title)


def _registrations_keep_the_rules():
    now = utcnow()
    sessions = {item.id: item for item in db.session.scalars(select(EventSession))}
    created = dict(db.session.execute(select(User.id, User.created_at)).all())
    by_session = defaultdict(list)
    for registration in db.session.scalars(select(Registration)):
        by_session[registration.session_id].append(registration)
    for session_id, registrations in by_session.items():
        item = sessions[session_id]
        seats = [row.seat for row in registrations if row.seat is not None]
        assert len(seats) == len(set(seats)), item.title
        assert len(seats) <= item.capacity and all(1 <= seat <= item.capacity for seat in seats), item.title
        # A waitlist only when every seat is taken.
        if len(seats) < len(registrations):
            assert len(seats) == item.capacity, item.title
        speakers = {speaker.user_id for speaker in item.speakers if speaker.user_id}
        for row in registrations:
            assert created[row.user_id] < row.created_at < min(item.starts_at, now), item.title
            if row.promoted_at is not None:
                assert row.seat is not None and row.created_at < row.promoted_at < item.starts_at
            if row.user_id in speakers:
                assert row.user.email == members_demo.DEMO_MEMBER_EMAIL  # she registered for her own talk
    # Nobody has a seat in two sessions at the same time.
    seated = defaultdict(list)
    for session_id, registrations in by_session.items():
        for row in registrations:
            if row.seat is not None:
                seated[row.user_id].append(sessions[session_id])
    for user_id, items in seated.items():
        for first, second in combinations(items, 2):
            assert not _overlap(first, second), (user_id, first.title, second.title)


def _only_attendees_rated_the_past_week(weeks):
    past = weeks["past"]
    seated = {
        (row.session_id, row.user_id)
        for row in db.session.scalars(select(Registration).where(Registration.seat.is_not(None)))
    }
    sessions = {item.id: item for item in past.sessions}
    rows = db.session.scalars(select(Feedback)).all()
    assert len(rows) >= 200
    assert {row.session_id for row in rows} == set(sessions)  # every session of last year has ratings
    for row in rows:
        item = sessions[row.session_id]  # never a session of the coming week or the draft
        assert (row.session_id, row.user_id) in seated
        assert 1 <= row.rating <= 5
        assert item.ends_at <= row.created_at <= row.updated_at < item.ends_at + FEEDBACK_WINDOW
    ratings = Counter(row.rating for row in rows)
    assert ratings[5] + ratings[4] > 0.6 * len(rows) and ratings[1] + ratings[2] < 0.15 * len(rows)
    assert 3.7 <= sum(row.rating for row in rows) / len(rows) <= 4.6
    commented = [row for row in rows if row.comment]
    assert 0.15 <= len(commented) / len(rows) <= 0.45
    assert all(len(row.comment) > 20 for row in commented)
    # The registrations of last year: most seats of the smaller rooms taken.
    for item in past.sessions:
        taken = sum(1 for row in item_registrations(item) if row.seat is not None)
        if item.capacity <= 50:
            assert 0.55 * item.capacity <= taken <= item.capacity, item.title


def item_registrations(item: EventSession) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(Registration.session_id == item.id)))


def _the_coming_week_is_full_of_plans(weeks):
    coming = weeks["coming"]
    ids = [item.id for item in coming.sessions]
    assert not db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.session_id.in_(ids)))
    counts = services.seat_counts(ids)  # (seated, waitlisted) per session
    assert all(counts.get(item.id, (0, 0))[0] >= 20 for item in coming.sessions)
    full = [item for item in coming.sessions if counts[item.id][0] == item.capacity and counts[item.id][1] > 0]
    assert len(full) >= 2
    # Some members gave their seat back in the full sessions: the first on the waitlist took it.
    promoted = select(func.count()).where(Registration.session_id.in_(ids), Registration.promoted_at.is_not(None))
    assert db.session.scalar(promoted) >= 2
    draft_ids = [item.id for item in weeks["draft"].sessions]
    assert not db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.session_id.in_(draft_ids))
    )


def _the_demo_member_has_sessions_and_speaks(weeks):
    giulia = db.session.scalar(select(User).where(User.email == members_demo.DEMO_MEMBER_EMAIL))
    coming = weeks["coming"]
    mine = [item for item in services.my_sessions(giulia) if item.week_id == coming.id]
    assert 2 <= len(mine) <= 3
    speaking = [item for item in coming.sessions if any(s.user_id == giulia.id for s in item.speakers)]
    assert len(speaking) == 1 and speaking[0] in mine
    assert speaking[0].cases and giulia.id in speaking[0].cases[0].author_ids


def _speakers_and_cases_belong_together(weeks):
    for key in ("past", "coming"):
        week = weeks[key]
        speakers = [speaker for item in week.sessions for speaker in item.speakers]
        assert sum(1 for speaker in speakers if speaker.user_id) >= 20
        guests = [speaker for speaker in speakers if speaker.user_id is None]
        assert len(guests) >= 3 and all(guest.guest_name and guest.guest_organisation for guest in guests)
        for item in week.sessions:
            if item.kind != SessionKind.TESTIMONIAL:
                continue
            assert len(item.cases) == 1, item.title
            case = item.cases[0]
            assert case.status == Status.PUBLISHED and case.title == item.title
            assert {speaker.user_id for speaker in item.speakers} <= case.author_ids
            # Last year's testimonials told cases published before that week; this year's, cases published since.
            if key == "past":
                assert case.published_at < item.starts_at
            else:
                assert case.published_at > weeks["past"].sessions[-1].ends_at
    linked = db.session.scalars(select(CaseStudy).join(session_cases)).all()
    assert len({case.sector_id for case in linked}) >= 8  # testimonials from many sectors


# -- the plain data, on other days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today",
    [
        date(2026, 11, 26),  # the coming week would meet at Christmas: it moves to a quiet week
        date(2027, 3, 2),  # last year's week and this year's straddle the change to summer time
        date(2027, 7, 10),  # not in August
        date(2028, 2, 29),
        date(2026, 9, 21),
    ],
)
def test_week_specs_keep_the_rules_on_any_day(today):
    specs = events_demo.week_specs(today)
    assert specs == events_demo.week_specs(today)  # deterministic
    past, coming, draft = specs
    assert [week.status for week in specs] == ["published", "published", "draft"]
    assert past.ends_on < today < coming.starts_on and coming.starts_on.weekday() == 0
    assert 14 <= (coming.starts_on - today).days <= 63
    assert events_demo.quiet_days(past.starts_on, 5) and events_demo.quiet_days(coming.starts_on, 5)
    assert past.title.endswith(str(coming.starts_on.year - 1)) and coming.title.endswith(str(coming.starts_on.year))
    for week in specs:
        for first, second in combinations(week.sessions, 2):
            if first.room and first.room == second.room:
                assert not _overlap(first, second), (first.title, second.title)
        for item in week.sessions:
            assert week.starts_on <= item.day <= week.ends_on and item.theme in (*week.themes, None)
            seats = [row.seat for row in item.registrations if row.seat is not None]
            assert len(seats) == len(set(seats)) and len(seats) <= item.capacity
            assert all(row.at < item.starts_at for row in item.registrations)
            rated = {row.email for row in item.feedback}
            assert rated <= {row.email for row in item.registrations if row.seat is not None}
    assert all(not item.feedback for week in (coming, draft) for item in week.sessions)
    demo_member = members_demo.DEMO_MEMBER_EMAIL
    hers = [item for item in coming.sessions if any(r.email == demo_member and r.seat for r in item.registrations)]
    assert 2 <= len(hers) <= 3
    assert sum(1 for item in coming.sessions for speaker in item.speakers if speaker.email == demo_member) == 1
