"""Case study rules: authoring, the workflow, visibility, discussion, following and lists.

Services flush; the request commits once at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, exists, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from club.accounts.models import User
from club.accounts.permissions import is_active_member
from club.cases import files, search, workflow
from club.cases.models import (
    Attachment,
    Bookmark,
    CaseAuthor,
    CasePreferences,
    CaseStudy,
    CaseVisibility,
    Comment,
    CommentReport,
    Metric,
    Notification,
    ReportReason,
    Revision,
    Status,
    UsefulMark,
    case_competences,
    case_functions,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.core import audit, hooks, storage, textsearch
from club.core.mail import send_template
from club.core.markdown import markdown_to_text
from club.core.models import Competence, Function, Sector
from club.core.refusal import Refused
from club.core.timeutil import utcnow
from club.core.urls import external_url
from club.extensions import db

COMMENT_EDIT_WINDOW = timedelta(minutes=15)
MAX_METRICS = 8
MAX_COAUTHORS = 8


class CaseError(Refused):
    """A refusal of the cases domain."""


# -- who sees what ---------------------------------------------------------------------------------


def is_author(case: CaseStudy, viewer) -> bool:
    return is_active_member(viewer) and viewer.id in case.author_ids


def can_view(case: CaseStudy, viewer) -> bool:
    if case.status == Status.PUBLISHED:
        return case.visibility == CaseVisibility.PUBLIC or is_active_member(viewer)
    return is_author(case, viewer) or (is_active_member(viewer) and viewer.is_organiser)


def can_edit(case: CaseStudy, viewer) -> bool:
    if case.status not in workflow.EDITABLE:
        return False
    return is_author(case, viewer) or (is_active_member(viewer) and viewer.is_organiser)


def listed_condition(viewer):
    """The SQL condition every list, search and feed applies: published, and public unless a member."""
    condition = CaseStudy.status == Status.PUBLISHED
    if not is_active_member(viewer):
        condition = condition & (CaseStudy.visibility == CaseVisibility.PUBLIC)
    return condition


def roles(case: CaseStudy, viewer) -> set[str]:
    if not is_active_member(viewer):
        return set()
    return workflow.roles_of(viewer.id, viewer.is_organiser, case.author_ids)


def get_case(case_id: int) -> CaseStudy | None:
    return db.session.scalar(
        select(CaseStudy)
        .where(CaseStudy.id == case_id)
        .options(
            joinedload(CaseStudy.sector),
            selectinload(CaseStudy.functions),
            selectinload(CaseStudy.competences),
            selectinload(CaseStudy.authors).joinedload(CaseAuthor.user),
            selectinload(CaseStudy.metrics),
            selectinload(CaseStudy.attachments),
        )
    )


# -- authoring -------------------------------------------------------------------------------------


@dataclass
class MetricInput:
    name: str
    before: Decimal | None
    after: Decimal | None
    unit: str | None


@dataclass
class CaseInput:
    """A case's editable content, already checked by the form for types and lengths."""

    title: str
    summary: str
    body: str
    organisation: str
    sector_id: int | None
    function_ids: list[int]
    competence_ids: list[int]
    language: str
    visibility: str
    metrics: list[MetricInput]
    coauthor_emails: list[str]


