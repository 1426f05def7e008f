"""Helpers for tests that drive the site through the test client.

login(client, alice)            # asserts the login worked
client.post(url("members.edit_profile"), data={..., "csrf_token": csrf_token(client)})
logout(client)
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import url_for
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event

from tests.factories import DEFAULT_PASSWORD


def url(endpoint: str, **values) -> str:
    """The path of an endpoint, built the way a request would build it (no SERVER_NAME needed)."""
    from flask import current_app

    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _csrf_enabled(client) -> bool:
    return bool(client.application.config.get("WTF_CSRF_ENABLED", True))


def csrf_token(client) -> str:
    """A valid CSRF token for the client's session, exactly as Flask-WTF's generate_csrf makes it.

    Works without fetching a page, so it does not depend on any template; tests of the pages
    themselves can read the token from the HTML with extract_csrf_token.
    """
    app = client.application
    field_name = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    with client.session_transaction() as session:
        if field_name not in session:
            session[field_name] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - Flask-WTF's own recipe
        raw = session[field_name]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')


def extract_csrf_token(html: str | bytes) -> str:
    """The first CSRF token in a page (assert there is one)."""
    if isinstance(html, bytes):
        html = html.decode()
    tag = _CSRF_INPUT.search(html)
    assert tag, "no csrf_token field in the page"
    value = _VALUE.search(tag.group(0))
    assert value, f"csrf_token field without a value: {tag.group(0)}"
    return value.group(1)


def with_csrf(client, data: dict | None = None) -> dict:
    """Form data plus a CSRF token when the client's app checks CSRF."""
    data = dict(data or {})
    if _csrf_enabled(client):
        data.setdefault(client.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), csrf_token(client))
    return data


def login(client, user, password: str = DEFAULT_PASSWORD, *, remember: bool = False, next: str | None = None):
    """Sign in through the login form and assert that it worked (a redirect). Returns the response.

    user is a User or an email address.
    """
    email = user if isinstance(user, str) else user.email
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    if next is not None:
        data["next"] = next
    response = client.post(url("accounts.login"), data=with_csrf(client, data))
    assert response.status_code == 302, (
        f"login as {email} failed with {response.status_code}:\n{response.get_data(as_text=True)[:2000]}"
    )
    return response


def logout(client):
    response = client.post(url("accounts.logout"), data=with_csrf(client))
    assert response.status_code == 302, f"logout failed with {response.status_code}"
    return response


@dataclass
class QueryCounter:
    """The SQL statements run on an engine while the counter was open."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return self.count

    def __str__(self) -> str:
        return f"{self.count} statements:\n" + "\n".join(f"  {sql}" for sql in self.statements)


# Statements SQLAlchemy and the backends issue around every transaction: not queries of the page.
_BOOKKEEPING = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|PRAGMA)\b", re.IGNORECASE)


@contextmanager
def counting_queries(engine, *, include_bookkeeping: bool = False):
    counter = QueryCounter()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        # The facts a page hands to club.core.deferred are written after it, on their own
        # connection: not the page's queries.
        if conn.get_execution_options().get("club_deferred"):
            return
        if include_bookkeeping or not _BOOKKEEPING.match(statement):
            counter.statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
