"""Award rules: editions and their timeline, nominations, the jury, the member vote, results.

Services flush; the request (or the scheduled job) commits. Every window is checked here, on the
server, against the current time; pages only mirror it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from club.accounts.models import User
from club.accounts.permissions import is_active_member, is_active_organiser
from club.awards import tally as tallying
from club.awards.models import (
    AwardCategory,
    AwardEdition,
    AwardResult,
    Ballot,
    Criterion,
    DeclaredConflict,
    Eligibility,
    Juror,
    Nomination,
    NominationStatus,
    Review,
    Score,
    VoteOrigin,
)
from club.awards.timeline import Phase, Timeline, phase
from club.cases import services as case_services
from club.cases.models import CaseAuthor, CaseStudy, Status
from club.core import audit
from club.core.mail import send_template
from club.core.models import Sector
from club.core.refusal import Refused
from club.core.timeutil import ROME, as_utc, to_rome, utcnow
from club.core.urls import external_url
from club.events.models import EventWeek, WeekStatus
from club.extensions import db
from club.members.models import Profile


class AwardError(Refused):
    """A refusal of the awards domain."""


TIMELINE_REASONS = {
    "after_open": _l("It must come after the opening."),
    "after_nominations": _l("It must come after the nominations close."),
    "after_windows": _l("Results come after the jury and the vote have closed."),
}


# -- who sees what ---------------------------------------------------------------------------------


def can_view_edition(edition: AwardEdition, viewer) -> bool:
    if is_active_organiser(viewer):
        return True
    return edition.published and edition.week.status == WeekStatus.PUBLISHED


def _public_editions_condition():
    return AwardEdition.published.is_(True) & AwardEdition.week.has(EventWeek.status == WeekStatus.PUBLISHED)


def visible_editions(viewer) -> list[AwardEdition]:
    statement = select(AwardEdition).options(joinedload(AwardEdition.week)).order_by(AwardEdition.results_at.desc())
    if not is_active_organiser(viewer):
        statement = statement.where(_public_editions_condition())
    return list(db.session.scalars(statement))


def results_visible(edition: AwardEdition, now: datetime | None = None) -> bool:
    """Results exist for nobody (organisers included) until they are frozen and their time has come."""
    return edition.results_frozen_at is not None and (now or utcnow()) >= edition.results_at


def current_phase(edition: AwardEdition, now: datetime | None = None) -> Phase:
    now = now or utcnow()
    return phase(Timeline.of(edition), now, results_visible(edition, now))


def get_edition(edition_id: int) -> AwardEdition | None:
    return db.session.scalar(
        select(AwardEdition)
        .where(AwardEdition.id == edition_id)
        .options(
            joinedload(AwardEdition.week),
            selectinload(AwardEdition.categories).selectinload(AwardCategory.criteria),
            selectinload(AwardEdition.categories).selectinload(AwardCategory.sectors),
        )
    )


def get_category(category_id: int) -> AwardCategory | None:
    return db.session.scalar(
        select(AwardCategory)
        .where(AwardCategory.id == category_id)
        .options(
            joinedload(AwardCategory.edition).joinedload(AwardEdition.week),
            selectinload(AwardCategory.criteria),
            selectinload(AwardCategory.sectors),
        )
    )


def editions_of_week(week: EventWeek, viewer) -> list[AwardEdition]:
    statement = select(AwardEdition).where(AwardEdition.week_id == week.id).order_by(AwardEdition.id)
    if not is_active_organiser(viewer):
        statement = statement.where(AwardEdition.published.is_(True))
    return list(db.session.scalars(statement))


# -- editions and categories (organisers) ----------------------------------------------------------


@dataclass
class EditionInput:
    week_id: int
    title: str
    description: str
    published: bool
    max_entries_per_case: int
    anonymous_judging: bool
    jury_weight: int
    nominations_open_at: datetime
    nominations_close_at: datetime
    jury_open_at: datetime
    jury_close_at: datetime
    vote_open_at: datetime
    vote_close_at: datetime
    results_at: datetime


def _iso(value):
    if isinstance(value, datetime):
        # In UTC: the form gives Italian times, the database UTC ones; the same moment must compare equal.
        return value.astimezone(UTC).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def save_edition(edition: AwardEdition | None, data: EditionInput, actor: User) -> AwardEdition:
    if db.session.get(EventWeek, data.week_id) is None:
        raise AwardError(_l("Choose an event week."), field="week_id")
    if not 0 <= data.jury_weight <= 100:
        raise AwardError(_l("The jury's weight is a percentage from 0 to 100."), field="jury_weight")
    if not 1 <= data.max_entries_per_case <= 20:
        raise AwardError(_l("A case may be entered in 1 to 20 categories."), field="max_entries_per_case")
    timeline = Timeline(**{name: getattr(data, name) for name in Timeline.__dataclass_fields__})
    for field_name, reason in timeline.problems():
        raise AwardError(TIMELINE_REASONS[reason], field=field_name)
    creating = edition is None
    if creating:
        edition = AwardEdition()
        db.session.add(edition)
    elif edition.results_frozen_at is not None:
        raise AwardError(_l("The results are published: the edition can no longer change."), status=409)
    before = {name: _iso(getattr(edition, name, None)) for name in EditionInput.__dataclass_fields__}
    for name in EditionInput.__dataclass_fields__:
        setattr(edition, name, getattr(data, name))
    db.session.flush()
    after = {name: _iso(getattr(data, name)) for name in EditionInput.__dataclass_fields__}
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if creating:
        audit.record(actor, "award.edition.created", edition.scope, edition.title, changes=changes)
    elif changes:
        timeline_changed = any(name.endswith("_at") for name in changes)
        kind = "award.timeline.changed" if timeline_changed else "award.edition.changed"
        audit.record(actor, kind, edition.scope, edition.title, changes=changes)
    return edition


@dataclass
class CategoryInput:
    name: str
    description: str
    eligible_from: date
    eligible_until: date
    sector_ids: list[int]
    criteria: list[tuple[str, int]]  # (name, weight), in order


def save_category(edition: AwardEdition, category: AwardCategory | None, data: CategoryInput, actor: User):
    now = utcnow()
    if edition.results_frozen_at is not None:
        raise AwardError(_l("The results are published: the edition can no longer change."), status=409)
    if data.eligible_until < data.eligible_from:
        raise AwardError(_l("The end of the eligibility period must come after its start."), field="eligible_until")
    if not data.criteria:
        raise AwardError(_l("Give the jury at least one criterion."), field="criteria")
    names = [name.casefold() for name, _weight in data.criteria]
    if len(set(names)) != len(names):
        raise AwardError(_l("Two criteria have the same name."), field="criteria")
    sectors = list(db.session.scalars(select(Sector).where(Sector.id.in_(data.sector_ids)))) if data.sector_ids else []
    if len(sectors) != len(set(data.sector_ids)):
        raise AwardError(_l("Unknown sector."), field="sectors")
    # A sector retired since the category listed it stays listed while kept; nobody adds it anew.
    kept_sector_ids = {sector.id for sector in category.sectors} if category is not None else set()
    if any(sector.retired_at is not None and sector.id not in kept_sector_ids for sector in sectors):
        raise AwardError(_l("This choice is no longer available. Reload the page."), field="sectors")
    creating = category is None
    if creating:
        position = db.session.scalar(
            select(func.coalesce(func.max(AwardCategory.position), -1) + 1).where(
                AwardCategory.edition_id == edition.id
            )
        )
        category = AwardCategory(edition=edition, position=position)
        db.session.add(category)
    old_criteria = [(item.name, item.weight) for item in category.criteria]
    if old_criteria != list(data.criteria) and not creating and now >= edition.jury_open_at:
        raise AwardError(_l("The jury has started: its criteria can no longer change."), field="criteria", status=409)
    category.name = data.name
    category.description = data.description
    category.eligible_from = data.eligible_from
    category.eligible_until = data.eligible_until
    category.sectors = sectors
    if old_criteria != list(data.criteria):
        category.criteria.clear()
        db.session.flush()
        category.criteria.extend(
            Criterion(position=index, name=name, weight=weight) for index, (name, weight) in enumerate(data.criteria)
        )
    db.session.flush()
    audit.record(
        actor,
        "award.category.created" if creating else "award.category.changed",
        edition.scope,
        category.name,
        category_id=category.id,
        criteria=[list(item) for item in data.criteria],
        eligible=[data.eligible_from.isoformat(), data.eligible_until.isoformat()],
        sectors=sorted(data.sector_ids),
    )
    return category


# -- nominations -----------------------------------------------------------------------------------


def eligibility_problem(case: CaseStudy, category: AwardCategory):
    """Why the case cannot enter the category (a message), or None when its rules allow it."""
    if case.status != Status.PUBLISHED or case.published_at is None:
        return _l("Only published case studies can be entered.")
    published_on = case.published_at.astimezone(ROME).date()
    if not category.eligible_from <= published_on <= category.eligible_until:
        return _l(
            "This category takes cases published between %(start)s and %(end)s.",
            start=category.eligible_from.strftime("%d/%m/%Y"),
            end=category.eligible_until.strftime("%d/%m/%Y"),
        )
    if category.sectors and case.sector_id not in {sector.id for sector in category.sectors}:
        return _l("This category is open only to some sectors, and this case is from another one.")
    return None


def _require_member(user) -> None:
    if not is_active_member(user):
        raise AwardError(_l("Your account is suspended: you cannot take part in the awards."), status=403)


def _require_nominations_open(edition: AwardEdition) -> None:
    if not Timeline.of(edition).nominations_open(utcnow()):
        raise AwardError(_l("Nominations are not open."), status=409)


def _take_slot(nomination: Nomination, edition: AwardEdition) -> None:
    """Give an entered nomination one of the case's N slots in the edition, or refuse."""
    used = set(
        db.session.scalars(
            select(Nomination.slot).where(
                Nomination.edition_id == edition.id,
                Nomination.case_id == nomination.case_id,
                Nomination.slot.is_not(None),
            )
        )
    )
    free = [slot for slot in range(edition.max_entries_per_case) if slot not in used]
    if not free:
        raise AwardError(
            lazy_ngettext(
                "This case is already entered in %(num)d category, the most allowed.",
                "This case is already entered in %(num)d categories, the most allowed.",
                len(used),
            ),
            status=409,
        )
    db.session.flush()  # anything pending goes out now, so that only the slot is written inside the savepoint
    try:
        # The changes are made inside the savepoint: begin_nested() flushes what is pending *before* it
        # starts, so a violation there would not be rolled back to the savepoint but spoil the transaction.
        with db.session.begin_nested():
            nomination.slot = free[0]
            nomination.status = NominationStatus.ENTERED.value
            nomination.entered_at = utcnow()
    except IntegrityError:
        message = _l("Another entry of this case was recorded at the same moment: try again.")
        raise AwardError(message, status=409) from None


