from flask import Blueprint

bp = Blueprint("members", __name__)


def init_app(app) -> None:
    from club.core import hooks
    from club.members.services import home_section

    hooks.register(app, "home_sections", home_section)


from club.members import views  # noqa: E402,F401  (routes register on import)
