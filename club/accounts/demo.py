"""Demo data of the accounts domain: one administrator and three organisers.

Every demo account shares DEMO_PASSWORD, hashed once per process (argon2 is slow on purpose) and
reused. Accounts are found or created by email: loading twice adds nothing and never changes an
account that already exists (its password, role or name may have been changed since).
Their profiles belong to the members domain (club.members.demo).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from club.accounts.models import Role, User
from club.accounts.passwords import hash_password
from club.core.timeutil import utcnow
from club.extensions import db

# Public on purpose (printed by `flask demo`): never load the demo on a site with real members.
DEMO_PASSWORD = "club-demo-2026-password"  # noqa: S105 - published with the demo, see above
DEMO_DOMAIN = "clubcx.example"

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
ADMIN_NAME = "Roberta Sala"

# (email, display name): organisers are members of the club who volunteer to run it.
ORGANISERS: list[tuple[str, str]] = [
    (f"paola.marchetti@{DEMO_DOMAIN}", "Paola Marchetti"),
    (f"stefano.colombo@{DEMO_DOMAIN}", "Stefano Colombo"),
    (f"elena.fabbri@{DEMO_DOMAIN}", "Elena Fabbri"),
]
ORGANISER_EMAILS: list[str] = [email for email, _ in ORGANISERS]

_HASHES: dict[tuple, str] = {}


def demo_password_hash() -> str:
    """The hash of DEMO_PASSWORD, computed once per set of argon2 parameters and then reused."""
    config = current_app.config
    key = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])
    if key not in _HASHES:
        _HASHES[key] = hash_password(DEMO_PASSWORD)
    return _HASHES[key]


def ensure_user(
    email: str,
    display_name: str,
    *,
    role: str = Role.MEMBER.value,
    locale: str = "it",
    days_ago: float = 0,
    existing: dict[str, User] | None = None,
) -> tuple[User, bool]:
    """Find the account by email or create it verified, with the demo password; (user, created)."""
    user = existing.get(email) if existing is not None else None
    if user is None and existing is None:
        user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    created_at = utcnow() - timedelta(days=days_ago)
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        locale=locale,
        password_hash=demo_password_hash(),
        created_at=created_at,
        email_verified_at=created_at + timedelta(minutes=7),
    )
    db.session.add(user)
    return user, True


def existing_users(emails) -> dict[str, User]:
    """The accounts that already use these addresses, by email (one query)."""
    emails = list(emails)
    return {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(emails)))}


def load() -> None:
    existing = existing_users([ADMIN_EMAIL, *ORGANISER_EMAILS])
    # The founders: on the platform since its first day, about two years ago.
    ensure_user(ADMIN_EMAIL, ADMIN_NAME, role=Role.ADMIN.value, days_ago=745, existing=existing)
    for index, (email, name) in enumerate(ORGANISERS):
        ensure_user(email, name, role=Role.ORGANISER.value, days_ago=740 - index, existing=existing)
    db.session.flush()
