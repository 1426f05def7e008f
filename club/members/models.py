from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.accounts.models import User
from club.core.models import Competence, Function, Sector
from club.extensions import db


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    PRIVATE = "private"


VISIBILITY_VALUES = "('public', 'members', 'private')"
PRIVATE_FIELDS = ("organisation", "job_title", "bio", "links", "email")

profile_competences = Table(
    "profile_competences",
    db.Model.metadata,
    Column("user_id", ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Profile(db.Model):
    """What a member tells the club about themselves; created the first time they save it."""

    __tablename__ = "profiles"
    __table_args__ = tuple(
        CheckConstraint(f"{field}_visibility IN {VISIBILITY_VALUES}", name=f"{field}_visibility_known")
        for field in PRIVATE_FIELDS
    ) + (Index("ix_profiles_sector_function", "sector_id", "function_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organisation: Mapped[str | None] = mapped_column(String(120))
    job_title: Mapped[str | None] = mapped_column(String(120))
    sector_id: Mapped[int | None] = mapped_column(
        ForeignKey("sectors.id", ondelete="SET NULL")
    )  # indexed with function_id
    function_id: Mapped[int | None] = mapped_column(ForeignKey("functions.id", ondelete="SET NULL"), index=True)
    bio: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSON, default=list)
    avatar_filename: Mapped[str | None] = mapped_column(String(80))

    organisation_visibility: Mapped[str] = mapped_column(String(10), default=Visibility.MEMBERS.value)
    job_title_visibility: Mapped[str] = mapped_column(String(10), default=Visibility.MEMBERS.value)
    bio_visibility: Mapped[str] = mapped_column(String(10), default=Visibility.MEMBERS.value)
    links_visibility: Mapped[str] = mapped_column(String(10), default=Visibility.MEMBERS.value)
    email_visibility: Mapped[str] = mapped_column(String(10), default=Visibility.PRIVATE.value)

    # Joined: every page shows the signed-in member's avatar, and a profile is one row per user.
    user: Mapped[User] = relationship(backref=db.backref("profile", uselist=False, lazy="joined"))
    sector: Mapped[Sector | None] = relationship()
    function: Mapped[Function | None] = relationship()
    competences: Mapped[list[Competence]] = relationship(secondary=profile_competences, order_by=Competence.id)
