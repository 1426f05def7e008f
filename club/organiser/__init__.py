from flask import Blueprint

bp = Blueprint("organiser", __name__)


def init_app(app) -> None:
    from flask_babel import format_percent

    from club.accounts.models import ROLE_LABELS, Role
    from club.cases.forms import REPORT_REASON_CHOICES
    from club.core import hooks
    from club.organiser import backup, services
    from club.organiser.forms import TAXONOMY_LABELS

    hooks.register(app, "nav_items", services.nav_item)
    app.cli.add_command(backup.backup_command)
    app.jinja_env.filters["percent"] = lambda value: format_percent(value) if value is not None else ""
    app.jinja_env.globals.update(
        role_label=lambda key: str(ROLE_LABELS[Role(key)]),
        taxonomy_label=lambda key: str(TAXONOMY_LABELS[key]),
        report_reason_label=lambda key: str(dict(REPORT_REASON_CHOICES).get(key, key)),
    )


from club.organiser import views  # noqa: E402,F401  (routes register on import)