def nominate(category: AwardCategory, case: CaseStudy, user: User, statement: str = "") -> Nomination:
    """An author enters their case (it counts at once); anyone else proposes it to its authors."""
    edition = category.edition
    _require_member(user)
    _require_nominations_open(edition)
    if not case_services.can_view(case, user):
        raise AwardError(_l("No such case study."), field="case", status=404)
    problem = eligibility_problem(case, category)
    if problem is not None:
        raise AwardError(problem, field="case")
    is_author = user.id in case.author_ids
    existing = db.session.scalar(
        select(Nomination).where(Nomination.category_id == category.id, Nomination.case_id == case.id)
    )
    if existing is not None:
        if existing.status == NominationStatus.PROPOSED and is_author:
            accept(existing, user)
            return existing
        if existing.status in (NominationStatus.ENTERED, NominationStatus.PROPOSED):
            raise AwardError(_l("This case is already nominated in this category."), field="case", status=409)
        nomination = existing  # declined or withdrawn earlier: nominated again
        nomination.nominated_by_id = user.id
        nomination.created_at = utcnow()
    else:
        # The ids, not only the relationships: _take_slot queries by case_id before any flush.
        nomination = Nomination(
            edition_id=edition.id,
            category_id=category.id,
            case_id=case.id,
            category=category,
            case=case,
            nominated_by_id=user.id,
        )
        try:
            with db.session.begin_nested():  # the INSERT inside the savepoint (see _take_slot)
                db.session.add(nomination)
        except IntegrityError:
            raise AwardError(_l("This case is already nominated in this category."), field="case", status=409) from None
    nomination.statement = statement
    nomination.eligibility = Eligibility.UNCHECKED.value
    nomination.status = NominationStatus.PROPOSED.value
    if is_author:
        nomination.accepted_by_id = user.id
        _take_slot(nomination, edition)
    else:
        db.session.flush()
        _tell_authors_of_proposal(nomination, user)
    return nomination


