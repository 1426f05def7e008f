"""The organiser console's rules: what waits, members and their roles, invitations, the taxonomy's
upkeep, and the club's health (cross-silo sharing, silent members, digest reach)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from club.accounts import passwords
from club.accounts import services as account_services
from club.accounts.models import Role, User
from club.accounts.permissions import is_active_organiser
from club.awards import services as award_services
from club.awards.models import AwardCategory, AwardEdition, Eligibility, Nomination, NominationStatus, VoteOrigin
from club.cases.models import (
    CaseAuthor,
    CaseStudy,
    CaseView,
    Comment,
    CommentReport,
    Status,
    UsefulMark,
    case_functions,
)
from club.core import audit, outbox, taxonomy
from club.core.db import month_key
from club.core.mail import render_mail
from club.core.models import AuditEntry, OutboxMessage
from club.core.refusal import Refused
from club.core.timeutil import ROME, as_utc, to_rome, utcnow
from club.core.urls import external_url
from club.digests.models import DigestRun, Subscriber
from club.events.models import Feedback, Registration
from club.extensions import db
from club.members.models import Profile
from club.organiser import insights
from club.organiser.models import Invitation

SILENCE_DAYS = 90
INVITATION_DAYS = 14
RECENT_DAYS = 30


class OrganiserError(Refused):
    pass


def nav_item():
    from flask_login import current_user

    if not is_active_organiser(current_user):
        return None
    return {
        "endpoint": "organiser.dashboard",
        "label": _l("Console"),
        "badge": 0,
    }


# -- the dashboard ----------------------------------------------------------------------------------


@dataclass
class NominationsToCheck:
    category_id: int
    category_name: str
    edition_title: str
    count: int


@dataclass
class Dashboard:
    cases_to_moderate: int
    nominations: list[NominationsToCheck]
    juries: list[award_services.JuryProgress]
    bouncing_addresses: int
    failed_messages: int
    reported_comments: int
    hidden_comments: int
    pending_invitations: int
    members: int
    new_members: int
    silent_members: int

    @property
    def nominations_total(self) -> int:
        return sum(item.count for item in self.nominations)


def dashboard(now: datetime | None = None) -> Dashboard:
    """Everything waiting for an organiser, in a fixed number of queries whatever the club's size."""
    now = now or utcnow()
    recent = now - timedelta(days=RECENT_DAYS)
    counts = db.session.execute(
        select(
            select(func.count()).where(CaseStudy.status == Status.SUBMITTED).scalar_subquery(),
            select(func.count()).where(Subscriber.bounce_count > 0).scalar_subquery(),
            select(func.count())
            .where(OutboxMessage.status == "failed", OutboxMessage.created_at >= recent)
            .scalar_subquery(),
            select(func.count(func.distinct(CommentReport.comment_id)))
            .where(CommentReport.resolved_at.is_(None))
            .scalar_subquery(),
            select(func.count()).where(Comment.hidden_at >= recent).scalar_subquery(),
            select(func.count())
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)
            .scalar_subquery(),
            select(func.count()).where(_active_member_condition()).scalar_subquery(),
            select(func.count()).where(_active_member_condition(), User.created_at >= recent).scalar_subquery(),
        )
    ).one()
    nominations = [
        NominationsToCheck(row.id, row.name, row.title, row.count)
        for row in db.session.execute(
            select(AwardCategory.id, AwardCategory.name, AwardEdition.title, func.count(Nomination.id).label("count"))
            .join(Nomination, Nomination.category_id == AwardCategory.id)
            .join(AwardEdition, AwardEdition.id == AwardCategory.edition_id)
            .where(
                Nomination.status == NominationStatus.ENTERED,
                Nomination.eligibility == Eligibility.UNCHECKED,
                AwardEdition.results_frozen_at.is_(None),
            )
            .group_by(AwardCategory.id, AwardCategory.name, AwardEdition.title, AwardEdition.jury_open_at)
            .order_by(AwardEdition.jury_open_at, AwardCategory.id)
        )
    ]
    return Dashboard(
        cases_to_moderate=counts[0],
        nominations=nominations,
        juries=award_services.jury_progress(now),
        bouncing_addresses=counts[1],
        failed_messages=counts[2],
        reported_comments=counts[3],
        hidden_comments=counts[4],
        pending_invitations=counts[5],
        members=counts[6],
        new_members=counts[7],
        silent_members=db.session.scalar(select(func.count()).select_from(silent_members_query(now).subquery())),
    )


