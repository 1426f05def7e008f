"""Password policy and hashing (argon2id through argon2-cffi)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


@cache
def _common_words() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """A run along a keyboard row or the alphabet, forwards or backwards ("123456...", "asdfgh...")."""
    for row in _KEYBOARD_ROWS:
        for sequence in (row, row[::-1]):
            if len(text) >= 4 and text in sequence * 3:
                return True
    return False


def _made_of_common_words(text: str) -> bool:
    if not text:
        return True
    words = _common_words()
    # Split into any sequence of common words ("passwordpassword", "ciaoamore"), by dynamic programming.
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in words for start in range(end))
    return reachable[-1]


def is_common(password: str) -> bool:
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if len(set(lowered)) <= 3:  # "aaaaaaaaaaaa", "abababababab"
        return True
    if _is_run(lowered) or _is_run(re.sub(r"\W", "", lowered)):
        return True
    return _made_of_common_words(core) or _made_of_common_words(re.sub(r"\W", "", lowered))


def policy_errors(password: str, *, email: str = "", display_name: str = "") -> list:
    """Why the password is refused, or an empty list."""
    if len(password) < MIN_LENGTH:
        return [_l("The password must be at least %(count)d characters long.", count=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_l("The password must be at most %(count)d characters long.", count=MAX_LENGTH)]
    if is_common(password):
        return [_l("This password is too common and easy to guess: choose another one.")]
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        display_name and display_name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        return [_l("The password must not contain your name or your email address.")]
    return []


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_DUMMY_HASH: dict[tuple, str] = {}


def burn_time(password: str) -> None:
    """Spend the time of a real verification, so that an unknown address cannot be told by timing."""
    params = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if params not in _DUMMY_HASH:
        _DUMMY_HASH[params] = hash_password("not-a-real-password-for-timing")
    verify_password(_DUMMY_HASH[params], password)
