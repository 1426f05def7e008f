"""Member rules: profiles, what each viewer may see of them, the directory, export and deletion."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from club.accounts import passwords
from club.accounts.models import User
from club.accounts.services import AccountError, erase_account
from club.core import hooks
from club.core.models import Competence, Function, Sector
from club.core.timeutil import utcnow
from club.extensions import db
from club.members import avatars
from club.members.models import PRIVATE_FIELDS, Profile, Visibility, profile_competences

# Who is looking decides which fields show: each level sees its own and the ones below it.
ANONYMOUS, MEMBER, OWNER = "anonymous", "member", "owner"
_VISIBLE_TO = {
    ANONYMOUS: {Visibility.PUBLIC.value},
    MEMBER: {Visibility.PUBLIC.value, Visibility.MEMBERS.value},
    OWNER: {Visibility.PUBLIC.value, Visibility.MEMBERS.value, Visibility.PRIVATE.value},
}


def viewer_level(viewer, subject_id: int) -> str:
    if viewer is None or not viewer.is_authenticated:
        return ANONYMOUS
    if viewer.id == subject_id or viewer.is_organiser:
        return OWNER
    return MEMBER


def visible_values(user: User, profile: Profile | None, level: str) -> dict:
    """The private fields the viewer may see, with None for those hidden (a pure function)."""
    allowed = _VISIBLE_TO[level]
    values = {name: None for name in PRIVATE_FIELDS}
    if profile is None:
        if level == OWNER:
            values["email"] = user.email
        return values
    for name in PRIVATE_FIELDS:
        if getattr(profile, f"{name}_visibility") in allowed:
            values[name] = user.email if name == "email" else getattr(profile, name)
    return values


@dataclass
class MemberCard:
    """What a page shows of one member, already filtered for the viewer."""

    user: User
    profile: Profile | None
    fields: dict = field(default_factory=dict)

    @property
    def sector(self):
        return self.profile.sector if self.profile else None

    @property
    def function(self):
        return self.profile.function if self.profile else None

    @property
    def competences(self):
        return self.profile.competences if self.profile else []

    @property
    def avatar_filename(self):
        return self.profile.avatar_filename if self.profile else None


def card_for(user: User, viewer) -> MemberCard:
    profile = user.profile
    return MemberCard(user, profile, visible_values(user, profile, viewer_level(viewer, user.id)))


def listed_members():
    """Members the directory shows: verified, active, not deleted."""
    return (
        User.email_verified_at.is_not(None),
        User.suspended_at.is_(None),
        User.deleted_at.is_(None),
    )


def can_view_profile(user: User, viewer) -> bool:
    if user.is_deleted:
        return False
    if viewer is not None and viewer.is_authenticated and (viewer.id == user.id or viewer.is_organiser):
        return True
    return user.is_active and user.is_verified


def directory_query(
    viewer, *, q: str | None, sector_id: int | None, function_id: int | None, competence_id: int | None
):
    """The directory's select: filtered, sorted by name, eager-loading what each card shows."""
    statement = (
        select(User)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(*listed_members())
        .options(
            contains_eager(User.profile).joinedload(Profile.sector),
            contains_eager(User.profile).joinedload(Profile.function),
            contains_eager(User.profile).selectinload(Profile.competences),
        )
        .order_by(func.lower(User.display_name), User.id)
    )
    if q:
        pattern = f"%{_escape_like(q.lower())}%"
        visible = list(_VISIBLE_TO[MEMBER])
        organisation_matches = func.lower(Profile.organisation).like(
            pattern, escape="\\"
        ) & Profile.organisation_visibility.in_(visible)
        statement = statement.where(or_(func.lower(User.display_name).like(pattern, escape="\\"), organisation_matches))
    if sector_id:
        statement = statement.where(Profile.sector_id == sector_id)
    if function_id:
        statement = statement.where(Profile.function_id == function_id)
    if competence_id:
        statement = statement.where(
            exists().where(
                (profile_competences.c.user_id == User.id) & (profile_competences.c.competence_id == competence_id)
            )
        )
    return statement


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- editing ---------------------------------------------------------------------------------------


def get_profile_for_edit(user: User) -> Profile:
    """The member's profile, or a new unsaved one with the default visibility."""
    if user.profile is not None:
        return user.profile
    return Profile(
        user_id=user.id,
        links=[],
        organisation_visibility=Visibility.MEMBERS.value,
        job_title_visibility=Visibility.MEMBERS.value,
        bio_visibility=Visibility.MEMBERS.value,
        links_visibility=Visibility.MEMBERS.value,
        email_visibility=Visibility.PRIVATE.value,
    )