def _terms(model, ids: list[int], kept=()) -> list:
    """The chosen terms: active ones, or retired ones in `kept` (what the object carries already:
    a term retired since it was chosen stays while it is kept, but nobody picks it anew)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    kept_ids = [term_id for term_id in kept if term_id is not None]
    offered = model.retired_at.is_(None)
    if kept_ids:
        offered = or_(offered, model.id.in_(kept_ids) & model.merged_into_id.is_(None))
    found = db.session.scalars(select(model).where(model.id.in_(wanted), offered)).all()
    if len(found) != len(wanted):
        raise CaseError(_l("This choice is no longer available. Reload the page."))
    return sorted(found, key=lambda term: term.id)


def _coauthors(emails: list[str], owner_id: int) -> list[User]:
    normalised = []
    for email in emails:
        email = email.strip().lower()
        if email and email not in normalised:
            normalised.append(email)
    if len(normalised) > MAX_COAUTHORS:
        raise CaseError(_l("At most %(count)d co-authors.", count=MAX_COAUTHORS), field="coauthors")
    if not normalised:
        return []
    users = db.session.scalars(
        select(User).where(
            User.email.in_(normalised),
            User.email_verified_at.is_not(None),
            User.suspended_at.is_(None),
            User.deleted_at.is_(None),
        )
    ).all()
    known = {user.email for user in users}
    missing = [email for email in normalised if email not in known]
    if missing:
        # gettext, not lazy_gettext: a lazy string is Markup to Jinja (flask_babel's LazyString.__html__
        # returns it unescaped), and this message carries what the member typed.
        raise CaseError(_("No member uses this address: %(email)s", email=missing[0]), field="coauthors")
    by_email = {user.email: user for user in users}
    return [by_email[email] for email in normalised if by_email[email].id != owner_id]


def _snapshot(case: CaseStudy) -> dict:
    return {
        "title": case.title,
        "summary": case.summary,
        "body": case.body,
        "organisation": case.organisation,
        "sector": case.sector.slug if case.sector else None,
        "functions": [term.slug for term in case.functions],
        "competences": [term.slug for term in case.competences],
        "language": case.language,
        "visibility": case.visibility,
        "metrics": [_metric_text(metric) for metric in case.metrics],
        "coauthors": [db.session.get(User, author.user_id).public_name for author in case.authors[1:]],
    }


def _metric_text(metric) -> str:
    return f"{metric.name}: {metric.before} -> {metric.after} {metric.unit or ''}".strip()


def _shorten(value):
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    return value


def _diff(before: dict, after: dict) -> dict:
    return {
        field: {"from": _shorten(before.get(field)), "to": _shorten(after[field])}
        for field in after
        if before.get(field) != after[field]
    }


def _record(case: CaseStudy, user, action: str, changes: dict | None = None, comment: str | None = None) -> None:
    db.session.add(
        Revision(
            case_id=case.id, user_id=user.id if user else None, action=action, changes=changes or {}, comment=comment
        )
    )


def _apply(case: CaseStudy, data: CaseInput, owner_id: int) -> None:
    case.title = data.title
    case.summary = data.summary
    case.body = data.body
    case.organisation = data.organisation
    case.sector = _terms(Sector, [data.sector_id], kept=[case.sector_id])[0] if data.sector_id else None
    case.functions = _terms(Function, data.function_ids, kept=[term.id for term in case.functions])
    case.competences = _terms(Competence, data.competence_ids, kept=[term.id for term in case.competences])
    case.language = data.language
    case.visibility = CaseVisibility(data.visibility).value
    if len(data.metrics) > MAX_METRICS:
        raise CaseError(_l("At most %(count)d metrics.", count=MAX_METRICS))
    case.metrics = [
        Metric(position=index, name=metric.name, before=metric.before, after=metric.after, unit=metric.unit or None)
        for index, metric in enumerate(data.metrics)
    ]
    coauthors = _coauthors(data.coauthor_emails, owner_id)
    owner = next((author for author in case.authors if author.user_id == owner_id), None)
    if owner is None:
        owner = CaseAuthor(user_id=owner_id, position=0)
    case.authors = [owner] + [CaseAuthor(user_id=user.id, position=index + 1) for index, user in enumerate(coauthors)]
    case.updated_at = utcnow()


def create_case(author: User, data: CaseInput) -> CaseStudy:
    if not author.is_verified or not author.is_active:
        raise CaseError(_l("Only members with a confirmed address can write case studies."), status=403)
    case = CaseStudy(created_by_id=author.id, status=Status.DRAFT.value, authors=[])
    db.session.add(case)
    _apply(case, data, author.id)
    db.session.flush()
    _record(case, author, "created")
    db.session.flush()
    return case


def update_case(case: CaseStudy, editor: User, data: CaseInput) -> None:
    if not can_edit(case, editor):
        raise CaseError(_l("You cannot edit this case study now."), status=403)
    before = _snapshot(case)
    _apply(case, data, case.created_by_id)
    db.session.flush()
    changes = _diff(before, _snapshot(case))
    if changes:
        _record(case, editor, "edited", changes)
    search.index_case(case)
    db.session.flush()


def set_cover(case: CaseStudy, editor: User, stream) -> None:
    if not can_edit(case, editor):
        raise CaseError(_l("You cannot edit this case study now."), status=403)
    image = files.process_cover(stream)
    old = case.cover_filename
    case.cover_filename = files.store(files.COVER_KIND, case.id, "webp", image)
    _record(case, editor, "cover_changed")
    db.session.flush()
    storage.delete_after_commit(files.COVER_KIND, old)


def remove_cover(case: CaseStudy, editor: User) -> None:
    if not can_edit(case, editor):
        raise CaseError(_l("You cannot edit this case study now."), status=403)
    if case.cover_filename:
        storage.delete_after_commit(files.COVER_KIND, case.cover_filename)
        case.cover_filename = None
        _record(case, editor, "cover_removed")
        db.session.flush()


def add_attachment(case: CaseStudy, editor: User, stream, original_name: str | None) -> Attachment:
    if not can_edit(case, editor):
        raise CaseError(_l("You cannot edit this case study now."), status=403)
    too_many = CaseError(
        _l("A case study can have at most %(count)d attachments.", count=files.MAX_ATTACHMENTS),
        status=409,
        field="file",
    )
    free_slots = sorted(set(range(files.MAX_ATTACHMENTS)) - {item.slot for item in case.attachments})
    if not free_slots:
        raise too_many
    data = stream.read(files.MAX_ATTACHMENT_BYTES + 1)
    content_type, extension = files.check_attachment(data)
    attachment = Attachment(
        case_id=case.id,
        slot=free_slots[0],
        stored_name=files.store(files.ATTACHMENT_KIND, case.id, extension, data),
        original_name=files.safe_filename(original_name, extension),
        content_type=content_type,
        size=len(data),
        uploaded_by_id=editor.id,
    )
    try:
        # The (case, slot) unique constraint settles two uploads racing for the last place.
        with db.session.begin_nested():
            db.session.add(attachment)
    except IntegrityError as error:
        storage.delete(files.ATTACHMENT_KIND, attachment.stored_name)  # its row never existed
        raise too_many from error
    case.attachments.append(attachment)
    _record(case, editor, "attachment_added", {"attachment": {"from": None, "to": attachment.original_name}})
    db.session.flush()
    return attachment


def remove_attachment(case: CaseStudy, editor: User, attachment_id: int) -> None:
    if not can_edit(case, editor):
        raise CaseError(_l("You cannot edit this case study now."), status=403)
    attachment = next((item for item in case.attachments if item.id == attachment_id), None)
    if attachment is None:
        raise CaseError(_l("This attachment does not exist."), status=404)
    case.attachments.remove(attachment)
    _record(case, editor, "attachment_removed", {"attachment": {"from": attachment.original_name, "to": None}})
    db.session.flush()
    storage.delete_after_commit(files.ATTACHMENT_KIND, attachment.stored_name)


# -- the workflow ----------------------------------------------------------------------------------

_REFUSALS = {
    "unknown": (_l("This action does not exist."), 400),
    "forbidden": (_l("You are not allowed to do this."), 403),
    "wrong_status": (_l("This case study is not in a state that allows this action."), 409),
}


def case_scope(case_id: int) -> str:
    return f"case:{case_id}"


def comment_scope(comment_id: int) -> str:
    return f"comment:{comment_id}"


def _acts_as_organiser(case: CaseStudy, actor: User, action: str) -> bool:
    """Whether the actor takes this step as an organiser (audited), not as one of the authors."""
    allowed = roles(case, actor) & workflow.TRANSITIONS[action].actors
    return workflow.ORGANISER in allowed and workflow.AUTHOR not in allowed


def transition(case: CaseStudy, actor: User, action: str, comment: str | None = None) -> None:
    try:
        target = workflow.check(action, case.status, roles(case, actor))
    except workflow.TransitionRefused as refusal:
        message, status = _REFUSALS[refusal.reason]
        raise CaseError(message, status=status) from refusal
    if action == "request_changes" and not (comment or "").strip():
        raise CaseError(_l("Say what should change: the authors read it."), field="comment")
    now = utcnow()
    previous = case.status
    case.status = target
    if action in ("submit", "resubmit"):
        case.submitted_at = now
    if action == "request_changes":
        case.moderation_comment = comment
    if action == "publish":
        case.published_at = case.published_at or now
        case.published_year = case.published_at.year
        case.moderation_comment = None
    if action == "archive":
        case.archived_at = now
    if action == "restore":
        case.archived_at = None
    _record(case, actor, action, {"status": {"from": previous, "to": target}}, comment)
    if _acts_as_organiser(case, actor, action):
        details = {"from": previous, "to": target}
        if comment:
            details["comment"] = comment
        audit.record(actor, f"case.{action.replace('_', '-')}", case_scope(case.id), case.title, **details)
    if Status.PUBLISHED in (previous, target):
        search.index_case(case)
    db.session.flush()
    if action == "request_changes":
        _email_authors(case, "changes_requested", _l("Changes requested for your case study"), comment=comment)
    elif action == "publish":
        _email_authors(case, "case_published", _l("Your case study is published"))


def _email_authors(case: CaseStudy, template: str, subject, **context) -> None:
    url = external_url("cases.detail", case_id=case.id)
    for author in case.authors:
        user = author.user
        if user.is_active and user.is_verified:
            send_template(user.email, template, subject, user.locale, user=user, case=case, url=url, **context)


def can_delete(case: CaseStudy, viewer) -> bool:
    """Organisers may delete any case; authors only a draft nobody else has seen."""
    if is_active_member(viewer) and viewer.is_organiser:
        return True
    return is_author(case, viewer) and case.status in workflow.AUTHOR_DELETABLE


def delete_case(case: CaseStudy, actor: User) -> None:
    if not can_delete(case, actor):
        raise CaseError(
            _l("Only drafts can be deleted by their authors; ask the organisers to archive it."), status=403
        )
    stored = [(files.ATTACHMENT_KIND, item.stored_name) for item in case.attachments]
    if case.cover_filename:
        stored.append((files.COVER_KIND, case.cover_filename))
    if not is_author(case, actor):
        # An organiser removing someone else's case study: the only trace left of it.
        audit.record(
            actor,
            "case.delete",
            case_scope(case.id),
            case.title,
            status=case.status,
            authors=[author.user_id for author in case.authors],
        )
    search.remove_case(case.id)
    db.session.delete(case)
    db.session.flush()
    for kind, name in stored:
        storage.delete_after_commit(kind, name)


# -- discussion ------------------------------------------------------------------------------------


def _require_member_on_published(case: CaseStudy, user) -> None:
    if not is_active_member(user) or not user.is_verified:
        raise CaseError(_l("Sign in to take part."), status=403)
    if case.status != Status.PUBLISHED:
        raise CaseError(_l("Only published case studies can be discussed."), status=409)


def add_comment(case: CaseStudy, author: User, body: str) -> Comment:
    _require_member_on_published(case, author)
    comment = Comment(case_id=case.id, author_id=author.id, body=body)
    db.session.add(comment)
    _count_comment(case.id, +1)
    db.session.flush()
    _notify_authors_of_comment(case, comment, author)
    return comment


def _notify_authors_of_comment(case: CaseStudy, comment: Comment, commenter: User) -> None:
    recipients = [author.user for author in case.authors if author.user_id != commenter.id]
    if not recipients:
        return
    preferences = {
        row.user_id: row.email_on_comment
        for row in db.session.scalars(
            select(CasePreferences).where(CasePreferences.user_id.in_([user.id for user in recipients]))
        )
    }
    url = external_url("cases.detail", case_id=case.id, _anchor=f"comment-{comment.id}")
    for user in recipients:
        db.session.add(
            Notification(user_id=user.id, kind="comment", case_id=case.id, comment_id=comment.id, actor_id=commenter.id)
        )
        if preferences.get(user.id, True) and user.is_active and user.is_verified:
            send_template(
                user.email,
                "new_comment",
                _l("New comment on your case study"),
                user.locale,
                user=user,
                case=case,
                comment=comment,
                commenter=commenter,
                url=url,
            )
    db.session.flush()


def comment_editable(comment: Comment, user) -> bool:
    return (
        is_active_member(user)
        and comment.author_id == user.id
        and comment.hidden_at is None
        and utcnow() - comment.created_at <= COMMENT_EDIT_WINDOW
    )


def edit_comment(comment: Comment, user: User, body: str) -> None:
    if not comment_editable(comment, user):
        raise CaseError(_l("Comments can be changed by their author for 15 minutes only."), status=403)
    comment.body = body
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(comment: Comment, user: User) -> None:
    if not comment_editable(comment, user):
        raise CaseError(_l("Comments can be changed by their author for 15 minutes only."), status=403)
    case_id = comment.case_id
    db.session.execute(delete(Notification).where(Notification.comment_id == comment.id))
    db.session.delete(comment)
    _count_comment(case_id, -1)
    db.session.flush()


def _count_comment(case_id: int, delta: int) -> None:
    db.session.execute(
        update(CaseStudy).where(CaseStudy.id == case_id).values(comment_count=CaseStudy.comment_count + delta)
    )


def _comment_summary(comment: Comment) -> str:
    """How the audit log names a comment (plain English, like the rest of the log)."""
    return f"Comment by {comment.author.display_name} on “{comment.case.title}”"


def hide_comment(comment: Comment, organiser: User, reason: str) -> None:
    if not (is_active_member(organiser) and organiser.is_organiser):
        raise CaseError(_l("Only organisers can hide comments."), status=403)
    if comment.hidden_at is not None:
        raise CaseError(_l("This comment is already hidden."), status=409)
    comment.hidden_at = utcnow()
    comment.hidden_by_id = organiser.id
    comment.hidden_reason = reason
    # The counter counts what readers see.
    _count_comment(comment.case_id, -1)
    # Hiding the comment settles what members reported about it.
    resolved = _resolve_reports(comment, organiser, "hidden", comment.hidden_at)
    audit.record(
        organiser,
        "comment.hide",
        comment_scope(comment.id),
        _comment_summary(comment),
        case_id=comment.case_id,
        reason=reason,
        reports_resolved=resolved,
    )
    db.session.flush()


def unhide_comment(comment: Comment, organiser: User) -> None:
    if not (is_active_member(organiser) and organiser.is_organiser):
        raise CaseError(_l("Only organisers can hide comments."), status=403)
    if comment.hidden_at is None:
        raise CaseError(_l("This comment is not hidden."), status=409)
    previous_reason = comment.hidden_reason
    comment.hidden_at = None
    comment.hidden_by_id = None
    comment.hidden_reason = None
    _count_comment(comment.case_id, +1)
    audit.record(
        organiser,
        "comment.unhide",
        comment_scope(comment.id),
        _comment_summary(comment),
        case_id=comment.case_id,
        hidden_reason=previous_reason,
    )
    db.session.flush()


# -- reports on comments ---------------------------------------------------------------------------

REPORT_NOTE_MAX = 500


def report_comment(comment: Comment, reporter: User, reason: str, note: str | None = None) -> CommentReport:
    """A member tells the organisers that a comment should not be there: once per member per comment."""
    if not is_active_member(reporter) or not reporter.is_verified:
        raise CaseError(_l("Sign in to report a comment."), status=403)
    if not can_view(comment.case, reporter):
        raise CaseError(_l("This case study does not exist."), status=404)
    if comment.author_id == reporter.id:
        raise CaseError(_l("You cannot report your own comment."), status=403)
    if comment.hidden_at is not None:
        raise CaseError(_l("This comment is already hidden."), status=409)
    if reason not in {item.value for item in ReportReason}:
        raise CaseError(_l("Choose a reason from the list."), field="reason")
    note = (note or "").strip() or None
    if note is not None and len(note) > REPORT_NOTE_MAX:
        raise CaseError(_l("At most %(count)d characters.", count=REPORT_NOTE_MAX), field="note")
    report = CommentReport(comment_id=comment.id, reporter_id=reporter.id, reason=reason, note=note)
    try:
        # The (comment, reporter) unique constraint settles a second report, even two sent at once.
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError as error:
        raise CaseError(_l("You have already reported this comment."), status=409) from error
    db.session.flush()
    return report


def _resolve_reports(comment: Comment, organiser: User, resolution: str, moment=None) -> int:
    result = db.session.execute(
        update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.resolved_at.is_(None))
        .values(resolved_at=moment or utcnow(), resolved_by_id=organiser.id, resolution=resolution)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def dismiss_reports(comment: Comment, organiser: User) -> int:
    """The organisers read the reports and leave the comment as it is. Returns how many were open."""
    if not (is_active_member(organiser) and organiser.is_organiser):
        raise CaseError(_l("Only organisers can dismiss reports."), status=403)
    dismissed = _resolve_reports(comment, organiser, "dismissed")
    if not dismissed:
        raise CaseError(_l("This comment has no open reports."), status=409)
    audit.record(
        organiser,
        "comment.dismiss-reports",
        comment_scope(comment.id),
        _comment_summary(comment),
        case_id=comment.case_id,
        reports=dismissed,
    )
    db.session.flush()
    return dismissed


def open_report_counts(comment_ids) -> dict[int, int]:
    """How many open reports each of these comments has (only those with some), in one query."""
    ids = sorted(set(comment_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(CommentReport.comment_id, func.count())
        .where(CommentReport.comment_id.in_(ids), CommentReport.resolved_at.is_(None))
        .group_by(CommentReport.comment_id)
    )
    return {comment_id: count for comment_id, count in rows}


def _open_reports_subquery():
    return (
        select(
            CommentReport.comment_id.label("comment_id"),
            func.count().label("open_count"),
            func.max(CommentReport.created_at).label("latest_at"),
        )
        .where(CommentReport.resolved_at.is_(None))
        .group_by(CommentReport.comment_id)
        .subquery("open_reports")
    )


def open_reports_query():
    """The organiser console's list: the comments with at least one open report, the most reported
    first (then the most recently reported), with their author and case loaded. For db.paginate,
    which yields the comments; `open_report_counts` (or `open_reports_of`) gives the whole page's
    counts in one more query."""
    open_reports = _open_reports_subquery()
    return (
        select(Comment)
        .join(open_reports, open_reports.c.comment_id == Comment.id)
        .options(joinedload(Comment.author), joinedload(Comment.case))
        .order_by(open_reports.c.open_count.desc(), open_reports.c.latest_at.desc(), Comment.id.desc())
    )


def open_reports_of(comment_ids) -> dict[int, list[CommentReport]]:
    """The open reports of these comments, oldest first, with their reporters, in one query."""
    ids = sorted(set(comment_ids))
    if not ids:
        return {}
    result: dict[int, list[CommentReport]] = {comment_id: [] for comment_id in ids}
    reports = db.session.scalars(
        select(CommentReport)
        .where(CommentReport.comment_id.in_(ids), CommentReport.resolved_at.is_(None))
        .options(joinedload(CommentReport.reporter))
        .order_by(CommentReport.created_at, CommentReport.id)
    )
    for report in reports:
        result[report.comment_id].append(report)
    return {comment_id: items for comment_id, items in result.items() if items}


def open_report_total() -> int:
    """How many comments wait for an organiser's decision (at least one open report)."""
    return db.session.scalar(
        select(func.count(func.distinct(CommentReport.comment_id))).where(CommentReport.resolved_at.is_(None))
    )


