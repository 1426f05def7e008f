from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from club.core.timeutil import UTCDateTime, utcnow
from club.extensions import db


class Role(StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"
    ADMIN = "admin"


ROLE_LABELS = {Role.MEMBER: _l("Member"), Role.ORGANISER: _l("Organiser"), Role.ADMIN: _l("Administrator")}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'organiser', 'admin')", name="role_known"),
        CheckConstraint("locale IS NULL OR locale IN ('it', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see services.normalise_email), so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value, server_default=Role.MEMBER.value)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last day the member opened a page while signed in (written after the response, at most
    # once a day; see accounts.init_app): what "silent members" are measured against.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of the login session's identity: raising it ends every other session and remember-me cookie.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None and self.deleted_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_organiser(self) -> bool:
        return self.role in (Role.ORGANISER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def public_name(self) -> str:
        return str(_l("Former member")) if self.is_deleted else self.display_name

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[Role(self.role)])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
