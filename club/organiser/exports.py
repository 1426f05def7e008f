"""The organisers' CSV exports: rows as plain lists, header first (the view turns them into a download).

An export leaves the site, so it carries only what the people concerned let the club show: a member's
fields set to "only me and the organisers" are left empty in the members' export, and session
feedback goes out without names. Each export reads in a fixed number of queries, in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from club.accounts.models import User
from club.awards import services as award_services
from club.awards.models import AwardCategory, AwardEdition, AwardResult
from club.cases.models import CaseAuthor, CaseStudy, CaseView
from club.core.urls import external_url
from club.events.models import EventSession, EventWeek, Feedback, Registration
from club.extensions import db
from club.members.models import Profile, Visibility

CHUNK = 1000


def _iso(moment) -> str:
    return moment.isoformat() if moment is not None else ""


def _shared(profile: Profile | None, field: str):
    """A private field's value when the member shows it at least to the other members, else ''."""
    if profile is None or getattr(profile, f"{field}_visibility") == Visibility.PRIVATE:
        return ""
    return getattr(profile, field) or ""


def _state(user: User) -> str:
    if user.deleted_at is not None:
        return "deleted"
    if user.suspended_at is not None:
        return "suspended"
    return "active" if user.email_verified_at is not None else "unverified"


def members() -> Iterator[list]:
    yield [
        "id", "name", "role", "state", "joined_at", "sector", "function", "competences",
        "organisation", "job_title", "email", "links",
    ]  # fmt: skip
    statement = (
        select(User)
        .where(User.deleted_at.is_(None))
        .options(
            joinedload(User.profile).joinedload(Profile.sector),
            joinedload(User.profile).joinedload(Profile.function),
            joinedload(User.profile).selectinload(Profile.competences),
        )
        .order_by(User.id)
    )
    for user in _chunks(statement):
        profile = user.profile
        email = user.email if profile is not None and profile.email_visibility != Visibility.PRIVATE else ""
        yield [
            user.id,
            user.display_name,
            user.role,
            _state(user),
            _iso(user.created_at),
            profile.sector.name if profile and profile.sector else "",
            profile.function.name if profile and profile.function else "",
            "; ".join(term.name for term in profile.competences) if profile else "",
            _shared(profile, "organisation"),
            _shared(profile, "job_title"),
            email,
            " ".join(_shared(profile, "links") or []),
        ]


def cases() -> Iterator[list]:
    yield [
        "id", "title", "status", "visibility", "published_at", "organisation", "sector", "functions",
        "competences", "authors", "useful", "comments", "views", "url",
    ]  # fmt: skip
    views = dict(db.session.execute(select(CaseView.case_id, func.count()).group_by(CaseView.case_id)).all())
    statement = (
        select(CaseStudy)
        .options(
            joinedload(CaseStudy.sector),
            selectinload(CaseStudy.functions),
            selectinload(CaseStudy.competences),
            selectinload(CaseStudy.authors).joinedload(CaseAuthor.user),
        )
        .order_by(CaseStudy.id)
    )
    for case in _chunks(statement):
        yield [
            case.id,
            case.title,
            case.status,
            case.visibility,
            _iso(case.published_at),
            case.organisation,
            case.sector.name if case.sector else "",
            "; ".join(term.name for term in case.functions),
            "; ".join(term.name for term in case.competences),
            "; ".join(author.user.public_name for author in case.authors),
            case.useful_count,
            case.comment_count,
            views.get(case.id, 0),
            external_url("cases.detail", case_id=case.id),
        ]


def registrations() -> Iterator[list]:
    yield ["week", "session_id", "session", "starts_at", "member", "status", "seat", "registered_at"]
    statement = (
        select(Registration, EventSession, EventWeek, User)
        .join(EventSession, EventSession.id == Registration.session_id)
        .join(EventWeek, EventWeek.id == EventSession.week_id)
        .join(User, User.id == Registration.user_id)
        .order_by(
            EventSession.starts_at, EventSession.id, Registration.seat.is_(None), Registration.seat, Registration.id
        )
    )
    for registration, event_session, week, user in db.session.execute(statement).yield_per(CHUNK):
        yield [
            week.title,
            event_session.id,
            event_session.title,
            _iso(event_session.starts_at),
            user.public_name,
            "waitlist" if registration.seat is None else "registered",
            registration.seat or "",
            _iso(registration.created_at),
        ]


def feedback() -> Iterator[list]:
    yield ["week", "session_id", "session", "rating", "comment", "given_at"]
    statement = (
        select(Feedback, EventSession, EventWeek)
        .join(EventSession, EventSession.id == Feedback.session_id)
        .join(EventWeek, EventWeek.id == EventSession.week_id)
        .order_by(EventSession.starts_at, EventSession.id, Feedback.created_at, Feedback.id)
    )
    for item, event_session, week in db.session.execute(statement).yield_per(CHUNK):
        yield [
            week.title,
            event_session.id,
            event_session.title,
            item.rating,
            item.comment or "",
            _iso(item.created_at),
        ]


def award_results() -> Iterator[list]:
    """Published results only: before publication nobody, organisers included, sees a ranking."""
    yield ["edition", "category", "rank", "case_id", "case", "points", "winner"]
    editions = [
        edition
        for edition in db.session.scalars(select(AwardEdition).order_by(AwardEdition.results_at))
        if award_services.results_visible(edition)
    ]
    if not editions:
        return
    titles = {edition.id: edition.title for edition in editions}
    statement = (
        select(AwardResult, AwardCategory, CaseStudy)
        .join(AwardCategory, AwardCategory.id == AwardResult.category_id)
        .join(CaseStudy, CaseStudy.id == AwardResult.case_id)
        .where(AwardCategory.edition_id.in_(titles))
        .order_by(AwardCategory.edition_id, AwardCategory.position, AwardCategory.id, AwardResult.rank)
    )
    for result, category, case in db.session.execute(statement):
        yield [
            titles[category.edition_id],
            category.name,
            result.rank,
            case.id,
            case.title,
            round(result.points, 3),
            "yes" if result.winner else "no",
        ]


def _chunks(statement) -> Iterator:
    """Page through by primary key, so that the eager loads run once per chunk of rows."""
    model = statement.column_descriptions[0]["entity"]
    last_id = 0
    while True:
        chunk = list(db.session.scalars(statement.where(model.id > last_id).limit(CHUNK)).unique())
        if not chunk:
            return
        yield from chunk
        last_id = chunk[-1].id