def reported_by(user, comment_ids) -> set[int]:
    """Which of these comments the member has already reported (open or settled)."""
    ids = sorted(set(comment_ids))
    if not ids or not is_active_member(user):
        return set()
    return set(
        db.session.scalars(
            select(CommentReport.comment_id).where(
                CommentReport.reporter_id == user.id, CommentReport.comment_id.in_(ids)
            )
        )
    )


def _toggle(model, case: CaseStudy, user: User, on: bool, counter=None) -> bool:
    """Add or remove the (case, user) row; the primary key makes "once" a database guarantee."""
    _require_member_on_published(case, user)
    if on:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(model).values(case_id=case.id, user_id=user.id, created_at=utcnow()))
        except IntegrityError:
            return False  # already there: nothing changes
        delta = 1
    else:
        result = db.session.execute(delete(model).where(model.case_id == case.id, model.user_id == user.id))
        if not result.rowcount:
            return False
        delta = -1
    if counter is not None:
        db.session.execute(update(CaseStudy).where(CaseStudy.id == case.id).values({counter: counter + delta}))
    db.session.flush()
    return True


def mark_useful(case: CaseStudy, user: User, on: bool) -> bool:
    return _toggle(UsefulMark, case, user, on, CaseStudy.useful_count)


def bookmark(case: CaseStudy, user: User, on: bool) -> bool:
    return _toggle(Bookmark, case, user, on)