def _tell_authors_of_proposal(nomination: Nomination, proposer: User) -> None:
    url = external_url("awards.edition", edition_id=nomination.edition_id, _anchor="my-nominations")
    for author in nomination.case.authors:
        recipient = author.user
        if recipient.id == proposer.id or not recipient.is_active:
            continue
        send_template(
            recipient.email,
            "award_proposed",
            _l("Your case study has been nominated for an award"),
            locale=recipient.locale,
            user=recipient,
            proposer=proposer,
            nomination=nomination,
            url=url,
        )


def _require_author(nomination: Nomination, user) -> None:
    _require_member(user)
    if user.id not in nomination.case.author_ids:
        raise AwardError(_l("Only the authors of the case can do this."), status=403)


def accept(nomination: Nomination, user: User) -> None:
    _require_author(nomination, user)
    _require_nominations_open(nomination.category.edition)
    if nomination.status != NominationStatus.PROPOSED:
        raise AwardError(_l("This nomination is not waiting for an answer."), status=409)
    problem = eligibility_problem(nomination.case, nomination.category)
    if problem is not None:
        raise AwardError(problem)
    nomination.accepted_by_id = user.id
    _take_slot(nomination, nomination.category.edition)


def decline(nomination: Nomination, user: User) -> None:
    _require_author(nomination, user)
    if nomination.status != NominationStatus.PROPOSED:
        raise AwardError(_l("This nomination is not waiting for an answer."), status=409)
    nomination.status = NominationStatus.DECLINED.value
    db.session.flush()


def withdraw(nomination: Nomination, user: User) -> None:
    _require_author(nomination, user)
    _require_nominations_open(nomination.category.edition)
    if nomination.status != NominationStatus.ENTERED:
        raise AwardError(_l("This case is not entered in the category."), status=409)
    nomination.status = NominationStatus.WITHDRAWN.value
    nomination.slot = None
    nomination.finalist = False
    db.session.flush()


def nominations_for_user(edition: AwardEdition, user) -> list[Nomination]:
    """The nominations of the user's own cases, and those they proposed."""
    if not is_active_member(user):
        return []
    own_cases = select(CaseAuthor.case_id).where(CaseAuthor.user_id == user.id)
    return list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.edition_id == edition.id,
                (Nomination.case_id.in_(own_cases)) | (Nomination.nominated_by_id == user.id),
            )
            .options(
                joinedload(Nomination.case).selectinload(CaseStudy.authors),  # author_ids, for the actions
                joinedload(Nomination.category),
            )
            .order_by(Nomination.created_at.desc())
        ).unique()
    )


def enterable_cases(edition: AwardEdition, user) -> list[CaseStudy]:
    """The user's published cases, the ones they would most likely enter."""
    if not is_active_member(user):
        return []
    return list(
        db.session.scalars(
            select(CaseStudy)
            .join(CaseAuthor, CaseAuthor.case_id == CaseStudy.id)
            .where(CaseAuthor.user_id == user.id, CaseStudy.status == Status.PUBLISHED)
            .order_by(CaseStudy.published_at.desc())
            .limit(50)
        )
    )


def category_nominations(category: AwardCategory) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.category_id == category.id)
            .options(
                joinedload(Nomination.case).selectinload(CaseStudy.authors).joinedload(CaseAuthor.user),
                joinedload(Nomination.case).joinedload(CaseStudy.sector),
                joinedload(Nomination.nominated_by),
            )
            .order_by(Nomination.finalist.desc(), Nomination.created_at)
        ).unique()
    )


def finalists(category: AwardCategory) -> list[Nomination]:
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.category_id == category.id, Nomination.finalist.is_(True))
            .options(
                joinedload(Nomination.case).selectinload(CaseStudy.authors).joinedload(CaseAuthor.user),
                joinedload(Nomination.case).joinedload(CaseStudy.sector),
            )
            .order_by(Nomination.case_id)
        ).unique()
    )


def announced_finalists(category: AwardCategory, viewer) -> list[Nomination]:
    """Finalists are announced when they are fixed, that is when judging or voting starts;
    organisers see them as they are being chosen."""
    if is_active_organiser(viewer) or not Timeline.of(category.edition).finalists_editable(utcnow()):
        return finalists(category)
    return []


