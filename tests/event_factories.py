"""Factories and helpers for the event-week tests: each factory returns what it made, committed.

    week = make_week(starts_on=date(2030, 3, 29), days=5)              # published, "Milano"
    draft = make_week(status="draft")
    talk = make_session(week, 0, "10:00", "11:00", room="Sala A", capacity=2)
    seat(talk, alice)                                                  # through services.register
    week_form_data(title="")                                           # what the week form sends

make_week and make_session go through club.events.services (save_week, save_session), so a week or
session made here is one the forms could have made; sessions may lie in the past (the services do
not refuse that). seat() registers with a `now` just before the session, so it works for past
sessions too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import func, select

from club.accounts.models import User
from club.core.timeutil import ROME, utcnow
from club.events import services
from club.events.models import EventSession, EventWeek, Feedback, Registration
from club.extensions import db
from tests.factories import _next

DEFAULT_THEMES = ("resilienza", "relazione", "recupero")

# A week far in the future, so that "now" never falls inside it unless a test says so.
FUTURE_MONDAY = date(2031, 6, 9)


def rome_today() -> date:
    return utcnow().astimezone(ROME).date()


def _clock(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def make_week(
    title: str | None = None,
    *,
    starts_on: date | int | None = None,
    days: int = 5,
    themes: Iterable[str] = DEFAULT_THEMES,
    description: str = "",
    place: str | None = "Milano, Palazzo delle Stelline",
    online: bool = False,
    status: str = "published",
    actor: User | None = None,
) -> EventWeek:
    """A week of `days` days; starts_on is a date or an offset in days from today (Europe/Rome).

    actor is the organiser the audit log names (None: the services record nothing)."""
    if starts_on is None:
        starts_on = FUTURE_MONDAY
    elif isinstance(starts_on, int):
        starts_on = rome_today() + timedelta(days=starts_on)
    data = services.WeekInput(
        title=title or f"Settimana della relazione {_next()}",
        themes=list(themes),
        description=description,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        place=place,
        online=online,
        status=status,
    )
    week = services.save_week(None, data, actor)
    db.session.commit()
    return week


def make_session(
    week: EventWeek,
    day_offset: int = 0,
    start: str | time = "10:00",
    end: str | time = "11:00",
    room: str | None = None,
    capacity: int | None = None,
    *,
    title: str | None = None,
    kind: str = "testimonial",
    theme: str | None = None,
    description: str = "",
    online_url: str | None = None,
    speakers: Iterable[User | str | tuple[str, str | None]] = (),
    cases: Iterable = (),
    actor: User | None = None,
) -> EventSession:
    """A session on the week's day `day_offset`, from `start` to `end` (Europe/Rome wall clock).

    Without a room nor an online link it gets a room of its own ("Sala <n>"), so that sessions made
    here never clash unless a test asks. speakers are members (User or email) or guests as
    (name, organisation) tuples; cases are CaseStudy objects or ids.
    """
    number = _next()
    if room is None and online_url is None:
        room = f"Sala {number}"
    speaker_inputs = []
    for speaker in speakers:
        if isinstance(speaker, User):
            speaker_inputs.append(services.SpeakerInput(user_email=speaker.email))
        elif isinstance(speaker, str):
            speaker_inputs.append(services.SpeakerInput(user_email=speaker))
        else:
            name, organisation = speaker
            speaker_inputs.append(services.SpeakerInput(guest_name=name, guest_organisation=organisation))
    data = services.SessionInput(
        title=title or f"Sessione {number}",
        kind=kind,
        theme=theme,
        description=description,
        day=week.starts_on + timedelta(days=day_offset),
        start=_clock(start),
        end=_clock(end),
        room=room,
        online_url=online_url,
        capacity=capacity,
        speakers=speaker_inputs,
        case_ids=[case if isinstance(case, int) else case.id for case in cases],
    )
    event_session = services.save_session(week, None, data, actor)
    db.session.commit()
    return event_session


def seat(event_session: EventSession, *users: User) -> list[Registration]:
    """Register the users in order (a place, or the waitlist once full), as if a day before the session."""
    registrations = [
        services.register(event_session, user, now=event_session.starts_at - timedelta(days=1)) for user in users
    ]
    db.session.commit()
    return registrations


def registrations_of(event_session_or_id) -> list[Registration]:
    """The session's registrations as the database has them now, seated first (by seat), then the waitlist."""
    session_id = event_session_or_id if isinstance(event_session_or_id, int) else event_session_or_id.id
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.session_id == session_id)
            .order_by(Registration.seat.is_(None), Registration.seat, Registration.id)
        )
    )


def count(model, *conditions) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def feedback_rows(event_session: EventSession) -> list[Feedback]:
    db.session.expire_all()
    return list(db.session.scalars(select(Feedback).where(Feedback.session_id == event_session.id)))


def reload(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def rome(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=ROME)


# -- form data -------------------------------------------------------------------------------------


def week_form_data(**overrides) -> dict:
    """What the browser sends from the week form; overrides replace any field (online="y" ticks it)."""
    data = {
        "title": "Settimana Relazione Esperienza Cliente",
        "themes": "resilienza\nrelazione\nrecupero",
        "description": "Una settimana di **testimonianze**.",
        "starts_on": "2031-06-09",
        "ends_on": "2031-06-13",
        "place": "Milano",
        "status": "published",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def session_form_data(week: EventWeek, day_offset: int = 0, **overrides) -> dict:
    """What the browser sends from the session form; overrides replace any field."""
    data = {
        "title": "Il cliente al centro",
        "kind": "testimonial",
        "theme": "",
        "description": "Una testimonianza.",
        "day": (week.starts_on + timedelta(days=day_offset)).isoformat(),
        "start": "10:00",
        "end": "11:00",
        "room": "Sala Verdi",
        "online_url": "",
        "capacity": "",
        "speakers": "",
        "cases": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# -- speed -----------------------------------------------------------------------------------------


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, kept for the whole test session (keyed by name and source checksum).

    Every test makes a new app, hence a new Jinja environment that would compile every template it
    renders again: most of the time of a page test. Safe: a changed template has another checksum.
    """

    store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True)
def compiled_templates_once(request):
    """Autouse where imported: the test's app reuses the templates compiled by earlier tests."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").jinja_env.bytecode_cache = MemoryBytecodeCache()