def reader_state(case: CaseStudy, user) -> dict:
    """Whether the signed-in reader has marked the case useful and bookmarked it."""
    if not is_active_member(user):
        return {"useful": False, "bookmarked": False}
    row = db.session.execute(
        select(
            exists().where(UsefulMark.case_id == case.id, UsefulMark.user_id == user.id),
            exists().where(Bookmark.case_id == case.id, Bookmark.user_id == user.id),
        )
    ).one()
    return {"useful": row[0], "bookmarked": row[1]}


@dataclass
class CommentView:
    """A comment as one reader sees it: hidden ones show their body only to organisers."""

    comment: Comment
    show_body: bool
    can_edit: bool
    can_moderate: bool
    # Reports: whether the reader may report it, whether they already did, and (for organisers) how
    # many reports wait for a decision.
    can_report: bool = False
    reported: bool = False
    open_reports: int = 0


# A discussion is read a page at a time, oldest first: a popular case's hundreds of comments would
# otherwise make one page of seconds.
COMMENTS_PER_PAGE = 50


def comment_page(case: CaseStudy, viewer, page: int = 1):
    """(the pagination, the CommentViews of that page) of a case's discussion."""
    statement = (
        select(Comment)
        .where(Comment.case_id == case.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    pagination = db.paginate(
        statement, page=max(page, 1), per_page=COMMENTS_PER_PAGE, max_per_page=COMMENTS_PER_PAGE, error_out=False
    )
    comments = list(pagination.items)
    organiser = is_active_member(viewer) and viewer.is_organiser
    member = is_active_member(viewer) and viewer.is_verified
    ids = [comment.id for comment in comments]
    counts = open_report_counts(ids) if organiser else {}
    reported = reported_by(viewer, ids) if member else set()
    views = [
        CommentView(
            comment=comment,
            show_body=comment.hidden_at is None or organiser,
            can_edit=comment_editable(comment, viewer),
            can_moderate=organiser,
            can_report=member and comment.author_id != viewer.id and comment.hidden_at is None,
            reported=comment.id in reported,
            open_reports=counts.get(comment.id, 0),
        )
        for comment in comments
    ]
    return pagination, views


def comment_page_of(comment: Comment) -> int:
    """The page of its case's discussion that shows the comment."""
    earlier = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.case_id == comment.case_id,
            or_(
                Comment.created_at < comment.created_at,
                (Comment.created_at == comment.created_at) & (Comment.id < comment.id),
            ),
        )
    )
    return earlier // COMMENTS_PER_PAGE + 1


