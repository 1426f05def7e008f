"""Per-backend connection settings."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (SQLAlchemy's
        # documented pysqlite recipe), so that BEGIN IMMEDIATE can be asked for where needed.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin") or _sqlite_begin_mode()
        connection.exec_driver_sql(f"BEGIN {mode}")


def _refuse_writes_on_get(session, flush_context, instances) -> None:
    # DESIGN.md: no writes to the database on GET. Fail loudly rather than write by accident.
    if has_request_context() and getattr(g, "_club_read_only", False):
        raise RuntimeError(f"database write during a {request.method} request to {request.path}")


event.listen(FlaskSession, "before_flush", _refuse_writes_on_get)


# Database objects a domain makes itself (full-text indexes): named "fts_..." or "ix_fts_...", they
# are not in the models, and Alembic's comparison must not offer to drop them.
HAND_MADE_PREFIXES = ("fts_", "ix_fts_")


def include_name(name, type_, parent_names) -> bool:
    return not (name or "").startswith(HAND_MADE_PREFIXES)


def _sqlite_begin_mode() -> str:
    """Writing requests take SQLite's write lock at BEGIN (IMMEDIATE), so two of them never read the
    same state and then both write: the second waits (busy_timeout) instead of failing or racing."""
    # The method, not a flag set by a before_request hook: hooks that run earlier (loading the
    # signed-in user) must not start a writing request's transaction as a reader.
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        return "IMMEDIATE"
    return "DEFERRED"


def insert_ignoring_duplicates(table, unique_columns: list[str]):
    """INSERT ... ON CONFLICT (columns) DO NOTHING on SQLite and PostgreSQL: rows a unique key already
    holds are left alone, without an error and without a savepoint per row."""
    from sqlalchemy.dialects import postgresql, sqlite

    from club.extensions import db

    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=unique_columns)


def month_key(column):
    """The calendar month, in the club's time zone (Europe/Rome), of a timestamp column as "YYYY-MM",
    for GROUP BY on either backend.

    SQLite knows no time zones. A timestamp changes month only in the last hours of a UTC month, and
    Italy's clock changes (last Sundays of March and October, 01:00 UTC) never fall in those hours,
    so adding the offset in force at the end of the timestamp's UTC month is exact: two hours from
    March to September, one hour from October to February.
    """
    from sqlalchemy import case, func, literal_column

    from club.extensions import db

    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(literal_column("'Europe/Rome'"), column), "YYYY-MM")
    offset = case((func.strftime("%m", column).between("03", "09"), "+2 hours"), else_="+1 hours")
    return func.strftime("%Y-%m", column, offset)