def set_eligibility(nomination: Nomination, actor: User, eligibility: str, note: str | None) -> None:
    edition = nomination.category.edition
    if eligibility not in {item.value for item in Eligibility}:
        raise AwardError(_l("Unknown decision."))
    if nomination.status != NominationStatus.ENTERED:
        raise AwardError(_l("Only entered cases are checked."), status=409)
    if nomination.finalist and not Timeline.of(edition).finalists_editable(utcnow()):
        raise AwardError(_l("Finalists are fixed once judging or voting has started."), status=409)
    if eligibility == Eligibility.INELIGIBLE and not note:
        raise AwardError(_l("Say why the case is not eligible: the authors will read it."), field="note")
    nomination.eligibility = eligibility
    nomination.eligibility_note = note or None
    if eligibility != Eligibility.ELIGIBLE:
        nomination.finalist = False
    db.session.flush()
    audit.record(
        actor,
        "award.eligibility",
        edition.scope,
        nomination.case.title,
        nomination_id=nomination.id,
        category_id=nomination.category_id,
        eligibility=eligibility,
        note=note,
    )


def set_finalists(category: AwardCategory, actor: User, nomination_ids: set[int]) -> None:
    edition = category.edition
    now = utcnow()
    if now < edition.nominations_close_at:
        raise AwardError(_l("Finalists are chosen once the nominations have closed."), status=409)
    if not Timeline.of(edition).finalists_editable(now):
        raise AwardError(_l("Finalists are fixed once judging or voting has started."), status=409)
    nominations = {item.id: item for item in category_nominations(category)}
    unknown = nomination_ids - nominations.keys()
    if unknown:
        raise AwardError(_l("Unknown nomination."))
    for nomination_id in nomination_ids:
        item = nominations[nomination_id]
        if item.status != NominationStatus.ENTERED or item.eligibility != Eligibility.ELIGIBLE:
            raise AwardError(
                _l("“%(title)s” is not an eligible entry: check it first.", title=item.case.title), status=409
            )
    for item in nominations.values():
        item.finalist = item.id in nomination_ids
    db.session.flush()
    audit.record(
        actor,
        "award.finalists",
        edition.scope,
        category.name,
        category_id=category.id,
        finalists=sorted(nominations[item].case_id for item in nomination_ids),
    )


# -- the jury --------------------------------------------------------------------------------------


def jurors(category: AwardCategory) -> list[Juror]:
    return list(
        db.session.scalars(
            select(Juror)
            .where(Juror.category_id == category.id)
            .options(joinedload(Juror.user))
            .order_by(Juror.assigned_at, Juror.user_id)
        )
    )


def is_juror(category: AwardCategory, user) -> bool:
    if not is_active_member(user):
        return False
    return db.session.get(Juror, (category.id, user.id)) is not None


def jury_categories(edition: AwardEdition, user) -> list[AwardCategory]:
    """The edition's categories on whose jury the user sits (one query, whatever the number of categories)."""
    if not is_active_member(user):
        return []
    ids = set(
        db.session.scalars(
            select(Juror.category_id).where(
                Juror.user_id == user.id, Juror.category_id.in_([category.id for category in edition.categories])
            )
        )
    )
    return [category for category in edition.categories if category.id in ids]


def set_jurors(category: AwardCategory, actor: User, emails: list[str]) -> None:
    edition = category.edition
    if utcnow() >= edition.jury_close_at:
        raise AwardError(_l("The jury has closed: its members can no longer change."), status=409)
    wanted = {email.strip().lower() for email in emails if email.strip()}
    users = list(db.session.scalars(select(User).where(User.email.in_(wanted)))) if wanted else []
    found = {user.email for user in users}
    missing = sorted(wanted - found)
    if missing:
        raise AwardError(_l("No member has the address %(email)s.", email=missing[0]), field="emails")
    inactive = [user.email for user in users if not user.is_active or not user.is_verified]
    if inactive:
        raise AwardError(
            _l("%(email)s cannot be a juror: the account is not active.", email=inactive[0]), field="emails"
        )
    current = {juror.user_id: juror for juror in jurors(category)}
    wanted_ids = {user.id for user in users}
    removed = [juror.user.email for user_id, juror in current.items() if user_id not in wanted_ids]
    for user_id, juror in current.items():
        if user_id not in wanted_ids:
            db.session.delete(juror)
    added = []
    for user in users:
        if user.id not in current:
            db.session.add(Juror(category_id=category.id, user_id=user.id))
            added.append(user.email)
    db.session.flush()
    if added or removed:
        audit.record(
            actor, "award.jurors", edition.scope, category.name, category_id=category.id, added=added, removed=removed
        )


def _normalise_organisation(name: str | None) -> str:
    return " ".join((name or "").casefold().replace(".", " ").split())


@dataclass
class Recusal:
    juror: User
    nomination: Nomination
    reason: str  # author, organisation, declared
    note: str | None = None


def recusals(category: AwardCategory, nominations: list[Nomination] | None = None) -> list[Recusal]:
    """Every juror-finalist pair that must not count: automatic ones first, then the declared ones."""
    nominations = finalists(category) if nominations is None else nominations
    category_jurors = jurors(category)
    if not nominations or not category_jurors:
        return []
    organisations = dict(
        db.session.execute(
            select(Profile.user_id, Profile.organisation).where(
                Profile.user_id.in_([juror.user_id for juror in category_jurors])
            )
        ).all()
    )
    declared = {
        (row.nomination_id, row.user_id): row.reason
        for row in db.session.scalars(
            select(DeclaredConflict).where(DeclaredConflict.nomination_id.in_([item.id for item in nominations]))
        )
    }
    found = []
    for juror in category_jurors:
        own_organisation = _normalise_organisation(organisations.get(juror.user_id))
        for nomination in nominations:
            if juror.user_id in nomination.case.author_ids:
                found.append(Recusal(juror.user, nomination, "author"))
            elif own_organisation and own_organisation == _normalise_organisation(nomination.case.organisation):
                found.append(Recusal(juror.user, nomination, "organisation"))
            elif (nomination.id, juror.user_id) in declared:
                found.append(Recusal(juror.user, nomination, "declared", declared[(nomination.id, juror.user_id)]))
    return found


