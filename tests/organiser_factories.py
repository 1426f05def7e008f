"""Helpers for the organiser-console tests: each factory returns what it made, committed.

    organiser_client = console_client(app, make_organiser(locale="en"))   # signed in, English pages
    invitation, token = make_invitation(organiser, "new@example.org")     # a pending invitation
    report(comment, reader, "spam", "buy now")                            # an open report
    hide(comment, organiser)                                              # hidden like the service does
    rows = table_rows(html)                                               # the cells of an HTML table

About signing in: the login POST notes the member's first visit of the day (club/accounts/activity.py).
On SQLite that deferred write currently waits ten seconds for the request's own write lock and is
then dropped (see tests/test_organiser_insights_data.py, the xfail there). `console_login` marks the
person as already seen today first, so the tests that are not about that bug neither wait nor depend
on it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from html import unescape

from sqlalchemy import func, select

from club.cases.models import Comment, CommentReport
from club.core.models import AuditEntry
from club.core.timeutil import utcnow
from club.extensions import db
from club.organiser.models import Invitation
from tests.factories import make_member
from tests.helpers import login

EN = {"Accept-Language": "en"}


# -- people and clients -----------------------------------------------------------------------------


def seen_today(user) -> None:
    """Mark the person as already seen today, so signing in defers no write (see the module's note)."""
    user.last_seen_at = utcnow()
    db.session.commit()


def console_login(client, user):
    seen_today(user)
    return login(client, user)


def console_client(app, user):
    """A new client of `app`, signed in as `user`."""
    client = app.test_client()
    console_login(client, user)
    return client


def make_old_member(days: int = 120, **kwargs):
    """A member who joined `days` ago (and was never seen since, unless told otherwise)."""
    user = make_member(**kwargs)
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return user


# -- invitations ------------------------------------------------------------------------------------


def make_invitation(
    actor,
    email: str | None = None,
    *,
    role: str = "member",
    display_name: str | None = None,
    expires_in: timedelta = timedelta(days=14),
    revoked: bool = False,
    accepted: bool = False,
    created_at: datetime | None = None,
) -> tuple[Invitation, str]:
    """An invitation row as services.invite leaves it (no email), and its secret token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        email=(email or f"invitee-{secrets.token_hex(4)}@example.org").lower(),
        display_name=display_name,
        role=role,
        locale="en",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        invited_by_id=actor.id if actor is not None else None,
        created_at=created_at or now,
        expires_at=now + expires_in,
        revoked_at=now if revoked else None,
        accepted_at=now if accepted else None,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def invitations() -> list[Invitation]:
    db.session.commit()
    db.session.expire_all()
    return list(db.session.scalars(select(Invitation).order_by(Invitation.id)))


# -- comments ---------------------------------------------------------------------------------------


def report(comment, reporter, reason: str = "offensive", note: str | None = None, *, resolved: bool = False):
    row = CommentReport(
        comment_id=comment.id,
        reporter_id=reporter.id,
        reason=reason,
        note=note,
        resolved_at=utcnow() if resolved else None,
        resolution="dismissed" if resolved else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def hide(comment, organiser, reason: str = "Fuori tema", *, age: timedelta = timedelta()):
    row = db.session.get(Comment, comment.id)
    row.hidden_at = utcnow() - age
    row.hidden_by_id = organiser.id
    row.hidden_reason = reason
    db.session.commit()
    return row


# -- reading the database and the pages --------------------------------------------------------------


def count(model, *conditions) -> int:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def audit_rows(kind: str | None = None) -> list[AuditEntry]:
    db.session.commit()
    db.session.expire_all()
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if kind is not None:
        statement = statement.where(AuditEntry.kind == kind)
    return list(db.session.scalars(statement))


def reload(model, object_id):
    db.session.commit()
    db.session.expire_all()
    return db.session.get(model, object_id)


_TAG = re.compile(r"<[^>]+>")


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, white space collapsed."""
    return " ".join(unescape(_TAG.sub(" ", fragment)).split())


def table_rows(html: str, *, section: str = "tbody") -> list[list[str]]:
    """The text of every cell (th and td) of every row inside the first <section> element found."""
    start = html.find(f"<{section}")
    end = html.find(f"</{section}>", start)
    assert start >= 0 and end >= 0, f"no <{section}> in the page"
    body = html[start:end]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        rows.append([text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)])
    return rows


def member_ids_listed(html: str) -> list[int]:
    """The ids of the members a console list shows (links to their console page), in order."""
    return [int(found) for found in re.findall(r'<th scope="row"><a href="/organiser/members/(\d+)">', html)]


def field_errors(html: str) -> list[str]:
    """The messages shown beside fields and above forms."""
    found = [text_of(item) for item in re.findall(r'<ul class="field-errors"[^>]*>(.*?)</ul>', html, flags=re.S)]
    found += [text_of(item) for item in re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', html, flags=re.S)]
    return found