# -- comments reported or hidden --------------------------------------------------------------------


def hidden_comments_query():
    return (
        select(Comment)
        .where(Comment.hidden_at.is_not(None))
        .options(joinedload(Comment.author), joinedload(Comment.case))
        .order_by(Comment.hidden_at.desc(), Comment.id.desc())
    )


# -- members ----------------------------------------------------------------------------------------

MEMBER_STATES = ("active", "unverified", "suspended", "deleted", "silent")


def _active_member_condition():
    return and_(User.deleted_at.is_(None), User.suspended_at.is_(None))


@dataclass
class MemberFilters:
    query: str = ""
    role: str = ""
    state: str = ""
    sector_id: int | None = None
    function_id: int | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def members_query(filters: MemberFilters, now: datetime | None = None):
    statement = (
        select(User)
        .outerjoin(Profile, Profile.user_id == User.id)
        .options(
            joinedload(User.profile).joinedload(Profile.sector), joinedload(User.profile).joinedload(Profile.function)
        )
    )
    if filters.query:
        pattern = f"%{_escape_like(filters.query.casefold())}%"
        statement = statement.where(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
                func.lower(Profile.organisation).like(pattern, escape="\\"),
            )
        )
    if filters.role:
        statement = statement.where(User.role == filters.role)
    if filters.state == "active":
        statement = statement.where(_active_member_condition(), User.email_verified_at.is_not(None))
    elif filters.state == "unverified":
        statement = statement.where(User.deleted_at.is_(None), User.email_verified_at.is_(None))
    elif filters.state == "suspended":
        statement = statement.where(User.deleted_at.is_(None), User.suspended_at.is_not(None))
    elif filters.state == "deleted":
        statement = statement.where(User.deleted_at.is_not(None))
    elif filters.state == "silent":
        statement = statement.where(User.id.in_(silent_members_query(now).scalar_subquery()))
    if filters.sector_id:
        statement = statement.where(Profile.sector_id == filters.sector_id)
    if filters.function_id:
        statement = statement.where(Profile.function_id == filters.function_id)
    return statement.order_by(func.lower(User.display_name), User.id)


def member_activity(user: User) -> dict[str, int]:
    row = db.session.execute(
        select(
            select(func.count()).where(CaseAuthor.user_id == user.id).scalar_subquery(),
            select(func.count()).where(Comment.author_id == user.id).scalar_subquery(),
            select(func.count()).where(UsefulMark.user_id == user.id).scalar_subquery(),
            select(func.count()).where(Registration.user_id == user.id).scalar_subquery(),
        )
    ).one()
    return {"cases": row[0], "comments": row[1], "useful": row[2], "registrations": row[3]}


def assignable_roles(actor: User) -> list[str]:
    """Organisers hand out the member and organiser roles; only an administrator makes administrators."""
    roles = [Role.MEMBER.value, Role.ORGANISER.value]
    return [*roles, Role.ADMIN.value] if actor.is_admin else roles


