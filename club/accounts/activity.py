"""When a signed-in member was last seen: written after the response, at most once a day per member
and process, never in the request's own transaction (see club/core/deferred.py)."""

from __future__ import annotations

import threading

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import or_, update

from club.accounts.models import User
from club.core import deferred
from club.core.timeutil import utcnow

KIND = "member_seen"
_lock = threading.Lock()
_MAX_REMEMBERED = 50_000


def note_visit() -> None:
    """Before the request, while the signed-in user is freshly loaded: after the request's commit the
    user would be read again, in a new (on SQLite, write-locking) transaction."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = utcnow()
    today = now.date()
    last = current_user.last_seen_at
    if last is not None and last.date() >= today:
        return
    recorded_on = current_app.extensions.setdefault("club_seen_today", {})
    with _lock:
        if recorded_on.get(current_user.id) == today:
            return
        if len(recorded_on) >= _MAX_REMEMBERED:
            recorded_on.clear()
        recorded_on[current_user.id] = today
    deferred.defer(KIND, (current_user.id, now))


def write_visits(connection, items: list[tuple[int, object]]) -> None:
    latest: dict[int, object] = {}
    for user_id, seen_at in items:
        if user_id not in latest or seen_at > latest[user_id]:
            latest[user_id] = seen_at
    # In the order of the ids: two workers' writers updating the same members (each worker notes a
    # visit once a day on its own) would otherwise lock the rows in opposite orders and deadlock.
    for user_id, seen_at in sorted(latest.items()):
        connection.execute(
            update(User.__table__)
            .where(User.__table__.c.id == user_id)
            .where(or_(User.__table__.c.last_seen_at.is_(None), User.__table__.c.last_seen_at < seen_at))
            .values(last_seen_at=seen_at)
        )
