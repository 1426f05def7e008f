"""Time: stored in UTC, shown and scheduled in Europe/Rome."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

ROME = ZoneInfo("Europe/Rome")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_rome(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(ROME)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: use club.core.timeutil.utcnow()")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return as_utc(value)