# -- following and "for you" -----------------------------------------------------------------------

FOLLOW_TABLES = {"sector": followed_sectors, "function": followed_functions, "competence": followed_competences}
_FOLLOW_COLUMN = {"sector": "sector_id", "function": "function_id", "competence": "competence_id"}
_FOLLOW_MODEL = {"sector": Sector, "function": Function, "competence": Competence}


def follows(user: User) -> dict[str, set[int]]:
    result = {}
    for kind, table in FOLLOW_TABLES.items():
        column = table.c[_FOLLOW_COLUMN[kind]]
        result[kind] = set(db.session.scalars(select(column).where(table.c.user_id == user.id)))
    return result


def set_follows(user: User, chosen: dict[str, list[int]]) -> None:
    current = follows(user)
    for kind, table in FOLLOW_TABLES.items():
        # A retired term the member follows already stays followed while they keep it ticked.
        ids = [term.id for term in _terms(_FOLLOW_MODEL[kind], chosen.get(kind, []), kept=current[kind])]
        db.session.execute(delete(table).where(table.c.user_id == user.id))
        if ids:
            db.session.execute(insert(table), [{"user_id": user.id, _FOLLOW_COLUMN[kind]: term_id} for term_id in ids])
    db.session.flush()


def for_you(user: User, limit: int = 6) -> list[CaseStudy]:
    """Published cases in what the member follows, newest first (none when they follow nothing)."""
    sector_ids = select(followed_sectors.c.sector_id).where(followed_sectors.c.user_id == user.id)
    function_ids = select(followed_functions.c.function_id).where(followed_functions.c.user_id == user.id)
    competence_ids = select(followed_competences.c.competence_id).where(followed_competences.c.user_id == user.id)
    matches_follow = or_(
        CaseStudy.sector_id.in_(sector_ids),
        exists().where(case_functions.c.case_id == CaseStudy.id, case_functions.c.function_id.in_(function_ids)),
        exists().where(
            case_competences.c.case_id == CaseStudy.id, case_competences.c.competence_id.in_(competence_ids)
        ),
    )
    statement = (
        list_options(select(CaseStudy).where(listed_condition(user), matches_follow))
        .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement).unique())


