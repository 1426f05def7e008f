from flask import Blueprint

bp = Blueprint("cases", __name__)


def init_app(app) -> None:
    from club.cases import activity, labels, search  # noqa: F401  (the search index's DDL events attach on import)
    from club.cases.services import home_section, nav_item, personal_data
    from club.core import deferred, hooks

    deferred.register(app, activity.KIND, activity.write_views)

    hooks.register(app, "home_sections", home_section)
    hooks.register(app, "nav_items", nav_item)
    hooks.register(app, "personal_data", personal_data)
    app.jinja_env.globals.update(
        status_label=labels.status_label,
        action_label=labels.action_label,
        history_label=labels.history_label,
        field_label=labels.field_label,
        change_value=labels.change_value,
    )


from club.cases import views  # noqa: E402,F401  (routes register on import)