def recusal_reason(nomination: Nomination, user: User) -> str | None:
    for item in recusals(nomination.category, [nomination]):
        if item.juror.id == user.id:
            return item.reason
    return None


def _require_juror(category: AwardCategory, user) -> None:
    _require_member(user)
    if not is_juror(category, user):
        raise AwardError(_l("You are not on the jury of this category."), status=403)


def _finalist_or_refuse(nomination: Nomination) -> None:
    if not nomination.finalist:
        raise AwardError(_l("This case is not a finalist."), status=404)


def declare_conflict(nomination: Nomination, user: User, reason: str) -> None:
    category = nomination.category
    _require_juror(category, user)
    _finalist_or_refuse(nomination)
    if utcnow() >= category.edition.jury_close_at:
        raise AwardError(_l("The jury has closed."), status=409)
    if not reason:
        raise AwardError(_l("Say briefly what the conflict is: only organisers read it."), field="reason")
    if db.session.get(DeclaredConflict, (nomination.id, user.id)) is None:
        db.session.add(DeclaredConflict(nomination_id=nomination.id, user_id=user.id, reason=reason))
    # Scores given before the declaration must not count.
    db.session.execute(delete(Review).where(Review.nomination_id == nomination.id, Review.juror_id == user.id))
    db.session.flush()


def submit_scores(nomination: Nomination, user: User, values: dict[int, int], comment: str) -> Review:
    category = nomination.category
    _require_juror(category, user)
    _finalist_or_refuse(nomination)
    if not Timeline.of(category.edition).jury_open(utcnow()):
        raise AwardError(_l("The jury is not in session: scores are accepted only inside its window."), status=409)
    reason = recusal_reason(nomination, user)
    if reason is not None:
        raise AwardError(_l("You are recused from this finalist: your scores would not count."), status=403)
    criteria = {criterion.id for criterion in category.criteria}
    if set(values) != criteria:
        raise AwardError(_l("Score every criterion."))
    if any(not isinstance(value, int) or not 1 <= value <= 10 for value in values.values()):
        raise AwardError(_l("Scores go from 1 to 10."))
    review = db.session.scalar(select(Review).where(Review.nomination_id == nomination.id, Review.juror_id == user.id))
    try:
        # The writes happen inside the savepoint (see cast_ballot): a second sheet racing this one is
        # refused with the message below instead of spoiling the transaction.
        with db.session.begin_nested():
            if review is None:
                review = Review(nomination_id=nomination.id, juror_id=user.id)
                db.session.add(review)
            review.comment = comment
            review.updated_at = utcnow()
            existing = {score.criterion_id: score for score in review.scores}
            for criterion_id, value in values.items():
                if criterion_id in existing:
                    existing[criterion_id].value = value
                else:
                    review.scores.append(Score(criterion_id=criterion_id, value=value))
    except IntegrityError:
        raise AwardError(_l("Your scores were being saved by another request: reload the page."), status=409) from None
    return review


def reviews_by(category: AwardCategory, user: User) -> dict[int, Review]:
    """The juror's own reviews in the category, by nomination id (they never see anyone else's)."""
    rows = db.session.scalars(
        select(Review)
        .join(Nomination, Nomination.id == Review.nomination_id)
        .where(Nomination.category_id == category.id, Review.juror_id == user.id)
        .options(selectinload(Review.scores))
    )
    return {review.nomination_id: review for review in rows}


def _counted_sheets(category: AwardCategory, nominations: list[Nomination]) -> list[tallying.ScoreSheet]:
    """Complete reviews by the category's current jurors, minus every recusal."""
    excluded = {(item.juror.id, item.nomination.id) for item in recusals(category, nominations)}
    juror_ids = {juror.user_id for juror in jurors(category)}
    criteria = {criterion.id for criterion in category.criteria}
    by_id = {item.id: item for item in nominations}
    reviews = db.session.scalars(
        select(Review)
        .where(Review.nomination_id.in_(list(by_id)))
        .options(selectinload(Review.scores))
        .order_by(Review.id)
    )
    sheets = []
    for review in reviews:
        scores = {score.criterion_id: score.value for score in review.scores}
        if review.juror_id not in juror_ids or (review.juror_id, review.nomination_id) in excluded:
            continue
        if set(scores) != criteria:
            continue
        sheets.append(tallying.ScoreSheet(review.juror_id, by_id[review.nomination_id].case_id, scores))
    return sheets


@dataclass
class JuryReport:
    standings: list[tallying.JuryStanding]
    progress: list[tuple[User, int, int]]  # juror, finalists scored, finalists to score
    recusals: list[Recusal]


def jury_report(category: AwardCategory) -> JuryReport:
    nominations = finalists(category)
    weights = {criterion.id: criterion.weight for criterion in category.criteria}
    sheets = _counted_sheets(category, nominations)
    standings = tallying.jury_standings([item.case_id for item in nominations], sheets, weights)
    found = recusals(category, nominations)
    recused = {}
    for item in found:
        recused[item.juror.id] = recused.get(item.juror.id, 0) + 1
    scored = {}
    for sheet in sheets:
        scored[sheet.juror] = scored.get(sheet.juror, 0) + 1
    progress = [
        (juror.user, scored.get(juror.user_id, 0), len(nominations) - recused.get(juror.user_id, 0))
        for juror in jurors(category)
    ]
    return JuryReport(standings, progress, found)


# -- the member vote -------------------------------------------------------------------------------


def _secret() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return secret.encode() if isinstance(secret, str) else secret


