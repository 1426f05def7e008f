"""Test fixtures: one database per session, emptied before every test, and a fresh app per test.

The database is PostgreSQL when TEST_DATABASE_URL is set (`make test-postgres` starts a throw-away
cluster and sets it), otherwise a SQLite file in the session's temporary directory. The schema is
made once per session with db.create_all(); before each test every table is emptied, so tests are
independent and may commit for real (the concurrency tests do).

Each test gets `app` (created with a TestingConfig subclass, its app context pushed for the whole
test) and `client`. Every request of the client runs in its own app context, as in production, so
`g`, the logged-in user and the database session are never shared between the test and the pages
it asks for, nor between two clients.

CSRF and rate limiting are off by default; `@pytest.mark.csrf` / `@pytest.mark.ratelimit` (or the
`csrf_app` / `csrf_client` fixtures) turn them on, `@pytest.mark.config(NAME=value)` sets anything else.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import inspect, make_url, text
from sqlalchemy.exc import OperationalError

import club
from club import create_app
from club.config import TestingConfig
from club.extensions import db
from tests.helpers import counting_queries

# -- the translations -------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """Compile the catalogs as `make translations` does, so plain `pytest` sees the Italian pages too."""
    from babel.messages.frontend import CommandLineInterface

    translations = Path(club.__file__).parent / "translations"
    if any(translations.glob("*/LC_MESSAGES/messages.po")):
        CommandLineInterface().run(["pybabel", "--quiet", "compile", "-d", str(translations)])


# -- the database -----------------------------------------------------------------------------------


def import_all_models() -> None:
    """Import club.<domain>.models for every domain package, so the metadata knows every table.

    create_app imports them already through the blueprints; this keeps the schema complete even
    for a domain whose blueprint does not (yet) import its models.
    """
    for module in pkgutil.iter_modules(club.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"club.{module.name}.models")
            except ModuleNotFoundError as error:
                if error.name != f"club.{module.name}.models":
                    raise


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("database") / "club_test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def database_backend(database_url) -> str:
    """ "sqlite" or "postgresql": for the few tests that check a backend-specific function."""
    return make_url(database_url).get_backend_name()


def _config_class(database_url: str, overrides: dict) -> type:
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }
    return type("TestConfig", (TestingConfig,), settings)


def build_app(database_url: str, instance_path: Path, **overrides) -> Flask:
    """A new application on the test database (no app context pushed)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    app = create_app(_config_class(database_url, overrides), instance_path=str(instance_path))
    app.test_client_class = IsolatedClient
    return app


def _dispose_engines(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session (dropping what an earlier run may have left)."""
    app = build_app(database_url, tmp_path_factory.mktemp("schema-instance"))
    import_all_models()
    with app.app_context():
        db.drop_all()
        db.create_all()
        tables = [table.name for table in db.metadata.sorted_tables]
    _dispose_engines(app)
    return tables


def empty_all_tables() -> None:
    """Delete every row of every table, on the current app's engine."""
    engine = db.engine
    tables = db.metadata.sorted_tables
    if engine.dialect.name == "postgresql":
        names = ", ".join(engine.dialect.identifier_preparer.format_table(table) for table in tables)
        with engine.begin() as connection:
            # A connection an earlier test leaked in the middle of a transaction would make TRUNCATE
            # wait for ever: fail with a message instead.
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            try:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            except OperationalError as error:
                raise RuntimeError(
                    "could not empty the test database: a connection of an earlier test is still in a "
                    "transaction (a thread or a session that was never closed?)"
                ) from error
        return
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            # Checked at commit rather than statement by statement: the order then does not matter
            # even if the schema ever gets a cycle of foreign keys.
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in reversed(tables):
            connection.execute(table.delete())
        if engine.dialect.name == "sqlite" and inspect(connection).has_table("sqlite_sequence"):
            connection.exec_driver_sql("DELETE FROM sqlite_sequence")


# -- the application --------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """A test client whose requests each run in their own app context, as they do in production.

    Flask would otherwise run the request inside the app context the test has pushed, sharing `g`
    (Flask-Login's current user, Flask-Babel's locale) and the SQLAlchemy session between the test,
    its requests and its other clients. Before each request the test's session commits what the test
    set up (ending its transaction, so afterwards it reads what the request wrote on every backend).

    Inside `with client:` (preserved contexts), Flask's ordinary behaviour applies.
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if self.preserve_context or outer is None or outer.app is not self.application:
            return super().open(*args, **kwargs)
        db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def _marker_overrides(request) -> dict:
    overrides: dict = {}
    for marker in reversed(list(request.node.iter_markers("config"))):  # the closest marker wins
        overrides.update(marker.kwargs)
    if request.node.get_closest_marker("csrf"):
        overrides["WTF_CSRF_ENABLED"] = True
    if request.node.get_closest_marker("ratelimit"):
        overrides["RATELIMIT_ENABLED"] = True
    return overrides


@pytest.fixture
def app(request, _schema, database_url, tmp_path):
    """A fresh application on an empty database, with its app context pushed for the test."""
    application = build_app(database_url, tmp_path / "instance", **_marker_overrides(request))
    with application.app_context():
        empty_all_tables()
        yield application
        db.session.remove()
    _dispose_engines(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The app with CSRF protection on (Flask-WTF reads the setting on every request)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mail_outbox(app) -> list:
    """The messages sent so far (email.message.EmailMessage), in order."""
    return app.extensions["club_mail"].outbox


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: client.get(...)`, then `counter.count` / `counter.statements`.

    Counts the statements run on the app's engine by the test and by its requests, leaving out
    BEGIN/COMMIT/ROLLBACK/SAVEPOINT/PRAGMA (pass include_bookkeeping=True to count them too).
    The page cache is off for the test: a counted page is rendered, not served from memory
    (tests/test_page_cache.py counts the statements of a cached answer).
    """
    app.extensions["club_page_cache"].max_bytes = 0

    def factory(*, include_bookkeeping: bool = False):
        return counting_queries(db.engine, include_bookkeeping=include_bookkeeping)

    return factory


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return f"database: {make_url(url).render_as_string(hide_password=True)} (TEST_DATABASE_URL)"
    return "database: SQLite file in the session's temporary directory (set TEST_DATABASE_URL for PostgreSQL)"