def _active_term(model, term_id, kept_id: int | None = None):
    """The chosen term: an active one, or the retired one the profile already carries (kept_id)."""
    if term_id in (None, ""):
        return None
    term = db.session.get(model, int(term_id))
    if term is None or (term.retired_at is not None and (term.id != kept_id or term.merged_into_id is not None)):
        raise AccountError(_l("This choice is no longer available. Reload the page."))
    return term


def save_profile(user: User, data: dict) -> Profile:
    profile = get_profile_for_edit(user)
    user.display_name = data["display_name"]
    user.locale = data["locale"]
    profile.organisation = data.get("organisation") or None
    profile.job_title = data.get("job_title") or None
    profile.bio = data.get("bio") or None
    profile.links = list(data.get("links") or [])
    # A term retired since the member chose it stays theirs while they keep it; nobody picks it anew.
    profile.sector = _active_term(Sector, data.get("sector"), profile.sector_id)
    profile.function = _active_term(Function, data.get("function"), profile.function_id)
    kept_competence_ids = [term.id for term in profile.competences]
    competence_ids = sorted({int(value) for value in data.get("competences") or []})
    competences = (
        db.session.scalars(
            select(Competence).where(
                Competence.id.in_(competence_ids),
                or_(
                    Competence.retired_at.is_(None),
                    Competence.id.in_(kept_competence_ids) & Competence.merged_into_id.is_(None),
                ),
            )
        ).all()
        if competence_ids
        else []
    )
    if len(competences) != len(competence_ids):
        raise AccountError(_l("This choice is no longer available. Reload the page."))
    profile.competences = list(competences)
    for name in PRIVATE_FIELDS:
        setattr(profile, f"{name}_visibility", Visibility(data[f"{name}_visibility"]).value)
    if profile.user is None:
        profile.user = user
        db.session.add(profile)
    db.session.flush()
    return profile


def set_avatar(user: User, stream, max_bytes: int) -> None:
    image = avatars.process(stream, max_bytes)
    profile = get_profile_for_edit(user)
    if profile.user is None:
        profile.user = user
        db.session.add(profile)
    old = profile.avatar_filename
    profile.avatar_filename = avatars.store(user.id, image)
    db.session.flush()
    avatars.remove(old)


def remove_avatar(user: User) -> None:
    if user.profile is not None and user.profile.avatar_filename:
        old = user.profile.avatar_filename
        user.profile.avatar_filename = None
        db.session.flush()
        avatars.remove(old)


# -- personal data ---------------------------------------------------------------------------------


def _require_password(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError(_l("The password is not right."), field="password")


def _iso(moment):
    return moment.isoformat() if moment else None


def export_data(user: User, password: str) -> dict:
    """Everything the club keeps about the member, as plain data for a JSON download."""
    _require_password(user, password)
    profile = user.profile
    data = {
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "profile": None,
    }
    if profile is not None:
        data["profile"] = {
            "organisation": profile.organisation,
            "job_title": profile.job_title,
            "sector": profile.sector.slug if profile.sector else None,
            "function": profile.function.slug if profile.function else None,
            "competences": [term.slug for term in profile.competences],
            "bio": profile.bio,
            "links": profile.links or [],
            "visibility": {name: getattr(profile, f"{name}_visibility") for name in PRIVATE_FIELDS},
            "has_avatar": bool(profile.avatar_filename),
        }
    # Higher domains (case studies, events, awards...) add their share of the member's data.
    for section in hooks.collect("personal_data", user):
        data.update(section)
    return data


def delete_account(user: User, password: str) -> None:
    """Erase the member's personal data; what they wrote stays, signed "former member"."""
    _require_password(user, password)
    if user.is_admin:
        other_admins = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.id != user.id, User.deleted_at.is_(None))
        )
        if not other_admins:
            raise AccountError(
                _l("You are the only administrator: name another one before you delete your account."), status=409
            )
    hooks.collect("account_deleting", user)
    if user.profile is not None:
        avatars.remove(user.profile.avatar_filename)
        db.session.delete(user.profile)
    erase_account(user)


def home_section():
    """The home page's "who is in the club" strip: newest members and the club's spread."""
    newest = (
        db.session.scalars(
            select(User)
            .where(*listed_members())
            .options(joinedload(User.profile).joinedload(Profile.sector))
            .order_by(User.created_at.desc(), User.id.desc())
            .limit(8)
        )
        .unique()
        .all()
    )
    counts = db.session.execute(
        select(
            func.count(User.id),
            func.count(func.distinct(Profile.sector_id)),
            func.count(func.distinct(Profile.function_id)),
        )
        .select_from(User)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(*listed_members())
    ).one()
    return "members/_home_section.html", {
        "newest": newest,
        "member_count": counts[0],
        "sector_count": counts[1],
        "function_count": counts[2],
    }