def voter_key(category_id: int, user_id: int) -> str:
    """A keyed hash naming the member's ballot row without naming the member."""
    secret = _secret()
    return hmac.new(secret, f"ballot:{category_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def origin_key(category_id: int, user_id: int) -> str:
    """Another keyed hash of (category, member), different from voter_key: a vote's origin row and
    its ballot row share nothing."""
    return hmac.new(_secret(), f"origin:{category_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def _record_vote_origin(category: AwardCategory, user, first_choice_id: int) -> None:
    key = origin_key(category.id, user.id)
    origin = db.session.scalar(
        select(VoteOrigin).where(VoteOrigin.category_id == category.id, VoteOrigin.origin_key == key)
    )
    if origin is None:
        origin = VoteOrigin(category_id=category.id, origin_key=key)
        db.session.add(origin)
    profile = getattr(user, "profile", None)
    origin.voter_sector_id = profile.sector_id if profile is not None else None
    origin.voter_function_id = profile.function_id if profile is not None else None
    origin.first_choice_id = first_choice_id
    today = to_rome(utcnow())
    origin.month_start = as_utc(datetime(today.year, today.month, 1, tzinfo=ROME))


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(normalise_receipt(receipt).encode()).hexdigest()


def normalise_receipt(receipt: str) -> str:
    return "".join(character for character in receipt.upper() if character.isalnum())


def fingerprint(ballot_receipt_hash: str) -> str:
    """The part of the receipt's hash that the published ballot list shows: enough to find one's ballot."""
    return ballot_receipt_hash[:12]


def _new_receipt() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(code[index : index + 4] for index in range(0, 16, 4))


def ballot_options(category: AwardCategory, user, nominations: list[Nomination] | None = None) -> list[Nomination]:
    """The finalists the member may rank: all of them but the cases they wrote."""
    nominations = finalists(category) if nominations is None else nominations
    user_id = getattr(user, "id", None)
    return [item for item in nominations if user_id not in item.case.author_ids]


def my_ballot(category: AwardCategory, user) -> Ballot | None:
    if not is_active_member(user):
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.category_id == category.id, Ballot.voter_key == voter_key(category.id, user.id))
    )


BALLOT_REASONS = {
    "empty": _l("Rank at least one finalist."),
    "repeated": _l("Each finalist can have only one place, and each place only one finalist."),
    "unknown": _l("Your ranking names a case that is not a finalist of this category."),
}


def cast_ballot(category: AwardCategory, user, ranking: list) -> str:
    """Record (or replace) the member's ranking; returns the new receipt code, shown only once."""
    _require_member(user)
    if not Timeline.of(category.edition).vote_open(utcnow()):
        raise AwardError(_l("The member vote is not open."), status=409)
    nominations = finalists(category)
    own = {item.case_id for item in nominations if user.id in item.case.author_ids}
    if any(entry in own for entry in ranking):
        raise AwardError(_l("You cannot rank a case you wrote."), status=403)
    allowed = {item.case_id for item in ballot_options(category, user, nominations)}
    try:
        ranking = tallying.validate_ballot(ranking, allowed)
    except tallying.BallotInvalid as error:
        raise AwardError(BALLOT_REASONS[error.reason]) from None
    receipt = _new_receipt()
    key = voter_key(category.id, user.id)
    ballot = db.session.scalar(select(Ballot).where(Ballot.category_id == category.id, Ballot.voter_key == key))
    try:
        # The writes happen inside the savepoint: begin_nested() flushes what is pending *before* it
        # starts, so an INSERT made pending outside would fail outside the savepoint and spoil the
        # whole transaction (an error page instead of the 409 below).
        with db.session.begin_nested():
            if ballot is None:
                ballot = Ballot(category_id=category.id, voter_key=key)
                db.session.add(ballot)
            ballot.ranking = ranking
            ballot.receipt_hash = receipt_hash(receipt)
            ballot.cast_at = utcnow()
            _record_vote_origin(category, user, ranking[0])
    except IntegrityError:
        # Two casts by the same member at the same moment: the database kept one, this one changes nothing.
        raise AwardError(
            _l("Your ballot was being recorded by another request at the same moment: reload the page to see it."),
            status=409,
        ) from None
    return receipt


def turnout(category: AwardCategory) -> tuple[int, int]:
    """(ballots cast, members who may vote): counts only, never who."""
    ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.category_id == category.id))
    return ballots or 0, active_member_count()


def active_member_count(joined_before: datetime | None = None) -> int:
    statement = (
        select(func.count())
        .select_from(User)
        .where(User.suspended_at.is_(None), User.deleted_at.is_(None), User.email_verified_at.is_not(None))
    )
    if joined_before is not None:
        statement = statement.where(User.created_at < joined_before)
    return db.session.scalar(statement)


def turnouts(edition: AwardEdition) -> dict[int, int]:
    rows = db.session.execute(
        select(Ballot.category_id, func.count())
        .where(Ballot.category_id.in_([category.id for category in edition.categories]))
        .group_by(Ballot.category_id)
    ).all()
    return dict(rows)


# -- results ---------------------------------------------------------------------------------------


def counted_ballots(category: AwardCategory) -> list[Ballot]:
    return list(
        db.session.scalars(select(Ballot).where(Ballot.category_id == category.id).order_by(Ballot.receipt_hash))
    )


def compute_tally(category: AwardCategory) -> tallying.CategoryTally:
    nominations = finalists(category)
    candidates = [item.case_id for item in nominations]
    ballots = [list(ballot.ranking) for ballot in counted_ballots(category)]
    weights = {criterion.id: criterion.weight for criterion in category.criteria}
    sheets = _counted_sheets(category, nominations)
    return tallying.tally(candidates, ballots, sheets, weights, jury_weight=category.edition.jury_weight / 100)


