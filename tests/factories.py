"""Factory functions for tests: each returns the object it made, already committed.

They commit (unlike services, which only flush) so that what a test sets up is in the database when
the test client asks for a page: every request runs in its own app context and its own session.
They need an app context, which the `app` fixture pushes for the whole test.

    alice = make_member(sector="banking", competences=["analytics"])
    bob = make_organiser(display_name="Bob Rossi")
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from club.accounts.models import Role, User
from club.accounts.passwords import hash_password
from club.core.models import Competence, Function, Sector
from club.core.timeutil import utcnow
from club.extensions import db
from club.members.models import Profile

# Long, uncommon and free of any name or address, so it passes club.accounts.passwords.policy_errors.
DEFAULT_PASSWORD = "correct horse battery staple"

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def _hash(password: str) -> str:
    # Hashing costs little with the testing argon2 parameters, but many tests share one password:
    # remember its hash per app configuration.
    key = (
        password,
        current_app.config["ARGON2_TIME_COST"],
        current_app.config["ARGON2_MEMORY_COST"],
        current_app.config["ARGON2_PARALLELISM"],
    )
    if key not in _hash_cache:
        _hash_cache[key] = hash_password(password)
    return _hash_cache[key]


_hash_cache: dict[tuple, str] = {}


# -- taxonomy --------------------------------------------------------------------------------------


def _make_term(model, slug: str | None, name_it: str | None, name_en: str | None, retired: bool):
    number = _next()
    slug = slug or f"{model.__tablename__[:-1]}-{number}"
    label = slug.replace("-", " ").capitalize()
    term = model(
        slug=slug,
        name_it=name_it or f"{label} (it)",
        name_en=name_en or f"{label} (en)",
        retired_at=utcnow() if retired else None,
    )
    db.session.add(term)
    db.session.commit()
    return term


def make_sector(
    slug: str | None = None, name_it: str | None = None, name_en: str | None = None, *, retired: bool = False
) -> Sector:
    return _make_term(Sector, slug, name_it, name_en, retired)


def make_function(
    slug: str | None = None, name_it: str | None = None, name_en: str | None = None, *, retired: bool = False
) -> Function:
    return _make_term(Function, slug, name_it, name_en, retired)


def make_competence(
    slug: str | None = None, name_it: str | None = None, name_en: str | None = None, *, retired: bool = False
) -> Competence:
    return _make_term(Competence, slug, name_it, name_en, retired)


def _term(model, value, make):
    """A term given as an object, an id, or a slug (created when it does not exist yet)."""
    if value is None or isinstance(value, model):
        return value
    if isinstance(value, int):
        term = db.session.get(model, value)
        if term is None:
            raise LookupError(f"no {model.__name__} with id {value}")
        return term
    term = db.session.scalar(select(model).where(model.slug == value))
    return term if term is not None else make(value)


# -- people ----------------------------------------------------------------------------------------


def make_member(
    email: str | None = None,
    display_name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: str = "member",
    verified: bool = True,
    sector: Sector | str | int | None = None,
    function: Function | str | int | None = None,
    competences: Iterable[Competence | str | int] = (),
    organisation: str | None = None,
    *,
    locale: str | None = None,
    suspended: bool = False,
    profile: bool | None = None,
    **profile_fields,
) -> User:
    """A user who can sign in with `password`; with a Profile when any profile data is given.

    sector, function and competences accept objects, ids or slugs (missing slugs are created).
    profile_fields are Profile columns: job_title, bio, links, avatar_filename, *_visibility.
    profile=True makes an empty profile, profile=False none at all.
    """
    number = _next()
    user = User(
        email=(email or f"member{number}@example.com").lower(),
        display_name=display_name or f"Member {number}",
        password_hash=_hash(password),
        role=str(Role(role)),
        locale=locale,
        email_verified_at=utcnow() if verified else None,
        suspended_at=utcnow() if suspended else None,
        suspension_reason="Suspended by a test" if suspended else None,
    )
    db.session.add(user)
    competences = list(competences)
    wants_profile = (
        profile
        if profile is not None
        else bool(
            sector is not None or function is not None or competences or organisation is not None or profile_fields
        )
    )
    if wants_profile:
        db.session.flush()
        member_profile = Profile(
            user_id=user.id,
            organisation=organisation,
            sector=_term(Sector, sector, make_sector),
            function=_term(Function, function, make_function),
            competences=[_term(Competence, value, make_competence) for value in competences],
            **profile_fields,
        )
        db.session.add(member_profile)
    db.session.commit()
    return user


def make_organiser(email: str | None = None, display_name: str | None = None, **kwargs) -> User:
    return make_member(email, display_name, role="organiser", **kwargs)


def make_admin(email: str | None = None, display_name: str | None = None, **kwargs) -> User:
    return make_member(email, display_name, role="admin", **kwargs)
