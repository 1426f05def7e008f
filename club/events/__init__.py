from flask import Blueprint

bp = Blueprint("events", __name__)


def init_app(app) -> None:
    from club.core import hooks
    from club.events import services
    from club.events.forms import KIND_LABELS

    hooks.register(app, "nav_items", services.nav_item)
    hooks.register(app, "home_sections", services.home_section)
    hooks.register(app, "profile_sections", services.profile_section)
    hooks.register(app, "personal_data", services.personal_data)
    hooks.register(app, "scheduled_jobs", services.scheduled_jobs)
    app.jinja_env.globals["session_kind_label"] = lambda kind: str(KIND_LABELS.get(kind, kind))


from club.events import views  # noqa: E402,F401  (routes register on import)