def publish_results(edition: AwardEdition, actor: User | None, now: datetime | None = None) -> None:
    """Freeze every category's tally and make the results public (now, or at the planned time if later).

    An organiser may publish as soon as jury and vote have closed; the scheduler does it at the planned
    time. Frozen results never change.
    """
    now = now or utcnow()
    if edition.results_frozen_at is not None:
        raise AwardError(_l("The results are already published."), status=409)
    if not Timeline.of(edition).closed(now):
        raise AwardError(_l("The results can be published once the jury and the vote have closed."), status=409)
    # Claim the edition with a conditional update: of two publishers at once (an organiser and the
    # scheduler, or two schedulers) exactly one changes the row; the other stops here.
    claimed = db.session.execute(
        update(AwardEdition)
        .where(AwardEdition.id == edition.id, AwardEdition.results_frozen_at.is_(None))
        .values(results_frozen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AwardError(_l("The results are already published."), status=409)
    # Turnout is measured against the members who could vote when the vote closed.
    voters = active_member_count(joined_before=edition.vote_close_at)
    for category in edition.categories:
        result = compute_tally(category)
        # The public scores are frozen with the tally: a juror who later changes organisation must not
        # change what was counted.
        category.tally = {**result.as_dict(), "scores": [list(row) for row in score_rows(category)]}
        category.eligible_voters = voters
        db.session.execute(delete(AwardResult).where(AwardResult.category_id == category.id))
        for standing in result.final:
            db.session.add(
                AwardResult(
                    category_id=category.id,
                    case_id=standing.candidate,
                    rank=standing.rank,
                    points=standing.points,
                    winner=standing.candidate == result.winner,
                )
            )
    planned = edition.results_at
    if actor is not None and edition.results_at > now:
        edition.results_at = now
    edition.results_frozen_at = now
    db.session.flush()
    audit.record(
        actor,
        "award.results.published",
        edition.scope,
        edition.title,
        planned=planned.isoformat(),
        visible_from=edition.results_at.isoformat(),
        by="organiser" if actor is not None else "scheduler",
    ).created_at = now


def publish_due_results() -> int:
    """The scheduled job: publish every edition whose results time has come. Idempotent."""
    now = utcnow()
    due = db.session.scalars(
        select(AwardEdition).where(AwardEdition.results_frozen_at.is_(None), AwardEdition.results_at <= now)
    ).all()
    published = 0
    for edition in due:
        if not Timeline.of(edition).closed(now):
            continue
        try:
            publish_results(edition, None, now)
        except AwardError:
            db.session.rollback()  # published meanwhile by someone else
            continue
        db.session.commit()
        published += 1
    return published


def _visible_results_condition(now: datetime):
    return AwardEdition.results_frozen_at.is_not(None) & (AwardEdition.results_at <= now) & _public_editions_condition()


@dataclass
class Honour:
    case_id: int
    winner: bool
    category: AwardCategory
    edition: AwardEdition


def honours_for_cases(case_ids: list[int]) -> dict[int, list[Honour]]:
    """Published places (winner or finalist) by case: what badges show. Nothing before publication."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        select(AwardResult, AwardCategory, AwardEdition)
        .join(AwardCategory, AwardCategory.id == AwardResult.category_id)
        .join(AwardEdition, AwardEdition.id == AwardCategory.edition_id)
        .where(AwardResult.case_id.in_(case_ids), _visible_results_condition(utcnow()))
        .order_by(AwardResult.winner.desc(), AwardEdition.results_at.desc(), AwardResult.rank)
    ).all()
    found: dict[int, list[Honour]] = {}
    for result, category, edition in rows:
        found.setdefault(result.case_id, []).append(Honour(result.case_id, result.winner, category, edition))
    return found


def winning_case_ids_condition():
    """SQL: the ids of cases that won a published award (the case list's "award winners" filter)."""
    return (
        select(AwardResult.case_id)
        .join(AwardCategory, AwardCategory.id == AwardResult.category_id)
        .join(AwardEdition, AwardEdition.id == AwardCategory.edition_id)
        .where(AwardResult.winner.is_(True), _visible_results_condition(utcnow()))
    )


def find_ballot_by_receipt(edition: AwardEdition, receipt: str) -> Ballot | None:
    if not normalise_receipt(receipt):
        return None
    return db.session.scalar(
        select(Ballot)
        .join(AwardCategory, AwardCategory.id == Ballot.category_id)
        .where(AwardCategory.edition_id == edition.id, Ballot.receipt_hash == receipt_hash(receipt))
    )


def score_rows(category: AwardCategory) -> list[tuple[str, int, str, int]]:
    """(anonymous juror, case id, criterion, score) for every counted score, for the public CSV.

    Once the results are frozen, the rows frozen with them.
    """
    if category.tally is not None and "scores" in category.tally:
        return [tuple(row) for row in category.tally["scores"]]
    nominations = finalists(category)
    sheets = _counted_sheets(category, nominations)
    labels = anonymous_jurors(category.id, [sheet.juror for sheet in sheets])
    names = {criterion.id: criterion.name for criterion in category.criteria}
    rows = []
    for sheet in sorted(sheets, key=lambda item: (labels[item.juror], item.candidate)):
        for criterion in category.criteria:
            rows.append((labels[sheet.juror], sheet.candidate, names[criterion.id], sheet.scores[criterion.id]))
    return rows


def anonymous_jurors(category_id: int, juror_ids: list[int]) -> dict[int, str]:
    """Labels J1, J2... in an order keyed by the secret, so neither the order nor the label names anyone."""
    secret = _secret()

    def order(juror: int) -> str:
        return hmac.new(secret, f"juror:{category_id}:{juror}".encode(), hashlib.sha256).hexdigest()

    ordered = sorted(set(juror_ids), key=order)
    return {juror: f"J{index}" for index, juror in enumerate(ordered, start=1)}


def certificate_nomination(category: AwardCategory, case_id: int, user) -> tuple[Nomination, AwardResult]:
    """The finalist and its place, if `user` may have its certificate (an author, or an organiser)."""
    result = db.session.get(AwardResult, (category.id, case_id))
    if result is None or not results_visible(category.edition):
        raise AwardError(_l("No certificate here."), status=404)
    nomination = db.session.scalar(
        select(Nomination).where(Nomination.category_id == category.id, Nomination.case_id == case_id)
    )
    if not (is_active_organiser(user) or (is_active_member(user) and user.id in nomination.case.author_ids)):
        raise AwardError(_l("Certificates are for the authors of the case."), status=403)
    return nomination, result


# -- what other domains show -----------------------------------------------------------------------


@dataclass
class EditionCard:
    edition: AwardEdition
    phase: Phase
    extra: dict = field(default_factory=dict)


def nav_item():
    return {"endpoint": "awards.index", "label": _l("Awards"), "badge": 0, "user_links": []}


def home_section():
    from flask_login import current_user

    now = utcnow()
    editions = [
        edition
        for edition in visible_editions(current_user)
        if edition.published and current_phase(edition, now).key not in ("results", "announced")
    ]
    if not editions:
        return None
    return "awards/_home_section.html", {"cards": [EditionCard(item, current_phase(item, now)) for item in editions]}


def profile_section(user: User):
    case_ids = list(db.session.scalars(select(CaseAuthor.case_id).where(CaseAuthor.user_id == user.id)))
    honours = [honour for items in honours_for_cases(case_ids).values() for honour in items]
    if not honours:
        return None
    cases = {case.id: case for case in db.session.scalars(select(CaseStudy).where(CaseStudy.id.in_(case_ids)))}
    return "awards/_profile_section.html", {"honours": honours, "cases": cases}


def case_section(case: CaseStudy):
    honours = honours_for_cases([case.id]).get(case.id, [])
    if not honours:
        return None
    return "awards/_case_badges.html", {"honours": honours}


def week_section(week: EventWeek):
    from flask_login import current_user

    editions = editions_of_week(week, current_user)
    if not editions:
        return None
    now = utcnow()
    return "awards/_week_section.html", {"cards": [EditionCard(item, current_phase(item, now)) for item in editions]}


def personal_data(user: User) -> dict:
    nominations = db.session.scalars(select(Nomination).where(Nomination.nominated_by_id == user.id)).all()
    reviews = db.session.scalars(select(Review).where(Review.juror_id == user.id).options(selectinload(Review.scores)))
    categories = db.session.scalars(select(AwardCategory.id)).all()
    keys = {voter_key(category_id, user.id): category_id for category_id in categories}
    voted = db.session.scalars(select(Ballot).where(Ballot.voter_key.in_(list(keys)))).all() if keys else []
    return {
        "award_nominations": [
            {"category_id": row.category_id, "case_id": row.case_id, "status": row.status} for row in nominations
        ],
        "award_jury_scores": [
            {
                "nomination_id": row.nomination_id,
                "comment": row.comment,
                "scores": {s.criterion_id: s.value for s in row.scores},
            }
            for row in reviews
        ],
        "award_ballots": [{"category_id": keys[row.voter_key], "ranking": row.ranking} for row in voted],
    }


def scheduled_jobs():
    return [("awards.publish_results", publish_due_results, {"trigger": "cron", "minute": "*/5"})]


@dataclass
class JuryProgress:
    category: AwardCategory
    done: int  # reviews counted
    expected: int  # juror-finalist pairs without a recusal


def jury_progress(now: datetime | None = None) -> list[JuryProgress]:
    """How far each jury whose window is open has got: a fixed number of queries however many
    categories, jurors and finalists there are (the organisers' dashboard reads it on every visit)."""
    now = now or utcnow()
    categories = list(
        db.session.scalars(
            select(AwardCategory)
            .join(AwardEdition, AwardEdition.id == AwardCategory.edition_id)
            .where(AwardEdition.jury_open_at <= now, AwardEdition.jury_close_at > now)
            .options(joinedload(AwardCategory.edition))
            .order_by(AwardEdition.jury_close_at, AwardCategory.position, AwardCategory.id)
        )
    )
    if not categories:
        return []
    category_ids = [category.id for category in categories]
    juror_rows = db.session.execute(
        select(Juror.category_id, Juror.user_id, Profile.organisation)
        .outerjoin(Profile, Profile.user_id == Juror.user_id)
        .where(Juror.category_id.in_(category_ids))
    ).all()
    finalist_rows = db.session.execute(
        select(Nomination.id, Nomination.category_id, Nomination.case_id, CaseStudy.organisation)
        .join(CaseStudy, CaseStudy.id == Nomination.case_id)
        .where(Nomination.category_id.in_(category_ids), Nomination.finalist.is_(True))
    ).all()
    case_ids = {row.case_id for row in finalist_rows}
    authors: dict[int, set[int]] = {}
    if case_ids:
        for case_id, user_id in db.session.execute(
            select(CaseAuthor.case_id, CaseAuthor.user_id).where(CaseAuthor.case_id.in_(case_ids))
        ):
            authors.setdefault(case_id, set()).add(user_id)
    nomination_ids = [row.id for row in finalist_rows]
    declared = set()
    reviewed = set()
    if nomination_ids:
        declared = set(
            db.session.execute(
                select(DeclaredConflict.nomination_id, DeclaredConflict.user_id).where(
                    DeclaredConflict.nomination_id.in_(nomination_ids)
                )
            ).all()
        )
        reviewed = set(
            db.session.execute(
                select(Review.nomination_id, Review.juror_id).where(Review.nomination_id.in_(nomination_ids))
            ).all()
        )
    progress = []
    for category in categories:
        done = expected = 0
        for juror in (row for row in juror_rows if row.category_id == category.id):
            own_organisation = _normalise_organisation(juror.organisation)
            for finalist in (row for row in finalist_rows if row.category_id == category.id):
                recused = (
                    juror.user_id in authors.get(finalist.case_id, set())
                    or (own_organisation and own_organisation == _normalise_organisation(finalist.organisation))
                    or (finalist.id, juror.user_id) in declared
                )
                if recused:
                    continue
                expected += 1
                done += (finalist.id, juror.user_id) in reviewed
        progress.append(JuryProgress(category, done, expected))
    return progress
