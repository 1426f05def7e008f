"""Event week rules: weeks and their programme, RSVP with a waitlist, calendars, reminders, feedback.

Services flush; the request (or the scheduled job) commits.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from club.accounts.models import User
from club.accounts.permissions import is_active_member, is_active_organiser
from club.cases import services as case_services
from club.cases.models import CaseStudy, Status
from club.core import audit, storage
from club.core.mail import send_template
from club.core.refusal import Refused
from club.core.timeutil import ROME, utcnow
from club.core.urls import external_url
from club.events.models import (
    CalendarToken,
    EventSession,
    EventWeek,
    Feedback,
    Registration,
    ReminderSent,
    SessionKind,
    Speaker,
    WeekStatus,
)
from club.extensions import db

FEEDBACK_EDIT_WINDOW = timedelta(days=7)
COVER_KIND = "event-covers"


class EventError(Refused):
    """A refusal of the events domain."""


# -- weeks -----------------------------------------------------------------------------------------


def can_view_week(week: EventWeek, viewer) -> bool:
    return week.status == WeekStatus.PUBLISHED or is_active_organiser(viewer)


def visible_weeks(viewer) -> list[EventWeek]:
    statement = select(EventWeek).order_by(EventWeek.starts_on.desc())
    if not is_active_organiser(viewer):
        statement = statement.where(EventWeek.status == WeekStatus.PUBLISHED)
    return list(db.session.scalars(statement))


@dataclass
class WeekInput:
    title: str
    themes: list[str]
    description: str
    starts_on: date
    ends_on: date
    place: str | None
    online: bool
    status: str


def _check_week(data: WeekInput) -> None:
    if data.ends_on < data.starts_on:
        raise EventError(_l("The week must end on or after its first day."), field="ends_on")
    if (data.ends_on - data.starts_on).days > 13:
        raise EventError(_l("An event week lasts at most two weeks."), field="ends_on")
    if not data.place and not data.online:
        raise EventError(_l("Say where it happens, or that it is online."), field="place")
    if data.status not in {status.value for status in WeekStatus}:
        raise EventError(_l("Unknown status."), field="status")


def week_scope(week_id: int) -> str:
    return f"event-week:{week_id}"


def session_scope(session_id: int) -> str:
    return f"event-session:{session_id}"


def _plain(value):
    """A value as the audit log keeps it (JSON): dates and times as ISO text."""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _audit(actor: User | None, kind: str, scope: str, summary: str, **details) -> None:
    """An organiser's change to the programme goes into the audit log. Without an actor (fixtures,
    scripts) it is not an organiser's action and nothing is recorded; the demo names its organiser."""
    if actor is not None:
        audit.record(actor, kind, scope, summary, **details)


def _changes(before: dict, after: dict) -> dict:
    return {name: [before.get(name), after[name]] for name in after if before.get(name) != after[name]}


_WEEK_FIELDS = ("title", "themes", "description", "starts_on", "ends_on", "place", "online", "status")


def _week_snapshot(week: EventWeek) -> dict:
    return {name: _plain(getattr(week, name, None)) for name in _WEEK_FIELDS}


def save_week(week: EventWeek | None, data: WeekInput, actor: User | None) -> EventWeek:
    """Create or change a week; `actor` is the organiser the audit log names (None: not audited)."""
    _check_week(data)
    creating = week is None
    before = {} if creating else _week_snapshot(week)
    if week is None:
        week = EventWeek()
        db.session.add(week)
    elif week.sessions:
        first_day = min(_rome_day(item.starts_at) for item in week.sessions)
        last_day = max(_rome_day(item.ends_at) for item in week.sessions)
        if first_day < data.starts_on or last_day > data.ends_on:
            raise EventError(_l("Some sessions would fall outside the new dates: move them first."), field="starts_on")
    week.title = data.title
    week.themes = data.themes
    week.description = data.description
    week.starts_on = data.starts_on
    week.ends_on = data.ends_on
    week.place = data.place or None
    week.online = data.online
    week.status = data.status
    db.session.flush()
    changes = _changes(before, _week_snapshot(week))
    if creating:
        _audit(actor, "event-week.create", week_scope(week.id), week.title, changes=changes)
    elif changes:
        _audit(actor, "event-week.edit", week_scope(week.id), week.title, changes=changes)
    return week


