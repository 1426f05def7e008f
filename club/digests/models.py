from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.accounts.models import User
from club.core.timeutil import UTCDateTime, utcnow
from club.extensions import db


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    OFF = "off"


class Subscriber(db.Model):
    """Someone who receives the digest: a member (user_id set) or anyone who confirmed an address."""

    __tablename__ = "digest_subscribers"
    __table_args__ = (
        CheckConstraint("frequency IN ('daily', 'weekly', 'monthly', 'off')", name="frequency_known"),
        CheckConstraint("locale IN ('it', 'en')", name="locale_known"),
        CheckConstraint("bounce_count >= 0", name="bounces_not_negative"),
        Index("ix_digest_subscribers_frequency", "frequency", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.WEEKLY.value)
    locale: Mapped[str] = mapped_column(String(2), default="it")
    # Non-members receive nothing until they confirm (double opt-in); members are confirmed at once.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every signed link (unsubscribe, confirm, view): raising it retires the old links.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    bounce_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The end of the period the last digest (sent or skipped) covered: the next one starts there.
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()

    @property
    def is_member(self) -> bool:
        return self.user_id is not None


class DigestCycle(db.Model):
    """One scheduled run of a frequency (weekly of Monday 30 November...): catching up looks here."""

    __tablename__ = "digest_cycles"

    frequency: Mapped[str] = mapped_column(String(10), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    moment: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    queued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class DigestRun(db.Model):
    """What one subscriber got for one period: a digest in the outbox, or a recorded skip. Never two."""

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "frequency", "period_key", name="uq_digest_runs_subscriber_period"),
        CheckConstraint("status IN ('queued', 'skipped')", name="status_known"),
        Index("ix_digest_runs_frequency_period", "frequency", "period_key"),
        Index("ix_digest_runs_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("digest_subscribers.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(10))
    period_key: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    outbox_key: Mapped[str | None] = mapped_column(String(200))
    case_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
