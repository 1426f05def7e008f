from flask import Blueprint

bp = Blueprint("accounts", __name__)


def init_app(app) -> None:
    from club.accounts import activity
    from club.accounts.services import load_session_user
    from club.core import deferred
    from club.extensions import login_manager

    deferred.register(app, activity.KIND, activity.write_visits)
    app.before_request(activity.note_visit)

    login_manager.user_loader(load_session_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page itself says why the visitor is there
    login_manager.session_protection = "basic"


from club.accounts import views  # noqa: E402,F401  (routes register on import)