def recent(viewer, limit: int = 6) -> list[CaseStudy]:
    statement = (
        list_options(select(CaseStudy).where(listed_condition(viewer)))
        .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement).unique())


# -- lists and search ------------------------------------------------------------------------------

# "relevance" applies to searches; without a query it means newest.
SORTS = ("relevance", "newest", "useful", "discussed")


def list_options(statement):
    return statement.options(
        joinedload(CaseStudy.sector),
        selectinload(CaseStudy.functions),
        selectinload(CaseStudy.competences),
        selectinload(CaseStudy.metrics),
        selectinload(CaseStudy.authors).joinedload(CaseAuthor.user),
    )


@dataclass
class ListFilters:
    q: str | None = None
    sector_id: int | None = None
    function_id: int | None = None
    competence_id: int | None = None
    year: int | None = None
    language: str | None = None
    awarded: bool = False
    sort: str = "relevance"


def list_query(viewer, filters: ListFilters):
    """The select behind the case list and the search results, and whether it is ranked by a search."""
    statement = select(CaseStudy).where(listed_condition(viewer))
    if filters.sector_id:
        statement = statement.where(CaseStudy.sector_id == filters.sector_id)
    if filters.function_id:
        statement = statement.where(
            exists().where(
                case_functions.c.case_id == CaseStudy.id, case_functions.c.function_id == filters.function_id
            )
        )
    if filters.competence_id:
        statement = statement.where(
            exists().where(
                case_competences.c.case_id == CaseStudy.id, case_competences.c.competence_id == filters.competence_id
            )
        )
    if filters.year:
        statement = statement.where(CaseStudy.published_year == filters.year)
    if filters.language:
        statement = statement.where(CaseStudy.language == filters.language)
    if filters.awarded:
        # The awards domain, above this one, says which cases won (nothing before results are published).
        winners = hooks.collect("award_winner_case_ids")
        statement = statement.where(or_(*(CaseStudy.id.in_(query) for query in winners)) if winners else false())
    ranked = False
    if filters.q:
        matching = search.matches(filters.q)
        if matching is None:
            statement = statement.where(false())
        else:
            hits = matching.subquery()
            statement = statement.join(hits, hits.c.case_id == CaseStudy.id)
            if filters.sort == "relevance":
                ranked = True
                statement = statement.order_by(hits.c.rank, CaseStudy.id.desc())
    if not ranked:
        order = {
            "relevance": (CaseStudy.published_at.desc(),),
            "newest": (CaseStudy.published_at.desc(),),
            "useful": (CaseStudy.useful_count.desc(), CaseStudy.published_at.desc()),
            "discussed": (CaseStudy.comment_count.desc(), CaseStudy.published_at.desc()),
        }[filters.sort if filters.sort in SORTS else "relevance"]
        statement = statement.order_by(*order, CaseStudy.id.desc())
    return list_options(statement), ranked


