from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.accounts.models import User
from club.core.models import Competence, Function, Sector
from club.core.timeutil import UTCDateTime, utcnow
from club.extensions import db


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class CaseVisibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


case_functions = Table(
    "case_functions",
    db.Model.metadata,
    Column("case_id", ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True),
    Column("function_id", ForeignKey("functions.id", ondelete="CASCADE"), primary_key=True, index=True),
)

case_competences = Table(
    "case_competences",
    db.Model.metadata,
    Column("case_id", ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CaseStudy(db.Model):
    __tablename__ = "case_studies"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'changes_requested', 'published', 'archived')", name="status_known"
        ),
        CheckConstraint("visibility IN ('public', 'members')", name="visibility_known"),
        CheckConstraint("language IN ('it', 'en')", name="language_known"),
        CheckConstraint("useful_count >= 0 AND comment_count >= 0", name="counts_not_negative"),
        # The lists: published cases, newest first, optionally only the public ones.
        Index("ix_case_studies_status_published_at", "status", "published_at"),
        Index("ix_case_studies_status_useful", "status", "useful_count"),
        Index("ix_case_studies_status_comments", "status", "comment_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(String(120))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="it", index=True)
    visibility: Mapped[str] = mapped_column(String(10), default=CaseVisibility.MEMBERS.value)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value)
    cover_filename: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_year: Mapped[int | None] = mapped_column(Integer, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderation_comment: Mapped[str | None] = mapped_column(Text)
    # Counters kept by the services beside the rows they count, so lists sort without aggregating.
    useful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    sector: Mapped[Sector | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    functions: Mapped[list[Function]] = relationship(secondary=case_functions, order_by=Function.id)
    competences: Mapped[list[Competence]] = relationship(secondary=case_competences, order_by=Competence.id)
    authors: Mapped[list[CaseAuthor]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAuthor.position"
    )
    metrics: Mapped[list[Metric]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Metric.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def author_ids(self) -> set[int]:
        return {author.user_id for author in self.authors}

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def __repr__(self) -> str:
        return f"<CaseStudy {self.id} {self.status}>"


class CaseAuthor(db.Model):
    """Who wrote a case: its creator and the co-authors they named; all of them may edit it."""

    __tablename__ = "case_authors"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[CaseStudy] = relationship(back_populates="authors")
    user: Mapped[User] = relationship()


class Metric(db.Model):
    """An outcome of the case: a name, a value before and after, a unit (NPS 21 -> 38)."""

    __tablename__ = "case_metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    before: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    after: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str | None] = mapped_column(String(20))

    case: Mapped[CaseStudy] = relationship(back_populates="metrics")

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


class Attachment(db.Model):
    __tablename__ = "case_attachments"
    # At most five per case, as a database guarantee: each takes one of five numbered slots.
    __table_args__ = (
        CheckConstraint("slot >= 0 AND slot < 5", name="slot_in_range"),
        UniqueConstraint("case_id", "slot", name="uq_case_attachments_case_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    slot: Mapped[int] = mapped_column(Integer)

    case: Mapped[CaseStudy] = relationship(back_populates="attachments")


class Revision(db.Model):
    """The case's history: who did what, when, and which fields changed."""

    __tablename__ = "case_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()


class Comment(db.Model):
    __tablename__ = "case_comments"
    __table_args__ = (
        Index("ix_case_comments_case_created", "case_id", "created_at"),
        Index("ix_case_comments_created", "created_at"),
        Index("ix_case_comments_hidden", "hidden_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(300))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    case: Mapped[CaseStudy] = relationship()


class ReportReason(StrEnum):
    OFFENSIVE = "offensive"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    PRIVACY = "privacy"
    OTHER = "other"


class CommentReport(db.Model):
    """A member told the organisers that a comment should not be there: one report per member per
    comment (unique). An organiser settles the open reports by hiding the comment or dismissing them."""

    __tablename__ = "case_comment_reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id", name="uq_case_comment_reports_comment_reporter"),
        CheckConstraint("reason IN ('offensive', 'spam', 'off_topic', 'privacy', 'other')", name="reason_known"),
        Index("ix_case_comment_reports_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("case_comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "hidden" (the comment was hidden) or "dismissed" (it stays).
    resolution: Mapped[str | None] = mapped_column(String(20))

    comment: Mapped[Comment] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])


class CaseView(db.Model):
    """A case page was read: append-only, written after the response (club/core/deferred.py).

    `viewer_id` is NULL for visitors who are not signed in. No cookie, no pixel, no address: only
    which case, which member, and when. Repeated reads by the same member within a few seconds are
    one view.
    """

    __tablename__ = "case_views"
    __table_args__ = (
        Index("ix_case_views_viewed_at", "viewed_at"),
        Index("ix_case_views_viewer_viewed", "viewer_id", "viewed_at"),
        Index("ix_case_views_case_viewed", "case_id", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UsefulMark(db.Model):
    """A member found the case useful: one row per member per case, guaranteed by the primary key."""

    __tablename__ = "case_useful_marks"
    __table_args__ = (Index("ix_case_useful_marks_created", "created_at"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Bookmark(db.Model):
    __tablename__ = "case_bookmarks"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _follow_table(name: str, term_table: str, term_column: str) -> Table:
    return Table(
        name,
        db.Model.metadata,
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column(term_column, ForeignKey(f"{term_table}.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


followed_sectors = _follow_table("followed_sectors", "sectors", "sector_id")
followed_functions = _follow_table("followed_functions", "functions", "function_id")
followed_competences = _follow_table("followed_competences", "competences", "competence_id")


class Notification(db.Model):
    """Something a member should see when they next visit (a comment on their case...)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("case_comments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[CaseStudy | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class CasePreferences(db.Model):
    """How a member wants to hear about their cases (a row only once they change the default)."""

    __tablename__ = "case_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_on_comment: Mapped[bool] = mapped_column(Boolean, default=True)


class SearchDocument(db.Model):
    """The search index's source: a published case's text, already normalised and stemmed.

    The engines index it differently (SQLite FTS5 table, PostgreSQL tsvector); see cases/search.py.
    """

    __tablename__ = "case_search_documents"
    __table_args__ = (UniqueConstraint("case_id", name="uq_case_search_documents_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"))
    title_terms: Mapped[str] = mapped_column(Text, default="")
    summary_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
    organisation_terms: Mapped[str] = mapped_column(Text, default="")
    metric_terms: Mapped[str] = mapped_column(Text, default="")