def change_role(actor: User, user: User, role: str) -> None:
    if not actor.is_organiser:
        raise OrganiserError(_l("Only organisers can change roles."), status=403)
    if role not in {item.value for item in Role}:
        raise OrganiserError(_l("Choose one of the roles offered."), field="role")
    if user.id == actor.id:
        raise OrganiserError(_l("You cannot change your own role: ask another organiser."), status=409)
    if user.is_deleted:
        raise OrganiserError(_l("This account has been deleted."), status=409)
    if role == user.role:
        raise OrganiserError(_l("%(name)s already has this role.", name=user.display_name), status=409)
    if Role.ADMIN.value in (role, user.role) and not actor.is_admin:
        raise OrganiserError(_l("Only an administrator can grant or remove the administrator role."), status=403)
    previous = user.role
    user.role = role
    db.session.flush()
    audit.record(actor, "member.role", f"user:{user.id}", user.display_name, previous=previous, role=role)


def suspend(actor: User, user: User, reason: str) -> None:
    account_services.suspend(actor, user, reason)


def reactivate(actor: User, user: User, reason: str) -> None:
    account_services.reactivate(actor, user, reason)


# -- invitations ------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitations_query():
    return select(Invitation).options(joinedload(Invitation.invited_by)).order_by(Invitation.created_at.desc())


def invite(
    actor: User, email: str, display_name: str | None, role: str, locale: str, message: str | None
) -> Invitation:
    """Invite an address (again): a new link is emailed and any older link for it stops working."""
    email = account_services.normalise_email(email)
    if role not in assignable_roles(actor):
        raise OrganiserError(_l("Only an administrator can invite an administrator."), status=403, field="role")
    if account_services.find_by_email(email) is not None:
        raise OrganiserError(_l("This address already has an account."), status=409, field="email")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == email))
    if invitation is not None and invitation.accepted_at is not None:
        raise OrganiserError(_l("This invitation was already accepted."), status=409, field="email")
    try:
        with db.session.begin_nested():
            if invitation is None:
                invitation = Invitation(email=email)
                db.session.add(invitation)
            invitation.display_name = display_name or None
            invitation.role = role
            invitation.locale = locale
            invitation.message = message or None
            invitation.token_hash = _token_hash(token)
            invitation.invited_by_id = actor.id
            invitation.created_at = now
            invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
            invitation.revoked_at = None
    except IntegrityError:
        raise OrganiserError(
            _l("Someone invited this address at the same moment: reload the page."), status=409, field="email"
        ) from None
    _send_invitation(invitation, actor, token)
    audit.record(actor, "member.invite", f"invitation:{invitation.id}", email, role=role)
    return invitation


def _send_invitation(invitation: Invitation, actor: User, token: str) -> None:
    subject, text, html = render_mail(
        "invitation",
        _l("You are invited to join %(club)s", club=current_app.config["CLUB_NAME"]),
        invitation.locale,
        invitation=invitation,
        inviter=actor.display_name,
        url=external_url("organiser.join", token=token),
        days=INVITATION_DAYS,
    )
    # The token hash names the message: a renewed invitation is a new message, a retry is the same one.
    outbox.enqueue(
        f"invitation:{invitation.id}:{invitation.token_hash[:16]}", "invitation", invitation.email, subject, text, html
    )


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if invitation.state != "pending":
        raise OrganiserError(_l("Only a pending invitation can be withdrawn."), status=409)
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "member.invite_revoke", f"invitation:{invitation.id}", invitation.email)


