from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
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
from club.core.models import Sector
from club.core.timeutil import UTCDateTime, utcnow
from club.events.models import EventWeek
from club.extensions import db


class NominationStatus(StrEnum):
    PROPOSED = "proposed"  # by a member who is not an author: waits for an author to accept
    ENTERED = "entered"  # by an author, or accepted by one: it counts
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Eligibility(StrEnum):
    UNCHECKED = "unchecked"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"


class AwardEdition(db.Model):
    __tablename__ = "award_editions"
    __table_args__ = (
        CheckConstraint("max_entries_per_case BETWEEN 1 AND 20", name="max_entries_range"),
        CheckConstraint("jury_weight BETWEEN 0 AND 100", name="jury_weight_range"),
        CheckConstraint("nominations_close_at > nominations_open_at", name="nominations_ordered"),
        CheckConstraint("jury_close_at > jury_open_at", name="jury_ordered"),
        CheckConstraint("vote_close_at > vote_open_at", name="vote_ordered"),
        CheckConstraint("jury_open_at >= nominations_close_at", name="jury_after_nominations"),
        CheckConstraint("vote_open_at >= nominations_close_at", name="vote_after_nominations"),
        CheckConstraint("results_at >= jury_close_at AND results_at >= vote_close_at", name="results_last"),
        Index("ix_award_editions_week", "week_id"),
        Index("ix_award_editions_published_results", "published", "results_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("event_weeks.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Shown to everyone only once published (and its week too); organisers prepare it before.
    published: Mapped[bool] = mapped_column(default=False)
    max_entries_per_case: Mapped[int] = mapped_column(SmallInteger, default=2)
    anonymous_judging: Mapped[bool] = mapped_column(default=False)
    # The jury's share of the final ranking in percent; the members have the rest.
    jury_weight: Mapped[int] = mapped_column(SmallInteger, default=70)
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    jury_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    jury_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    vote_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    vote_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    results_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the tally was computed and stored; results show only once this is set AND results_at has come.
    results_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    week: Mapped[EventWeek] = relationship()
    categories: Mapped[list[AwardCategory]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="AwardCategory.position"
    )

    @property
    def scope(self) -> str:
        return f"award-edition:{self.id}"


category_sectors = Table(
    "award_category_sectors",
    db.Model.metadata,
    Column("category_id", ForeignKey("award_categories.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AwardCategory(db.Model):
    __tablename__ = "award_categories"
    __table_args__ = (
        CheckConstraint("eligible_until >= eligible_from", name="eligibility_ordered"),
        Index("ix_award_categories_edition_position", "edition_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("award_editions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Eligible: cases published between these days (Rome), from the listed sectors if any are listed.
    eligible_from: Mapped[date] = mapped_column(Date)
    eligible_until: Mapped[date] = mapped_column(Date)
    # The frozen tally (club.awards.tally.CategoryTally.as_dict()), written when the results are prepared.
    tally: Mapped[dict | None] = mapped_column(JSON)
    eligible_voters: Mapped[int | None] = mapped_column(Integer)

    edition: Mapped[AwardEdition] = relationship(back_populates="categories")
    sectors: Mapped[list[Sector]] = relationship(secondary=category_sectors, order_by=Sector.id)
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="category", cascade="all, delete-orphan", order_by="Criterion.position"
    )


class Criterion(db.Model):
    __tablename__ = "award_criteria"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)

    category: Mapped[AwardCategory] = relationship(back_populates="criteria")


class Nomination(db.Model):
    """A case in a category. It counts (status entered) when an author entered it or accepted it.

    The limit of N categories per case is a database guarantee: an entered nomination holds one of the
    slots 0..N-1 of its case in its edition, and (edition, case, slot) is unique.
    """

    __tablename__ = "award_nominations"
    __table_args__ = (
        UniqueConstraint("category_id", "case_id", name="uq_award_nominations_category_case"),
        UniqueConstraint("edition_id", "case_id", "slot", name="uq_award_nominations_edition_case_slot"),
        CheckConstraint("status IN ('proposed', 'entered', 'declined', 'withdrawn')", name="status_known"),
        CheckConstraint("eligibility IN ('unchecked', 'eligible', 'ineligible')", name="eligibility_known"),
        CheckConstraint("(status = 'entered') = (slot IS NOT NULL)", name="slot_when_entered"),
        CheckConstraint("NOT finalist OR (status = 'entered' AND eligibility = 'eligible')", name="finalist_eligible"),
        Index("ix_award_nominations_case", "case_id"),
        Index("ix_award_nominations_category_status", "category_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("award_editions.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=NominationStatus.PROPOSED.value)
    slot: Mapped[int | None] = mapped_column(SmallInteger)
    statement: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(String(12), default=Eligibility.UNCHECKED.value)
    eligibility_note: Mapped[str | None] = mapped_column(String(300))
    finalist: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category: Mapped[AwardCategory] = relationship()
    case: Mapped[CaseStudy] = relationship()
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])

    @property
    def counts(self) -> bool:
        return self.status == NominationStatus.ENTERED


class Juror(db.Model):
    __tablename__ = "award_jurors"

    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class DeclaredConflict(db.Model):
    """A juror's own statement that they cannot judge a finalist fairly (beside the automatic recusals)."""

    __tablename__ = "award_declared_conflicts"

    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(db.Model):
    """One juror's scores of one finalist, with their comment."""

    __tablename__ = "award_reviews"
    __table_args__ = (UniqueConstraint("nomination_id", "juror_id", name="uq_award_reviews_nomination_juror"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"))
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    scores: Mapped[list[Score]] = relationship(back_populates="review", cascade="all, delete-orphan")
    juror: Mapped[User] = relationship()


class Score(db.Model):
    __tablename__ = "award_scores"
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 10", name="value_range"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("award_reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("award_criteria.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)

    review: Mapped[Review] = relationship(back_populates="scores")


class Ballot(db.Model):
    """A member's ranking in a category, stored without the member.

    `voter_key` is a keyed hash of (category, member): the same member always lands on the same row,
    which the unique constraint makes one per category, yet the table alone does not say who voted.
    `ranking` lists case ids, best first. The receipt is kept only as its hash.
    """

    __tablename__ = "award_ballots"
    __table_args__ = (UniqueConstraint("category_id", "voter_key", name="uq_award_ballots_category_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    ranking: Mapped[list] = mapped_column(JSON)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VoteOrigin(db.Model):
    """Where a member's vote in a category came from, for the organisers' cross-silo insights ("who
    votes for whose cases"): the voter's sector and function when they last cast, their first choice,
    and the month.

    Kept apart from the ballots on purpose: its key is another keyed hash of (category, member), so
    the table cannot be joined to a ballot, and the public ballot list never learns a voter's sector.
    One row per voter per category (unique), rewritten when they change their ballot.
    """

    __tablename__ = "award_vote_origins"
    __table_args__ = (
        UniqueConstraint("category_id", "origin_key", name="uq_award_vote_origins_category_key"),
        Index("ix_award_vote_origins_month", "month_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"))
    origin_key: Mapped[str] = mapped_column(String(64))
    first_choice_id: Mapped[int | None] = mapped_column(ForeignKey("case_studies.id", ondelete="SET NULL"))
    voter_sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    voter_function_id: Mapped[int | None] = mapped_column(ForeignKey("functions.id", ondelete="SET NULL"))
    # Midnight (Rome) of the first day of the month of the cast: no finer time that could be matched
    # against a ballot's cast_at.
    month_start: Mapped[datetime] = mapped_column(UTCDateTime())


class AwardResult(db.Model):
    """A finalist's place in the frozen final ranking: what badges and certificates read."""

    __tablename__ = "award_results"

    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger)
    points: Mapped[float] = mapped_column(Float)
    # The first place wins only when there was something to count (a ballot or a jury score).
    winner: Mapped[bool] = mapped_column(default=False)

    category: Mapped[AwardCategory] = relationship()
    case: Mapped[CaseStudy] = relationship()