def set_week_cover(week: EventWeek, image: bytes, actor: User | None) -> None:
    old = week.cover_filename
    name = storage.new_name(f"week{week.id}", "webp")
    storage.save(COVER_KIND, name, image)
    week.cover_filename = name
    _audit(actor, "event-week.cover", week_scope(week.id), week.title, replaced=old is not None)
    db.session.flush()
    storage.delete_after_commit(COVER_KIND, old)


# -- sessions --------------------------------------------------------------------------------------


def _rome_day(moment: datetime) -> date:
    return moment.astimezone(ROME).date()


def rome_datetime(day: date, clock: time) -> datetime:
    """A wall-clock time in Rome on a day, as an aware datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, clock, tzinfo=ROME)


@dataclass
class SpeakerInput:
    user_email: str | None = None
    guest_name: str | None = None
    guest_organisation: str | None = None


@dataclass
class SessionInput:
    title: str
    kind: str
    theme: str | None
    description: str
    day: date
    start: time
    end: time
    room: str | None
    online_url: str | None
    capacity: int | None
    speakers: list[SpeakerInput] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def _check_session(week: EventWeek, data: SessionInput, session_id: int | None) -> tuple[datetime, datetime]:
    if data.kind not in {kind.value for kind in SessionKind}:
        raise EventError(_l("Unknown session type."), field="kind")
    if data.theme and data.theme not in (week.themes or []):
        raise EventError(_l("Choose one of the week's themes."), field="theme")
    if not week.starts_on <= data.day <= week.ends_on:
        raise EventError(_l("The session must be on a day of its week."), field="day")
    starts_at = rome_datetime(data.day, data.start)
    ends_at = rome_datetime(data.day, data.end)
    if ends_at <= starts_at:
        raise EventError(_l("The session must end after it starts."), field="end")
    if not data.room and not data.online_url:
        raise EventError(_l("Give a room or an online link."), field="room")
    if data.room:
        # Room names are compared in Python: SQLite's lower() folds ASCII letters only ("SALA CITTÀ").
        overlapping = db.session.execute(
            select(EventSession.title, EventSession.room).where(
                EventSession.week_id == week.id,
                EventSession.room.is_not(None),
                EventSession.starts_at < ends_at,
                EventSession.ends_at > starts_at,
                EventSession.id != (session_id or 0),
            )
        ).all()
        room = data.room.casefold()
        clash = next((title for title, other_room in overlapping if other_room.casefold() == room), None)
        if clash:
            raise EventError(
                _l("The room is taken at that time by “%(title)s”.", title=clash), status=409, field="room"
            )
    return starts_at, ends_at


def _speakers(data: SessionInput) -> list[Speaker]:
    speakers = []
    emails = [item.user_email.strip().lower() for item in data.speakers if item.user_email]
    users = (
        {
            user.email: user
            for user in db.session.scalars(select(User).where(User.email.in_(emails), User.deleted_at.is_(None)))
        }
        if emails
        else {}
    )
    for position, item in enumerate(data.speakers):
        if item.user_email:
            user = users.get(item.user_email.strip().lower())
            if user is None:
                raise EventError(_l("No member uses this address."), field="speakers")
            speakers.append(Speaker(user_id=user.id, position=position))
        elif item.guest_name:
            speakers.append(
                Speaker(
                    guest_name=item.guest_name, guest_organisation=item.guest_organisation or None, position=position
                )
            )
    if len({speaker.user_id for speaker in speakers if speaker.user_id}) != len(
        [speaker for speaker in speakers if speaker.user_id]
    ):
        raise EventError(_l("A member is listed twice among the speakers."), field="speakers")
    guests = [
        (speaker.guest_name.casefold(), (speaker.guest_organisation or "").casefold())
        for speaker in speakers
        if speaker.user_id is None
    ]
    if len(set(guests)) != len(guests):
        raise EventError(_l("A guest is listed twice among the speakers."), field="speakers")
    return speakers


_SESSION_FIELDS = ("title", "kind", "theme", "description", "starts_at", "ends_at", "room", "online_url", "capacity")


def _session_snapshot(event_session: EventSession) -> dict:
    snapshot = {name: _plain(getattr(event_session, name, None)) for name in _SESSION_FIELDS}
    snapshot["speakers"] = [
        f"member:{speaker.user_id}" if speaker.user_id else speaker.guest_name for speaker in event_session.speakers
    ]
    snapshot["cases"] = sorted(case.id for case in event_session.cases)
    return snapshot


def save_session(
    week: EventWeek, event_session: EventSession | None, data: SessionInput, actor: User | None
) -> EventSession:
    """Create or change a session; `actor` is the organiser the audit log names (None: not audited)."""
    starts_at, ends_at = _check_session(week, data, event_session.id if event_session else None)
    creating = event_session is None
    before = {} if creating else _session_snapshot(event_session)
    if event_session is not None and data.capacity is not None:
        taken = db.session.scalar(
            select(func.count()).where(Registration.session_id == event_session.id, Registration.seat.is_not(None))
        )
        if data.capacity < taken:
            raise EventError(
                _l("%(count)d members already have a place: the capacity cannot be lower.", count=taken),
                field="capacity",
            )
    cases = (
        list(
            db.session.scalars(
                select(CaseStudy).where(CaseStudy.id.in_(data.case_ids), CaseStudy.status == Status.PUBLISHED)
            )
        )
        if data.case_ids
        else []
    )
    if len(cases) != len(set(data.case_ids)):
        raise EventError(_l("Link only published case studies."), field="cases")
    if event_session is None:
        event_session = EventSession(week=week)
        db.session.add(event_session)
    event_session.title = data.title
    event_session.kind = data.kind
    event_session.theme = data.theme or None
    event_session.description = data.description
    event_session.starts_at = starts_at
    event_session.ends_at = ends_at
    event_session.room = data.room or None
    event_session.online_url = data.online_url or None
    event_session.capacity = data.capacity
    event_session.speakers = _speakers(data)
    event_session.cases = cases
    db.session.flush()
    changes = _changes(before, _session_snapshot(event_session))
    if creating or changes:
        _audit(
            actor,
            "event-session.create" if creating else "event-session.edit",
            session_scope(event_session.id),
            event_session.title,
            week_id=week.id,
            changes=changes,
        )
    if data.capacity is None or data.capacity > 0:
        _fill_free_seats(event_session)
    return event_session


def delete_session(event_session: EventSession, actor: User | None) -> None:
    registrations = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.session_id == event_session.id)
    )
    _audit(
        actor,
        "event-session.delete",
        session_scope(event_session.id),
        event_session.title,
        week_id=event_session.week_id,
        starts_at=_plain(event_session.starts_at),
        registrations=registrations,
    )
    db.session.delete(event_session)
    db.session.flush()


def get_session(session_id: int) -> EventSession | None:
    return db.session.scalar(
        select(EventSession)
        .where(EventSession.id == session_id)
        .options(
            joinedload(EventSession.week),
            selectinload(EventSession.speakers).joinedload(Speaker.user),
            selectinload(EventSession.cases),
        )
    )


def can_view_session(event_session: EventSession, viewer) -> bool:
    return can_view_week(event_session.week, viewer)


def hide_unviewable_cases(event_session: EventSession, viewer) -> None:
    """Keep in the loaded session, for its page, only the linked cases the viewer may see (a members-only
    case hidden from visitors, one unpublished since it was linked). Nothing changes in the database."""
    visible = [case for case in event_session.cases if case_services.can_view(case, viewer)]
    if len(visible) != len(event_session.cases):
        set_committed_value(event_session, "cases", visible)


def programme(week: EventWeek, *, theme: str | None = None, kind: str | None = None) -> list[tuple[date, list]]:
    """The week's sessions grouped by day (Europe/Rome), filtered by theme and type."""
    statement = (
        select(EventSession)
        .where(EventSession.week_id == week.id)
        .options(selectinload(EventSession.speakers).joinedload(Speaker.user))
        .order_by(EventSession.starts_at, EventSession.id)
    )
    if theme:
        statement = statement.where(EventSession.theme == theme)
    if kind:
        statement = statement.where(EventSession.kind == kind)
    days: dict[date, list] = defaultdict(list)
    for item in db.session.scalars(statement):
        days[_rome_day(item.starts_at)].append(item)
    return sorted(days.items())


