from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from flask import abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import text

from club.core import bp, hooks
from club.core.forms import LanguageForm
from club.core.i18n import LANGUAGE_COOKIE
from club.core.mail import mailbox_directory
from club.core.pagecache import cacheable
from club.core.urls import safe_next
from club.extensions import db


@bp.get("/")
@cacheable()
def home():
    sections = hooks.collect("home_sections")
    return render_template("core/home.html", sections=sections)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    """The switcher of a signed-in member: the choice is kept on the account too."""
    form = LanguageForm()
    if not form.validate() or form.language.data not in current_app.config["LANGUAGES"]:
        abort(400)
    language = form.language.data
    if current_user.is_authenticated:
        current_user.locale = language
    return _remember_language(language, form.next.data)


@bp.get("/language/<code>")
def choose_language(code: str):
    """The switcher of a visitor: a link that only sets the language cookie (nothing is stored), so
    the pages visitors see carry nothing of their own and can be served from the page cache."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    return _remember_language(code, request.args.get("next"))


def _remember_language(language: str, next_url: str | None):
    response = make_response(redirect(safe_next(next_url, url_for("core.home"))))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _mailbox_enabled() -> None:
    if not (current_app.debug and current_app.config["DEV_MAILBOX"]):
        abort(404)


_MESSAGE_NAME = re.compile(r"^[0-9T]+-[0-9a-f]{8}\.eml$")
_URL = re.compile(r"https?://[^\s<>\"]+")


def _read_message(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@bp.get("/dev/mailbox")
def mailbox():
    _mailbox_enabled()
    directory = mailbox_directory(current_app)
    paths = sorted(directory.glob("*.eml"), reverse=True)[:100] if directory.exists() else []
    messages = [(path.name, _read_message(path)) for path in paths]
    return render_template("core/mailbox.html", messages=messages)


@bp.get("/dev/mailbox/<name>")
def mailbox_message(name: str):
    _mailbox_enabled()
    if not _MESSAGE_NAME.match(name):
        abort(404)
    path = mailbox_directory(current_app) / name
    if not path.exists():
        abort(404)
    message = _read_message(path)
    body = message.get_body(preferencelist=("plain",))
    plain = body.get_content() if body else ""
    # Escape first, then make the links clickable, so the page shows the text and nothing else.
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', str(escape(plain)))
    return render_template("core/mailbox_message.html", name=name, message=message, body=Markup(linked))  # noqa: S704 - escaped above
