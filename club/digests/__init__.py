from flask import Blueprint

bp = Blueprint("digests", __name__)


def init_app(app) -> None:
    from club.core import hooks
    from club.digests import services
    from club.digests.forms import FREQUENCY_LABELS, OUTBOX_LABELS

    hooks.register(app, "nav_items", services.nav_item)
    hooks.register(app, "personal_data", services.personal_data)
    hooks.register(app, "scheduled_jobs", services.scheduled_jobs)
    hooks.register(app, "mail_bounced", services.bounced)
    hooks.register(app, "account_deleting", services.account_deleting)
    app.jinja_env.globals.update(
        frequency_label=lambda key: str(FREQUENCY_LABELS.get(key, key)),
        outbox_label=lambda key: str(OUTBOX_LABELS.get(key, key)),
    )


from club.digests import views  # noqa: E402,F401  (routes register on import)
