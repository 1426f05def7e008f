"""Which language a page speaks: the member's choice, then the cookie, then the browser."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and the scheduler: emails choose their language themselves
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        preferred = getattr(current_user, "locale", None)
        if preferred in languages:
            return preferred
    return visitor_locale(request, languages, current_app.config["BABEL_DEFAULT_LOCALE"])


def visitor_locale(request, languages, default: str) -> str:
    """The language of someone not signed in: the cookie the switcher set, then the browser's choice."""
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or default
