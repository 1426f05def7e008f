"""The club's taxonomy (sectors, functions and competence areas, named in Italian and English) and the audit log."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.timeutil import UTCDateTime, utcnow
from club.extensions import db


class _TaxonomyTerm:
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_it: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when an organiser merged this term into another: everything that named it was moved there,
    # and the old slug's links redirect to it.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_it

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Sector(_TaxonomyTerm, db.Model):
    __tablename__ = "sectors"


class Function(_TaxonomyTerm, db.Model):
    __tablename__ = "functions"


class Competence(_TaxonomyTerm, db.Model):
    __tablename__ = "competences"


class AuditEntry(db.Model):
    """One organiser action, kept for accountability: who did what to which object, and when.

    Every domain writes here through club.core.audit.record; `scope` groups the entries of one object
    (for example "award-edition:3") so its page can show its own history.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_scope_created", "scope", "created_at"),
        Index("ix_audit_entries_actor_created", "actor_id", "created_at"),
        Index("ix_audit_entries_kind_created", "kind", "created_at"),
        Index("ix_audit_entries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The table is named, not imported: core sits below accounts. NULL once the account is deleted,
    # or when the scheduler acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User", lazy="joined")


class OutboxMessage(db.Model):
    """A message waiting to be sent, or the record that it was.

    Whoever wants mail sent writes a row in its own transaction, under a unique key that names the
    recipient and the purpose (one digest per subscriber per period), so writing it twice is
    impossible. Senders claim rows, send them over SMTP and mark them; see club.core.outbox.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_recipient_created", "recipient", "created_at"),
        Index("ix_outbox_messages_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # Extra headers, Message-ID included: decided once, so a retried message is the same message.
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PageCacheGeneration(db.Model):
    """One row counting the transactions that changed anything: cached pages are valid for one value
    (club/core/pagecache.py)."""

    __tablename__ = "page_cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)