def snippets(cases: list[CaseStudy], query: str) -> dict[int, Markup]:
    """A highlighted extract per case: from the summary when it matches, else from the body."""
    terms = textsearch.query_terms(query)
    wanted = set().union(*terms) if terms else set()
    result = {}
    for case in cases:
        summary_stems = {stem for word in textsearch.words(case.summary) for stem in textsearch.stems(word)}
        source = case.summary if summary_stems & wanted else markdown_to_text(case.body)
        result[case.id] = textsearch.snippet(source, terms)
    return result


def published_years(viewer) -> list[int]:
    return list(
        db.session.scalars(
            select(CaseStudy.published_year)
            .where(listed_condition(viewer), CaseStudy.published_year.is_not(None))
            .distinct()
            .order_by(CaseStudy.published_year.desc())
        )
    )


def bookmarks_query(user: User):
    return list_options(
        select(CaseStudy)
        .join(Bookmark, Bookmark.case_id == CaseStudy.id)
        .where(Bookmark.user_id == user.id, listed_condition(user))
        .order_by(Bookmark.created_at.desc())
    )


def my_cases_query(user: User):
    return list_options(
        select(CaseStudy)
        .join(CaseAuthor, CaseAuthor.case_id == CaseStudy.id)
        .where(CaseAuthor.user_id == user.id)
        .order_by(CaseStudy.updated_at.desc())
    )