def invitation_for_token(token: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or invitation.state == "revoked":
        raise OrganiserError(_l("This invitation link is not valid. Ask the organisers for a new one."), status=404)
    if invitation.state == "accepted":
        raise OrganiserError(_l("This invitation was already used: sign in with your address."), status=409)
    if invitation.state == "expired":
        raise OrganiserError(_l("This invitation has expired. Ask the organisers for a new one."), status=410)
    return invitation


def accept_invitation(token: str, display_name: str, password: str) -> User:
    """The invitee chooses a name and a password: a verified account, with the role they were invited to."""
    invitation = invitation_for_token(token)
    errors = passwords.policy_errors(password, email=invitation.email, display_name=display_name)
    if errors:
        raise OrganiserError(errors[0], field="password")
    if account_services.find_by_email(invitation.email) is not None:
        raise OrganiserError(_l("This address already has an account: sign in instead."), status=409)
    now = utcnow()
    user = User(
        email=invitation.email,
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        locale=invitation.locale,
        role=invitation.role,
        email_verified_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
            invitation.accepted_at = now
            invitation.user_id = user.id
    except IntegrityError:
        raise OrganiserError(_l("This address already has an account: sign in instead."), status=409) from None
    audit.record(user, "member.join", f"invitation:{invitation.id}", invitation.email, user_id=user.id)
    return user


# -- taxonomy ---------------------------------------------------------------------------------------


def add_term(actor: User, kind: str, name_it: str, name_en: str):
    term = taxonomy.add_term(taxonomy.TAXONOMIES[kind], name_it, name_en)
    audit.record(actor, f"{kind}.add", f"{kind}:{term.id}", term.name_it, name_it=term.name_it, name_en=term.name_en)
    return term


def rename_term(actor: User, kind: str, term, name_it: str, name_en: str) -> None:
    before = {"name_it": term.name_it, "name_en": term.name_en}
    taxonomy.rename_term(term, name_it, name_en)
    audit.record(
        actor, f"{kind}.rename", f"{kind}:{term.id}", term.name_it, before=before, name_it=name_it, name_en=name_en
    )


def retire_term(actor: User, kind: str, term) -> None:
    taxonomy.retire_term(term)
    audit.record(actor, f"{kind}.retire", f"{kind}:{term.id}", term.name_it)


def restore_term(actor: User, kind: str, term) -> None:
    taxonomy.restore_term(term)
    audit.record(actor, f"{kind}.restore", f"{kind}:{term.id}", term.name_it)


def merge_terms(actor: User, kind: str, source, target) -> dict[str, int]:
    moved = taxonomy.merge_terms(source, target)
    audit.record(
        actor,
        f"{kind}.merge",
        f"{kind}:{source.id}",
        f"{source.name_it} -> {target.name_it}",
        into=target.id,
        moved=moved,
    )
    return moved


# -- insights ---------------------------------------------------------------------------------------

ACTIVITIES = ("view", "useful", "comment", "vote")


def _not_an_author(case_column, user_column):
    return ~exists().where(CaseAuthor.case_id == case_column, CaseAuthor.user_id == user_column)


def _activity_rows(since: datetime):
    """Every act of one member on another member's case since `since`, as one union:
    (activity, case_id, at, actor_sector_id, actor_function_id).

    Authors acting on their own case are left out (that is not sharing). Votes carry the sector and
    function the voter had when casting, as ballots name no member; a vote counts for its first choice.
    """

    def by_member(activity, case_column, user_column, at_column, *conditions):
        return (
            select(
                literal(activity).label("activity"),
                case_column.label("case_id"),
                at_column.label("at"),
                Profile.sector_id.label("actor_sector"),
                Profile.function_id.label("actor_function"),
            )
            .select_from(at_column.table)
            .outerjoin(Profile, Profile.user_id == user_column)
            .where(at_column >= since, _not_an_author(case_column, user_column), *conditions)
        )

    return union_all(
        by_member("view", CaseView.case_id, CaseView.viewer_id, CaseView.viewed_at, CaseView.viewer_id.is_not(None)),
        by_member("useful", UsefulMark.case_id, UsefulMark.user_id, UsefulMark.created_at),
        by_member("comment", Comment.case_id, Comment.author_id, Comment.created_at, Comment.hidden_at.is_(None)),
        select(
            literal("vote").label("activity"),
            VoteOrigin.first_choice_id.label("case_id"),
            VoteOrigin.month_start.label("at"),
            VoteOrigin.voter_sector_id.label("actor_sector"),
            VoteOrigin.voter_function_id.label("actor_function"),
        ).where(VoteOrigin.month_start >= since, VoteOrigin.first_choice_id.is_not(None)),
    ).subquery()


@dataclass
class Insights:
    months: list[str]
    activities: tuple[str, ...]
    dimension: str
    matrix: insights.Matrix
    shares: list[insights.MonthShare]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def overall_share(self) -> float | None:
        return insights.overall_share(self.shares)


def sharing(months: list[str], dimension: str, activities: tuple[str, ...], unknown_label: str) -> Insights:
    """The sharing matrix of `dimension` ("sector" or "function") and its monthly crossing share.

    A case has one sector but possibly several functions: in the function matrix an act counts once
    under each of the case's functions, and it crosses silos when the actor's function is none of them.
    """
    since = _day_start(insights.month_bounds(months[0])[0])
    acts = _activity_rows(since)
    chosen = acts.c.activity.in_(activities)
    month = month_key(acts.c.at).label("month")
    # Each act is read once per query (the union is the costly part): the totals per activity come
    # from the same grouped rows as the matrix or the shares.
    totals: dict[str, int] = {}
    if dimension == "sector":
        model = taxonomy.TAXONOMIES["sector"]
        rows = db.session.execute(
            select(acts.c.activity, month, acts.c.actor_sector, CaseStudy.sector_id, func.count())
            .join(CaseStudy, CaseStudy.id == acts.c.case_id)
            .where(chosen)
            .group_by(acts.c.activity, month, acts.c.actor_sector, CaseStudy.sector_id)
        ).all()
        cells = [(actor, target, count) for _activity, _month, actor, target, count in rows]
        month_rows = [
            (row_month, None if actor is None or target is None else actor != target, count)
            for _activity, row_month, actor, target, count in rows
        ]
        for activity, *_rest, count in rows:
            totals[activity] = totals.get(activity, 0) + count
    else:
        model = taxonomy.TAXONOMIES["function"]
        cells = db.session.execute(
            select(acts.c.actor_function, case_functions.c.function_id, func.count())
            .outerjoin(case_functions, case_functions.c.case_id == acts.c.case_id)
            .where(chosen)
            .group_by(acts.c.actor_function, case_functions.c.function_id)
        ).all()
        same_function = exists().where(
            case_functions.c.case_id == acts.c.case_id, case_functions.c.function_id == acts.c.actor_function
        )
        any_function = exists().where(case_functions.c.case_id == acts.c.case_id)
        crossing = case(
            (or_(acts.c.actor_function.is_(None), ~any_function), literal(None)),
            (same_function, literal(0)),
            else_=literal(1),
        ).label("crossing")
        month_rows = []
        for activity, row_month, flag, count in db.session.execute(
            select(acts.c.activity, month, crossing, func.count())
            .where(chosen)
            .group_by(acts.c.activity, month, crossing)
        ):
            month_rows.append((row_month, None if flag is None else bool(flag), count))
            totals[activity] = totals.get(activity, 0) + count
    terms = [(term.id, term.name, term.retired_at is not None) for term in _all_terms(model)]
    return Insights(
        months=months,
        activities=activities,
        dimension=dimension,
        matrix=insights.build_matrix(cells, terms, unknown_label=unknown_label),
        shares=insights.monthly_shares(month_rows, months),
        totals={activity: totals.get(activity, 0) for activity in ACTIVITIES},
    )


def _all_terms(model) -> list:
    terms = db.session.scalars(select(model).where(model.merged_into_id.is_(None))).all()
    return sorted(terms, key=lambda term: (term.retired_at is not None, term.name.casefold()))


def silent_members_query(now: datetime | None = None):
    """Active members who joined more than 90 days ago and since then neither came back (a login or a
    visit while signed in) nor did anything: no case, comment, useful mark, RSVP or session feedback.
    Votes cannot count, as ballots name no member."""
    now = now or utcnow()
    cutoff = now - timedelta(days=SILENCE_DAYS)
    return select(User.id).where(
        _active_member_condition(),
        User.created_at < cutoff,
        or_(User.last_login_at.is_(None), User.last_login_at < cutoff),
        or_(User.last_seen_at.is_(None), User.last_seen_at < cutoff),
        ~exists().where(
            CaseAuthor.user_id == User.id,
            CaseAuthor.case_id == CaseStudy.id,
            or_(CaseStudy.created_at >= cutoff, CaseStudy.updated_at >= cutoff),
        ),
        ~exists().where(Comment.author_id == User.id, Comment.created_at >= cutoff),
        ~exists().where(UsefulMark.user_id == User.id, UsefulMark.created_at >= cutoff),
        ~exists().where(Registration.user_id == User.id, Registration.created_at >= cutoff),
        ~exists().where(Feedback.user_id == User.id, Feedback.updated_at >= cutoff),
    )


def silent_members_list_query(now: datetime | None = None):
    return (
        select(User)
        .where(User.id.in_(silent_members_query(now).scalar_subquery()))
        .options(
            joinedload(User.profile).joinedload(Profile.sector), joinedload(User.profile).joinedload(Profile.function)
        )
        .order_by(func.coalesce(User.last_seen_at, User.last_login_at, User.created_at), User.id)
    )


def digest_reach(months: list[str]) -> list[insights.ReachMonth]:
    """Per month: digests the mail server accepted, cycles that found nothing new for a subscriber
    (skipped), and digests refused for good (bounced)."""
    since = _day_start(insights.month_bounds(months[0])[0])
    sent_month = month_key(OutboxMessage.sent_at)
    failed_month = month_key(OutboxMessage.created_at)
    skipped_month = month_key(DigestRun.created_at)
    rows = []
    rows += [
        (month, "sent", count)
        for month, count in db.session.execute(
            select(sent_month, func.count())
            .where(OutboxMessage.kind == "digest", OutboxMessage.status == "sent", OutboxMessage.sent_at >= since)
            .group_by(sent_month)
        )
    ]
    rows += [
        (month, "bounced", count)
        for month, count in db.session.execute(
            select(failed_month, func.count())
            .where(OutboxMessage.kind == "digest", OutboxMessage.status == "failed", OutboxMessage.created_at >= since)
            .group_by(failed_month)
        )
    ]
    rows += [
        (month, "skipped", count)
        for month, count in db.session.execute(
            select(skipped_month, func.count())
            .where(DigestRun.status == "skipped", DigestRun.created_at >= since)
            .group_by(skipped_month)
        )
    ]
    return insights.reach_by_month(rows, months)


def recent_months(count: int, today: date | None = None) -> list[str]:
    return insights.last_months(today or to_rome(utcnow()).date(), count)


# -- the audit log ----------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    actor_id: int | None = None
    kind: str = ""
    since: date | None = None
    until: date | None = None


def audit_query(filters: AuditFilters):
    statement = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if filters.actor_id:
        statement = statement.where(AuditEntry.actor_id == filters.actor_id)
    if filters.kind:
        # A family ("member") or one kind ("member.suspend").
        statement = statement.where(
            or_(AuditEntry.kind == filters.kind, AuditEntry.kind.like(f"{_escape_like(filters.kind)}.%", escape="\\"))
        )
    if filters.since:
        statement = statement.where(AuditEntry.created_at >= _day_start(filters.since))
    if filters.until:
        statement = statement.where(AuditEntry.created_at < _day_start(filters.until + timedelta(days=1)))
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _day_start(day: date) -> datetime:
    """Midnight in Rome at the start of `day`, in UTC."""
    return as_utc(datetime.combine(day, datetime.min.time()).replace(tzinfo=ROME))


def audit_kinds() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.kind).distinct().order_by(AuditEntry.kind)))


def audit_actors() -> list[tuple[int, str]]:
    """Everyone who ever acted, for the filter (organisers mostly, members for their own joining)."""
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            select(User.id, User.display_name)
            .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()))
            .order_by(func.lower(User.display_name))
        )
    ]