def seat_counts(session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(registered, waitlisted) per session, in one query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.session_id,
            func.count(Registration.seat),
            func.count() - func.count(Registration.seat),
        )
        .where(Registration.session_id.in_(session_ids))
        .group_by(Registration.session_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def speaker_sessions(user: User) -> list[EventSession]:
    """The published sessions a member speaks at, newest first (for their profile)."""
    return list(
        db.session.scalars(
            select(EventSession)
            .join(Speaker, Speaker.session_id == EventSession.id)
            .join(EventWeek, EventWeek.id == EventSession.week_id)
            .where(Speaker.user_id == user.id, EventWeek.status == WeekStatus.PUBLISHED)
            .options(joinedload(EventSession.week))
            .order_by(EventSession.starts_at.desc())
        )
    )


# -- RSVP ------------------------------------------------------------------------------------------


def registration_of(event_session: EventSession, user) -> Registration | None:
    if not is_active_member(user):
        return None
    return db.session.scalar(
        select(Registration).where(Registration.session_id == event_session.id, Registration.user_id == user.id)
    )


def _free_seat(event_session: EventSession) -> int | None:
    """The lowest free seat number, or None when the session is full."""
    taken = set(
        db.session.scalars(
            select(Registration.seat).where(Registration.session_id == event_session.id, Registration.seat.is_not(None))
        )
    )
    limit = event_session.capacity if event_session.capacity is not None else len(taken) + 1
    for seat in range(1, limit + 1):
        if seat not in taken:
            return seat
    return None


def registration_open(event_session: EventSession, now: datetime | None = None) -> bool:
    """Members register and cancel until the session starts."""
    return (now or utcnow()) < event_session.starts_at


def register(event_session: EventSession, user: User, now: datetime | None = None) -> Registration:
    """A place if one is free, else a place on the waitlist. Refused once the session has started."""
    now = now or utcnow()
    if not is_active_member(user) or not user.is_verified:
        raise EventError(_l("Sign in to register."), status=403)
    if event_session.week.status != WeekStatus.PUBLISHED:
        raise EventError(_l("This programme is not published yet."), status=409)
    if not registration_open(event_session, now):
        raise EventError(_l("Registration closed when the session started."), status=409)
    if registration_of(event_session, user) is not None:
        raise EventError(_l("You are already registered for this session."), status=409)
    # A lost race for a seat means another member's seat was committed meanwhile (PostgreSQL raises the
    # violation only once the other transaction commits), so the places bound the retries needed.
    for _attempt in range(min(event_session.capacity or 100, 100) + 2):
        registration = Registration(session_id=event_session.id, user_id=user.id, seat=_free_seat(event_session))
        try:
            with db.session.begin_nested():
                db.session.add(registration)
        except IntegrityError as error:
            if registration_of(event_session, user) is not None:
                raise EventError(_l("You are already registered for this session."), status=409) from error
            continue  # someone took that seat a moment ago: look again
        return registration
    raise EventError(_l("Many members are registering right now: try again in a moment."), status=409)


def cancel(event_session: EventSession, user: User, now: datetime | None = None) -> Registration | None:
    """Give the place back; the first on the waitlist gets it and is emailed. Returns who was promoted."""
    now = now or utcnow()
    registration = registration_of(event_session, user)
    if registration is None:
        raise EventError(_l("You are not registered for this session."), status=409)
    if not registration_open(event_session, now):
        raise EventError(_l("The session has started: it can no longer be cancelled."), status=409)
    seat = registration.seat
    db.session.delete(registration)
    db.session.flush()
    if seat is None:
        return None
    promoted = _promote(event_session, seat, now)
    return promoted


def _promote(event_session: EventSession, seat: int, now: datetime) -> Registration | None:
    first = db.session.scalar(
        select(Registration)
        .where(Registration.session_id == event_session.id, Registration.seat.is_(None))
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    if first is None:
        return None
    first.seat = seat
    first.promoted_at = now
    db.session.flush()
    user = first.user
    if user.is_active and user.is_verified:
        send_template(
            user.email,
            "event_promoted",
            _l("A place is free for you"),
            user.locale,
            user=user,
            session=event_session,
            url=external_url("events.session_detail", session_id=event_session.id),
        )
    return first


def _fill_free_seats(event_session: EventSession) -> None:
    """After the capacity grew, move waitlisted members into the new places, in order (not once the
    session has started: nobody wants an email saying they have a place in a session under way)."""
    now = utcnow()
    if now >= event_session.starts_at:
        return
    while True:
        seat = _free_seat(event_session)
        if seat is None or _promote(event_session, seat, now) is None:
            return


def attendees(event_session: EventSession) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.session_id == event_session.id)
            .options(joinedload(Registration.user).joinedload(User.profile))
            .order_by(Registration.seat.is_(None), Registration.seat, Registration.created_at)
        )
    )


