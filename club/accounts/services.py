"""Account rules: sign-up, verification, login, password and email changes, roles, suspension.

Services flush; the request (or the CLI command) commits.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from club.accounts import passwords, tokens
from club.accounts.models import Role, User
from club.core import audit
from club.core.mail import send_template
from club.core.refusal import Refused
from club.core.timeutil import utcnow
from club.core.urls import external_url
from club.extensions import db

VERIFY = "verify-email"
RESET = "reset-password"
CHANGE_EMAIL = "change-email"


class AccountError(Refused):
    """A refusal of the accounts domain."""


class LoginRefused(AccountError):
    def __init__(self, message, *, unverified: bool = False) -> None:
        super().__init__(message, status=400)
        self.unverified = unverified


def normalise_email(address: str) -> str:
    return address.strip().lower()


def find_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(address)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so old sessions stop working."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def _external(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


# -- sign-up and verification ---------------------------------------------------------------------


def register(email: str, display_name: str, password: str, locale: str | None) -> User | None:
    """Create an unverified account and send the verification link.

    When the address already has an account, that address gets a notice instead and None is
    returned: the page says the same in both cases, so sign-up does not reveal who is a member.
    """
    email = normalise_email(email)
    errors = passwords.policy_errors(password, email=email, display_name=display_name)
    if errors:
        raise AccountError(errors[0])
    existing = find_by_email(email)
    if existing is not None:
        if not existing.is_deleted:
            send_template(
                existing.email,
                "account_exists",
                _l("You already have an account"),
                existing.locale,
                user=existing,
                reset_url=_external("accounts.reset_request"),
            )
        return None
    user = User(
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        locale=locale,
        role=Role.MEMBER.value,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        return None  # a concurrent sign-up with the same address won the race
    send_verification(user)
    return user


def _send_link(user: User, to: str, template: str, subject, endpoint: str, token: str, max_age_key: str) -> None:
    """An email with a signed link, telling for how many hours it works."""
    send_template(
        to,
        template,
        subject,
        user.locale,
        user=user,
        url=_external(endpoint, token=token),
        hours=current_app.config[max_age_key] // 3600,
    )


def send_verification(user: User) -> None:
    token = tokens.make_token(VERIFY, {"u": user.id, "e": user.email})
    _send_link(
        user,
        user.email,
        "verify_email",
        _l("Confirm your email address"),
        "accounts.verify_email",
        token,
        "VERIFY_TOKEN_MAX_AGE",
    )


def resend_verification(email: str) -> None:
    user = find_by_email(email)
    if user is not None and user.is_active and not user.is_verified:
        send_verification(user)


def _user_from_token(purpose: str, token: str, max_age_key: str) -> tuple[User, dict]:
    try:
        payload = tokens.read_token(purpose, token, current_app.config[max_age_key])
    except tokens.TokenExpired as error:
        raise AccountError(_l("This link has expired. Ask for a new one.")) from error
    except tokens.TokenInvalid as error:
        raise AccountError(_l("This link is not valid. Check that you copied all of it.")) from error
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or user.is_deleted:
        raise AccountError(_l("This link is not valid. Check that you copied all of it."))
    return user, payload


def check_verification_token(token: str) -> User:
    user, payload = _user_from_token(VERIFY, token, "VERIFY_TOKEN_MAX_AGE")
    if payload.get("e") != user.email or user.is_verified:
        raise AccountError(_l("This link has already been used."))
    return user


def verify_email(token: str) -> User:
    user = check_verification_token(token)
    user.email_verified_at = utcnow()
    db.session.flush()
    return user


# -- login -----------------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    user = find_by_email(email)
    if user is None or user.is_deleted:
        passwords.burn_time(password)
        raise LoginRefused(_l("Wrong email address or password."))
    if not passwords.verify_password(user.password_hash, password):
        raise LoginRefused(_l("Wrong email address or password."))
    if user.suspended_at is not None:
        # Eager gettext: the reason is text typed by an organiser, and a lazy string would reach the
        # page as markup with the reason unescaped.
        raise LoginRefused(
            gettext(
                "Your account is suspended: %(reason)s. Write to the organisers if you think this is a mistake.",
                reason=user.suspension_reason or "-",
            )
        )
    if not user.is_verified:
        raise LoginRefused(_l("Confirm your email address first: we sent you a link."), unverified=True)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


# -- password --------------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link when the address belongs to an active account; silently nothing otherwise."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = tokens.make_token(RESET, {"u": user.id, "h": tokens.fingerprint(user.password_hash)})
    _send_link(
        user,
        user.email,
        "reset_password",
        _l("Reset your password"),
        "accounts.reset_password",
        token,
        "RESET_TOKEN_MAX_AGE",
    )


def check_reset_token(token: str) -> User:
    user, payload = _user_from_token(RESET, token, "RESET_TOKEN_MAX_AGE")
    if payload.get("h") != tokens.fingerprint(user.password_hash):
        raise AccountError(_l("This link has already been used."))
    if not user.is_active:
        raise AccountError(_l("This account cannot be used at the moment."))
    return user


def _set_password(user: User, new_password: str) -> None:
    errors = passwords.policy_errors(new_password, email=user.email, display_name=user.display_name)
    if errors:
        raise AccountError(errors[0], field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1  # every other session and remember-me cookie ends here


def reset_password(token: str, new_password: str) -> User:
    user = check_reset_token(token)
    _set_password(user, new_password)
    # Following the emailed link proves the address, as the verification link would.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_l("The current password is not right."), field="current_password")
    _set_password(user, new_password)
    db.session.flush()
    send_template(user.email, "password_changed", _l("Your password was changed"), user.locale, user=user)


# -- email change ----------------------------------------------------------------------------------


def request_email_change(user: User, password: str, new_email: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError(_l("The current password is not right."), field="current_password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError(_l("This is already your email address."), field="new_email")
    token = tokens.make_token(CHANGE_EMAIL, {"u": user.id, "old": user.email, "new": new_email})
    # The link goes to the new address (proving it); if that address is taken, the confirmation fails.
    _send_link(
        user,
        new_email,
        "confirm_email_change",
        _l("Confirm your new email address"),
        "accounts.confirm_email_change",
        token,
        "EMAIL_CHANGE_TOKEN_MAX_AGE",
    )
    send_template(
        user.email,
        "email_change_requested",
        _l("A change of your email address was requested"),
        user.locale,
        user=user,
        new_email=new_email,
    )


def check_email_change_token(token: str) -> tuple[User, str]:
    user, payload = _user_from_token(CHANGE_EMAIL, token, "EMAIL_CHANGE_TOKEN_MAX_AGE")
    if payload.get("old") != user.email or not isinstance(payload.get("new"), str):
        raise AccountError(_l("This link has already been used."))
    return user, payload["new"]


def confirm_email_change(token: str) -> User:
    user, new_email = check_email_change_token(token)
    old_email = user.email
    if find_by_email(new_email) is not None:
        raise AccountError(_l("Another account already uses this address."), status=409)
    user.email = new_email
    user.email_verified_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise AccountError(_l("Another account already uses this address."), status=409) from error
    send_template(
        old_email, "email_changed", _l("Your email address was changed"), user.locale, user=user, new_email=new_email
    )
    return user


# -- roles and suspension --------------------------------------------------------------------------


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def suspend(actor: User, user: User, reason: str) -> None:
    if not actor.is_organiser:
        raise AccountError(_l("Only organisers can suspend members."), status=403)
    if user.id == actor.id:
        raise AccountError(_l("You cannot suspend yourself."), status=409)
    if user.is_admin and not actor.is_admin:
        raise AccountError(_l("Only an administrator can suspend an administrator."), status=403)
    if user.is_deleted:
        raise AccountError(_l("This account has been deleted."), status=409)
    if user.suspended_at is not None:
        raise AccountError(_l("This member is already suspended."), status=409)
    user.suspended_at = utcnow()
    user.suspension_reason = reason
    user.session_version += 1
    audit.record(actor, "member.suspend", user_scope(user.id), user.display_name, reason=reason)
    db.session.flush()


REASON_MIN, REASON_MAX = 3, 500


def reactivate(actor: User, user: User, reason: str) -> None:
    """Lift a suspension; the organiser says why, for the audit log."""
    if not actor.is_organiser:
        raise AccountError(_l("Only organisers can reactivate members."), status=403)
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise AccountError(
            _l("Give a reason of at least %(min)d and at most %(max)d characters.", min=REASON_MIN, max=REASON_MAX),
            field="reason",
        )
    if user.suspended_at is None:
        raise AccountError(_l("This member is not suspended."), status=409)
    suspension_reason = user.suspension_reason
    user.suspended_at = None
    user.suspension_reason = None
    audit.record(
        actor,
        "member.reactivate",
        user_scope(user.id),
        user.display_name,
        reason=reason,
        suspension_reason=suspension_reason,
    )
    db.session.flush()


def create_or_promote_admin(email: str, password: str | None, display_name: str | None) -> tuple[User, bool]:
    """For the create-admin command: promote an existing account, or create a verified admin."""
    user = find_by_email(email)
    if user is not None:
        user.role = Role.ADMIN.value
        db.session.flush()
        return user, False
    if not password:
        raise AccountError(_l("A password is needed to create a new account."))
    name = display_name or email.split("@", 1)[0]
    errors = passwords.policy_errors(password, email=email, display_name=name)
    if errors:
        raise AccountError(errors[0])
    user = User(
        email=normalise_email(email),
        display_name=name,
        role=Role.ADMIN.value,
        password_hash=passwords.hash_password(password),
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user, True


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def erase_account(user: User) -> None:
    """Remove the personal data of an account while keeping its row for what it wrote."""
    user.email = f"deleted-{user.id}@invalid.invalid"
    user.display_name = ""
    user.password_hash = "!"  # noqa: S105 - not a password: no password verifies against this
    user.locale = None
    user.role = Role.MEMBER.value
    user.suspension_reason = None
    user.deleted_at = utcnow()
    user.session_version += 1
    db.session.flush()
