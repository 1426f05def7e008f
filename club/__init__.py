"""The club platform: create_app builds the Flask application."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, g, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from sqlalchemy.orm import configure_mappers
from werkzeug.routing import IntegerConverter

from club.config import config_from_env
from club.core.i18n import select_locale
from club.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LARGEST_ID = 2**31 - 1
LARGEST_PAGE = 10**6


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def create_app(config=None, instance_path: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # Ids in paths stop at PostgreSQL's integer range: a larger number is a 404, not an overflow (500).
    app.url_map.converters["int"] = BoundedIntConverter
    config_class = config or config_from_env()
    app.config.from_object(config_class)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "club.sqlite3")
    config_class.check(app)
    _configure_pool(app)
    _init_extensions(app)
    _register_blueprints(app)
    # Backrefs (User.profile) exist only once every mapper is configured; do it before any request.
    configure_mappers()
    _register_request_hooks(app)
    _register_template_helpers(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The outermost layer: everything inside (the page cache's fast path too) sees the visitor's
        # address, scheme and host as the proxy reported them.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    from club.core.errors import register_error_handlers

    register_error_handlers(app)

    from club.cli import register_cli

    register_cli(app)
    if os.environ.get("CLUB_RUN_SCHEDULER") == "1" and not app.testing:
        # Development only (`make run` sets it for the server): the jobs in a thread of this process.
        from club.core import scheduler

        scheduler.build(app, blocking=False).start()
    return app


def _configure_pool(app: Flask) -> None:
    """PostgreSQL: a bounded pool per worker, connections checked before use and renewed now and then."""
    # The tests keep SQLAlchemy's defaults: their concurrency tests size their own threads.
    if app.config.get("TESTING") or not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", app.config["DATABASE_POOL_SIZE"])
    options.setdefault("max_overflow", app.config["DATABASE_MAX_OVERFLOW"])
    options.setdefault("pool_timeout", app.config["DATABASE_POOL_TIMEOUT"])
    options.setdefault("pool_recycle", app.config["DATABASE_POOL_RECYCLE"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _init_extensions(app: Flask) -> None:
    from club.core import deferred
    from club.core.db import configure_engine_events, include_name
    from club.core.mail import init_mail

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    limiter.init_app(app)
    login_manager.init_app(app)
    init_mail(app)
    deferred.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from club import accounts, awards, cases, core, digests, events, members, organiser

    # In the layer order of DESIGN.md; each domain's init_app registers what it offers the others.
    for domain, prefix in (
        (core, None),
        (accounts, "/account"),
        (members, "/members"),
        (cases, "/cases"),
        (events, "/events"),
        (awards, "/awards"),
        (digests, "/digests"),
        # Its paths are spelled out: the console lives under /organiser, invitations open at /join.
        (organiser, None),
    ):
        app.register_blueprint(domain.bp, url_prefix=prefix)
        if hasattr(domain, "init_app"):
            domain.init_app(app)


def _register_request_hooks(app: Flask) -> None:
    from club.core import pagecache
    from club.core.security import add_security_headers

    @app.before_request
    def _mark_read_only():
        g._club_read_only = request.method in READ_ONLY_METHODS

    @app.before_request
    def _refuse_absurd_pages():
        # Every list paginates with ?page=N; a page beyond any list would overflow the SQL OFFSET.
        page = request.args.get("page", "")
        if page.isascii() and page.isdigit() and int(page) > LARGEST_PAGE:
            abort(404)

    @app.after_request
    def _commit_once(response):
        # One commit per request, at its end; a refused request leaves the database unchanged.
        if request.method not in READ_ONLY_METHODS:
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        return response

    app.after_request(add_security_headers)
    # Last of the hooks: a page served from the cache still had the user loaded and the visit noted.
    pagecache.init_app(app)


def _nav_items() -> list[dict]:
    from club.core import hooks

    return hooks.collect("nav_items")


def _register_template_helpers(app: Flask) -> None:
    from club.core.forms import EmptyForm, LanguageForm
    from club.core.markdown import render_markdown
    from club.core.presentation import colour_index, initials

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["time"] = lambda value, fmt="short": format_time(value, fmt) if value else ""
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["colour_index"] = colour_index
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""

    @app.context_processor
    def _globals():
        return {
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "language_form": LanguageForm,
            "empty_form": EmptyForm,
            "club_name": app.config["CLUB_NAME"],
            "nav_items": _nav_items,
        }