def my_sessions(user: User) -> list[EventSession]:
    return list(
        db.session.scalars(
            select(EventSession)
            .join(Registration, Registration.session_id == EventSession.id)
            .join(EventWeek, EventWeek.id == EventSession.week_id)
            .where(
                Registration.user_id == user.id,
                Registration.seat.is_not(None),
                EventWeek.status == WeekStatus.PUBLISHED,
            )
            .options(
                joinedload(EventSession.week),
                selectinload(EventSession.speakers).joinedload(Speaker.user),
            )
            .order_by(EventSession.starts_at)
        )
    )


# -- calendar tokens -------------------------------------------------------------------------------


def calendar_token(user: User) -> CalendarToken | None:
    return db.session.get(CalendarToken, user.id)


def reset_calendar_token(user: User) -> CalendarToken:
    row = db.session.get(CalendarToken, user.id)
    if row is None:
        row = CalendarToken(user_id=user.id)
        db.session.add(row)
    row.token = secrets.token_urlsafe(32)
    row.created_at = utcnow()
    db.session.flush()
    return row


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.token == token))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


# -- reminders -------------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Email each registered member about tomorrow's sessions (Europe/Rome), once per member per session.

    The (session, member) primary key of event_reminders_sent is taken before the email goes: a
    second run, or a second scheduler, finds it taken and sends nothing.
    """
    now = now or utcnow()
    tomorrow = now.astimezone(ROME).date() + timedelta(days=1)
    start = rome_datetime(tomorrow, time(0, 0))
    end = rome_datetime(tomorrow + timedelta(days=1), time(0, 0))
    due = db.session.execute(
        select(Registration, EventSession)
        .join(EventSession, EventSession.id == Registration.session_id)
        .join(EventWeek, EventWeek.id == EventSession.week_id)
        .outerjoin(
            ReminderSent,
            and_(ReminderSent.session_id == Registration.session_id, ReminderSent.user_id == Registration.user_id),
        )
        .where(
            EventWeek.status == WeekStatus.PUBLISHED,
            EventSession.starts_at >= start,
            EventSession.starts_at < end,
            Registration.seat.is_not(None),
            ReminderSent.session_id.is_(None),
        )
        .options(joinedload(Registration.user))
    ).all()
    sent = 0
    for registration, event_session in due:
        try:
            with db.session.begin_nested():
                db.session.add(ReminderSent(session_id=event_session.id, user_id=registration.user_id, sent_at=now))
        except IntegrityError:
            continue
        user = registration.user
        if user.is_active and user.is_verified:
            send_template(
                user.email,
                "event_reminder",
                _l("Tomorrow: %(title)s", title=event_session.title),
                user.locale,
                user=user,
                session=event_session,
                url=external_url("events.session_detail", session_id=event_session.id),
            )
            sent += 1
    db.session.flush()
    return sent


# -- feedback --------------------------------------------------------------------------------------


def feedback_of(event_session: EventSession, user) -> Feedback | None:
    if not is_active_member(user):
        return None
    return db.session.scalar(
        select(Feedback).where(Feedback.session_id == event_session.id, Feedback.user_id == user.id)
    )


def can_give_feedback(event_session: EventSession, user, now: datetime | None = None) -> bool:
    now = now or utcnow()
    registration = registration_of(event_session, user)
    return (
        registration is not None
        and registration.seat is not None
        and event_session.ends_at <= now < event_session.ends_at + FEEDBACK_EDIT_WINDOW
    )


def give_feedback(
    event_session: EventSession, user: User, rating: int, comment: str | None, now: datetime | None = None
) -> Feedback:
    now = now or utcnow()
    registration = registration_of(event_session, user)
    if registration is None or registration.seat is None:
        raise EventError(_l("Only those who attended can rate the session."), status=403)
    if now < event_session.ends_at:
        raise EventError(_l("You can rate the session once it has ended."), status=409)
    if now >= event_session.ends_at + FEEDBACK_EDIT_WINDOW:
        raise EventError(_l("Ratings can be given or changed for 7 days after the session."), status=409)
    if not 1 <= rating <= 5:
        raise EventError(_l("Give a rating from 1 to 5."), field="rating")
    existing = feedback_of(event_session, user)
    if existing is None:
        existing = Feedback(session_id=event_session.id, user_id=user.id, created_at=now)
        try:
            with db.session.begin_nested():
                existing.rating = rating
                existing.comment = comment or None
                existing.updated_at = now
                db.session.add(existing)
        except IntegrityError as error:
            raise EventError(_l("You have already rated this session."), status=409) from error
        return existing
    existing.rating = rating
    existing.comment = comment or None
    existing.updated_at = now
    db.session.flush()
    return existing


@dataclass
class FeedbackSummary:
    count: int
    average: float | None
    distribution: dict[int, int]
    comments: list[Feedback]


def summarise(ratings: list[int], comments: list[Feedback]) -> FeedbackSummary:
    """Average and 1-5 distribution of a list of ratings (a pure function)."""
    counts = Counter(ratings)
    return FeedbackSummary(
        count=len(ratings),
        average=round(sum(ratings) / len(ratings), 2) if ratings else None,
        distribution={value: counts.get(value, 0) for value in range(1, 6)},
        comments=comments,
    )


def feedback_report(week: EventWeek) -> tuple[FeedbackSummary, list[tuple[EventSession, FeedbackSummary]]]:
    rows = db.session.scalars(
        select(Feedback)
        .join(EventSession, EventSession.id == Feedback.session_id)
        .where(EventSession.week_id == week.id)
        .options(joinedload(Feedback.user))
        .order_by(Feedback.created_at)
    ).all()
    by_session: dict[int, list[Feedback]] = defaultdict(list)
    for row in rows:
        by_session[row.session_id].append(row)
    sessions = db.session.scalars(
        select(EventSession).where(EventSession.week_id == week.id).order_by(EventSession.starts_at)
    ).all()
    per_session = [
        (
            item,
            summarise([row.rating for row in by_session[item.id]], [row for row in by_session[item.id] if row.comment]),
        )
        for item in sessions
    ]
    overall = summarise([row.rating for row in rows], [row for row in rows if row.comment])
    return overall, per_session


def upcoming_sessions(viewer, limit: int = 4) -> list[EventSession]:
    return list(
        db.session.scalars(
            select(EventSession)
            .join(EventWeek, EventWeek.id == EventSession.week_id)
            .where(EventWeek.status == WeekStatus.PUBLISHED, EventSession.starts_at > utcnow())
            .options(joinedload(EventSession.week), selectinload(EventSession.speakers).joinedload(Speaker.user))
            .order_by(EventSession.starts_at)
            .limit(limit)
        )
    )


# -- what other domains show -----------------------------------------------------------------------


def nav_item():
    from flask_login import current_user

    links = [{"endpoint": "events.my_sessions", "label": _l("My sessions")}] if is_active_member(current_user) else []
    return {"endpoint": "events.index", "label": _l("Events"), "badge": 0, "user_links": links}


def home_section():
    from flask_login import current_user

    sessions = upcoming_sessions(current_user)
    if not sessions:
        return None
    return "events/_home_section.html", {"sessions": sessions}


def profile_section(user: User):
    sessions = speaker_sessions(user)
    if not sessions:
        return None
    return "events/_profile_section.html", {"sessions": sessions}


def personal_data(user: User) -> dict:
    registrations = db.session.scalars(select(Registration).where(Registration.user_id == user.id)).all()
    feedback = db.session.scalars(select(Feedback).where(Feedback.user_id == user.id)).all()
    return {
        "event_registrations": [
            {"session_id": row.session_id, "waitlisted": row.seat is None, "created_at": row.created_at.isoformat()}
            for row in registrations
        ],
        "event_feedback": [
            {"session_id": row.session_id, "rating": row.rating, "comment": row.comment} for row in feedback
        ],
    }


def scheduled_jobs():
    """(job id, function, trigger arguments): the reminders run every hour; each run is idempotent."""
    return [("events.reminders", send_reminders, {"trigger": "cron", "minute": 5})]