def moderation_queue_query():
    return list_options(select(CaseStudy).where(CaseStudy.status == Status.SUBMITTED).order_by(CaseStudy.submitted_at))


def revisions(case: CaseStudy) -> list[Revision]:
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.case_id == case.id)
            .options(joinedload(Revision.user))
            .order_by(Revision.created_at.desc(), Revision.id.desc())
        )
    )


# -- notifications and preferences -----------------------------------------------------------------


def unread_count(user) -> int:
    if not is_active_member(user):
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_query(user: User):
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.case), joinedload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_notifications_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def preferences(user: User) -> CasePreferences:
    return db.session.get(CasePreferences, user.id) or CasePreferences(user_id=user.id, email_on_comment=True)


def save_preferences(user: User, email_on_comment: bool) -> None:
    row = db.session.get(CasePreferences, user.id)
    if row is None:
        row = CasePreferences(user_id=user.id)
        db.session.add(row)
    row.email_on_comment = email_on_comment
    db.session.flush()


# -- what other domains show -----------------------------------------------------------------------


def home_section():
    from flask_login import current_user

    viewer = current_user
    followed = for_you(viewer) if is_active_member(viewer) else []
    return "cases/_home_section.html", {"for_you": followed, "recent": recent(viewer)}


def nav_item():
    from flask_login import current_user

    user_links = []
    if is_active_member(current_user):
        user_links = [
            {"endpoint": "cases.mine", "label": _l("My case studies")},
            {"endpoint": "cases.bookmarks", "label": _l("Bookmarks")},
            {"endpoint": "cases.following", "label": _l("What I follow")},
            {"endpoint": "cases.notifications", "label": _l("Notifications")},
        ]
        if current_user.is_organiser:
            user_links.append({"endpoint": "cases.moderation", "label": _l("Moderation queue")})
    return {
        "endpoint": "cases.index",
        "label": _l("Case studies"),
        "badge": unread_count(current_user),
        "badge_endpoint": "cases.notifications",
        "user_links": user_links,
    }


def personal_data(user: User) -> dict:
    written = db.session.scalars(
        select(CaseStudy).join(CaseAuthor, CaseAuthor.case_id == CaseStudy.id).where(CaseAuthor.user_id == user.id)
    ).all()
    comments = db.session.scalars(select(Comment).where(Comment.author_id == user.id)).all()
    return {
        "case_studies": [{"id": case.id, "title": case.title, "status": case.status} for case in written],
        "comments": [
            {"case_id": comment.case_id, "created_at": comment.created_at.isoformat(), "body": comment.body}
            for comment in comments
        ],
        "useful_marks": list(db.session.scalars(select(UsefulMark.case_id).where(UsefulMark.user_id == user.id))),
        "bookmarks": list(db.session.scalars(select(Bookmark.case_id).where(Bookmark.user_id == user.id))),
        "comment_reports": [
            {
                "comment_id": report.comment_id,
                "reason": report.reason,
                "note": report.note,
                "created_at": report.created_at.isoformat(),
                "resolution": report.resolution,
            }
            for report in db.session.scalars(
                select(CommentReport).where(CommentReport.reporter_id == user.id).order_by(CommentReport.id)
            )
        ],
        "follows": {kind: sorted(ids) for kind, ids in follows(user).items()},
    }
