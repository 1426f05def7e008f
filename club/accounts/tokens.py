"""Signed, expiring links. Each is single-use because it is bound to state its use changes."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenInvalid(Exception):
    pass


class TokenExpired(TokenInvalid):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"club.accounts.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(payload, dict):
        raise TokenInvalid
    return payload


def fingerprint(value: str) -> str:
    """A short digest of a secret (the password hash), so a token can be bound to it without carrying it."""
    return hashlib.sha256(value.encode()).hexdigest()[:20]
