from flask import Blueprint

bp = Blueprint("awards", __name__)


def init_app(app) -> None:
    from club.awards import services
    from club.awards.labels import register_labels
    from club.core import hooks

    hooks.register(app, "nav_items", services.nav_item)
    hooks.register(app, "home_sections", services.home_section)
    hooks.register(app, "profile_sections", services.profile_section)
    hooks.register(app, "case_sections", services.case_section)
    hooks.register(app, "week_sections", services.week_section)
    hooks.register(app, "personal_data", services.personal_data)
    hooks.register(app, "scheduled_jobs", services.scheduled_jobs)
    hooks.register(app, "award_winner_case_ids", services.winning_case_ids_condition)
    register_labels(app)


from club.awards import views  # noqa: E402,F401  (routes register on import)
