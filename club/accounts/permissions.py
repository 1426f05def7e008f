from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def is_active_member(viewer) -> bool:
    """A signed-in account that is neither suspended nor deleted (viewer may be anonymous or None)."""
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_active)


def is_active_organiser(viewer) -> bool:
    return is_active_member(viewer) and viewer.is_organiser


def organiser_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_organiser:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
