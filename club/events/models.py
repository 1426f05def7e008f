from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.accounts.models import User
from club.cases.models import CaseStudy
from club.core.timeutil import ROME, UTCDateTime, utcnow
from club.extensions import db


class WeekStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SessionKind(StrEnum):
    TESTIMONIAL = "testimonial"
    PANEL = "panel"
    WORKSHOP = "workshop"
    AWARD_CEREMONY = "award_ceremony"
    NETWORKING = "networking"


class EventWeek(db.Model):
    __tablename__ = "event_weeks"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_event_weeks_status_starts_on", "status", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(default=False)
    cover_filename: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=WeekStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="week", cascade="all, delete-orphan", order_by="EventSession.starts_at"
    )


session_cases = Table(
    "event_session_cases",
    db.Model.metadata,
    Column("session_id", ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class EventSession(db.Model):
    __tablename__ = "event_sessions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('testimonial', 'panel', 'workshop', 'award_ceremony', 'networking')", name="kind_known"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_event_sessions_week_starts_at", "week_id", "starts_at"),
        Index("ix_event_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("event_weeks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=SessionKind.TESTIMONIAL.value)
    theme: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room: Mapped[str | None] = mapped_column(String(80))
    online_url: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    week: Mapped[EventWeek] = relationship(back_populates="sessions")

    @property
    def rome_day(self) -> date:
        """The calendar day in Italy on which the session starts."""
        return self.starts_at.astimezone(ROME).date()

    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Speaker.position"
    )
    cases: Mapped[list[CaseStudy]] = relationship(secondary=session_cases, order_by=CaseStudy.id)


class Speaker(db.Model):
    """A member (linked to their profile) or a guest with a name and an organisation."""

    __tablename__ = "event_speakers"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR guest_name IS NOT NULL", name="member_or_guest"),
        UniqueConstraint("session_id", "user_id", name="uq_event_speakers_session_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_organisation: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[EventSession] = relationship(back_populates="speakers")
    user: Mapped[User | None] = relationship()


class Registration(db.Model):
    """A member's place in a session, or in its waitlist (seat NULL).

    One per member per session (unique constraint). Seats are numbered 1..capacity and unique within a
    session, so however many requests race for the last seat, at most one gets it.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_event_registrations_session_user"),
        UniqueConstraint("session_id", "seat", name="uq_event_registrations_session_seat"),
        CheckConstraint("seat IS NULL OR seat > 0", name="seat_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seat: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[EventSession] = relationship()
    user: Mapped[User] = relationship()

    @property
    def waitlisted(self) -> bool:
        return self.seat is None


class ReminderSent(db.Model):
    """The day-before reminder went to this member for this session: never twice."""

    __tablename__ = "event_reminders_sent"

    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Feedback(db.Model):
    __tablename__ = "event_feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_event_feedback_session_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class CalendarToken(db.Model):
    """The secret in a member's "my sessions" calendar URL; resetting it replaces the row's token."""

    __tablename__ = "event_calendar_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
